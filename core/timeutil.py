"""Times: stored in UTC, aware in Python, shown in the business time zone.

Pure helpers; the only place that reads the wall clock is :func:`utcnow`,
which the edges (CLI, services) pass down as ``now``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.errors import InvalidInput

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")


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
