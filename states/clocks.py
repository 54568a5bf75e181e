"""Which clocks start, stop or change hands at each step (rules.md §3). Pure.

    respond   received → verified / dismissed      (policy.clocks.respond_minutes)
    on_site   received → on_site                   (on_site_minutes)
    resolve   received → resolved                  (resolve_minutes; survives escalation)
    escalation  after an escalation, for the new owner to be on site, dismiss or resolve
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from core import labels
from core.policy import Clocks

RUNNING, STOPPED, REPLACED, BROKEN = "running", "stopped", "replaced", "broken"
# The clocks' Chinese words (core/labels.py holds both languages and the incident steps').
CLOCK_LABELS = {name: labels.CLOCK[name][0] for name in ("respond", "on_site", "resolve", "escalation")}

# event → clocks it stops (kept) ; "*" = every running clock
STOPS = {
    "verify": {"respond"},
    "arrive": {"on_site", "escalation"},
    "resolve": {"*"},
    "dismiss": {"*"},
}
# Escalation replaces these with one escalation clock for the new owner.
REPLACED_BY_ESCALATION = {"respond", "on_site", "escalation"}
# An incident procedure replaces these with its own steps (seed 二.5: its own prescribed time).
REPLACED_BY_INCIDENT = {"respond", "on_site", "resolve", "escalation"}


@dataclass(frozen=True)
class ClockStart:
    name: str
    owner: str | None
    started_at: datetime
    due_at: datetime


@dataclass
class ClockPlan:
    """What to do with the complaint's running clocks after one event."""

    start: list[ClockStart] = field(default_factory=list)
    stop: set[str] = field(default_factory=set)       # name → STOPPED
    replace: set[str] = field(default_factory=set)    # name → REPLACED
    new_owner: str | None = None                      # running clocks that remain change hands


class Calendar(Protocol):
    """Deadline arithmetic (core.calendar: AllHours or BusinessCalendar)."""

    def deadline(self, start: datetime, minutes: int) -> datetime: ...


def end(clock, state: str, at: datetime) -> None:
    """End a running clock. Past its deadline it ends broken, at its deadline: the breach is a
    fact (the owner's inactivity) even when someone acted late, before the watch noticed."""
    if clock.due_at <= at:
        clock.state, clock.ended_at = BROKEN, clock.due_at
    else:
        clock.state, clock.ended_at = state, at


def next_warning(started: datetime, due: datetime, fractions: list[float],
                 after: datetime) -> datetime | None:
    """The first warning point (a fraction of the clock) strictly after ``after``, if any."""
    points = sorted(started + (due - started) * f for f in fractions if 0 < f < 1)
    return next((p for p in points if p > after), None)


def warned_percent(started: datetime, due: datetime, fractions: list[float], now: datetime) -> int:
    """The largest warning fraction already passed at ``now``, as a percentage."""
    passed = [f for f in fractions if 0 < f < 1 and started + (due - started) * f <= now]
    return round(max(passed) * 100) if passed else 0


def direct_escalation_from(rung_since: datetime, running_dues: Iterable[datetime], wait: timedelta,
                           now: datetime) -> datetime:
    """From when the complainant may take the complaint one rung up (seed 二.6): at once when a
    running clock has broken, else once the current rung has had ``wait`` since it took it."""
    if any(due <= now for due in running_dues):
        return now
    return rung_since + wait


def on_receipt(at: datetime, owner: str | None, policy: Clocks, calendar: Calendar) -> list[ClockStart]:
    return [ClockStart(name, owner, at, calendar.deadline(at, getattr(policy, f"{name}_minutes")))
            for name in ("respond", "on_site", "resolve")]


def after_event(event: str, running: set[str], at: datetime, new_owner: str | None,
                policy: Clocks, calendar: Calendar, incident_open: bool = False) -> ClockPlan:
    if event == "escalate" and incident_open:
        # The incident procedure's steps keep the time now; they change hands like the rest.
        return ClockPlan(new_owner=new_owner)
    if event == "escalate":
        return ClockPlan(
            start=[ClockStart("escalation", new_owner, at, calendar.deadline(at, policy.escalation_minutes))],
            replace=running & REPLACED_BY_ESCALATION,
            new_owner=new_owner,
        )
    stops = STOPS.get(event, set())
    return ClockPlan(stop=set(running) if "*" in stops else running & stops)
