"""The backup and restore of docs/production.md §8, as written there, on both databases:
back up, change the data, restore, and the replay audit finds the restored records whole."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import IN_CI

pytestmark = pytest.mark.db

TOOLS = {"sqlite": ("sqlite3",), "postgres": ("pg_dump", "pg_restore")}


def _tools(kind: str) -> None:
    missing = [tool for tool in TOOLS[kind] if shutil.which(tool) is None]
    if missing:  # scripts/setup-system.sh (make test) installs sqlite3 and postgresql-client when it can
        if IN_CI:
            pytest.fail(f"{', '.join(missing)} missing under CI")
        pytest.skip(f"{', '.join(missing)} missing (make system installs them)")


def _libpq(url: str) -> str:
    """JIANDU_DATABASE_URL as pg_dump and pg_restore read it: without SQLAlchemy's driver name."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def backup(db_url: str, to: str) -> None:
    if db_url.startswith("sqlite:///"):
        _tools("sqlite")
        subprocess.run(["sqlite3", db_url.removeprefix("sqlite:///"), f".backup '{to}'"], check=True, timeout=300)
    else:
        _tools("postgres")
        subprocess.run(["pg_dump", "--format=custom", f"--file={to}", _libpq(db_url)], check=True, timeout=300)


def restore(db_url: str, source: str) -> None:
    if db_url.startswith("sqlite:///"):
        subprocess.run(["sqlite3", db_url.removeprefix("sqlite:///"), f".restore '{source}'"], check=True,
                       timeout=300)
    else:
        subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                        f"--dbname={_libpq(db_url)}", source], check=True, timeout=300)


def test_a_restored_backup_holds_what_it_held_and_replays_clean(cli, db_url, tmp_path):
    first = cli("complaint", "new", "--window", "inv-1", "--source", "customer", "--category", "attitude",
                "--text", "开票员态度生硬", "--at", "2026-11-03T09:00", "--json")
    cli("complaint", "advance", str(first["id"]), "verify", "--by", first["owner"], "--against", "zhangsan",
        "--note", "属实", "--at", "2026-11-03T09:20")
    cli("clocks", "check", "--now", "2026-11-04T09:30")  # the resolve clock breaks: an escalation
    cli("month", "close", "2026-11", "--by", "wuqing")
    kept = cli("complaint", "show", str(first["id"]), "--json")
    copy = str(tmp_path / ("jiandu.dump" if "postgresql" in db_url else "jiandu-backup.db"))
    backup(db_url, copy)

    cli("complaint", "new", "--window", "wb-1", "--source", "customer", "--category", "other",
        "--text", "备份之后的投诉", "--at", "2026-11-05T10:00")
    cli("month", "close", "2026-11", "--by", "wuqing")  # a second draft
    assert len(cli("complaint", "list", "--json")) == 2

    restore(db_url, copy)
    assert [c["id"] for c in cli("complaint", "list", "--json")] == [first["id"]]
    assert cli("complaint", "show", str(first["id"]), "--json") == kept
    assert cli("month", "show", "2026-11", "--json")["drafts"] == 1
    cli("init")  # as after every restore: the schema is this release's
    report = cli("audit", "replay", "--month", "2026-11", "--json")
    assert report["ok"] and report["complaints_checked"] == 1
