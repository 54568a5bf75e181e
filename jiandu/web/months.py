"""The president's office's month page: close a draft (preview, differences from the previous
draft), publish once the month is over, download the payroll spreadsheet."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.errors import NotFound
from core.timeutil import BUSINESS_TZ, month_bounds, utcnow
from jiandu.web.pages import flash, page
from jiandu.web.security import Staff, check_csrf, require_team

router = APIRouter(include_in_schema=False)


def _months(request: Request):
    return request.app.state.runtime.months()


def _this_and_last_month() -> list[str]:
    today = utcnow().astimezone(BUSINESS_TZ)
    last = (today.replace(day=1).toordinal() - 1)
    from datetime import date

    previous = date.fromordinal(last)
    return [today.strftime("%Y-%m"), previous.strftime("%Y-%m")]


@router.get("/months", response_class=HTMLResponse)
def months(request: Request, staff: Staff = Depends(require_team)):
    closed = _months(request).months()
    known = {m["month"] for m in closed}
    open_months = [m for m in _this_and_last_month() if m not in known]
    return page(request, "months.html.j2", closed=closed, open_months=open_months)


@router.get("/months/{month}", response_class=HTMLResponse)
def month(month: str, request: Request, staff: Staff = Depends(require_team)):
    from core.orgservice import org_snapshot

    _, end = month_bounds(month)
    try:
        view = _months(request).show(month)
    except NotFound:
        view = None
    org = org_snapshot(request.app.state.runtime.db, include_inactive=True)
    names = {p["id"]: p["name"] for p in org["people"]}
    units = {u["code"]: u["name"] for u in org["units"]}
    return page(request, "month.html.j2", month=month, view=view, names=names, units=units,
                over=utcnow() >= end, may_close=staff.is_office)


@router.post("/months/{month}/close", dependencies=[Depends(check_csrf)])
def close(month: str, request: Request, staff: Staff = Depends(require_team)):
    view = _months(request).close(month, staff.id)
    flash(request, f"{month}: 草稿 #{view['drafts']} / draft {view['drafts']} ✓")
    return RedirectResponse(f"/months/{month}", status_code=303)


@router.post("/months/{month}/publish", dependencies=[Depends(check_csrf)])
def publish(month: str, request: Request, staff: Staff = Depends(require_team)):
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
