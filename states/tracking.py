"""The complainant's side (public tracking page): what he may see and do with his private link.

He sees the status timeline, never internal notes, actors or staff-only data; he may escalate
directly at any time (rules.md §3, seed 二.6), and rate a resolved complaint once. A rating of
4 or 5 may praise one person of the window's unit (feeds the service star, rules.md §4); a
praise of the person complained about is dropped without a word, so the list tells nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.errors import Conflict, InvalidInput, NotFound, Refused
from core.ladder import LADDER
from core.org import Person, Unit, Window
from core.timeutil import local_iso
from core.validation import check_note
from states.machine import EVENT_LABELS, STATE_LABELS, Actor, refusal
from states.models import CATEGORIES, Complaint, ComplaintRating
from states.nonces import ESCALATE, AlreadyDone, checked_nonce, take_nonce
from states.service import ComplaintService
from states.views import lifecycle_of

COMPLAINANT = Actor(id="complainant", kind="complainant")
RUNG_LABELS = {1: "总执行 / chief executor", 2: "组长 / team leader", 3: "董事长 / chairman"}


class TrackingService:
    def __init__(self, complaints: ComplaintService):
        self.complaints = complaints
        self.db = complaints.db

    def view(self, token: str) -> dict:
        with self.db.reading() as s:
            return _public_view(s, _by_token(s, token))

    def escalate(self, token: str, nonce: str | None = None) -> dict:
        """The complainant asks for the next rung; the machine decides (refused at the top).
        ``nonce``: the page's form (states/nonces.py); sent twice, it climbs one rung."""
        at = self.complaints.now()
        nonce = checked_nonce(nonce)
        try:
            with self.db.transaction() as s:
                c = _by_token(s, token)
                if nonce is not None:
                    take_nonce(s, ESCALATE, nonce, c.id, at)
                self.complaints._change(s, c, "escalate", COMPLAINANT,
                                        "投诉人直接升级 / escalated by the complainant", at)
                s.flush()
                return _public_view(s, c)
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
            return _public_view(s, c)


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


def _public_view(s: Session, c: Complaint) -> dict:
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
        "level_label": RUNG_LABELS.get(c.level, "监督员 / supervisor"),
        "received_at": local_iso(c.received_at),
        "timeline": [_step(h) for h in c.history if h.event in EVENT_LABELS or h.event == "receive"],
        "can_escalate": refusal(lifecycle_of(c), "escalate", COMPLAINANT) is None,
        "can_rate": c.state == "resolved" and rating is None,
        "rating": None if rating is None else {"score": rating.score, "comment": rating.comment,
                                               "at": local_iso(rating.at)},
        "praisable": praisable,
    }


def _step(h) -> dict:
    """One step of the timeline: what happened and when; never who or the internal note."""
    label = "已受理 / received" if h.event == "receive" else f"{EVENT_LABELS[h.event]} / {h.event}"
    if h.event == "escalate":
        label += f" → {RUNG_LABELS.get(h.level, LADDER.get(h.level, ''))}"
    return {"event": h.event, "label": label, "state": h.to_state,
            "state_label": STATE_LABELS.get(h.to_state, h.to_state), "at": local_iso(h.at)}
