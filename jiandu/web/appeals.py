"""Appeals on the web: a person appeals a line of his published record (shown on /me, jiandu/web/me.py);
the reviewer's queue and decision."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from jiandu.web.pages import flash, page
from jiandu.web.params import DbId
from jiandu.web.security import Staff, check_csrf, require_staff, require_team

router = APIRouter(include_in_schema=False)


def _appeals(request: Request):
    return request.app.state.runtime.appeals()


@router.post("/me/lines/{line_id}/appeal", dependencies=[Depends(check_csrf)])
async def file_appeal(line_id: DbId, request: Request, staff: Staff = Depends(require_staff)):
    form = await request.form()
    appeal = _appeals(request).file(staff.id, line_id, str(form.get("reason") or ""))
    flash(request, f"申诉 #{appeal['id']} 已提交 / appeal #{appeal['id']} filed ✓")
    return RedirectResponse("/me", status_code=303)


@router.get("/appeals", response_class=HTMLResponse)
def appeal_queue(request: Request, staff: Staff = Depends(require_team)):
    service = _appeals(request)
    mine = service.list(reviewer=staff.id, state="open")
    everyone = service.list() if staff.is_office else []
    return page(request, "appeals.html.j2", mine=mine, everyone=everyone)


@router.get("/appeals/{appeal_id}", response_class=HTMLResponse)
def appeal_page(appeal_id: DbId, request: Request, staff: Staff = Depends(require_staff)):
    service = _appeals(request)
    a = service.show(appeal_id)
    allowed = service.allowed_for(appeal_id, staff.id)
    reviewers = {h["reviewer"] for h in a["history"]}
    if not (a["person"] == staff.id or staff.is_office or staff.id in reviewers or allowed):
        from core.errors import Forbidden

        # Not his supervisor nor the verifier either: they are kept out of the review on purpose.
        raise Forbidden("只能查看本人或由您复核的申诉 / only your own appeals or those you review")
    return page(request, "appeal.html.j2", a=a, allowed=allowed)


@router.post("/appeals/{appeal_id}/decide", dependencies=[Depends(check_csrf)])
async def decide(appeal_id: DbId, request: Request, staff: Staff = Depends(require_team)):
    form = await request.form()
    decision = str(form.get("decision") or "")
    if decision not in ("uphold", "reject"):
        from core.errors import InvalidInput

        raise InvalidInput("decision: uphold or reject 请选择成立或驳回")
    _appeals(request).decide(appeal_id, staff.id, decision == "uphold", str(form.get("note") or ""))
    flash(request, f"申诉 #{appeal_id}: {decision} ✓")
    return RedirectResponse(f"/appeals/{appeal_id}", status_code=303)
