"""The supervisor console: login, my queue, all complaints, a complaint's page, the dashboard."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core import labels
from core.errors import InvalidInput
from jiandu.web.i18n import lang_of
from jiandu.web.pages import flash, page
from jiandu.web.params import DbId
from jiandu.web.security import Staff, check_csrf, current_staff, require_team, start_session
from states.machine import EVENTS, STATES
from states.photos import MAX_PHOTO_BYTES

router = APIRouter(include_in_schema=False)
PAGE = 200  # complaints per page of the list, newest first
PageBefore = Annotated[int | None, Query(ge=1, le=2**31 - 1)]


def _runtime(request: Request):
    return request.app.state.runtime


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


# ---- login ---------------------------------------------------------------------------------------

@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/"):
    return page(request, "login.html.j2", next=_safe_next(next), error=None, user="", demo=_demo_people(request))


# argon2 runs in threads of its own, at most this many at once: further log-ins wait for one, the
# event loop and the threads of every other request never do.
HASHING_THREADS = 2


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
async def login(request: Request):
    from anyio import CapacityLimiter, to_thread

    from core.errors import Forbidden

    budgets = request.app.state.budgets
    budgets.check("login", request)  # spraying from one address: stopped before any hash
    form = await request.form()
    accounts = _runtime(request).accounts()
    target = _safe_next(str(form.get("next") or "/"))
    if getattr(request.app.state, "hashing_threads", None) is None:
        request.app.state.hashing_threads = CapacityLimiter(HASHING_THREADS)
    user = str(form.get("user") or "").strip()
    try:
        person = await to_thread.run_sync(accounts.login, user, str(form.get("password") or ""),
                                          limiter=request.app.state.hashing_threads)
    except Forbidden as exc:  # the 工号 stays filled in: only the password is typed again
        budgets.spend("login", request)
        return page(request, "login.html.j2", status_code=403, next=target, error=str(exc), user=user[:64],
                    demo=_demo_people(request))
    start_session(request, person)
    return RedirectResponse(target, status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request):
    from core.accounts import AccountService

    staff = current_staff(request)
    if staff is not None:  # every copy of the cookie ends too
        AccountService(_runtime(request).db).end_sessions(staff.id)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _demo_people(request: Request) -> list[dict]:
    if not _runtime(request).settings.demo:
        return []
    from jiandu.web.demo_accounts import demo_people

    return demo_people(_runtime(request))


# ---- queue and list ------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    staff = current_staff(request)
    if staff is None:
        return RedirectResponse("/login", status_code=303)
    if not staff.is_team:  # window staff: their own published record and appeals
        return RedirectResponse("/me", status_code=303)
    service = _runtime(request).complaints()
    rows = service.list(owner=staff.id, open_only=True)
    return page(request, "queue.html.j2", rows=rows, others=service.open_owned_by_others(staff.id))


@router.get("/complaints", response_class=HTMLResponse)
def complaints(request: Request, staff: Staff = Depends(require_team), state: str = "", unit: str = "",
               window: str = "", month: str = "", overdue: str = "", before: PageBefore = None):
    from urllib.parse import urlencode

    from core.orgservice import org_snapshot

    filters = {"state": state, "unit": unit, "window": window, "month": month, "overdue": overdue}
    rows = _runtime(request).complaints().list(state=state or None, overdue=bool(overdue), unit=unit or None,
                                               window=window or None, month=month or None, limit=PAGE + 1,
                                               before=before, newest_first=True)
    older = None
    if len(rows) > PAGE:  # one more than a page: there are older ones
        rows = rows[:PAGE]
        older = "/complaints?" + urlencode({**{k: v for k, v in filters.items() if v}, "before": rows[-1]["id"]})
    org = org_snapshot(_runtime(request).db)
    return page(request, "complaints.html.j2", rows=rows, filters=filters, states=STATES, units=org["units"],
                older=older)


# ---- one complaint -------------------------------------------------------------------------------

@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint(complaint_id: DbId, request: Request, staff: Staff = Depends(require_team)):
    from core.orgservice import org_snapshot
    from states.diagram import state_diagram_svg

    service = _runtime(request).complaints()
    incidents = _incidents(request)
    c = service.get(complaint_id)
    allowed = service.allowed_for(complaint_id, staff.id)
    people = [p for p in org_snapshot(_runtime(request).db)["people"] if p["unit"] == c["unit"]]
    return page(request, "complaint.html.j2", c=c, allowed=allowed, people=people,
                diagram=state_diagram_svg(c["state"], allowed, lang_of(request)),
                incident=incidents.show(complaint_id), incident_allowed=incidents.allowed_for(complaint_id, staff.id))


@router.post("/complaints/{complaint_id}/advance", dependencies=[Depends(check_csrf)])
async def advance(complaint_id: DbId, request: Request, staff: Staff = Depends(require_team)):
    form = await request.form()
    event = str(form.get("event") or "")
    if event not in EVENTS:
        raise InvalidInput(f"event: '{event}' is not one of {', '.join(EVENTS)} 未知操作")
    note = _note(form)
    against = str(form.get("against") or "").strip() or None
    photo = None
    upload = form.get("photo")
    if upload is not None and getattr(upload, "filename", ""):
        photo = (upload.content_type or "", await upload.read(MAX_PHOTO_BYTES + 1))  # too big: refused whole
    version = str(form.get("version") or "")
    _runtime(request).complaints().advance(complaint_id, event, staff.id, note, against=against, photo=photo,
                                           expected_version=int(version) if re.fullmatch(r"[0-9]{1,9}", version)
                                           else None)
    flash(request, f"#{complaint_id}: {labels.both(labels.event(event))} ✓")
    return RedirectResponse(f"/complaints/{complaint_id}", status_code=303)


@router.post("/complaints/{complaint_id}/incident", dependencies=[Depends(check_csrf)])
async def incident_open(complaint_id: DbId, request: Request, staff: Staff = Depends(require_team)):
    """上报质量事故: the owner or a higher rung reports what the window cannot solve."""
    _incidents(request).open(complaint_id, staff.id, _note(await request.form()))
    flash(request, f"#{complaint_id}: 已上报质量事故 / quality incident reported ✓")
    return RedirectResponse(f"/complaints/{complaint_id}", status_code=303)


@router.post("/complaints/{complaint_id}/incident/step", dependencies=[Depends(check_csrf)])
async def incident_step(complaint_id: DbId, request: Request, staff: Staff = Depends(require_team)):
    """Complete the procedure's next step (the form names it; out of order is refused)."""
    form = await request.form()
    step = str(form.get("step") or "")
    shown = _incidents(request).complete(complaint_id, step, staff.id, _note(form))
    done = next(st for st in shown["steps"] if st["step"] == step)
    flash(request, f"#{complaint_id}: {labels.both((done['label'], done['label_en']))} ✓")
    return RedirectResponse(f"/complaints/{complaint_id}", status_code=303)


def _incidents(request: Request):
    from states.incident import IncidentService

    return IncidentService(_runtime(request).complaints())


def _note(form) -> str | None:
    return str(form.get("note") or "").strip() or None


@router.get("/complaints/{complaint_id}/photos/{photo_id}")
def photo(complaint_id: DbId, photo_id: DbId, request: Request, staff: Staff = Depends(require_team)):
    content_type, data = _runtime(request).complaints().photo(complaint_id, photo_id)
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600",
                                                            "X-Content-Type-Options": "nosniff"})


# ---- dashboard -----------------------------------------------------------------------------------

@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, staff: Staff = Depends(require_team), months: int = 6):
    from core.timeutil import utcnow
    from jiandu.web.dashboard_view import dashboard_charts
    from states.dashboard import dashboard as figures

    runtime = _runtime(request)
    data = figures(runtime.db, utcnow(), months=max(1, min(months, 24)),
                   satisfied_from=runtime.policy.satisfaction.satisfied_from)
    return page(request, "dashboard.html.j2", d=data, charts=dashboard_charts(data, lang_of(request)))
