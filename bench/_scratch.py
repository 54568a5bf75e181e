"""Bench helpers (not a bench itself): scratch databases, the sample organisation, SQL capture.

A scratch database is migrated to head as the tests do (``jiandu.migrate.upgrade_to_head``) and
removed afterwards: a SQLite file in a temporary folder, or a PostgreSQL database created next
to ``JIANDU_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402

from core.db import Database  # noqa: E402
from jiandu.migrate import upgrade_to_head  # noqa: E402

POSTGRES_URL = os.environ.get("JIANDU_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SAMPLE_ORG = ROOT / "config" / "org.sample.yaml"
KINDS = ("sqlite", "postgres")


def kinds(choice: str) -> list[str]:
    """``--db sqlite|postgres|both`` as a list."""
    return list(KINDS) if choice == "both" else [choice]


@contextmanager
def scratch_database(kind: str, label: str = "bench") -> Iterator[str]:
    """The URL of a fresh database migrated to head; dropped (or deleted) on leaving."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"jiandu-{label}-") as folder:
            url = f"sqlite:///{Path(folder) / 'jiandu.db'}"
            _migrate(url)
            yield url
        return
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r}")
    name = f"jiandu_{label}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    db = Database(url)
    try:
        upgrade_to_head(db)
    finally:
        db.dispose()


def load_sample_org(url: str) -> None:
    from core.orgservice import load_org_file

    db = Database(url)
    try:
        load_org_file(db, SAMPLE_ORG, datetime(2026, 11, 1, tzinfo=UTC))
    finally:
        db.dispose()


@contextmanager
def captured(engine) -> Iterator[list[tuple[str, object, bool]]]:
    """Every (statement, parameters, executemany) the engine sends to its DBAPI cursor meanwhile."""
    log: list[tuple[str, object, bool]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        log.append((statement, parameters, executemany))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)


def median_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` calls, and the last call's value."""
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value
