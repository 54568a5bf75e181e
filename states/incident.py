"""The quality-incident procedure (seed 二.5, rules.md §3).

A request the window cannot solve is reported: the complaint climbs one rung
(the report goes up), and the policy's steps start, each a clock due a number
of hours after the report. The clock watch breaks missed steps like any other
clock (penalty to the owner, one rung up). Steps are completed in order by the
owner or a higher rung; the last one closes the procedure, and only then can
the complaint be resolved.

The CLI, the console and the API reach it alike: ``open`` (``complaint advance ID escalate
--reason incident`` is the same request, see :func:`incident_requested`), ``complete``,
``show`` and ``allowed_for`` (what this person may do now: the page's buttons).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.errors import Conflict, InvalidInput, Refused
from core.org import Window, names_of
from core.policy import IncidentStep as StepPolicy
from core.timeutil import as_utc, local_iso
from core.validation import check_note
from states.clocks import BROKEN, REPLACED, REPLACED_BY_INCIDENT, RUNNING, STOPPED, ClockStart, end
from states.events import IncidentStep
from states.machine import FINAL_STATES, TOP_LEVEL, not_the_accused, owner_or_higher, refusal
from states.models import Clock, Complaint, ComplaintEvent
from states.service import ComplaintService
from states.unit_of_work import check_time_order, clock_row, load_complaint, staff_actor
from states.views import lifecycle_of

PREFIX = "incident:"
REASON = "incident"  # complaint advance ID escalate --reason incident
OPEN = "open"  # what allowed_for offers before the procedure starts


def incident_requested(event: str, reason: str | None, against: str | None) -> bool:
    """Whether an advance with ``--reason`` asks for the procedure: only ``escalate --reason
    incident``, and never with ``--against`` (the accused is named when verifying)."""
    if reason is None:
        return False
    if reason != REASON or event != "escalate":
        raise InvalidInput(f"--reason: '{reason}' only 'incident' with escalate 仅支持 escalate --reason incident")
    if against is not None:
        raise InvalidInput("--against: set it with verify, not with an incident report 请在核实时指定被投诉人")
    return True


def step_plan(at: datetime, owner: str | None, steps: list[StepPolicy], calendar) -> list[ClockStart]:
    """Each step due so many hours after the report, counted on the window's calendar."""
    return [ClockStart(PREFIX + st.name, owner, at, calendar.deadline(at, st.hours * 60)) for st in steps]


class IncidentService:
    def __init__(self, service: ComplaintService):
        self.service = service
        self.steps = service.policy.incident.steps

    def open(self, complaint_id: int, actor: str, note: str | None = None,
             at: datetime | None = None) -> dict:
        """Report the incident: escalate one rung (if any is left) and start the steps."""
        svc = self.service
        at = as_utc(at) if at else svc.now()
        check_note("--note", note, svc.note_max_chars)
        with svc.db.transaction() as s:
            c = load_complaint(s, complaint_id)
            who = staff_actor(s, actor)
            check_time_order(c, at)
            if c.incident_status is not None:
                raise Refused(f"#{c.id}: the incident procedure is already {c.incident_status} "
                              "质量事故程序已启动", state=c.state)
            if c.state in FINAL_STATES:
                raise Refused(f"#{c.id} {c.state}: closed complaints open no incident 已结案", state=c.state)
            reason = f"质量事故：窗口无法解决，上报处理 / quality incident reported{': ' + note if note else ''}"
            c.incident_status = "open"  # before the escalation: it starts no escalation clock then
            if c.level < TOP_LEVEL:
                svc.change_in(s, c, "escalate", who, reason, at)
            else:
                self._guard(c, who)
            for k in c.clocks:
                if k.state == RUNNING and k.name in REPLACED_BY_INCIDENT:
                    end(k, REPLACED, at)
            calendar = svc.window_calendar(s.get(Window, c.window_code))
            for plan in step_plan(at, c.owner_id, self.steps, calendar):
                s.add(clock_row(c.id, plan, c.level, svc.policy.clocks.warn_at))
            s.add(ComplaintEvent(complaint_id=c.id, event="incident_open", from_state=c.state,
                                 to_state=c.state, actor_id=who.id, at=at, note=note,
                                 level=c.level, owner_id=c.owner_id))
            s.flush()
            first = self.steps[0]
            first_due = calendar.deadline(at, first.hours * 60)
            svc.tell(s, IncidentStep(c.id, "reported", "上报", "opened", c.owner_id, c.unit_code,
                                      first.name, first.label, first_due, at))
            s.flush()
            s.refresh(c)  # reload clocks and history with what this change added
            return self._show(s, c)

    def complete(self, complaint_id: int, step: str, actor: str, note: str | None = None,
                 at: datetime | None = None) -> dict:
        svc = self.service
        at = as_utc(at) if at else svc.now()
        check_note("--note", note, svc.note_max_chars)
        names = [st.name for st in self.steps]
        if step not in names:
            raise InvalidInput(f"STEP: unknown step '{step}' 未知步骤 (one of {', '.join(names)})")
        with svc.db.transaction() as s:
            c = load_complaint(s, complaint_id)
            who = staff_actor(s, actor)
            check_time_order(c, at)
            if c.incident_status != "open":
                raise Refused(f"#{c.id}: no open incident procedure 无进行中的质量事故程序", state=c.state)
            self._guard(c, who)
            clocks = {k.name: k for k in c.clocks if k.name.startswith(PREFIX)}
            pending = self._pending(c)
            if not pending or pending[0] != step:
                expected = pending[0] if pending else "—"
                raise Refused(f"#{c.id}: next step is '{expected}', not '{step}' 步骤须按顺序完成",
                              state=c.state, allowed=[expected] if pending else [])
            clock = clocks[PREFIX + step]
            if clock.state == RUNNING:  # a broken clock stays broken: the breach is a fact
                late = clock.due_at <= at  # done after its deadline: a breach all the same
                won = s.execute(update(Clock).where(Clock.id == clock.id, Clock.state == RUNNING)
                                .values(state=BROKEN if late else STOPPED,
                                        ended_at=clock.due_at if late else at)
                                .execution_options(synchronize_session=False)).rowcount
                if not won:
                    raise Conflict(f"#{c.id}: step '{step}' was just completed by someone else 已被他人完成")
            last = step == names[-1]
            if last:
                c.incident_status = "closed"
            s.add(ComplaintEvent(complaint_id=c.id, event=f"incident:{step}", from_state=c.state,
                                 to_state=c.state, actor_id=who.id, at=at, note=note, level=c.level,
                                 owner_id=c.owner_id))
            s.flush()
            index = names.index(step)
            nxt = self.steps[index + 1] if not last else None
            svc.tell(s, IncidentStep(c.id, step, self.steps[index].label, "closed" if last else "done",
                                      c.owner_id, c.unit_code, nxt.name if nxt else None,
                                      nxt.label if nxt else None,
                                      clocks[PREFIX + nxt.name].due_at if nxt else None, at))
            s.flush()
            s.refresh(c)  # reload clocks and history with what this change added
            return self._show(s, c)

    def show(self, complaint_id: int) -> dict:
        with self.service.db.reading() as s:
            return self._show(s, load_complaint(s, complaint_id))

    def allowed_for(self, complaint_id: int, actor: str) -> list[str]:
        """What this person may do now: ``open`` the procedure, or complete its next step."""
        with self.service.db.reading() as s:
            c = load_complaint(s, complaint_id)
            who = staff_actor(s, actor)
            if c.incident_status is None:
                if c.state in FINAL_STATES:
                    return []
                # Below the top the report is an escalation: its guards decide; at the top, the steps'.
                why = refusal(lifecycle_of(c), "escalate", who) if c.level < TOP_LEVEL else _refusal(c, who)
                return [] if why else [OPEN]
            pending = self._pending(c)
            return pending[:1] if c.incident_status == "open" and not _refusal(c, who) else []

    def _pending(self, c: Complaint) -> list[str]:
        """Steps not yet done, in order; a broken step still has to be done (late)."""
        done = {h.event.removeprefix(PREFIX) for h in c.history if h.event.startswith(PREFIX)}
        return [st.name for st in self.steps if st.name not in done]

    def _guard(self, c: Complaint, who) -> None:
        reason = _refusal(c, who)
        if reason:
            raise Refused(f"#{c.id}: {reason}", state=c.state)

    def _show(self, s: Session, c: Complaint) -> dict:
        now = self.service.now()
        clocks = {k.name: k for k in c.clocks if k.name.startswith(PREFIX)}
        done = {h.event.removeprefix(PREFIX): h for h in c.history if h.event.startswith(PREFIX)}
        reported = next((h for h in c.history if h.event == "incident_open"), None)
        names = names_of(s, {c.owner_id, reported and reported.actor_id}
                         | {k.owner_id for k in clocks.values()} | {h.actor_id for h in done.values()})
        steps = []
        for st in self.steps:
            k = clocks.get(PREFIX + st.name)
            h = done.get(st.name)
            steps.append({"step": st.name, "label": st.label, "label_en": st.label_en or st.label,
                          "hours": st.hours,
                          "due": local_iso(k.due_at) if k else None,
                          "clock": k.state if k else None, "owner": k.owner_id if k else None,
                          "owner_name": names.get(k.owner_id) if k else None,
                          "status": _step_status(k, h is not None, now),
                          "done": h is not None, "done_at": local_iso(h.at) if h else None,
                          "done_by": h.actor_id if h else None, "done_by_name": names.get(h.actor_id) if h else None})
        pending = self._pending(c) if c.incident_status == "open" else []
        return {"complaint": c.id, "status": c.incident_status, "state": c.state, "level": c.level,
                "owner": c.owner_id, "owner_name": names.get(c.owner_id),
                "reported_at": local_iso(reported.at) if reported else None,
                "reported_by": reported.actor_id if reported else None,
                "reported_by_name": names.get(reported.actor_id) if reported else None,
                "next": pending[0] if pending else None, "steps": steps}


def _refusal(c: Complaint, who) -> str | None:
    """Who completes a step: the owner or a higher rung, never the accused (the machine's guards)."""
    life = lifecycle_of(c)
    return next((why for guard in (not_the_accused, owner_or_higher) if (why := guard(life, who))), None)


def _step_status(clock: Clock | None, done: bool, now: datetime) -> str | None:
    """pending · overdue (past due, the watch has not run yet) · missed (broken) · done · done_late."""
    if clock is None:
        return None
    if done:
        return "done_late" if clock.state == BROKEN else "done"
    if clock.state == BROKEN:
        return "missed"
    return "overdue" if clock.state == RUNNING and clock.due_at <= now else "pending"
