"""The complaint life cycle (rules.md §3) as a `transitions` machine. Pure: no I/O, no clock.

    received ──verify──▶ verified ──arrive──▶ on_site ──resolve──▶ resolved
    received / escalated ──dismiss──▶ dismissed
    received / verified / on_site / escalated ──escalate──▶ escalated (one rung up)
    escalated ──verify / arrive / resolve──▶ as above (arrive needs no verify: example C)

The table below is data; each transition lists its guards. A guard returns
``None`` when it passes or the one-line reason (Chinese / English) it refuses.
One shared machine drives short-lived :class:`Lifecycle` objects (measured
~8 µs a trigger, nothing kept alive).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING

from core import labels
from core.ladder import TOP_LEVEL

if TYPE_CHECKING:
    from transitions import Machine


class State(str, Enum):
    # Lower-case member names: `transitions` looks states up by member name.
    received = "received"
    verified = "verified"
    on_site = "on_site"
    resolved = "resolved"
    escalated = "escalated"
    dismissed = "dismissed"


# The Chinese words of the states and events (core/labels.py holds both languages).
STATE_LABELS = {state: zh for state, (zh, _) in labels.STATE.items()}
EVENT_LABELS = {event: zh for event, (zh, _) in labels.EVENT.items()}
EVENTS = tuple(EVENT_LABELS)
# Rows of the history that are not machine events: intake, the watch's breaks at the top, incidents,
# and naming (or renaming) the person complained about, a step of its own.
AGAINST = "against"
OTHER_HISTORY_LABELS = {event: zh for event, (zh, _) in labels.HISTORY.items()}
assert AGAINST in OTHER_HISTORY_LABELS
FINAL_STATES = frozenset({"resolved", "dismissed"})
STATES = tuple(s.value for s in State)
OPEN_STATES = frozenset(STATES) - FINAL_STATES


@dataclass(frozen=True)
class Actor:
    """Who asks for a change. ``rung``: 0, or 1 总执行 · 2 组长 · 3 董事长."""

    id: str
    kind: str = "staff"  # staff | system (clock watch) | complainant (tracking page)
    rung: int = 0
    heads: frozenset[str] = frozenset()  # units this person heads


SYSTEM = Actor(id="system", kind="system")


@dataclass
class Lifecycle:
    """What the guards look at; the machine moves ``state`` and ``level``."""

    state: str
    level: int = 0
    owner: str | None = None
    against: str | None = None
    against_unit: str | None = None
    verified: bool = False
    arrived: bool = False
    incident_open: bool = False
    events: list[str] = field(default_factory=list)


Guard = Callable[[Lifecycle, Actor], "str | None"]


def not_the_accused(c: Lifecycle, a: Actor) -> str | None:
    if a.kind == "staff" and a.id == c.against:
        return "被投诉人不得处理本投诉 / the person complained about never acts on the complaint"
    return None


def owner_or_higher(c: Lifecycle, a: Actor) -> str | None:
    if a.kind != "staff":
        return f"仅负责人可操作 / only the owner may do this (not {a.kind})"
    if a.id == c.owner or a.rung > c.level:
        return None
    return f"仅负责人 {c.owner} 或更高层级可操作 / only the owner {c.owner} or a higher rung acts"


def may_escalate(c: Lifecycle, a: Actor) -> str | None:
    # The clock watch and the complainant (seed 二.6) may escalate, besides the owner.
    return None if a.kind in ("system", "complainant") else owner_or_higher(c, a)


def against_set(c: Lifecycle, a: Actor) -> str | None:
    return None if c.against else "核实前须指定被投诉人 / set 'against' before verify"


def no_conflict_of_interest(c: Lifecycle, a: Actor) -> str | None:
    if c.against_unit and c.against_unit in a.heads:
        return ("监督员不得处理本部门员工的投诉 / a supervisor does not verify or dismiss a complaint "
                "against staff of the unit he heads")
    return None


def not_yet_verified(c: Lifecycle, a: Actor) -> str | None:
    return "投诉已核实 / already verified" if c.verified else None


def not_yet_arrived(c: Lifecycle, a: Actor) -> str | None:
    return "已到场 / already on site" if c.arrived else None


def arrived_first(c: Lifecycle, a: Actor) -> str | None:
    return None if c.arrived else "须先到场 / arrive on site first"


def no_open_incident(c: Lifecycle, a: Actor) -> str | None:
    if c.incident_open:
        return "质量事故处理程序未结案 / the quality-incident procedure is still open"
    return None


def below_top(c: Lifecycle, a: Actor) -> str | None:
    if c.level >= TOP_LEVEL:
        return "已至董事长，无法再升级 / already at the chairman: no higher rung"
    return None


ACT = [not_the_accused, owner_or_higher]

TRANSITIONS: list[dict] = [
    {"trigger": "verify", "source": "received", "dest": "verified",
     "guards": [*ACT, against_set, no_conflict_of_interest]},
    {"trigger": "verify", "source": "escalated", "dest": "verified",
     "guards": [*ACT, not_yet_verified, against_set, no_conflict_of_interest]},
    {"trigger": "arrive", "source": "verified", "dest": "on_site", "guards": ACT},
    # Example C of rules.md: the new owner may come on site before anyone verified.
    {"trigger": "arrive", "source": "escalated", "dest": "on_site",
     "guards": [*ACT, not_yet_arrived]},
    {"trigger": "resolve", "source": "on_site", "dest": "resolved", "guards": [*ACT, no_open_incident]},
    {"trigger": "resolve", "source": "escalated", "dest": "resolved",
     "guards": [*ACT, arrived_first, no_open_incident]},
    # Dismissing is judging the complaint, as verifying is: never by the head of the accused's unit.
    {"trigger": "dismiss", "source": "received", "dest": "dismissed",
     "guards": [*ACT, no_conflict_of_interest]},
    # Only an unverified complaint is dismissed (as from received); an open incident first closes.
    {"trigger": "dismiss", "source": "escalated", "dest": "dismissed",
     "guards": [*ACT, not_yet_verified, no_open_incident, no_conflict_of_interest]},
    # Example C: came on site before anyone verified; verifying now keeps him on site.
    {"trigger": "verify", "source": "on_site", "dest": "on_site",
     "guards": [*ACT, not_yet_verified, against_set, no_conflict_of_interest]},
    *[{"trigger": "escalate", "source": s, "dest": "escalated",
       "guards": [not_the_accused, may_escalate, below_top]}
      for s in ("received", "verified", "on_site", "escalated")],
]


def _transition_for(state: str, event: str) -> dict | None:
    return next((t for t in TRANSITIONS if t["trigger"] == event and t["source"] == state), None)


def _condition(guard: Guard) -> Callable:
    return lambda ev: guard(ev.model, ev.kwargs["actor"]) is None


def _bump_level(ev) -> None:
    ev.model.level += 1


@cache
def _machine() -> Machine:
    """The machine, built on the first change (a read never loads ``transitions``)."""
    from transitions import Machine

    spec = []
    for t in TRANSITIONS:
        item = {k: t[k] for k in ("trigger", "source", "dest")}
        item["conditions"] = [_condition(g) for g in t["guards"]]
        if t["trigger"] == "escalate":
            item["before"] = _bump_level
        spec.append(item)
    return Machine(model=None, states=State, transitions=spec, initial=State.received,
                   auto_transitions=False, send_event=True)


def refusal(c: Lifecycle, event: str, actor: Actor | None) -> str | None:
    """Why ``event`` is refused now, or None when it is allowed.

    ``actor=None`` checks only what the complaint itself allows (for listings).
    """
    if event not in EVENTS:
        return f"未知操作 '{event}' / unknown event '{event}'"
    t = _transition_for(c.state, event)
    if t is None:
        return f"状态 {c.state} 不允许 {event} / {event} is not allowed from {c.state}"
    for guard in t["guards"]:
        if actor is None and guard in (not_the_accused, owner_or_higher, may_escalate,
                                       no_conflict_of_interest):
            continue
        reason = guard(c, actor)
        if reason:
            return reason
    return None


# Who the complaint is against is an input of verify (the form and --against ask for it), not
# part of the state: a complaint naming nobody yet still allows verify.
_TO_BE_NAMED = "?"


def allowed_events(c: Lifecycle, actor: Actor | None = None) -> list[str]:
    """The events this state allows; with ``actor``, those he may fire now."""
    probe = c if c.against else replace(c, against=_TO_BE_NAMED)
    return [e for e in EVENTS if refusal(probe, e, actor) is None]


def against_change_refusal(c: Lifecycle, against: str, against_unit: str | None,
                           actor: Actor) -> str | None:
    """Why ``actor`` may not name ``against`` as the person complained about, or None.

    Judged on the complaint as it was and as it will be: neither the accused, old or new, nor the
    head of either's unit renames; only the owner or a higher rung, and only before verification
    (the reporting line that shares the penalty is fixed then)."""
    if c.verified:
        return "核实后不可更改被投诉人 / 'against' is fixed once verified"
    renamed = replace(c, against=against, against_unit=against_unit)
    for life in (c, renamed):
        for guard in (not_the_accused, no_conflict_of_interest):
            reason = guard(life, actor)
            if reason:
                return reason
    return owner_or_higher(c, actor)


def fire(c: Lifecycle, event: str, actor: Actor) -> str:
    """Apply ``event``; return the new state. Raises ``ValueError`` with the reason if refused."""
    reason = refusal(c, event, actor)
    if reason:
        raise ValueError(reason)
    before = c.state
    if not _machine().events[event].trigger(c, actor=actor):  # guards re-checked by the machine
        raise ValueError(f"{event} refused from {before}")
    c.state = State(c.state).value  # the machine sets enum members; rows keep plain text
    c.events.append(event)
    return c.state


def mermaid(current: str | None = None) -> str:
    """The machine as a Mermaid state diagram, the current state marked."""
    lines = ["stateDiagram-v2", "    [*] --> received"]
    for t in TRANSITIONS:
        label = f"{t['trigger']} {EVENT_LABELS[t['trigger']]}"
        lines.append(f"    {t['source']} --> {t['dest']}: {label}")
    lines += ["    resolved --> [*]", "    dismissed --> [*]"]
    if current:
        lines += ["    classDef current fill:#f96,stroke:#c30,stroke-width:3px",
                  f"    class {current} current"]
    return "\n".join(lines)
