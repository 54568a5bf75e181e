"""Who may be given a complaint, a spot check or an appeal: a rung-0 supervisor (监督员) in no
conflict, the least loaded first, ties by id. The one definition intake, the spot-check plan and
appeals share.

In conflict: a supervisor heading a unit the work is about (rules.md §3), or a person the work is
about (an appeal's party, anyone who owned its complaint or holds a line from it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.org import Unit, rung_of, with_role
from states.machine import OPEN_STATES
from states.models import Complaint


@dataclass(frozen=True)
class Supervisor:
    id: str
    heads: frozenset[str]  # the units he heads: never his own


def supervisors(s: Session) -> list[Supervisor]:
    """Active supervisors holding no rung of the ladder, by id, with the units each heads."""
    heads: dict[str, set[str]] = {}
    for code, head in s.execute(select(Unit.code, Unit.head_id).where(Unit.active, Unit.head_id.is_not(None))):
        heads.setdefault(head, set()).add(code)
    return [Supervisor(p.id, frozenset(heads.get(p.id, ()))) for p in with_role(s, "supervisor")
            if rung_of(p) == 0]


Load = Callable[[Session, list[str]], Mapping[str, int]]  # open work of each of these people


def least_loaded(s: Session, load: Load, *, units: Iterable[str | None] = (),
                 people: Iterable[str | None] = ()) -> str | None:
    """The supervisor heading none of ``units`` and being none of ``people`` with the least open work."""
    units, people = set(units), set(people)
    free = [p.id for p in supervisors(s) if not p.heads & units and p.id not in people]
    if not free:
        return None
    work = load(s, free)
    return min(free, key=lambda pid: (work.get(pid, 0), pid))


def open_complaints(s: Session, owners: list[str]) -> dict[str, int]:
    """Open complaints each of ``owners`` holds: the load of intake."""
    return dict(s.execute(select(Complaint.owner_id, func.count())
                          .where(Complaint.state.in_(OPEN_STATES), Complaint.owner_id.in_(owners))
                          .group_by(Complaint.owner_id)).all())
