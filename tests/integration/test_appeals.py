"""Appeals (申诉复核): life cycle, reviewer guard, review clock, the upheld adjustment next month."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.errors import Forbidden, InvalidInput, NotFound, Refused
from core.timeutil import parse_time

pytestmark = pytest.mark.db


def at(text: str) -> datetime:
    return parse_time(text, "--at")


@pytest.fixture
def rt(org_db, db_url, tmp_path):
    from core.settings import Settings
    from workflows.runtime import Runtime

    return Runtime(Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", notice_dir=tmp_path / "notices"))


@pytest.fixture
def october(rt):
    """张三 complained about in October (verified by the owner), October published on 2 November."""
    from states.service import ComplaintService

    svc = ComplaintService(rt.db, rt.policy)
    c = svc.create(window="inv-1", source="customer", category="attitude", text="态度差", at=at("2026-10-12T09:00"))
    svc.advance(c["id"], "verify", c["owner"], against="zhangsan", at=at("2026-10-12T09:10"))
    months = rt.months()
    months.close("2026-10", "wuqing", at=at("2026-11-02T08:30"))
    months.publish("2026-10", "wuqing", at=at("2026-11-02T09:00"))
    line = next(ln for ln in rt.appeals().lines("zhangsan") if ln["rule"].startswith("complaint"))
    return {"complaint": c, "line": line}


def test_his_lines_and_the_filing_window(rt, october):
    line = october["line"]
    assert line["month"] == "2026-10" and line["points"] == 5
    assert line["appeal_until"].startswith("2026-11-09")  # 5 working days after Mon 2 Nov 09:00
    with pytest.raises(Refused, match="window closed"):
        rt.appeals().file("zhangsan", line["id"], "不是我", at=at("2026-11-10T09:00"))
    with pytest.raises(NotFound):
        rt.appeals().file("xiaowang", line["id"], "not mine", at=at("2026-11-03T09:00"))
    with pytest.raises(InvalidInput):
        rt.appeals().file("zhangsan", line["id"], "  ", at=at("2026-11-03T09:00"))


def test_file_review_uphold_and_the_adjustment_next_month(rt, october):
    from scoring.models import Adjustment

    appeals = rt.appeals()
    a = appeals.file("zhangsan", october["line"]["id"], "当天我在休假", at=at("2026-11-03T10:00"))
    owner = october["complaint"]["owner"]
    assert a["state"] == "filed" and a["reviewer"] not in {owner, "lizhu", "zhangsan"}
    with pytest.raises(Refused, match="already appealed"):
        appeals.file("zhangsan", october["line"]["id"], "again", at=at("2026-11-03T10:05"))
    for conflicted in (owner, "lizhu", "zhangsan"):  # verifier, his supervisor, himself
        with pytest.raises(Refused):
            appeals.decide(a["id"], conflicted, True, "ok", at=at("2026-11-03T11:00"))
    done = appeals.decide(a["id"], a["reviewer"], True, "考勤记录证实休假", at=at("2026-11-04T10:00"))
    assert done["state"] == "upheld" and [h["event"] for h in done["history"]] == ["file", "review", "uphold"]
    assert done["adjustment"] == {"month": "2026-11", "points": -5, "corrects": f"2026-10/L{october['line']['id']}"}
    with pytest.raises(Refused):
        appeals.decide(a["id"], a["reviewer"], False, "changed my mind", at=at("2026-11-04T11:00"))

    november = rt.months().close("2026-11", "wuqing")
    lines = november["people"]["zhangsan"]["lines"]
    assert [ln["points"] for ln in lines if ln["rule"] == "adjustment"] == [-5]
    assert f"2026-10/L{october['line']['id']}" in next(ln["reason_zh"] for ln in lines if ln["rule"] == "adjustment")
    assert rt.months().show("2026-10")["people"]["zhangsan"]["deductions"] == 5  # the published month never changes
    with rt.db.reading() as s:
        assert s.scalars(select(Adjustment)).one().person_id == "zhangsan"


def test_every_party_is_told(rt, october):
    from notifications.models import OutboxMessage

    a = rt.appeals().file("zhangsan", october["line"]["id"], "不是我", at=at("2026-11-03T10:00"))
    rt.appeals().decide(a["id"], a["reviewer"], False, "监控证实", at=at("2026-11-03T15:00"))
    with rt.db.reading() as s:
        told = {(m.kind, m.recipient) for m in s.scalars(select(OutboxMessage))}
    for who in ("zhangsan", a["reviewer"], "wuqing", "zhouhua"):
        assert ("appeal_filed", who) in told and ("appeal_decided", who) in told


def test_a_missed_review_breaks_escalates_and_counts_as_inactivity(rt, october):
    from scoring.facts import read_month_facts

    appeals = rt.appeals()
    a = appeals.file("zhangsan", october["line"]["id"], "不是我", at=at("2026-11-03T10:00"))
    first = a["reviewer"]
    assert appeals.check(at("2026-11-09T09:00"))["broken"] == []
    report = appeals.check(at("2026-11-10T12:00"))  # 5 working days after Tue 3 Nov 10:00 = Tue 10 Nov 10:00
    assert report["broken"] == [{"appeal": a["id"], "reviewer": first, "escalated": True, "new_reviewer": "zhouhua"}]
    assert appeals.check(at("2026-11-10T12:01"))["broken"] == []  # once
    shown = appeals.show(a["id"])
    assert (shown["level"], shown["reviewer"]) == (1, "zhouhua")
    assert [k["state"] for k in shown["clocks"]] == ["broken", "running"]
    with pytest.raises(Refused):
        appeals.decide(a["id"], first, True, "late", at=at("2026-11-10T13:00"))  # no longer his
    with rt.db.reading() as s:
        facts = read_month_facts(s, "2026-11")
    assert [(b.owner, b.clock) for b in facts.breaches] == [(first, "appeal_review")]
    november = rt.months().close("2026-11", "wuqing")
    assert any(ln["rule"] == "inactivity" and "申诉复核" in ln["reason_zh"]
               for ln in november["people"][first]["lines"])


def test_only_published_months_and_active_people(rt, org_db):
    with pytest.raises(NotFound):
        rt.appeals().file("zhangsan", 999, "x", at=datetime(2026, 11, 3, tzinfo=UTC))
    with pytest.raises(NotFound):
        rt.appeals().show(42)
    with pytest.raises(InvalidInput):
        rt.appeals().list(state="bogus")
    assert rt.appeals().lines("zhangsan") == []
    with pytest.raises((NotFound, Forbidden)):
        rt.appeals().decide(1, "nobody", True, "x")


def test_at_the_top_the_break_is_reported_and_the_last_reviewer_keeps_it(rt, october):
    from appeals.service import working_days_after

    appeals = rt.appeals()
    a = appeals.file("zhangsan", october["line"]["id"], "不是我", at=at("2026-11-03T10:00"))
    when, chain = at("2026-11-03T10:00"), []
    for _ in range(4):
        when = working_days_after(when, 5)
        report = appeals.check(when + (at("2026-11-03T10:01") - at("2026-11-03T10:00")))["broken"]
        chain.append((report[0]["escalated"], report[0]["new_reviewer"]))
    assert chain == [(True, "zhouhua"), (True, "baihong"), (True, "dongshi"), (False, "dongshi")]
    shown = appeals.show(a["id"])
    assert (shown["reviewer"], shown["level"]) == ("dongshi", 3)
    assert "uphold" in appeals.allowed_for(a["id"], "dongshi") or "review" in appeals.allowed_for(a["id"], "dongshi")
    assert appeals.decide(a["id"], "dongshi", False, "查无实据")["state"] == "rejected"


def test_the_appeal_commands(cli, october):
    lines = cli("appeal", "lines", "zhangsan", "--json")
    line = next(ln for ln in lines if ln["id"] == october["line"]["id"])
    assert line["appeal"] is None and "--json" not in line
    filed = cli("appeal", "file", "zhangsan", str(line["id"]), "--reason", "当天休假", "--at", "2026-11-03T10:00",
                "--json")
    assert filed["state"] == "filed"
    assert "already appealed" in cli("appeal", "file", "zhangsan", str(line["id"]), "--reason", "again",
                                     "--at", "2026-11-03T10:05", expect=2)
    assert [a["id"] for a in cli("appeal", "list", "--reviewer", filed["reviewer"], "--state", "open", "--json")] \
        == [filed["id"]]
    assert "--note" in cli("appeal", "decide", str(filed["id"]), "--by", filed["reviewer"], "--uphold",
                           "--note", " ", expect=2)
    done = cli("appeal", "decide", str(filed["id"]), "--by", filed["reviewer"], "--reject", "--note", "监控证实",
               "--at", "2026-11-04T10:00", "--json")
    assert done["state"] == "rejected" and done.get("adjustment") is None
    assert "rejected" in cli("appeal", "show", str(filed["id"]))
    assert "unknown" in cli("appeal", "list", "--state", "unknown", expect=2)


def test_nobody_who_owned_the_complaint_or_holds_a_line_from_it_reviews(rt):
    """Issue 18.7: 冯强 (heads the gate) complained about; 陈建 owned it and missed the respond clock
    (−3 inactivity), 周华 verified it. Neither 冯强's nor 陈建's appeal goes to the other, or to
    陈建 himself: the first supervisor free of the complaint is 李主管."""
    from states.watch import ClockWatch

    svc = rt.complaints()
    c = svc.create(window="gate-1", source="customer", category="attitude", text="态度差", at=at("2026-10-12T09:00"))
    assert c["owner"] == "chenjian"
    ClockWatch(svc).check(at("2026-10-12T09:31"))  # the respond clock breaks: 总执行 周华 owns it now
    svc.advance(c["id"], "verify", "zhouhua", against="fengqiang", at=at("2026-10-12T09:40"))
    rt.months().close("2026-10", "wuqing", at=at("2026-11-02T08:30"))
    rt.months().publish("2026-10", "wuqing", at=at("2026-11-02T09:00"))
    accused = next(ln for ln in rt.appeals().lines("fengqiang") if ln["rule"].startswith("complaint"))
    inactive = next(ln for ln in rt.appeals().lines("chenjian") if ln["rule"] == "inactivity")

    by_accused = rt.appeals().file("fengqiang", accused["id"], "不是我", at=at("2026-11-03T10:00"))
    assert by_accused["reviewer"] == "lizhu"  # not chenjian, who owned the complaint
    with pytest.raises(Refused):
        rt.appeals().decide(by_accused["id"], "chenjian", True, "ok", at=at("2026-11-03T11:00"))
    by_owner = rt.appeals().file("chenjian", inactive["id"], "系统故障", at=at("2026-11-03T10:00"))
    assert by_owner["reviewer"] not in {"fengqiang", "chenjian", "zhouhua"}  # the accused holds a line from it
