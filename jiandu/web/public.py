"""Public pages, no login: a window's intake form (reached by its QR code), the private tracking
page, the commitment boards and the published month notices."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import InvalidInput, NotFound
from jiandu.web.budgets import spend_budget
from jiandu.web.i18n import COOKIE, LANGS
from jiandu.web.pages import page
from jiandu.web.security import csrf_valid
from states.models import CATEGORIES
from states.nonces import new_nonce

router = APIRouter(include_in_schema=False)


def _runtime(request: Request):
    return request.app.state.runtime


def _windows(request: Request) -> dict[str, dict]:
    from core.orgservice import org_snapshot

    org = org_snapshot(_runtime(request).db)
    return {w["code"]: {**w, "unit_name": u["name"], "unit": u["code"]} for u in org["units"]
            for w in u["windows"]}


def unknown_window(code: str) -> NotFound:
    return NotFound(f"window '{code}': unknown 未知窗口")


def _window(request: Request, code: str) -> dict:
    """One active window (its row alone: the intake's post reads no more of the directory)."""
    from sqlalchemy import select

    from core.org import Unit, Window

    with _runtime(request).db.reading() as s:
        row = s.execute(select(Window.code, Window.name, Window.unit_code).join(Unit, Unit.code == Window.unit_code)
                        .where(Window.code == code, Window.active, Unit.active)).first()
    if row is None:
        raise unknown_window(code)
    return {"code": row.code, "name": row.name, "unit": row.unit_code}


@router.get("/lang/{code}")
def set_language(code: str, request: Request, back: str = "/"):
    if code not in LANGS:
        raise NotFound(f"language '{code}': zh or en")
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    reply = RedirectResponse(target, status_code=303)
    reply.set_cookie(COOKIE, code, max_age=365 * 86400, samesite="lax")
    return reply


# ---- intake ------------------------------------------------------------------------------------

# A public form whose session ended (or whose token is not the session's) is shown again with
# what the customer wrote and a fresh token: nothing is done, nothing is lost.
EXPIRED = "表单已过期，请重新提交 / the form expired, please submit again"


def _intake_page(request: Request, window: dict, form, error: str | None = None, status_code: int = 200):
    return page(request, "intake.html.j2", status_code=status_code, window=window, categories=CATEGORIES,
                form=dict(form), error=error, clocks=_runtime(request).policy.clocks)


@router.get("/w/{code}", response_class=HTMLResponse)
def intake_form(code: str, request: Request):
    return _intake_page(request, _window(request, code), {"nonce": new_nonce()})


@router.post("/w/{code}", response_class=HTMLResponse, dependencies=[Depends(spend_budget("intake"))])
async def intake(code: str, request: Request):
    form = await request.form()
    if not csrf_valid(request, form):
        return await run_in_threadpool(_intake_refused, request, code, form, EXPIRED)
    try:  # the database is not the event loop's to wait for: one hop to the pool for all of it
        created = await run_in_threadpool(_file_at_window, request, code, form)
    except NotFound:  # the service's words name a CLI option: a customer reads the page's
        raise unknown_window(code) from None
    except InvalidInput as exc:  # shown on the form, the customer's words kept
        return await run_in_threadpool(_intake_refused, request, code, form, str(exc))
    # Post/redirect/get: a reload never files the complaint twice; the form's nonce guards a resend.
    return RedirectResponse(f"/t/{created['tracking_token']}?new=1", status_code=303)


def _intake_refused(request: Request, code: str, form, error: str):
    """The form again, with what was wrong and what the customer wrote (a page reads the directory)."""
    return _intake_page(request, _window(request, code), form, error, status_code=422)


def _file_at_window(request: Request, code: str, form) -> dict:
    """The customer's complaint (the service reads the window: an unknown one is its NotFound)."""
    text, category = str(form.get("text") or "").strip(), str(form.get("category") or "")
    return _runtime(request).complaints().create(
        window=code, source="customer", category=category, text=text,
        contact=str(form.get("contact") or "").strip() or None, by_team=False, nonce=str(form.get("nonce") or ""))


@router.get("/w/{code}/qr.svg")
def intake_qr(code: str, request: Request):
    from notifications.qr import intake_url, qr_svg

    _window(request, code)
    svg = qr_svg(intake_url(_runtime(request).settings.public_url, code), scale=6)
    return Response(svg, media_type="image/svg+xml")


# ---- tracking ----------------------------------------------------------------------------------

def _tracking(request: Request):
    from states.tracking import TrackingService

    return TrackingService(_runtime(request).complaints())


def _track_page(request: Request, token: str, new: bool = False, form=None, error: str | None = None,
                status_code: int = 200):
    view = _tracking(request).view(token)
    public_url = _runtime(request).settings.public_url.rstrip("/")
    return page(request, "track.html.j2", status_code=status_code, c=view, new=new, link=f"{public_url}/t/{token}",
                form=dict(form or {}), error=error, nonce=new_nonce())


@router.get("/t/{token}", response_class=HTMLResponse)
def track(token: str, request: Request, new: int = 0):
    return _track_page(request, token, new=bool(new))


@router.post("/t/{token}/escalate")
async def track_escalate(token: str, request: Request):
    form = await request.form()
    if not csrf_valid(request, form):
        return _track_page(request, token, form=form, error=EXPIRED, status_code=422)
    await run_in_threadpool(_tracking(request).escalate, token, str(form.get("reason") or ""),
                            form.get("confirm") == "yes", nonce=str(form.get("nonce") or ""))
    return RedirectResponse(f"/t/{token}", status_code=303)


@router.post("/t/{token}/rate")
async def track_rate(token: str, request: Request):
    form = await request.form()
    if not csrf_valid(request, form):
        return _track_page(request, token, form=form, error=EXPIRED, status_code=422)
    try:
        score = int(str(form.get("score") or ""))
    except ValueError:
        raise InvalidInput("score: choose 1 to 5 请选择满意度") from None
    await run_in_threadpool(_tracking(request).rate, token, score, str(form.get("comment") or ""),
                            str(form.get("praise") or "") or None)
    return RedirectResponse(f"/t/{token}#rate", status_code=303)


# ---- boards and notices ------------------------------------------------------------------------

@router.get("/boards", response_class=HTMLResponse)
def boards(request: Request):
    return page(request, "boards.html.j2", windows=sorted(_windows(request).values(), key=lambda w: w["code"]))


@router.get("/boards/{code}", response_class=HTMLResponse)
def board(code: str, request: Request):
    from core.orgservice import org_snapshot
    from notifications.board import render_board_html

    try:
        return HTMLResponse(render_board_html(org_snapshot(_runtime(request).db), code,
                                              _runtime(request).settings.public_url))
    except KeyError:
        raise unknown_window(code) from None


@router.get("/notices", response_class=HTMLResponse)
def notices(request: Request):
    months = [m for m in _runtime(request).months().months() if m["status"] == "published"]
    return page(request, "notices.html.j2", months=months)


def _notice_html(request: Request, month: str) -> str:
    """The published notice's page, its PDF link on top (the PDF is printed from these same bytes)."""
    from core.orgservice import org_snapshot
    from notifications.notice import render_notice_html

    runtime = _runtime(request)
    view = runtime.months().show(month)
    if view["status"] != "published":
        raise NotFound(f"{month}: not published yet 尚未公布")
    org = org_snapshot(runtime.db, include_inactive=True)
    return render_notice_html(view, org, mask_names=runtime.settings.mask_names, status="published",
                              pdf_href=f"/notices/{month}/notice.pdf")


@router.get("/notices/{month}", response_class=HTMLResponse)
def notice(month: str, request: Request):
    return HTMLResponse(_notice_html(request, month))


@router.get("/notices/{month}/notice.pdf")
def notice_pdf(month: str, request: Request):
    """The same page printed by headless Chromium on A4, CJK font embedded; printed once per page
    version and kept beside the notice (notifications/pdf.py). No Chromium: 503, one line."""
    from notifications.pdf import cached_pdf

    html = _notice_html(request, month)  # 404 before any printing for a month not published
    settings = _runtime(request).settings
    data = cached_pdf(html, Path(settings.notice_dir) / month, "notice", settings.chromium)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"notice-{month}.pdf\"; "
                               f"filename*=UTF-8''{quote(f'{month}服务质量评比公告.pdf')}"})


@router.get("/qr", response_class=HTMLResponse)
def qr_sheet(request: Request):
    """Every active window's complaint QR code on A4 (as `jiandu qr` writes it), for printing."""
    from core.orgservice import org_snapshot
    from notifications.qr import render_qr_sheet

    runtime = _runtime(request)
    return HTMLResponse(render_qr_sheet(org_snapshot(runtime.db), runtime.settings.public_url))


@router.get("/boards.html", response_class=HTMLResponse)
def all_boards(request: Request):
    """Every active window's commitment board, one A4 page each (as `jiandu board` writes them)."""
    from core.orgservice import org_snapshot
    from notifications.board import render_boards_html

    runtime = _runtime(request)
    return HTMLResponse(render_boards_html(org_snapshot(runtime.db), runtime.settings.public_url))
