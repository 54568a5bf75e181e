"""Loading the organisation file: the sample, reloads that keep history, refusals by line."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.errors import OrgFileError
from core.org import Person, Position, Unit, Window
from core.orgfile import parse_org
from core.orgservice import load_org_file, org_snapshot
from tests.conftest import ROOT, SAMPLE_ORG

NOW = datetime(2026, 11, 1, tzinfo=UTC)
# The regulation, kept in the project (a copy of the shared seed): the test needs no neighbour.
SEED = ROOT / "docs" / "regulation.zh.txt"


def counts(db) -> tuple[int, int, int, int]:
    with db.reading() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (Position, Unit, Window, Person))


def test_sample_loads_with_team_and_reporting_lines(org_db):
    snap = org_snapshot(org_db)
    assert len(snap["positions"]) == 6
    assert snap["team"] == {
        "coordinator": "baihong", "executor": "zhouhua", "chairman": "dongshi",
        "president_office": ["wuqing", "zhouhua"],
        "supervisors": ["chenjian", "fengqiang", "lizhu", "qianmin", "sunli", "zhaogang",
                        "zhouhua"],
    }
    people = {p["id"]: p for p in snap["people"]}
    assert people["zhangsan"]["supervisor"] == "lizhu"      # defaults to the head of his unit
    assert people["zhangsan"]["roles"] == ["staff"]
    assert "supervisor" in people["chenjian"]["roles"]
    office = next(u for u in snap["units"] if u["code"] == "office")
    assert office["windows"] == []                           # a unit may have no windows
    for unit in snap["units"]:
        if unit["code"] != "office":
            staff = [p for p in snap["people"] if p["unit"] == unit["code"] and "staff" in p["roles"]]
            assert len(staff) >= 2, unit["code"]


def seed_commitments() -> dict[str, list[str]]:
    out, current = {}, None
    for line in SEED.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^[一二三四五六]、岗位:(.+)$", line):
            current = out.setdefault(m.group(1), [])
        elif line.startswith("二、"):
            current = None
        elif current is not None and (m := re.match(r"^\d+、(.*)$", line)):
            current.append(m.group(1))
    return out


def test_sample_commitments_are_verbatim_from_the_seed():
    spec = parse_org(SAMPLE_ORG.read_text(encoding="utf-8"))
    expected = seed_commitments()
    assert len(expected) == 6
    assert {p.name: list(p.commitments) for p in spec.positions} == expected


def test_reload_updates_and_deactivates_never_deletes(org_db, tmp_path):
    changed = SAMPLE_ORG.read_text(encoding="utf-8")
    changed = changed.replace("  - {id: linba, name: 林八, unit: gate}\n", "")
    changed = changed.replace("{id: guoqi, name: 郭七, unit: gate}", "{id: guoqi, name: 郭七七, unit: gate}")
    path = tmp_path / "org.yaml"
    path.write_text(changed, encoding="utf-8")
    before = counts(org_db)
    summary = load_org_file(org_db, path, NOW).as_dict()
    assert summary["deactivated"]["people"] == ["linba"]
    assert summary["updated"]["people"] == 1 and summary["added"]["people"] == 0
    assert counts(org_db) == before                        # nobody deleted
    with org_db.reading() as s:
        assert s.get(Person, "linba").active is False
        assert s.get(Person, "guoqi").name == "郭七七"
    # Loading the same file again changes nothing.
    again = load_org_file(org_db, path, NOW).as_dict()
    assert sum(again["added"].values()) == sum(again["updated"].values()) == 0
    # Back in the file: active again.
    load_org_file(org_db, SAMPLE_ORG, NOW)
    with org_db.reading() as s:
        assert s.get(Person, "linba").active is True


MINIMAL = """\
positions:
  weighbridge: {name: 司磅室, commitments: ["文明服务", "核对重量"]}
units:
  - {code: weighbridge, name: 司磅室, head: chen, leader: wang,
     windows: [{code: wb-1, name: 1号磅, position: weighbridge}]}
people:
  - {id: chen, name: 陈, unit: weighbridge}
  - {id: wang, name: 王}
  - {id: zhangsan, name: 张三, unit: weighbridge, supervisor: chen}
team: {coordinator: wang, executor: chen, chairman: wang, president_office: [chen]}
"""


def test_the_issue_shape_loads():
    spec = parse_org(MINIMAL)
    assert [p.id for p in spec.people] == ["chen", "wang", "zhangsan"]
    assert spec.units[0].windows[0].position == "weighbridge"


@pytest.mark.parametrize("old,new,message", [
    ("unit: weighbridge, supervisor: chen}", "unit: nowhere, supervisor: chen}",
     r"org.yaml:9: people\[2\] 'zhangsan': unknown unit 'nowhere'"),
    ("supervisor: chen}", "supervisor: ghost}", r"org.yaml:9: .*unknown supervisor 'ghost'"),
    ("head: chen,", "head: ghost,", r"org.yaml:4: units\[0\] 'weighbridge': unknown person 'ghost'"),
    ("position: weighbridge}]", "position: gate}]", r"org.yaml:5: .*unknown position 'gate'"),
    ("  - {id: wang, name: 王}", "  - {id: chen, name: 王}",
     r"org.yaml:8: people\[1\]: repeated person id 'chen'"),
    ("executor: chen,", "executor: nobody,", r"org.yaml:10: team.executor: unknown person 'nobody'"),
    ("{id: wang, name: 王}", "{id: wang, name: 王, rank: 1}", r"org.yaml:8: people\[1\]: unknown key 'rank'"),
    ("units:\n", "units:\n  - {code: weighbridge, name: x}\n",
     r"org.yaml:5: units\[1\]: repeated unit code 'weighbridge'"),
    ("positions:\n", "positions:\n  weighbridge: {name: x}\n", r"org.yaml:3: repeated key 'weighbridge'"),
    ("people:\n", "people: [\n", r"org.yaml:\d+: broken YAML"),
    # Issue 22.12: a supervisor cycle, named where it starts (the default supervisor counts too).
    ("{id: chen, name: 陈, unit: weighbridge}", "{id: chen, name: 陈, unit: weighbridge, supervisor: zhangsan}",
     r"org.yaml:7: people\[0\] 'chen': supervisor cycle 主管关系成环: chen → zhangsan → chen$"),
    ("{id: wang, name: 王}", "{id: wang, name: 王, supervisor: zhangsan}\n  - {id: li, name: 李, supervisor: wang}",
     None),
])
def test_bad_files_are_refused_naming_the_line(old, new, message):
    assert old in MINIMAL
    if message is None:  # a chain that ends is no cycle
        assert [p.supervisor for p in parse_org(MINIMAL.replace(old, new, 1)).people][1:3] == ["zhangsan", "wang"]
        return
    with pytest.raises(OrgFileError, match=message):
        parse_org(MINIMAL.replace(old, new, 1))


def test_a_refused_file_writes_nothing(org_db, tmp_path):
    before, snap = counts(org_db), org_snapshot(org_db)
    bad = SAMPLE_ORG.read_text(encoding="utf-8").replace("unit: gate}", "unit: moon}")
    path = tmp_path / "bad.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(OrgFileError, match="unknown unit 'moon'"):
        load_org_file(org_db, path, NOW)
    assert counts(org_db) == before and org_snapshot(org_db) == snap


def test_missing_file_is_refused(db):
    with pytest.raises(OrgFileError, match="file not found"):
        load_org_file(db, Path("/nonexistent/org.yaml"), NOW)
