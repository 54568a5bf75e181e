"""Every change of a complaint goes through here: one transaction per use.

``advance`` loads the row, lets the pure machine decide, then writes the new
state, the history row and the clock changes, and commits once. The row's
version column makes two racing supervisors safe: exactly one commits, the
other gets :class:`~core.errors.Conflict` and nothing of his is written.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, exists, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.db import Database
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, Refused
from core.org import (
    Person,
    Window,
    active_person,
    ladder_owner,
    names_of,
    reporting_line,
)
from core.policy import Policy
from core.settings import NOTE_MAX_CHARS
from core.timeutil import BUSINESS_TZ, as_utc, month_bounds, utcnow
from core.validation import check_note, check_printable
from states import clocks as clockrules
from states.assignment import least_loaded_supervisor, open_complaints
from states.events import ComplaintChange, Listener, change_of
from states.machine import (
    AGAINST,
    EVENT_LABELS,
    EVENTS,
    OPEN_STATES,
    STATE_LABELS,
    STATES,
    Actor,
    against_change_refusal,
    allowed_events,
    fire,
    refusal,
)
from states.models import CATEGORIES, SOURCES, Clock, Complaint
from states.nonces import INTAKE, AlreadyDone, checked_nonce, complaint_of, take_nonce
from states.photos import add_photo, check_photo, photo_bytes, photo_list
from states.unit_of_work import (
    INTAKE_ACTOR,
    ComplaintRow,
    add_clock,
    add_event,
    check_time_order,
    load_complaint,
    load_for_change,
    new_clock_values,
    new_complaint,
    staff_actor,
    write_change,
    write_new,
)
from states.views import complaint_dict, lifecycle_of

MAX_TEXT = 2000  # characters of a complaint's text (the API schema says the same)
_W = Window.__table__
_WINDOW = select(_W.c.code, _W.c.name, _W.c.unit_code, _W.c.calendar, _W.c.active).where(_W.c.code == bindparam("code"))


class ComplaintService:
    def __init__(self, db: Database, policy: Policy, now: Callable[[], datetime] = utcnow,
                 listener: Listener | None = None, note_max_chars: int = NOTE_MAX_CHARS):
        self.db = db
        self.policy = policy
        self.now = now
        self.note_max_chars = note_max_chars  # Settings.note_max_chars: every note of a complaint
        # Told of every change inside its transaction (the notifications outbox).
        self.listener = listener

    def window_calendar(self, window: Window | None):
        """The window's own calendar, else the policy's default (rules.md §3)."""
        return self._calendar_named(getattr(window, "calendar", None))

    def _calendar_named(self, name: str | None):
        from core.calendar import calendar_for

        return calendar_for(name or self.policy.clocks.calendar)

    def tell(self, s: Session, change: ComplaintChange) -> None:
        if self.listener is not None:
            self.listener(s, change)

    # ---- intake --------------------------------------------------------------------

    def create(self, *, window: str, source: str, category: str, text: str,
               against: str | None = None, contact: str | None = None,
               at: datetime | None = None, by_team: bool = True, nonce: str | None = None) -> dict:
        """``by_team``: filed by the supervision team (the CLI, a team member's token). Anyone
        else (a customer's form, an integration's token) files a customer's complaint naming
        nobody: the source and the accused are the team's findings. ``nonce``: the intake form's
        (states/nonces.py); the same form sent again answers the complaint it filed."""
        at = as_utc(at) if at else self.now()
        _check_choice("--source", source, SOURCES)
        _check_choice("--category", category, CATEGORIES)
        if not by_team and (source != "customer" or against):
            raise Forbidden("source/against: only the supervision team 仅监督小组可指定来源或被投诉人")
        if not text or not text.strip():
            raise InvalidInput("投诉内容不能为空，请写明发生了什么 / the text (--text) is empty: say what happened")
        if len(text) > MAX_TEXT:
            raise InvalidInput(f"投诉内容过长，最多 {MAX_TEXT} 字 / --text: longer than {MAX_TEXT} characters")
        check_printable("--text", text)
        check_printable("--contact", contact)
        if contact is not None and len(contact) > 200:  # complaint.contact is String(200), as the API says
            raise InvalidInput("--contact: longer than 200 characters 超过200个字符")
        nonce = checked_nonce(nonce)
        try:
            with self.db.transaction() as s:
                c = self.receive_in(s, window=window, source=source, category=category, text=text.strip(),
                                  against=against, contact=contact, at=at)
                if nonce is not None:
                    take_nonce(s, INTAKE, nonce, c.id, at)
                return self._filed(s, c, at)
        except AlreadyDone:
            with self.db.reading() as s:
                return self._filed(s, s.get(Complaint, complaint_of(s, INTAKE, nonce)), at)

    def _filed(self, s: Session, c: Complaint | ComplaintRow, at: datetime) -> dict:
        """What the intake answers: the complaint, with the complainant's tracking token; its
        clocks judged at the intake's own time (a replay's --at)."""
        data = complaint_dict(c, _names(s, c), at, private=True)
        data["tracking_token"] = c.tracking_token
        return data

    def receive_in(self, s: Session, *, window: str, source: str, category: str, text: str,
                 against: str | None, contact: str | None, at: datetime,
                 owner: str | None = None) -> ComplaintRow:
        """Intake inside the caller's transaction, written with Core (states/unit_of_work.py);
        ``owner`` given (a spot check's inspector) or the least-loaded unconflicted supervisor."""
        conn = s.connection()
        win = conn.execute(_WINDOW, {"code": window}).first()
        if win is None or not win.active:
            raise NotFound(f"--window: unknown window '{window}' 未知窗口")
        c = new_complaint(dict(state="received", source=source, category=category, window_code=win.code,
                               unit_code=win.unit_code, against_id=against, text=text, contact=contact,
                               level=0, received_at=at, tracking_token=secrets.token_urlsafe(24), version=1))
        c.window_calendar, c.window_name = win.calendar, win.name
        conflicted = {win.unit_code}
        if against is not None:
            accused = active_person(s, against, "--against")
            conflicted.add(accused.unit_code)
            c.against_unit, c.names[accused.id] = accused.unit_code, accused.name
            c.against_supervisor, c.against_leader = reporting_line(s, accused)
        if owner is None:
            chosen = least_loaded_supervisor(s, open_complaints, units=conflicted)
            if chosen is None:
                raise Refused("no supervisor may take this complaint 无可分派的监督员 "
                              "(check the unit heads in the organisation file)")
            owner, c.names[chosen.id] = chosen.id, chosen.name
        else:
            c.names.update(names_of(s, [owner]))
        c.owner_id = owner
        add_event(c, event="receive", from_state=None, to_state="received", actor_id=INTAKE_ACTOR, at=at,
                  note=_assigned_note(c.names.get(owner) or owner), level=0, owner_id=owner,
                  data=_event_data(c, "receive"))
        for plan in clockrules.on_receipt(at, owner, self.policy.clocks, self._calendar_named(win.calendar)):
            add_clock(c, **new_clock_values(plan, 0, self.policy.clocks.warn_at))
        write_new(conn, c)
        self.tell(s, change_of(c, "receive", None, INTAKE_ACTOR, at, None, None))
        return c

    # ---- the one way to change a complaint ---------------------------------------------

    def advance(self, complaint_id: int, event: str, actor: str, note: str | None = None,
                at: datetime | None = None, *, against: str | None = None,
                photo: tuple[str, bytes] | None = None, expected_version: int | None = None) -> dict:
        """``photo``: (content type, bytes) taken on arrival, stored with the change.
        ``expected_version``: the version the person saw (a page); a newer one is a conflict."""
        at = as_utc(at) if at else self.now()
        if event not in EVENTS:
            raise InvalidInput(f"EVENT: unknown event '{event}' 未知操作 (one of {', '.join(EVENTS)})")
        check_note("--note", note, self.note_max_chars)
        if photo is not None:
            if event != "arrive":
                raise InvalidInput("photo: only with 'arrive' 仅到场时可上传照片")
            check_photo(*photo)
        try:
            with self.db.transaction() as s:
                # Core on the hot path: plain rows in, the changed columns out (states/unit_of_work.py).
                conn = s.connection()
                c = load_for_change(conn, complaint_id)
                if expected_version is not None and c.version != expected_version:
                    raise StaleDataError()
                who = staff_actor(conn, actor)
                check_time_order(c, at)
                if against is not None and against != c.against_id:
                    _name_against(s, c, against, who, at)
                if event == "verify":
                    _refuse_published_month(conn, c, at)
                self.change_in(s, c, event, who, note, at)  # writes c before it tells the listener
                if photo is not None:
                    add_photo(s, c.id, c.history[-1].id, who.id, at, *photo)
                    c.has_photos = True
                return self._full(s, c, at)  # clocks judged at the change's own time (a replay's --at)
        except StaleDataError:
            raise Conflict(f"#{complaint_id}: changed by someone else just now 已被他人修改，"
                           "请刷新后重试 / reload and try again") from None

    def change_in(self, s: Session, c: Complaint | ComplaintRow, event: str, who: Actor, note: str | None,
                at: datetime, data: dict | None = None) -> None:
        """Machine, state, clocks, history and listener, inside the caller's transaction; ``c`` an
        ORM row (flushed by the session) or a :class:`ComplaintRow` (written here with Core, before
        the listener is told). ``data``: more for the history row (the watch names the clock that broke)."""
        life = lifecycle_of(c, _against_unit(s, c))
        reason = refusal(life, event, who)
        if reason:
            raise _refused(c, life, who, reason)
        from_state, old_owner = c.state, c.owner_id
        fire(life, event, who)
        with s.no_autoflush:  # one UPDATE per change: one version step
            self._apply(s, c, life, event, at)
        # Through the collection (and so into the session): c stays whole without a reload.
        add_event(c, event=event, from_state=from_state, to_state=c.state, actor_id=who.id, at=at,
                  note=note, level=c.level, owner_id=c.owner_id, data=_event_data(c, event) | (data or {}))
        if isinstance(c, ComplaintRow):
            write_change(s.connection(), c)
        # ORM: no flush here: the listener's queries autoflush, and the commit flushes the rest in one go.
        self.tell(s, change_of(c, event, from_state, who.id, at, old_owner, note))

    def _apply(self, s: Session, c: Complaint | ComplaintRow, life, event: str, at: datetime) -> None:
        c.state, c.level = life.state, life.level
        if event == "escalate":
            new_owner = ladder_owner(s, c.level)
            if new_owner is None:
                raise Refused(f"#{c.id}: nobody holds rung {c.level} of the ladder 升级链缺人",
                              state=c.state)
            c.owner_id = new_owner.id
            if isinstance(c, ComplaintRow):
                c.names[new_owner.id] = new_owner.name
        elif event == "verify":
            c.verified_at = at
            c.verified_supervisor_id, c.verified_leader_id = _reporting_line(s, c)
        elif event == "arrive":
            c.arrived_at = at
        elif event in ("resolve", "dismiss"):
            c.closed_at = at
        running = {k.name: k for k in c.clocks if k.state == clockrules.RUNNING}
        plan = clockrules.after_event(event, set(running), at, c.owner_id, self.policy.clocks,
                                      self._calendar_of(s, c), incident_open=c.incident_status == "open")
        for name in plan.stop | plan.replace:
            clockrules.end(running[name], clockrules.REPLACED if name in plan.replace else clockrules.STOPPED, at)
        if plan.new_owner:
            for name, k in running.items():
                if name not in plan.replace:
                    k.owner_id, k.level = plan.new_owner, c.level
        for start in plan.start:
            add_clock(c, **new_clock_values(start, c.level, self.policy.clocks.warn_at))

    def _calendar_of(self, s: Session, c: Complaint | ComplaintRow):
        """The calendar of the complaint's window (a ComplaintRow's was read with it)."""
        if isinstance(c, ComplaintRow):
            return self._calendar_named(c.window_calendar)
        return self.window_calendar(s.get(Window, c.window_code))

    # ---- reads -----------------------------------------------------------------------

    def get(self, complaint_id: int) -> dict:
        with self.db.reading() as s:
            return self._full(s, load_complaint(s, complaint_id))

    def _full(self, s: Session, c: Complaint | ComplaintRow, at: datetime | None = None) -> dict:
        data = complaint_dict(c, _names(s, c), at or self.now(), private=True)
        # A ComplaintRow knows whether it had photos: most have none, and need no query.
        data["photos"] = photo_list(s, c.id) if getattr(c, "has_photos", True) else []
        return data

    def photo(self, complaint_id: int, photo_id: int) -> tuple[str, bytes]:
        with self.db.reading() as s:
            return photo_bytes(s, complaint_id, photo_id)

    def list(self, state: str | None = None, overdue: bool = False, *, unit: str | None = None,
             window: str | None = None, month: str | None = None, owner: str | None = None,
             open_only: bool = False, limit: int | None = None, before: int | None = None,
             after: int | None = None, newest_first: bool = False) -> list[dict]:
        """Complaints by id, filtered; ``month``: received in that month (Asia/Shanghai);
        ``before`` / ``after``: ids below / above it (the next page of a list)."""
        now = self.now()
        query = select(Complaint).order_by(Complaint.id.desc() if newest_first else Complaint.id)
        if before is not None:
            query = query.where(Complaint.id < before)
        if after is not None:
            query = query.where(Complaint.id > after)
        if state is not None:
            _check_choice("--state", state, STATES)
            query = query.where(Complaint.state == state)
        if open_only:
            query = query.where(Complaint.state.in_(OPEN_STATES))
        if overdue:
            query = query.where(exists().where(Clock.complaint_id == Complaint.id,
                                               Clock.state == clockrules.RUNNING,
                                               Clock.due_at <= now))
        for column, value in ((Complaint.unit_code, unit), (Complaint.window_code, window),
                              (Complaint.owner_id, owner)):
            if value:
                query = query.where(column == value)
        if month:
            start, end = month_bounds(month)
            query = query.where(Complaint.received_at >= start, Complaint.received_at < end)
        if limit:
            query = query.limit(limit)
        with self.db.reading() as s:
            rows = list(s.scalars(query))
            names = names_of(s, {p for c in rows for p in (c.against_id, c.owner_id)})
            return [complaint_dict(c, names, now) for c in rows]

    def open_owned_by_others(self, person_id: str) -> int:
        """How many open complaints someone else owns (the queue points to them: each clock is
        its owner's, rules.md §3, so a queue lists only the person's own)."""
        with self.db.reading() as s:
            return s.scalar(select(func.count()).select_from(Complaint)
                            .where(Complaint.state.in_(OPEN_STATES), Complaint.owner_id != person_id)) or 0

    def allowed_for(self, complaint_id: int, actor_id: str) -> list[str]:
        """The events this person may fire now (verify asks for 'against' if nobody is named)."""
        with self.db.reading() as s:
            c = load_complaint(s, complaint_id)
            who = staff_actor(s, actor_id)
            return allowed_events(lifecycle_of(c, _unit_of(s, c.against_id)), who)


# ---- helpers ---------------------------------------------------------------------------


def _check_choice(field: str, value: str, choices) -> None:
    if value not in choices:
        raise InvalidInput(f"{field}: '{value}' is not one of {', '.join(sorted(choices))}")


def _event_data(c: Complaint, event: str) -> dict:
    """What a replay cannot infer from states alone: who was complained about, and on verify the
    reporting line that shares the penalty (rules.md §4), as the directory said then."""
    data = {"against": c.against_id}
    if event == "verify":
        data |= {"supervisor": c.verified_supervisor_id, "leader": c.verified_leader_id}
    return data


def _unit_of(s: Session, person_id: str | None) -> str | None:
    p = s.get(Person, person_id) if person_id else None
    return p.unit_code if p else None


def _against_unit(s: Session, c: Complaint | ComplaintRow) -> str | None:
    """The unit of the person complained about (a ComplaintRow's was read with it)."""
    return c.against_unit if isinstance(c, ComplaintRow) else _unit_of(s, c.against_id)


def _reporting_line(s: Session, c: Complaint | ComplaintRow) -> tuple[str | None, str | None]:
    """(supervisor, leader in charge) of the person complained about, as the directory says now."""
    if isinstance(c, ComplaintRow):
        return c.against_supervisor, c.against_leader
    return reporting_line(s, s.get(Person, c.against_id))


def _name_against(s: Session, c: Complaint | ComplaintRow, against: str, who: Actor, at: datetime) -> None:
    """Naming (or renaming) the person complained about: a step of its own, judged on the
    complaint as it was and as it will be, recorded with the old and the new name (rules.md §3:
    the accused never acts on his complaint, nor does the head of his unit)."""
    new = active_person(s, against, "--against")
    life = lifecycle_of(c, _against_unit(s, c))
    reason = against_change_refusal(life, new.id, new.unit_code, who)
    if reason:
        raise _refused(c, life, who, reason)
    old = c.against_id
    names = names_of(s, {old, new.id})
    c.against_id = new.id
    if isinstance(c, ComplaintRow):  # the facts read with it follow the new name
        c.against_unit, c.names[new.id] = new.unit_code, new.name
        c.against_supervisor, c.against_leader = reporting_line(s, new)
    add_event(c, event=AGAINST, from_state=c.state, to_state=c.state, actor_id=who.id, at=at,
              note=f"被投诉人 {names.get(old, '未指定')} → {names.get(new.id, new.id)} / "
                   "the person complained about is named",
              level=c.level, owner_id=c.owner_id, data={"against": new.id, "was": old})


def _assigned_note(name: str) -> str:
    """'分派给 陈建 / assigned to 陈建': the history names people, never by id (issue 13)."""
    return f"分派给 {name} / assigned to {name}"


def _refused(c: Complaint, life, who: Actor, reason: str) -> Refused:
    """The refusal with what this person may do instead, else what the state allows at all."""
    mine = allowed_events(life, who)
    if mine:
        tail = f"可用操作 allowed: {_events_text(mine)}"
    elif state_allows := allowed_events(life):
        tail = f"您现在无可用操作 nothing you may do now (此状态可用 the state allows: {_events_text(state_allows)})"
    else:
        tail = "已结案，无可用操作 closed: nothing more to do"
    return Refused(f"#{c.id} {STATE_LABELS[c.state]} {c.state}: {reason}; {tail}",
                   state=c.state, allowed=mine)


def _events_text(events: list[str]) -> str:
    return ", ".join(f"{EVENT_LABELS[e]} {e}" for e in events)


_PUBLISHED = text("SELECT status FROM month_close WHERE month = :m")


def _refuse_published_month(conn: Connection, c: Complaint | ComplaintRow, at: datetime) -> None:
    """A verification dated in a published month would count nowhere (rules.md §4: a published
    month is never rewritten; corrections are adjustments). Reads the month close's table by name
    so that states does not import scoring."""
    month = at.astimezone(BUSINESS_TZ).strftime("%Y-%m")
    status = conn.execute(_PUBLISHED, {"m": month}).scalar()
    if status == "published":
        raise Refused(f"#{c.id}: {month} is published 该月已公布; verify at a time in an open month, "
                      "or correct with an adjustment", state=c.state)


def _names(s: Session, c: Complaint | ComplaintRow) -> dict[str, str]:
    """{person id: name} of the accused and the owner (a ComplaintRow's were read with it)."""
    ids = {c.against_id, c.owner_id} - {None}
    known = getattr(c, "names", {})
    if ids <= known.keys():
        return {i: known[i] for i in ids if known[i] is not None}
    return names_of(s, ids)
