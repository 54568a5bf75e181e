"""The close's pure work made cheaper gives the very same output (issue 15): the lines, the result
JSON and the stored facts text of a varied month are pinned as digests made with the code before
(scoring/month.py's two sorts, the per-line reasons of criticism and worst, facts_to_json's
isoformat one time at a time), and the objects the ledger writer relies on are still shared."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta, timezone
from operator import attrgetter
from zoneinfo import ZoneInfo

import orjson
import pytest

from scoring import dumps, parse_facts, rules, score_month
from scoring.close import facts_text
from scoring.edge import numbers_of
from scoring.facts_json import facts_to_json, iso_times
from scoring.model import Breach, Complaint
from scoring.month import in_time_order
from tests.unit.scoring.helpers import default_policy, policy_with

SHANGHAI = ZoneInfo("Asia/Shanghai")


def month_facts(seed: int = 15) -> dict:
    """A month with every kind of line and star: ties in time (ids that sort differently as text and as
    numbers), criticism, worst ratings, dismissals, stars, adjustments, breaches with and without a
    time, snapshots that differ from the person's own, someone's own supervisor complained about."""
    rng = random.Random(seed)
    people = [{"id": f"s{u}", "name": f"主管{u}", "unit": f"u{u}", "supervisor": None,
               "leader": "boss", "roles": ["supervisor"]} for u in range(4)]
    people.append({"id": "boss", "name": "总执行", "unit": "office", "supervisor": None, "leader": None,
                   "roles": ["executor"]})
    people += [{"id": f"p{i}", "name": f"员工{i}", "unit": f"u{i % 4}", "supervisor": f"s{i % 4}",
                "leader": "boss"} for i in range(60)]
    complaints = []
    for k in range(1500):
        minute = rng.choice([0, 0, 0, 1, 7, 90]) * (k // 3)  # many complaints at the same minute
        at = datetime(2026, 11, 1, 8, tzinfo=SHANGHAI) + timedelta(minutes=minute % (29 * 24 * 60))
        if k % 11 == 0:
            at = at.replace(microsecond=k)
        item = {"id": f"c{rng.randrange(10_000)}-{k}" if k % 2 else str(k), "against": f"p{rng.randrange(50)}",
                "source": rng.choice(["customer", "customer", "coordination", "spot_check"]),
                "category": rng.choice(["attitude", "dispute", "other"]),
                "verified_at": (at.astimezone(UTC) if k % 7 == 0 else at).isoformat()}
        if k % 13 == 0:
            item["supervisor"] = rng.choice([None, "s0", "boss", item["against"]])
        if k % 17 == 0:
            item["leader"] = rng.choice([None, "s1"])
        complaints.append(item)
    breaches = [{"id": f"k{k}", "owner": f"s{k % 4}", "complaint": str(k * 3) if k % 3 else None,
                 "clock": rng.choice(["respond", "on_site", "resolve", "escalation", "spot_check", None]),
                 "at": None if k % 9 == 0 else complaints[k * 5]["verified_at"]} for k in range(120)]
    return {
        "month": "2026-11", "people": people, "complaints": complaints, "breaches": breaches,
        # p50..p59 have no complaint: u0's nominee is its star, u1 ties on praise, u3's most praised
        "praise": {"p1": 2, "p53": 3, "p57": 3, "p51": 1}, "kept": {"s0": 7, "boss": 1},
        "nominations": {"u0": "p52", "u1": "p5", "u2": None},
        "history": {"stars": {"p52": ["2026-10", "2026-09"]},
                    "worst": {"p6": ["2026-10"], "p7": ["2026-08", "2026-10"]}},
        "adjustments": [{"person": "p8", "points": -5, "corrects": "2026-10/c1", "reason": "申诉成立"},
                        {"person": "p8", "points": 2, "corrects": "2026-10/c0"}],
        "window_units": ["u0", "u1", "u2", "u3"],
    }


def lines_digest(result) -> str:
    """The lines as the ledger writes them: every field, in each person's order."""
    lines = [(pid, *line) for pid, p in result.people.items() for line in p.lines]
    return hashlib.sha256(orjson.dumps(lines)).hexdigest()[:16]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Made by the code before (main at 0a144c9); the facts text is what a close stores and digests.
FACTS_TEXT = "ef7cbb925b0b5087"
PINNED = {  # (lines, result JSON)
    "default": ("3a662ff547325915", "a71d3da5ddbf82ed"),
    "flat": ("890e392b79820c3c", "ab62a66fdcdd49eb"),
    "harsh": ("6ebe6ff2c3d0cc8b", "05bf511f04032864"),
}
POLICIES = {
    "default": {},
    "flat": {"complaints.repeat": "flat"},
    "harsh": {"worst.threshold": 1, "dismissal.worst_count": 1, "joint.supervisor.from_complaint": 1,
              "joint.leader.from_complaint": 2},
}


def test_the_stored_facts_text_is_the_same():
    assert sha(facts_text(facts_to_json(parse_facts(month_facts())))) == FACTS_TEXT


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_the_lines_and_the_result_are_the_same(name):
    policy = policy_with(**POLICIES[name]) if POLICIES[name] else default_policy()
    result = score_month(parse_facts(month_facts()), policy)
    assert (lines_digest(result), sha(dumps(result))) == PINNED[name]


def test_the_objects_the_ledger_writer_relies_on_are_shared():
    """A complaint's lines hold its own time object (the row maker writes each time once, by id);
    a line's person and subject are the facts' own strings; the lines of the same n and day share
    their texts (person lines of the same category too): no string is built per line."""
    facts = parse_facts(month_facts())
    result = score_month(facts, policy_with(**POLICIES["harsh"]))
    complaint = {c.id: c for c in facts.complaints}
    names = {p.id: p.name for p in facts.people}
    texts: dict[tuple, tuple[str, str]] = {}
    for p in result.people.values():
        for line in p.lines:
            c = complaint.get(line.source)
            if line.rule.startswith("complaint.") or line.rule in ("criticism", "worst.fine", "dismissal"):
                assert line.at is c.verified_at
            if line.rule in ("complaint.person", "criticism", "worst.fine"):
                assert line.person is c.against
            if line.rule in ("complaint.supervisor", "complaint.leader"):
                assert line.person is (c.supervisor if line.rule == "complaint.supervisor" else c.leader)
                assert line.subject is names[c.against]
            if line.rule.startswith("complaint."):
                key = (line.rule, line.points, line.at.month, line.at.day, line.text_zh)
                if line.rule == "complaint.person":
                    key += (c.category,)
                zh, en = texts.setdefault(key, (line.text_zh, line.text_en))
                assert (line.text_zh, line.text_en) == (zh, en)
                assert line.text_zh is zh and line.text_en is en


def two_sorts(items, time_of):
    """The order before: a stable sort by id, then a stable sort by time."""
    out = sorted(items, key=attrgetter("id"))
    out.sort(key=time_of)
    return out


@pytest.mark.parametrize("seed", range(20))
def test_time_order_is_that_of_the_two_sorts(seed):
    rng = random.Random(seed)
    start = datetime(2026, 11, 3, 9, tzinfo=SHANGHAI)
    n = rng.choice([0, 1, 2, 3, 50, 400])
    complaints = [Complaint(rng.choice([str(rng.randrange(30)), f"c{rng.randrange(30)}"]), "p", "customer",
                            "attitude", start + timedelta(minutes=rng.randrange(rng.choice([1, 3, 50]))),
                            None, None) for _ in range(n)]  # ids repeat too: equal ones keep their order
    if rng.random() < 0.5:
        complaints.sort(key=attrgetter("verified_at"))  # as the database reads them
    got = in_time_order(complaints, attrgetter("verified_at"))
    assert [id(c) for c in got] == [id(c) for c in two_sorts(complaints, attrgetter("verified_at"))]
    breaches = [Breach(f"k{rng.randrange(20)}", "s", None, None,
                       None if rng.random() < 0.3 else start + timedelta(minutes=rng.randrange(4)))
                for _ in range(n)]
    key = lambda b: (b.at is None, b.at or 0)  # noqa: E731 - the close's own key
    assert [id(b) for b in in_time_order(breaches, key)] == [id(b) for b in two_sorts(breaches, key)]


def one_at_a_time(times: list) -> list:
    """What facts_to_json wrote before: each time in Asia/Shanghai by isoformat()."""
    return [None if t is None else t.astimezone(SHANGHAI).isoformat() for t in times]


def test_times_in_bulk_are_written_as_one_at_a_time():
    utc = UTC
    times = [
        datetime(2026, 11, 3, 9, tzinfo=SHANGHAI),
        datetime(2026, 11, 3, 1, 2, 3, 4, tzinfo=utc),  # another zone, microseconds
        datetime(1986, 9, 14, 1, 30, tzinfo=SHANGHAI),  # summer time, both sides of the fold
        datetime(1986, 9, 14, 1, 30, fold=1, tzinfo=SHANGHAI),
        datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5, seconds=-30))),
        datetime(9999, 12, 31, 15, 59, 59, 999999, tzinfo=utc),
    ]
    assert iso_times(times) == one_at_a_time(times)
    lmt = times + [datetime(1900, 1, 1, tzinfo=SHANGHAI)]  # +08:05:43, which orjson rounds
    assert iso_times(lmt) == one_at_a_time(lmt) and iso_times(lmt)[-1].endswith("+08:05:43")
    assert iso_times(times + [None]) == one_at_a_time(times) + [None]
    assert iso_times([]) == []


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_the_close_books_the_rules_own_criticism_and_worst_lines(name):
    """The close builds these two lines itself, with memoised texts: each must be the very line the
    rule would book for its complaint, so that a change to a rule cannot pass its own tests while
    the close still books the old line."""
    policy = policy_with(**POLICIES[name]) if POLICIES[name] else default_policy()
    facts = parse_facts(month_facts())
    rates = numbers_of(policy)
    complaint = {c.id: c for c in facts.complaints}
    booked = {"criticism": 0, "worst.fine": 0}
    for p in score_month(facts, policy).people.values():
        for line in p.lines:
            if line.rule in booked:
                rule = rules.criticism if line.rule == "criticism" else rules.worst_fine
                assert tuple(line) == tuple(rule(rates, complaint[line.source]))
                booked[line.rule] += 1
    assert booked["criticism"] > 0 and booked["worst.fine"] > 0
