"""Calendars for complaint clocks: when is "start + N minutes" due?

Two calendars (rules.md §3):

* :class:`AllHours` — every minute counts (the default: customers are
  physically waiting at the window).
* :class:`BusinessCalendar` — only working minutes count: working hours with a
  lunch break, on working days. A day is a working day by, in order: the
  override table of ``config/calendar.toml`` (the group adds each year's 调休
  once the State Council publishes it, usually in November), then the
  ``holidays`` package (``holidays.CN``: statutory holidays and the adjusted
  working days it knows), else Monday–Friday.

Pure: no clock reads, no database. Datetimes must be aware; a deadline is
returned in the time zone of its start. The deadline is the *earliest* instant
by which N working minutes have elapsed since start, so a start outside working
hours counts from the next opening, a deadline may fall exactly on a closing
time (12:00, not 13:30), and a 0-minute duration is due at start itself.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.defaults import default_file
from core.errors import CalendarError
from core.validation import first_problem

DEFAULT_CALENDAR_PATH = default_file("calendar.toml")
CALENDAR_NAMES = ("all_hours", "business")

# A safety stop: this many consecutive non-working days means a broken table.
_MAX_IDLE_DAYS = 366

DayKind = Literal["holiday", "workday"]


class WorkdayLookup(Protocol):
    """What :class:`BusinessCalendar` asks of a holiday source (``holidays.CN`` fits)."""

    def is_working_day(self, key: date) -> bool: ...


class Weekdays:
    """Fallback source: Monday–Friday work, weekends off, no holidays."""

    def is_working_day(self, key: date) -> bool:
        return key.weekday() < 5


def _require_aware(start: datetime) -> None:
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("naive datetime: clock starts must be aware")


def _require_minutes(minutes: int) -> None:
    if minutes < 0:
        raise ValueError(f"duration must not be negative: {minutes} min")


class AllHours:
    """Every minute counts."""

    name = "all_hours"

    def is_working_day(self, d: date) -> bool:
        return True

    def deadline(self, start: datetime, minutes: int) -> datetime:
        _require_aware(start)
        _require_minutes(minutes)
        # Via UTC: elapsed time, even across a daylight-saving change.
        return (start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo)


class BusinessCalendar:
    """Working hours on working days, in one time zone.

    ``hours``: sorted, non-overlapping (open, close) local times, the same on
    every working day. ``holidays_lookup``: the holiday source (``None`` →
    :class:`Weekdays`). ``overrides``: date → "holiday" | "workday", consulted
    first. Minutes are counted on the wall clock of ``tz``: exact for a zone
    without daylight saving time such as Asia/Shanghai.
    """

    name = "business"

    def __init__(
        self,
        hours: Sequence[tuple[time, time]],
        holidays_lookup: WorkdayLookup | None = None,
        overrides: dict[date, str] | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        self.hours = _checked_hours(hours)
        self.holidays_lookup = holidays_lookup if holidays_lookup is not None else Weekdays()
        self.overrides = dict(overrides or {})
        for day, kind in self.overrides.items():
            if kind not in ("holiday", "workday"):
                raise CalendarError(f"overrides.{day}: '{kind}' is neither 'holiday' nor 'workday'")
        self.tz = tz if tz is not None else ZoneInfo("Asia/Shanghai")

    def is_working_day(self, d: date) -> bool:
        kind = self.overrides.get(d)
        if kind is not None:
            return kind == "workday"
        return bool(self.holidays_lookup.is_working_day(d))

    def exceptions(self, year: int) -> list[tuple[date, DayKind]]:
        """Weekdays off ("holiday") and weekend days on ("workday") in a year.

        For the yearly check against the State Council notice: every line of
        the notice should appear here, and nothing else.
        """
        day, found = date(year, 1, 1), []
        while day.year == year:
            working = self.is_working_day(day)
            if working != (day.weekday() < 5):
                found.append((day, "workday" if working else "holiday"))
            day += timedelta(days=1)
        return found

    def deadline(self, start: datetime, minutes: int) -> datetime:
        """The earliest instant by which ``minutes`` working minutes have elapsed since ``start``."""
        _require_aware(start)
        _require_minutes(minutes)
        if minutes == 0:
            return start
        remaining = timedelta(minutes=minutes)
        # Wall-clock arithmetic in the calendar's zone, naive, then re-attached.
        cursor = start.astimezone(self.tz).replace(tzinfo=None)
        day = cursor.date()
        idle_days = 0
        while True:
            if self.is_working_day(day):
                idle_days = 0
                for opens, closes in self.hours:
                    begin = max(cursor, datetime.combine(day, opens))
                    end = datetime.combine(day, closes)
                    if begin >= end:
                        continue
                    if remaining <= end - begin:
                        due = (begin + remaining).replace(tzinfo=self.tz)
                        return due.astimezone(start.tzinfo)
                    remaining -= end - begin
            else:
                idle_days += 1
                if idle_days > _MAX_IDLE_DAYS:
                    raise CalendarError(
                        f"no working day in {_MAX_IDLE_DAYS} days after {day - timedelta(days=idle_days)}"
                    )
            day += timedelta(days=1)
            cursor = datetime.combine(day, time.min)


def _checked_hours(hours: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    if not hours:
        raise CalendarError("hours: at least one working period is needed")
    previous_close: time | None = None
    for opens, closes in hours:
        if opens.tzinfo is not None or closes.tzinfo is not None:
            raise CalendarError(f"hours: {opens}–{closes}: local times only, the zone is 'timezone'")
        if opens >= closes:
            raise CalendarError(f"hours: {opens}–{closes}: opens must be before it closes")
        if previous_close is not None and opens < previous_close:
            raise CalendarError(f"hours: {opens}–{closes}: periods must be sorted and not overlap")
        previous_close = closes
    return tuple((opens, closes) for opens, closes in hours)


# --- the file ---------------------------------------------------------------

_PERIOD = re.compile(r"^(?P<opens>(?:[01]\d|2[0-3]):[0-5]\d)-(?P<closes>(?:[01]\d|2[0-3]):[0-5]\d)$")


class _CalendarFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    timezone: str
    hours: list[str] = Field(min_length=1)
    overrides: dict[str, DayKind] = Field(default_factory=dict)

    @field_validator("hours")
    @classmethod
    def _periods(cls, value: list[str]) -> list[str]:
        for text in value:
            if not _PERIOD.match(text):
                raise ValueError(f"'{text}' is not a period HH:MM-HH:MM")
        return value

    @field_validator("overrides")
    @classmethod
    def _iso_dates(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            try:
                date.fromisoformat(key)
            except ValueError:
                raise ValueError(f"'{key}' is not a date YYYY-MM-DD") from None
        return value


def parse_calendar(
    data: dict, where: str = "calendar", holidays_lookup: WorkdayLookup | None = None
) -> BusinessCalendar:
    """Validate a parsed calendar mapping; refuse it naming the first key at fault.

    ``holidays_lookup`` defaults to ``holidays.CN`` (the package must be installed).
    """
    try:
        spec = _CalendarFile.model_validate(data)
    except ValidationError as exc:
        raise CalendarError(first_problem(exc, where)) from None
    try:
        tz = ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"{where}: timezone: unknown time zone '{spec.timezone}'") from None
    periods = [_PERIOD.match(text) for text in spec.hours]
    hours = [(time.fromisoformat(m["opens"]), time.fromisoformat(m["closes"])) for m in periods if m]
    overrides = {date.fromisoformat(key): kind for key, kind in spec.overrides.items()}
    try:
        return BusinessCalendar(hours, _china_holidays() if holidays_lookup is None else holidays_lookup, overrides, tz)
    except CalendarError as exc:
        raise CalendarError(f"{where}: {exc}") from None


def load_calendar(path: str | Path | None = None, holidays_lookup: WorkdayLookup | None = None) -> BusinessCalendar:
    """Read and validate a calendar file (default ``config/calendar.toml``)."""
    path = Path(path) if path else DEFAULT_CALENDAR_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CalendarError(f"{path}: file not found 文件不存在") from None
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{path}: {exc}") from None
    return parse_calendar(data, where=str(path), holidays_lookup=holidays_lookup)


def _china_holidays() -> WorkdayLookup:
    # Imported here: the all-hours calendar must not need the package.
    try:
        import holidays
    except ImportError:
        # Refuse rather than fall back to Weekdays: silently counting National
        # Day as working time would break clocks nobody could have kept.
        raise CalendarError("the business calendar needs the 'holidays' package (pip install holidays)") from None
    return holidays.CN()


@functools.cache
def _default_business() -> BusinessCalendar:
    from core.settings import get_settings  # JIANDU_CALENDAR_PATH, read once like the file

    return load_calendar(get_settings().calendar_path)


def calendar_for(name: str) -> AllHours | BusinessCalendar:
    """The calendar a window's clocks run on: "all_hours" or "business" (JIANDU_CALENDAR_PATH, default
    config/calendar.toml; read once per process)."""
    if name == "all_hours":
        return AllHours()
    if name == "business":
        return _default_business()
    raise CalendarError(f"calendar: unknown calendar '{name}' (known: {', '.join(CALENDAR_NAMES)})")
