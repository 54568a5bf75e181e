"""The appeal (申诉复核) life cycle as a `transitions` machine. Pure: no I/O, no clock.

    filed ──review──▶ under_review ──uphold──▶ upheld
                                    ──reject──▶ rejected
    filed / under_review ──escalate──▶ (same state, next rung reviews)   by the clock watch only

The reviewer acts, or anyone on a higher rung of the ladder; never the appellant nor a person
in conflict (his supervisor, the supervisor who verified the complaint behind the line).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from transitions import Machine

from core import labels
from core.ladder import TOP_LEVEL

STATES = ("filed", "under_review", "upheld", "rejected")
OPEN = frozenset({"filed", "under_review"})
# The Chinese words (core/labels.py holds both languages).
EVENT_LABELS = {event: labels.APPEAL_EVENT[event][0] for event in ("review", "uphold", "reject", "escalate")}
STATE_LABELS = {state: labels.APPEAL_STATE[state][0] for state in STATES}


@dataclass(frozen=True)
class Reviewer:
    id: str
    kind: str = "staff"  # staff | system (the clock watch)
    rung: int = 0


@dataclass
class AppealLife:
    state: str
    appellant: str
    reviewer: str | None
    level: int = 0
    conflicted: frozenset[str] = frozenset()
    events: list[str] = field(default_factory=list)


def not_the_appellant(a: AppealLife, who: Reviewer) -> str | None:
    return "申诉人不得复核自己的申诉 / nobody reviews his own appeal" if who.id == a.appellant else None


def not_conflicted(a: AppealLife, who: Reviewer) -> str | None:
    if who.id in a.conflicted:
        return ("直接主管或核实该投诉的监督员不得复核 / his supervisor or the supervisor who verified "
                "the complaint does not review")
    return None


def reviewer_or_higher(a: AppealLife, who: Reviewer) -> str | None:
    if who.kind == "staff" and (who.id == a.reviewer or who.rung > a.level):
        return None
    return f"仅复核人 {a.reviewer} 或更高层级可操作 / only the reviewer {a.reviewer} or a higher rung"


def system_only(a: AppealLife, who: Reviewer) -> str | None:
    return None if who.kind == "system" else "仅由时限检查升级 / only the clock watch escalates"


def below_top(a: AppealLife, who: Reviewer) -> str | None:
    return "已至董事长 / already at the chairman" if a.level >= TOP_LEVEL else None


DECIDE = [not_the_appellant, not_conflicted, reviewer_or_higher]
TRANSITIONS = [
    {"trigger": "review", "source": "filed", "dest": "under_review", "guards": DECIDE},
    {"trigger": "uphold", "source": "under_review", "dest": "upheld", "guards": DECIDE},
    {"trigger": "reject", "source": "under_review", "dest": "rejected", "guards": DECIDE},
    *[{"trigger": "escalate", "source": s, "dest": s, "guards": [system_only, below_top]} for s in sorted(OPEN)],
]
EVENTS = tuple(EVENT_LABELS)


def _condition(guard):
    return lambda ev: guard(ev.model, ev.kwargs["who"]) is None


def _bump(ev) -> None:
    ev.model.level += 1


_MACHINE = Machine(model=None, states=list(STATES), initial="filed", auto_transitions=False, send_event=True,
                   transitions=[{"trigger": t["trigger"], "source": t["source"], "dest": t["dest"],
                                 "conditions": [_condition(g) for g in t["guards"]],
                                 **({"before": _bump} if t["trigger"] == "escalate" else {})}
                                for t in TRANSITIONS])


def refusal(a: AppealLife, event: str, who: Reviewer) -> str | None:
    if event not in EVENTS:
        return f"未知操作 '{event}' / unknown event '{event}'"
    t = next((t for t in TRANSITIONS if t["trigger"] == event and t["source"] == a.state), None)
    if t is None:
        return f"状态 {a.state} 不允许 {event} / {event} is not allowed from {a.state}"
    return next((r for r in (g(a, who) for g in t["guards"]) if r), None)


def allowed(a: AppealLife, who: Reviewer) -> list[str]:
    return [e for e in EVENTS if refusal(a, e, who) is None]


def fire(a: AppealLife, event: str, who: Reviewer) -> str:
    reason = refusal(a, event, who)
    if reason:
        raise ValueError(reason)
    if not _MACHINE.events[event].trigger(a, who=who):
        raise ValueError(f"{event} refused from {a.state}")
    a.events.append(event)
    return a.state
