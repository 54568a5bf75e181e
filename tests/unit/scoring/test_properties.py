"""Properties of the month close, on generated months (hypothesis)."""

from __future__ import annotations

import json
import os
import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import numbers_of
from tests.unit.scoring.helpers import MONTH, default_policy, policy_with, result_json, score_text

SETTINGS = settings(max_examples=50, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
FLAT = policy_with(**{"complaints.repeat": "flat"})
PEOPLE = ["a", "b", "c", "d", "e", "f"]
BOSSES = ["li", "wang", "zhou"]  # li and wang are in people, zhou is not
UNITS = ["gate", "invoicing"]
MONTHS = ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]

SECONDS = 30 * 86400
# Few distinct moments: ties of verification time are frequent, the id must break them.
moments = st.sampled_from([0, 3599, 86400 * 3 + 36000, 86400 * 9, 86400 * 17 + 1, SECONDS - 1])
ABSENT = object()  # the complaint's supervisor key left out: the person's own applies


def _time(second: int) -> str:
    d, s = divmod(second, 86400)
    return f"{MONTH}-{d + 1:02d}T{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+08:00"


def _complaint(i: int, row: tuple) -> dict:
    against, source, category, second, supervisor = row
    c = {"id": f"c{i}", "against": against, "source": source, "category": category,
         "verified_at": _time(second)}
    if supervisor is not ABSENT:
        c["supervisor"] = supervisor
    return c


def complaints(start: int = 0, max_size: int = 14):
    row = st.tuples(
        st.sampled_from(PEOPLE),
        st.sampled_from(["customer", "coordination", "spot_check"]),
        st.sampled_from(["attitude", "dispute", "other"]),
        moments,
        st.sampled_from([ABSENT, ABSENT, ABSENT, *BOSSES, None]),
    )
    return st.lists(row, max_size=max_size).map(
        lambda rows: [_complaint(start + i, r) for i, r in enumerate(rows)])


history = st.dictionaries(st.sampled_from(PEOPLE), st.lists(st.sampled_from(MONTHS), max_size=4),
                          max_size=3)


@st.composite
def months(draw):
    units = draw(st.lists(st.sampled_from(UNITS), min_size=len(PEOPLE), max_size=len(PEOPLE)))
    bosses = draw(st.lists(st.sampled_from(BOSSES), min_size=len(PEOPLE), max_size=len(PEOPLE)))
    people = [{"id": p, "name": f"员工{p}", "unit": u, "supervisor": b, "leader": "wang"}
              for p, u, b in zip(PEOPLE, units, bosses, strict=True)]
    people += [{"id": "li", "name": "李主管", "unit": "invoicing", "roles": ["supervisor"],
                "leader": "wang"},
               {"id": "wang", "name": "王总", "roles": ["leader"]}]
    breaches = [{"id": f"b{i}", "owner": owner, "clock": clock,
                 "at": None if second is None else _time(second)}
                for i, (owner, clock, second) in enumerate(draw(st.lists(st.tuples(
                    st.sampled_from(["li", "wang"]), st.sampled_from(["respond", "on_site", "resolve"]),
                    st.one_of(st.none(), moments)), max_size=3)))]
    nominee = st.one_of(st.none(), st.sampled_from(PEOPLE))
    return {
        "month": MONTH,
        "people": people,
        "complaints": draw(complaints()),
        "breaches": breaches,
        "praise": draw(st.dictionaries(st.sampled_from(PEOPLE), st.integers(0, 4), max_size=6)),
        "nominations": draw(st.dictionaries(st.sampled_from(sorted({*units, "invoicing"})),
                                            nominee)),
        "history": {"stars": draw(history), "worst": draw(history)},
        "adjustments": [{"person": p, "points": n, "corrects": f"2026-10/c{i}"}
                        for i, (p, n) in enumerate(draw(st.lists(st.tuples(
                            st.sampled_from(PEOPLE), st.integers(-10, 10)), max_size=2)))],
    }


def deductions(data, policy=None) -> dict[str, int]:
    return {pid: r["deductions"] for pid, r in result_json(data, policy)["people"].items()}


@SETTINGS
@given(months(), complaints(start=100, max_size=1))
def test_a_counting_complaint_never_lowers_anyones_deductions(data, extra):
    before = deductions(data)
    after = deductions({**data, "complaints": data["complaints"] + extra})
    assert set(before) <= set(after)
    assert all(after[pid] >= d for pid, d in before.items())


@SETTINGS
@given(months(), st.randoms(use_true_random=False))
def test_input_order_never_changes_the_result(data, rnd: random.Random):
    shuffled = json.loads(json.dumps(data))
    for key in ("people", "complaints", "breaches", "adjustments"):
        rnd.shuffle(shuffled[key])
    for key in ("praise", "nominations"):
        items = list(shuffled[key].items())
        rnd.shuffle(items)
        shuffled[key] = dict(items)
    for history in shuffled["history"].values():
        for months_ in history.values():
            rnd.shuffle(months_)
    assert score_text(shuffled) == score_text(data)


@SETTINGS
@given(months(), st.sampled_from(["ordinal", "flat"]))
def test_totals_are_the_sums_of_the_lines(data, repeat):
    policy = default_policy() if repeat == "ordinal" else FLAT
    result = result_json(data, policy)
    rates = numbers_of(policy)
    for r in result["people"].values():
        lines = r["lines"]
        assert r["deductions"] == sum(x["points"] for x in lines)
        assert r["fine"] == sum(x["money"] for x in lines if x["rule"] == "worst.fine")
        assert r["reward"] == sum(x["money"] for x in lines if x["rule"] == "star.reward")
        assert r["score"] == max(rates.floor, rates.baseline - r["deductions"])
        assert all(x["reason_zh"] and x["reason_en"] and x["rule"] for x in lines)
    for unit, u in result["units"].items():
        members = [r for r in result["people"].values() if r["unit"] == unit]
        assert u["deductions"] == sum(r["deductions"] for r in members)
        assert u["complaints"] == sum(r["complaints"] for r in members)
    assert sorted(u["rank"] for u in result["units"].values()) == list(
        range(1, len(result["units"]) + 1))
    assert sum(r["complaints"] for r in result["people"].values()) == len(data["complaints"])


@SETTINGS
@given(months())
def test_flat_never_deducts_more_than_ordinal(data):
    ordinal, flat = deductions(data), deductions(data, FLAT)
    assert all(flat[pid] <= ordinal[pid] for pid in ordinal)


@SETTINGS
@given(months())
def test_one_star_per_unit_with_staff_and_only_the_eligible(data):
    result = result_json(data)
    assert sorted(result["stars"]) == sorted({p["unit"] for p in data["people"][:len(PEOPLE)]})
    for unit, star in result["stars"].items():
        if star["person"] is not None:
            winner = result["people"][star["person"]]
            assert winner["unit"] == unit and winner["complaints"] == 0
            assert star["reward"] == 500 * star["streak"] and winner["reward"] == star["reward"]


def _in_zone(zone: str, data: dict) -> str:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        return score_text(data)
    finally:
        if saved is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = saved
        time.tzset()


@settings(max_examples=15, deadline=None, database=None)
@given(months())
def test_result_does_not_depend_on_the_machines_time_zone(data):
    # Some times without an offset: they are Shanghai times whatever the machine says.
    for c in data["complaints"][::2]:
        c["verified_at"] = c["verified_at"].removesuffix("+08:00")
    texts = {_in_zone(zone, data) for zone in ("UTC", "America/New_York", "Asia/Shanghai",
                                               "Pacific/Kiritimati")}
    assert len(texts) == 1
