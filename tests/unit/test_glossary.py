"""One glossary (issue 18 item 13): the roles, the rungs and the criticism are named the same
everywhere a person reads them, as rules.md names them (core/glossary.py)."""

from __future__ import annotations

import pytest

from core.glossary import CRITICISM, ROLES, RUNGS
from tests.conftest import ROOT

# Words the seed or older code used for the same things; rules.md's are in core/glossary.py.
NOT_OURS = ("小组组长", "通报批评", "组长(总协调)", "总协调（组长）", "组长/总协调")
READ_BY_PEOPLE = ("core", "states", "scoring", "notifications", "workflows", "jiandu")
SUFFIXES = {".py", ".j2", ".txt", ".md", ".yaml"}


def _sources():
    for top in READ_BY_PEOPLE:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in SUFFIXES and path.name != "glossary.py":
                yield path
    yield ROOT / "README.md"
    yield from (p for p in (ROOT / "docs").glob("*.md") if p.name != "glossary.md")


def test_no_other_word_for_a_role_or_the_criticism():
    found = [f"{path.relative_to(ROOT)}: {word}" for path in _sources()
             for word in NOT_OURS if word in path.read_text(encoding="utf-8")]
    assert found == []


def test_the_ladder_reads_as_rules_md_names_it():
    assert [RUNGS[level][0] for level in (1, 2, 3)] == ["总执行", "组长（总协调）", "董事长"]
    assert ROLES["coordinator"] == RUNGS[2] and CRITICISM[0] == "批评教育"


@pytest.mark.parametrize("where", ["board", "notice", "web", "messages"])
def test_every_reader_takes_the_glossarys_words(where):
    from jiandu.web.security import ROLE_LABELS
    from notifications import board, notice

    if where == "board":
        assert board.TEAM_CONTACTS and all(key in ROLES for key in board.TEAM_CONTACTS)
    elif where == "notice":
        assert dict(notice.TEAM_ROLES)["coordinator"] == "组长（总协调） team leader (coordinator)"
        assert notice.RULES["criticism"].startswith(CRITICISM[0])
    elif where == "web":
        assert ROLE_LABELS is ROLES
    else:
        text = (ROOT / "notifications/templates/messages/complaint_received.txt.j2").read_text(encoding="utf-8")
        assert "组长（总协调）或董事长" in text


def test_a_criticism_line_does_not_read_as_if_the_complaint_cost_nothing():
    """Issue 18: '批评教育（不扣分）' beside −5 for the same complaint read as a contradiction."""
    from datetime import datetime

    from core.policy import load_policy
    from core.timeutil import BUSINESS_TZ
    from scoring import numbers_of
    from scoring.model import Complaint
    from scoring.rules import criticism

    line = criticism(numbers_of(load_policy()), Complaint("c1", "lisi", "customer", "attitude",
                                                     datetime(2026, 11, 3, 10, tzinfo=BUSINESS_TZ), None, None))
    assert line.points == 0 and "（不扣分）" not in line.text_zh and "不另扣分" in line.text_zh
