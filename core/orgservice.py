"""Organisation use cases: load a file (YAML or .xlsx, one transaction), preview it, edit the
directory from the console, export it as a workbook, its history, describe the directory.

Every write goes the same way: a document (a file's, or the directory's with one edit made:
core.orgdoc) → the one validation (core.orgfile.check_org) → the one apply path
(core.orgload.apply_org), in one transaction, recorded in org_load / org_change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from core.db import Database
from core.errors import Conflict, OrgFileError
from core.ladder import LADDER, TEAM_SECTION
from core.org import OrgChange, OrgLoad, Person, Position, Unit, Window

if TYPE_CHECKING:
    from core.orgfile import OrgSpec
    from core.orgload import Change, LoadSummary

XLSX = (".xlsx",)


@dataclass(frozen=True)
class OrgFile:
    """A file read and checked for its layout (not yet against the directory)."""

    source: str  # the name its refusals give
    data: bytes
    document: object | None  # a workbook's document (validated in the transaction); None for YAML
    spec: OrgSpec | None  # a YAML file's, checked whole


def read_org_file(path: str | Path) -> OrgFile:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OrgFileError(f"{path}: file not found 文件不存在") from None
    except OSError as exc:  # a directory, no permission
        raise OrgFileError(f"{path}: cannot be read 无法读取: {exc.strerror}") from None
    return org_file_of(path.name, data, shown=str(path))


def org_file_of(name: str, data: bytes, shown: str | None = None) -> OrgFile:
    """A file by its name's suffix: .xlsx a workbook (docs/org-workbook.md), else YAML; ``shown``:
    how a refusal of the whole file names it (the path given)."""
    if name.lower().endswith(XLSX):
        from core.orgsheet import workbook_document

        return OrgFile(name, data, workbook_document(data, name), None)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise OrgFileError(f"{shown or name}: not UTF-8 text 须为 UTF-8 文本") from None
    from core.orgfile import parse_org

    return OrgFile(name, data, None, parse_org(text, source=name))  # refuses before anything is written


def _spec_of(session, file: OrgFile) -> OrgSpec:
    if file.spec is not None:
        return file.spec
    from core.orgfile import check_org
    from core.orgsheet import reader

    _keep_contacts(session, file.document)
    return check_org(file.document, reader(file.source))


def _keep_contacts(session, doc) -> None:
    """A workbook holds no contacts: each person keeps his own."""
    from core.orgdoc import located

    ids = [str(p.get("id") or "").strip() for p in doc.get("people") or [] if isinstance(p, dict)]
    known = {p.id: p.contacts for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    for p in doc.get("people") or []:
        if isinstance(p, dict) and known.get(str(p.get("id") or "").strip()):
            p["contacts"] = located(dict(known[str(p["id"]).strip()]))


def load_org_file(db: Database, path: str | Path, now: datetime, by: str | None = None) -> LoadSummary:
    file = read_org_file(path)
    return load_org(db, file, str(path), now, by)


def load_org(db: Database, file: OrgFile, source: str, now: datetime, by: str | None = None,
             basis: str | None = None) -> LoadSummary:
    """Apply a file in one transaction; ``basis``: the directory's digest its preview was shown on
    (refused as a conflict when the directory changed since)."""
    with db.transaction() as s:
        from core.orgload import apply_org, lock_directory

        lock_directory(s)
        if basis is not None and directory_digest(s) != basis:
            raise Conflict("组织架构在预览后已被修改，请重新预览 / the organisation changed since the preview: "
                           "preview again")
        return apply_org(s, _spec_of(s, file), source, file.data, now, by)


def preview_org(db: Database, file: OrgFile) -> dict:
    """What loading the file would change, and the directory's digest now (for load_org's basis)."""
    from core.orgload import LoadSummary, changes_for

    with db.reading() as s:
        changes = changes_for(s, _spec_of(s, file))
        return {"changes": [c.as_dict() for c in changes], "summary": LoadSummary.of(changes).as_dict(),
                "basis": directory_digest(s)}


def directory_digest(session) -> str:
    from core.orgdoc import org_document

    return hashlib.sha256(json.dumps(org_document(session), sort_keys=True, ensure_ascii=False)
                          .encode("utf-8")).hexdigest()[:32]


def _console_reader():
    """A console edit's refusals: the field, no file or line (core.orgfile, YAML with it, is
    imported by the edits alone: a read of the directory never loads it)."""
    from core.orgfile import SpecReader

    class ConsoleReader(SpecReader):
        def place(self, at, key):
            return f"{key}" if key else "组织架构 / organisation"

    return ConsoleReader("console")


def edit_org(db: Database, edit: Callable, what: str, now: datetime, by: str | None) -> list[Change]:
    """One console edit in one transaction: the directory's document, ``edit(session, doc)``, the
    one validation, the one apply path; recorded with ``what`` and who."""
    from core.orgdoc import org_document
    from core.orgfile import check_org
    from core.orgload import apply_org, changes_for, lock_directory

    with db.transaction() as s:
        lock_directory(s)
        doc = org_document(s)
        edit(s, doc)
        spec = check_org(doc, _console_reader())
        changes = changes_for(s, spec)
        if changes:
            apply_org(s, spec, f"console: {what}", json.dumps(doc, sort_keys=True, ensure_ascii=False), now, by)
        return changes


def export_org_xlsx(db: Database, now: datetime) -> bytes:
    """The active directory as a workbook (docs/org-workbook.md), written by core.workbook."""
    from core.orgdoc import org_document
    from core.orgsheet import document_sheets
    from core.workbook import workbook_bytes

    with db.reading() as s:
        doc = org_document(s, contacts=False)
    return workbook_bytes(document_sheets(doc), title="组织架构 / organisation", created=now)


def org_history(db: Database, limit: int = 50, before: int | None = None) -> list[dict]:
    """The loads and edits, newest first, each with who, when, from what and its changes."""
    with db.reading() as s:
        q = select(OrgLoad).order_by(OrgLoad.id.desc()).limit(limit)
        if before is not None:
            q = q.where(OrgLoad.id < before)
        loads = list(s.scalars(q))
        changes: dict[int, list] = {}
        if loads:
            for c in s.scalars(select(OrgChange).where(OrgChange.load_id.in_([x.id for x in loads]))
                               .order_by(OrgChange.id)):
                changes.setdefault(c.load_id, []).append({"kind": c.kind, "code": c.code, "action": c.action,
                                                          "fields": c.fields})
        return [{"id": x.id, "at": x.loaded_at, "by": x.by_id, "source": x.source, "summary": x.summary,
                 "changes": changes.get(x.id, [])} for x in loads]


def org_snapshot(db: Database, include_inactive: bool = False) -> dict:
    """The directory as plain data (the JSON of ``jiandu org show``)."""
    with db.reading() as s:
        def rows(model, order):
            q = select(model).order_by(order)
            return [r for r in s.scalars(q) if include_inactive or r.active]

        people = rows(Person, Person.id)
        windows = rows(Window, Window.code)
        team = {role: sorted(p.id for p in people if p.has_role(role)) for role in TEAM_SECTION}
        return {
            "positions": {p.code: {"name": p.name, "commitments": list(p.commitments)}
                          for p in rows(Position, Position.code)},
            "units": [
                {"code": u.code, "name": u.name, "head": u.head_id, "leader": u.leader_id,
                 "active": u.active,
                 "windows": [{"code": w.code, "name": w.name, "position": w.position_code,
                              "calendar": w.calendar}
                             for w in windows if w.unit_code == u.code]}
                for u in rows(Unit, Unit.code)
            ],
            "people": [
                {"id": p.id, "name": p.name, "unit": p.unit_code, "supervisor": p.supervisor_id,
                 "roles": list(p.roles), "active": p.active}
                for p in people
            ],
            "team": {"coordinator": (team["coordinator"] or [None])[0],
                     "executor": (team["executor"] or [None])[0],
                     "chairman": (team["chairman"] or [None])[0],
                     "president_office": team["president_office"],
                     "supervisors": sorted(p.id for p in people if p.has_role("supervisor"))},
            "ladder": {str(level): (team[role] or [None])[0] for level, role in LADDER.items()},
        }


def labels_of(db: Database, policy=None):
    """The words for every code of this organisation under ``policy`` (core/labels.py), leavers
    included: an old complaint keeps its window's and its people's names."""
    from core.labels import Labels

    return Labels.build(policy, org_snapshot(db, include_inactive=True))
