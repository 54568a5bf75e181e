"""A complaint rebuilt from its append-only history alone (the replay audit). Pure: no I/O.

Given the history rows (receive, the machine's events, the watch's breaks, the incident
procedure's steps) and the receipt facts (the window's calendar, the policy's clocks and
incident steps), :func:`replay` re-runs ``states.machine`` and ``states.clocks`` step by step
exactly as ``ComplaintService.receive_in/change_in/_apply``, ``ClockWatch.break_clock`` and
``IncidentService`` do, and returns what the complaint row and its clock rows should hold.

What the rules cannot decide, the history says: the owner after an escalation (the ladder is
directory data: the row's ``owner``), who the complaint is against and, on verify, the
reporting line that shares the penalty (the row's ``data``). A step the rules refuse or
contradict is noted in ``problems`` and the replay goes on from what the row recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.policy import Clocks, IncidentStep
from core.timeutil import local_iso
from states import clocks as rules
from states.machine import AGAINST, SYSTEM, TOP_LEVEL, Actor, Lifecycle, against_change_refusal, fire, refusal

INCIDENT = "incident:"  # the step clocks' and step events' prefix (states.incident.PREFIX)
BREAK = "break"  # the watch broke a clock with no rung to escalate to (states.watch)
# A person's rung is directory data the history does not keep; the service checked it then.
_RECORDED_RUNG = TOP_LEVEL + 1


@dataclass(frozen=True)
class Step:
    """One history row (``complaint_event``)."""

    event: str
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    note: str | None = None
    level: int = 0
    owner: str | None = None
    data: Mapping | None = None


@dataclass(frozen=True)
class Receipt:
    """What the history needs besides itself: where and under which clock rules."""

    received_at: datetime
    calendar: object  # a calendar name ("all_hours" | "business"), None (policy default) or a Calendar
    clocks: Clocks
    incident_steps: Sequence[IncidentStep] = ()


@dataclass
class ReplayedClock:
    name: str
    owner: str | None
    level: int
    started_at: datetime
    due_at: datetime
    state: str = rules.RUNNING
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Problem:
    """A history row the rules refuse or contradict: which row (0-based), what, recorded vs rules."""

    step: int
    event: str
    what: str
    recorded: object
    replayed: object


@dataclass
class Replayed:
    state: str | None = None
    owner: str | None = None
    level: int = 0
    against: str | None = None
    received_at: datetime | None = None
    verified_at: datetime | None = None
    arrived_at: datetime | None = None
    closed_at: datetime | None = None
    verified_supervisor: str | None = None
    verified_leader: str | None = None
    incident_status: str | None = None
    clocks: list[ReplayedClock] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Fields the history does not tell (rows written before events carried ``data``).
    unrecorded: set[str] = field(default_factory=set)


def replay(history: Sequence[Step], receipt: Receipt) -> Replayed:
    return _Replay(history, receipt).run()


def _calendar(receipt: Receipt):
    cal = receipt.calendar
    if cal is None or isinstance(cal, str):
        from core.calendar import calendar_for  # reads config/calendar.toml once, for "business"

        return calendar_for(cal or receipt.clocks.calendar)
    return cal


def _actor(step: Step) -> Actor:
    if step.actor == SYSTEM.id:
        return SYSTEM
    if step.actor == "complainant":
        return Actor(id="complainant", kind="complainant")
    return Actor(id=step.actor, kind="staff", rung=_RECORDED_RUNG)


class _Replay:
    def __init__(self, history: Sequence[Step], receipt: Receipt):
        self.history = list(history)
        self.receipt = receipt
        self.calendar = _calendar(receipt)
        self.out = Replayed(unrecorded={"against", "verified_supervisor", "verified_leader"})
        self.life = Lifecycle(state="received")

    def run(self) -> Replayed:
        if not self.history or self.history[0].event != "receive":
            self._problem(0, self.history[0].event if self.history else "-", "first step",
                          self.history[0].event if self.history else None, "receive")
            self._receive(Step("receive", None, "received", "intake", self.receipt.received_at), -1)
        for i, step in enumerate(self.history):
            if step.event == "receive":
                if i == 0:
                    self._receive(step, i)
                else:
                    self._problem(i, step.event, "event", "receive", "only the first step receives")
            elif step.event == "incident_open":
                self._incident_open(step, i)
            elif step.event.startswith(INCIDENT):
                self._incident_step(step, i)
            elif step.event == BREAK:
                self._break(step, i)
            elif step.event == AGAINST:
                self._name_against(step, i)
            else:
                self._machine(step, i)
        self.out.state, self.out.level = self.life.state, self.life.level
        self.out.owner = self.life.owner
        return self.out

    # ---- steps ------------------------------------------------------------------------------

    def _receive(self, step: Step, i: int) -> None:
        out, life = self.out, self.life
        out.received_at = step.at
        life.state, life.level, life.owner = "received", 0, step.owner
        self._take_against(step, i)
        self._check(i, step, "received", 0)
        for start in rules.on_receipt(step.at, step.owner, self.receipt.clocks, self.calendar):
            self._start(start, 0)

    def _name_against(self, step: Step, i: int) -> None:
        """The person complained about named or renamed: by whom, from whom (the service judged the
        complaint as it was and as it will be; the units a person heads are not in the history)."""
        data = step.data or {}
        if data.get("was") != self.life.against:
            self._problem(i, step.event, "against before", data.get("was"), self.life.against)
        reason = against_change_refusal(self.life, data.get("against"), None, _actor(step))
        if reason:
            self._problem(i, step.event, "refused", f"{data.get('was')} → {data.get('against')}", reason)
        self.life.against = self.out.against = data.get("against")
        self.out.unrecorded.discard("against")
        self._check(i, step, self.life.state, self.life.level)

    def _machine(self, step: Step, i: int) -> None:
        life, out = self.life, self.out
        self._take_against(step, i)
        if step.event == "escalate" and self._opens_incident(i):
            life.incident_open = True  # set before the escalation: it starts no escalation clock
        from_state = life.state
        if step.from_state != from_state:
            self._problem(i, step.event, "from", step.from_state, from_state)
        actor = _actor(step)
        if step.actor == SYSTEM.id and step.event == "escalate":
            self._break_clock(step, i)
        reason = refusal(life, step.event, actor)
        if reason:
            self._problem(i, step.event, "refused", f"{from_state} → {step.to_state}", reason)
            life.state, life.level = step.to_state, step.level  # go on from what was recorded
        else:
            fire(life, step.event, actor)
        if step.event == "escalate":
            life.owner = step.owner  # the ladder's holder then: directory data, in the row
        self._check(i, step, life.state, life.level)
        if step.event == "verify":
            out.verified_at, life.verified = step.at, True
            data = step.data or {}
            if "supervisor" in data or "leader" in data:
                out.verified_supervisor, out.verified_leader = data.get("supervisor"), data.get("leader")
                out.unrecorded -= {"verified_supervisor", "verified_leader"}
        elif step.event == "arrive":
            out.arrived_at, life.arrived = step.at, True
        elif step.event in ("resolve", "dismiss"):
            out.closed_at = step.at
        running = self._running()
        plan = rules.after_event(step.event, set(running), step.at, life.owner, self.receipt.clocks,
                                 self.calendar, incident_open=life.incident_open)
        for name in plan.stop | plan.replace:
            rules.end(running[name], rules.REPLACED if name in plan.replace else rules.STOPPED, step.at)
        if plan.new_owner:
            for name, k in running.items():
                if name not in plan.replace:
                    k.owner, k.level = plan.new_owner, life.level
        for start in plan.start:
            self._start(start, life.level)

    def _break(self, step: Step, i: int) -> None:
        """The watch broke a clock and had no rung to escalate to: recorded, nothing else."""
        self._break_clock(step, i)
        self._check(i, step, self.life.state, self.life.level)

    def _incident_open(self, step: Step, i: int) -> None:
        life, out = self.life, self.out
        if out.incident_status is not None:
            self._problem(i, step.event, "incident", out.incident_status, "opened once")
        life.incident_open, out.incident_status = True, "open"
        self._check(i, step, life.state, life.level)
        for k in self._running().values():
            if k.name in rules.REPLACED_BY_INCIDENT:
                rules.end(k, rules.REPLACED, step.at)
        for st in self.receipt.incident_steps:  # states.incident.step_plan
            self._start(rules.ClockStart(INCIDENT + st.name, life.owner, step.at,
                                         self.calendar.deadline(step.at, st.hours * 60)), life.level)

    def _incident_step(self, step: Step, i: int) -> None:
        name = step.event.removeprefix(INCIDENT)
        names = [st.name for st in self.receipt.incident_steps]
        if self.out.incident_status != "open" or name not in names:
            self._problem(i, step.event, "incident", self.out.incident_status, "no open step of that name")
        self._check(i, step, self.life.state, self.life.level)
        clock = next((k for k in reversed(self.out.clocks) if k.name == step.event), None)
        if clock is not None and clock.state == rules.RUNNING:  # a broken step stays broken
            if clock.due_at <= step.at:
                clock.state, clock.ended_at = rules.BROKEN, clock.due_at
            else:
                clock.state, clock.ended_at = rules.STOPPED, step.at
        if names and name == names[-1]:
            self.out.incident_status = "closed"
            self.life.incident_open = False

    # ---- helpers ----------------------------------------------------------------------------

    def _opens_incident(self, i: int) -> bool:
        """IncidentService.open escalates first, then records 'incident_open' at the same time."""
        nxt = self.history[i + 1] if i + 1 < len(self.history) else None
        return nxt is not None and nxt.event == "incident_open" and nxt.at == self.history[i].at

    def _break_clock(self, step: Step, i: int) -> None:
        """The clock the watch broke: named in the row, else the first due (the watch's order)."""
        running = self._running()
        name = (step.data or {}).get("clock")
        if name is not None:
            clock = running.get(name)
        else:
            due = [k for k in running.values() if k.due_at <= step.at]
            clock = min(due, key=lambda k: k.due_at, default=None)  # stable: creation order on ties
        if clock is None or clock.due_at > step.at:
            self._problem(i, step.event, "clock broken", name, "no running clock due")
            return
        # The watch breaks a complaint's clocks in due order, each at its deadline, however late it
        # runs (ClockWatch._catch_up): a clock due earlier and still running means a late watch
        # skipped a rung and charged the wrong owner.
        earlier = [k for k in running.values() if k.due_at < clock.due_at]
        if earlier:
            first = min(earlier, key=lambda k: k.due_at)
            self._problem(i, step.event, "broken out of due order", f"{clock.name} {local_iso(clock.due_at)}",
                          f"{first.name} {local_iso(first.due_at)} first")
        clock.state, clock.ended_at = rules.BROKEN, clock.due_at

    def _take_against(self, step: Step, i: int) -> None:
        """Who a row says the complaint is against. A change of a named person without its own
        'against' step is a problem (the guards would have judged the new name only); naming
        someone on a verify row is how rows were written before that step existed."""
        data = step.data
        if data is not None and "against" in data:
            if self.life.against is not None and data["against"] != self.life.against:
                self._problem(i, step.event, "against changed without its own step", data["against"],
                              self.life.against)
            self.life.against = self.out.against = data["against"]
            self.out.unrecorded.discard("against")
        elif data is None and self.life.against is None and step.event == "verify":
            self.life.against = "?"  # an old row without data: the service checked it was set

    def _check(self, i: int, step: Step, state: str, level: int) -> None:
        if step.to_state != state:
            self._problem(i, step.event, "to", step.to_state, state)
        if step.level != level:
            self._problem(i, step.event, "level", step.level, level)
        if step.event != "escalate" and step.owner != self.life.owner:
            self._problem(i, step.event, "owner", step.owner, self.life.owner)

    def _running(self) -> dict[str, ReplayedClock]:
        return {k.name: k for k in self.out.clocks if k.state == rules.RUNNING}

    def _start(self, start: rules.ClockStart, level: int) -> None:
        self.out.clocks.append(ReplayedClock(start.name, start.owner, level, start.started_at, start.due_at))

    def _problem(self, i: int, event: str, what: str, recorded, replayed) -> None:
        self.out.problems.append(Problem(i, event, what, recorded, replayed))
