"""facts_to_json is the exact inverse of parse_facts (the month close stores what it scored)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import dumps, parse_facts, score_month
from scoring.facts_json import facts_to_json
from tests.unit.scoring.helpers import MONTH, default_policy
from tests.unit.scoring.test_examples import example_a
from tests.unit.scoring.test_properties import months

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
SAMPLE = Path(__file__).resolve().parents[1] / "notifications" / "data" / "facts_2026-11.json"
IDS = ["a", "b", "c", "张三", "li", "wang"]
ids = st.sampled_from(IDS)
optional_ids = st.one_of(st.none(), ids)
# Times in the month written every way parse_facts accepts: with an offset (any zone), without one
# (Shanghai), to the microsecond.
OFFSETS = ["+08:00", "+00:00", "-05:00", "+13:00", "Z", ""]


@st.composite
def times(draw) -> str:
    day = draw(st.integers(1, 30))
    hour, minute, second = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    micro = draw(st.sampled_from([0, 0, 1, 999999]))
    text = f"{MONTH}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}" + (f".{micro:06d}" if micro else "")
    offset = draw(st.sampled_from(OFFSETS))
    if offset in ("", "+08:00"):
        return text + offset
    # Another zone: a Shanghai time of the month, written in that zone.
    at = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    if offset == "Z":
        return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return at.astimezone(timezone(timedelta(hours=int(offset[:3])))).isoformat()


@st.composite
def facts_json(draw) -> dict:
    """Facts JSON that parse_facts accepts, using the optional keys and their defaults."""
    people = []
    for pid in draw(st.lists(ids, min_size=1, unique=True)):
        p = {"id": pid}
        for key, values in (("name", st.text(min_size=1, max_size=4)), ("unit", st.sampled_from(["gate", "inv"])),
                            ("supervisor", optional_ids), ("leader", optional_ids),
                            ("roles", st.lists(st.sampled_from(["staff", "supervisor", "leader"]), max_size=2))):
            if draw(st.booleans()):
                p[key] = draw(st.one_of(st.none(), values) if key in ("name", "unit") else values)
        people.append(p)
    pids = [p["id"] for p in people]
    complaints = []
    for i in range(draw(st.integers(0, 8))):
        c = {"id": f"c{i}", "against": draw(st.sampled_from(pids)),
             "source": draw(st.sampled_from(["customer", "coordination", "spot_check"])),
             "category": draw(st.sampled_from(["attitude", "dispute", "other"])), "verified_at": draw(times())}
        for key in ("supervisor", "leader"):
            if draw(st.booleans()):
                c[key] = draw(optional_ids)
        complaints.append(c)
    breaches = []
    for i in range(draw(st.integers(0, 4))):
        b = {"id": f"b{i}", "owner": draw(st.sampled_from(pids))}  # a person of the month
        for key, values in (("complaint", st.sampled_from(["c0", "c9"])),
                            ("clock", st.sampled_from(["respond", "resolve", "spot_check"])), ("at", times())):
            if draw(st.booleans()):
                b[key] = draw(st.one_of(st.none(), values))
        breaches.append(b)
    units = sorted({p["unit"] for p in people if p.get("unit")})
    months_ = st.lists(st.sampled_from(["2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]), max_size=3)
    data = {
        "month": MONTH, "people": people, "complaints": complaints, "breaches": breaches,
        "praise": draw(st.dictionaries(st.sampled_from(pids), st.integers(0, 5), max_size=3)),
        "nominations": draw(st.dictionaries(st.sampled_from(units), optional_ids.filter(
            lambda x: x is None or x in pids), max_size=2)) if units else {},
        "history": {"stars": draw(st.dictionaries(ids, months_, max_size=2)),
                    "worst": draw(st.dictionaries(st.sampled_from(IDS + ["left"]), months_, max_size=2))},
        "adjustments": [{"person": p, "points": n, "corrects": f"2026-10/c{i}",
                         **({"reason": r} if r is not None else {})}
                        for i, (p, n, r) in enumerate(draw(st.lists(st.tuples(
                            st.sampled_from(pids), st.integers(-9, 9),
                            st.one_of(st.none(), st.text(min_size=1, max_size=3))),
                            max_size=2)))],
    }
    for key in ("complaints", "breaches", "praise", "nominations", "history", "adjustments"):
        if draw(st.integers(0, 5)) == 0:  # a key left out, or null: empty
            if draw(st.booleans()):
                del data[key]
            else:
                data[key] = None
    return data


def assert_round_trip(facts) -> None:
    data = facts_to_json(facts)
    assert parse_facts(data) == facts
    again = json.loads(json.dumps(data, ensure_ascii=False))  # what the JSON column stores
    assert parse_facts(again) == facts
    assert facts_to_json(parse_facts(again)) == data  # a fixed point: stored twice, same JSON
    policy = default_policy()
    assert dumps(score_month(parse_facts(again), policy)) == dumps(score_month(facts, policy))


@SETTINGS
@given(facts_json())
def test_facts_to_json_inverts_parse_facts(data):
    assert_round_trip(parse_facts(data))


@SETTINGS
@given(months())
def test_facts_to_json_inverts_parse_facts_on_scored_months(data):
    assert_round_trip(parse_facts(data))


def test_the_sample_and_the_worked_examples():
    assert_round_trip(parse_facts(json.loads(SAMPLE.read_text(encoding="utf-8"))))
    assert_round_trip(parse_facts(example_a(["2026-05", "2026-08"])))
    assert_round_trip(parse_facts({"month": MONTH}))


def test_defaults_are_written_out():
    facts = parse_facts({"month": MONTH, "people": [{"id": "a", "supervisor": "li"}, {"id": "li"}],
                         "complaints": [{"id": "c1", "against": "a", "source": "customer", "category": "other",
                                         "verified_at": "2026-11-03T10:00:00", "leader": None}],
                         "breaches": [{"id": "b1", "owner": "li"}],
                         "adjustments": [{"person": "a", "points": -1, "corrects": "2026-10/c1"}]})
    data = facts_to_json(facts)
    assert data["people"][0] == {"id": "a", "name": "a", "unit": None, "supervisor": "li", "leader": None,
                                 "roles": ["staff"]}
    assert data["complaints"][0] == {"id": "c1", "against": "a", "source": "customer", "category": "other",
                                     "verified_at": "2026-11-03T10:00:00+08:00", "supervisor": "li", "leader": None}
    assert data["breaches"] == [{"id": "b1", "owner": "li", "complaint": None, "clock": None, "at": None}]
    assert data["adjustments"] == [{"person": "a", "points": -1, "corrects": "2026-10/c1", "reason": None}]
