"""Issue 22.1/22.2: the accused, and the head of the accused's unit, never clear a complaint,
not even by naming someone else in the same request; a rename is its own recorded step."""

from __future__ import annotations

from datetime import UTC

import pytest

from core.errors import Refused
from states.audit import AuditService
from tests.integration import test_complaint_service as service_tests

T0, at = service_tests.T0, service_tests.at
svc = service_tests.svc  # the same fixture: the service at 09:05 on the sample organisation


def escalated_to_the_executor(svc, against: str) -> int:
    """A complaint against ``against`` that climbed to 周华 (chief executor, head of 总裁办)."""
    c = svc.create(window="inv-1", source="customer", category="attitude", text="态度差",
                   against=against, at=T0)
    c = svc.advance(c["id"], "escalate", c["owner"], "无法解决", at(5))
    assert c["owner"] == "zhouhua" and c["level"] == 1
    return c["id"]


@pytest.mark.parametrize("event", ["verify", "dismiss"])
def test_the_accused_cannot_rename_himself_away(svc, org_db, policy, event):
    cid = escalated_to_the_executor(svc, "zhouhua")
    with pytest.raises(Refused, match="被投诉人不得处理"):
        svc.advance(cid, event, "zhouhua", "不成立", at(10), against="lisi")
    c = svc.get(cid)
    assert (c["state"], c["against"]) == ("escalated", "zhouhua")
    assert [h["event"] for h in c["history"]] == ["receive", "escalate"]
    assert AuditService(org_db, policy).replay()["ok"]


@pytest.mark.parametrize("event", ["verify", "dismiss"])
def test_a_unit_head_cannot_rename_a_complaint_against_his_staff_away(svc, event):
    cid = escalated_to_the_executor(svc, "wuqing")  # 吴青 works in 总裁办, which 周华 heads
    with pytest.raises(Refused, match="本部门"):
        svc.advance(cid, event, "zhouhua", None, at(10), against="lisi")
    assert svc.get(cid)["against"] == "wuqing"


def test_a_unit_head_cannot_dismiss_a_complaint_against_his_staff(svc):
    cid = escalated_to_the_executor(svc, "wuqing")
    with pytest.raises(Refused, match="本部门") as refused:
        svc.advance(cid, "dismiss", "zhouhua", "不成立", at(10))
    assert refused.value.allowed == ["arrive", "escalate"]  # he may come or hand it up, not judge it
    c = svc.advance(cid, "escalate", "zhouhua", "回避", at(11))  # 组长 白宏 heads no unit
    c = svc.advance(cid, "dismiss", "baihong", "不成立", at(20))
    assert c["state"] == "dismissed"


def test_naming_the_accused_is_its_own_step_with_the_old_and_the_new_name(svc, org_db, policy):
    c = svc.create(window="wb-1", source="customer", category="attitude", text="态度差", at=T0)
    owner = c["owner"]
    c = svc.advance(c["id"], "escalate", owner, None, at(1))  # now zhouhua's
    c = svc.advance(c["id"], "arrive", "zhouhua", None, at(2), against="lisi")
    c = svc.advance(c["id"], "verify", "zhouhua", "属实", at(3), against="wangwu")
    assert c["against"] == "wangwu"
    assert [(h["event"], h["by"], h["to"]) for h in c["history"]] == [
        ("receive", "intake", "received"), ("escalate", owner, "escalated"),
        ("against", "zhouhua", "escalated"), ("arrive", "zhouhua", "on_site"),
        ("against", "zhouhua", "on_site"), ("verify", "zhouhua", "on_site")]
    assert c["history"][2]["note"].startswith("被投诉人 未指定 → 李四")
    assert c["history"][4]["note"].startswith("被投诉人 李四 → 王五")
    with org_db.reading() as s:
        from states.models import ComplaintEvent

        rows = s.query(ComplaintEvent).filter_by(complaint_id=c["id"], event="against").order_by(ComplaintEvent.id)
        assert [r.data for r in rows] == [{"against": "lisi", "was": None}, {"against": "wangwu", "was": "lisi"}]
    with pytest.raises(Refused, match="核实后不可更改"):
        svc.advance(c["id"], "resolve", "zhouhua", None, at(4), against="maliu")
    assert AuditService(org_db, policy).replay()["ok"]


def test_the_audit_reports_a_rename_hidden_in_another_step(svc, org_db, policy):
    """What the attack left behind: the verify row names someone else, with no 'against' step."""
    from states.models import Complaint, ComplaintEvent

    cid = escalated_to_the_executor(svc, "zhouhua")
    with org_db.transaction() as s:  # as the old advance() wrote it
        c = s.get(Complaint, cid)
        c.against_id, c.state, c.verified_at = "lisi", "verified", at(10).astimezone(UTC)
        c.verified_supervisor_id, c.verified_leader_id = "chenjian", "wangzong"
        for k in c.clocks:
            if k.name == "escalation":
                k.state, k.ended_at = "stopped", at(10).astimezone(UTC)
        s.add(ComplaintEvent(complaint_id=cid, event="verify", from_state="escalated", to_state="verified",
                             actor_id="zhouhua", at=at(10), level=1, owner_id="zhouhua",
                             data={"against": "lisi", "supervisor": "chenjian", "leader": "wangzong"}))
    report = AuditService(org_db, policy).replay()
    assert not report["ok"]
    assert any("against changed without its own step" in d["what"] for d in report["differences"])


def test_cli_refuses_the_accused_renaming_himself_away(cli):
    c = cli("complaint", "new", "--window", "inv-1", "--source", "customer", "--category", "attitude",
            "--text", "态度差", "--against", "zhouhua", "--at", "2026-11-03T09:00", "--json")
    cli("complaint", "advance", str(c["id"]), "escalate", "--by", c["owner"], "--at", "2026-11-03T09:05")
    err = cli("complaint", "advance", str(c["id"]), "verify", "--by", "zhouhua", "--against", "lisi",
              "--at", "2026-11-03T09:10", expect=2)
    assert "被投诉人不得处理" in err and len(err.strip().splitlines()) == 1
    assert cli("complaint", "show", str(c["id"]), "--json")["against"] == "zhouhua"
    assert cli("audit", "replay", "--json")["ok"]


def test_cli_show_of_a_received_complaint_lists_verify_and_a_refusal_says_what_is_left(cli):
    c = cli("complaint", "new", "--window", "inv-1", "--source", "customer", "--category", "attitude",
            "--text", "态度差", "--at", "2026-11-03T09:00", "--json")
    assert c["allowed_events"] == ["verify", "dismiss", "escalate"]
    # The readable output names them in words (issue 13); --json and --help keep the codes.
    assert "可用操作 allowed: 核实 / Verify, 驳回 / Dismiss, 升级 / Escalate" in cli("complaint", "show", str(c["id"]))
    err = cli("complaint", "advance", str(c["id"]), "verify", "--by", "lizhu", "--against", "zhangsan",
              "--at", "2026-11-03T09:10", expect=2)
    assert "您现在无可用操作" in err and "核实 verify, 驳回 dismiss, 升级 escalate" in err
    assert not err.rstrip().endswith("-")
