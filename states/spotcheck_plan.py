"""The month's plan of unannounced spot checks (抽查计划). Pure: no I/O, no clock.

One check per active window, each at a random moment of the working hours of a
random day of the month (Asia/Shanghai), assigned to a supervisor who does not
head the window's unit; the load is spread evenly (fewest checks first, ties
drawn). Everything random comes from ``random.Random(seed)`` and the inputs are
sorted first, so the same seed and the same directory give the same plan: an
auditor can recompute it from what was recorded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.errors import Refused
from core.timeutil import BUSINESS_TZ, month_bounds


@dataclass(frozen=True)
class PlanRules:
    """When checks may happen (policy [spot_checks]; these defaults serve the pure tests)."""

    start_minute: int = 8 * 60  # 08:00, first moment of the working day
    end_minute: int = 18 * 60  # 18:00, exclusive
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)  # Monday = 0; windows serve every day
    grace_days: int = 0  # due at 23:59:59 of the planned day plus this many days


@dataclass(frozen=True)
class WindowToCheck:
    code: str
    unit: str
    items: tuple[str, ...]  # the commitments of the window's position: the checklist


@dataclass(frozen=True)
class Inspector:
    id: str
    heads: frozenset[str]  # units he heads: he never checks their windows


@dataclass(frozen=True)
class Plan:
    window: str
    unit: str
    inspector: str
    planned_at: datetime  # aware UTC
    due_at: datetime  # aware UTC
    items: tuple[str, ...]


def plan_month(month: str, windows: list[WindowToCheck], inspectors: list[Inspector], seed: int,
               rules: PlanRules = PlanRules(), not_before: datetime | None = None) -> list[Plan]:
    """One check per window; ``not_before`` (aware) keeps a late plan out of the past."""
    slots = _slots(month, rules, not_before)
    if not slots:
        raise Refused(f"{month}: no working time left in the month 本月已无可安排的抽查时间")
    rng = random.Random(seed)
    people = sorted(inspectors, key=lambda i: i.id)
    load = {i.id: 0 for i in people}
    order = sorted(windows, key=lambda w: w.code)
    rng.shuffle(order)  # no window always gets the first pick of inspectors
    plans = []
    for w in order:
        eligible = [i.id for i in people if w.unit not in i.heads]
        if not eligible:
            raise Refused(f"{w.code}: no supervisor outside unit '{w.unit}' may check this window "
                          "无可安排的监督员 (check the unit heads in the organisation file)")
        fewest = min(load[i] for i in eligible)
        inspector = rng.choice([i for i in eligible if load[i] == fewest])
        load[inspector] += 1
        day, first_minute = rng.choice(slots)
        minute = rng.randrange(first_minute, rules.end_minute)
        local = datetime.combine(day, time(), BUSINESS_TZ) + timedelta(minutes=minute)
        due = datetime.combine(day + timedelta(days=rules.grace_days), time(23, 59, 59), BUSINESS_TZ)
        plans.append(Plan(w.code, w.unit, inspector, local.astimezone(UTC), due.astimezone(UTC), w.items))
    return sorted(plans, key=lambda p: (p.planned_at, p.window))


def _slots(month: str, rules: PlanRules, not_before: datetime | None) -> list[tuple[date, int]]:
    """(day, first allowed minute) for every working day of the month that has time left."""
    start, end = month_bounds(month)
    first, last = start.astimezone(BUSINESS_TZ).date(), end.astimezone(BUSINESS_TZ).date()
    floor = not_before.astimezone(BUSINESS_TZ) if not_before else None
    out = []
    day = first
    while day < last:
        lo = rules.start_minute
        if floor is not None and day <= floor.date():
            lo = rules.end_minute if day < floor.date() else max(lo, floor.hour * 60 + floor.minute + 1)
        if day.weekday() in rules.weekdays and lo < rules.end_minute:
            out.append((day, lo))
        day += timedelta(days=1)
    return out
