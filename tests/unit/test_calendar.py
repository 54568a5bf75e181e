"""The clock calendars, pure: all hours, and working hours on Chinese working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import (
    DEFAULT_CALENDAR_PATH,
    AllHours,
    BusinessCalendar,
    CalendarError,
    calendar_for,
    load_calendar,
    parse_calendar,
)
from core.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_HOURS = ["08:00-12:00", "13:30-17:30"]
# The hours the examples of prefect-notes.md were measured with (opening 09:00).
NOTES_HOURS = ["09:00-12:00", "13:30-17:30"]
HOURS = [(time(8), time(12)), (time(13, 30), time(17, 30))]


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


def business(hours: list[str] = DEFAULT_HOURS, **overrides: str) -> BusinessCalendar:
    data = {"timezone": "Asia/Shanghai", "hours": hours, "overrides": overrides}
    return parse_calendar(data)


CN = business()


# --- the measured examples --------------------------------------------------

EXAMPLES = [
    # start, minutes, due with 09:00 opening (notes), due with 08:00 opening (default)
    (at(2026, 10, 16, 16), 4 * 60, at(2026, 10, 19, 11, 30), at(2026, 10, 19, 10, 30)),  # Friday → Monday
    (at(2026, 9, 30, 15), 8 * 60, at(2026, 10, 8, 16), at(2026, 10, 8, 15)),  # National Day skipped
    (at(2026, 10, 9, 17), 2 * 60, at(2026, 10, 10, 10, 30), at(2026, 10, 10, 9, 30)),  # Saturday 调休 worked
]


@pytest.mark.parametrize(("start", "minutes", "due", "_"), EXAMPLES)
def test_examples_of_the_notes(start, minutes, due, _):
    assert business(NOTES_HOURS).deadline(start, minutes) == due


@pytest.mark.parametrize(("start", "minutes", "_", "due"), EXAMPLES)
def test_examples_with_default_hours(start, minutes, _, due):
    assert CN.deadline(start, minutes) == due
    assert load_calendar().deadline(start, minutes) == due


# --- where the count starts and ends ----------------------------------------


def test_start_in_lunch_break_counts_from_afternoon_opening():
    assert CN.deadline(at(2026, 11, 3, 12, 30), 30) == at(2026, 11, 3, 14)


def test_start_before_opening_counts_from_opening():
    assert CN.deadline(at(2026, 11, 3, 6, 15), 60) == at(2026, 11, 3, 9)


def test_start_after_closing_counts_from_next_morning():
    assert CN.deadline(at(2026, 11, 3, 19), 60) == at(2026, 11, 4, 9)


def test_start_on_holiday_counts_from_first_working_day():
    # 2026-10-01..07 off (National Day and its 调休).
    assert CN.deadline(at(2026, 10, 1, 10), 60) == at(2026, 10, 8, 9)


def test_deadline_may_fall_on_closing_time():
    assert CN.deadline(at(2026, 11, 3, 11), 60) == at(2026, 11, 3, 12)
    assert CN.deadline(at(2026, 11, 3, 11), 61) == at(2026, 11, 3, 13, 31)


def test_working_day_is_480_minutes():
    assert CN.deadline(at(2026, 11, 3, 8), 480) == at(2026, 11, 3, 17, 30)
    assert CN.deadline(at(2026, 11, 3, 8), 481) == at(2026, 11, 4, 8, 1)


def test_seconds_of_start_are_kept():
    assert CN.deadline(at(2026, 11, 3, 9, 0, 42), 10) == at(2026, 11, 3, 9, 10, 42)


def test_zero_minutes_is_due_at_start():
    assert CN.deadline(at(2026, 11, 3, 10), 0) == at(2026, 11, 3, 10)
    assert CN.deadline(at(2026, 11, 7, 3), 0) == at(2026, 11, 7, 3)  # Saturday night
    assert AllHours().deadline(at(2026, 11, 3, 10), 0) == at(2026, 11, 3, 10)


# --- working days -----------------------------------------------------------


def test_working_days_of_2026():
    assert not CN.is_working_day(date(2026, 10, 1))  # National Day
    assert not CN.is_working_day(date(2026, 10, 7))  # day off moved from Saturday 10-10
    assert CN.is_working_day(date(2026, 10, 10))  # Saturday worked (调休)
    assert not CN.is_working_day(date(2026, 10, 11))  # ordinary Sunday
    assert CN.is_working_day(date(2026, 11, 3))  # ordinary Tuesday


def test_shipped_2026_workdays_agree_with_holidays_package():
    shipped = load_calendar()
    worked = [d for d, kind in shipped.exceptions(2026) if kind == "workday"]
    assert worked == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20),
                      date(2026, 10, 10)]  # fmt: skip
    package = holidays.CN()
    assert all(package.is_working_day(d) for d in shipped.overrides if shipped.overrides[d] == "workday")
    assert shipped.exceptions(2026) == CN.exceptions(2026)


def test_override_makes_a_holiday():
    calendar = business(**{"2026-10-08": "holiday"})
    assert not calendar.is_working_day(date(2026, 10, 8))
    assert calendar.deadline(at(2026, 9, 30, 15), 8 * 60) == at(2026, 10, 9, 15)


def test_override_makes_a_workday_over_the_package():
    calendar = business(**{"2026-10-03": "workday"})  # a Saturday inside National Day
    assert calendar.is_working_day(date(2026, 10, 3))
    assert calendar.deadline(at(2026, 10, 1, 10), 60) == at(2026, 10, 3, 9)


def test_override_for_a_year_not_yet_published():
    # 2027's 调休 are unknown to the package: the table is how the group adds them.
    calendar = business(**{"2027-02-20": "workday"})
    assert not CN.is_working_day(date(2027, 2, 20))
    assert calendar.is_working_day(date(2027, 2, 20))


def test_without_holiday_source_weekends_are_off():
    calendar = BusinessCalendar(HOURS, overrides={date(2026, 11, 7): "workday"})
    assert calendar.is_working_day(date(2026, 10, 1))  # no holidays known
    assert not calendar.is_working_day(date(2026, 11, 8))  # Sunday
    assert calendar.is_working_day(date(2026, 11, 7))  # Saturday by override


def test_holiday_source_is_pluggable():
    class NeverOff:
        def is_working_day(self, key: date) -> bool:
            return True

    calendar = BusinessCalendar(HOURS, NeverOff(), {}, SHANGHAI)
    assert calendar.deadline(at(2026, 10, 1, 17), 60) == at(2026, 10, 2, 8, 30)


def test_no_working_day_at_all_is_refused():
    class AlwaysOff:
        def is_working_day(self, key: date) -> bool:
            return False

    with pytest.raises(CalendarError, match="no working day"):
        BusinessCalendar(HOURS, AlwaysOff()).deadline(at(2026, 11, 3, 9), 1)


# --- time zones -------------------------------------------------------------


def test_result_is_aware_in_the_zone_of_the_start():
    start = at(2026, 11, 3, 17).astimezone(UTC)  # 09:00 UTC
    due = CN.deadline(start, 60)
    assert due.tzinfo is UTC
    assert due == at(2026, 11, 4, 8, 30)
    assert due.isoformat() == "2026-11-04T00:30:00+00:00"


def test_start_in_another_zone_is_read_in_the_calendar_zone():
    # 02:00 in Paris (winter, UTC+1) is 09:00 in Shanghai: inside working hours.
    start = datetime(2026, 11, 3, 2, tzinfo=ZoneInfo("Europe/Paris"))
    due = CN.deadline(start, 60)
    assert due == at(2026, 11, 3, 10)
    assert due.tzinfo == ZoneInfo("Europe/Paris")


def test_all_hours_counts_elapsed_time_across_daylight_saving():
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 28, 12, tzinfo=berlin)  # clocks go forward on 03-29
    due = AllHours().deadline(start, 24 * 60)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
    assert due.hour == 13 and due.tzinfo is berlin


@pytest.mark.parametrize("calendar", [AllHours(), CN], ids=["all_hours", "business"])
def test_naive_and_negative_are_refused(calendar):
    with pytest.raises(ValueError, match="naive"):
        calendar.deadline(datetime(2026, 11, 3, 9), 10)
    with pytest.raises(ValueError, match="negative"):
        calendar.deadline(at(2026, 11, 3, 9), -1)


# --- the file ---------------------------------------------------------------


def test_default_file_loads():
    calendar = load_calendar()
    assert calendar.hours == tuple(HOURS)
    assert calendar.tz == SHANGHAI
    assert load_calendar(DEFAULT_CALENDAR_PATH).overrides == calendar.overrides


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('timezone = "Asia/Shanghai"\nhours = ["08:00-12:00"]\nlunch = "12:00"\n', "lunch"),
        ('timezone = "Asia/Shanghai"\n', "hours"),
        ('timezone = "Asia/Shanghai"\nhours = "08:00-12:00"\n', "hours"),
        ('timezone = "Asia/Shanghai"\nhours = ["8-12"]\n', "hours"),
        ('timezone = 8\nhours = ["08:00-12:00"]\n', "timezone"),
        ('timezone = "Asia/Shangai"\nhours = ["08:00-12:00"]\n', "timezone"),
        ('timezone = "Asia/Shanghai"\nhours = ["12:00-08:00"]\n', "hours"),
        ('timezone = "Asia/Shanghai"\nhours = ["08:00-12:00", "11:00-17:00"]\n', "hours"),
        ('timezone = "Asia/Shanghai"\nhours = ["08:00-12:00"]\n[overrides]\n"2027-01-01" = "holyday"\n',
         "overrides.2027-01-01"),
        ('timezone = "Asia/Shanghai"\nhours = ["08:00-12:00"]\n[overrides]\n"2027-13-01" = "holiday"\n',
         "2027-13-01"),
        ('timezone = "Asia/Shanghai"\nhours = ["08:00-12:00"]\n[overrides]\n"2027-01-01" = true\n',
         "overrides.2027-01-01"),
    ],
)  # fmt: skip
def test_malformed_file_is_refused_naming_the_key(tmp_path, text, key):
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarError, match=key) as caught:
        load_calendar(path)
    assert isinstance(caught.value, InvalidInput)  # in the error tree: exit 2, HTTP 422
    assert str(path) in str(caught.value)


def test_missing_or_broken_file_is_refused(tmp_path):
    with pytest.raises(CalendarError, match="not found"):
        load_calendar(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("hours = [", encoding="utf-8")
    with pytest.raises(CalendarError, match="broken.toml"):
        load_calendar(broken)


def test_calendar_for_names():
    assert isinstance(calendar_for("all_hours"), AllHours)
    assert isinstance(calendar_for("business"), BusinessCalendar)
    assert calendar_for("business") is calendar_for("business")  # read once
    with pytest.raises(CalendarError, match="'weekdays'"):
        calendar_for("weekdays")


# --- properties -------------------------------------------------------------

starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(SHANGHAI))
durations = st.integers(min_value=0, max_value=3 * 24 * 60)


@settings(max_examples=200, deadline=None)
@given(start=starts, a=durations, b=durations)
def test_deadline_is_monotonic_and_never_before_start(start, a, b):
    low, high = sorted((a, b))
    assert start <= CN.deadline(start, low) <= CN.deadline(start, high)


@settings(max_examples=200, deadline=None)
@given(start=starts, a=durations, b=durations)
def test_deadline_is_additive(start, a, b):
    # Counting a then b minutes is counting a + b: no minute lost at a closing time.
    assert CN.deadline(CN.deadline(start, a), b) == CN.deadline(start, a + b)


@settings(max_examples=200, deadline=None)
@given(start=starts, minutes=st.integers(min_value=1, max_value=3 * 24 * 60))
def test_positive_deadline_falls_in_working_time(start, minutes):
    due = CN.deadline(start, minutes).astimezone(SHANGHAI)
    assert CN.is_working_day(due.date())
    assert any(opens < due.time() <= closes for opens, closes in HOURS)
