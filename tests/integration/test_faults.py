"""Faults (issue "Proof: faults"), each on SQLite and PostgreSQL, with real processes and servers.

    1  the month close SIGKILLed at random (seeded) points, then rerun: the same ledger and notice
       as a run on an identical copy that was never interrupted
    2  the webhook receiver down for a while, then up: retries back off; every message arrives once
    3  the connection dropped (PostgreSQL: its backend terminated) or the process killed in the
       middle of an advance, after each of its statements in turn: no half change is visible
    4  two clock watches at the same moment, in two processes: every break escalated and
       penalised once
    5  two month closes of one month at once: one runs, the other is refused (Conflict) at once

The database is never mocked: faults are injected from SQLAlchemy's ``after_cursor_execute``
hook at the Nth statement of a transaction, by SIGKILL, or by stopping a server.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, func, select, text

from core.db import Database
from core.errors import Conflict
from core.orgservice import load_org_file
from core.settings import Settings
from core.timeutil import BUSINESS_TZ
from notifications.models import PENDING, SENT, OutboxMessage
from notifications.notifier import OutboxNotifier
from notifications.outbox import dispatch
from scoring.close import MonthCloseService, without_lines
from scoring.models import LedgerLine, MonthClose
from states.clocks import BROKEN, RUNNING
from states.models import Clock, Complaint, ComplaintEvent
from states.service import ComplaintService
from states.watch import ClockWatch
from tests.conftest import POSTGRES_URL, SAMPLE_ORG
from tests.receivers import WebhookReceiver

MONTH = "2026-11"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=BUSINESS_TZ)
END = datetime(2026, 11, 30, 20, 0, tzinfo=BUSINESS_TZ)  # when the month's watch last ran
JIANDU = Path(sys.executable).with_name("jiandu")  # the console script of this environment
APP_NAME = "jiandu-fault"  # PostgreSQL application_name of the subprocesses: to see them go
STAFF = {"inv-1": ["zhangsan", "xiaowang", "xiaozhao"], "wb-1": ["lisi", "wangwu", "maliu"],
         "gate-1": ["guoqi", "linba"], "ld-1": ["zhoujun", "wuhai", "zhengda"],
         "sc-1": ["xiaoli", "songjia", "tangyu"], "ul-1": ["hehui", "luoping"]}
CATEGORIES = ("attitude", "dispute", "other")


def is_pg(url: str) -> bool:
    return url.startswith("postgresql")


def org(url: str) -> Database:
    db = Database(url)
    load_org_file(db, SAMPLE_ORG, datetime(2026, 11, 1, tzinfo=UTC))
    return db


def complaints(db: Database, policy, settings: Settings | None = None) -> ComplaintService:
    settings = settings or Settings(outbox_dir=Path(os.devnull))
    return ComplaintService(db, policy, now=lambda: END.astimezone(UTC),
                            listener=OutboxNotifier(settings, policy))


def build_month(db: Database, policy, n: int = 36) -> None:
    """``n`` complaints through the service with ``at=`` times: verified, dismissed, resolved, or
    left alone for the watch to break (rung by rung); praise. Deterministic: two builds, one month."""
    svc = complaints(db, policy)
    windows = list(STAFF)
    for i in range(n):
        window = windows[i % len(windows)]
        at = T0 + timedelta(hours=19 * i)
        c = svc.create(window=window, source="coordination" if i % 3 == 2 else "customer",
                       category=CATEGORIES[i % 3], text=f"第 {i} 件 complaint {i}",
                       against=STAFF[window][i % len(STAFF[window])], at=at)
        step, owner = i % 4, c["owner"]
        if step == 0:
            svc.advance(c["id"], "verify", owner, None, at + timedelta(minutes=20))
        elif step == 1:
            svc.advance(c["id"], "dismiss", owner, "不成立 unfounded", at + timedelta(minutes=10))
        elif step == 2:
            svc.advance(c["id"], "verify", owner, None, at + timedelta(minutes=15))
            svc.advance(c["id"], "arrive", owner, None, at + timedelta(minutes=40))
            svc.advance(c["id"], "resolve", owner, "已道歉 apologised", at + timedelta(minutes=90))
        # step 3: nobody acts
    ClockWatch(svc).check(END)
    months = MonthCloseService(db, policy, Settings(notice_dir=Path(os.devnull)))
    for day in (3, 9, 15, 21):
        months.praise("xiaowang", "lizhu", at=datetime(2026, 11, day, 12, tzinfo=BUSINESS_TZ))
    months.praise("linba", "fengqiang", at=datetime(2026, 11, 12, 12, tzinfo=BUSINESS_TZ))


@contextmanager
def copy_of(url: str, tmp_path: Path):
    """An identical copy of the database: the SQLite file, or a PostgreSQL database made from it
    as a template (leftover idle connections to the source, from finished tests, are ended)."""
    if not is_pg(url):
        source = Path(url.removeprefix("sqlite:///"))
        target = tmp_path / f"copy-{uuid.uuid4().hex[:6]}.db"
        shutil.copy(source, target)
        if source.with_name(source.name + "-wal").exists():  # WAL mode, not checkpointed yet
            shutil.copy(source.with_name(source.name + "-wal"), target.with_name(target.name + "-wal"))
        yield f"sqlite:///{target}"
        return
    source = url.rsplit("/", 1)[1]
    name = f"{source}_copy"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        deadline = time.monotonic() + 60
        while True:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": source})
            try:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
                break
            except Exception:  # noqa: BLE001 - "source database is being accessed": once more
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def with_app_name(url: str) -> str:
    return url + f"?application_name={APP_NAME}" if is_pg(url) else url


def cli_env(url: str, folder: Path) -> dict:
    return {**os.environ, "JIANDU_DATABASE_URL": with_app_name(url),
            "JIANDU_NOTICE_DIR": str(folder / "notices"), "JIANDU_OUTBOX_DIR": str(folder / "outbox")}


def close_process(url: str, folder: Path) -> subprocess.Popen:
    """``jiandu month close`` in its own process; its output goes to files (a pipe nobody reads
    would stop it at the first full buffer), read back by :func:`finish`."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "stdout.txt", "w") as out, open(folder / "stderr.txt", "w") as err:
        proc = subprocess.Popen([str(JIANDU), "month", "close", MONTH, "--by", "wuqing", "--json"],
                                cwd=folder, env=cli_env(url, folder), stdout=out, stderr=err)
    proc.folder = folder
    return proc


def finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str, str]:
    code = proc.wait(timeout=timeout)
    return (code, (proc.folder / "stdout.txt").read_text(encoding="utf-8"),
            (proc.folder / "stderr.txt").read_text(encoding="utf-8"))


def wait_gone(db: Database, timeout: float = 180) -> None:
    """PostgreSQL: until the backends of killed processes are gone (their locks with them); a
    loaded server notices a dead client late, so the deadline is generous."""
    if not db.is_postgres:
        return
    deadline = time.monotonic() + timeout
    # Autocommit: a transaction reads pg_stat_activity once and keeps that snapshot, so a backend
    # seen alive at the first look would stay "alive" until the deadline (it did, under load).
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :a "
                                "AND datname = current_database()"), {"a": APP_NAME}).scalar():
            assert time.monotonic() < deadline, "a killed process still holds a backend"
            time.sleep(0.02)


def ledger(url: str) -> dict | None:
    """What a close leaves: the stored result, facts and version, and the ledger lines in order."""
    db = Database(url)
    with db.reading() as s:
        row = s.get(MonthClose, MONTH)
        lines = [(ln.person_id, ln.rule, ln.points, ln.money, ln.source, ln.reason_zh, ln.reason_en)
                 for ln in s.scalars(select(LedgerLine).where(LedgerLine.month == MONTH)
                                     .order_by(LedgerLine.id))]
        state = None if row is None else {
            "result": row.result, "facts": row.facts, "digest": row.facts_digest,
            "policy": row.policy_version, "status": row.status, "lines": lines, "drafts": row.drafts}
    db.dispose()
    assert state is not None or not lines, "ledger lines without their close"
    return state


# ---- 1. the month close killed at random points ---------------------------------------------------

SPREAD_KILLS = 3  # one at a seeded random point of each third of an uninterrupted run's time
AIMED_KILLS = 3   # at a seeded random point while the close holds the month (its transaction)
SQLITE_RESERVED_BYTE = 0x40000001  # rollback journal: a writer's lock byte in the database file
SQLITE_WAL_WRITE_BYTE = 120  # WAL: the writer's lock byte in the -shm file


def _write_locked(path: Path, offset: int) -> bool:
    """Whether another process holds a POSIX write lock on one byte; fcntl(F_GETLK) takes none."""
    import fcntl
    import struct

    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0)
        return struct.unpack("hhqqi4x", fcntl.fcntl(fd, fcntl.F_GETLK, query))[0] != fcntl.F_UNLCK
    finally:
        os.close(fd)  # this process holds no SQLite lock on the file while closes are watched


class Phase:
    """Whether a running close holds the month, seen from outside without touching it.

    PostgreSQL: its backend holds the advisory lock of the month (from ``_one_at_a_time`` to the
    commit). SQLite: some process holds the write lock (WAL: in the -shm file; rollback journal:
    the RESERVED byte of the database file).
    """

    def __init__(self, url: str):
        self.db = Database(url) if is_pg(url) else None
        self.conn = self.db.engine.connect() if self.db else None
        self.path = None if self.db else Path(url.removeprefix("sqlite:///"))

    def holding(self) -> bool:
        if self.path is not None:
            return (_write_locked(self.path.with_name(self.path.name + "-shm"), SQLITE_WAL_WRITE_BYTE)
                    or _write_locked(self.path, SQLITE_RESERVED_BYTE))
        held = self.conn.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = :a "
            "AND a.datname = current_database()"), {"a": APP_NAME}).scalar()
        self.conn.rollback()  # a fresh view of the server's state next time
        return bool(held)

    def until(self, proc: subprocess.Popen, holding: bool, timeout: float = 120) -> float | None:
        """Seconds until the close is seen (not) holding the month; None if it ended first."""
        started = time.monotonic()
        while proc.poll() is None and time.monotonic() - started < timeout:
            if self.holding() == holding:
                return time.monotonic() - started
            time.sleep(0.002)
        return None

    def close(self) -> None:
        if self.db is not None:
            self.conn.close()
            self.db.dispose()


@pytest.mark.slow
def test_month_close_killed_at_random_points_then_rerun_equals_an_uninterrupted_run(db_url, policy,
                                                                                      tmp_path):
    db = org(db_url)
    build_month(db, policy)
    db.dispose()
    with copy_of(db_url, tmp_path) as twin:  # the uninterrupted run, timed and watched
        phase = Phase(twin)
        started = time.monotonic()
        ref = close_process(twin, tmp_path / "reference")
        held_from = phase.until(ref, holding=True)
        held_for = phase.until(ref, holding=False) if held_from is not None else None
        code, out, err = finish(ref)
        took = time.monotonic() - started
        phase.close()
        assert code == 0, err
        assert held_for, "the close was never seen holding the month"
        reference = ledger(twin)
    assert reference["lines"] and reference["drafts"] == 1
    assert without_lines(json.loads(out))["people"] == reference["result"]["people"]
    ref_notice = (tmp_path / "reference" / "notices" / MONTH / "notice-draft.html").read_bytes()

    rng = random.Random(20261130)
    plan = [("spread", took * (i + rng.random()) / SPREAD_KILLS) for i in range(SPREAD_KILLS)]
    plan += [("aimed", rng.uniform(0, held_for * 0.8)) for _ in range(AIMED_KILLS)]
    rng.shuffle(plan)
    work = tmp_path / "work"
    notice = work / "notices" / MONTH / "notice-draft.html"
    checker, phase, seen = Database(db_url), Phase(db_url), []
    while plan:
        aim, delay = plan.pop()
        proc = close_process(db_url, work)
        if aim == "aimed":
            phase.until(proc, holding=True)  # then ``delay`` into the close's hold
        try:
            proc.wait(timeout=delay)
            where = "finished"
        except subprocess.TimeoutExpired:
            where = "holding" if phase.holding() else "not holding"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        wait_gone(checker)
        state = ledger(db_url)  # after any kill: no close at all, or a whole one
        seen.append((aim, round(delay, 3), where, state and state["drafts"]))
        if state is not None:
            assert {k: v for k, v in state.items() if k != "drafts"} == \
                {k: v for k, v in reference.items() if k != "drafts"}, seen
        if not plan and "holding" not in [w for _, _, w, _ in seen] and len(seen) < 12:
            plan.append(("aimed", rng.uniform(0, held_for * 0.5)))  # not yet killed mid-close
    phase.close()
    checker.dispose()
    assert "holding" in [w for _, _, w, _ in seen], seen  # killed inside the close, at least once
    # A kill while the notice was being written leaves half a page: the rerun must rewrite it.
    notice.parent.mkdir(parents=True, exist_ok=True)
    notice.write_bytes(ref_notice[: len(ref_notice) // 2])

    code, out, err = finish(close_process(db_url, work))
    assert code == 0, (err, seen)
    final = ledger(db_url)
    assert {k: v for k, v in final.items() if k != "drafts"} == \
        {k: v for k, v in reference.items() if k != "drafts"}, seen
    assert final["drafts"] >= 1 and without_lines(json.loads(out))["people"] == reference["result"]["people"]
    assert notice.read_bytes() == ref_notice


# ---- 2. the webhook receiver down, then up ----------------------------------------------------------


def restart(hook: WebhookReceiver, port: int) -> None:
    """The same receiver (its handler, its records) listening again on its old port."""
    hook.server = ThreadingHTTPServer(("127.0.0.1", port), hook.server.RequestHandlerClass)
    hook.thread = threading.Thread(target=hook.server.serve_forever, daemon=True)
    hook.__enter__()


def test_webhook_receiver_down_then_up_gets_every_message_once(db_url, policy, tmp_path):
    db = org(db_url)
    hook = WebhookReceiver()
    port = hook.server.server_address[1]
    hook.server.server_close()  # down: nothing listens on the port (connection refused)
    settings = Settings(channels={"*": [f"json://127.0.0.1:{port}/hook"]}, outbox_dir=tmp_path / "out",
                        outbox_backoff_seconds=10, outbox_max_attempts=8, quiet_hours="")
    svc = complaints(db, policy, settings)
    ids = [svc.create(window=w, source="customer", category="attitude", text=f"x{i}", at=T0)["id"]
           for i, w in enumerate(("wb-1", "wb-2", "inv-1"))]

    def rows():
        with db.reading() as s:
            return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    def at(seconds: float) -> datetime:
        return (T0 + timedelta(seconds=seconds)).astimezone(UTC)

    assert len(rows()) == 3  # the assignments
    counts = dispatch(db, settings, at(0))
    assert (counts["sent"], counts["failed"], counts["pending"]) == (0, 3, 3)
    assert {(m.status, m.attempts, m.next_attempt_at) for m in rows()} == {(PENDING, 1, at(10))}
    assert all("127.0.0.1" in m.last_error for m in rows())
    assert dispatch(db, settings, at(5))["failed"] == 0  # backing off: nothing tried
    assert dispatch(db, settings, at(10))["failed"] == 3  # the second try, still down
    assert {(m.attempts, m.next_attempt_at) for m in rows()} == {(2, at(30))}  # the backoff doubled
    # Meanwhile the complaints go on: an escalation queues more (urgent) messages.
    svc.advance(ids[0], "escalate", svc.get(ids[0])["owner"], None, at(20))
    assert dispatch(db, settings, at(20))["failed"] == len(rows()) - 3
    queued = rows()
    assert len(queued) > 3 and all(m.status == PENDING for m in queued)
    assert hook.bodies == []

    restart(hook, port)
    try:
        assert dispatch(db, settings, at(25))["sent"] == 0  # up, but nothing is due yet
        counts = dispatch(db, settings, at(30))
        assert (counts["sent"], counts["failed"], counts["pending"]) == (len(queued), 0, 0)
        assert dispatch(db, settings, at(3600))["sent"] == 0  # and nothing twice, however late
    finally:
        hook.__exit__()
    done = rows()
    assert all(m.status == SENT for m in done)
    keys = [h["X-Jiandu-Key"] for h in hook.headers]
    assert sorted(keys) == sorted(m.key for m in done)  # each message arrived, exactly once
    received = {b["idempotency_key"]: (b["title"], b["message"].rstrip()) for b in hook.bodies}
    assert received == {m.key: (m.subject, m.body.rstrip()) for m in done}  # Apprise trims the end


# ---- 3. the connection dropped in the middle of an advance ----------------------------------------


def snapshot(db: Database, cid: int) -> dict:
    with db.reading() as s:
        c = s.get(Complaint, cid)
        shot = {
            "complaint": (c.state, c.level, c.owner_id, c.version, c.against_id, c.verified_at,
                          c.arrived_at, c.closed_at),
            "history": [(h.id, h.event, h.to_state, h.actor_id) for h in
                        s.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == cid)
                                  .order_by(ComplaintEvent.id))],
            "clocks": [(k.id, k.name, k.state, k.owner_id, k.level, k.due_at, k.ended_at) for k in
                       s.scalars(select(Clock).where(Clock.complaint_id == cid).order_by(Clock.id))],
            "outbox": [(m.id, m.kind, m.recipient) for m in
                       s.scalars(select(OutboxMessage).where(OutboxMessage.complaint_id == cid)
                                 .order_by(OutboxMessage.id))],
            "all_outbox": s.scalar(select(func.count()).select_from(OutboxMessage)),
        }
    return shot


class StatementTrap:
    """Counts the statements of one advance; after the Nth, calls ``spring(connection)``."""

    def __init__(self, db: Database, spring):
        self.n, self.count, self.sprung, self.spring = None, 0, False, spring
        self.seen: list[str] = []  # the statements, shortened, for the failure messages
        event.listen(db.engine, "after_cursor_execute", self._after)

    def arm(self, n: int | None) -> None:
        self.n, self.count, self.sprung, self.seen = n, 0, False, []

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.seen.append(" ".join(statement.split()[:4]))
        if self.n is not None and self.count == self.n and not self.sprung:
            self.sprung = True
            self.spring(conn)


def escalate(svc: ComplaintService, cid: int, trap: StatementTrap | None = None, n: int | None = None):
    """The owner escalates; ``trap`` armed for the advance's own statements only."""
    owner = svc.get(cid)["owner"]
    if trap is not None:
        trap.arm(n)
    return svc.advance(cid, "escalate", owner, "无人回复 no answer", T0 + timedelta(minutes=10))


def _advance_and_die(db: Database, policy, cid: int, n: int) -> None:
    """In a forked child: advance, and SIGKILL this process right after its Nth statement."""
    db.engine.dispose(close=False)  # fresh connections of its own; the parent's are left alone
    trap = StatementTrap(db, lambda conn: os.kill(os.getpid(), signal.SIGKILL))
    escalate(complaints(db, policy), cid, trap, n)
    os._exit(3)  # the advance ended without the trap: fewer statements than expected


@pytest.mark.slow
# SQLite has no server connection to drop: there the process dies (no case is skipped).
@pytest.mark.parametrize(("db_url", "fault"), [("sqlite", "process_killed"), ("postgres", "process_killed"),
                                               ("postgres", "backend_terminated")], indirect=["db_url"])
def test_a_dropped_connection_mid_advance_leaves_no_half_change(db_url, policy, fault):
    """After each statement of an escalation in turn (every read and write up to the commit),
    the connection is dropped or the process dies; then nothing of it is visible."""
    from sqlalchemy.exc import DBAPIError

    db = org(db_url)
    svc = complaints(db, policy)
    trap = StatementTrap(db, lambda conn: None)
    made = [svc.create(window="wb-1", source="customer", category="attitude", text=f"drop {i}",
                       against="lisi", at=T0)["id"] for i in range(40)]
    escalate(svc, made[0], trap)  # a whole advance: how many statements it runs
    statements, seen = trap.count, trap.seen
    assert statements >= 8 and any(q.startswith("INSERT INTO outbox_message") for q in seen)
    targets = made[1: statements + 1]
    assert len(targets) == statements

    checker = Database(db_url)
    dying = Database(with_app_name(db_url))  # the children's: connected once, then forked empty
    with dying.engine.connect():
        pass
    dying.engine.dispose()
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT") if is_pg(db_url) else None

    def terminate(conn):
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as a:
            assert a.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
            while a.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"),
                            {"p": pid}).scalar():
                time.sleep(0.005)

    trap.spring = terminate
    ctx = mp.get_context("fork")
    for n, cid in enumerate(targets, start=1):
        before = snapshot(checker, cid)
        where = f"after {seen[n - 1]!r} ({n}/{statements})"
        if fault == "backend_terminated":
            with pytest.raises(DBAPIError):
                escalate(svc, cid, trap, n)
            assert trap.sprung, where
        else:
            child = ctx.Process(target=_advance_and_die, args=(dying, policy, cid, n))
            child.start()
            child.join(timeout=60)
            assert child.exitcode == -signal.SIGKILL, f"{where}: exit {child.exitcode}"
            wait_gone(checker)  # PostgreSQL: the server has seen the client die, and rolled back
        assert snapshot(checker, cid) == before, f"half a change {where}"
    trap.arm(None)
    for cid in targets:  # the same engine (its pool renewed after the disconnect) and the same changes now go through
        done = escalate(svc, cid)
        assert (done["state"], done["level"]) == ("escalated", 1)
    with checker.reading() as s:
        escalations = s.scalar(select(func.count()).select_from(ComplaintEvent)
                               .where(ComplaintEvent.event == "escalate"))
    assert escalations == len(targets) + 1
    for engine in (admin, checker, dying, db):
        if engine is not None:
            engine.dispose()


# ---- 4. two clock watches at the same moment --------------------------------------------------------


def _watch(url: str, policy, now: datetime, barrier, results) -> None:
    db = Database(url)  # each watch its own engine and connections
    watch = ClockWatch(complaints(db, policy))
    barrier.wait(timeout=120)
    try:
        report = watch.check(now).as_dict()
        results.put(("ok", report["broken"], report["conflicts"]))
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails with it
        results.put(("error", f"{type(exc).__name__}: {exc}", 0))


def test_two_clock_watches_at_once_escalate_and_penalise_each_break_once(db_url, policy):
    from scoring import score_month
    from scoring.facts import read_month_facts

    db = org(db_url)
    svc = complaints(db, policy)
    ids = [svc.create(window=w, source="customer", category=CATEGORIES[i % 3], text=f"w{i}",
                      against=STAFF[w][i % len(STAFF[w])], at=T0)["id"]
           for i, w in enumerate(list(STAFF) * 5)]
    db.dispose()
    now = T0 + timedelta(minutes=31)  # every respond clock is due; nothing above it yet
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_watch, args=(db_url, policy, now, barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    reports = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert all(r[0] == "ok" for r in reports), reports
    broken = [b["complaint"] for r in reports for b in r[1]]
    assert sorted(broken) == sorted(ids)  # every break reported once, by one of the two

    with db.reading() as s:
        for cid in ids:
            c = s.get(Complaint, cid)
            assert (c.state, c.level, c.version) == ("escalated", 1, 2)
            history = [h.event for h in s.scalars(select(ComplaintEvent)
                                                   .where(ComplaintEvent.complaint_id == cid))]
            assert history == ["receive", "escalate"]
            clocks = [(k.name, k.state) for k in s.scalars(select(Clock).where(Clock.complaint_id == cid))]
            assert clocks.count(("respond", BROKEN)) == 1
            assert clocks.count(("escalation", RUNNING)) == 1
        messages = s.execute(select(OutboxMessage.complaint_id, OutboxMessage.kind, OutboxMessage.recipient,
                                    OutboxMessage.target)).all()
        assert len(messages) == len(set(messages))  # nobody told twice
        facts = read_month_facts(s, MONTH)
        first_owner = dict(s.execute(select(ComplaintEvent.complaint_id, ComplaintEvent.owner_id)
                                     .where(ComplaintEvent.event == "receive")).all())
    # Penalised once: one breach fact per complaint, against the owner who let it lapse, and one
    # inactivity line per breach in the ledger.
    assert sorted((b.owner, b.complaint, b.clock) for b in facts.breaches) == sorted(
        (first_owner[cid], str(cid), "respond") for cid in ids)
    sources = [ln.source for p in score_month(facts, policy).people.values() for ln in p.lines
               if ln.rule == "inactivity"]
    assert len(sources) == len(set(sources)) == len(ids)
    db.dispose()


# ---- 5. two month closes at once ----------------------------------------------------------------------


class HeldAfterLock:
    """Holds a close inside its transaction right after it took the month (PostgreSQL: the
    advisory lock; SQLite: the write lock) until ``go`` is set."""

    def __init__(self, db: Database):
        self.locked, self.go = threading.Event(), threading.Event()
        event.listen(db.engine, "after_cursor_execute", self._after)

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        took = "pg_try_advisory_xact_lock" in statement or statement.startswith("UPDATE month_close")
        if took and not self.locked.is_set():
            self.locked.set()
            assert self.go.wait(timeout=180)


@pytest.mark.slow
def test_a_second_close_of_the_month_while_one_runs_is_refused(db_url, policy, tmp_path):
    db = org(db_url)
    build_month(db, policy, n=8)
    settings = Settings(notice_dir=tmp_path / "notices")
    first_db = Database(db_url)
    held = HeldAfterLock(first_db)
    outcome: dict = {}

    def first_close():
        try:
            outcome["first"] = MonthCloseService(first_db, policy, settings).close(MONTH, "wuqing")
        except Exception as exc:  # noqa: BLE001 - the test reports it
            outcome["first"] = exc

    thread = threading.Thread(target=first_close)
    thread.start()
    second = MonthCloseService(db, policy, settings)
    try:
        assert held.locked.wait(timeout=120)
        started = time.monotonic()
        with pytest.raises(Conflict, match="another close or publish of this month is running"):
            second.close(MONTH, "wuqing")
        refused_after = time.monotonic() - started
        with pytest.raises(Conflict):  # nor published under it
            second.publish(MONTH, "wuqing", at=datetime(2026, 12, 1, 10, tzinfo=BUSINESS_TZ))
        # Another process (the command line) is told so in one line, exit code 2.
        code, out, err = finish(close_process(db_url, tmp_path / "cli"))
        assert code == 2 and out == "", err
        assert len(err.strip().splitlines()) == 1 and "is running" in err, err
    finally:
        held.go.set()
        thread.join(timeout=180)
    # The first close is held (up to 180 s) until the second was refused: it was not queued behind it.
    assert refused_after < 60, refused_after
    first = outcome["first"]
    assert isinstance(first, dict) and first["drafts"] == 1, first
    again = second.close(MONTH, "wuqing")  # the first one done, the month is free again
    assert again["drafts"] == 2 and again["people"] == first["people"]
    state = ledger(db_url)
    assert len(state["lines"]) == sum(len(p["lines"]) for p in first["people"].values()) > 0
    first_db.dispose()
    db.dispose()
