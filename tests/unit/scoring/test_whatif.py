"""What-if (pure): a published month's facts under a draft policy, compared figure by figure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import parse_facts, result_to_json, score_month
from scoring.whatif import TOTAL_LABELS, totals, whatif
from tests.unit.scoring.helpers import complaint, default_policy, facts, person, policy_with
from tests.unit.scoring.test_properties import months

SETTINGS = settings(max_examples=50, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
SAMPLE = Path(__file__).resolve().parents[1] / "notifications" / "data" / "facts_2026-11.json"
DOUBLE_ATTITUDE = policy_with(**{"complaints.base_points.attitude": 10})
FLAT = policy_with(**{"complaints.repeat": "flat"})


def published(data: dict, policy=None):
    """The facts and the month's result JSON as published under ``policy`` (default: the file's)."""
    month = parse_facts(data)
    return month, result_to_json(score_month(month, policy or default_policy()))


def sample() -> dict:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@SETTINGS
@given(months(), st.sampled_from(["default", "flat", "double"]))
def test_the_months_own_policy_changes_nothing(data, which):
    policy = {"default": default_policy(), "flat": FLAT, "double": DOUBLE_ATTITUDE}[which]
    month, result = published(data, policy)
    out = whatif(month, result, policy)
    assert out["changed"] is False and out["people"] == [] and out["stars"] == []
    assert out["policy_before"] == out["policy_after"] == policy.version
    assert all(t["before"] == t["after"] for t in out["totals"].values())
    assert set(out["totals"]) == set(TOTAL_LABELS)


@SETTINGS
@given(months())
def test_doubling_attitude_points_changes_exactly_the_people_with_attitude_complaints(data):
    month, result = published(data)
    out = whatif(month, result, DOUBLE_ATTITUDE)
    expected = {c["against"] for c in data["complaints"] if c["category"] == "attitude"}
    assert {p["person"] for p in out["people"]} == expected
    for p in out["people"]:
        assert set(p["changes"]) <= {"deductions", "score"}
        own = [c for c in data["complaints"] if c["against"] == p["person"]]
        assert own  # a person without complaints never changes
        change = p["changes"]["deductions"]
        assert change["after"] > change["before"]
    assert out["stars"] == []  # stars do not depend on points
    assert out["changed"] is bool(expected)
    points = out["totals"]["points"]
    assert points["after"] - points["before"] == sum(
        p["changes"]["deductions"]["after"] - p["changes"]["deductions"]["before"] for p in out["people"])


def test_doubling_attitude_points_on_the_sample_month():
    month, result = published(sample())
    out = whatif(month, result, DOUBLE_ATTITUDE)
    assert out["month"] == "2026-11" and out["changed"] is True
    assert out["policy_before"] == default_policy().version and out["policy_after"] == DOUBLE_ATTITUDE.version
    by_person = {p["person"]: p for p in out["people"]}
    assert sorted(by_person) == ["lisi", "zhangsan"]  # the two people with attitude complaints
    # 张三: c1 attitude 1×10, c2 dispute 2×10, c3 attitude 3×10 = 60 (was 5 + 20 + 15 = 40).
    assert by_person["zhangsan"]["name"] == "张三"
    assert by_person["zhangsan"]["changes"] == {"deductions": {"before": 40, "after": 60},
                                                "score": {"before": 60, "after": 40}}
    assert by_person["lisi"]["changes"] == {"deductions": {"before": 5, "after": 10},
                                            "score": {"before": 95, "after": 90}}
    assert out["totals"]["points"]["after"] - out["totals"]["points"]["before"] == 25
    for key in ("fines", "rewards", "worst", "dismissals", "stars"):
        assert out["totals"][key]["before"] == out["totals"][key]["after"]


def test_a_lower_worst_threshold_rates_more_people_worst_and_fines_them():
    data = facts(people=[person("a"), person("b"), person("li", roles=["supervisor"])],
                 complaints=[complaint("c1", "a", 3), complaint("c2", "b", 4), complaint("c3", "b", 5)],
                 history={"worst": {"a": ["2026-05", "2026-08"]}})
    month, result = published(data)
    out = whatif(month, result, policy_with(**{"worst.threshold": 1}))
    by_person = {p["person"]: p["changes"] for p in out["people"]}
    assert by_person["a"]["worst"] == {"before": False, "after": True}
    assert by_person["a"]["fine"] == {"before": 0, "after": 500}
    assert by_person["a"]["dismissal_recommended"] == {"before": False, "after": True}  # third worst month
    assert "b" not in by_person  # worst already at the second complaint: same fine, same rating
    assert out["totals"]["worst"] == {"before": 1, "after": 2}
    assert out["totals"]["dismissals"] == {"before": 0, "after": 1}
    assert out["totals"]["fines"] == {"before": 500, "after": 1000}


def test_a_higher_star_reward_and_the_star_eligibility():
    month, result = published(sample())
    richer = whatif(month, result, policy_with(**{"star.reward": 800}))
    assert richer["people"] == [{"person": "xiaowang", "name": "小王", "unit": "invoicing",
                                 "changes": {"reward": {"before": 1500, "after": 2400}}}]  # 3rd month in a row
    assert richer["stars"] == [] and richer["totals"]["rewards"] == {"before": 1500, "after": 2400}

    # Only supervisors eligible: none has praise, so invoicing's star falls vacant.
    wider = whatif(month, result, policy_with(**{"star.eligible_roles": ["supervisor"]}))
    assert wider["stars"] == [{"unit": "invoicing", "before": "xiaowang", "after": None}]
    assert {p["person"]: p["changes"] for p in wider["people"]}["xiaowang"] == {
        "reward": {"before": 1500, "after": 0}, "star": {"before": True, "after": False}}
    assert wider["totals"]["stars"] == {"before": 1, "after": 0}


def test_totals_and_refusing_another_months_result():
    month, result = published(sample())
    t = totals(result)
    assert t["points"] == sum(p["deductions"] for p in result["people"].values())
    assert t["stars"] == sum(1 for s in result["stars"].values() if s["person"])
    with pytest.raises(ValueError, match="2026-11"):
        whatif(month, {**result, "month": "2026-10"}, default_policy())
