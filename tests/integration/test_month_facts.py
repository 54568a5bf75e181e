"""Month facts read from the database (both engines) and scored: worked example A end to end."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import InvalidInput
from core.orgservice import load_org_file
from core.timeutil import BUSINESS_TZ
from scoring import result_to_json, score_month
from scoring.facts import month_bounds, read_month_facts
from scoring.models import MonthOutcome, Praise, StarNomination
from states.clocks import BROKEN
from states.models import Clock
from states.service import ComplaintService
from tests.conftest import SAMPLE_ORG


def sh(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BUSINESS_TZ)


def counted(svc, against, category, source, received, verified, owner_event="verify"):
    c = svc.create(window="inv-1", source=source, category=category, text="…", at=sh(received),
                   against=against)
    return svc.advance(c["id"], owner_event, c["owner"], None, sh(verified))


@pytest.fixture
def month(org_db, policy, tmp_path):
    svc = ComplaintService(org_db, policy, now=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    # Worked example A: 张三, supervisor 李主管 (lizhu), leader 王总 (wangzong).
    counted(svc, "zhangsan", "attitude", "customer", "2026-11-03T09:00", "2026-11-03T09:20")
    counted(svc, "zhangsan", "dispute", "customer", "2026-11-10T09:00", "2026-11-10T09:20")
    # The reporting line changes before the third complaint is scored: the snapshot holds.
    c3 = counted(svc, "zhangsan", "attitude", "coordination", "2026-11-20T09:00", "2026-11-20T09:20")
    changed = SAMPLE_ORG.read_text(encoding="utf-8").replace(
        "{id: zhangsan, name: 张三, unit: invoicing}",
        "{id: zhangsan, name: 张三, unit: invoicing, supervisor: qianmin}")
    (tmp_path / "org.yaml").write_text(changed, encoding="utf-8")
    load_org_file(org_db, tmp_path / "org.yaml", datetime(2026, 11, 25, tzinfo=UTC))
    # Dismissed: counts nowhere. Verified in October or December (Shanghai): not this month.
    d = svc.create(window="inv-1", source="customer", category="dispute", text="…",
                   against="xiaozhao", at=sh("2026-11-05T09:00"))
    svc.advance(d["id"], "dismiss", d["owner"], "不成立", sh("2026-11-05T09:10"))
    counted(svc, "xiaozhao", "attitude", "customer", "2026-10-31T23:40", "2026-10-31T23:50")
    counted(svc, "lisi", "attitude", "customer", "2026-11-30T23:05", "2026-11-30T23:30")
    counted(svc, "maliu", "attitude", "customer", "2026-11-30T23:50", "2026-12-01T00:10")
    with org_db.transaction() as s:
        # A respond clock broken (as the clock watch will mark it), owned by the supervisor.
        clock = next(k for k in s.query(Clock).filter_by(complaint_id=c3["id"], name="on_site"))
        clock.state, clock.ended_at = BROKEN, sh("2026-11-20T11:00").astimezone(UTC)
        owner = clock.owner_id
        s.add_all([Praise(person_id="xiaowang", by_id="lizhu", at=sh(f"2026-11-{d:02d}T12:00"))
                   for d in (2, 4, 6, 8)])
        s.add_all([Praise(person_id="xiaozhao", by_id="lizhu", at=sh("2026-11-02T12:00")),
                   Praise(person_id="xiaozhao", by_id="lizhu", at=sh("2026-10-02T12:00"))])
        s.add(StarNomination(month="2026-11", unit_code="gate", person_id="linba", by_id="baihong",
                             at=sh("2026-11-28T12:00")))
        s.add_all([MonthOutcome(month="2026-09", person_id="xiaowang", star_unit="invoicing"),
                   MonthOutcome(month="2026-10", person_id="xiaowang", star_unit="invoicing"),
                   MonthOutcome(month="2026-05", person_id="zhangsan", worst=True),
                   MonthOutcome(month="2026-08", person_id="zhangsan", worst=True),
                   MonthOutcome(month="2026-12", person_id="zhangsan", worst=True)])  # later: ignored
    return owner


def test_facts_from_the_database(org_db, month):
    with org_db.reading() as s:
        facts = read_month_facts(s, "2026-11")
    by_person = {}
    for c in facts.complaints:
        by_person.setdefault(c.against, []).append(c)
    assert [c.category for c in by_person["zhangsan"]] == ["attitude", "dispute", "attitude"]
    assert {(c.supervisor, c.leader) for c in by_person["zhangsan"]} == {("lizhu", "wangzong")}
    assert "xiaozhao" not in by_person and "maliu" not in by_person   # dismissed / other months
    assert [c.verified_at.isoformat() for c in by_person["lisi"]] == ["2026-11-30T23:30:00+08:00"]
    assert [(b.owner, b.clock) for b in facts.breaches] == [(month, "on_site")]
    assert facts.praise == {"xiaowang": 4, "xiaozhao": 1}
    assert facts.nominations == {"gate": "linba"}
    assert facts.star_history == {"xiaowang": ("2026-09", "2026-10")}
    assert facts.worst_history == {"zhangsan": ("2026-05", "2026-08")}


def test_example_a_scored_from_the_database(org_db, month, policy):
    with org_db.reading() as s:
        result = result_to_json(score_month(read_month_facts(s, "2026-11"), policy))
    zs = result["people"]["zhangsan"]
    assert (zs["deductions"], zs["score"], zs["fine"]) == (40, 60, 500)
    assert zs["worst"] and zs["criticism"] and zs["worst_count"] == 3 and zs["dismissal_recommended"]
    assert result["people"]["lizhu"]["deductions"] == 9          # not qianmin: the snapshot
    assert result["people"]["wangzong"]["deductions"] == 3
    assert result["people"][month]["deductions"] == 3            # inactivity, naming the breach
    assert [ln["rule"] for ln in result["people"][month]["lines"]] == ["inactivity"]
    assert result["stars"]["invoicing"]["person"] == "xiaowang"
    assert result["stars"]["invoicing"]["streak"] == 3 and result["stars"]["invoicing"]["reward"] == 1500
    assert result["stars"]["gate"]["person"] == "linba"


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "Nov", ""])
def test_month_is_checked(bad):
    with pytest.raises(InvalidInput, match="MONTH"):
        month_bounds(bad)


def test_month_bounds_are_shanghai_midnights():
    start, end = month_bounds("2026-12")
    assert start == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, tzinfo=UTC)


def test_people_who_left_are_read_a_chunk_at_a_time(org_db, month, monkeypatch):
    """Those the month names who have left since are read in chunks (one IN of a conglomerate's
    every name passes PostgreSQL's 65,535 parameters): all of them, nobody twice, in id order."""
    import scoring.facts
    from core.org import Person as PersonRow

    gone = ["zhangsan", "lisi", "xiaowang"]  # complained about, or praised, this month
    with org_db.transaction() as s:
        for pid in gone:
            s.get(PersonRow, pid).active = False
        active = sum(1 for p in s.query(PersonRow) if p.active)
    monkeypatch.setattr(scoring.facts, "PEOPLE_PER_QUERY", 2)
    with org_db.reading() as s:
        facts = read_month_facts(s, "2026-11")
    ids = [p.id for p in facts.people]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == active + len(gone)
    assert set(gone) <= set(ids)
    assert next(p for p in facts.people if p.id == "zhangsan").supervisor == "qianmin"
