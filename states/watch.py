"""The clock watch: break what is due, warn what is close (rules.md §3, example C).

One indexed query finds the due clocks (``state = running AND due_at <= now``),
so a pass costs in proportion to the breaks, not to the open complaints. For
each break the clock is marked broken with a conditional UPDATE (two watches at
once: one wins, the other skips it), the owner's inactivity is thereby recorded
as a fact (the broken clock names its owner), and the complaint climbs one
rung, committed together with its messages. Breaks are committed in batches of
50; a batch that fails is retried one break per transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from core.errors import JianduError
from core.heartbeat import CLOCK_WATCH, record_run
from core.labels import Labels
from core.org import ladder_owner
from core.timeutil import as_utc, local_iso
from states.clocks import BROKEN, RUNNING, next_warning, warned_percent
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
    def __init__(self, service: ComplaintService, batch: int = 500, per_transaction: int = 50):
        self.service = service
        self.db = service.db
        self.batch = batch  # due clocks read per query
        self.per_transaction = per_transaction  # breaks committed together

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
            for first in range(0, len(due), self.per_transaction):
                self._break_batch(due[first:first + self.per_transaction], now, report)
        report.warned = self.warn(now)
        record_run(self.db, CLOCK_WATCH, self.service.now(), now, len(report.broken))
        return report

    def _break_batch(self, clock_ids: list[int], now: datetime, report: WatchReport) -> None:
        """The breaks of a batch in one transaction; if any of them fails (a person acted at the
        same moment, a lock), the batch is rolled back and each break retried on its own, so
        that one conflict costs one break, not the batch."""
        try:
            report.broken += self.break_clocks(clock_ids, now)
            return
        except (StaleDataError, JianduError, DBAPIError):
            if len(clock_ids) == 1:
                report.conflicts += 1
                return
        for clock_id in clock_ids:
            try:
                report.broken += self.break_clocks([clock_id], now)
            except (StaleDataError, JianduError, DBAPIError):
                report.conflicts += 1  # a person acted at the same moment: next pass

    def _due_clock_ids(self, now: datetime) -> list[int]:
        with self.db.reading() as s:
            return list(s.scalars(select(Clock.id)
                                  .where(Clock.state == RUNNING, Clock.due_at <= now)
                                  .order_by(Clock.due_at, Clock.id).limit(self.batch)))

    def break_clocks(self, clock_ids: list[int], now: datetime) -> list[dict]:
        """Catch the complaints of these clocks up to ``now`` in one transaction, in order: every
        break made (none for a clock no longer due)."""
        with self.db.transaction() as s:
            complaint_ids = set(s.scalars(select(Clock.complaint_id).where(Clock.id.in_(clock_ids))))
            # Their complaints locked first (PostgreSQL), as a person's advance locks them: a
            # person and the watch on the same complaint wait for each other, never deadlock.
            # Then with history and clocks, in a few statements for the whole batch, as they are
            # once locked.
            complaints = {c.id: c for c in s.scalars(
                select(Complaint).where(Complaint.id.in_(complaint_ids)).order_by(Complaint.id)
                .with_for_update(of=Complaint))}
            clocks = {k.id: k for k in s.scalars(select(Clock).where(Clock.id.in_(clock_ids)))}
            return [b for i in clock_ids for b in self._catch_up(s, clocks.get(i), complaints, now)]

    def _catch_up(self, s: Session, clock: Clock | None, complaints: dict[int, Complaint],
                  now: datetime) -> list[dict]:
        """The complaint of a due ``clock`` as a watch on time would have left it: its due clocks
        broken one at a time in due order (ties: creation order), each at its own deadline, since
        a break's escalation clock may fall due before the next one (a late watch climbs rung by
        rung, issue 22.5). Its other clocks in the batch are then no longer running."""
        if clock is None or clock.state != RUNNING or clock.due_at > now:
            return []
        c = complaints[clock.complaint_id]
        out = []
        while due := [k for k in c.clocks if k.state == RUNNING and k.due_at <= now]:
            result = self._break(s, c, min(due, key=lambda k: k.due_at), now)
            if result is None:
                break  # another watch broke it first: that watch catches this complaint up
            out.append(result)
        return out

    def _break(self, s: Session, c: Complaint, clock: Clock, now: datetime) -> dict | None:
        if clock.id is None:  # started by a break of this transaction: no other watch sees it
            clock.state, clock.ended_at = BROKEN, clock.due_at
        else:
            # No autoflush: the batch's changes so far go in one flush at the commit; the clocks
            # they ended are seen ended above, in the session.
            with s.no_autoflush:
                won = s.execute(update(Clock).where(Clock.id == clock.id, Clock.state == RUNNING)
                                .values(state=BROKEN, ended_at=clock.due_at)
                                .execution_options(synchronize_session=False)).rowcount
            if not won:
                return None  # another watch broke it first
            # What the UPDATE wrote, as the session's view of the row (no reload, no second UPDATE).
            set_committed_value(clock, "state", BROKEN)
            set_committed_value(clock, "ended_at", clock.due_at)
        svc = self.service
        label, label_en = Labels.build(svc.policy).clock(clock.name)
        at = max([clock.due_at, *(h.at for h in c.history)])
        # No rung above (the chairman) or nobody holds it: recorded and reported, not escalated.
        escalate = (c.level < TOP_LEVEL and c.state not in FINAL_STATES
                    and ladder_owner(s, c.level + 1) is not None)
        if escalate:
            note = (f"{label}时限 {local_iso(clock.due_at)} 已过，自动升级 / "
                    f"the {label_en} clock broke at {local_iso(clock.due_at)}")
            svc.change_in(s, c, "escalate", SYSTEM, note, at, data={"clock": clock.name})
        else:
            # Recorded in the history too, so that a replay of the history alone sees it.
            c.history.append(ComplaintEvent(complaint_id=c.id, event="break", from_state=c.state,
                                            to_state=c.state, actor_id=SYSTEM.id, at=at,
                                            note=f"{label}时限 {local_iso(clock.due_at)} 已过 / the "
                                                 f"{label_en} clock broke at {local_iso(clock.due_at)}",
                                            level=c.level, owner_id=c.owner_id,
                                            data={"against": c.against_id, "clock": clock.name}))
            svc.tell(s, ClockBreach(c.id, clock.name, clock.owner_id, clock.due_at, c.level,
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
                svc.tell(s, ClockWarning(k.complaint_id, k.name, k.owner_id, k.due_at, percent, now))
                out.append({"complaint": k.complaint_id, "clock": k.name, "owner": k.owner_id,
                            "percent": percent, "due": local_iso(k.due_at)})
        return out
