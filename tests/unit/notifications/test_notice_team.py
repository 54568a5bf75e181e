"""The notice's unit ranking holds the window units only, and the supervision team's own record
is its own table (rules.md §5, issue 18 item 8)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from notifications.notice import render_notice_html
from tests.unit.scoring.helpers import score
from tests.unit.scoring.test_window_units import TEAM_MONTH

ORG = json.loads((Path(__file__).resolve().parent / "data" / "org_sample.json").read_text(encoding="utf-8"))


def _section(html: str, sid: str) -> str:
    return html.split(f'<section id="{sid}">', 1)[1].split("</section>", 1)[0]


def test_the_unit_ranking_leaves_the_presidents_office_to_the_team_table():
    html = render_notice_html(score(TEAM_MONTH), ORG)
    units = _section(html, "units")
    assert "总裁办" not in units and "开票室" in units and "司磅室" in units
    team = _section(html, "team")
    row = re.search(r'<tr class="team">(?:(?!</tr>).)*周华(?:(?!</tr>).)*</tr>', team, re.S).group(0)
    assert "总执行" in row and re.findall(r'<td class="num">(\d+)</td>', row)[:2] == ["3", "2"]
