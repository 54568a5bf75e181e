"""What every change of a complaint does first, in its caller's transaction: load the complaint,
check who acts and that the step comes after the last one; and the clock row a plan starts.

The one place for these checks: the complaint service (states/service.py), the incident
procedure (states/incident.py) and the spot checks (states/spotcheck.py) all go through it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.errors import Forbidden, InvalidInput, NotFound
from core.org import Person, Unit, Window, check_active, rung_of_roles, with_units_headed
from states import clocks as clockrules
from states.machine import SYSTEM, Actor
from states.models import Clock, Complaint, ComplaintEvent, ComplaintPhoto

INTAKE_ACTOR = "intake"
# Names the system acts under: nobody may act as one of them from a command line or a page.
RESERVED_ACTORS = {SYSTEM.id, "complainant", INTAKE_ACTOR}


def load_complaint(s: Session, complaint_id: int) -> Complaint:
    """The complaint, or one clear refusal naming the id."""
    c = s.get(Complaint, complaint_id)
    if c is None:
        raise _no_complaint(complaint_id)
    return c


def _no_complaint(complaint_id: int) -> NotFound:
    return NotFound(f"ID: no complaint #{complaint_id} 投诉不存在")


def staff_actor(s: Session | Connection, actor_id: str) -> Actor:
    """A person of the directory. The clock watch acts as SYSTEM through its own code path;
    nobody may act as 'system' or 'complainant' from the command line."""
    if actor_id in RESERVED_ACTORS:
        raise Forbidden(f"--by: '{actor_id}' is reserved for the system 保留名称，不能用于操作")
    conn = s.connection() if isinstance(s, Session) else s
    # One statement: the person and the units he heads (a row each, or one without a unit).
    rows = conn.execute(_statement("actor"), {"id": actor_id}).all()
    p = check_active(rows[0] if rows else None, actor_id, "--by")
    return Actor(id=actor_id, kind="staff", rung=rung_of_roles(p.roles),
                 heads=frozenset(row.head_of for row in rows if row.head_of is not None))


def check_time_order(c: Complaint, at: datetime) -> None:
    """A step is never dated before the complaint's last one (a replay's --at included)."""
    last = max((h.at for h in c.history), default=c.received_at)
    if at < last:
        raise InvalidInput(f"--at: {at.isoformat()} is before the last step of #{c.id} "
                           "早于上一步操作时间")


def clock_row(complaint_id: int, plan: clockrules.ClockStart, level: int,
              warn_at: list[float]) -> Clock:
    """The running clock a plan starts, with its first warning point (policy clocks.warn_at)."""
    return Clock(complaint_id=complaint_id, **new_clock_values(plan, level, warn_at))


# ---- the advance's hot path: the complaint as plain rows, read and written with Core --------------
#
# ``ComplaintService.advance`` reads a complaint with its clocks and the directory facts its guards
# need in one statement (and its history in a second), lets the same ``_change`` / ``_apply`` as the
# ORM path work on these plain objects, then writes what changed with Core: the complaint's UPDATE
# carries ``WHERE version = :seen`` (no row = someone else changed it first), the clocks' UPDATEs,
# the new clocks and history rows as INSERTs, all in the caller's one transaction.

C, K, E = Complaint.__table__, Clock.__table__, ComplaintEvent.__table__
COMPLAINT_COLUMNS = tuple(col.name for col in C.columns)
CLOCK_COLUMNS = ("id", "name", "owner_id", "level", "started_at", "due_at", "state", "ended_at",
                 "next_warn_at")
# Read: all but the next warning (only the watch moves it; a change writes it on new clocks alone).
_CLOCK_READ = CLOCK_COLUMNS[:-1]
_CLOCK_CHANGES = ("state", "ended_at", "owner_id", "level")  # what a change does to a running clock
EVENT_COLUMNS = ("id", "event", "from_state", "to_state", "actor_id", "at", "note", "level",
                 "owner_id", "data")


class ClockRow:
    """A ``complaint_clock`` row; ``seen``: what the database holds of it (None: not written yet)."""

    __slots__ = (*CLOCK_COLUMNS, "seen")

    def __init__(self, **values):
        for name in CLOCK_COLUMNS:
            setattr(self, name, values.get(name))
        self.seen = None if self.id is None else self._changes()

    def _changes(self) -> tuple:
        return tuple(getattr(self, name) for name in _CLOCK_CHANGES)


class EventRow:
    """A ``complaint_event`` row, the history (``id`` None until written)."""

    __slots__ = EVENT_COLUMNS

    def __init__(self, **values):
        for name in EVENT_COLUMNS:
            setattr(self, name, values.get(name))


class ComplaintRow:
    """A complaint as the change reads it: its columns, clocks and history, and the directory's
    facts its guards and its answer need (the accused's unit and reporting line, the window's
    calendar, names). ``_change`` and ``_apply`` set its attributes as they set an ORM row's."""

    def __init__(self, values: dict):
        self.__dict__.update(values)
        self.seen = dict(values)
        self.clocks: list[ClockRow] = []
        self.history: list[EventRow] = []
        self.against_unit = self.against_supervisor = self.against_leader = None
        self.window_calendar = self.window_name = None
        self.names: dict[str, str | None] = {}  # person id → name (None: not in the directory)
        self.has_photos = False


def add_clock(c, **values) -> None:
    """A new clock into the complaint's list: an ORM row goes into the session with it."""
    c.clocks.append(ClockRow(**values) if isinstance(c, ComplaintRow) else Clock(complaint_id=c.id, **values))


def add_event(c, **values) -> None:
    """A history row onto the complaint's list: an ORM row goes into the session with it."""
    c.history.append(EventRow(**values) if isinstance(c, ComplaintRow)
                     else ComplaintEvent(complaint_id=c.id, **values))


def new_clock_values(plan: clockrules.ClockStart, level: int, warn_at: list[float]) -> dict:
    """The columns of the running clock a plan starts, with its first warning point."""
    return {"name": plan.name, "owner_id": plan.owner, "level": level, "started_at": plan.started_at,
            "due_at": plan.due_at, "state": clockrules.RUNNING,
            "next_warn_at": clockrules.next_warning(plan.started_at, plan.due_at, warn_at, plan.started_at)}


def _load_statement():
    against, owner = Person.__table__.alias("against_p"), Person.__table__.alias("owner_p")
    unit, window = Unit.__table__, Window.__table__
    photo = ComplaintPhoto.__table__
    return (select(*C.columns, against.c.unit_code.label("a_unit"), against.c.name.label("a_name"),
                   against.c.supervisor_id.label("a_supervisor"), unit.c.leader_id.label("a_leader"),
                   owner.c.name.label("o_name"), window.c.calendar.label("w_calendar"),
                   window.c.name.label("w_name"),
                   exists().where(photo.c.complaint_id == C.c.id).label("photos"),
                   *(K.c[name].label(f"k_{name}") for name in _CLOCK_READ))
            .select_from(C.outerjoin(against, against.c.id == C.c.against_id)
                         .outerjoin(unit, unit.c.code == against.c.unit_code)
                         .outerjoin(owner, owner.c.id == C.c.owner_id)
                         .outerjoin(window, window.c.code == C.c.window_code)
                         .outerjoin(K, K.c.complaint_id == C.c.id))
            .where(C.c.id == bindparam("id")).order_by(K.c.id))


def _history_statement():
    # Without ``data``: a written row is never written again, and the answer does not show it.
    return (select(*(E.c[name] for name in EVENT_COLUMNS if name != "data"))
            .where(E.c.complaint_id == bindparam("id")).order_by(E.c.id))


def _actor_statement():
    return with_units_headed("active", "roles").where(Person.__table__.c.id == bindparam("id"))


def _complaint_update(names: tuple[str, ...]):
    return (update(C).where(C.c.id == bindparam("c_id"), C.c.version == bindparam("c_seen"))
            .values({name: bindparam(f"c_{name}") for name in names} | {"version": bindparam("c_version")}))


def _clock_update(names: tuple[str, ...]):
    return update(K).where(K.c.id == bindparam("k_id")).values({name: bindparam(f"k_{name}") for name in names})


# Built once per shape (the columns a change sets), so each advance only binds its values.
_STATEMENTS: dict[tuple, object] = {}


def _statement(kind: str, *args):
    key = (kind, *args)
    if key not in _STATEMENTS:
        build = {"load": _load_statement, "actor": _actor_statement, "history": _history_statement,
                 "complaint": _complaint_update, "clock": _clock_update, "insert": insert,
                 "receive": lambda: insert(C).returning(C.c.id),
                 "new clocks": lambda: insert(K).returning(K.c.id, sort_by_parameter_order=True)}[kind]
        _STATEMENTS[key] = build(*args)
    return _STATEMENTS[key]


def load_for_change(conn: Connection, complaint_id: int) -> ComplaintRow:
    """The complaint with its clocks and the directory facts (one statement), and its history."""
    rows = conn.execute(_statement("load"), {"id": complaint_id}).all()
    if not rows:
        raise _no_complaint(complaint_id)
    first, width = rows[0], len(COMPLAINT_COLUMNS)
    c = ComplaintRow(dict(zip(COMPLAINT_COLUMNS, first[:width], strict=True)))
    (c.against_unit, a_name, c.against_supervisor, c.against_leader, o_name, c.window_calendar,
     c.window_name, c.has_photos) = first[width:width + 8]
    c.names = {i: name for i, name in ((c.against_id, a_name), (c.owner_id, o_name)) if i is not None}
    c.clocks = [ClockRow(**dict(zip(_CLOCK_READ, row[width + 8:], strict=True))) for row in rows
                if row[width + 8] is not None]
    c.history = [EventRow(**dict(zip(EVENT_COLUMNS[:-1], row, strict=True)))
                 for row in conn.execute(_statement("history"), {"id": complaint_id})]
    return c


def write_change(conn: Connection, c: ComplaintRow) -> None:
    """What the change did to ``c``, written: the complaint's UPDATE first, guarded by the version
    it was read at (no row: :class:`StaleDataError`, someone else changed it meanwhile), then the
    clocks it ended or handed over, the clocks it started and its history rows."""
    names = tuple(name for name in COMPLAINT_COLUMNS if name != "version" and getattr(c, name) != c.seen[name])
    won = conn.execute(_statement("complaint", names),
                       {"c_id": c.id, "c_seen": c.version, "c_version": c.version + 1,
                        **{f"c_{name}": getattr(c, name) for name in names}}).rowcount
    if won != 1:
        raise StaleDataError(f"complaint #{c.id}: version {c.version} is no longer the row's")
    c.version += 1
    c.seen = {name: getattr(c, name) for name in COMPLAINT_COLUMNS}
    by_shape: dict[tuple, list[dict]] = {}
    for k in c.clocks:
        if k.seen is not None and k._changes() != k.seen:
            changed = tuple(n for n, old in zip(_CLOCK_CHANGES, k.seen, strict=True) if getattr(k, n) != old)
            by_shape.setdefault(changed, []).append({"k_id": k.id, **{f"k_{n}": getattr(k, n) for n in changed}})
            k.seen = k._changes()
    for changed, params in by_shape.items():
        conn.execute(_statement("clock", changed), params)
    _write_new_clocks(conn, c, read_ids=False)
    _write_history(conn, c)


def new_complaint(values: dict) -> ComplaintRow:
    """A complaint being received, not written yet: every column (``id`` None until written)."""
    return ComplaintRow({name: values.get(name) for name in COMPLAINT_COLUMNS})


def write_new(conn: Connection, c: ComplaintRow) -> None:
    """A complaint received, written with Core: its row (its id read back), its clocks (their
    ids read back: a spot check's finding changes them in the same transaction) and its history."""
    c.id = conn.execute(_statement("receive"), {n: getattr(c, n) for n in COMPLAINT_COLUMNS if n != "id"}).scalar_one()
    c.seen = {name: getattr(c, name) for name in COMPLAINT_COLUMNS}
    _write_new_clocks(conn, c, read_ids=True)
    _write_history(conn, c)


def _write_new_clocks(conn: Connection, c: ComplaintRow, read_ids: bool) -> None:
    """The clocks a change started, in one statement; a change's answer shows no clock id, so
    only a receipt (which later changes of the same transaction may follow) reads them back."""
    new = [k for k in c.clocks if k.seen is None]
    if not new:
        return
    params = [{"complaint_id": c.id, **{n: getattr(k, n) for n in CLOCK_COLUMNS[1:]}} for k in new]
    if read_ids:
        ids = conn.execute(_statement("new clocks"), params).scalars().all()
        for k, clock_id in zip(new, ids, strict=True):
            k.id = clock_id
    else:
        conn.execute(_statement("insert", K), params)
    for k in new:
        k.seen = k._changes()


def _write_history(conn: Connection, c: ComplaintRow) -> None:
    for h in c.history:
        if h.id is None:
            values = {"complaint_id": c.id, **{n: getattr(h, n) for n in EVENT_COLUMNS[1:]}}
            h.id = conn.execute(_statement("insert", E), values).inserted_primary_key[0]
