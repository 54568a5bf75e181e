"""Spreadsheet injection: no text from outside the code becomes a formula in any workbook.

openpyxl stores a string starting with "=" as a formula; a complainant's or an appeal's text could
then run on the payroll clerk's machine. Every workbook is written by ``core.workbook``: the month
workbook is checked through ``render_notice_xlsx``; the organisation export does not exist yet,
so the shared helper is checked directly with the kind of sheet it will write.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from itertools import cycle
from pathlib import Path

from openpyxl import load_workbook

from core.workbook import FORMULA_STARTS, Sheet, workbook_bytes
from notifications.notice import render_notice_xlsx

DATA = Path(__file__).resolve().parent / "data"
# Each start a spreadsheet reads as a formula, and an error value's spelling.
TEXTS = ('=HYPERLINK("http://evil.example/","x")', "=1+2", "+1+2", "-1+2", "@SUM(A1)", "\t=1+2",
         "\r=1+2", "#N/A")


def cells(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [cell for ws in wb for row in ws.iter_rows() for cell in row]


def assert_no_formula(data: bytes) -> dict:
    """No cell is a formula or an error value; the texts by value (to compare with what was written)."""
    found = cells(data)
    assert [c.coordinate for c in found if c.data_type == "f"] == []
    assert [c.coordinate for c in found if c.data_type == "e"] == []
    return {c.value: c for c in found if isinstance(c.value, str)}


def month_with_prefixes() -> tuple[dict, dict, list[str]]:
    """The sample month's result with every text from outside the code starting with a prefix:
    person ids and names, unit codes and names, each line's source and reasons. Only the names and
    the reasons are in the workbook (ids, codes and sources are not: words only, issue 13)."""
    result = json.loads((DATA / "result_2026-11.json").read_text(encoding="utf-8"))
    org = json.loads((DATA / "org_sample.json").read_text(encoding="utf-8"))
    start = cycle(TEXTS)
    written: list[str] = []

    def mark(text: str, shown: bool = True) -> str:
        out = next(start) + text
        if shown:
            written.append(out)
        return out

    units = {u: mark(u, shown=False) for u in result["units"]}
    people = {pid: mark(pid, shown=False) for pid in result["people"]}
    for u in org["units"]:
        if u["code"] in units:
            u["code"], u["name"] = units[u["code"]], mark(u["name"])
    result["units"] = {units[u]: v for u, v in result["units"].items()}
    result["stars"] = {units[u]: v for u, v in result["stars"].items()}
    for star in result["stars"].values():  # the workbook names the star; the page gives his reason
        star["person"] = people.get(star["person"])
    renamed = {}
    for pid, p in result["people"].items():
        p["name"] = mark(p["name"])
        p["unit"] = units.get(p["unit"], p["unit"])
        for line in p["lines"]:
            line["source"] = mark(line["source"] or "", shown=False)
            line["reason_zh"], line["reason_en"] = mark(line["reason_zh"]), mark(line["reason_en"])
        renamed[people[pid]] = p
    result["people"] = renamed
    return result, org, written


def test_the_month_workbook_writes_every_outside_text_as_text():
    result, org, written = month_with_prefixes()
    assert {text[:1] for text in written} >= {s[:1] for s in FORMULA_STARTS}  # each start is there
    data = render_notice_xlsx(result, org)
    texts = assert_no_formula(data)
    missing = [w for w in written if w not in texts]
    assert missing == []  # every one reads back exactly as entered
    assert all(texts[w].data_type == "s" for w in written)

    wb = load_workbook(io.BytesIO(data))
    header, *rows = wb["人员 People"].iter_rows()
    assert {r[0].value for r in rows} == {p["name"] for p in result["people"].values()}
    assert all(r[3].data_type == "n" and isinstance(r[3].value, int) for r in rows)  # numbers stay numbers
    _, *lines = wb["明细 Lines"].iter_rows()
    assert all(r[4].data_type == "n" and isinstance(r[4].value, int) for r in lines)


def test_the_shared_helper_for_any_export(tmp_path):
    """What the organisation export will write: ids, names, reporting lines, notes, and numbers."""
    rows = [(f"p{i}", text, text + "开票室", i, 2.5 * i, None) for i, text in enumerate(TEXTS)]
    rows.append(("p9", "=A1\x01\x1f", "ok", -3, -0.5, "-"))
    data = workbook_bytes([Sheet("人员 People", rows, headers=("=编号", "姓名", "单位", "n", "x", "note"),
                                 widths=(10, 20, 20, 8, 8, 8))],
                          title="=组织 Organisation", created=datetime(2026, 12, 1))
    texts = assert_no_formula(data)
    ws = load_workbook(io.BytesIO(data))["人员 People"]
    for (_, name, unit, n, x, note), row in zip(rows, ws.iter_rows(min_row=2), strict=True):
        if "\x01" not in name:
            assert (row[1].value, row[2].value) == (name, unit)
        assert row[1].quotePrefix == name.startswith(FORMULA_STARTS)  # kept text when edited too
        assert (row[3].value, row[3].data_type, row[4].value, row[4].data_type) == (n, "n", x, "n")
        assert row[5].value == note
    # XML cannot hold these control characters: they become U+FFFD rather than failing the export.
    assert ws["B10"].value == "=A1\ufffd\ufffd" and "=编号" in texts
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:F10"
    assert workbook_bytes([Sheet("x", rows)], title="t", created=datetime(2026, 12, 1)) == workbook_bytes(
        [Sheet("x", rows)], title="t", created=datetime(2026, 12, 1))  # the same bytes every time
