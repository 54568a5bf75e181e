"""The unit ranking ranks the window units only; the supervision team's record is its own table
(rules.md §5, issue 18 item 8: 总裁办 was ranked worst for the chief executor's missed deadlines)."""

from __future__ import annotations

from tests.unit.scoring.helpers import at, facts, person, score

TEAM_MONTH = facts(
    people=[
        person("zhouhua", unit="office", supervisor=None, leader=None, name="周华",
               roles=["executor", "president_office"]),
        person("lizhu", unit="invoicing", supervisor=None, roles=["supervisor"]),
        person("zhangsan", unit="invoicing", supervisor="lizhu"),
        person("lisi", unit="weighbridge", supervisor="chenjian"),
    ],
    breaches=[{"id": f"k{i}", "owner": "zhouhua", "complaint": str(i), "clock": "escalation", "at": at(3 + i)}
              for i in (1, 2)],
    kept={"zhouhua": 3, "lizhu": 4},
    window_units=["invoicing", "weighbridge"],
)


def test_only_units_with_windows_are_ranked():
    units = score(TEAM_MONTH)["units"]
    assert units["office"]["rank"] is None and units["office"]["breaches"] == 2
    assert sorted((u["rank"], code) for code, u in units.items() if u["rank"] is not None) == [
        (1, "invoicing"), (2, "weighbridge")]


def test_the_supervision_team_has_its_own_record():
    team = score(TEAM_MONTH)["team"]
    assert team == {"lizhu": {"kept": 4, "missed": 0}, "zhouhua": {"kept": 3, "missed": 2}}


def test_facts_without_window_units_rank_every_unit_as_before():
    data = {k: v for k, v in TEAM_MONTH.items() if k != "window_units"}
    assert score(data)["units"]["office"]["rank"] == 1
