"""The organisation directory: positions, units, windows, people and roles.

Rows are never deleted: a person, unit or window that leaves the file is
deactivated, so complaints and ledgers keep pointing at who they were about.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, and_, cast, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.util import identity_key

from core.db import Base, UTCDateTime
from core.ladder import LADDER


class Position(Base):
    __tablename__ = "position"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    commitments: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Unit(Base):
    __tablename__ = "unit"
    pinned_in_session = True  # read again and again within one change (core.db)

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Person ids; no foreign key because people belong to units in turn.
    head_id: Mapped[str | None] = mapped_column(String(64))
    leader_id: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Window(Base):
    __tablename__ = "service_window"
    pinned_in_session = True  # read again and again within one change (core.db)

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    position_code: Mapped[str] = mapped_column(ForeignKey("position.code"))
    # The clocks' calendar at this window ("all_hours" | "business"); None: the policy's default.
    calendar: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Person(Base):
    __tablename__ = "person"
    pinned_in_session = True  # read again and again within one change (core.db)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("unit.code"))
    supervisor_id: Mapped[str | None] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where this person wants to be told (notifications): {"email": "...", ...}
    contacts: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def has_role(self, role: str) -> bool:
        return role in (self.roles or [])


class OrgLoad(Base):
    """One row per load of an organisation file: when, what, what changed."""

    __tablename__ = "org_load"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    # Who: a person of the president's office (the console), None for the command line.
    by_id: Mapped[str | None] = mapped_column(String(64))


class OrgChange(Base):
    """What one load or edit changed, a row per item: the directory's history (who: its load)."""

    __tablename__ = "org_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("org_load.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # positions, units, windows, people
    code: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # added, changed, deactivated, reactivated
    # {field: [before, after]}; for an added row [None, value]
    fields: Mapped[dict] = mapped_column(JSON, default=dict)


# ---- reads used by the services --------------------------------------------------


def active_person(session: Session, person_id: str, field: str) -> Person:
    """The person, still in the directory; refused naming ``field`` otherwise (404 / 403)."""
    return check_active(session.get(Person, person_id), person_id, field)


def check_active(p, person_id: str, field: str):
    """``p`` (a Person, or a row with its ``active`` column) if it is there and active; refused
    naming ``field`` otherwise (404 / 403)."""
    from core.errors import Forbidden, NotFound

    if p is None:
        raise NotFound(f"{field}: unknown person '{person_id}' 未知人员")
    if not p.active:
        raise Forbidden(f"{field}: '{person_id}' has left the directory 已停用")
    return p


def people_by_id(session: Session, ids) -> dict[str, Person]:
    """{person id: Person} of those ids that exist; people already in the session are not read
    again (nor is the session flushed for them)."""
    found, missing = {}, set()
    for person_id in {i for i in ids if i}:
        p = session.identity_map.get(identity_key(Person, person_id))
        if p is not None:
            found[person_id] = p
        else:
            missing.add(person_id)
    if missing:
        found |= {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(missing)))}
    return found


def names_of(session: Session, ids) -> dict[str, str]:
    """{person id: name}."""
    return {person_id: p.name for person_id, p in people_by_id(session, ids).items()}


def active_people(session: Session) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.active).order_by(Person.id)))


def with_role(session: Session, role: str) -> list[Person]:
    """Active people holding ``role``, found in SQL (the roles JSON as text) and confirmed in
    Python: a pass of the watch must not read the whole directory once per break."""
    # Kept for the session: a watch's batch asks for the ladder and the office once per break.
    known = session.info.setdefault("with_role", {})
    if role not in known:
        rows = session.scalars(select(Person).where(Person.active, cast(Person.roles, String).like(f'%"{role}"%'))
                               .order_by(Person.id))
        known[role] = [p for p in rows if p.has_role(role)]
    return list(known[role])


def holder_of(session: Session, role: str) -> Person | None:
    """The active person holding a one-person team role (executor, coordinator, chairman)."""
    holders = with_role(session, role)
    return holders[0] if holders else None


def ladder_owner(session: Session, level: int) -> Person | None:
    return holder_of(session, LADDER[level]) if level in LADDER else None


def rung_of(person: Person) -> int:
    """The highest ladder level a person holds, 0 if none."""
    return rung_of_roles(person.roles)


def rung_of_roles(roles: list[str] | None) -> int:
    """The highest ladder level these roles hold, 0 if none."""
    return max((lvl for lvl, role in LADDER.items() if role in (roles or [])), default=0)


def with_units_headed(*columns: str):
    """A SELECT of these person columns and ``head_of``, the code of an active unit the person
    heads: a row per such unit, one with None for a person heading none. The actor of a change,
    the console's staff and the supervisors are read this way, each in one statement."""
    person, unit = Person.__table__, Unit.__table__
    return (select(*(person.c[name] for name in columns), unit.c.code.label("head_of"))
            .select_from(person.outerjoin(unit, and_(unit.c.head_id == person.c.id, unit.c.active))))


def reporting_line(session: Session, person: Person) -> tuple[str | None, str | None]:
    """(direct supervisor, group leader in charge) of a person, as the directory says now."""
    leader = None
    if person.unit_code:
        unit = session.get(Unit, person.unit_code)
        leader = unit.leader_id if unit else None
    return person.supervisor_id, leader
