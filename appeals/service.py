"""Appeals (申诉复核) of published ledger lines: file, review, decide, and the review clock.

A person appeals one of his own lines of a published month within the policy's filing window;
a reviewer in no conflict (not his supervisor, not the supervisor who verified the complaint
behind the line) decides within the review window. Upheld: an adjustment in the next open month
names the line it corrects; the published month never changes. A missed review breaks like a
complaint clock: the reviewer is charged with inactivity (a breach in the month's facts) and
the next rung of the ladder reviews. Every party is told, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from appeals.machine import OPEN, AppealLife, Reviewer, allowed, fire, refusal
from appeals.models import Appeal, AppealClock, AppealEvent
from core.calendar import calendar_for
from core.db import Database
from core.errors import Conflict, InvalidInput, NotFound, Refused
from core.ladder import TOP_LEVEL
from core.org import Person, active_person, ladder_owner, rung_of, with_role
from core.policy import Policy
from core.settings import Settings
from core.timeutil import as_utc, current_month, local_iso, month_shift, utcnow
from core.validation import check_note
from notifications.messages import draft
from notifications.outbox import enqueue
from scoring.models import Adjustment, LedgerLine, MonthClose
from states.assignment import least_loaded
from states.models import Clock, Complaint

SYSTEM = Reviewer(id="system", kind="system")
RUNNING, STOPPED, BROKEN = "running", "stopped", "broken"


def working_days_after(start: datetime, days: int) -> datetime:
    """``days`` full working days of the business calendar after ``start`` (its hours per day)."""
    cal = calendar_for("business")
    per_day = sum((datetime.combine(datetime.min, c) - datetime.combine(datetime.min, o)).seconds // 60
                  for o, c in cal.hours)
    return cal.deadline(start, days * per_day)


class AppealService:
    def __init__(self, db: Database, policy: Policy, settings: Settings, now: Callable[[], datetime] = utcnow):
        self.db, self.policy, self.settings, self.now = db, policy, settings, now

    # ---- the person's side -----------------------------------------------------------------

    def lines(self, person: str) -> list[dict]:
        """His lines of published months, each with its appeal (if any) and its filing deadline."""
        now = self.now()
        with self.db.reading() as s:
            published = {m.month: m for m in s.scalars(select(MonthClose).where(MonthClose.status == "published"))}
            rows = s.scalars(select(LedgerLine).where(LedgerLine.person_id == person,
                                                      LedgerLine.month.in_(published))
                             .order_by(LedgerLine.month.desc(), LedgerLine.id))
            appeals = {a.ledger_line_id: a for a in s.scalars(select(Appeal).where(Appeal.person_id == person))}
            out = []
            for ln in rows:
                until = self._filing_deadline(published[ln.month])
                a = appeals.get(ln.id)
                out.append({**_line_dict(ln), "appeal_until": local_iso(until),
                            "may_appeal": a is None and now <= until,
                            "appeal": None if a is None else {"id": a.id, "state": a.state}})
            return out

    def file(self, person: str, line_id: int, reason: str, at: datetime | None = None) -> dict:
        at = as_utc(at) if at else self.now()
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("--reason: empty 须说明申诉理由")
        check_note("--reason", reason, self.settings.note_max_chars)
        with self.db.transaction() as s:
            appellant = active_person(s, person, "PERSON")
            ln = s.get(LedgerLine, line_id)
            if ln is None or ln.person_id != person:
                raise NotFound(f"LINE: no line {line_id} of {person} 没有这条考核记录")
            month = s.get(MonthClose, ln.month)
            if month is None or month.status != "published":
                raise Refused(f"LINE {line_id}: {ln.month} is not published 该月尚未公布，不能申诉")
            until = self._filing_deadline(month)
            if at > until:
                raise Refused(f"LINE {line_id}: the appeal window closed at {local_iso(until)} 已超过申诉期限")
            if s.scalar(select(Appeal.id).where(Appeal.ledger_line_id == line_id)) is not None:
                raise Refused(f"LINE {line_id}: already appealed 该记录已申诉")
            conflicted = _conflicted(s, appellant, ln)
            reviewer = _first_reviewer(s, appellant.id, conflicted)
            a = Appeal(month=ln.month, person_id=person, ledger_line_id=ln.id, line=_line_dict(ln), reason=reason,
                       state="filed", reviewer_id=reviewer, level=_level_of(s, reviewer), filed_at=at)
            s.add(a)
            try:
                s.flush()  # the unique line id: a second submit at the same moment is refused here
            except IntegrityError:
                raise Refused(f"LINE {line_id}: already appealed 该记录已申诉") from None
            s.add(AppealEvent(appeal_id=a.id, event="file", from_state=None, to_state="filed", actor_id=person,
                              at=at, note=reason, reviewer_id=reviewer, level=0))
            clock = self._start_clock(s, a, at)
            self._tell(s, "appeal_filed", a, {person, reviewer}, at, due=local_iso(clock.due_at)[:16])
            s.flush()
            s.refresh(a)
            return _appeal_dict(a, s)

    # ---- the reviewer's side ---------------------------------------------------------------

    def review(self, appeal_id: int, by: str, note: str | None = None, at: datetime | None = None) -> dict:
        return self._act(appeal_id, "review", by, note, at)

    def decide(self, appeal_id: int, by: str, uphold: bool, note: str, at: datetime | None = None) -> dict:
        if not (note or "").strip():
            raise InvalidInput("--note: empty 须写明复核意见")
        check_note("--note", note, self.settings.note_max_chars)
        return self._act(appeal_id, "uphold" if uphold else "reject", by, note.strip(), at)

    def _act(self, appeal_id: int, event: str, by: str, note: str | None, at: datetime | None) -> dict:
        at = as_utc(at) if at else self.now()
        try:
            with self.db.transaction() as s:
                a = _appeal(s, appeal_id)
                who = active_person(s, by, "--by")
                reviewer = Reviewer(id=who.id, rung=rung_of(who))
                life = _life(s, a)
                if event in ("uphold", "reject") and a.state == "filed":
                    self._fire(s, a, life, "review", reviewer, None, at)  # deciding takes it up first
                self._fire(s, a, life, event, reviewer, note, at)
                if event in ("uphold", "reject"):
                    a.decided_at, a.decision_note = at, note
                    self._stop_clock(a, at)
                    extra = {}
                    if event == "uphold":
                        extra["adjustment_month"] = self._book_adjustment(s, a, by, at)
                    recipients = {a.person_id, a.reviewer_id, who.id}
                    self._tell(s, "appeal_decided", a, recipients, at, upheld=event == "uphold", note=note,
                               adjustment_month=extra.get("adjustment_month"))
                s.flush()
                s.refresh(a)
                return _appeal_dict(a, s)
        except StaleDataError:
            raise Conflict(f"appeal #{appeal_id}: changed by someone else just now 已被他人修改，请重试") from None

    def _fire(self, s: Session, a: Appeal, life: AppealLife, event: str, who: Reviewer, note, at) -> None:
        reason = refusal(life, event, who)
        if reason:
            raise Refused(f"appeal #{a.id} {a.state}: {reason}; allowed 可用操作: "
                          f"{', '.join(allowed(life, who)) or '-'}", state=a.state, allowed=allowed(life, who))
        before = a.state
        fire(life, event, who)
        a.state, a.level = life.state, life.level
        s.add(AppealEvent(appeal_id=a.id, event=event, from_state=before, to_state=a.state, actor_id=who.id,
                          at=at, note=note, reviewer_id=a.reviewer_id, level=a.level))

    def _book_adjustment(self, s: Session, a: Appeal, by: str, at: datetime) -> str:
        """The correction goes into the next open month (never the published one)."""
        corrects = f"{a.month}/L{a.ledger_line_id}"
        if s.scalar(select(Adjustment.id).where(Adjustment.corrects == corrects)) is not None:
            raise Refused(f"appeal #{a.id}: {corrects} is corrected already 该记录已更正")
        month = _next_open_month(s, a.month, at)
        # One reason for both of the line's sentences (the rule adds 更正… / correction of…): in the
        # reviewer's own words, so a Chinese page shows no English half (issue 13).
        money = f"；退还罚款 {a.line['money']} 元" if a.line.get("money") else ""
        adj = Adjustment(month=month, person_id=a.person_id, points=-int(a.line["points"]),
                         corrects=corrects,
                         reason=f"申诉 #{a.id} 成立：{a.decision_note}{money}", by_id=by, at=at)
        s.add(adj)
        s.flush()
        a.adjustment_id = adj.id
        return month

    # ---- the review clock --------------------------------------------------------------------

    def _start_clock(self, s: Session, a: Appeal, at: datetime) -> AppealClock:
        clock = AppealClock(appeal_id=a.id, owner_id=a.reviewer_id, level=a.level, started_at=at,
                            due_at=working_days_after(at, self.policy.appeals.review_working_days), state=RUNNING)
        s.add(clock)
        s.flush()
        return clock

    @staticmethod
    def _stop_clock(a: Appeal, at: datetime) -> None:
        for k in a.clocks:
            if k.state == RUNNING:  # decided late, before the watch ran: still a break, at the deadline
                k.state, k.ended_at = (BROKEN, k.due_at) if at > k.due_at else (STOPPED, at)

    def check(self, now: datetime | None = None) -> dict:
        """The watch: every running review clock past due breaks once; the next rung reviews."""
        now = as_utc(now) if now else self.now()
        broken = []
        with self.db.transaction() as s:
            due = list(s.scalars(select(AppealClock).where(AppealClock.state == RUNNING, AppealClock.due_at <= now)
                                 .order_by(AppealClock.due_at).with_for_update(skip_locked=True)))
            for k in due:
                a = s.get(Appeal, k.appeal_id)
                k.state, k.ended_at = BROKEN, k.due_at
                old = a.reviewer_id
                life = _life(s, a)
                # The next reviewer first: nobody free above means no escalation (it would leave
                # the appeal with nobody who may decide); the break is recorded and reported.
                nxt = _ladder_reviewer(s, max(a.level, _level_of(s, old)) + 1, a.person_id, life.conflicted | {old})
                escalated = nxt is not None and refusal(life, "escalate", SYSTEM) is None
                new_due = None
                if escalated:
                    self._fire(s, a, life, "escalate", SYSTEM, f"复核逾期 / review overdue ({old})", k.due_at)
                    a.reviewer_id, a.level = nxt, max(a.level, _level_of(s, nxt))
                    new_due = working_days_after(k.due_at, self.policy.appeals.review_working_days)
                    s.add(AppealClock(appeal_id=a.id, owner_id=nxt, level=a.level, started_at=k.due_at,
                                      due_at=new_due, state=RUNNING))
                s.flush()
                self._tell(s, "appeal_escalated", a, {a.person_id, old, a.reviewer_id}, now,
                           missed_due=local_iso(k.due_at)[:16], old_reviewer=_name(s, old),
                           due=local_iso(new_due)[:16] if new_due else None)
                broken.append({"appeal": a.id, "reviewer": old, "escalated": escalated, "new_reviewer": a.reviewer_id})
        return {"checked_at": local_iso(now), "broken": broken}

    # ---- reads -----------------------------------------------------------------------------------

    def show(self, appeal_id: int) -> dict:
        with self.db.reading() as s:
            return _appeal_dict(_appeal(s, appeal_id), s)

    def list(self, person: str | None = None, reviewer: str | None = None, state: str | None = None) -> list[dict]:
        query = select(Appeal).order_by(Appeal.id)
        if person:
            query = query.where(Appeal.person_id == person)
        if reviewer:
            query = query.where(Appeal.reviewer_id == reviewer)
        if state == "open":
            query = query.where(Appeal.state.in_(OPEN))
        elif state:
            if state not in ("filed", "under_review", "upheld", "rejected"):
                raise InvalidInput(f"--state: '{state}' is not one of open, filed, under_review, upheld, rejected")
            query = query.where(Appeal.state == state)
        with self.db.reading() as s:
            return [_appeal_dict(a, s, full=False) for a in s.scalars(query)]

    def allowed_for(self, appeal_id: int, person: str) -> list[str]:
        with self.db.reading() as s:
            a = _appeal(s, appeal_id)
            p = active_person(s, person, "--by")
            return [e for e in allowed(_life(s, a), Reviewer(id=p.id, rung=rung_of(p))) if e != "escalate"]

    # ---- messages ------------------------------------------------------------------------------

    def _tell(self, s: Session, kind: str, a: Appeal, recipients: set, at: datetime, **context) -> None:
        office = {p.id for p in with_role(s, "president_office")}
        people = sorted(r for r in (recipients | office) if r)
        context |= {"a": a, "appellant": _name(s, a.person_id), "reviewer": _name(s, a.reviewer_id)}
        enqueue(s, [draft(kind, r, **context) for r in people], self.settings, at)

    def _filing_deadline(self, month: MonthClose) -> datetime:
        return working_days_after(month.published_at, self.policy.appeals.file_working_days)


# ---- helpers ---------------------------------------------------------------------------------------


def _appeal(s: Session, appeal_id: int) -> Appeal:
    a = s.get(Appeal, appeal_id)
    if a is None:
        raise NotFound(f"ID: no appeal #{appeal_id} 申诉不存在")
    return a


def _name(s: Session, person_id: str | None) -> str | None:
    p = s.get(Person, person_id) if person_id else None
    return p.name if p else person_id  # a message names people, never by id (issue 13)


def _line_dict(ln: LedgerLine) -> dict:
    return {"id": ln.id, "month": ln.month, "rule": ln.rule, "points": ln.points, "money": ln.money,
            "source": ln.source, "reason_zh": ln.reason_zh, "reason_en": ln.reason_en,
            "at": ln.at}


def _source_complaint(s: Session, source: str | None) -> Complaint | None:
    """The complaint behind a line: its id, or a broken clock 'k<id>' of it."""
    if not source:
        return None
    if source.isascii() and source.isdigit():
        return s.get(Complaint, int(source))
    if source.isascii() and source.startswith("k") and source[1:].isdigit():
        clock = s.get(Clock, int(source[1:]))
        return s.get(Complaint, clock.complaint_id) if clock else None
    return None


def _conflicted(s: Session, appellant: Person, ln: LedgerLine) -> frozenset[str]:
    """His supervisor; and of the complaint behind the line, who verified it, everyone who owned it
    (its history's owners and its clocks'), everyone who holds a line from it (issue 18.7)."""
    out = {appellant.supervisor_id}
    c = _source_complaint(s, ln.source)
    if c is not None:
        out |= {c.verified_supervisor_id, *(h.actor_id for h in c.history if h.event == "verify"),
                *(h.owner_id for h in c.history), *(k.owner_id for k in c.clocks)}
        # Its lines are booked in the month it was verified and in those its clocks broke (month: indexed).
        months = {ln.month, *(current_month(t) for t in (c.verified_at, *(k.ended_at for k in c.clocks)) if t)}
        sources = [str(c.id), *(f"k{k.id}" for k in c.clocks)]
        out.update(s.scalars(select(LedgerLine.person_id).where(LedgerLine.month.in_(months),
                                                                LedgerLine.source.in_(sources))))
    return frozenset(p for p in out if p)


def _open_appeals(s: Session, reviewers: list[str]) -> dict[str, int]:
    """Open appeals each of ``reviewers`` holds: the load of filing."""
    return dict(s.execute(select(Appeal.reviewer_id, func.count())
                          .where(Appeal.state.in_(OPEN), Appeal.reviewer_id.in_(reviewers))
                          .group_by(Appeal.reviewer_id)).all())


def _first_reviewer(s: Session, appellant: str, conflicted: frozenset[str]) -> str:
    """The least-loaded supervisor in no conflict; else the first rung of the ladder that is free."""
    reviewer = least_loaded(s, _open_appeals, people=conflicted | {appellant})
    if reviewer is not None:
        return reviewer
    reviewer = _ladder_reviewer(s, 0, appellant, conflicted)
    if reviewer is None:
        raise Refused("nobody may review this appeal 无可分派的复核人 (check the supervision team)")
    return reviewer


def _level_of(s: Session, person_id: str | None) -> int:
    """A reviewer's level: his rung of the ladder (0 for a supervisor)."""
    p = s.get(Person, person_id) if person_id else None
    return rung_of(p) if p is not None else 0


def _ladder_reviewer(s: Session, level: int, appellant: str, conflicted: frozenset[str]) -> str | None:
    """The holder of the first rung from ``level`` (at least 1) who is neither the appellant nor conflicted."""
    for rung in range(max(level, 1), TOP_LEVEL + 1):
        holder = ladder_owner(s, rung)
        if holder is not None and holder.id != appellant and holder.id not in conflicted:
            return holder.id
    return None


def _life(s: Session, a: Appeal) -> AppealLife:
    appellant = s.get(Person, a.person_id)
    ln = s.get(LedgerLine, a.ledger_line_id)
    conflicted = _conflicted(s, appellant, ln) if ln is not None else frozenset({appellant.supervisor_id} - {None})
    return AppealLife(state=a.state, appellant=a.person_id, reviewer=a.reviewer_id, level=a.level,
                      conflicted=conflicted)


def _next_open_month(s: Session, after: str, at: datetime) -> str:
    """The first month not published, from the later of the month after ``after`` and the month of ``at``."""
    candidate = max(month_shift(after, 1), current_month(at))
    while (row := s.get(MonthClose, candidate)) is not None and row.status == "published":
        candidate = month_shift(candidate, 1)
    return candidate


def _appeal_dict(a: Appeal, s: Session, full: bool = True) -> dict:
    data = {"id": a.id, "month": a.month, "person": a.person_id, "line": a.line, "reason": a.reason,
            "state": a.state, "reviewer": a.reviewer_id, "level": a.level, "filed_at": local_iso(a.filed_at),
            "decided_at": local_iso(a.decided_at), "decision_note": a.decision_note,
            "due_at": local_iso(max((k.due_at for k in a.clocks if k.state == RUNNING), default=None)),
            "adjustment_id": a.adjustment_id}
    if full:
        data["history"] = [{"event": h.event, "from": h.from_state, "to": h.to_state, "by": h.actor_id,
                            "at": local_iso(h.at), "note": h.note, "reviewer": h.reviewer_id, "level": h.level}
                           for h in a.history]
        data["clocks"] = [{"owner": k.owner_id, "level": k.level, "started": local_iso(k.started_at),
                           "due": local_iso(k.due_at), "state": k.state, "ended": local_iso(k.ended_at)}
                          for k in a.clocks]
        if a.adjustment_id:
            adj = s.get(Adjustment, a.adjustment_id)
            data["adjustment"] = {"month": adj.month, "points": adj.points, "corrects": adj.corrects}
    return data
