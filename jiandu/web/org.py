"""The organisation in the console (issue 13 item 2), for the president's office: units, windows,
people with their reporting lines, positions and the supervision team listed, added, edited and
deactivated (never deleted); the HR workbook exported and imported with a preview first; the
history of who changed what and when. Every write is core.orgservice's: the one validation and the
one apply path of a file, in one transaction."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import Forbidden, InvalidInput, NotFound
from core.labels import CALENDAR, ROLES
from core.orgload import ACTION_WORDS as ACTIONS
from core.orgload import FIELD_WORDS as FIELDS
from core.orgload import KIND_WORDS as KINDS
from core.timeutil import utcnow
from jiandu.web.pages import flash, page
from jiandu.web.security import Staff, check_csrf, require_team

router = APIRouter(include_in_schema=False)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 2 * 1024 * 1024  # a group's directory is a few tens of kilobytes
KIND_ZH = {k: v[0] for k, v in KINDS.items()}
EXPLICIT_ROLES = ("staff", "leader", "supervisor")  # the team's roles are set in the team form
Kind = Annotated[str, Path(pattern="^(units|windows|people|positions)$")]
Code = Annotated[str, Path(min_length=1, max_length=64)]


def require_office(staff: Staff = Depends(require_team)) -> Staff:
    if not staff.is_office:
        raise Forbidden("仅总裁办可维护组织架构 / only the president's office keeps the organisation")
    return staff


def _db(request: Request):
    return request.app.state.runtime.db


def _directory(request: Request) -> dict:
    """The directory for the pages: the document (what the file would say) and every row."""
    from core.orgdoc import org_document
    from core.orgservice import org_snapshot

    db = _db(request)
    with db.reading() as s:
        doc = org_document(s)
    return {"doc": doc, "all": org_snapshot(db, include_inactive=True)}


def _names(directory: dict) -> dict:
    """{kind: {code: name}} of every row, leavers too: pages read names, not codes."""
    org = directory["all"]
    return {"people": {p["id"]: p["name"] for p in org["people"]},
            "units": {u["code"]: u["name"] for u in org["units"]},
            "windows": {w["code"]: w["name"] for u in org["units"] for w in u["windows"]},
            "positions": {code: p["name"] for code, p in org["positions"].items()}}


def _inactive(request: Request) -> dict:
    """{kind: [(code, name)]} of the rows no longer active (to reactivate)."""
    from sqlalchemy import select

    from core.orgdoc import KIND_MODELS

    out = {}
    with _db(request).reading() as s:
        for kind, model in KIND_MODELS.items():
            key = model.id if kind == "people" else model.code
            out[kind] = [(getattr(r, "id", None) or r.code, r.name)
                         for r in s.scalars(select(model).where(~model.active).order_by(key))]
    return out


@router.get("/org", response_class=HTMLResponse)
def org_home(request: Request, staff: Staff = Depends(require_office)):
    directory = _directory(request)
    return page(request, "org.html.j2", doc=directory["doc"], names=_names(directory), inactive=_inactive(request),
                roles=ROLES, calendars=CALENDAR, kinds=KINDS)


# ---- the workbook: export, import (preview, then apply) ------------------------------------------------

@router.get("/org/export.xlsx")
def export(request: Request, staff: Staff = Depends(require_office)):
    from core.orgservice import export_org_xlsx

    now = utcnow()
    data = export_org_xlsx(_db(request), now)
    return Response(data, media_type=XLSX_TYPE, headers={
        "Content-Disposition": f'attachment; filename="jiandu-org-{now:%Y%m%d}.xlsx"'})


def _import_refused(request: Request, message: str) -> HTMLResponse:
    return page(request, "org_import.html.j2", status_code=422, error=message, preview=None, names={},
                actions=ACTIONS, fields=FIELDS, kinds=KINDS, name="", data="", CALENDARS=CALENDAR)


@router.post("/org/import", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
async def import_preview(request: Request, staff: Staff = Depends(require_office)):
    """A workbook read and checked whole; the page lists what it would change. Nothing is written."""
    from core.orgservice import org_file_of, preview_org

    upload = (await request.form()).get("file")
    if upload is None or not getattr(upload, "filename", ""):
        return _import_refused(request, "file: choose the workbook (.xlsx) 请选择工作簿文件")
    data = await upload.read(MAX_UPLOAD + 1)
    name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:120]
    if len(data) > MAX_UPLOAD:
        return _import_refused(request, f"{name}: larger than {MAX_UPLOAD // 1024 // 1024} MB 文件过大")
    if not name.lower().endswith(".xlsx"):
        return _import_refused(request, f"{name}: not an .xlsx workbook 请上传 .xlsx 工作簿")
    try:
        preview = await run_in_threadpool(lambda: preview_org(_db(request), org_file_of(name, data)))
    except InvalidInput as exc:
        return _import_refused(request, str(exc))
    return page(request, "org_import.html.j2", error=None, preview=preview, names=_names(_directory(request)),
                actions=ACTIONS, fields=FIELDS, kinds=KINDS, name=name, data=base64.b64encode(data).decode(),
                CALENDARS=CALENDAR)


@router.post("/org/import/apply", dependencies=[Depends(check_csrf)])
async def import_apply(request: Request, staff: Staff = Depends(require_office)):
    """The previewed workbook applied, unless the directory changed since its preview (409)."""
    from core.orgservice import load_org, org_file_of

    form = await request.form()
    name = str(form.get("name") or "org.xlsx")[:120]
    try:
        data = base64.b64decode(str(form.get("data") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("data: not the previewed workbook 不是预览过的工作簿", field="data") from None
    if not name.lower().endswith(".xlsx"):
        raise InvalidInput(f"name: '{name}' is not an .xlsx workbook", field="name")
    summary = await run_in_threadpool(lambda: load_org(_db(request), org_file_of(name, data), f"console: import {name}",
                                                       utcnow(), staff.id, basis=str(form.get("basis") or "")))
    counts = summary.as_dict()
    flash(request, f"{name}: 新增 {sum(counts['added'].values())} · 修改 {sum(counts['updated'].values())} · "
                   f"停用 {sum(len(v) for v in counts['deactivated'].values())} / imported ✓")
    return RedirectResponse("/org", status_code=303)


@router.get("/org/history", response_class=HTMLResponse)
def history(request: Request, staff: Staff = Depends(require_office)):
    from core.orgservice import org_history

    return page(request, "org_history.html.j2", loads=org_history(_db(request), limit=100),
                names=_names(_directory(request)), actions=ACTIONS, fields=FIELDS, kinds=KINDS, CALENDARS=CALENDAR)


# ---- one item: the form, add, edit, deactivate, reactivate -------------------------------------------

def _item(doc, kind: str, code: str) -> dict | None:
    from core.orgdoc import find_item

    return find_item(doc, kind, code)


def _form_page(request: Request, kind: str, code: str | None, values: dict, error: str | None = None,
               field: str | None = None, status_code: int = 200) -> HTMLResponse:
    directory = _directory(request)
    doc = directory["doc"]
    return page(request, "org_form.html.j2", status_code=status_code, kind=kind, kind_label=KINDS[kind], code=code,
                values=values, error=error, field=field, people=[(p["id"], p["name"]) for p in doc["people"]],
                units=[(u["code"], u["name"]) for u in doc["units"]],
                positions=[(c, p["name"]) for c, p in doc["positions"].items()],
                roles=ROLES, explicit_roles=EXPLICIT_ROLES, calendars=CALENDAR)


@router.get("/org/{kind}/new", response_class=HTMLResponse)
def new_form(kind: Kind, request: Request, staff: Staff = Depends(require_office)):
    return _form_page(request, kind, None, {})


@router.get("/org/{kind}/{code}", response_class=HTMLResponse)
def edit_form(kind: Kind, code: Code, request: Request, staff: Staff = Depends(require_office)):
    doc = _directory(request)["doc"]
    item = _item(doc, kind, code)
    if item is None:
        raise NotFound(f"{KIND_ZH[kind]} '{code}' 不存在或已停用 / no active {KINDS[kind][1]} '{code}'")
    values = dict(item)
    if kind == "windows":
        values["unit"] = next(u["code"] for u in doc["units"] if item in u.get("windows", []))
    if kind == "positions":
        values["commitments"] = "\n".join(item.get("commitments", []))
    return _form_page(request, kind, code, values)


def _values(kind: str, form) -> dict:
    """The form's fields as the document's keys (empty: left out, the defaults apply)."""
    def text(name: str) -> str:
        return str(form.get(name) or "").strip()

    if kind == "people":
        return {"name": text("name"), "unit": text("unit"), "supervisor": text("supervisor"),
                "roles": [r for r in form.getlist("roles") if r in EXPLICIT_ROLES]}
    if kind == "units":
        return {"name": text("name"), "head": text("head"), "leader": text("leader")}
    if kind == "windows":
        return {"name": text("name"), "unit": text("unit"), "position": text("position"),
                "calendar": text("calendar")}
    return {"name": text("name"),
            "commitments": [line.strip() for line in str(form.get("commitments") or "").splitlines() if line.strip()]}


async def _save(request: Request, kind: str, code: str | None, staff: Staff):
    from core.orgdoc import put
    from core.orgservice import edit_org

    form = await request.form()
    new = code is None
    code = str(form.get("code") or "").strip() if new else code
    values = _values(kind, form)
    what = f"{'add' if new else 'edit'} {KINDS[kind][1]} {code}"
    try:
        changes = await run_in_threadpool(edit_org, _db(request), lambda s, doc: put(s, doc, kind, code, values, new),
                                          what, utcnow(), staff.id)
    except InvalidInput as exc:  # the same form again, what was typed kept, the field named
        shown = dict(values, code=code)
        if kind == "positions":
            shown["commitments"] = str(form.get("commitments") or "")
        return _form_page(request, kind, None if new else code, shown, error=str(exc), field=exc.field,
                          status_code=422)
    name = values.get("name") or code
    flash(request, f"{KIND_ZH[kind]}「{name}」{'已新增' if new else ('已保存' if changes else '无变化')} / "
                   f"{KINDS[kind][1]} {'added' if new else ('saved' if changes else 'unchanged')} ✓")
    return RedirectResponse(f"/org#{kind}", status_code=303)


@router.post("/org/{kind}/new", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
async def add(kind: Kind, request: Request, staff: Staff = Depends(require_office)):
    return await _save(request, kind, None, staff)


@router.post("/org/{kind}/{code}", response_class=HTMLResponse, dependencies=[Depends(check_csrf)])
async def edit(kind: Kind, code: Code, request: Request, staff: Staff = Depends(require_office)):
    return await _save(request, kind, code, staff)


@router.post("/org/{kind}/{code}/{action}", dependencies=[Depends(check_csrf)])
def leave_or_return(kind: Kind, code: Code, action: Annotated[str, Path(pattern="^(deactivate|reactivate)$")],
                    request: Request, staff: Staff = Depends(require_office)):
    """停用 (never deleted) or 重新启用 as it was when it left."""
    from core import orgdoc
    from core.orgservice import edit_org

    name = _names(_directory(request))[kind].get(code, code)
    step = orgdoc.deactivate if action == "deactivate" else orgdoc.reactivate
    edit_org(_db(request), lambda s, doc: step(s, doc, kind, code), f"{action} {KINDS[kind][1]} {code}",
             utcnow(), staff.id)
    done = ("已停用", "deactivated") if action == "deactivate" else ("已重新启用", "reactivated")
    flash(request, f"{KIND_ZH[kind]}「{name}」{done[0]} / {KINDS[kind][1]} {done[1]} ✓")
    return RedirectResponse(f"/org#{kind}", status_code=303)


@router.post("/org/team", dependencies=[Depends(check_csrf)])
async def team(request: Request, staff: Staff = Depends(require_office)):
    from core.orgdoc import set_team
    from core.orgservice import edit_org

    form = await request.form()

    def one(name: str) -> str | None:
        return str(form.get(name) or "").strip() or None

    office = [str(x) for x in form.getlist("president_office") if str(x).strip()]
    await run_in_threadpool(edit_org, _db(request), lambda s, doc: set_team(doc, one("coordinator"), one("executor"),
                                                                            one("chairman"), office),
                            "team", utcnow(), staff.id)
    flash(request, "监督小组已保存 / the supervision team saved ✓")
    return RedirectResponse("/org#team", status_code=303)
