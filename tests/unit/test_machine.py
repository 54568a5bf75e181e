"""The complaint machine, pure: every transition allowed or refused, every guard."""

from __future__ import annotations

import pytest

from states.machine import (
    EVENTS,
    SYSTEM,
    TOP_LEVEL,
    TRANSITIONS,
    Actor,
    Lifecycle,
    against_change_refusal,
    allowed_events,
    fire,
    mermaid,
    not_the_accused,
    refusal,
)

OWNER = Actor("chen")
EXECUTOR = Actor("zhou", rung=1)
COMPLAINANT = Actor("complainant", kind="complainant")


def life(state: str, **kw) -> Lifecycle:
    base = dict(owner="chen", against="lisi", against_unit="weighbridge", level=0)
    if state in ("verified", "on_site", "resolved"):
        base["verified"] = True
    if state in ("on_site", "resolved"):
        base["arrived"] = True
    base.update(kw)
    return Lifecycle(state=state, **base)


# (state, event) → destination; every pair not listed is refused.
ALLOWED = {
    ("received", "verify"): "verified",
    ("received", "dismiss"): "dismissed",
    ("received", "escalate"): "escalated",
    ("verified", "arrive"): "on_site",
    ("verified", "escalate"): "escalated",
    ("on_site", "resolve"): "resolved",
    ("on_site", "escalate"): "escalated",
    ("escalated", "verify"): "verified",
    ("escalated", "arrive"): "on_site",
    ("escalated", "dismiss"): "dismissed",
    ("escalated", "escalate"): "escalated",
}
STATES = ["received", "verified", "on_site", "resolved", "escalated", "dismissed"]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("event", EVENTS)
def test_every_state_event_pair(state, event):
    c = life(state)
    expected = ALLOWED.get((state, event))
    if expected is None:
        reason = refusal(c, event, OWNER)
        assert reason, f"{event} from {state} should be refused"
        with pytest.raises(ValueError):
            fire(c, event, OWNER)
        assert c.state == state and c.level == 0
    else:
        assert fire(c, event, OWNER) == expected
        assert c.state == expected


def test_escalated_continues_where_the_complaint_stood():
    c = life("escalated", level=1, owner="zhou")
    # Example C: the new owner may come on site although nobody verified yet.
    assert allowed_events(c, EXECUTOR) == ["verify", "arrive", "dismiss", "escalate"]
    c = life("escalated", level=1, owner="zhou", verified=True)
    assert allowed_events(c, EXECUTOR) == ["arrive", "escalate"]  # verified: no dismissing any more
    assert "已到场" in refusal(life("escalated", owner="zhou", level=1, arrived=True), "arrive", EXECUTOR)
    c = life("escalated", level=1, owner="zhou", verified=True, arrived=True)
    assert allowed_events(c, EXECUTOR) == ["resolve", "escalate"]
    assert fire(c, "resolve", EXECUTOR) == "resolved"
    assert "须先到场" in refusal(life("escalated", owner="zhou", level=1, verified=True),
                                 "resolve", EXECUTOR)


def test_escalate_climbs_one_rung_and_stops_at_the_chairman():
    c = life("received")
    for level in range(1, TOP_LEVEL + 1):
        fire(c, "escalate", SYSTEM)
        assert (c.state, c.level) == ("escalated", level)
    assert "董事长" in refusal(c, "escalate", SYSTEM)
    with pytest.raises(ValueError):
        fire(c, "escalate", SYSTEM)
    assert c.level == TOP_LEVEL


def test_the_accused_never_acts():
    accused = Actor("lisi", rung=3)  # even holding a high rung
    for state in ("received", "verified", "on_site", "escalated"):
        for event in EVENTS:
            reason = refusal(life(state), event, accused)
            if any(t["source"] == state and t["trigger"] == event for t in TRANSITIONS):
                # a transition from here: refused for being the accused, before anything else
                assert reason == not_the_accused(life(state), accused), (state, event, reason)
                assert "被投诉人" in reason
            else:
                assert "不允许" in reason, (state, event, reason)


def test_only_the_owner_or_a_higher_rung_acts():
    c = life("received", level=0)
    assert "仅负责人" in refusal(c, "verify", Actor("qian"))
    assert refusal(c, "verify", EXECUTOR) is None        # rung 1 > level 0
    c = life("escalated", level=1, owner="bai")
    assert "仅负责人" in refusal(c, "verify", EXECUTOR)   # rung 1 is not above level 1
    assert refusal(c, "verify", Actor("dong", rung=3)) is None
    assert refusal(c, "verify", Actor("bai", rung=2)) is None


def test_supervisor_neither_verifies_nor_dismisses_against_staff_of_his_own_unit():
    head = Actor("chen", heads=frozenset({"weighbridge"}))
    for state in ("received", "escalated"):
        c = life(state, owner="chen")
        assert "本部门" in refusal(c, "verify", head)
        assert "本部门" in refusal(c, "dismiss", head)  # dismissing is judging it too
        assert "dismiss" not in allowed_events(c, head)
        other = life(state, owner="chen", against_unit="gate")
        assert refusal(other, "verify", head) is None and refusal(other, "dismiss", head) is None


def test_against_is_an_input_of_verify_not_part_of_the_state():
    c = life("received", against=None, against_unit=None)
    assert "against" in refusal(c, "verify", OWNER)  # firing verify needs a name ...
    # ... but the state allows verify: the form and --against ask for the name.
    assert allowed_events(c) == ["verify", "dismiss", "escalate"]
    assert allowed_events(c, OWNER) == ["verify", "dismiss", "escalate"]
    assert allowed_events(c, Actor("qian")) == []


def test_renaming_the_accused_is_judged_on_the_complaint_as_it_was_and_as_it_will_be():
    accused = Actor("zhou", rung=1)
    c = life("escalated", level=1, owner="zhou", against="zhou", against_unit="office")
    assert "被投诉人" in against_change_refusal(c, "lisi", "weighbridge", accused)  # the old name
    c = life("escalated", level=1, owner="zhou")
    assert "被投诉人" in against_change_refusal(c, "zhou", "office", accused)  # the new name
    head = Actor("chen", heads=frozenset({"weighbridge"}))
    c = life("received", owner="chen")  # against his own staff: he may not rename it away
    assert "本部门" in against_change_refusal(c, "guoqi", "gate", head)
    c = life("received", owner="chen", against="guoqi", against_unit="gate")  # nor onto his staff
    assert "本部门" in against_change_refusal(c, "lisi", "weighbridge", head)
    assert against_change_refusal(c, "linba", "gate", head) is None
    assert "仅负责人" in against_change_refusal(c, "linba", "gate", Actor("qian"))
    assert "核实后" in against_change_refusal(life("verified"), "wangwu", "weighbridge", OWNER)


def test_system_and_complainant_may_only_escalate():
    for actor in (SYSTEM, COMPLAINANT):
        assert allowed_events(life("received"), actor) == ["escalate"]
        assert allowed_events(life("on_site"), actor) == ["escalate"]


def test_unknown_event_is_refused_by_name():
    assert "unknown event 'close'" in refusal(life("received"), "close", OWNER)


def test_example_c_on_site_before_verification_can_still_verify():
    c = life("on_site", verified=False, level=1, owner="zhou")
    assert fire(c, "verify", EXECUTOR) == "on_site"
    assert "已核实" in refusal(life("on_site"), "verify", OWNER)


def test_a_verified_complaint_is_never_dismissed_and_an_open_incident_blocks_dismiss():
    assert "已核实" in refusal(life("escalated", verified=True), "dismiss", OWNER)
    assert "质量事故" in refusal(life("escalated", incident_open=True), "dismiss", OWNER)


def test_an_open_incident_blocks_resolve():
    c = life("on_site", incident_open=True)
    assert "质量事故" in refusal(c, "resolve", OWNER)
    assert refusal(life("on_site"), "resolve", OWNER) is None


def test_refusal_names_state_and_allowed_events_without_actor():
    assert allowed_events(life("verified")) == ["arrive", "escalate"]
    assert allowed_events(life("resolved")) == []


def test_mermaid_marks_the_current_state():
    text = mermaid("on_site")
    assert text.startswith("stateDiagram-v2")
    assert "received --> verified: verify" in text
    assert "class on_site current" in text
    assert "class" not in mermaid(None).split("dismissed --> [*]")[1]
