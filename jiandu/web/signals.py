"""Operator signals (GET /metrics): what a monitoring system alerts on, read in a few grouped counts.

Each is one indexed query whatever the history's size: open complaints by state, running and
overdue clocks (overdue = due, not yet broken: the watch is behind), the clocks broken in the
last 24 hours, the outbox's unsettled
messages by status and how long the oldest due one has waited, the clock watch's last pass.
Sent messages are not counted: they only grow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.db import Database
from core.heartbeat import CLOCK_WATCH, last_runs
from notifications.models import DEAD, PENDING, SENDING, OutboxMessage
from states.clocks import BROKEN, RUNNING
from states.machine import FINAL_STATES, State
from states.models import Clock, Complaint

OPEN_STATES = tuple(s.value for s in State if s.value not in FINAL_STATES)
UNSETTLED = (PENDING, SENDING, DEAD)


@dataclass(frozen=True)
class Signals:
    open_by_state: dict[str, int]
    clocks_running: int
    clocks_overdue: int
    clocks_broken_last_day: int
    outbox_by_status: dict[str, int]
    outbox_due: int
    outbox_oldest_due_seconds: float
    watch_ran_at: datetime | None
    watch_breaks: int | None


def read_signals(db: Database, now: datetime) -> Signals:
    due = (OutboxMessage.status.in_((PENDING, SENDING)), OutboxMessage.next_attempt_at <= now)
    with db.reading() as s:
        open_by_state = dict(s.execute(select(Complaint.state, func.count()).where(Complaint.state.in_(OPEN_STATES))
                                       .group_by(Complaint.state)).all())
        running = s.scalar(select(func.count()).where(Clock.state == RUNNING))
        overdue = s.scalar(select(func.count()).where(Clock.state == RUNNING, Clock.due_at <= now))
        broken = s.scalar(select(func.count()).where(Clock.state == BROKEN, Clock.due_at > now - timedelta(days=1)))
        by_status = dict(s.execute(select(OutboxMessage.status, func.count())
                                   .where(OutboxMessage.status.in_(UNSETTLED)).group_by(OutboxMessage.status)).all())
        due_count, oldest = s.execute(select(func.count(), func.min(OutboxMessage.next_attempt_at)).where(*due)).one()
    watch = last_runs(db).get(CLOCK_WATCH)
    return Signals(open_by_state={state: open_by_state.get(state, 0) for state in OPEN_STATES},
                   clocks_running=running, clocks_overdue=overdue, clocks_broken_last_day=broken,
                   outbox_by_status={status: by_status.get(status, 0) for status in UNSETTLED},
                   outbox_due=due_count, outbox_oldest_due_seconds=(now - oldest).total_seconds() if oldest else 0.0,
                   watch_ran_at=watch.ran_at if watch else None, watch_breaks=watch.items if watch else None)
