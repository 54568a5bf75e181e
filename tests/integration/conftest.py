"""The command line against the test database, with the sample organisation loaded."""

from __future__ import annotations

import json

import pytest

from jiandu.cli import main


@pytest.fixture
def cli(db_url, monkeypatch, capsys, tmp_path):
    """``cli(*argv, expect=0)``: the parsed JSON (with --json), stdout, or stderr when refused."""
    monkeypatch.setenv("JIANDU_DATABASE_URL", db_url)
    monkeypatch.setenv("JIANDU_NOTICE_DIR", str(tmp_path / "notices"))
    monkeypatch.setenv("JIANDU_OUTBOX_DIR", str(tmp_path / "outbox"))

    def run(*args, expect=0):
        code = main(list(args))
        out, err = capsys.readouterr()
        assert code == expect, err
        if code:
            return err
        return json.loads(out) if "--json" in args else out

    run("init", "--sample")
    return run
