"""Month arithmetic: one definition (core/timeutil.py), across year ends both ways."""

from __future__ import annotations

import pytest

from core.timeutil import month_bounds, month_shift


@pytest.mark.parametrize(("month", "by", "expected"), [
    ("2026-11", 1, "2026-12"), ("2026-12", 1, "2027-01"), ("2026-01", -1, "2025-12"),
    ("2026-11", -11, "2025-12"), ("2026-11", -23, "2024-12"), ("2026-11", 0, "2026-11"), ("2026-06", 30, "2028-12"),
])
def test_month_shift(month, by, expected):
    assert month_shift(month, by) == expected


def test_a_month_ends_where_the_next_begins():
    for month in ("2026-01", "2026-11", "2026-12"):
        assert month_bounds(month)[1] == month_bounds(month_shift(month, 1))[0]
