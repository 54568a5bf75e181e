"""Rendering a page: one Jinja2 environment (autoescape on), the language, the user, the CSRF token."""

from __future__ import annotations

from functools import cache

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from appeals.machine import EVENT_LABELS as APPEAL_EVENTS
from appeals.machine import STATE_LABELS as APPEAL_STATES
from core.timeutil import local_iso
from jiandu.web.i18n import lang_of, translator
from jiandu.web.security import ROLE_LABELS, csrf_token, current_staff
from states.machine import EVENT_LABELS, STATE_LABELS, history_label

EVENT_EN = {"verify": "Verify", "arrive": "Arrive on site", "resolve": "Resolve", "dismiss": "Dismiss",
            "escalate": "Escalate", "receive": "Received", "break": "Deadline missed (top rung)",
            "incident_open": "Quality incident reported"}
STATE_EN = {"received": "received", "verified": "verified", "on_site": "on site", "resolved": "resolved",
            "escalated": "escalated", "dismissed": "dismissed"}


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("jiandu.web", "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["duration"] = duration
    env.globals.update(EVENT_LABELS=EVENT_LABELS, STATE_LABELS=STATE_LABELS, EVENT_EN=EVENT_EN, STATE_EN=STATE_EN,
                       ROLE_LABELS=ROLE_LABELS, local_iso=local_iso,
                       history_label=history_label, APPEAL_STATES=APPEAL_STATES,
                       APPEAL_EVENTS={**APPEAL_EVENTS, "file": "提交申诉"})
    return env


def duration(minutes: int, lang: str) -> str:
    """120 → '2 小时' / '2 hours'; 30 → '30 分钟' / '30 minutes' (the policy's clocks, in words)."""
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} 小时" if lang == "zh" else f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} 分钟" if lang == "zh" else f"{minutes} minutes"


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append({"kind": kind, "text": message})


def page(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    lang = lang_of(request)
    t = translator(lang)
    flashes = request.session.pop("flash", []) if "session" in request.scope else []
    html = environment().get_template(template).render(
        request=request, lang=lang, t=t, staff=current_staff(request), csrf=csrf_token(request),
        flashes=flashes, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code)
