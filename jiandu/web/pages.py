"""Rendering a page: one Jinja2 environment (autoescape on), the language, the user, the CSRF token."""

from __future__ import annotations

from functools import cache

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from core.labels import ACTORS, one_language
from core.timeutil import local_iso
from jiandu.web.i18n import lang_of, translator
from jiandu.web.security import ROLE_LABELS, csrf_token, current_staff


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("jiandu.web", "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["duration"] = duration
    env.filters["one_language"] = one_language
    env.globals.update(ROLE_LABELS=ROLE_LABELS, local_iso=local_iso, SYSTEM_ACTORS=frozenset(ACTORS))
    return env


def duration(minutes: int, lang: str) -> str:
    """120 → '2 小时' / '2 hours'; 30 → '30 分钟' / '30 minutes' (the policy's clocks, in words)."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} 小时" if lang == "zh" else f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} 分钟" if lang == "zh" else f"{minutes} minutes"


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "text": message})


def labels_for(request: Request):
    """The words for every code (core/labels.py): this organisation's, under the policy in force;
    read once per request."""
    if getattr(request.state, "labels", None) is None:
        from core.orgservice import labels_of

        runtime = request.app.state.runtime
        request.state.labels = labels_of(runtime.db, runtime.policy)
    return request.state.labels


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    """``L`` names a code in the page's language (``L.window('inv-1')`` → 1号开票窗口), ``labels``
    gives both (``labels.clock('respond')`` → ('及时回复', 'reply'))."""
    lang = lang_of(request)
    t = translator(lang)
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    labels = labels_for(request)
    html = environment().get_template(template).render(
        request=request, lang=lang, t=t, staff=current_staff(request), csrf=csrf_token(request),
        flashes=flashes, path=request.url.path, labels=labels, L=labels.in_lang(lang), **context)
    return HTMLResponse(html, status_code=status_code)
