"""The president's office's month page: close a draft (preview, differences from the previous
draft), publish once the month is over, download the payroll spreadsheet; on a published month,
a what-if under a pasted or uploaded draft policy (政策试算)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.errors import Forbidden, InvalidInput, NotFound
from core.timeutil import current_month, month_bounds, previous_month, utcnow
from jiandu.web.pages import flash, page
from jiandu.web.security import Staff, check_csrf, require_team

router = APIRouter(include_in_schema=False)


def _months(request: Request):
    return request.app.state.runtime.months()


def _this_and_last_month() -> list[str]:
    now = utcnow()
    return [current_month(now), previous_month(now)]


@router.get("/months", response_class=HTMLResponse)
def months(request: Request, staff: Staff = Depends(require_team)):
    closed = _months(request).months()
    known = {m["month"] for m in closed}
    open_months = [m for m in _this_and_last_month() if m not in known]
    return page(request, "months.html.j2", closed=closed, open_months=open_months)


@router.get("/months/{month}", response_class=HTMLResponse)
def month(month: str, request: Request, staff: Staff = Depends(require_team)):
    _, end = month_bounds(month)
    try:
        view = _months(request).show(month)
    except NotFound:
        view = None
    from scoring.close import publication_summary

    may_whatif = staff.is_office and view is not None and view["status"] == "published"
    return page(request, "month.html.j2", month=month, view=view,
                over=utcnow() >= end, may_close=staff.is_office, may_whatif=may_whatif,
                publishes=publication_summary(view) if view else None,
                policy_text=_current_policy_text(request) if may_whatif else "")


def _current_policy_text(request: Request) -> str:
    """The policy in force, as a starting point for a draft: the file with its comments while it is
    in force, else the version saved in the console as TOML (empty if the file cannot be read)."""
    from core.policy import PolicyError, policy_to_toml

    runtime = request.app.state.runtime
    policy = runtime.policy
    try:
        from_file = policy is runtime.policies.file_policy()
    except PolicyError:  # the file is broken, but a saved version is in force
        from_file = False
    if not from_file:
        return policy_to_toml(policy)
    try:
        return runtime.settings.policy_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


@router.post("/months/{month}/close", dependencies=[Depends(check_csrf)])
def close(month: str, request: Request, staff: Staff = Depends(require_team)):
    view = _months(request).close(month, staff.id)
    flash(request, f"{month}: 草稿 #{view['drafts']} / draft {view['drafts']} ✓")
    return RedirectResponse(f"/months/{month}", status_code=303)


@router.post("/months/{month}/publish", dependencies=[Depends(check_csrf)])
async def publish(month: str, request: Request, staff: Staff = Depends(require_team)):
    from core.errors import Conflict

    form = await request.form()
    if form.get("confirm") != "yes":
        raise InvalidInput("confirm: tick 确认公布 after checking the figures 请核对数字后勾选“确认公布”")
    draft = _months(request).show(month).get("drafts")
    if str(form.get("draft") or "") != str(draft):  # someone closed again since the page was read
        raise Conflict(f"{month}: draft {draft} is newer than the one confirmed 草稿已更新，请核对后再公布")
    _months(request).publish(month, staff.id)  # now: the web never backdates
    flash(request, f"{month}: 已公布 / published ✓")
    return RedirectResponse(f"/months/{month}", status_code=303)


@router.get("/months/{month}/notice.xlsx")
def spreadsheet(month: str, request: Request, staff: Staff = Depends(require_team)):
    from core.orgservice import org_snapshot
    from notifications.notice import render_notice_xlsx

    runtime = request.app.state.runtime
    view = _months(request).show(month)
    org = org_snapshot(runtime.db, include_inactive=True)
    data = render_notice_xlsx(view, org, mask_names=runtime.settings.mask_names)
    suffix = "" if view["status"] == "published" else "-draft"
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="jiandu-{month}{suffix}.xlsx"'})


WHATIF_LIMIT = 256 * 1024  # a policy file is a few kilobytes


@router.post("/months/{month}/whatif", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
async def whatif(month: str, request: Request, staff: Staff = Depends(require_team)):
    """Score the published month under a draft policy (pasted, or an uploaded file); store nothing."""
    from starlette.concurrency import run_in_threadpool

    from scoring.policyservice import PolicyService

    if not staff.is_office:
        raise Forbidden("仅总裁办可做政策试算 / only the president's office runs a what-if")
    month_bounds(month)
    form = await request.form()
    text, where = str(form.get("policy") or ""), "政策草案 / draft policy"
    upload = form.get("policy_file")
    if upload is not None and getattr(upload, "filename", ""):
        data = await upload.read(WHATIF_LIMIT + 1)
        where = upload.filename
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _whatif_refused(request, month, "", f"{where}: not UTF-8 text 不是UTF-8文本")
    if not text.strip():
        return _whatif_refused(request, month, text, "policy: empty; paste a policy TOML or choose a file "
                                                     "请粘贴政策TOML或选择文件")
    if len(text.encode("utf-8")) > WHATIF_LIMIT:
        return _whatif_refused(request, month, "", f"{where}: larger than {WHATIF_LIMIT // 1024} KB 文件过大")
    runtime = request.app.state.runtime
    service = PolicyService(runtime.db, runtime.policy, runtime.settings)
    try:
        result = await run_in_threadpool(service.whatif_text, month, text, where)
    except InvalidInput as exc:
        return _whatif_refused(request, month, text, str(exc))
    return _whatif_page(request, month, text, result=result)


def _whatif_refused(request: Request, month: str, text: str, message: str) -> HTMLResponse:
    """The draft cannot be read: the same page with the reason and the text, to correct it (422)."""
    return _whatif_page(request, month, text, error=message, status_code=422)


def _whatif_page(request: Request, month: str, text: str, *, result: dict | None = None,
                 error: str | None = None, status_code: int = 200) -> HTMLResponse:
    from scoring.whatif import FIELD_LABELS, TOTAL_LABELS

    def pairs(labels: dict) -> dict:  # "扣分 / points deducted" → ("扣分", "points deducted") for t()
        return {k: tuple(v.split(" / ", 1)) for k, v in labels.items()}

    return page(request, "whatif.html.j2", status_code=status_code, month=month, result=result, error=error,
                text=text, field_labels=pairs(FIELD_LABELS),
                total_labels=pairs(TOTAL_LABELS))
