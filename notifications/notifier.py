"""Who is told what when a complaint changes (rules.md §3); writes the outbox in the change's transaction.

Wired into :class:`states.service.ComplaintService` as its listener by the
entry points, so ``states`` never imports this package.
"""

from __future__ import annotations

from datetime import UTC
from functools import cache, partial

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from core.glossary import RUNGS
from core.labels import Labels
from core.ladder import LADDER
from core.org import Person, Unit, Window, names_of, with_role
from core.policy import Policy
from core.settings import Settings
from core.timeutil import BUSINESS_TZ, local_short
from notifications.messages import COMPLAINANT, Draft, draft
from notifications.outbox import enqueue
from states.events import ClockBreach, ClockWarning, ComplaintChange, IncidentStep
from states.models import Complaint

# An incident message's status: (zh, en).
INCIDENT_STATUS = {"opened": ("已上报", "reported"), "done": ("已完成一步", "a step done"),
                   "closed": ("已结案", "closed")}


class OutboxNotifier:
    def __init__(self, settings: Settings, policy: Policy):
        self.settings = settings
        self.policy = policy
        self.words = Labels.build(policy)  # the messages' words for clocks, sources, categories

    def __call__(self, s: Session, event) -> None:
        if isinstance(event, ComplaintChange):
            drafts = self.drafts(s, event)
        elif isinstance(event, ClockWarning):
            drafts = self._warning(s, event)
        elif isinstance(event, ClockBreach):
            drafts = self._breach(s, event)
        elif isinstance(event, IncidentStep):
            drafts = self._incident(s, event)
        else:
            raise TypeError(f"no messages for {type(event).__name__}")
        enqueue(s, drafts, self.settings, event.at)

    def _name(self, s: Session, person_id: str | None) -> str:
        return names_of(s, [person_id]).get(person_id) or person_id or "—"

    def _label(self, clock: str) -> tuple[str, str]:
        """(zh, en) of a clock or an incident step (core/labels.py, the policy's steps)."""
        return self.words.clock(clock)

    def _warning(self, s: Session, w: ClockWarning) -> list[Draft]:
        if not w.owner:
            return []
        return [draft("clock_warning", w.owner, about=w.complaint_id, complaint_id=w.complaint_id,
                      name=self._name(s, w.owner), clock_label=self._label(w.clock)[0],
                      clock_en=self._label(w.clock)[1],
                      percent=w.percent, due=local_short(w.due))]

    def _breach(self, s: Session, b: ClockBreach) -> list[Draft]:
        office = [p.id for p in with_role(s, "president_office")]
        return [draft("clock_breach", person, about=b.complaint_id, complaint_id=b.complaint_id,
                      clock_label=self._label(b.clock)[0], clock_en=self._label(b.clock)[1],
                      due=local_short(b.due),
                      owner_name=self._name(s, b.owner))
                for person in dict.fromkeys([*([b.owner] if b.owner else []), *office])]

    def _incident(self, s: Session, i: IncidentStep) -> list[Draft]:
        unit = s.get(Unit, i.unit)
        leader = unit.leader_id if unit else None  # 二.5: reported to the leader in charge
        status_label, status_en = INCIDENT_STATUS[i.status]
        recipients = [p for p in (i.owner, leader) if p]
        return [draft("incident_step", person, about=i.complaint_id, complaint_id=i.complaint_id,
                      step_label=self.words.step(i.next_step or i.step)[0],
                      step_en=self.words.step(i.next_step or i.step)[1],
                      status=i.status, status_label=status_label, status_en=status_en,
                      due=local_short(i.next_due) if i.next_due else "—")
                for person in dict.fromkeys(recipients)]

    def drafts(self, s: Session, ch: ComplaintChange) -> list[Draft]:
        # Read only when a message is drafted: most changes (arrive, a later verify) tell nobody.
        ctx = cache(partial(self._context, s, ch))
        out: list[Draft] = []
        if ch.event == "receive":
            if ch.contact:
                out.append(draft("complaint_received", COMPLAINANT, about=ch.complaint_id, contact=ch.contact, **ctx(),
                                 respond_minutes=self.policy.clocks.respond_minutes))
            if ch.new_owner:
                out.append(draft("complaint_assigned", ch.new_owner, about=ch.complaint_id, **ctx(),
                                 name=ctx()["names"].get(ch.new_owner, ch.new_owner), **self._dues(ch)))
        elif ch.event == "escalate":
            staff = [p for p in (ch.old_owner, ch.new_owner) if p]
            staff += [p.id for p in with_role(s, "president_office")]
            escalation_due = self._due(ch, "escalation")
            for person in dict.fromkeys(staff):
                out.append(draft("complaint_escalated", person, about=ch.complaint_id, **ctx(), audience="staff",
                                 escalation_due=escalation_due))
            if ch.contact:
                out.append(draft("complaint_escalated", COMPLAINANT, about=ch.complaint_id, contact=ch.contact, **ctx(),
                                 audience="complainant", escalation_due=escalation_due))
        elif ch.event == "resolve" and ch.contact:
            out.append(draft("complaint_resolved", COMPLAINANT, about=ch.complaint_id, contact=ch.contact, **ctx(),
                             rating_url=f"{ctx()['tracking_url']}#rate"))
        elif ch.event == "verify" and self._first_criticised(s, ch):
            person = s.get(Person, ch.against)
            supervisor = person.supervisor_id if person else None
            for recipient in dict.fromkeys(p for p in (ch.against, supervisor) if p):
                out.append(draft("criticism_notice", recipient, about=ch.complaint_id, **ctx(),
                                 person_name=ctx()["names"].get(ch.against, ch.against),
                                 supervisor_name=self._name(s, supervisor)))
        return out

    # ---- the facts a message needs -------------------------------------------------------

    def _context(self, s: Session, ch: ComplaintChange) -> dict:
        # What the change read already (the advance's Core path) is not read again.
        wanted = {ch.old_owner, ch.new_owner, ch.against} - {None}
        names = {i: name for i, name in ch.names.items() if i in wanted and name is not None}
        if missing := wanted - ch.names.keys():
            names |= names_of(s, missing)
        window_name = ch.window_name
        if window_name is None:
            window = s.get(Window, ch.window)
            window_name = window.name if window else ch.window
        rung_zh, rung_en = RUNGS.get(ch.level, (LADDER.get(ch.level, "?"), "?"))
        return {
            "c": {"id": ch.complaint_id, "window": ch.window, "level": ch.level,
                  "source": ch.source, "category": ch.category},
            "names": names,
            "window_name": window_name,
            "source_label": self.words.source(ch.source)[0], "source_en": self.words.source(ch.source)[1],
            "category_label": self.words.category(ch.category)[0],
            "category_en": self.words.category(ch.category)[1],
            "tracking_url": f"{self.settings.public_url.rstrip('/')}/t/{ch.tracking_token}",
            "note": ch.note,
            "rung_label": rung_zh, "rung_en": rung_en,
            "new_owner_name": names.get(ch.new_owner, ch.new_owner or "—"),
            "old_owner_name": names.get(ch.old_owner) if ch.old_owner != ch.new_owner else None,
        }

    def _due(self, ch: ComplaintChange, name: str) -> str:
        return local_short(ch.dues.get(name))

    def _dues(self, ch: ComplaintChange) -> dict:
        return {f"{name}_due": self._due(ch, name) for name in ("respond", "on_site", "resolve")}

    def _first_criticised(self, s: Session, ch: ComplaintChange) -> bool:
        """The person's first verified complaint this month from a criticism source (二.4)."""
        sources = self.policy.criticism.sources
        if ch.source not in sources or not ch.against:
            return False
        local = ch.at.astimezone(BUSINESS_TZ)
        month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
        s.flush()  # the other complaints this transaction verified count too (a spot check's findings)
        earlier = s.connection().execute(_EARLIER_CRITICISED, {
            "against": ch.against, "sources": list(sources), "id": ch.complaint_id,
            "start": month_start, "end": ch.at}).scalar()
        return not earlier


_C = Complaint.__table__
# Built once: a verify asks it each time (Core, the bound values only). EXISTS, not a count: it
# stops at the first earlier complaint (a count read them all: bench/advance.py's 2,000 complaints
# against one person made each verify 2.6 ms instead of 1.0 on SQLite).
_EARLIER_CRITICISED = select(exists().where(
    _C.c.against_id == bindparam("against"), _C.c.source.in_(bindparam("sources", expanding=True)),
    _C.c.state != "dismissed", _C.c.id != bindparam("id"),
    _C.c.verified_at >= bindparam("start"), _C.c.verified_at <= bindparam("end")))
