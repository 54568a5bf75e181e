"""The advance service on both databases: one transaction per change, clocks, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from core.errors import Conflict, InvalidInput, NotFound, Refused
from core.timeutil import BUSINESS_TZ
from states.models import Clock, Complaint, ComplaintEvent
from states.service import ComplaintService

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=BUSINESS_TZ)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def svc(org_db, policy):
    return ComplaintService(org_db, policy, now=lambda: at(5).astimezone(UTC))


def new(svc, **kw):
    args = dict(window="wb-1", source="customer", category="attitude", text="态度差", at=T0)
    args.update(kw)
    return svc.create(**args)


def clocks(c: dict) -> dict[str, tuple[str, str, str]]:
    return {k["name"]: (k["state"], k["owner"], k["due"][11:16]) for k in c["clocks"]}


def test_new_complaint_is_assigned_to_an_unconflicted_supervisor_with_clocks(svc):
    c = new(svc, contact="13800000000")
    assert c["state"] == "received" and c["level"] == 0
    # chenjian heads the weighbridge; zhouhua holds a rung: neither is assigned.
    assert c["owner"] not in ("chenjian", "zhouhua", "baihong", "dongshi")
    assert clocks(c) == {"respond": ("running", c["owner"], "09:30"),
                         "on_site": ("running", c["owner"], "11:00"),
                         "resolve": ("running", c["owner"], "09:00")}
    assert c["history"][0]["event"] == "receive"
    assert len(c["tracking_token"]) >= 22  # ≥ 128 bits, url-safe
    assert c["contact"] == "13800000000"


def test_assignment_spreads_load_least_loaded_first(svc):
    owners = [new(svc)["owner"] for _ in range(5)]
    assert len(set(owners)) == 5  # five eligible heads for the weighbridge, one each


def test_full_path_with_snapshot_of_reporting_line(svc, org_db):
    c = new(svc)
    owner = c["owner"]
    c = svc.advance(c["id"], "verify", owner, "属实", at(10), against="lisi")
    assert c["state"] == "verified" and c["against"] == "lisi"
    assert clocks(c)["respond"][0] == "stopped"
    c = svc.advance(c["id"], "arrive", owner, None, at(40))
    assert clocks(c)["on_site"][0] == "stopped"
    c = svc.advance(c["id"], "resolve", owner, "已道歉", at(60))
    assert c["state"] == "resolved" and c["allowed_events"] == []
    assert all(k["state"] == "stopped" for k in c["clocks"])
    assert [(h["event"], h["from"], h["to"], h["by"]) for h in c["history"]] == [
        ("receive", None, "received", "intake"),
        ("against", "received", "received", owner),  # naming the accused: a step of its own
        ("verify", "received", "verified", owner),
        ("arrive", "verified", "on_site", owner),
        ("resolve", "on_site", "resolved", owner),
    ]
    with org_db.reading() as s:
        row = s.get(Complaint, c["id"])
        assert (row.verified_supervisor_id, row.verified_leader_id) == ("chenjian", "wangzong")
        assert row.verified_at == at(10).astimezone(UTC)


def test_worked_example_c_escalation_replaces_clocks(svc):
    c = new(svc)
    c = svc.advance(c["id"], "escalate", c["owner"], "cannot solve it 无法解决", at(25))
    assert (c["state"], c["level"], c["owner"]) == ("escalated", 1, "zhouhua")
    k = clocks(c)
    assert k["respond"][0] == k["on_site"][0] == "replaced"
    assert k["escalation"] == ("running", "zhouhua", "11:25")
    assert k["resolve"] == ("running", "zhouhua", "09:00")   # keeps running from receipt
    c = svc.advance(c["id"], "escalate", "zhouhua", None, at(140))
    assert (c["level"], c["owner"]) == (2, "baihong")
    assert clocks(c)["escalation"] == ("running", "baihong", "13:20")
    c = svc.advance(c["id"], "verify", "baihong", None, at(160), against="lisi")
    c = svc.advance(c["id"], "arrive", "baihong", None, at(170))
    assert c["level"] == 2 and c["state"] == "on_site"   # keeps its level


def test_refused_change_names_state_and_allowed_and_writes_nothing(svc, org_db):
    c = new(svc)
    with pytest.raises(Refused) as err:
        svc.advance(c["id"], "arrive", c["owner"], None, at(5))
    assert err.value.state == "received"
    assert "received" in str(err.value) and "dismiss" in str(err.value)
    with pytest.raises(Refused, match="against"):
        svc.advance(c["id"], "verify", c["owner"], None, at(5))
    with pytest.raises(Refused, match="被投诉人不得"):
        svc.advance(c["id"], "escalate", "lisi", None, at(5), against="lisi")
    with pytest.raises(Refused, match="本部门"):  # zhouhua (rung 1) heads the office of wuqing
        svc.advance(c["id"], "verify", "zhouhua", None, at(7), against="wuqing")
    with org_db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ComplaintEvent)) == 1  # only the receipt
        row = s.get(Complaint, c["id"])
        assert row.against_id is None  # the refused verify did not keep its 'against'


@pytest.mark.parametrize("call,error,match", [
    (lambda s, i: s.advance(i, "close", "chenjian"), InvalidInput, "unknown event 'close'"),
    (lambda s, i: s.advance(999, "verify", "chenjian"), NotFound, "#999"),
    (lambda s, i: s.advance(i, "verify", "ghost"), NotFound, "unknown person 'ghost'"),
    (lambda s, i: s.advance(i, "dismiss", "sunli", at=T0 - timedelta(hours=1)), InvalidInput, "before"),
    (lambda s, i: new(s, window="nope"), NotFound, "unknown window"),
    (lambda s, i: new(s, source="phone"), InvalidInput, "--source"),
    (lambda s, i: new(s, category="rude"), InvalidInput, "--category"),
    (lambda s, i: new(s, against="ghost"), NotFound, "ghost"),
    (lambda s, i: new(s, text="  "), InvalidInput, "--text"),
])
def test_bad_input_is_refused_and_nothing_written(svc, org_db, call, error, match):
    cid = new(svc)["id"]
    with org_db.reading() as s:
        before = (s.scalar(select(func.count()).select_from(Complaint)),
                  s.scalar(select(func.count()).select_from(ComplaintEvent)),
                  s.scalar(select(func.count()).select_from(Clock)))
    with pytest.raises(error, match=match):
        call(svc, cid)
    with org_db.reading() as s:
        after = (s.scalar(select(func.count()).select_from(Complaint)),
                 s.scalar(select(func.count()).select_from(ComplaintEvent)),
                 s.scalar(select(func.count()).select_from(Clock)))
    assert after == before


def test_stale_version_loses_with_conflict(svc, org_db, policy):
    c = new(svc)
    owner = c["owner"]
    # A second service reads the complaint, the first changes it, the second's write loses.
    with org_db.transaction() as s:
        row = s.get(Complaint, c["id"])
        seen_version = row.version
        svc.advance(c["id"], "dismiss", owner, "不成立", at(10))
        row.state = "verified"  # a write based on the stale read
        with pytest.raises(StaleDataError):
            s.flush()
        s.rollback()
    assert svc.get(c["id"])["state"] == "dismissed"
    assert svc.get(c["id"])["version"] == seen_version + 1


def test_a_change_committed_meanwhile_makes_the_slower_one_lose(svc, monkeypatch):
    """Deterministic interleaving: B commits between A's read and A's write."""
    import states.service as service_module

    c = new(svc)
    owner = c["owner"]
    original = service_module.check_time_order
    raced = []

    def other_supervisor_commits_first(row, when):
        if not raced:
            raced.append(True)
            svc.advance(c["id"], "dismiss", owner, "B wins", at(9))
        return original(row, when)

    monkeypatch.setattr(service_module, "check_time_order", other_supervisor_commits_first)
    with pytest.raises(Conflict, match="已被他人修改"):
        svc.advance(c["id"], "escalate", owner, "A loses", at(10))
    after = svc.get(c["id"])
    assert after["state"] == "dismissed"
    assert [h["note"] for h in after["history"]] == [after["history"][0]["note"], "B wins"]


def test_list_filters_state_and_overdue(svc):
    a, b = new(svc), new(svc, at=at(20))
    svc.advance(a["id"], "dismiss", a["owner"], None, at(25))
    assert [c["id"] for c in svc.list(state="received")] == [b["id"]]
    assert svc.list(overdue=True) == []             # now = 09:05: nothing due yet
    late = ComplaintService(svc.db, svc.policy, now=lambda: at(55).astimezone(UTC))
    assert [c["id"] for c in late.list(overdue=True)] == [b["id"]]  # b's respond due 09:50
    with pytest.raises(InvalidInput, match="--state"):
        svc.list(state="lost")


def test_intake_with_against_avoids_the_head_of_his_unit_too(svc):
    c = new(svc, window="inv-1", against="maliu")   # invoicing window, weighbridge clerk
    assert c["owner"] not in ("lizhu", "chenjian")  # chenjian would be first by name
    svc.advance(c["id"], "verify", c["owner"], None, at(10))


def test_a_window_on_the_business_calendar_counts_working_time_only(svc):
    # The sales hall (sc-1) keeps office hours in the sample: a Friday-evening complaint's
    # 30-minute respond clock runs from Monday's opening.
    friday_evening = datetime(2026, 11, 6, 17, 15, tzinfo=BUSINESS_TZ)  # closes at 17:30
    c = new(svc, window="sc-1", at=friday_evening)
    due = {k["name"]: k["due"] for k in c["clocks"]}
    assert due["respond"] == "2026-11-09T08:15:00+08:00"   # 15 min Friday + 15 min Monday
    assert new(svc, window="wb-1", at=friday_evening)["clocks"][0]["due"] == "2026-11-06T17:45:00+08:00"


def test_unknown_calendar_in_the_organisation_file_is_refused():
    from core.errors import OrgFileError
    from core.orgfile import parse_org
    from tests.conftest import SAMPLE_ORG

    bad = SAMPLE_ORG.read_text(encoding="utf-8").replace("calendar: business", "calendar: lunar")
    with pytest.raises(OrgFileError, match="unknown calendar 'lunar'"):
        parse_org(bad)


def test_acting_after_a_deadline_records_the_breach(svc, org_db, policy):
    """Late is late: verifying at 10:15 stops the respond clock as broken at 09:30 (its owner's
    inactivity), even though the clock watch never ran in between."""
    from scoring import result_to_json, score_month
    from scoring.facts import read_month_facts

    c = new(svc, against="lisi")
    c = svc.advance(c["id"], "verify", c["owner"], None, at(75))
    respond = next(k for k in c["clocks"] if k["name"] == "respond")
    assert (respond["state"], respond["ended"]) == ("broken", "2026-11-03T09:30:00+08:00")
    with org_db.reading() as s:
        result = result_to_json(score_month(read_month_facts(s, "2026-11"), policy))
    assert [ln["rule"] for ln in result["people"][c["owner"]]["lines"]] == ["inactivity"]


def test_nobody_acts_as_the_system_or_the_complainant(svc):
    from core.errors import Forbidden

    c = new(svc)
    for reserved in ("system", "complainant", "intake"):
        with pytest.raises(Forbidden, match="reserved"):
            svc.advance(c["id"], "escalate", reserved, None, at(5))


def test_a_verification_dated_in_a_published_month_is_refused(svc, org_db):
    from sqlalchemy import text as sql

    c = new(svc, against="lisi")
    with org_db.transaction() as s:
        s.execute(sql("INSERT INTO month_close (month, status, policy_version, facts_digest, result, drafts,"
                      " closed_by, closed_at) VALUES ('2026-11', 'published', 'v', 'd', '{}', 1, 'wuqing',"
                      " :at)"), {"at": at(0).astimezone(UTC).replace(tzinfo=None)})
    with pytest.raises(Refused, match="published"):
        svc.advance(c["id"], "verify", c["owner"], None, at(10))
