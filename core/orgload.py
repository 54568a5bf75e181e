"""Apply a checked organisation file to the directory in one transaction.

Upserts what the file names and deactivates what it no longer names; never
deletes, so the history of complaints keeps its people.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.org import OrgLoad, Person, Position, Unit, Window
from core.orgfile import OrgSpec


@dataclass
class LoadSummary:
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deactivated: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "deactivated": self.deactivated}


def _sync(session: Session, model, key: str, wanted: dict[str, dict], kind: str, summary: LoadSummary):
    """Upsert rows of one table by primary key; deactivate those not wanted."""
    existing = {getattr(row, key): row for row in session.scalars(select(model))}
    added = updated = 0
    for pk, values in wanted.items():
        values = {**values, "active": True}
        row = existing.get(pk)
        if row is None:
            session.add(model(**{key: pk}, **values))
            added += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            updated += 1
    gone = sorted(pk for pk, row in existing.items() if pk not in wanted and row.active)
    for pk in gone:
        existing[pk].active = False
    summary.added[kind], summary.updated[kind] = added, updated
    summary.deactivated[kind] = gone


def apply_org(session: Session, spec: OrgSpec, source: str, text: str, now: datetime) -> LoadSummary:
    summary = LoadSummary()
    _sync(session, Position, "code",
          {p.code: {"name": p.name, "commitments": list(p.commitments)} for p in spec.positions},
          "positions", summary)
    _sync(session, Unit, "code",
          {u.code: {"name": u.name, "head_id": u.head, "leader_id": u.leader} for u in spec.units},
          "units", summary)
    session.flush()  # units before people and windows that point at them
    _sync(session, Person, "id",
          {p.id: {"name": p.name, "unit_code": p.unit, "supervisor_id": p.supervisor,
                  "roles": list(p.roles), "contacts": dict(p.contacts)} for p in spec.people},
          "people", summary)
    _sync(session, Window, "code",
          {w.code: {"name": w.name, "unit_code": u.code, "position_code": w.position,
                    "calendar": w.calendar}
           for u in spec.units for w in u.windows},
          "windows", summary)
    session.add(OrgLoad(loaded_at=now, source=source,
                        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                        summary=summary.as_dict()))
    return summary
