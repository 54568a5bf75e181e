"""Apply a checked organisation to the directory in one transaction.

Upserts what the organisation names and deactivates what it no longer names; never deletes, so
the history of complaints keeps its people. The changes are worked out first (:func:`changes_for`:
the preview shows exactly these) and then written, each with a row of ``org_change`` under its
``org_load``: who, when, from what, and per item what changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.org import OrgChange, OrgLoad, Person, Position, Unit, Window
from core.orgfile import OrgSpec

# kind → (table, key column); in the order they are written (units before what points at them)
KINDS = {"positions": (Position, "code"), "units": (Unit, "code"), "people": (Person, "id"),
         "windows": (Window, "code")}

# A change in words (pages, the CLI): kinds, actions and columns, Chinese first.
KIND_WORDS = {"units": ("单位", "unit"), "windows": ("窗口", "window"), "people": ("人员", "person"),
              "positions": ("岗位", "position")}
ACTION_WORDS = {"added": ("新增", "added"), "changed": ("修改", "changed"), "reactivated": ("重新启用", "reactivated"),
                "deactivated": ("停用", "deactivated")}
FIELD_WORDS = {"name": ("名称", "name"), "unit_code": ("单位", "unit"), "supervisor_id": ("直接主管", "supervisor"),
               "roles": ("角色", "roles"), "contacts": ("联系方式", "contacts"), "head_id": ("负责人", "head"),
               "leader_id": ("主管领导", "leader in charge"), "position_code": ("岗位", "position"),
               "calendar": ("日历", "calendar"), "commitments": ("承诺", "commitments"), "active": ("在用", "active")}


@dataclass
class LoadSummary:
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deactivated: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "deactivated": self.deactivated}

    @classmethod
    def of(cls, changes: list[Change]) -> LoadSummary:
        summary = cls()
        for kind in KINDS:
            mine = [c for c in changes if c.kind == kind]
            summary.added[kind] = sum(c.action == "added" for c in mine)
            summary.updated[kind] = sum(c.action in ("changed", "reactivated") for c in mine)
            summary.deactivated[kind] = sorted(c.code for c in mine if c.action == "deactivated")
        return summary


@dataclass(frozen=True)
class Change:
    """One row of the directory: ``action`` added | changed | reactivated | deactivated;
    ``fields`` {column: (before, after)} of what differs (all of them for an added row)."""

    kind: str
    code: str
    action: str
    fields: dict

    def as_dict(self) -> dict:
        return {"kind": self.kind, "code": self.code, "action": self.action,
                "fields": {k: list(v) for k, v in self.fields.items()}}


def wanted_rows(spec: OrgSpec) -> dict[str, dict[str, dict]]:
    """{kind: {key: column values}}: the rows the organisation asks for."""
    return {
        "positions": {p.code: {"name": p.name, "commitments": list(p.commitments)} for p in spec.positions},
        "units": {u.code: {"name": u.name, "head_id": u.head, "leader_id": u.leader} for u in spec.units},
        "people": {p.id: {"name": p.name, "unit_code": p.unit, "supervisor_id": p.supervisor,
                          "roles": list(p.roles), "contacts": dict(p.contacts)} for p in spec.people},
        "windows": {w.code: {"name": w.name, "unit_code": u.code, "position_code": w.position,
                             "calendar": w.calendar} for u in spec.units for w in u.windows},
    }


def changes_for(session: Session, spec: OrgSpec) -> list[Change]:
    """What applying ``spec`` would change, kind by kind, in key order; reads only."""
    changes = []
    for kind, wanted in wanted_rows(spec).items():
        model, key = KINDS[kind]
        existing = {getattr(row, key): row for row in session.scalars(select(model))}
        for pk in sorted(wanted):
            values, row = wanted[pk], existing.get(pk)
            if row is None:
                changes.append(Change(kind, pk, "added", {k: (None, v) for k, v in values.items()}))
                continue
            differs = {k: (getattr(row, k), v) for k, v in values.items() if getattr(row, k) != v}
            if not row.active:
                changes.append(Change(kind, pk, "reactivated", {"active": (False, True), **differs}))
            elif differs:
                changes.append(Change(kind, pk, "changed", differs))
        changes += [Change(kind, pk, "deactivated", {"active": (True, False)})
                    for pk, row in sorted(existing.items()) if pk not in wanted and row.active]
    return changes


def lock_directory(session: Session) -> None:
    """One change of the directory at a time, taken before it is read: two edits made together
    would each write back the other's rows as they were read (a lost update)."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7160651)"))  # 'org' as a number
    else:  # SQLite: the first write statement takes the database's write lock (busy_timeout waits)
        session.execute(text("UPDATE org_load SET id = id WHERE 0 = 1"))


def apply_org(session: Session, spec: OrgSpec, source: str, text: str | bytes, now: datetime,
              by: str | None = None) -> LoadSummary:
    lock_directory(session)
    changes = changes_for(session, spec)
    wanted = wanted_rows(spec)
    for kind, (model, key) in KINDS.items():
        for change in (c for c in changes if c.kind == kind):
            if change.action == "added":
                session.add(model(**{key: change.code}, **wanted[kind][change.code], active=True))
            else:
                row = session.get(model, change.code)
                for name, (_, after) in change.fields.items():
                    setattr(row, name, after)
        session.flush()  # units before the people and windows that point at them
    summary = LoadSummary.of(changes)
    data = text.encode("utf-8") if isinstance(text, str) else text
    load = OrgLoad(loaded_at=now, source=source, sha256=hashlib.sha256(data).hexdigest(),
                   summary=summary.as_dict(), by_id=by)
    session.add(load)
    session.flush()
    session.add_all(OrgChange(load_id=load.id, kind=c.kind, code=c.code, action=c.action,
                              fields=_jsonable(c.fields)) for c in changes)
    return summary


def _jsonable(fields: dict) -> dict:
    return {k: [before, after] for k, (before, after) in fields.items()}
