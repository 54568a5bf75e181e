"""The clock watch: break what is due, warn what is close (rules.md §3, example C).

One indexed query finds the due clocks (``state = running AND due_at <= now``),
so a pass costs in proportion to the breaks, not to the open complaints. Each
break is its own transaction: the clock is marked broken with a conditional
UPDATE (two watches at once: one wins, the other skips it), the owner's
inactivity is thereby recorded as a fact (the broken clock names its owner),
and the complaint climbs one rung, all committed together with its messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from core.errors import JianduError
from core.org import ladder_owner
from core.timeutil import as_utc, local_iso
from states.clocks import BROKEN, CLOCK_LABELS, RUNNING, next_warning, warned_percent
from states.events import ClockBreach, ClockWarning
from states.machine import FINAL_STATES, SYSTEM, TOP_LEVEL
from states.models import Clock, Complaint, ComplaintEvent
from states.service import ComplaintService


@dataclass
class WatchReport:
    broken: list[dict] = field(default_factory=list)
    warned: list[dict] = field(default_factory=list)
    conflicts: int = 0

    def as_dict(self) -> dict:
        return {"broken": self.broken, "warned": self.warned, "conflicts": self.conflicts}


class ClockWatch:
    def __init__(self, service: ComplaintService, batch: int = 500):
        self.service = service
        self.db = service.db
        self.batch = batch

    def check(self, now: datetime) -> WatchReport:
        now = as_utc(now)
        report = WatchReport()
        # A break can start an escalation clock that is itself already due (a late watch):
        # query again until nothing is due; each round only sees new breaks.
        seen: set[int] = set()
        while True:
            due = [i for i in self._due_clock_ids(now) if i not in seen]
            if not due:
                break
            seen.update(due)
            for clock_id in due:
                try:
                    result = self.break_clock(clock_id, now)
                except (StaleDataError, JianduError):
                    report.conflicts += 1  # a person acted at the same moment: next pass
                    continue
                if result:
                    report.broken.append(result)
        report.warned = self.warn(now)
        return report

    def _due_clock_ids(self, now: datetime) -> list[int]:
        with self.db.reading() as s:
            return list(s.scalars(select(Clock.id)
                                  .where(Clock.state == RUNNING, Clock.due_at <= now)
                                  .order_by(Clock.due_at, Clock.id).limit(self.batch)))

    def break_clock(self, clock_id: int, now: datetime) -> dict | None:
        svc = self.service
        with self.db.transaction() as s:
            clock = s.get(Clock, clock_id)
            if clock is None or clock.state != RUNNING or clock.due_at > now:
                return None
            won = s.execute(update(Clock).where(Clock.id == clock_id, Clock.state == RUNNING)
                            .values(state=BROKEN, ended_at=clock.due_at)
                            .execution_options(synchronize_session=False)).rowcount
            if not won:
                return None  # another watch broke it first
            s.refresh(clock)
            c = s.get(Complaint, clock.complaint_id)
            label = CLOCK_LABELS.get(clock.name, clock.name)
            at = max([clock.due_at, *(h.at for h in c.history)])
            # No rung above (the chairman) or nobody holds it: recorded and reported, not escalated.
            escalate = (c.level < TOP_LEVEL and c.state not in FINAL_STATES
                        and ladder_owner(s, c.level + 1) is not None)
            if escalate:
                note = (f"{label}时限 {local_iso(clock.due_at)} 已过，自动升级 / "
                        f"the {clock.name} clock broke at {local_iso(clock.due_at)}")
                svc._change(s, c, "escalate", SYSTEM, note, at, data={"clock": clock.name})
            else:
                # Recorded in the history too, so that a replay of the history alone sees it.
                s.add(ComplaintEvent(complaint_id=c.id, event="break", from_state=c.state,
                                     to_state=c.state, actor_id=SYSTEM.id, at=at,
                                     note=f"{label}时限 {local_iso(clock.due_at)} 已过 / the {clock.name} "
                                          f"clock broke at {local_iso(clock.due_at)}",
                                     level=c.level, owner_id=c.owner_id,
                                     data={"against": c.against_id, "clock": clock.name}))
                svc._tell(s, ClockBreach(c.id, clock.name, clock.owner_id, clock.due_at, c.level,
                                         False, at))
            return {"complaint": c.id, "clock": clock.name, "owner": clock.owner_id,
                    "due": local_iso(clock.due_at), "escalated": escalate, "level": c.level,
                    "new_owner": c.owner_id}

    def warn(self, now: datetime) -> list[dict]:
        """Warn owners whose clocks passed a warning point; each point once."""
        svc = self.service
        fractions = svc.policy.clocks.warn_at
        out = []
        with self.db.transaction() as s:
            query = (select(Clock).where(Clock.state == RUNNING, Clock.next_warn_at <= now)
                     .order_by(Clock.next_warn_at, Clock.id).limit(self.batch))
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            for k in s.scalars(query).all():
                nxt = next_warning(k.started_at, k.due_at, fractions, now)
                won = s.execute(update(Clock).where(Clock.id == k.id,
                                                    Clock.next_warn_at == k.next_warn_at)
                                .values(next_warn_at=nxt)
                                .execution_options(synchronize_session=False)).rowcount
                if not won:
                    continue
                percent = warned_percent(k.started_at, k.due_at, fractions, now)
                svc._tell(s, ClockWarning(k.complaint_id, k.name, k.owner_id, k.due_at, percent, now))
                out.append({"complaint": k.complaint_id, "clock": k.name, "owner": k.owner_id,
                            "percent": percent, "due": local_iso(k.due_at)})
        return out
