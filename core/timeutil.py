"""Times: stored in UTC, aware in Python, shown in the business time zone.

Pure helpers; the only place that reads the wall clock is :func:`utcnow`,
which the edges (CLI, services) pass down as ``now``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.errors import InvalidInput

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_time(text: str, field: str = "--at") -> datetime:
    """ISO 8601 to an aware UTC datetime; a time without offset is Asia/Shanghai."""
    try:
        value = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise InvalidInput(
            f"{field}: '{text}' is not an ISO 8601 time 时间格式错误 (e.g. 2026-11-03T09:00+08:00)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BUSINESS_TZ)
    if not 1970 <= value.year <= 2999:  # as month_bounds: beyond, deadlines and time zones overflow
        raise InvalidInput(f"{field}: '{text}' is not a time between 1970 and 2999 时间超出范围")
    return value.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: times must be aware")
    return value.astimezone(UTC)


def local_iso(value: datetime | None) -> str | None:
    """Display form: ISO 8601 in the business time zone, to the second."""
    if value is None:
        return None
    return value.astimezone(BUSINESS_TZ).isoformat(timespec="seconds")


def local_short(value: datetime | None) -> str:
    """Compact human form: 11-03 09:30."""
    return value.astimezone(BUSINESS_TZ).strftime("%m-%d %H:%M") if value else "—"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month in Asia/Shanghai, as aware UTC (rules.md §4)."""
    m = MONTH.match(month or "")
    if not m:
        raise InvalidInput(f"MONTH: '{month}' is not a month like 2026-11 月份格式错误")
    year, mon = int(m.group(1)), int(m.group(2))
    if not 1970 <= year <= 2999:  # beyond, dates and time zones stop making sense
        raise InvalidInput(f"MONTH: '{month}' is not a month between 1970 and 2999 月份超出范围")
    start = datetime(year, mon, 1, tzinfo=BUSINESS_TZ)
    end = datetime(*_add_months(year, mon, 1), 1, tzinfo=BUSINESS_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def _add_months(year: int, mon: int, months: int) -> tuple[int, int]:
    """The month ``months`` after (before, if negative) ``year``-``mon``: the one month arithmetic."""
    year, index = divmod(year * 12 + mon - 1 + months, 12)
    return year, index + 1


def month_shift(month: str, months: int) -> str:
    """"2026-11" shifted by ``months``: +1 → "2026-12", +2 → "2027-01", -11 → "2025-12"."""
    year, mon = _add_months(int(month[:4]), int(month[5:7]), months)
    return f"{year:04d}-{mon:02d}"


def current_month(now: datetime) -> str:
    """The calendar month (Asia/Shanghai) that ``now`` falls in, as YYYY-MM."""
    return now.astimezone(BUSINESS_TZ).strftime("%Y-%m")


def previous_month(now: datetime) -> str:
    """The month before the one ``now`` falls in (Asia/Shanghai), as YYYY-MM."""
    return month_shift(current_month(now), -1)
