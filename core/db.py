"""Engine, sessions, the declarative Base and the UTC time column type.

``Database`` is built from settings in the entry points. Services own their
transaction through :meth:`Database.transaction`: one commit per use.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from core.private import private_dir, touch_private

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns aware UTC values (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: times must be aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JSONText(str):
    """A JSON value already serialized, stored as it is: the month close hashes the text of a
    month's facts (hundreds of megabytes at a conglomerate's size) and stores that same text,
    instead of serializing the facts a second time."""


def serialize_json(value) -> str:
    return value if isinstance(value, JSONText) else json.dumps(value)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) != ":memory:":
            private_dir(path.parent)
            touch_private(path)
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=serialize_json)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            # WAL: readers never wait for the writer, and a commit appends to the log instead of
            # rewriting pages; NORMAL syncs at checkpoints: an application crash loses nothing,
            # a power cut at most the last commits (the embedded default; production is PostgreSQL).
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    engine = create_engine(url, json_serializer=serialize_json)
    _ping_when_idle(engine)
    return engine


# A connection idle this long is pinged before it is used again (the server restarted, a firewall
# dropped it): pre-ping without its round trip on every transaction of a busy service. A server
# gone while a connection was busy fails that use alone: the error invalidates the whole pool.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since > PING_AFTER_IDLE_SECONDS:
            try:
                engine.dialect.do_ping(dbapi_conn)
            except engine.dialect.loaded_dbapi.Error as exc:
                raise DisconnectionError(str(exc)) from exc  # the pool opens a fresh connection


@event.listens_for(Session, "loaded_as_persistent")
def _pin_directory_rows(session: Session, instance) -> None:
    """A session's identity map holds rows weakly: a directory row read, dropped and read again in
    one change (the actor, the window's calendar, the names in its messages) went back to the
    database each time. Rows of classes marked ``pinned_in_session`` stay for the session's life."""
    if getattr(instance, "pinned_in_session", False):
        session.info.setdefault("pinned", []).append(instance)


class Database:
    """An engine and its session factory; one per process."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer. This process's writers queue on a lock, first come first served,
        # instead of polling SQLite's busy handler, whose sleeps grow to 100 ms: the tail of a busy
        # intake. Re-entrant: a transaction opened inside another of the same thread goes through
        # as before. Other processes still meet SQLite's own lock (busy_timeout).
        self._writers = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        with self._writers or nullcontext(), self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @contextmanager
    def core_reading(self) -> Iterator[Connection]:
        """A read of plain rows on a Core connection, no session: the few reads every request
        makes (who asks, the policy in force) without the ORM's bookkeeping."""
        with self.engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
