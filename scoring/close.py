"""The month close (rules.md §4, §5): draft, publish, show; nominations, praise, adjustments.

Plain services, no Prefect: the flows and the CLI call these. A close reads
the month's facts in a few set-based queries, scores them with the pure
engine and stores the ledger as a draft (replacing the previous draft), with
the facts it scored and its policy version recorded whole (``policy_record``). A
publish freezes it, records the month's stars and worst ratings for the
history, and queues every message of §5 in the same transaction. Only the
president's office closes and publishes; one close of a month at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path

import orjson
from sqlalchemy import BigInteger, Integer, SmallInteger, String, delete, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, defer

from core.db import Database, JSONText
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, Refused
from core.memory import without_cyclic_gc
from core.org import Person, Unit
from core.orgservice import org_snapshot
from core.policy import Policy
from core.policyrecord import record_policy
from core.policystore import policy_for_month
from core.private import private_dir, write_private
from core.settings import Settings
from core.timeutil import as_utc, local_iso, utcnow
from core.validation import check_note
from notifications.messages import draft
from notifications.outbox import enqueue
from scoring import MonthResult, result_to_json, score_month
from scoring.facts import month_bounds, read_month_facts
from scoring.facts_json import facts_to_json, line_time
from scoring.models import Adjustment, LedgerLine, LedgerPerson, MonthClose, MonthOutcome, Praise, StarNomination

DRAFT, PUBLISHED = "draft", "published"
SCHEDULE_ACTOR = "system"
NOMINATING_ROLES = ("coordinator", "executor", "supervisor")
# SQLite: how long a close or publish waits for the write lock before it is refused (a close
# holds it for its whole transaction; any other write holds it for milliseconds).
SQLITE_LOCK_WAIT_MS = 500
SQLITE_CLOSE_CACHE_KB = 256 * 1024


def month_lock_key(month: str) -> str:
    """PostgreSQL's advisory lock of a month: held by its close or publish (and a policy save)."""
    return f"jiandu-month-{month}"


def facts_text(data: dict) -> JSONText:
    """The facts JSON as stored and hashed: keys sorted, so that equal facts give equal text.
    orjson: a million complaints in 1.7 s instead of 5 s with the json module."""
    return JSONText(orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode())


def digest(data: dict | JSONText) -> str:
    text = data if isinstance(data, JSONText) else facts_text(data)
    return hashlib.sha256(text.encode()).hexdigest()


class MonthCloseService:
    def __init__(self, db: Database, policy: Policy, settings: Settings,
                 now: Callable[[], datetime] = utcnow):
        self.db, self.policy, self.settings, self.now = db, policy, settings, now

    # ---- close and publish ---------------------------------------------------------------

    def policy_of(self, s: Session, month: str) -> Policy:
        """The rules ``month`` is closed under: the newest version saved in the console that applies
        to it (core/policystore.py), else this service's policy (the file's)."""
        return policy_for_month(s, month) or self.policy

    def close(self, month: str, by: str, *, scheduled: bool = False, at: datetime | None = None) -> dict:
        """A draft; ``scheduled`` (the month-close flow only) closes as 'system' and answers with
        the figures but not the people's lines (they are in the ledger; the flow reports a summary).
        ``at``: the time of the close (a replay's own time), else now."""
        month_bounds(month)  # refuses a malformed month
        now = as_utc(at) if at else self.now()
        with self.db.transaction() as s:
            if not (scheduled and by == SCHEDULE_ACTOR):  # the schedule drafts; a person publishes
                _require_role(s, by, "president_office", "close a month 关账")
            self._one_at_a_time(s, month)
            # The stored facts and the draft before are replaced, never read: not loaded (a large
            # month's facts are a hundred megabytes of JSON).
            row = s.get(MonthClose, month, options=[defer(MonthClose.facts), defer(MonthClose.previous_result)])
            if row is not None and row.status == PUBLISHED:
                raise Refused(f"{month} is published: never closed again; correct it with an adjustment "
                              "in an open month 已公布的月份不可重新关账，请在下月做调整", state=PUBLISHED)
            policy = self.policy_of(s, month)
            with without_cyclic_gc():  # millions of acyclic objects (core.memory)
                facts = read_month_facts(s, month)
                scored = score_month(facts, policy)
                # The schedule's close only reports a summary: it never builds the lines as JSON.
                result = result_to_json(scored, lines=not scheduled)
                if row is None:
                    row = MonthClose(month=month, drafts=0)
                    s.add(row)
                row.previous_result = row.result  # kept for the review of what this draft changed
                row.status, row.policy_version, row.result = DRAFT, policy.version, without_lines(result)
                stored = facts_text(facts_to_json(facts))  # what it was scored from: what-if and audit
                # The facts' digest, with the policy version, tells publish() whether the draft still
                # holds: the same facts under the same policy score the same (score_month is pure).
                facts_digest = digest(stored)
                if facts_digest != row.facts_digest or _facts_missing(s, month):  # not the same again
                    row.facts = stored
                row.facts_digest, row.closed_by, row.closed_at = facts_digest, by, now
                row.drafts = (row.drafts or 0) + 1
                record_policy(s, policy, month, now)  # the version, kept whole (policy by month)
                # A re-close that would make the very rows of the draft's ledger keeps them: the same
                # facts under the same policy and the same scoring code give the same lines. Else
                # only the people whose lines changed are written again (all at a first close).
                ledger_of = ledger_key(facts_digest, policy.version)
                if ledger_of is None or ledger_of != row.ledger_of:
                    with _big_page_cache(s):
                        write_ledger(s, month, scored)
                    row.ledger_of = ledger_of
                view = self._view(row, result)
                # Gone before the collector is back: its first pass would walk every one of them
                # (0.5 s of a 200,000-complaint close), to free none.
                del facts, scored
        if not scheduled:
            # A person closing reviews the draft notice at once. The schedule's draft is looked at
            # later, on the month page (rendered from the stored result): rendering every person's
            # lines is the slowest part of a large close, and nobody reads that file.
            self._write_notice(month, view, "draft")
        return view

    def publish(self, month: str, by: str, at: datetime | None = None) -> dict:
        """Freeze the month; only once it is over in Asia/Shanghai (``at``: the time of publishing)."""
        _, end = month_bounds(month)
        now = as_utc(at) if at else self.now()
        if now < end:
            raise Refused(f"{month} is not over yet 月份尚未结束，不能公布 (ends {local_iso(end)})")
        with self.db.transaction() as s:
            _require_role(s, by, "president_office", "publish a month 公布")
            self._one_at_a_time(s, month)
            row = s.get(MonthClose, month)
            if row is None:
                raise Refused(f"{month}: close a draft first 请先关账生成草稿 (jiandu month close)")
            if row.status == PUBLISHED:  # once only: a second publish would say it did something
                raise Refused(f"{month} is already published ({local_iso(row.published_at)[:16]}) "
                              "该月已公布，不可重复公布; correct it with an adjustment in an open month",
                              state=PUBLISHED)
            if now < row.closed_at:  # a replay's records read in order: closed, then published
                raise InvalidInput(f"--at: {local_iso(now)} is before the draft closed at "
                                   f"{local_iso(row.closed_at)} 公布时间早于关账时间")
            facts_now = facts_to_json(read_month_facts(s, month))
            if digest(facts_now) != row.facts_digest or row.policy_version != self.policy_of(s, month).version:
                raise Refused(f"{month}: the facts or the policy changed since the draft of "
                              f"{local_iso(row.closed_at)}; close again and review 数据已变化，请重新关账并复核",
                              state=DRAFT)
            row.status, row.published_by, row.published_at = PUBLISHED, by, now
            s.add_all(_outcomes(month, row.result))
            result = month_result(s, row)
            enqueue(s, self._month_messages(s, result), self.settings, now)
            view = self._view(row, result)
        self._write_notice(month, view, "published")
        return view

    def show(self, month: str) -> dict:
        month_bounds(month)
        with self.db.reading() as s:
            row = s.get(MonthClose, month)
            if row is None:
                raise NotFound(f"{month}: not closed yet 尚未关账")
            return self._view(row, month_result(s, row))

    def months(self) -> list[dict]:
        """Every closed month, newest first: status and who closed or published it when."""
        with self.db.reading() as s:
            rows = s.scalars(select(MonthClose).order_by(MonthClose.month.desc()))
            return [{"month": r.month, "status": r.status, "drafts": r.drafts, "closed_by": r.closed_by,
                     "closed_at": local_iso(r.closed_at), "published_by": r.published_by,
                     "published_at": local_iso(r.published_at)} for r in rows]

    # ---- before the close ------------------------------------------------------------------

    def nominate(self, month: str, unit: str, person: str, by: str) -> dict:
        month_bounds(month)
        with self.db.transaction() as s:
            _require_role(s, by, NOMINATING_ROLES, "nominate a service star 提名服务明星")
            _open_month(s, month)
            u = s.get(Unit, unit)
            if u is None or not u.active:
                raise NotFound(f"UNIT: unknown unit '{unit}' 未知单位")
            p = _person(s, person, "PERSON")
            if p.unit_code != unit:
                raise InvalidInput(f"PERSON: '{person}' is not of unit '{unit}' 不属于该单位")
            row = s.scalar(select(StarNomination).where(StarNomination.month == month,
                                                        StarNomination.unit_code == unit))
            if row is None:
                row = StarNomination(month=month, unit_code=unit)
                s.add(row)
            row.person_id, row.by_id, row.at = person, by, self.now()
            return {"month": month, "unit": unit, "person": person, "by": by}

    def praise(self, person: str, by: str, note: str | None = None, at: datetime | None = None) -> dict:
        at = as_utc(at) if at else self.now()
        check_note("--note", note, self.settings.note_max_chars)
        with self.db.transaction() as s:
            _person(s, person, "PERSON")
            _person(s, by, "--by")  # complainants' ratings arrive through the web issue's own path
            if by == person:
                raise Refused("nobody praises himself 不能表扬自己")
            s.add(Praise(person_id=person, by_id=by, at=at, note=note))
            return {"person": person, "by": by, "at": local_iso(at), "note": note}

    def adjust(self, month: str, person: str, points: int, corrects: str, reason: str, by: str,
               at: datetime | None = None) -> dict:
        """Book a correction of a published month in the open ``month``."""
        month_bounds(month)
        check_note("--reason", reason, self.settings.note_max_chars)
        at = as_utc(at) if at else self.now()
        with self.db.transaction() as s:
            _require_role(s, by, "president_office", "adjust 调整")
            _open_month(s, month)
            _person(s, person, "PERSON")
            corrected = corrects.split("/", 1)[0]
            target = s.get(MonthClose, corrected)
            if target is None or target.status != PUBLISHED or corrected >= month:
                raise InvalidInput(f"--corrects: '{corrects}' must name an earlier published month, "
                                   "e.g. 2026-10/c7 须指向已公布的更早月份")
            if not reason.strip():
                raise InvalidInput("--reason: empty 须说明理由")
            s.add(Adjustment(month=month, person_id=person, points=points, corrects=corrects,
                             reason=reason.strip(), by_id=by, at=at))
            return {"month": month, "person": person, "points": points, "corrects": corrects}

    # ---- helpers ---------------------------------------------------------------------------

    def _one_at_a_time(self, s: Session, month: str) -> None:
        """One close or publish of a month at a time, also across workers: a second one while
        the first holds the month is refused at once (Conflict), never queued to run after it.
        The hold ends with the first one's transaction (commit, rollback or a dead process)."""
        if self.db.is_postgres:
            held = s.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"),
                             {"k": month_lock_key(month)}).scalar()
            if not held:
                raise _busy(month)
            return
        # SQLite: take the write lock now, waiting only as long as an ordinary write lasts.
        conn = s.connection()
        usual = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_LOCK_WAIT_MS}")
        try:
            s.execute(update(MonthClose).where(MonthClose.month == month)
                      .values(drafts=MonthClose.drafts))
        except OperationalError as exc:
            if getattr(exc.orig, "sqlite_errorname", "") != "SQLITE_BUSY" and "locked" not in str(exc.orig):
                raise
            raise _busy(month) from None
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(usual)}")

    def _view(self, row: MonthClose, result: dict) -> dict:
        from scoring.diff import draft_diff

        return {**result, "status": row.status, "policy_version": row.policy_version,
                "changes_since_previous_draft": draft_diff(row.previous_result, row.result),
                "drafts": row.drafts, "closed_by": row.closed_by, "closed_at": local_iso(row.closed_at),
                "published_by": row.published_by, "published_at": local_iso(row.published_at)}

    def _month_messages(self, s: Session, result: dict) -> list:
        month = result["month"]
        people = {p.id: p for p in s.scalars(select(Person))}
        units = {u.code: u for u in s.scalars(select(Unit))}
        office = [p.id for p in people.values() if p.active and p.has_role("president_office")]

        def name(pid):
            return people[pid].name if pid in people else pid

        def unit_name(code):
            return units[code].name if code in units else (code or "—")

        drafts = [draft("month_results", pid, month=month, name=name(pid), p=p)
                  for pid, p in sorted(result["people"].items()) if p["lines"]]
        worst = [{"name": name(pid), "unit": unit_name(p["unit"]), "fine": p["fine"],
                  "worst_count": p["worst_count"], "dismissal_recommended": p["dismissal_recommended"]}
                 for pid, p in sorted(result["people"].items()) if p["worst"]]
        if worst:
            drafts += [draft("worst_rating", o, month=month, worst=worst) for o in office]
        for pid, p in sorted(result["people"].items()):
            if p["dismissal_recommended"]:
                drafts += [draft("dismissal_recommendation", o, month=month, name=name(pid),
                                 unit=unit_name(p["unit"]), worst_count=p["worst_count"]) for o in office]
        for code, star in sorted(result["stars"].items()):
            if star["person"]:
                head = units[code].head_id if code in units else None
                for recipient in dict.fromkeys(r for r in (star["person"], head) if r):
                    drafts.append(draft("service_star", recipient, month=month, name=name(star["person"]),
                                        unit=unit_name(code), star=star))
        return drafts

    def _write_notice(self, month: str, view: dict, status: str) -> Path:
        """The notice page and spreadsheet, derived from the stored result (re-creatable)."""
        from notifications.notice import render_notice_html, render_notice_xlsx

        folder = private_dir(Path(self.settings.notice_dir) / month)
        org = org_snapshot(self.db, include_inactive=True)
        html = render_notice_html(view, org, mask_names=self.settings.mask_names, status=status)
        stem = "notice" if status == PUBLISHED else "notice-draft"
        write_private(folder / f"{stem}.html", html.encode())
        if status == PUBLISHED:
            write_private(folder / "notice.xlsx", render_notice_xlsx(view, org, mask_names=self.settings.mask_names))
        return folder



def _facts_missing(s: Session, month: str) -> bool:
    """A month closed before the close stored its facts (the digest alone), asked without loading them."""
    return s.scalar(select(MonthClose.month).where(MonthClose.month == month, MonthClose.facts.is_(None))) is not None


def _busy(month: str) -> Conflict:
    return Conflict(f"{month}: another close or publish of this month is running 该月正在关账或公布，"
                    "请稍后再试 / try again when it is done")


LEDGER_COLUMNS = ("month", "person_id", "rule", "points", "money", "source", "reason_zh", "reason_en", "at")


def row_maker(month: str) -> Callable[[str, Iterable[tuple]], list[tuple]]:
    """Makes one person's ledger lines into rows of LEDGER_COLUMNS."""
    # A complaint's person, supervisor and leader lines share its time, one datetime object: each
    # is written out once (isoformat in Asia/Shanghai was a quarter of making the rows). Keyed by
    # the object: every one stays alive in the result while its rows are made.
    times: dict[int, str] = {}

    def when(at):
        if at is None:
            return None
        text = times.get(id(at))
        if text is None:
            text = times[id(at)] = line_time(at)
        return text

    def rows(pid: str, lines: Iterable[tuple]) -> list[tuple]:
        # Unpacked, with Line.reason_zh / reason_en inlined: millions of rows (see scoring.model.Line).
        return [(month, pid, rule, points, money, source, zh if subject is None else subject + zh,
                 en if subject is None else subject + en, when(at))
                for _, rule, points, money, source, zh, en, at, subject in lines]

    return rows


def ledger_rows(month: str, result: MonthResult) -> Iterator[tuple]:
    """The month's ledger lines as rows of LEDGER_COLUMNS, person by person in id order; made as
    they are written, never all at once (millions of tuples)."""
    rows = row_maker(month)
    return (row for pid, p in sorted(result.people.items()) for row in rows(pid, p.lines))


# What makes the ledger's rows besides the facts and the policy: the scoring code. A change to
# any of these files (a deploy between two closes) makes a re-close write its lines again.
_LEDGER_CODE = ("scoring/model.py", "scoring/numbers.py", "scoring/rules.py", "scoring/month.py",
                "scoring/wording.py", "scoring/edge.py", "scoring/facts_json.py", "scoring/close.py",
                "core/glossary.py")


@cache
def _ledger_code() -> str | None:
    """A digest of the scoring code, or None where a file cannot be read (then every close writes)."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    try:
        for name in _LEDGER_CODE:
            h.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    except OSError:
        return None
    return h.hexdigest()


def ledger_key(facts_digest: str, policy_version: str) -> str | None:
    """What a draft's ledger rows are made from (month_close.ledger_of): equal keys, equal rows."""
    code = _ledger_code()
    if code is None:
        return None
    return hashlib.sha256(f"{facts_digest} {policy_version} {code}".encode()).hexdigest()


# A re-close writes the changed people's lines in batches of about this many rows (their rows
# are held until written), and deletes their old lines this many people per statement.
REWRITE_BATCH_ROWS = 50_000
DELETE_BATCH_PEOPLE = 500


def person_digest(seed: bytes, lines: list[tuple]) -> str:
    """A stable digest of one person's lines as the engine gives them (hashlib, not hash(): that
    one changes per process). The lines, not the rows made of them: a re-close digests every
    person but makes the rows of only those who changed (580,000 lines: 0.75 CPU-s, against
    1.3 to make the rows and 0.4 to digest those: a first close would save 0.4 s, a re-close
    after a change would pay 0.9 s more, near the first close's own cost). The rows follow from
    the lines, the month and the scoring code: the code is the seed. sha256: the CPU's SHA
    instructions make it faster here than blake2b."""
    return hashlib.sha256(seed + orjson.dumps(list(map(tuple, lines)))).hexdigest()[:32]


def write_ledger(s: Session, month: str, result: MonthResult) -> None:
    """Replace the draft's ledger with ``result``'s lines, writing only the people whose lines
    changed (their digests in LedgerPerson), so a re-close after one more complaint writes the
    lines of the few people it concerns. Other scoring code (the seed) writes every line again.
    Without the previous draft's digests (a first close, a draft from before migration 0018, or a
    scoring code that cannot be read) the whole ledger is written, as one COPY or executemany."""
    code = _ledger_code()
    seed = (code or "").encode()
    rows_of = row_maker(month)
    people = [(pid, p.lines) for pid, p in sorted(result.people.items()) if p.lines]
    old = {} if code is None else dict(s.execute(
        select(LedgerPerson.person_id, LedgerPerson.digest).where(LedgerPerson.month == month)).all())
    if not old:
        s.execute(delete(LedgerLine).where(LedgerLine.month == month))
        s.execute(delete(LedgerPerson).where(LedgerPerson.month == month))
        digests: list[tuple] = []

        def every_row():
            for pid, lines in people:
                digests.append((month, pid, person_digest(seed, lines)))
                yield from rows_of(pid, lines)

        insert_ledger(s, every_row())
        insert_rows(s, "ledger_person", LEDGER_PERSON_COLUMNS, digests)
        return
    changed: list[str] = []
    rows_out: list[tuple] = []
    digests = []

    def rewrite(gone: Iterable[str] = ()) -> None:
        """The changed people's old lines and digests out, their new ones in."""
        who = changed + list(gone)
        for i in range(0, len(who), DELETE_BATCH_PEOPLE):
            chunk = who[i:i + DELETE_BATCH_PEOPLE]
            s.execute(delete(LedgerLine).where(LedgerLine.month == month, LedgerLine.person_id.in_(chunk)))
            s.execute(delete(LedgerPerson).where(LedgerPerson.month == month, LedgerPerson.person_id.in_(chunk)))
        if digests:
            insert_ledger(s, rows_out)
            insert_rows(s, "ledger_person", LEDGER_PERSON_COLUMNS, digests)
        changed.clear()
        rows_out.clear()
        digests.clear()

    for pid, lines in people:
        d = person_digest(seed, lines)
        if old.pop(pid, None) != d:
            changed.append(pid)
            rows_out.extend(rows_of(pid, lines))
            digests.append((month, pid, d))
            if len(rows_out) >= REWRITE_BATCH_ROWS:
                rewrite()
    rewrite(gone=old)  # and the people who have no line any more


LEDGER_PERSON_COLUMNS = ("month", "person_id", "digest")


def insert_ledger(s: Session, rows: Iterable[tuple]) -> None:
    """Millions of plain rows, in the transaction of the close: COPY on PostgreSQL, the driver's
    executemany on SQLite (no per-row work in SQLAlchemy: every value is already a str or int)."""
    insert_rows(s, "ledger_line", LEDGER_COLUMNS, rows)


def insert_rows(s: Session, table: str, names: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Plain rows into ``table``: COPY on PostgreSQL, the driver's executemany on SQLite."""
    conn = s.connection()
    columns = ", ".join(names)
    if conn.dialect.name == "postgresql":
        # Binary COPY: no text escaping on either side (the server's share of a million-row COPY
        # is most of its time, and client CPU falls by half against the text format).
        with conn.connection.driver_connection.cursor() as cur, \
                cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(copy_types(table, names))
            for row in rows:
                copy.write_row(row)
        return
    cur = conn.connection.driver_connection.cursor()
    try:
        marks = ", ".join("?" * len(names))
        cur.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    finally:
        cur.close()


# What binary COPY sends each column as: the server refuses a value of another width (an int sent
# as int8 into an INTEGER column). The most specific type first: BigInteger is an Integer too.
_COPY_TYPES = ((BigInteger, "int8"), (SmallInteger, "int2"), (Integer, "int4"), (String, "text"))


def copy_types(table: str, names: tuple[str, ...]) -> list[str]:
    """The PostgreSQL type of each column, as binary COPY needs it. A column of any other type
    (a date, a boolean, JSON) is refused here, by name, instead of by the server mid-COPY."""
    columns = LedgerLine.metadata.tables[table].c
    return [wire_type(columns[name].type, f"{table}.{name}") for name in names]


def wire_type(type_, column: str) -> str:
    """The type binary COPY sends a column of SQLAlchemy type ``type_`` as (``column`` names it)."""
    for kind, wire in _COPY_TYPES:
        if isinstance(type_, kind):
            return wire
    raise TypeError(f"{column}: binary COPY sends no {type_!r} (add it to _COPY_TYPES)")


@contextmanager
def _big_page_cache(s: Session) -> Iterator[None]:
    """SQLite: a bigger page cache while millions of ledger rows go out and in, so that the
    transaction's pages stay in memory instead of spilling into the WAL half-way (the default
    cache is 2 MB). PostgreSQL: nothing to do."""
    conn = s.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    usual = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CLOSE_CACHE_KB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(usual)}")


def without_lines(result: dict) -> dict:
    """The result as stored: every figure, but each person's lines live in ledger_line rows."""
    return {**result, "people": {pid: {k: v for k, v in p.items() if k != "lines"}
                                 for pid, p in result["people"].items()}}


def month_result(s: Session, row: MonthClose) -> dict:
    """The whole result of a closed month: the stored figures with the ledger lines put back."""
    lines: dict[str, list[dict]] = {}
    for ln in s.execute(select(LedgerLine.person_id, LedgerLine.rule, LedgerLine.points, LedgerLine.money,
                               LedgerLine.source, LedgerLine.reason_zh, LedgerLine.reason_en, LedgerLine.at)
                        .where(LedgerLine.month == row.month).order_by(LedgerLine.id)):
        lines.setdefault(ln.person_id, []).append(
            {"rule": ln.rule, "points": ln.points, "money": ln.money, "source": ln.source,
             "reason": f"{ln.reason_zh} / {ln.reason_en}", "reason_zh": ln.reason_zh, "reason_en": ln.reason_en,
             "at": ln.at})
    return {**row.result, "people": {pid: {**p, "lines": lines.get(pid, [])}
                                     for pid, p in row.result["people"].items()}}


def publication_summary(result: dict) -> dict:
    """What publishing this result makes public and final: the figures a person confirms first."""
    people = result["people"].values()
    stars = [st for st in result["stars"].values() if st["person"]]
    return {"people": sum(1 for p in people if p["deductions"]),
            "deductions": sum(p["deductions"] for p in people),
            "worst": sum(1 for p in people if p["worst"]), "fines": sum(p["fine"] for p in people),
            "stars": len(stars), "rewards": sum(st["reward"] for st in stars)}


def _outcomes(month: str, result: dict) -> list[MonthOutcome]:
    stars = {star["person"]: unit for unit, star in result["stars"].items() if star["person"]}
    return [MonthOutcome(month=month, person_id=pid, star_unit=stars.get(pid), worst=p["worst"])
            for pid, p in sorted(result["people"].items()) if p["worst"] or pid in stars]


def _person(s: Session, person_id: str, field: str) -> Person:
    p = s.get(Person, person_id)
    if p is None or not p.active:
        raise NotFound(f"{field}: unknown person '{person_id}' 未知人员")
    return p


def _require_role(s: Session, person_id: str, roles, what: str) -> Person:
    roles = (roles,) if isinstance(roles, str) else roles
    p = _person(s, person_id, "--by")
    if not any(p.has_role(r) for r in roles):
        raise Forbidden(f"--by: {person_id} may not {what}: only {', '.join(roles)} 无权操作")
    return p


def _open_month(s: Session, month: str) -> None:
    row = s.get(MonthClose, month)
    if row is not None and row.status == PUBLISHED:
        raise Refused(f"{month} is published 已公布: book it in an open month", state=PUBLISHED)
