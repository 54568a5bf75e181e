"""The worked examples of docs/rules.md §4, to the point."""

from __future__ import annotations

import pytest

from tests.unit.scoring.helpers import complaint, facts, person, rules_of, score


def example_a(worst_history=None) -> dict:
    return facts(
        people=[
            person("zhangsan", name="张三", supervisor="li", leader="wang"),
            person("li", name="李主管", supervisor=None, leader="wang", roles=["supervisor"]),
            person("wang", name="王总", unit=None, supervisor=None, leader=None, roles=["leader"]),
        ],
        complaints=[
            complaint("c1", "zhangsan", 3, "customer", "attitude"),
            complaint("c2", "zhangsan", 10, "customer", "dispute"),
            complaint("c3", "zhangsan", 20, "coordination", "attitude"),
        ],
        history={"worst": {"zhangsan": worst_history or []}},
    )


def test_example_a_person_supervisor_leader():
    people = score(example_a())["people"]
    zhang, li, wang = people["zhangsan"], people["li"], people["wang"]
    assert [(x["source"], x["points"]) for x in rules_of(zhang, "complaint.person")] == [
        ("c1", 5), ("c2", 20), ("c3", 15)]
    assert (zhang["deductions"], zhang["score"]) == (40, 60)
    assert [(x["source"], x["points"]) for x in rules_of(li, "complaint.supervisor")] == [
        ("c2", 3), ("c3", 6)]
    assert (li["deductions"], li["score"]) == (9, 91)
    assert [(x["source"], x["points"]) for x in rules_of(wang, "complaint.leader")] == [("c3", 3)]
    assert (wang["deductions"], wang["score"]) == (3, 97)


def test_example_a_worst_fine_and_criticism():
    zhang = score(example_a())["people"]["zhangsan"]
    assert zhang["worst"] is True and zhang["fine"] == 500
    assert [(x["source"], x["money"]) for x in rules_of(zhang, "worst.fine")] == [("c2", 500)]
    assert zhang["criticism"] is True
    assert [x["source"] for x in rules_of(zhang, "criticism")] == ["c1"]
    assert zhang["worst_count"] == 1 and zhang["dismissal_recommended"] is False
    assert rules_of(zhang, "dismissal") == []


def test_example_a_reasons_name_the_arithmetic():
    zhang = score(example_a())["people"]["zhangsan"]
    second = rules_of(zhang, "complaint.person")[1]
    assert second["reason_zh"] == "11-10 第2次投诉（争执）：2×10=20分"
    assert second["reason_en"] == "11-10 2nd complaint of the month (dispute): 2×10 = 20 points"
    assert second["reason"] == f"{second['reason_zh']} / {second['reason_en']}"


def test_example_a_third_worst_recommends_dismissal():
    zhang = score(example_a(["2026-05", "2026-08"]))["people"]["zhangsan"]
    assert zhang["worst_count"] == 3
    assert zhang["dismissal_recommended"] is True
    (line,) = rules_of(zhang, "dismissal")
    assert line["source"] == "c2" and line["points"] == 0 and line["money"] == 0
    assert "建议" in line["reason_zh"] and "recommended" in line["reason_en"]


def test_example_a_history_of_this_month_or_later_is_not_counted():
    zhang = score(example_a(["2026-05", "2026-11", "2026-12"]))["people"]["zhangsan"]
    assert zhang["worst_count"] == 2 and zhang["dismissal_recommended"] is False


def example_b(stars, praise, nominations=None) -> dict:
    return facts(
        people=[person("xiaowang", name="小王"), person("xiaozhao", name="小赵"),
                person("li", roles=["supervisor"])],
        praise=praise,
        nominations=nominations or {},
        history={"stars": {"xiaowang": stars}},
    )


@pytest.mark.parametrize(
    ("stars", "streak", "reward"),
    [
        (["2026-09", "2026-10"], 3, 1500),
        (["2026-09"], 1, 500),  # not star in 2026-10: the streak restarts
        ([], 1, 500),
        (["2026-08", "2026-10"], 2, 1000),
    ],
)
def test_example_b_streak(stars, streak, reward):
    result = score(example_b(stars, {"xiaowang": 4, "xiaozhao": 2}))
    star = result["stars"]["invoicing"]
    assert (star["person"], star["streak"], star["reward"]) == ("xiaowang", streak, reward)
    wang = result["people"]["xiaowang"]
    assert wang["reward"] == reward and wang["star"] is True
    assert [(x["money"], x["source"]) for x in rules_of(wang, "star.reward")] == [
        (reward, "star:invoicing")]


def test_example_b_tie_is_vacant_and_asks_the_team():
    result = score(example_b(["2026-09", "2026-10"], {"xiaowang": 4, "xiaozhao": 4}))
    star = result["stars"]["invoicing"]
    assert star["person"] is None and star["reward"] == 0
    assert star["tied"] == ["xiaowang", "xiaozhao"]
    assert "选定" in star["reason_zh"] and "must choose" in star["reason_en"]
    assert all(p["reward"] == 0 for p in result["people"].values())


def test_example_c_inactivity_names_the_breach():
    data = facts(
        people=[person("chen", unit="office", supervisor=None, leader=None,
                       roles=["supervisor"])],
        breaches=[{"id": "b1", "owner": "chen", "complaint": "c9", "clock": "respond",
                   "at": "2026-11-03T09:30:00+08:00"}],
    )
    chen = score(data)["people"]["chen"]
    (line,) = chen["lines"]
    assert (line["rule"], line["points"], line["source"]) == ("inactivity", 3, "b1")
    assert "b1" in line["reason_zh"] and "c9" in line["reason_en"]
    assert (chen["deductions"], chen["score"]) == (3, 97)
