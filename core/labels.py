"""Every word a person reads for an internal code, Chinese first, English when he switches.

One place (issue 13 item 1): pages, messages, the notice, the workbook and the CLI's readable
output name windows, units, positions, people, categories, sources, clocks, states and events
from here; ``--json`` and the API keep the codes. The fixed tables name what the code defines
(the complaint and appeal machines, the clocks, the policy's categories and sources, the roles of
core/glossary.py); :class:`Labels` adds what the data names: the organisation's windows, units,
positions and people, and the policy's incident steps, built from the rows passed in (pure: no
database, no clock; ``core.orgservice.labels_of`` reads them).

A name the organisation gives (1号开票窗口, 陈建) is the same in both languages: nobody translates a
person's or a window's name. An unknown code reads as itself (nothing is invented); the label scan
(tests/web/test_label_scan.py) keeps any code from reaching a page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from core.glossary import CRITICISM, ROLES, RUNGS

Pair = tuple[str, str]  # (Chinese, English)

# ---- what the code defines ---------------------------------------------------------------------

# The complaint's states (states/machine.py).
STATE: dict[str, Pair] = {
    "received": ("已受理", "received"), "verified": ("已核实", "verified"), "on_site": ("已到场", "on site"),
    "resolved": ("已处理", "resolved"), "escalated": ("已升级", "escalated"), "dismissed": ("不成立", "dismissed"),
}
# The complaint's events, as an action is named on its button (states/machine.py).
EVENT: dict[str, Pair] = {
    "verify": ("核实", "Verify"), "arrive": ("到场", "Arrive on site"), "resolve": ("处理完毕", "Resolve"),
    "dismiss": ("驳回", "Dismiss"), "escalate": ("升级", "Escalate"),
}
# Rows of a complaint's history that are not machine events.
HISTORY: dict[str, Pair] = {
    "receive": ("受理", "Received"), "break": ("超时（已至最高层级）", "Deadline missed (top rung)"),
    "incident_open": ("质量事故上报", "Quality incident reported"),
    "against": ("指定被投诉人", "Person complained about named"),
}
# The clocks (states/clocks.py, the spot checks, the appeals); an incident step is a clock too
# ("incident:<step>", its label from the policy).
CLOCK: dict[str, Pair] = {
    "respond": ("及时回复", "reply"),
    "on_site": ("及时到场", "arrival on site"),
    "resolve": ("处理完毕", "resolution"),
    "escalation": ("升级处理", "escalation"),
    "spot_check": ("按时抽查", "spot check"),
    "appeal_review": ("申诉复核", "appeal review"),
}
INCIDENT_PREFIX = "incident:"
CLOCK_STATE: dict[str, Pair] = {
    "running": ("计时中", "running"), "stopped": ("已停止", "stopped in time"),
    "replaced": ("已转交", "handed on"), "broken": ("已超时", "missed"),
}
# An incident step's status and the procedure's (states/incident.py).
STEP_STATUS: dict[str, Pair] = {
    "pending": ("待完成", "to do"), "overdue": ("已超时", "overdue"), "missed": ("已逾期", "missed"),
    "done": ("已完成", "done"), "done_late": ("逾期完成", "done late"),
}
INCIDENT_STATUS: dict[str, Pair] = {"open": ("进行中", "in progress"), "closed": ("结案", "closed")}
# The appeal (申诉复核) machine (appeals/machine.py).
APPEAL_STATE: dict[str, Pair] = {
    "filed": ("已提交", "filed"), "under_review": ("复核中", "under review"),
    "upheld": ("申诉成立", "upheld"), "rejected": ("已驳回", "rejected"),
}
APPEAL_EVENT: dict[str, Pair] = {
    "file": ("提交申诉", "Appeal filed"), "review": ("受理复核", "Review taken up"),
    "uphold": ("申诉成立", "Uphold"), "reject": ("驳回申诉", "Reject"), "escalate": ("升级", "Escalated"),
}
# The policy's categories and sources (core/policy.py).
CATEGORY: dict[str, Pair] = {
    "attitude": ("服务态度", "service attitude"), "dispute": ("争执", "dispute"), "other": ("其他", "other matter"),
}
SOURCE: dict[str, Pair] = {
    "customer": ("客户投诉", "customer complaint"),
    "coordination": ("部门协调投诉", "coordination complaint"),
    "spot_check": ("抽查发现", "spot-check finding"),
}
# A window's clock calendar (organisation file, windows[].calendar).
CALENDAR: dict[str, Pair] = {"all_hours": ("全天计时", "around the clock"), "business": ("工作时间", "working hours")}
# A month's result (scoring/models.py).
MONTH_STATUS: dict[str, Pair] = {"draft": ("草稿", "draft"), "published": ("已公布", "published")}
# The rules of the ledger (scoring/rules.py): a line's rule by name.
RULE: dict[str, Pair] = {
    "complaint.person": ("投诉扣分", "Complaint"),
    "complaint.supervisor": ("主管连带", "Supervisor's joint penalty"),
    "complaint.leader": ("领导连带", "Leader's joint penalty"),
    "inactivity": ("监管不作为", "Supervisor inactivity"),
    "criticism": CRITICISM,
    "worst.fine": ("服务最差罚款", "Worst-rated fine"),
    "dismissal": ("建议辞退", "Dismissal recommended"),
    "star.reward": ("服务明星奖励", "Star reward"),
    "adjustment": ("更正", "Adjustment"),
}
# A message of the outbox (notifications/models.py) and a spot check (states/spotcheck_models.py).
OUTBOX_STATUS: dict[str, Pair] = {"pending": ("待发送", "waiting"), "sending": ("发送中", "sending"),
                                  "sent": ("已发送", "sent"), "dead": ("发送失败", "failed")}
SPOT_CHECK_STATUS: dict[str, Pair] = {"planned": ("待抽查", "planned"), "done": ("已抽查", "checked"),
                                      "missed": ("逾期未查", "missed")}
# Who acts when no person does.
ACTORS: dict[str, Pair] = {"system": ("系统（时限检查）", "the system (clock watch)"),
                           "complainant": ("投诉人", "the complainant"), "intake": ("系统受理", "the intake")}

UNKNOWN: Pair = ("—", "—")

TABLES: dict[str, Mapping[str, Pair]] = {
    "state": STATE, "event": EVENT, "history": HISTORY, "clock": CLOCK, "clock_state": CLOCK_STATE,
    "step_status": STEP_STATUS, "incident_status": INCIDENT_STATUS, "appeal_state": APPEAL_STATE,
    "appeal_event": APPEAL_EVENT, "category": CATEGORY, "source": SOURCE, "calendar": CALENDAR,
    "month_status": MONTH_STATUS, "role": ROLES, "rule": RULE, "outbox_status": OUTBOX_STATUS,
    "spot_check_status": SPOT_CHECK_STATUS,
}


def both(pair: Pair, sep: str = " / ") -> str:
    """'及时回复 / reply': Chinese first (the CLI, the notice, messages)."""
    return pair[0] if pair[0] == pair[1] else f"{pair[0]}{sep}{pair[1]}"


def one_language(text: str, lang: str) -> str:
    """A text the system wrote in both languages ('已上报 / reported', a clock watch's note) in
    the page's one: the half before the first ' / ' if it is Chinese, else the text as it is."""
    zh, sep, en = text.partition(" / ")
    if not sep or not any("\u4e00" <= ch <= "\u9fff" for ch in zh):
        return text
    return en if lang == "en" else zh


def _lookup(table: Mapping[str, Pair], code: str | None) -> Pair:
    if code is None or code == "":
        return UNKNOWN
    return table.get(code, (code, code))


def state(code: str | None) -> Pair:
    return _lookup(STATE, code)


def event(code: str | None) -> Pair:
    """A machine event or any other row of a complaint's history (incident steps: Labels.event)."""
    return _lookup(HISTORY if code in HISTORY else EVENT, code)


def category(code: str | None) -> Pair:
    return _lookup(CATEGORY, code)


def source(code: str | None) -> Pair:
    return _lookup(SOURCE, code)


def clock_state(code: str | None) -> Pair:
    return _lookup(CLOCK_STATE, code)


def appeal_state(code: str | None) -> Pair:
    return _lookup(APPEAL_STATE, code)


def appeal_event(code: str | None) -> Pair:
    return _lookup(APPEAL_EVENT, code)


def role(code: str | None) -> Pair:
    return _lookup(ROLES, code)


def rule(code: str | None) -> Pair:
    return _lookup(RULE, code)


def outbox_status(code: str | None) -> Pair:
    return _lookup(OUTBOX_STATUS, code)


def spot_check_status(code: str | None) -> Pair:
    return _lookup(SPOT_CHECK_STATUS, code)


def rung(level: int) -> Pair:
    return RUNGS.get(level, (f"第{level}级", f"rung {level}"))


# ---- what the data names -----------------------------------------------------------------------

def _frozen(d: dict) -> Mapping[str, Pair]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class Labels:
    """The labels of one organisation under one policy. Build it with :meth:`build`."""

    windows: Mapping[str, Pair] = field(default_factory=dict)
    units: Mapping[str, Pair] = field(default_factory=dict)
    positions: Mapping[str, Pair] = field(default_factory=dict)
    people: Mapping[str, Pair] = field(default_factory=dict)
    steps: Mapping[str, Pair] = field(default_factory=dict)  # incident step name → label

    @classmethod
    def build(cls, policy=None, org: Mapping | None = None, *, steps: Iterable = ()) -> Labels:
        """From a :class:`core.policy.Policy` (its incident steps; ``steps`` adds those of other
        versions) and an organisation snapshot (``core.orgservice.org_snapshot``'s shape, inactive
        rows included so that old complaints keep their names)."""
        step_labels: dict[str, Pair] = {}
        for st in [*steps, *(policy.incident.steps if policy is not None else ())]:
            step_labels[st.name] = (st.label, st.label_en or st.label)
        windows, units, positions, people = {}, {}, {}, {}
        if org:
            for code, p in (org.get("positions") or {}).items():
                positions[code] = _named(p.get("name"), p.get("name_en"), code)
            for u in org.get("units") or ():
                units[u["code"]] = _named(u.get("name"), u.get("name_en"), u["code"])
                for w in u.get("windows") or ():
                    windows[w["code"]] = _named(w.get("name"), w.get("name_en"), w["code"])
            for p in org.get("people") or ():
                people[p["id"]] = _named(p.get("name"), p.get("name_en"), p["id"])
        return cls(_frozen(windows), _frozen(units), _frozen(positions), _frozen(people), _frozen(step_labels))

    # -- one kind each; every answer is a (zh, en) pair --
    def window(self, code: str | None) -> Pair:
        return _lookup(self.windows, code)

    def unit(self, code: str | None) -> Pair:
        return _lookup(self.units, code)

    def position(self, code: str | None) -> Pair:
        return _lookup(self.positions, code)

    def person(self, person_id: str | None) -> Pair:
        if person_id in ACTORS:
            return ACTORS[person_id]
        return _lookup(self.people, person_id)

    def clock(self, name: str | None) -> Pair:
        """respond → 及时回复; ``incident:investigated`` → the policy's step label."""
        if name and name.startswith(INCIDENT_PREFIX):
            return self.step(name.removeprefix(INCIDENT_PREFIX))
        return _lookup(CLOCK, name)

    def step(self, name: str | None) -> Pair:
        if name in self.steps:
            return self.steps[name]
        return ("质量事故步骤", "incident step") if name else UNKNOWN

    def event(self, code: str | None) -> Pair:
        """Any row of a complaint's history; an incident step's row reads 质量事故：<its label>."""
        if code and code.startswith(INCIDENT_PREFIX):
            zh, en = self.step(code.removeprefix(INCIDENT_PREFIX))
            return f"质量事故：{zh}", f"Quality incident: {en}"
        return event(code)

    state = staticmethod(state)
    category = staticmethod(category)
    source = staticmethod(source)
    clock_state = staticmethod(clock_state)
    appeal_state = staticmethod(appeal_state)
    appeal_event = staticmethod(appeal_event)
    role = staticmethod(role)
    rung = staticmethod(rung)
    rule = staticmethod(rule)
    outbox_status = staticmethod(outbox_status)
    spot_check_status = staticmethod(spot_check_status)

    def step_status(self, code: str | None) -> Pair:
        return _lookup(STEP_STATUS, code)

    def incident_status(self, code: str | None) -> Pair:
        return _lookup(INCIDENT_STATUS, code)

    def calendar(self, code: str | None) -> Pair:
        return _lookup(CALENDAR, code)

    def month_status(self, code: str | None) -> Pair:
        return _lookup(MONTH_STATUS, code)

    def in_lang(self, lang: str) -> Speaker:
        return Speaker(self, 1 if lang == "en" else 0)

    def codes(self) -> dict[str, set[str]]:
        """Every internal code a person must never read, by kind (the label scan's list)."""
        found = {kind: set(table) for kind, table in TABLES.items()}
        found |= {"window": set(self.windows), "unit": set(self.units), "position": set(self.positions),
                  "person": set(self.people), "step": set(self.steps)}
        found["clock"] |= {INCIDENT_PREFIX + s for s in self.steps}
        return found


@dataclass(frozen=True)
class Speaker:
    """The labels in one language, for a page: ``L.window('inv-1')`` → '1号开票窗口'."""

    labels: Labels
    index: int  # 0 Chinese, 1 English

    def __getattr__(self, kind: str):
        find = getattr(self.labels, kind)
        return lambda code, *args: find(code, *args)[self.index]


def _named(name: str | None, name_en: str | None, code: str) -> Pair:
    zh = (name or "").strip() or code
    return zh, (name_en or "").strip() or zh


__all__ = ["ACTORS", "APPEAL_EVENT", "APPEAL_STATE", "CALENDAR", "CATEGORY", "CLOCK", "CLOCK_STATE", "CRITICISM",
           "EVENT", "HISTORY", "INCIDENT_STATUS", "Labels", "MONTH_STATUS", "OUTBOX_STATUS", "Pair", "ROLES", "RULE",
           "RUNGS", "SOURCE", "SPOT_CHECK_STATUS", "STATE", "STEP_STATUS", "Speaker", "TABLES", "both",
           "one_language"]
