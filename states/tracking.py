"""The complainant's side (public tracking page): what he may see and do with his private link.

He sees the status timeline, never internal notes, actors or staff-only data; he may escalate
directly at any time (rules.md §3, seed 二.6), and rate a resolved complaint once. A rating of
4 or 5 may praise one person of the window's unit (feeds the service star, rules.md §4); a
praise of the person complained about is dropped without a word, so the list tells nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core import labels
from core.errors import Conflict, InvalidInput, NotFound, Refused
from core.glossary import RUNGS
from core.glossary import label as label_of
from core.labels import Labels
from core.org import Person, Unit, Window
from core.timeutil import local_iso, local_short
from core.validation import check_note
from states.clocks import RUNNING, direct_escalation_from
from states.machine import EVENT_LABELS, OPEN_STATES, STATE_LABELS, Actor, refusal
from states.models import CATEGORIES, Complaint, ComplaintRating
from states.nonces import ESCALATE, AlreadyDone, checked_nonce, take_nonce
from states.service import ComplaintService
from states.views import lifecycle_of

COMPLAINANT = Actor(id="complainant", kind="complainant")


class TrackingService:
    def __init__(self, complaints: ComplaintService):
        self.complaints = complaints
        self.db = complaints.db

    def _words(self) -> Labels:
        """The clocks' words, the incident steps' from the policy (core/labels.py)."""
        return Labels.build(self.complaints.policy)

    def view(self, token: str) -> dict:
        at = self.complaints.now()
        with self.db.reading() as s:
            c = _by_token(s, token)
            return _public_view(s, c, self._escalation_from(c, at), at, self._words())

    def _escalation_from(self, c: Complaint, now: datetime):
        """When the current rung took the complaint, plus the policy's fair wait (rules: clocks)."""
        since = max((h.at for h in c.history if h.event in ("receive", "escalate")), default=c.received_at)
        wait = timedelta(minutes=self.complaints.policy.clocks.direct_escalation_wait_minutes)
        return direct_escalation_from(since, [k.due_at for k in c.clocks if k.state == RUNNING], wait, now)

    def escalate(self, token: str, reason: str, confirmed: bool, nonce: str | None = None) -> dict:
        """The complainant asks for the next rung, saying why and confirming: one rung, once the
        current one had its fair wait (or a clock broke); the machine decides the rest.
        ``nonce``: the page's form (states/nonces.py); sent twice, it climbs one rung."""
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("请写明升级的理由 / reason: say why you escalate")
        check_note("reason", reason, self.complaints.note_max_chars)
        if not confirmed:
            raise InvalidInput("请勾选确认后再升级 / confirm: tick the box to confirm the escalation")
        at = self.complaints.now()
        nonce = checked_nonce(nonce)
        try:
            with self.db.transaction() as s:
                c = _by_token(s, token)
                if nonce is not None:
                    take_nonce(s, ESCALATE, nonce, c.id, at)
                allowed_from = self._escalation_from(c, at)
                if at < allowed_from:
                    raise Refused(f"#{c.id}: 当前负责人 {_handler(s, c, self._words())['label']} 正在处理，"
                                  f"{local_short(allowed_from)} 后（或超时后）可再升级 / the current owner "
                                  f"is on it: escalate again from {local_short(allowed_from)} or once a "
                                  "deadline is missed", state=c.state)
                self.complaints.change_in(s, c, "escalate", COMPLAINANT,
                                        f"投诉人直接升级：{reason} / escalated by the complainant", at)
                s.flush()
                return _public_view(s, c, self._escalation_from(c, at), at, self._words())
        except AlreadyDone:
            return self.view(token)
        except StaleDataError:  # a supervisor acted at the same moment
            raise Conflict("投诉刚刚有更新，请刷新后再试 / the complaint changed just now: "
                           "reload and try again") from None

    def rate(self, token: str, score: int, comment: str | None = None, praise: str | None = None) -> dict:
        if score not in range(1, 6):
            raise InvalidInput(f"score: {score} is not 1 to 5 满意度须为 1-5")
        comment = (comment or "").strip() or None
        check_note("comment", comment, self.complaints.note_max_chars)
        at = self.complaints.now()
        with self.db.transaction() as s:
            c = _by_token(s, token)
            if c.state != "resolved":
                raise Refused(f"#{c.id}: only a resolved complaint is rated 处理完毕后才能评价", state=c.state)
            if s.get(ComplaintRating, c.id) is not None:
                raise Refused(f"#{c.id}: already rated 已评价", state=c.state)
            if praise:
                _check_praise(s, c, praise, score, self.complaints.policy.satisfaction.satisfied_from)
                if praise == c.against_id:
                    praise = None  # listed like everyone (the page must not tell who was complained about)
            s.add(ComplaintRating(complaint_id=c.id, score=score, comment=comment, praised_id=praise or None, at=at))
            try:
                s.flush()  # one rating per complaint: a double submit is refused, not a 500
            except IntegrityError:
                raise Refused(f"#{c.id}: already rated 已评价", state=c.state) from None
            if praise:
                from scoring.models import Praise  # the praise table lives with the month's facts

                s.add(Praise(person_id=praise, by_id="complainant", at=at,
                             note=f"投诉 #{c.id} 满意度 {score} / satisfaction {score} on complaint #{c.id}"))
            s.flush()
            return _public_view(s, c, self._escalation_from(c, at), at, self._words())


def _by_token(s: Session, token: str) -> Complaint:
    valid = bool(token) and len(token) <= 64 and all(ch.isalnum() or ch in "-_" for ch in token) and token.isascii()
    c = s.scalar(select(Complaint).where(Complaint.tracking_token == token)) if valid else None
    if c is None:
        raise NotFound("tracking link: unknown 查询链接无效")
    return c


def _check_praise(s: Session, c: Complaint, praise: str, score: int, satisfied_from: int) -> None:
    if score < satisfied_from:
        raise InvalidInput(f"praise: only with a rating of {satisfied_from} or more 满意时才可表扬")
    person = s.get(Person, praise)
    if person is None or not person.active or person.unit_code != c.unit_code:
        raise InvalidInput(f"praise: '{praise}' is not a person of this window 不是本窗口人员")


def _handler(s: Session, c: Complaint, words: Labels) -> dict:
    """Who handles it now, by name and position (never an id), and his nearest deadline."""
    owner = s.get(Person, c.owner_id) if c.owner_id else None
    position = RUNGS.get(c.level, RUNGS[0])
    name = owner.name if owner else "—"
    running = sorted((k for k in c.clocks if k.state == RUNNING), key=lambda k: k.due_at)
    due = running[0] if running else None
    return {"name": name, "position_zh": position[0], "position_en": position[1],
            "label": f"{name}（{position[0]}）",
            "due": local_iso(due.due_at) if due else None,
            "due_clock": words.clock(due.name) if due else None}


def _public_view(s: Session, c: Complaint, escalation_from: datetime, now: datetime, words: Labels) -> dict:
    window, unit = s.get(Window, c.window_code), s.get(Unit, c.unit_code)
    rating = s.get(ComplaintRating, c.id)
    praisable = [] if c.state != "resolved" or rating else [
        {"id": p.id, "name": p.name}
        for p in s.scalars(select(Person).where(Person.unit_code == c.unit_code, Person.active)
                           .order_by(Person.id))]
    return {
        "id": c.id,
        "state": c.state,
        "state_label": STATE_LABELS.get(c.state, c.state),
        "window": c.window_code,
        "window_name": window.name if window else c.window_code,
        "unit_name": unit.name if unit else c.unit_code,
        "category": c.category,
        "category_label": CATEGORIES.get(c.category, c.category),
        "text": c.text,
        "level": c.level,
        "level_label": label_of(RUNGS.get(c.level, RUNGS[0])),
        "handler": _handler(s, c, words) if c.state in OPEN_STATES else None,
        "received_at": local_iso(c.received_at),
        "timeline": [_step(h) for h in c.history if h.event in EVENT_LABELS or h.event == "receive"],
        "can_escalate": refusal(lifecycle_of(c), "escalate", COMPLAINANT) is None and escalation_from <= now,
        # The machine would allow it, but the current rung still has its fair wait.
        "escalate_from": local_iso(escalation_from) if escalation_from > now
        and refusal(lifecycle_of(c), "escalate", COMPLAINANT) is None else None,
        "can_rate": c.state == "resolved" and rating is None,
        "rating": None if rating is None else {"score": rating.score, "comment": rating.comment,
                                               "at": local_iso(rating.at)},
        "praisable": praisable,
    }


def _step(h) -> dict:
    """One step of the timeline: what happened and when; never who or the internal note."""
    zh, en = labels.event(h.event)
    if h.event == "escalate":
        rung = labels.rung(h.level)
        zh, en = f"{zh} → {rung[0]}", f"{en} → {rung[1]}"
    return {"event": h.event, "label": (zh, en), "state": h.to_state,
            "state_label": STATE_LABELS.get(h.to_state, h.to_state), "at": local_iso(h.at)}
