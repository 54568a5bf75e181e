"""The supervision dashboard: complaints, clocks and ratings per calendar month. Read-only.

Months are calendar months in Asia/Shanghai while times are stored in UTC, so no SQL date
function can name a row's month on both SQLite and PostgreSQL. Each query instead sorts rows
into month buckets with one CASE over the months' UTC bounds (``month_bounds``) and groups by
the bucket: a handful of set-based queries, whatever the number of complaints.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from core.db import Database
from core.errors import InvalidInput
from core.org import Unit
from core.timeutil import as_utc, current_month, month_bounds, month_shift
from states.clocks import BROKEN, RUNNING, STOPPED
from states.machine import OPEN_STATES
from states.models import Clock, Complaint, ComplaintRating

MAX_MONTHS = 36  # one CASE branch per month: keep the statement small
ENDED = (STOPPED, BROKEN)  # a replaced clock was neither kept nor broken by its owner


def month_list(now: datetime, months: int) -> list[str]:
    """The ``months`` calendar months ending with the one holding ``now``, oldest first."""
    last = current_month(as_utc(now))
    return [month_shift(last, k - months + 1) for k in range(months)]


def rate(part: int, whole: int) -> float | None:
    """A share in 0..1 to 4 decimals; None when there is nothing to measure."""
    return round(part / whole, 4) if whole else None


def dashboard(db: Database, now: datetime, months: int = 6, *, satisfied_from: int) -> dict:
    """The ``months`` months ending with ``now``'s: per-unit intake, the monthly trend with its
    rates, totals over the range, and what is open and overdue at ``now``. JSON-able.
    ``satisfied_from``: the policy's [satisfaction] score from which a rating is satisfied."""
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(f"months: {months} is not in 1..{MAX_MONTHS} 月数超出范围")
    now = as_utc(now)
    labels = month_list(now, months)
    bounds = [month_bounds(m) for m in labels]
    with db.reading() as s:
        units = [{"code": c, "name": n} for c, n in
                 s.execute(select(Unit.code, Unit.name).where(Unit.active).order_by(Unit.code))]
        received = _grouped(s, Complaint.received_at, bounds, Complaint.unit_code)
        verified = _grouped(s, Complaint.verified_at, bounds)
        closed = _grouped(s, Complaint.closed_at, bounds, Complaint.state,
                          where=Complaint.state.in_(("resolved", "dismissed")))
        clocks = _grouped(s, Clock.ended_at, bounds, Clock.name, Clock.state, where=Clock.state.in_(ENDED))
        ratings = _grouped(s, ComplaintRating.at, bounds,
                           satisfied=case((ComplaintRating.score >= satisfied_from, 1), else_=0))
        open_now = s.scalar(select(func.count()).select_from(Complaint)
                            .where(Complaint.state.in_(sorted(OPEN_STATES))))
        overdue_now = s.scalar(select(func.count(func.distinct(Clock.complaint_id)))
                               .where(Clock.state == RUNNING, Clock.due_at <= now))

    per_unit = {u["code"]: dict.fromkeys(labels, 0) for u in units}
    counts = [_empty() for _ in labels]
    for (i, unit), row in received.items():
        counts[i]["received"] += row["n"]
        if unit in per_unit:  # a deactivated unit's complaints count in the trend only
            per_unit[unit][labels[i]] = row["n"]
    for (i,), row in verified.items():
        counts[i]["verified"] += row["n"]
    for (i, state), row in closed.items():
        counts[i][state] += row["n"]
    for (i, name, state), row in clocks.items():
        kept = row["n"] if state == STOPPED else 0
        counts[i]["clocks_ended"] += row["n"]
        counts[i]["clocks_kept"] += kept
        if name in ("respond", "resolve"):
            counts[i][f"{name}_ended"] += row["n"]
            counts[i][f"{name}_kept"] += kept
    for (i,), row in ratings.items():
        counts[i]["ratings"] += row["n"]
        counts[i]["satisfied"] += row["satisfied"]

    total = _empty()
    for c in counts:
        for key in total:
            total[key] += c[key]
    return {
        "months": labels,
        "units": units,
        "per_unit_month": per_unit,
        "trend": [{"month": m, **_figures(c)} for m, c in zip(labels, counts, strict=True)],
        "totals": _figures(total),
        "open_now": int(open_now or 0),
        "overdue_now": int(overdue_now or 0),
    }


def _grouped(s: Session, at, bounds, *keys, where=None, **sums) -> dict[tuple, dict]:
    """{(month index, *keys): {"n": row count, **sums}} of the rows whose ``at`` is in a month.

    ``sums``: per-row expressions summed per group. The bucket is computed in a subquery and
    grouped outside by its column name: PostgreSQL would not match a GROUP BY expression
    holding bound parameters to the same expression in the SELECT list.
    """
    bucket = case(*[(and_(at >= start, at < end), literal_column(str(i)))
                    for i, (start, end) in enumerate(bounds)], else_=None)
    inner = (select(bucket.label("m"), *[k.label(f"k{j}") for j, k in enumerate(keys)],
                    *[expr.label(name) for name, expr in sums.items()])
             .where(at >= bounds[0][0], at < bounds[-1][1]))
    if where is not None:
        inner = inner.where(where)
    sub = inner.subquery()
    group = [sub.c.m, *[sub.c[f"k{j}"] for j in range(len(keys))]]
    query = select(*group, func.count().label("n"), *[func.sum(sub.c[name]).label(name) for name in sums])
    out = {}
    for row in s.execute(query.group_by(*group)).mappings():
        key = (int(row["m"]), *[row[f"k{j}"] for j in range(len(keys))])
        out[key] = {"n": int(row["n"]), **{name: int(row[name] or 0) for name in sums}}
    return out


def _empty() -> dict[str, int]:
    keys = ("received", "verified", "resolved", "dismissed", "clocks_ended", "clocks_kept",
            "respond_ended", "respond_kept", "resolve_ended", "resolve_kept", "ratings", "satisfied")
    return dict.fromkeys(keys, 0)


def _figures(c: dict[str, int]) -> dict:
    return {
        "received": c["received"], "verified": c["verified"],
        "resolved": c["resolved"], "dismissed": c["dismissed"],
        "clocks_ended": c["clocks_ended"], "clocks_kept": c["clocks_kept"],
        "clocks_kept_pct": rate(c["clocks_kept"], c["clocks_ended"]),
        "response_rate": rate(c["respond_kept"], c["respond_ended"]),
        "resolution_rate": rate(c["resolve_kept"], c["resolve_ended"]),
        "ratings": c["ratings"], "satisfied": c["satisfied"],
        "satisfaction_rate": rate(c["satisfied"], c["ratings"]),
    }
