"""The CLI contract: names, options, JSON fields, exit codes, one-line refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from jiandu.cli import main
from states.models import Complaint, ComplaintEvent
from tests.conftest import ROOT, SAMPLE_ORG

JIANDU = str(Path(sys.executable).parent / "jiandu")


@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    monkeypatch.setenv("JIANDU_DATABASE_URL", db_url)

    def run(*args: str):
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init", "--sample")[0] == 0
    return run


def jrun(cli, *args):
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def count_rows(db_url):
    from core.db import Database

    db = Database(db_url)
    with db.reading() as s:
        n = (s.scalar(select(func.count()).select_from(Complaint)),
             s.scalar(select(func.count()).select_from(ComplaintEvent)))
    db.dispose()
    return n


def test_init_is_idempotent_and_org_show(cli):
    code, out, _ = cli("init", "--sample")
    assert code == 0 and "people: +0 ~0 -0" in out
    org = jrun(cli, "org", "show")
    assert org["team"]["executor"] == "zhouhua" and len(org["positions"]) == 6
    code, out, _ = cli("org", "show")
    assert "监督小组" in out and "司磅室" in out


def test_complaint_round_trip_json_contract(cli):
    c = jrun(cli, "complaint", "new", "--window", "wb-1", "--source", "customer",
             "--category", "dispute", "--text", "与客户争吵", "--contact", "139",
             "--at", "2026-11-03T09:00:00+08:00")
    for key in ("id", "state", "window", "against", "source", "category", "owner", "level",
                "clocks", "history", "allowed_events"):
        assert key in c
    assert {"name", "due", "state"} <= set(c["clocks"][0])
    assert c["clocks"][0]["due"] == "2026-11-03T09:30:00+08:00"
    cid, owner = str(c["id"]), c["owner"]
    c = jrun(cli, "complaint", "advance", cid, "verify", "--by", owner, "--against", "lisi",
             "--note", "属实", "--at", "2026-11-03T09:20")
    assert c["state"] == "verified" and c["against"] == "lisi"
    assert c["history"][-1] == {"event": "verify", "from": "received", "to": "verified",
                                "by": owner, "at": "2026-11-03T09:20:00+08:00", "note": "属实",
                                "level": 0, "owner": owner}
    assert c["allowed_events"] == ["arrive", "escalate"]
    shown = jrun(cli, "complaint", "show", cid)
    assert shown["history"] == c["history"]
    listed = jrun(cli, "complaint", "list", "--state", "verified")
    assert [x["id"] for x in listed] == [c["id"]]
    code, out, _ = cli("complaint", "show", cid, "--diagram")
    assert code == 0 and "class verified current" in out
    code, out, _ = cli("complaint", "show", cid)
    assert "已核实" in out and "可用操作" in out


@pytest.mark.parametrize("args,message", [
    (["complaint", "new", "--window", "nope", "--source", "customer", "--category", "other",
      "--text", "x"], "unknown window 'nope'"),
    (["complaint", "new", "--window", "wb-1", "--source", "customer", "--category", "other",
      "--text", "x", "--at", "3 Nov"], "--at: '3 Nov' is not an ISO 8601 time"),
    (["complaint", "new", "--window", "wb-1", "--source", "letter", "--category", "other",
      "--text", "x"], "--source: 'letter'"),
    (["complaint", "new", "--window", "wb-1", "--source", "customer", "--category", "other",
      "--text", "x", "--against", "ghost"], "unknown person 'ghost'"),
    (["complaint", "advance", "1", "explode", "--by", "sunli"], "unknown event 'explode'"),
    (["complaint", "advance", "1", "verify", "--by", "ghost"], "unknown person 'ghost'"),
    (["complaint", "advance", "1", "arrive", "--by", "sunli"], "allowed"),
    (["complaint", "advance", "77", "verify", "--by", "sunli"], "no complaint #77"),
    (["complaint", "advance", "1", "verify"], "Missing option '--by'"),
    (["complaint", "list", "--state", "lost"], "--state: 'lost'"),
    # The one input check: a control character in any argument (PostgreSQL refuses a NUL).
    (["complaint", "advance", "1", "verify", "--by", "sunli", "--against", "zhang\x00san"], "'zhang\\x00san'"),
    (["complaint", "list", "--unit", "\x07"], "control characters"),
    (["praise", "xiaowang", "--by", "lizhu", "--note", "a\x1b[31mb"], "control characters"),
    # One limit for every note (JIANDU_NOTE_MAX_CHARS, 2000 by default).
    (["complaint", "advance", "1", "escalate", "--by", "zhouhua", "--note", "备" * 2001], "--note: longer than 2000"),
    (["praise", "xiaowang", "--by", "lizhu", "--note", "好" * 2001], "--note: longer than 2000"),
])
def test_bad_input_one_line_exit_2_nothing_written(cli, db_url, args, message):
    jrun(cli, "complaint", "new", "--window", "wb-2", "--source", "customer", "--category",
         "other", "--text", "先有一条", "--at", "2026-11-03T08:00+08:00")
    before = count_rows(db_url)
    code, out, err = cli(*args)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert count_rows(db_url) == before


def test_broken_org_file_exit_2(cli, tmp_path):
    bad = tmp_path / "org.yaml"
    bad.write_text(SAMPLE_ORG.read_text(encoding="utf-8").replace("people:\n", "people: [\n"),
                   encoding="utf-8")
    code, _, err = cli("org", "load", str(bad))
    assert code == 2 and "org.yaml:" in err and "broken YAML" in err


def test_real_entry_point_exit_codes_without_traceback(tmp_path):
    env = {**os.environ, "JIANDU_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    ok = subprocess.run([JIANDU, "init", "--sample", "--json"], env=env, capture_output=True,
                        text=True, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["sample"]["added"]["people"] == 28
    bad = subprocess.run([JIANDU, "complaint", "advance", "1", "verify", "--by", "x"], env=env,
                         capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2
    assert bad.stderr.startswith("jiandu: ") and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_unreachable_database_is_a_clear_refusal(tmp_path):
    env = {**os.environ,
           "JIANDU_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"}
    res = subprocess.run([JIANDU, "complaint", "list"], env=env, capture_output=True, text=True,
                         cwd=tmp_path)
    assert res.returncode == 2 and "数据库不可用" in res.stderr and "Traceback" not in res.stderr


def test_cli_does_not_import_heavy_modules_for_help():
    code = ("import sys, jiandu.cli; "
            "print(sorted(m for m in ('sqlalchemy','prefect','fastapi','alembic') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr


def test_show_and_advance_load_their_group_alone_and_deliver_after_the_commit(cli, db_url, tmp_path):
    """Cold start (issue 15.4): a command builds its own group only; a read loads no outbox, a change
    still queues its messages in its transaction and its courier delivers them before the exit."""
    c = jrun(cli, "complaint", "new", "--window", "wb-1", "--source", "customer", "--category", "other",
             "--text", "冷启动", "--at", "2026-11-03T09:00:00+08:00")
    code = ("import sys; from jiandu.cli import main; rc = main(sys.argv[1:]); "
            "print(sorted(m for m in sys.modules if m.startswith(('jiandu.cli.', 'notifications.outbox')))); "
            "sys.exit(rc)")
    env = {**os.environ, "JIANDU_DATABASE_URL": db_url, "JIANDU_OUTBOX_DIR": str(tmp_path / "outbox"),
           "JIANDU_DELIVER_ON_COMMIT": "true", "JIANDU_QUIET_HOURS": ""}
    show = subprocess.run([sys.executable, "-c", code, "complaint", "show", str(c["id"])], env=env,
                          capture_output=True, text=True, cwd=tmp_path)
    assert show.returncode == 0, show.stderr
    assert show.stdout.splitlines()[-1] == "['jiandu.cli.complaint', 'jiandu.cli.context', 'jiandu.cli.root']"
    advance = subprocess.run([sys.executable, "-c", code, "complaint", "advance", str(c["id"]), "verify",
                              "--by", c["owner"], "--against", "lisi", "--at", "2026-11-03T09:10:00+08:00"],
                             env=env, capture_output=True, text=True, cwd=tmp_path)
    assert advance.returncode == 0, advance.stderr
    assert "'notifications.outbox'" in advance.stdout.splitlines()[-1]
    rows = jrun(cli, "outbox", "show")
    assert rows and {r["status"] for r in rows} == {"sent"}  # delivered by the command's courier
    assert len(list((tmp_path / "outbox").iterdir())) == len(rows)


# What neither command uses: the web, the flows, migrations, workbooks, sending, the month's scoring.
NEVER_LOADED = ("prefect", "fastapi", "starlette", "uvicorn", "alembic", "openpyxl", "apprise", "yaml", "segno",
                "argon2", "scoring", "appeals", "jiandu.web", "jiandu.migrate")
# A read writes no message and fires no event: no templates, no notifier, no state machine.
NOT_LOADED_BY_A_READ = ("jinja2", "notifications.notifier", "notifications.messages", "transitions")


def test_show_and_advance_import_only_what_they_use(cli, db_url, tmp_path):
    """Cold start (issue 15.4): a heavy module that creeps back into ``complaint show`` or
    ``complaint advance`` (an import moved to a module's top) fails here, by name."""
    c = jrun(cli, "complaint", "new", "--window", "wb-1", "--source", "customer", "--category", "other",
             "--text", "冷启动", "--at", "2026-11-03T09:00:00+08:00")
    watched = (*NEVER_LOADED, *NOT_LOADED_BY_A_READ)
    code = ("import sys; from jiandu.cli import main; rc = main(sys.argv[1:]); "
            f"print(sorted(w for w in {watched!r} if any(m == w or m.startswith(w + '.') for m in sys.modules))); "
            "sys.exit(rc)")
    env = {**os.environ, "JIANDU_DATABASE_URL": db_url, "JIANDU_OUTBOX_DIR": str(tmp_path / "outbox"),
           "JIANDU_QUIET_HOURS": ""}

    def loaded(*args: str) -> list[str]:
        res = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True,
                             cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout.splitlines()[-1].replace("'", '"'))

    assert loaded("complaint", "show", str(c["id"])) == []
    assert loaded("complaint", "show", str(c["id"]), "--json") == []
    changed = loaded("complaint", "advance", str(c["id"]), "verify", "--by", c["owner"], "--against", "lisi",
                     "--at", "2026-11-03T09:10:00+08:00")
    assert not set(changed) & set(NEVER_LOADED), changed
    assert "jinja2" in changed and "transitions" in changed  # the change's messages, its machine


def test_board_for_one_window_and_unknown_window(cli, tmp_path):
    out = tmp_path / "board.html"
    code, _, _ = cli("board", "wb-1", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert code == 0 and "核对重量" in page and "1号磅" in page
    code, _, err = cli("board", "nope", "--out", str(out))
    assert code == 2 and "nope" in err
