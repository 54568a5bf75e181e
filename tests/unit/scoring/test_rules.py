"""Tables of cases for each rule, under the default policy and changed numbers."""

from __future__ import annotations

import pytest

from scoring import FactsError, numbers_of, rules
from tests.unit.scoring.helpers import (
    complaint,
    default_policy,
    facts,
    person,
    policy_with,
    rules_of,
    score,
)

FLAT = policy_with(**{"complaints.repeat": "flat"})


def three(categories=("attitude", "dispute", "other", "attitude"), sources=None) -> dict:
    sources = sources or ["customer"] * len(categories)
    return facts(
        people=[person("a", name="甲"), person("li", roles=["supervisor"], supervisor=None),
                person("wang", unit=None, supervisor=None, leader=None, roles=["leader"])],
        complaints=[complaint(f"c{i}", "a", i + 1, s, c)
                    for i, (c, s) in enumerate(zip(categories, sources, strict=True))],
    )


@pytest.mark.parametrize(
    ("policy", "person_points", "supervisor_points", "leader_points"),
    [
        (default_policy(), [5, 20, 15, 20], [3, 6, 9], [3, 6]),
        (FLAT, [5, 10, 5, 5], [3, 3, 3], [3, 3]),
        (policy_with(**{"joint.supervisor.from_complaint": 1}), [5, 20, 15, 20], [3, 6, 9, 12],
         [3, 6]),
        (policy_with(**{"joint.leader.from_complaint": 4, "joint.leader.points": 2}),
         [5, 20, 15, 20], [3, 6, 9], [2]),
        (policy_with(**{"complaints.base_points.dispute": 7}), [5, 14, 15, 20], [3, 6, 9], [3, 6]),
    ],
    ids=["ordinal", "flat", "supervisor-from-1", "leader-from-4", "dispute-7"],
)
def test_complaint_points(policy, person_points, supervisor_points, leader_points):
    people = score(three(), policy)["people"]
    assert [x["points"] for x in rules_of(people["a"], "complaint.person")] == person_points
    assert [x["points"] for x in rules_of(people["li"], "complaint.supervisor")] == (
        supervisor_points)
    assert [x["points"] for x in rules_of(people["wang"], "complaint.leader")] == leader_points


@pytest.mark.parametrize(
    ("n", "category", "ordinal", "points", "zh"),
    [
        (1, "attitude", True, 5, "11-03 第1次投诉（服务态度）：1×5=5分"),
        (3, "dispute", True, 30, "11-03 第3次投诉（争执）：3×10=30分"),
        (3, "dispute", False, 10, "11-03 第3次投诉（争执）：10分"),
        (12, "other", True, 60, "11-03 第12次投诉（其他）：12×5=60分"),
    ],
)
def test_complaint_person_rule(n, category, ordinal, points, zh):
    policy = default_policy() if ordinal else FLAT
    got = rules.complaint_person(numbers_of(policy), n, category, 11, 3)
    assert got[:2] == (points, zh)


@pytest.mark.parametrize(
    ("n", "expected"), [(1, None), (2, 3), (3, 6), (4, 9), (11, 30)]
)
def test_complaint_supervisor_rule(n, expected):
    got = rules.complaint_supervisor(numbers_of(default_policy()), n, 11, 3)
    assert (got and got[0]) == expected


def test_ordinal_words():
    from scoring.wording import ordinal

    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]


def test_order_is_verification_time_then_id():
    data = facts(
        people=[person("a")],
        complaints=[complaint("c9", "a", 5, category="dispute"),
                    complaint("c2", "a", 5, category="attitude"),  # same moment: c2 first
                    complaint("c1", "a", 7, category="attitude")],
    )
    lines = rules_of(score(data)["people"]["a"], "complaint.person")
    assert [(x["source"], x["points"]) for x in lines] == [("c2", 5), ("c9", 20), ("c1", 15)]


def test_snapshot_supervisor_and_leader_of_the_complaint_are_charged():
    data = facts(
        people=[person("a", supervisor="li", leader="wang")],
        complaints=[complaint("c1", "a", 1), complaint("c2", "a", 2, supervisor="old"),
                    complaint("c3", "a", 3, leader="oldboss")],
    )
    people = score(data)["people"]
    assert [x["source"] for x in rules_of(people["old"], "complaint.supervisor")] == ["c2"]
    assert [x["source"] for x in rules_of(people["li"], "complaint.supervisor")] == ["c3"]
    assert [x["source"] for x in rules_of(people["oldboss"], "complaint.leader")] == ["c3"]
    assert people["old"]["unit"] is None  # referenced but absent from people: still a result
    assert people["wang"]["lines"] == []


def test_null_supervisor_charges_nobody_and_self_is_not_charged_twice():
    data = facts(
        people=[person("a", supervisor=None, leader="a")],
        complaints=[complaint(f"c{i}", "a", i) for i in range(1, 4)],
    )
    a = score(data)["people"]["a"]
    assert {x["rule"] for x in a["lines"]} == {"complaint.person", "criticism", "worst.fine"}
    assert a["deductions"] == 5 + 10 + 15


@pytest.mark.parametrize(
    ("sources", "criticism_at"),
    [
        (["coordination", "customer", "customer"], "c1"),
        (["coordination", "spot_check"], None),
        (["customer"], "c0"),
    ],
)
def test_criticism_first_customer_complaint(sources, criticism_at):
    a = score(three(["attitude"] * len(sources), sources))["people"]["a"]
    got = [x["source"] for x in rules_of(a, "criticism")]
    assert got == ([criticism_at] if criticism_at else [])
    assert a["criticism"] is (criticism_at is not None)
    assert all(x["points"] == 0 for x in rules_of(a, "criticism"))


def test_criticism_sources_from_policy():
    policy = policy_with(**{"criticism.sources": ["coordination"]})
    a = score(three(["attitude"] * 2, ["customer", "coordination"]), policy)["people"]["a"]
    assert [x["source"] for x in rules_of(a, "criticism")] == ["c1"]


@pytest.mark.parametrize(
    ("sources", "policy", "worst", "fine", "at"),
    [
        (["customer", "coordination", "customer"], default_policy(), True, 500, "c2"),
        (["customer", "coordination", "spot_check"], default_policy(), False, 0, None),
        (["customer"] * 4, default_policy(), True, 500, "c1"),  # fined once, not per complaint
        (["customer"] * 2, policy_with(**{"worst.threshold": 3}), False, 0, None),
        (["customer"] * 3, policy_with(**{"worst.threshold": 3, "worst.fine": 800}), True, 800,
         "c2"),
        (["coordination"] * 2, policy_with(**{"worst.sources": ["coordination"]}), True, 500,
         "c1"),
    ],
)
def test_worst(sources, policy, worst, fine, at):
    a = score(three(["attitude"] * len(sources), sources), policy)["people"]["a"]
    assert (a["worst"], a["fine"]) == (worst, fine)
    assert [x["source"] for x in rules_of(a, "worst.fine")] == ([at] if at else [])


@pytest.mark.parametrize(
    ("earlier", "worst_now", "count", "recommended"),
    [
        ([], True, 1, False),
        (["2026-01"], True, 2, False),
        (["2026-01", "2026-02"], True, 3, True),
        (["2025-01", "2026-01", "2026-02"], True, 4, True),  # exceeded: still recommended
        (["2026-01", "2026-02"], False, 2, False),  # not worst this month: nothing to recommend
        (["2026-01", "2026-01"], True, 2, False),  # a month counts once
    ],
)
def test_dismissal(earlier, worst_now, count, recommended):
    sources = ["customer", "customer"] if worst_now else ["customer"]
    data = three(["attitude"] * len(sources), sources)
    data["history"] = {"worst": {"a": earlier}}
    a = score(data)["people"]["a"]
    assert (a["worst"], a["worst_count"], a["dismissal_recommended"]) == (
        worst_now, count, recommended)
    assert len(rules_of(a, "dismissal")) == recommended


def test_dismissal_count_from_policy():
    data = three(["attitude"] * 2, ["customer"] * 2)
    a = score(data, policy_with(**{"dismissal.worst_count": 1}))["people"]["a"]
    assert a["dismissal_recommended"] is True


@pytest.mark.parametrize(
    ("points", "expected"), [(3, 3), (0, 0), (5, 10)]
)
def test_inactivity_per_breach(points, expected):
    data = facts(
        people=[person("chen", unit="office")],
        breaches=[{"id": "b2", "owner": "chen", "clock": "on_site", "at": "2026-11-04T11:00:00"},
                  {"id": "b1", "owner": "chen", "complaint": "c1", "clock": "respond"}][
            : 1 if points != 5 else 2],
    )
    chen = score(data, policy_with(**{"inactivity.points": points}))["people"]["chen"]
    assert chen["deductions"] == expected
    assert all(x["rule"] == "inactivity" for x in chen["lines"])


def test_breaches_interleave_with_complaint_lines_by_time():
    data = facts(
        people=[person("a", supervisor="li"), person("li", supervisor=None, roles=["supervisor"])],
        complaints=[complaint("c1", "a", 1), complaint("c2", "a", 5), complaint("c3", "a", 9)],
        breaches=[{"id": "b1", "owner": "li", "at": "2026-11-07T10:00:00+08:00"},
                  {"id": "b0", "owner": "li"},
                  {"id": "b2", "owner": "li", "at": "2026-11-05T10:00:00+08:00"}],
    )
    li = score(data)["people"]["li"]
    # b2 at the same moment as c2: after it; a breach without a time: last.
    assert [x["source"] for x in li["lines"]] == ["c2", "b2", "b1", "c3", "b0"]
    assert li["deductions"] == 3 + 3 + 3 + 6 + 3


@pytest.mark.parametrize(
    ("points", "deductions", "score_"),
    [(-5, -5, 105), (7, 7, 93), (-200, -200, 300)],
)
def test_adjustment(points, deductions, score_):
    data = facts(people=[person("a")],
                 adjustments=[{"person": "a", "points": points, "corrects": "2026-10/c7",
                               "reason": "申诉成立"}])
    a = score(data)["people"]["a"]
    (line,) = rules_of(a, "adjustment")
    assert (line["points"], line["source"]) == (points, "2026-10/c7")
    assert "2026-10/c7" in line["reason_zh"] and "申诉成立" in line["reason_zh"]
    assert (a["deductions"], a["score"]) == (deductions, score_)


def test_adjustment_for_someone_absent_is_refused():
    data = facts(people=[person("a")],
                 adjustments=[{"person": "gone", "points": -3, "corrects": "2026-10/c1"}])
    with pytest.raises(FactsError, match=r"^adjustments\[0\]\.person: unknown person 'gone'"):
        score(data)


@pytest.mark.parametrize(
    ("n", "score_"),
    [(1, 95), (5, 25), (6, 0), (9, 0)],  # 5+10+15+20+25 = 75; then floor 0
)
def test_score_floor(n, score_):
    data = facts(people=[person("a", supervisor=None, leader=None)],
                 complaints=[complaint(f"c{i}", "a", i + 1, "spot_check") for i in range(n)])
    assert score(data)["people"]["a"]["score"] == score_


def test_score_baseline_and_floor_from_policy():
    data = facts(people=[person("a", supervisor=None, leader=None)],
                 complaints=[complaint(f"c{i}", "a", i + 1, "spot_check") for i in range(6)])
    policy = policy_with(**{"score.baseline": 120, "score.floor": 10})
    assert score(data, policy)["people"]["a"]["score"] == 15


# --- star -------------------------------------------------------------------------------------


def unit_of(praise=None, nominations=None, complaints=(), extra=()) -> dict:
    return facts(
        people=[person("x", name="小X"), person("y", name="小Y"), person("z", name="小Z"),
                person("li", roles=["supervisor"]), *extra],
        complaints=list(complaints),
        praise=praise or {},
        nominations=nominations or {},
    )


@pytest.mark.parametrize(
    ("data", "star", "why"),
    [
        (unit_of({"x": 3, "y": 1}), "x", "表扬最多"),
        (unit_of({"x": 3, "y": 1}, {"invoicing": "y"}), "y", "提名"),
        (unit_of({"x": 3}, {"invoicing": "z"}), "z", "提名"),  # nomination needs no praise
        (unit_of({"x": 3, "y": 3}), None, "选定"),
        (unit_of({"x": 3, "y": 3, "z": 1}, {"invoicing": None}), None, "选定"),
        (unit_of({}), None, "均无表扬"),
        (unit_of({"x": 3, "y": 1}, complaints=[complaint("c1", "x", 3, "spot_check")]), "y",
         "表扬最多"),
        # An invalid nomination (has a complaint, or not staff) is set aside, praise decides.
        (unit_of({"x": 3, "y": 1}, {"invoicing": "y"},
                 complaints=[complaint("c1", "y", 3, "coordination")]), "x", "不符合条件"),
        (unit_of({"x": 3, "y": 1, "li": 9}, {"invoicing": "li"}), "x", "不符合条件"),
        (unit_of({"x": 3, "y": 1}, {"invoicing": "o"}, extra=[person("o", unit="gate")]), "x",
         "不符合条件"),
        (unit_of({"li": 5}), None, "均无表扬"),  # a supervisor is never the star
    ],
    ids=["praise", "nominated", "nominated-no-praise", "tie", "tie-null-nomination",
         "no-praise", "complaint-excludes", "nominee-complained", "nominee-not-staff",
         "nominee-other-unit", "supervisor-not-eligible"],
)
def test_star_choice(data, star, why):
    got = score(data)["stars"]["invoicing"]
    assert got["person"] == star
    assert why in got["reason_zh"]


def test_every_unit_with_staff_has_a_star_entry_and_only_those():
    data = facts(people=[person("x"), person("g", unit="gate"),
                         person("boss", unit="office", roles=["leader"]),
                         person("free", unit=None)])
    stars = score(data)["stars"]
    assert sorted(stars) == ["gate", "invoicing"]
    assert all(s["person"] is None for s in stars.values())


def test_star_roles_from_policy():
    data = unit_of({"li": 5})
    policy = policy_with(**{"star.eligible_roles": ["staff", "supervisor"]})
    assert score(data, policy)["stars"]["invoicing"]["person"] == "li"


@pytest.mark.parametrize(
    ("history", "streak"),
    [
        ([], 1), (["2026-10"], 2), (["2026-09", "2026-10"], 3), (["2026-09"], 1),
        (["2026-10", "2026-11", "2026-12"], 2),  # this month and later do not count
    ],
)
def test_star_streak(history, streak):
    assert rules.star_streak(history, "2026-11") == streak


def test_star_streak_across_the_year():
    assert rules.star_streak(["2025-11", "2025-12"], "2026-01") == 3


# --- units ------------------------------------------------------------------------------------


def test_units_tally_and_rank_worst_first():
    data = facts(
        people=[person("a", unit="invoicing"), person("b", unit="invoicing"),
                person("g", unit="gate"), person("w", unit="weigh"),
                person("li", unit="invoicing", roles=["supervisor"], supervisor=None)],
        complaints=[complaint("c1", "a", 1), complaint("c2", "a", 2), complaint("c3", "g", 3)],
    )
    units = score(data)["units"]
    assert units["invoicing"] == {
        "people": 3, "staff": 2, "complaints": 2, "breaches": 0,
        "deductions": 5 + 10 + 3, "deductions_per_head": 6.0, "rank": 1}
    assert units["gate"]["deductions"] == 5 and units["gate"]["rank"] == 2  # 5 per head
    assert units["weigh"]["rank"] == 3


def test_unit_rank_ties_by_code():
    data = facts(people=[person("a", unit="b-unit"), person("b", unit="a-unit")])
    units = score(data)["units"]
    assert (units["a-unit"]["rank"], units["b-unit"]["rank"]) == (1, 2)
