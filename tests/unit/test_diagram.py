"""The state diagram: drawn from the machine's table, the current state and its moves marked."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from core import labels
from states.diagram import state_diagram_svg
from states.machine import EVENT_LABELS, STATE_LABELS, TRANSITIONS, State

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if cls in (g.get("class") or "").split()]


def text_of(el: ET.Element) -> str:
    return " ".join(t.strip() for t in el.itertext() if t.strip())


def test_every_state_and_transition_is_drawn():
    root = parse(state_diagram_svg(None))
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 720 ")
    assert root.find(f"{NS}title").text.startswith("投诉处理流程")
    states = {g.get("data-state"): text_of(g) for g in groups(root, "state")}
    assert set(states) == {s.value for s in State}
    for name, text in states.items():
        assert STATE_LABELS[name] in text and labels.state(name)[1] in text
        assert name == labels.state(name)[1] or name not in text  # words, not the code (issue 13)
    edges = [(g.get("data-event"), g.get("data-source"), g.get("data-dest")) for g in groups(root, "edge")]
    assert sorted(edges) == sorted((t["trigger"], t["source"], t["dest"]) for t in TRANSITIONS)
    for g in groups(root, "edge"):
        ev = g.get("data-event")
        assert labels.event(ev)[1] in text_of(g) and EVENT_LABELS[ev] in text_of(g)
        assert ev not in text_of(g)


def test_none_current_marks_nothing():
    svg = state_diagram_svg(None, ["verify"])
    root = parse(svg)
    assert not groups(root, "current") and not groups(root, "allowed")
    assert "aria-current" not in svg and "当前 / current" not in root.find(f"{NS}title").text


@pytest.mark.parametrize("state", [s.value for s in State])
def test_current_state_is_highlighted(state):
    root = parse(state_diagram_svg(state))
    current = groups(root, "current")
    assert [g.get("data-state") for g in current] == [state]
    assert current[0].get("aria-current") == "step"
    assert "当前 / current" in text_of(current[0])
    assert STATE_LABELS[state] in root.find(f"{NS}title").text


def test_allowed_edges_from_the_current_state_only():
    root = parse(state_diagram_svg("escalated", ["verify", "arrive", "escalate"]))
    allowed = {(g.get("data-event"), g.get("data-source"), g.get("data-dest")) for g in groups(root, "allowed")}
    # verify also leaves received and on_site, arrive leaves verified: not from here, not marked
    assert allowed == {("verify", "escalated", "verified"), ("arrive", "escalated", "on_site"),
                       ("escalate", "escalated", "escalated")}
    assert "可操作 / allowed: 核实 / Verify, 到场 / Arrive on site, 升级 / Escalate" in root.find(f"{NS}title").text


def test_self_loop_allowed():
    root = parse(state_diagram_svg("on_site", ("verify", "resolve")))
    allowed = {(g.get("data-event"), g.get("data-dest")) for g in groups(root, "allowed")}
    assert allowed == {("verify", "on_site"), ("resolve", "resolved")}


def test_unknown_events_are_ignored_and_unknown_state_refused():
    root = parse(state_diagram_svg("received", ["<fly>"]))
    assert not groups(root, "allowed")
    with pytest.raises(ValueError, match="unknown state"):
        state_diagram_svg("<script>")


def test_no_ids_so_diagrams_can_share_a_page():
    assert " id=" not in state_diagram_svg("verified", ["arrive"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_page_in_one_language_draws_its_words_only(lang):
    """Issue 13: the console's diagram speaks the page's language; no code, no other language."""
    import re

    from core import labels

    svg = state_diagram_svg("escalated", ["verify", "arrive"], lang=lang)
    root = parse(svg)
    words = " ".join([root.find(f"{NS}title").text, *(t for el in root.iter(f"{NS}text") for t in el.itertext())])
    index = 0 if lang == "zh" else 1
    for state in (s.value for s in State):
        assert labels.state(state)[index] in words
    assert ("核实" in words) == (lang == "zh") and ("Verify" in words) == (lang == "en")
    assert bool(re.search(r"[A-Za-z]", words)) == (lang == "en")
    assert "on_site" not in words and ("当前" if lang == "zh" else "current") in words
