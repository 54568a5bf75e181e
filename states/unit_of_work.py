"""What every change of a complaint does first, in its caller's transaction: load the complaint,
check who acts and that the step comes after the last one; and the clock row a plan starts.

The one place for these checks: the complaint service (states/service.py), the incident
procedure (states/incident.py) and the spot checks (states/spotcheck.py) all go through it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.errors import Forbidden, InvalidInput, NotFound
from core.org import active_person, rung_of, units_headed_by
from states import clocks as clockrules
from states.machine import SYSTEM, Actor
from states.models import Clock, Complaint

INTAKE_ACTOR = "intake"
# Names the system acts under: nobody may act as one of them from a command line or a page.
RESERVED_ACTORS = {SYSTEM.id, "complainant", INTAKE_ACTOR}


def load_complaint(s: Session, complaint_id: int) -> Complaint:
    """The complaint, or one clear refusal naming the id."""
    c = s.get(Complaint, complaint_id)
    if c is None:
        raise NotFound(f"ID: no complaint #{complaint_id} 投诉不存在")
    return c


def staff_actor(s: Session, actor_id: str) -> Actor:
    """A person of the directory. The clock watch acts as SYSTEM through its own code path;
    nobody may act as 'system' or 'complainant' from the command line."""
    if actor_id in RESERVED_ACTORS:
        raise Forbidden(f"--by: '{actor_id}' is reserved for the system 保留名称，不能用于操作")
    p = active_person(s, actor_id, "--by")
    return Actor(id=p.id, kind="staff", rung=rung_of(p), heads=frozenset(units_headed_by(s, p.id)))


def check_time_order(c: Complaint, at: datetime) -> None:
    """A step is never dated before the complaint's last one (a replay's --at included)."""
    last = max((h.at for h in c.history), default=c.received_at)
    if at < last:
        raise InvalidInput(f"--at: {at.isoformat()} is before the last step of #{c.id} "
                           "早于上一步操作时间")


def clock_row(complaint_id: int, plan: clockrules.ClockStart, level: int,
              warn_at: list[float]) -> Clock:
    """The running clock a plan starts, with its first warning point (policy clocks.warn_at)."""
    return Clock(complaint_id=complaint_id, name=plan.name, owner_id=plan.owner, level=level,
                 started_at=plan.started_at, due_at=plan.due_at, state=clockrules.RUNNING,
                 next_warn_at=clockrules.next_warning(plan.started_at, plan.due_at, warn_at,
                                                      plan.started_at))
