"""The label table (issue 13 item 1, core/labels.py): every code of the policy, the machines and the
sample organisation has a Chinese and an English label, and none of them is the code itself."""

from __future__ import annotations

import re
import typing

import pytest

from core import labels as L
from core.labels import Labels
from tests.conftest import ROOT

CJK = re.compile(r"[\u4e00-\u9fff]")
# A code a person would read as a code: it has an underscore, a hyphen or a digit, or is pinyin.
CODE_LIKE = re.compile(r"[_\-0-9:]")


def _sample_org() -> dict:
    """config/org.sample.yaml in the shape of core.orgservice.org_snapshot (no database)."""
    from core.orgfile import parse_org

    spec = parse_org((ROOT / "config/org.sample.yaml").read_text(encoding="utf-8"))
    return {"positions": {p.code: {"name": p.name} for p in spec.positions},
            "units": [{"code": u.code, "name": u.name, "windows": [{"code": w.code, "name": w.name}
                                                                   for w in u.windows]} for u in spec.units],
            "people": [{"id": p.id, "name": p.name} for p in spec.people]}


@pytest.fixture
def labels(policy) -> Labels:
    return Labels.build(policy, _sample_org())


def _policy_codes(policy) -> dict[str, set[str]]:
    from core.policy import BasePoints, Clocks, Source

    return {
        "category": set(BasePoints.model_fields),
        "source": set(typing.get_args(Source)) | set(policy.criticism.sources) | set(policy.worst.sources),
        "clock": {f.removesuffix("_minutes") for f in Clocks.model_fields
                  if f.endswith("_minutes") and f != "direct_escalation_wait_minutes"}
                 | {"spot_check", "appeal_review"} | {f"incident:{st.name}" for st in policy.incident.steps},
        "role": set(policy.star.eligible_roles),
        "calendar": set(typing.get_args(Clocks.model_fields["calendar"].annotation)),
    }


def _machine_codes() -> dict[str, set[str]]:
    from appeals import machine as appeal_machine
    from states import clocks, machine

    return {"state": set(machine.STATES), "event": set(machine.EVENTS), "appeal_state": set(appeal_machine.STATES),
            "appeal_event": set(appeal_machine.EVENTS),
            "clock_state": {clocks.RUNNING, clocks.STOPPED, clocks.REPLACED, clocks.BROKEN}}


def _assert_labelled(code: str, pair: tuple[str, str], *, named: str | None = None) -> None:
    zh, en = pair
    assert CJK.search(zh), f"{code}: no Chinese label ({zh!r})"
    assert en.strip(), f"{code}: no English label"
    if named is not None:  # the organisation's own name, in both languages
        assert pair == (named, named), code
    assert code not in (zh, en) or not CODE_LIKE.search(code), f"{code}: reads as its own code"


def test_every_code_of_the_policy_has_both_labels(labels, policy):
    kinds = _policy_codes(policy)
    assert kinds["clock"] >= {"respond", "on_site", "resolve", "escalation", "incident:investigated"}
    for kind, codes in kinds.items():
        for code in codes:
            pair = {"category": labels.category, "source": labels.source, "clock": labels.clock,
                    "role": labels.role, "calendar": labels.calendar}[kind](code)
            _assert_labelled(code, pair)
    assert labels.clock("incident:corrective_action") == ("整改措施", "corrective action")  # the policy's words


def test_every_code_of_the_machines_has_both_labels(labels):
    finders = {"state": labels.state, "event": labels.event, "appeal_state": labels.appeal_state,
               "appeal_event": labels.appeal_event, "clock_state": labels.clock_state}
    for kind, codes in _machine_codes().items():
        for code in codes:
            _assert_labelled(code, finders[kind](code))
    for code in ("receive", "break", "incident_open", "against", "incident:closed"):
        _assert_labelled(code, labels.event(code))
    for code in ("pending", "overdue", "missed", "done", "done_late"):
        _assert_labelled(code, labels.step_status(code))


def test_the_clock_and_state_words_are_the_users(labels):
    assert [labels.clock(c)[0] for c in ("respond", "on_site", "resolve")] == ["及时回复", "及时到场", "处理完毕"]
    assert [labels.clock_state(s)[0] for s in ("running", "broken", "stopped")] == ["计时中", "已超时", "已停止"]
    assert labels.category("attitude")[0] == "服务态度" and labels.source("customer")[0] == "客户投诉"


def test_every_code_of_the_sample_organisation_has_both_labels(labels):
    org = _sample_org()
    for code, p in org["positions"].items():
        _assert_labelled(code, labels.position(code), named=p["name"])
    for u in org["units"]:
        _assert_labelled(u["code"], labels.unit(u["code"]), named=u["name"])
        for w in u["windows"]:
            _assert_labelled(w["code"], labels.window(w["code"]), named=w["name"])
    for p in org["people"]:
        _assert_labelled(p["id"], labels.person(p["id"]), named=p["name"])
    assert labels.window("inv-1") == ("1号开票窗口", "1号开票窗口") and labels.unit("invoicing")[0] == "开票室"
    assert labels.person("chenjian")[0] == "陈建"
    assert len(labels.codes()["person"]) == len(org["people"])


def test_an_english_name_given_by_the_organisation_is_used(policy):
    labels = Labels.build(policy, {"units": [{"code": "gate", "name": "门卫", "name_en": "Gate house",
                                              "windows": [{"code": "gate-1", "name": "东大门"}]}]})
    assert labels.unit("gate") == ("门卫", "Gate house") and labels.window("gate-1") == ("东大门", "东大门")


def test_unknown_codes_read_as_themselves_and_nothing_as_none():
    labels = Labels.build()
    assert labels.window("zz-9") == ("zz-9", "zz-9") and labels.person(None) == L.UNKNOWN
    assert labels.person("system")[0].startswith("系统") and labels.clock("incident:gone")[0] == "质量事故步骤"


def test_a_speaker_answers_in_one_language(labels):
    zh, en = labels.in_lang("zh"), labels.in_lang("en")
    assert (zh.clock("respond"), en.clock("respond")) == ("及时回复", "reply")
    assert (zh.state("on_site"), en.state("on_site")) == ("已到场", "on site")
    assert L.both(labels.source("customer")) == "客户投诉 / customer complaint"
    assert L.both(labels.person("lisi")) == "李四"


def test_the_policys_other_versions_add_their_steps(policy):
    from core.policy import IncidentStep

    old = IncidentStep(name="reported_back", label="回访", hours=12)
    labels = Labels.build(policy, steps=[old])
    assert labels.clock("incident:reported_back") == ("回访", "回访") and "investigated" in labels.steps


def test_labels_of_reads_the_directory_leavers_included(org_db, policy):
    from core.orgservice import labels_of

    labels = labels_of(org_db, policy)
    assert labels.window("wb-1")[0] == "1号磅" and labels.person("maliu")[0] == "马六"
    assert set(labels.codes()["window"]) >= {"inv-1", "inv-2", "ld-1", "gate-1"}
