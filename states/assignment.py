"""Who may be given a complaint, a spot check or an appeal: a rung-0 supervisor (监督员) in no
conflict, the least loaded first, ties by id. The one definition intake, the spot-check plan and
appeals share.

In conflict: a supervisor heading a unit the work is about (rules.md §3), or a person the work is
about (an appeal's party, anyone who owned its complaint or holds a line from it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import String, bindparam, cast, func, select
from sqlalchemy.orm import Session

from core.org import Person, rung_of_roles, with_units_headed
from states.machine import OPEN_STATES
from states.models import Complaint


@dataclass(frozen=True)
class Supervisor:
    id: str
    heads: frozenset[str]  # the units he heads: never his own
    name: str = ""


_P = Person.__table__
_SUPERVISORS = (with_units_headed("id", "name", "roles")
                .where(_P.c.active, cast(_P.c.roles, String).like('%"supervisor"%')).order_by(_P.c.id))


def supervisors(s: Session) -> list[Supervisor]:
    """Active supervisors holding no rung of the ladder, by id, with the units each heads: one
    statement (the person and a row per unit he heads), the roles confirmed in Python."""
    found: dict[str, tuple[str, set[str]]] = {}
    for pid, name, roles, head_of in s.connection().execute(_SUPERVISORS):
        if "supervisor" in (roles or []) and rung_of_roles(roles) == 0:
            found.setdefault(pid, (name, set()))[1].update([head_of] if head_of else [])
    return [Supervisor(pid, frozenset(heads), name) for pid, (name, heads) in found.items()]


Load = Callable[[Session, list[str]], Mapping[str, int]]  # open work of each of these people


def least_loaded(s: Session, load: Load, *, units: Iterable[str | None] = (),
                 people: Iterable[str | None] = ()) -> str | None:
    """The supervisor heading none of ``units`` and being none of ``people`` with the least open work."""
    chosen = least_loaded_supervisor(s, load, units=units, people=people)
    return chosen.id if chosen else None


def least_loaded_supervisor(s: Session, load: Load, *, units: Iterable[str | None] = (),
                            people: Iterable[str | None] = ()) -> Supervisor | None:
    """As :func:`least_loaded`, the supervisor with his name (intake's history names him)."""
    units, people = set(units), set(people)
    free = [p for p in supervisors(s) if not p.heads & units and p.id not in people]
    if not free:
        return None
    work = load(s, [p.id for p in free])
    return min(free, key=lambda p: (work.get(p.id, 0), p.id))


def open_complaints(s: Session, owners: list[str]) -> dict[str, int]:
    """Open complaints each of ``owners`` holds: the load of intake."""
    return dict(s.connection().execute(_OPEN_LOAD, {"owners": owners}).all())


_OPEN_LOAD = (select(Complaint.owner_id, func.count())
              .where(Complaint.state.in_(OPEN_STATES), Complaint.owner_id.in_(bindparam("owners", expanding=True)))
              .group_by(Complaint.owner_id))
