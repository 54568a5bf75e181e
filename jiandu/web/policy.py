"""The rules in the console (issue 13.3): the month's policy as a page a person reads (每条规则, its
number, the seed's sentence), and a change by the president's office: drafted in a form, previewed
with the what-if on the last published month, then saved to apply from the next open month
(scoring/policyservice.py, core/policystore.py)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from core.errors import Forbidden, InvalidInput
from core.policy import PolicyError, parse_policy
from core.policyrules import draft_from_form, load_rules
from jiandu.web.pages import flash, page
from jiandu.web.security import Staff, check_csrf, require_team

router = APIRouter(include_in_schema=False)


def _service(request: Request):
    from scoring.policyservice import PolicyService

    runtime = request.app.state.runtime
    return PolicyService(runtime.db, runtime.policy, runtime.settings)


def _office(staff: Staff) -> None:
    if not staff.is_office:
        raise Forbidden("仅总裁办可修改规则 / only the president's office changes the rules")


def _labels(request: Request, policy):
    from core.orgservice import labels_of

    return labels_of(request.app.state.runtime.db, policy)


@router.get("/policy", response_class=HTMLResponse)
def rules_page(request: Request, month: str | None = None, staff: Staff = Depends(require_team)):
    """The rules in force (or those of ``month``): every rule in words with the seed's sentence."""
    service = _service(request)
    in_force = service.in_force()
    if month:
        policy, known_as = service.of_month(month)
    else:
        policy, known_as = in_force["policy"], None
    speaker = _labels(request, policy).in_lang(_lang(request))
    history = service.history()
    return page(request, "policy.html.j2", sections=load_rules().readable(policy, _lang(request)),
                version=policy.version, month=month, known_as=known_as, in_force=in_force, history=history,
                saved_by=speaker.person(in_force["saved_by"]) if in_force["saved_by"] else None,
                person=speaker.person, may_change=staff.is_office)


@router.get("/policy/draft", response_class=HTMLResponse)
def draft_page(request: Request, staff: Staff = Depends(require_team)):
    _office(staff)
    service = _service(request)
    return _draft(request, service, service.policy)


@router.post("/policy/preview", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
async def preview(request: Request, staff: Staff = Depends(require_team)):
    """The form's draft with what it would have changed in the last published month; stores nothing."""
    _office(staff)
    form = await request.form()
    service = _service(request)
    fields = {key: [str(v) for v in form.getlist(key)] for key in form.keys() if key != "csrf"}
    try:
        draft = draft_from_form(service.policy, fields)
    except InvalidInput as exc:
        return _draft(request, service, service.policy, values=fields, error=str(exc), error_field=exc.field,
                      status_code=422)
    result = await run_in_threadpool(service.preview, draft)
    return _draft(request, service, draft, preview=result)


@router.post("/policy/save", dependencies=[Depends(check_csrf)])
async def save(request: Request, staff: Staff = Depends(require_team)):
    """Save the previewed draft: in force from the next open month; who and when are kept."""
    _office(staff)
    form = await request.form()
    service = _service(request)
    try:
        draft = parse_policy(json.loads(str(form.get("draft") or "")), where="draft")
    except (ValueError, PolicyError) as exc:  # JSONDecodeError is a ValueError
        raise InvalidInput(f"draft: {exc} 草案无法读取，请重新起草", field="draft") from None
    if str(form.get("previewed") or "") != draft.version:
        raise InvalidInput("draft: preview it first 请先预览试算再保存", field="previewed")
    note = str(form.get("note") or "").strip() or None
    saved = await run_in_threadpool(lambda: service.save(draft, staff.id, based_on=str(form.get("based_on") or ""),
                                                         note=note))
    start = saved["applies_from"]
    flash(request, f"规则已保存，自{start}起适用 / saved: applies from {start}" if start else
          "规则已保存，适用于所有未公布的月份 / saved: applies to every month not published")
    return RedirectResponse("/policy", status_code=303)


def _lang(request: Request) -> str:
    from jiandu.web.i18n import lang_of

    return lang_of(request)


def _draft(request: Request, service, draft, *, values: dict | None = None, preview: dict | None = None,
           error: str | None = None, error_field: str | None = None, status_code: int = 200) -> HTMLResponse:
    """The form (prefilled with ``draft``, or the values posted when one is refused), the rules it
    changes and, once previewed, the what-if and the save button."""
    from scoring.whatif import FIELD_LABELS, TOTAL_LABELS

    lang = _lang(request)
    rules = load_rules()
    current = service.policy
    sections = rules.form(draft, lang)
    if values:  # a refused draft: show what was typed, to correct it
        for section in sections:
            for field in section["fields"]:
                _posted(field, values)
    changes = []
    if preview:
        before = {r["key"]: r for s in rules.readable(current, lang) for r in s["rules"]}
        changes = [{**r, "before": before[r["key"]]["value"]} for s in rules.readable(draft, lang)
                   for r in s["rules"] if r["value"] != before[r["key"]]["value"]]
    names, units = {}, {}
    if preview and preview["whatif"]:
        from core.orgservice import org_snapshot

        org = org_snapshot(request.app.state.runtime.db, include_inactive=True)
        names, units = {p["id"]: p["name"] for p in org["people"]}, {u["code"]: u["name"] for u in org["units"]}

    def pairs(labels: dict) -> dict:
        return {k: tuple(v.split(" / ", 1)) for k, v in labels.items()}

    return page(request, "policy_draft.html.j2", status_code=status_code, sections=sections, error=error,
                error_field=error_field, preview=preview, result=preview["whatif"] if preview else None,
                changes=changes, based_on=current.version, draft_version=draft.version,
                draft_json=json.dumps(draft.model_dump(mode="json"), ensure_ascii=False, sort_keys=True),
                names=names, units=units, field_labels=pairs(FIELD_LABELS), total_labels=pairs(TOTAL_LABELS))


def _posted(field: dict, values: dict) -> None:
    name = field["name"]
    if field["kind"] == "steps":
        for n, step in enumerate(field["value"]):
            for part in ("label", "label_en", "hours"):
                if f"{name}.{n}.{part}" in values:
                    step[part] = values[f"{name}.{n}.{part}"][-1]
    elif field["kind"] == "choices" and name in values:
        field["chosen"] = {v for v in values[name] if v}
    elif field["kind"] == "choice" and name in values:
        field["chosen"] = {values[name][-1]}
    elif name in values:
        field["value"] = values[name][-1]
