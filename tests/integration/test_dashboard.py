"""The dashboard on both databases: month buckets in Asia/Shanghai, exact counts and rates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import InvalidInput
from core.policy import load_policy
from core.timeutil import BUSINESS_TZ
from states.dashboard import dashboard, month_list
from states.models import ComplaintRating
from states.service import ComplaintService
from states.watch import ClockWatch

SATISFIED_FROM = load_policy().satisfaction.satisfied_from  # 4: ratings 4 and 5 are satisfied

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=BUSINESS_TZ)
MONTHS = ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BUSINESS_TZ)


def new(svc, at: datetime, window: str = "inv-1") -> dict:
    return svc.create(window=window, source="customer", category="attitude", text="态度差", at=at)


def rate_complaint(db, complaint_id: int, score: int, at: datetime) -> None:
    with db.transaction() as s:
        s.add(ComplaintRating(complaint_id=complaint_id, score=score, at=at))


@pytest.fixture
def seeded(org_db, policy):
    """Four complaints around the month edges (Shanghai midnight is 16:00 UTC the day before).

    D  Sep: received, verified in time; arrived and resolved late → on_site and resolve broken.
    A  received Oct 31 23:50; verified, arrived, resolved Nov 1 → all three clocks kept in Nov.
    B  received Nov 1 00:10 (Oct 31 in UTC); dismissed at once → all three clocks kept in Nov.
    C  received Nov 3 at the weighbridge; the watch breaks its respond clock → escalated, open.
    Ratings: D 3 (Oct 1 00:30, Sep 30 in UTC), A 5 and B 2 (Nov).
    """
    svc = ComplaintService(org_db, policy, now=lambda: NOW.astimezone(UTC))
    d = new(svc, sh(9, 10, 10))
    svc.advance(d["id"], "verify", d["owner"], None, sh(9, 10, 10, 10), against="zhangsan")
    svc.advance(d["id"], "arrive", d["owner"], None, sh(9, 10, 13))      # on_site was due 12:00
    svc.advance(d["id"], "resolve", d["owner"], None, sh(9, 12, 10))     # resolve was due 11 Sep
    a = new(svc, sh(10, 31, 23, 50))
    svc.advance(a["id"], "verify", a["owner"], None, sh(11, 1, 0, 5), against="zhangsan")
    svc.advance(a["id"], "arrive", a["owner"], None, sh(11, 1, 0, 30))
    svc.advance(a["id"], "resolve", a["owner"], None, sh(11, 1, 1))
    b = new(svc, sh(11, 1, 0, 10))
    svc.advance(b["id"], "dismiss", b["owner"], None, sh(11, 1, 0, 20))
    c = new(svc, sh(11, 3, 9), window="wb-1")
    report = ClockWatch(svc).check(sh(11, 3, 9, 45))
    assert [(r["complaint"], r["clock"]) for r in report.broken] == [(c["id"], "respond")]
    rate_complaint(org_db, d["id"], 3, sh(10, 1, 0, 30))
    rate_complaint(org_db, a["id"], 5, sh(11, 2, 9))
    rate_complaint(org_db, b["id"], 2, sh(11, 2, 10))
    return org_db


EMPTY = {"received": 0, "verified": 0, "resolved": 0, "dismissed": 0, "clocks_ended": 0,
         "clocks_kept": 0, "clocks_kept_pct": None, "response_rate": None, "resolution_rate": None,
         "ratings": 0, "satisfied": 0, "satisfaction_rate": None}


def test_trend_counts_and_rates_per_shanghai_month(seeded):
    data = dashboard(seeded, NOW.astimezone(UTC), satisfied_from=SATISFIED_FROM)
    assert data["months"] == MONTHS
    trend = {row["month"]: {k: v for k, v in row.items() if k != "month"} for row in data["trend"]}
    assert trend["2026-06"] == trend["2026-07"] == trend["2026-08"] == EMPTY
    assert trend["2026-09"] == {**EMPTY, "received": 1, "verified": 1, "resolved": 1,
                                "clocks_ended": 3, "clocks_kept": 1, "clocks_kept_pct": 0.3333,
                                "response_rate": 1.0, "resolution_rate": 0.0}
    assert trend["2026-10"] == {**EMPTY, "received": 1, "ratings": 1, "satisfaction_rate": 0.0}
    # C's replaced on_site clock and its running resolve and escalation clocks count nowhere.
    assert trend["2026-11"] == {"received": 2, "verified": 1, "resolved": 1, "dismissed": 1,
                                "clocks_ended": 7, "clocks_kept": 6, "clocks_kept_pct": 0.8571,
                                "response_rate": 0.6667, "resolution_rate": 1.0,
                                "ratings": 2, "satisfied": 1, "satisfaction_rate": 0.5}
    assert data["totals"] == {"received": 4, "verified": 2, "resolved": 2, "dismissed": 1,
                              "clocks_ended": 10, "clocks_kept": 7, "clocks_kept_pct": 0.7,
                              "response_rate": 0.75, "resolution_rate": 0.6667,
                              "ratings": 3, "satisfied": 1, "satisfaction_rate": 0.3333}


def test_per_unit_month_has_every_active_unit_and_month(seeded):
    data = dashboard(seeded, NOW, satisfied_from=SATISFIED_FROM)
    codes = ["gate", "invoicing", "loading", "office", "sales", "unloading", "weighbridge"]
    assert [u["code"] for u in data["units"]] == codes
    assert {"code": "invoicing", "name": "开票室"} in data["units"]
    assert set(data["per_unit_month"]) == set(codes)
    assert all(list(months) == MONTHS for months in data["per_unit_month"].values())
    assert data["per_unit_month"]["invoicing"] == {**dict.fromkeys(MONTHS, 0),
                                                   "2026-09": 1, "2026-10": 1, "2026-11": 1}
    assert data["per_unit_month"]["weighbridge"] == {**dict.fromkeys(MONTHS, 0), "2026-11": 1}
    assert sum(data["per_unit_month"]["gate"].values()) == 0


def test_open_and_overdue_now(seeded):
    # C alone is open; its resolve and escalation clocks are both past due: one complaint.
    data = dashboard(seeded, NOW, satisfied_from=SATISFIED_FROM)
    assert (data["open_now"], data["overdue_now"]) == (1, 1)
    # escalation due 11:30, resolve due Nov 4
    early = dashboard(seeded, sh(11, 3, 10), satisfied_from=SATISFIED_FROM)
    assert (early["open_now"], early["overdue_now"]) == (1, 0)


def test_a_month_without_data_is_zeros_and_none(seeded):
    data = dashboard(seeded, datetime(2026, 12, 5, tzinfo=BUSINESS_TZ), months=1, satisfied_from=SATISFIED_FROM)
    assert data["months"] == ["2026-12"]
    assert data["trend"] == [{"month": "2026-12", **EMPTY}]
    assert data["totals"] == EMPTY
    assert data["per_unit_month"]["invoicing"] == {"2026-12": 0}


def test_the_range_edge_follows_shanghai_midnight(seeded):
    # 2026-10-31 16:30 UTC is already November in Shanghai: the range is November alone,
    # which holds B (Nov 1 00:10) and C but not A (Oct 31 23:50).
    data = dashboard(seeded, datetime(2026, 10, 31, 16, 30, tzinfo=UTC), months=1, satisfied_from=SATISFIED_FROM)
    assert data["months"] == ["2026-11"]
    assert data["trend"][0]["received"] == data["totals"]["received"] == 2


def test_empty_database_and_bad_months(org_db):
    data = dashboard(org_db, NOW, satisfied_from=SATISFIED_FROM)
    assert [row["received"] for row in data["trend"]] == [0] * 6
    assert (data["open_now"], data["overdue_now"]) == (0, 0)
    with pytest.raises(InvalidInput):
        dashboard(org_db, NOW, months=0, satisfied_from=SATISFIED_FROM)


def test_month_list_crosses_the_year():
    assert month_list(datetime(2027, 2, 1, 0, 30, tzinfo=BUSINESS_TZ), 4) == [
        "2026-11", "2026-12", "2027-01", "2027-02"]
