"""Bad input: the HR workbook (docs/org-workbook.md), fuzzed like the organisation file (both databases).

Mutations of the sample's export as an HR clerk's Excel could make them: cells overwritten with
odd text, numbers, dates, truth values, the directory's own ids and codes or unknown ones; rows
deleted or copied; a column renamed; a sheet dropped; bytes that are no workbook. Every case is
either refused in one line naming the file (and, for a row's fault, its sheet, row and column) with
nothing of the directory changed, or loaded into a directory that holds together.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.fuzz.counts import tally
from tests.fuzz.test_bad_input import NASTY, db_name, fuzz, holds_together, org_state

NOW = datetime(2026, 11, 1, tzinfo=UTC)
CODES = ["lisi", "chenjian", "zhouhua", "wuqing", "weighbridge", "gate", "office", "wb-1", "inv-1", "loading",
         "ghost", "all_hours", "business", "staff", "leader", "窗口员工", "总执行", "总裁办", "监督员", "董事长"]
cells = st.one_of(
    st.sampled_from([n for n in NASTY if not ILLEGAL_CHARACTERS_RE.search(n) and len(n) < 5000]),
    st.sampled_from(CODES), st.none(), st.booleans(), st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False), st.just(date(2026, 11, 3)),
    st.text(max_size=12).filter(lambda t: not ILLEGAL_CHARACTERS_RE.search(t) and "\ud800" > t[:1]),
)


@st.composite
def workbooks(draw, base: bytes) -> bytes:
    from openpyxl import load_workbook

    if draw(st.integers(0, 25)) == 0:
        return draw(st.binary(max_size=200))
    wb = load_workbook(io.BytesIO(base))
    for _ in range(draw(st.integers(1, 4))):
        ws = wb[draw(st.sampled_from(wb.sheetnames))]
        how = draw(st.sampled_from(["cell", "cell", "cell", "delete", "copy", "header", "sheet"]))
        row = draw(st.integers(1, max(ws.max_row, 1) + 1))
        column = draw(st.integers(1, max(ws.max_column, 1) + 1))
        if how == "cell":
            ws.cell(row=max(row, 2), column=column, value=draw(cells))
        elif how == "delete" and ws.max_row > 1:
            ws.delete_rows(max(row, 2))
        elif how == "copy" and ws.max_row > 1:
            ws.append([c.value for c in ws[min(max(row, 2), ws.max_row)]])
        elif how == "header":
            header = draw(st.sampled_from(["工号 id", "名称", "x", "unit", None, "角色 roles"]))
            ws.cell(row=1, column=column, value=header)
        elif how == "sheet" and len(wb.sheetnames) > 1:
            wb.remove(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.db
def test_org_workbook(org_db, db_url):
    from core.errors import OrgFileError
    from core.orgservice import export_org_xlsx, load_org, org_file_of

    target = f"org workbook[{db_name(db_url)}]"
    base = export_org_xlsx(org_db, NOW)

    @fuzz(60)
    @given(data=workbooks(base))
    def case(data: bytes):
        before = org_state(org_db)
        try:
            load_org(org_db, org_file_of("hr.xlsx", data), "hr.xlsx", NOW)
        except OrgFileError as exc:
            tally(target, "refused")
            message = str(exc)
            assert "\n" not in message and "\r" not in message, message
            assert message.startswith("hr.xlsx: "), message
            row = re.search(r"sheet '[^']+', row (\d+)", message)
            if row and row.group(1) != "1":  # a row's fault names its column (row 1: the headers)
                assert re.search(r"sheet '[^']+', row \d+, column [A-Z]+( \(\w+\))?: \S", message), message
            assert org_state(org_db) == before, f"refused but changed: {message}"
            return
        tally(target, "loaded")
        holds_together(org_db)
        load_org(org_db, org_file_of("base.xlsx", base), "base.xlsx", NOW)  # back to the sample for the next

    case()
