"""The replay of a complaint's history, pure: the worked examples of rules.md §3 rebuilt step by step."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from core.calendar import AllHours
from core.policy import load_policy
from core.timeutil import BUSINESS_TZ
from states.replay import Receipt, Step, replay

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=BUSINESS_TZ)
POLICY = load_policy()


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def hm(t: datetime | None) -> str | None:
    return None if t is None else t.astimezone(BUSINESS_TZ).strftime("%d %H:%M")


def receipt(calendar=None) -> Receipt:
    return Receipt(T0, calendar or AllHours(), POLICY.clocks, POLICY.incident.steps)


def received(owner="chenjian", against="lisi") -> Step:
    return Step("receive", None, "received", "intake", T0, level=0, owner=owner, data={"against": against})


def step(event, frm, to, actor, minutes, level=0, owner="chenjian", **data) -> Step:
    return Step(event, frm, to, actor, at(minutes), level=level, owner=owner, data={"against": "lisi", **data})


def clocks(r) -> list[tuple]:
    return [(k.name, k.owner, k.level, hm(k.started_at), hm(k.due_at), k.state, hm(k.ended_at)) for k in r.clocks]


def test_receipt_starts_the_three_clocks():
    r = replay([received()], receipt())
    assert (r.state, r.owner, r.level, r.against, r.received_at) == ("received", "chenjian", 0, "lisi", T0)
    assert clocks(r) == [("respond", "chenjian", 0, "03 09:00", "03 09:30", "running", None),
                         ("on_site", "chenjian", 0, "03 09:00", "03 11:00", "running", None),
                         ("resolve", "chenjian", 0, "03 09:00", "04 09:00", "running", None)]
    assert r.problems == [] and r.unrecorded == {"verified_supervisor", "verified_leader"}


def test_a_late_verify_ends_the_respond_clock_broken_at_its_deadline():
    r = replay([received(), step("verify", "received", "verified", "chenjian", 40,
                                 supervisor="chenjian", leader="wangzong")], receipt())
    assert (r.state, r.level, hm(r.verified_at)) == ("verified", 0, "03 09:40")
    assert (r.verified_supervisor, r.verified_leader) == ("chenjian", "wangzong")
    # Broken at 09:30 (the breach is a fact), not stopped at 09:40; no escalation by itself.
    assert clocks(r)[0] == ("respond", "chenjian", 0, "03 09:00", "03 09:30", "broken", "03 09:30")
    assert [k.state for k in r.clocks[1:]] == ["running", "running"]
    assert r.problems == []


def test_a_verify_in_time_stops_the_respond_clock():
    r = replay([received(), step("verify", "received", "verified", "chenjian", 20,
                                 supervisor="chenjian", leader="wangzong")], receipt())
    assert clocks(r)[0][-2:] == ("stopped", "03 09:20")


def example_c() -> list[Step]:
    """Received 09:00 by 陈; nobody acts; the watch breaks respond at 09:30 → 周 (level 1)."""
    return [received(),
            step("escalate", "received", "escalated", "system", 30, level=1, owner="zhouhua", clock="respond")]


def test_example_c_a_watch_break_escalates():
    r = replay(example_c(), receipt())
    assert (r.state, r.owner, r.level) == ("escalated", "zhouhua", 1)
    assert clocks(r) == [
        ("respond", "chenjian", 0, "03 09:00", "03 09:30", "broken", "03 09:30"),
        ("on_site", "chenjian", 0, "03 09:00", "03 11:00", "replaced", "03 09:30"),
        ("resolve", "zhouhua", 1, "03 09:00", "04 09:00", "running", None),  # changes hands
        ("escalation", "zhouhua", 1, "03 09:30", "03 11:30", "running", None),
    ]
    assert r.problems == []


def test_example_c_arrive_before_verify_then_resolve():
    history = example_c() + [
        step("arrive", "escalated", "on_site", "zhouhua", 140, level=1, owner="zhouhua"),
        step("verify", "on_site", "on_site", "zhouhua", 150, level=1, owner="zhouhua",
             supervisor="chenjian", leader="wangzong"),
        step("resolve", "on_site", "resolved", "zhouhua", 180, level=1, owner="zhouhua"),
    ]
    r = replay(history, receipt())
    assert (r.state, r.level, hm(r.arrived_at), hm(r.verified_at), hm(r.closed_at)) == (
        "resolved", 1, "03 11:20", "03 11:30", "03 12:00")
    assert [(k.name, k.state, hm(k.ended_at)) for k in r.clocks] == [
        ("respond", "broken", "03 09:30"), ("on_site", "replaced", "03 09:30"),
        ("resolve", "stopped", "03 12:00"), ("escalation", "stopped", "03 11:20")]
    assert r.problems == []


def test_example_c_when_the_executor_also_does_nothing():
    # An old row without data: the clock that broke is the first one due (the watch's order).
    history = example_c() + [Step("escalate", "escalated", "escalated", "system", at(150), level=2,
                                  owner="baihong", data=None)]
    r = replay(history, receipt())
    assert (r.owner, r.level) == ("baihong", 2)
    assert [(k.name, k.owner, k.level, k.state, hm(k.due_at)) for k in r.clocks[2:]] == [
        ("resolve", "baihong", 2, "running", "04 09:00"),
        ("escalation", "zhouhua", 1, "broken", "03 11:30"),
        ("escalation", "baihong", 2, "running", "03 13:30")]


def test_a_late_watch_escalates_at_the_latest_step():
    # Verified late at 11:10 (respond broken at 09:30); the watch comes at 11:15 and breaks the
    # on-site clock (due 11:00), escalating at 11:10: no step goes back in time.
    history = [received(), step("verify", "received", "verified", "chenjian", 130,
                                supervisor="chenjian", leader="wangzong"),
               step("escalate", "verified", "escalated", "system", 130, level=1, owner="zhouhua",
                    clock="on_site")]
    r = replay(history, receipt())
    assert clocks(r) == [
        ("respond", "chenjian", 0, "03 09:00", "03 09:30", "broken", "03 09:30"),
        ("on_site", "chenjian", 0, "03 09:00", "03 11:00", "broken", "03 11:00"),
        ("resolve", "zhouhua", 1, "03 09:00", "04 09:00", "running", None),
        ("escalation", "zhouhua", 1, "03 11:10", "03 13:10", "running", None)]
    assert r.problems == []


def test_a_clock_replaced_after_its_deadline_ends_broken():
    # The owner escalates by hand at 11:20: the on-site clock (due 11:00) is not "replaced" but broken.
    history = [received(), step("verify", "received", "verified", "chenjian", 130,
                                supervisor="chenjian", leader="wangzong"),
               step("escalate", "verified", "escalated", "chenjian", 140, level=1, owner="zhouhua")]
    r = replay(history, receipt())
    assert [(k.name, k.state, hm(k.ended_at)) for k in r.clocks] == [
        ("respond", "broken", "03 09:30"), ("on_site", "broken", "03 11:00"),
        ("resolve", "running", None), ("escalation", "running", None)]


def test_the_complainant_escalates_without_penalty():
    history = [received(), step("escalate", "received", "escalated", "complainant", 10, level=1,
                                owner="zhouhua")]
    r = replay(history, receipt())
    assert (r.state, r.owner, r.level) == ("escalated", "zhouhua", 1)
    assert [(k.name, k.state, hm(k.ended_at)) for k in r.clocks] == [
        ("respond", "replaced", "03 09:10"), ("on_site", "replaced", "03 09:10"),
        ("resolve", "running", None), ("escalation", "running", None)]
    assert clocks(r)[3][:5] == ("escalation", "zhouhua", 1, "03 09:10", "03 11:10")


def test_a_break_at_the_top_is_recorded_not_escalated():
    history = [received()]
    for minutes, level, owner, clock in ((30, 1, "zhouhua", "respond"), (150, 2, "baihong", "escalation"),
                                         (270, 3, "dongshi", "escalation")):
        prev = "received" if level == 1 else "escalated"
        history.append(step("escalate", prev, "escalated", "system", minutes, level=level, owner=owner, clock=clock))
    history.append(step("break", "escalated", "escalated", "system", 390, level=3, owner="dongshi",
                        clock="escalation"))
    r = replay(history, receipt())
    assert (r.state, r.level, r.owner) == ("escalated", 3, "dongshi")
    assert [(k.name, k.owner, k.state, hm(k.ended_at)) for k in r.clocks if k.name == "escalation"] == [
        ("escalation", "zhouhua", "broken", "03 11:30"), ("escalation", "baihong", "broken", "03 13:30"),
        ("escalation", "dongshi", "broken", "03 15:30")]
    assert r.problems == []


def test_the_incident_procedure_replaces_the_clocks_with_its_steps():
    history = [
        received(),
        step("escalate", "received", "escalated", "qianmin", 10, level=1, owner="zhouhua"),
        Step("incident_open", "escalated", "escalated", "qianmin", at(10), level=1, owner="zhouhua"),
        Step("incident:investigated", "escalated", "escalated", "zhouhua", at(60 * 25), level=1,
             owner="zhouhua"),  # late: 24 h
        Step("incident:corrective_action", "escalated", "escalated", "zhouhua", at(60 * 30), level=1,
             owner="zhouhua"),
        Step("incident:closed", "escalated", "escalated", "zhouhua", at(60 * 31), level=1, owner="zhouhua"),
    ]
    r = replay(history, receipt())
    assert r.incident_status == "closed" and r.problems == []
    # The escalation started no escalation clock: the procedure has its own time.
    assert [(k.name, k.owner, k.state) for k in r.clocks] == [
        ("respond", "zhouhua", "replaced"), ("on_site", "zhouhua", "replaced"), ("resolve", "zhouhua", "replaced"),
        ("incident:investigated", "zhouhua", "broken"), ("incident:corrective_action", "zhouhua", "stopped"),
        ("incident:closed", "zhouhua", "stopped")]
    assert hm(r.clocks[3].ended_at) == "04 09:10"  # at its deadline


def test_a_step_the_rules_refuse_is_reported_and_the_replay_goes_on():
    history = [received(), step("arrive", "received", "on_site", "chenjian", 10),
               step("resolve", "on_site", "resolved", "chenjian", 20)]
    r = replay(history, receipt())
    assert [(p.step, p.event, p.what) for p in r.problems] == [(1, "arrive", "refused")]
    assert r.state == "resolved" and hm(r.closed_at) == "03 09:20"


def test_a_recorded_state_the_machine_does_not_reach_is_reported():
    history = [received(), step("verify", "received", "on_site", "chenjian", 10)]
    r = replay(history, receipt())
    assert [(p.what, p.recorded, p.replayed) for p in r.problems] == [("to", "on_site", "verified")]


def test_the_accused_never_acts():
    history = [received(), step("verify", "received", "verified", "lisi", 10)]
    assert [p.what for p in replay(history, receipt()).problems] == ["refused"]


@pytest.mark.parametrize("name", ["all_hours", "business"])
def test_the_window_calendar_by_name(name):
    from core.calendar import calendar_for

    r = replay([received()], Receipt(T0, name, POLICY.clocks, POLICY.incident.steps))
    assert r.clocks[2].due_at == calendar_for(name).deadline(T0, POLICY.clocks.resolve_minutes)


def test_replaying_twice_gives_the_same_result_and_leaves_the_history_alone():
    history = example_c() + [step("arrive", "escalated", "on_site", "zhouhua", 140, level=1, owner="zhouhua")]
    before = list(history)
    assert replay(history, receipt()) == replay(history, receipt())
    assert history == before


def test_the_incident_step_plan_is_the_services():
    from states.incident import step_plan

    r = replay([received(), Step("incident_open", "received", "received", "chenjian", T0, owner="chenjian")],
               receipt())
    planned = step_plan(T0, "chenjian", POLICY.incident.steps, AllHours())
    assert [(k.name, k.due_at) for k in r.clocks[3:]] == [(p.name, p.due_at) for p in planned]


def named(actor, minutes, was, new, level=0, owner="chenjian", state="received") -> Step:
    return Step("against", state, state, actor, at(minutes), level=level, owner=owner,
                data={"against": new, "was": was})


def test_naming_the_accused_is_a_step_of_its_own():
    history = [received(against=None), named("chenjian", 10, None, "lisi"),
               step("verify", "received", "verified", "chenjian", 10, supervisor="chenjian", leader="wangzong")]
    r = replay(history, receipt())
    assert r.problems == [] and r.against == "lisi" and r.state == "verified"


def test_a_renamed_accused_without_its_step_is_reported():
    # The attack of issue 22: the accused verifies naming someone else in the same request.
    history = [received(against="zhouhua"),
               Step("verify", "received", "verified", "zhouhua", at(10), owner="chenjian",
                    data={"against": "lisi", "supervisor": "chenjian", "leader": "wangzong"})]
    r = replay(history, receipt())
    assert [p.what for p in r.problems] == ["against changed without its own step"]


def test_the_accused_renaming_himself_away_is_reported():
    history = [received(against="chenjian"), named("chenjian", 10, "chenjian", "lisi")]
    assert [(p.event, p.what) for p in replay(history, receipt()).problems] == [("against", "refused")]
    history = [received(against="lisi"), named("chenjian", 10, "wangwu", "maliu")]
    assert [p.what for p in replay(history, receipt()).problems] == ["against before"]


def test_a_late_watch_that_skips_a_rung_is_reported():
    """Issue 22.5: the resolve clock broken the next day while the executor's escalation clock
    (due 11:30) still ran: the rung between was skipped and the wrong owner charged."""
    history = example_c() + [step("escalate", "escalated", "escalated", "system", 60 * 24, level=2,
                                  owner="baihong", clock="resolve")]
    r = replay(history, receipt())
    assert [(p.event, p.what, p.replayed) for p in r.problems] == [
        ("escalate", "broken out of due order", "escalation 2026-11-03T11:30:00+08:00 first")]
