"""The README's command-line tour, run as written on a fresh database (issue 18 item 11).

The ```sh block of the section 命令行导览 is parsed line by line (continuations joined, comments
and the venv's activation dropped, ``;`` separating commands) and every command runs through
``jiandu.cli.main`` in a folder where ``docs/`` and ``config/`` are the project's own.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest

from jiandu.cli import main
from tests.conftest import ROOT

pytestmark = pytest.mark.db

TOUR_HEADING = "## A tour of the command line 命令行导览"


def tour_commands(readme: str) -> list[list[str]]:
    """Every ``jiandu`` command of the tour's sh block, as argv lists, in order."""
    section = readme.split(TOUR_HEADING, 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    commands, pending = [], ""
    for raw in block.splitlines():
        line = pending + raw
        if line.rstrip().endswith("\\"):
            pending = line.rstrip()[:-1] + " "
            continue
        pending = ""
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";")
        lexer.whitespace_split = True
        words = list(lexer)
        while words:
            cut = words.index(";") if ";" in words else len(words)
            command, words = words[:cut], words[cut + 1:]
            if command and command[0] not in (".", "source"):
                commands.append(command)
    for command in commands:
        assert command[0] == "jiandu", f"the tour runs only jiandu commands: {command}"
    return [c[1:] for c in commands]


def test_the_parser_reads_continuations_comments_and_semicolons():
    text = (f"{TOUR_HEADING}\n```sh\n. .venv/bin/activate\njiandu a --x 1 \\\n    --y \"两 字\"  # note\n"
            "# only a comment\njiandu b; jiandu c --d\n```\n## Next\n```sh\njiandu e\n```\n")
    assert tour_commands(text) == [["a", "--x", "1", "--y", "两 字"], ["b"], ["c", "--d"]]


# What some commands must say (a substring of their output), besides exiting 0.
EXPECTED = {
    ("org", "load"): "-1",                       # a leaver deactivated
    ("org", "export"): "exported",
    ("org", "load", "--preview"): "没有变化 no changes",  # the exported workbook is the directory
    ("clocks", "check"): "总执行 / chief executor 周华",  # #1 climbed to the chief executor, by name
    ("month", "publish"): "已公布 / published",
    ("appeal", "file"): "appeal #1",
    ("appeal", "decide"): "upheld",
    ("score", "--facts"): '"dismissal_recommended": true',  # example A, his third worst month
}


def _expected(argv: list[str]) -> str | None:
    return EXPECTED.get((*argv[:2], "--preview") if "--preview" in argv else tuple(argv[:2]))


def test_the_readme_tour_runs_as_written(db_url, tmp_path, monkeypatch, capsys):
    for folder in ("docs", "config"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JIANDU_DATABASE_URL", db_url)
    monkeypatch.setenv("JIANDU_OUTBOX_DIR", str(tmp_path / "outbox"))
    commands = tour_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(commands) >= 25
    for argv in commands:
        code = main(argv)
        out, err = capsys.readouterr()
        assert code == 0, f"jiandu {shlex.join(argv)} → exit {code}: {err.strip()}"
        if (said := _expected(argv)) is not None:
            assert said in out, f"jiandu {shlex.join(argv)} did not say {said!r}:\n{out}"

    assert (tmp_path / "board.html").read_text(encoding="utf-8").count("承诺") >= 1
    assert (tmp_path / "var" / "notices" / "2026-11" / "notice.html").is_file()
    month = json.loads(_run(capsys, "month", "show", "2026-11", "--json"))
    assert month["status"] == "published" and month["published_at"] > month["closed_at"]
    assert month["people"]["xiaowang"]["lines"] == [] or month["stars"]["invoicing"]["person"] == "xiaowang"


def _run(capsys, *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out
