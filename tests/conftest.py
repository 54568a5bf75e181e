"""Shared fixtures: every database test runs against SQLite and PostgreSQL.

PostgreSQL: one database per test worker, migrated once, truncated before each
test. Under CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.db import Database
from jiandu.migrate import upgrade_to_head
from jiandu.models import Base
from tests.fuzz.counts import (  # noqa: F401 - hooks: the fuzz case counts, printed at the end
    pytest_sessionfinish,
    pytest_terminal_summary,
    pytest_testnodedown,
)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ORG = ROOT / "config" / "org.sample.yaml"
POSTGRES_URL = os.environ.get("JIANDU_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_admin_ok() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_url():
    problem = _postgres_admin_ok()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable at {POSTGRES_URL} under CI: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    name = f"jiandu_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    db = Database(url)
    upgrade_to_head(db)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade_to_head(db)
    db.dispose()
    return path


def truncate_all(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "jiandu.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    truncate_all(url)
    return url


def fresh_database(db_url: str, sqlite_template: Path) -> Database:
    """The ``db_url`` database emptied (SQLite: the template copied over it) with the sample
    organisation loaded: for a test that runs the same story more than once."""
    from datetime import UTC, datetime

    from core.orgservice import load_org_file

    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)  # a new file: a connection still open keeps the old one
        shutil.copy(sqlite_template, path)
    else:
        truncate_all(db_url)
    database = Database(db_url)
    load_org_file(database, SAMPLE_ORG, datetime(2026, 11, 1, tzinfo=UTC))
    return database


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def policy():
    from core.policy import load_policy

    return load_policy()


@pytest.fixture
def org_db(db):
    """A database holding the sample organisation."""
    from datetime import UTC, datetime

    from core.orgservice import load_org_file

    load_org_file(db, SAMPLE_ORG, datetime(2026, 11, 1, tzinfo=UTC))
    return db


# Messages stay in the outbox until a test dispatches them: delivery on commit (the default) is
# switched on by the tests of the courier itself (tests/integration/test_courier.py).
os.environ.setdefault("JIANDU_DELIVER_ON_COMMIT", "false")

# argon2 at the library's documented minimum (argon2.profiles.CHEAPEST): a log-in costs
# microseconds instead of a second; production keeps the default (core/settings.py).
os.environ.setdefault("JIANDU_ARGON2_PROFILE", "CHEAPEST")

# Prefect: offline, quiet, its own home, no heartbeat wait in tests (prefect-notes.md).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
os.environ.setdefault("PREFECT_HOME", str(Path(os.environ.get("TMPDIR", "/tmp")) / f"jiandu-prefect-{os.getpid()}"))


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """One real Prefect server per test session (10-20 s to start; its scheduler runs, unlike
    the test harness's temporary server), started as `jiandu serve` starts it."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from tests.receivers import free_port
    from workflows.serve import start_server, wait_healthy

    port = free_port()
    server = start_server("127.0.0.1", port, tmp_path_factory.mktemp("prefect-home"))
    url = f"http://127.0.0.1:{port}/api"
    try:
        wait_healthy(url, timeout=180, process=server)
        with temporary_settings({PREFECT_API_URL: url}):
            yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except Exception:  # noqa: BLE001
            server.kill()
