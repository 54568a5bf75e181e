"""The pool pings a connection that sat idle before using it again (core/db.py): a PostgreSQL
backend that ended meanwhile (a restart, a firewall) is replaced, the caller never sees it; a
connection used a moment ago is not pinged (a busy service pays no round trip per transaction).
On SQLite, the transactions of one process take turns on a lock of their own."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from core import db as dbmodule
from core.db import Database

pytestmark = pytest.mark.db


def _end_backend_of_the_idle_connection(db: Database, admin_url: str) -> int:
    with db.engine.connect() as conn:  # opened, used, back in the pool: idle
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as a:
        assert a.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        while a.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).scalar():
            time.sleep(0.005)
    admin.dispose()
    return pid


def test_an_idle_connection_whose_backend_ended_is_replaced_before_use(postgres_url, monkeypatch):
    monkeypatch.setattr(dbmodule, "PING_AFTER_IDLE_SECONDS", 0.0)
    db = Database(postgres_url)
    try:
        old = _end_backend_of_the_idle_connection(db, postgres_url)
        with db.reading() as s:
            assert s.execute(text("SELECT pg_backend_pid()")).scalar() != old
    finally:
        db.dispose()


def test_a_connection_used_a_moment_ago_is_not_pinged(postgres_url, monkeypatch):
    """The same ended backend, inside the idle time: the use itself meets it (and so the ping above
    is what replaced it), and the pool is fresh for the next use."""
    monkeypatch.setattr(dbmodule, "PING_AFTER_IDLE_SECONDS", 3600.0)
    db = Database(postgres_url)
    try:
        _end_backend_of_the_idle_connection(db, postgres_url)
        with pytest.raises(OperationalError), db.reading() as s:
            s.execute(text("SELECT 1"))
        with db.reading() as s:
            assert s.execute(text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()


def test_sqlite_writers_of_one_process_take_turns(tmp_path):
    """SQLite has one writer: this process's transactions queue on a lock of their own (first
    come, first served) instead of polling SQLite's busy handler; none overlaps another."""
    import threading

    db = Database(f"sqlite:///{tmp_path / 'turns.db'}")
    inside, overlaps = [], []

    def work():
        for _ in range(20):
            with db.transaction() as s:
                inside.append(threading.get_ident())
                overlaps.extend(inside[1:])
                s.execute(text("SELECT 1"))
                time.sleep(0.001)
                inside.remove(threading.get_ident())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    db.dispose()
    assert not any(t.is_alive() for t in threads) and overlaps == []


def test_a_transaction_opened_inside_another_of_the_same_thread_goes_through(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'nested.db'}")
    with db.transaction() as outer, db.transaction() as inner:
        assert (outer.execute(text("SELECT 1")).scalar(), inner.execute(text("SELECT 2")).scalar()) == (1, 2)
    db.dispose()
