"""Every workbook Jiandu writes: the month's payroll workbook now, the organisation export and any
later one. Call :func:`workbook_bytes` with the sheets; never write cells with openpyxl directly.

Text from outside the code (names, reasons, notes, sources, ids) is always a string cell. openpyxl
stores a string that starts with ``=`` as a formula and one like ``#N/A`` as an error value, so a
name typed ``=HYPERLINK("http://evil.example/","x")`` would become a live formula on the payroll
clerk's machine (spreadsheet injection, OWASP "CSV injection"). Here every ``str`` gets the string
data type explicitly; a text a spreadsheet would read as a formula when someone edits the cell
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) also gets the quote prefix,
so Excel and LibreOffice keep it text then too. Numbers stay numbers. Every text reads back exactly
as given, but for the control characters XML cannot hold at all (they become U+FFFD).

The same sheets give the same bytes: fixed document dates and fixed times in the zip archive.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from numbers import Number

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CREATOR = "Jiandu 监督"


@dataclass(frozen=True)
class Sheet:
    """One sheet: ``headers`` (bold, frozen, filtered; none for a key-value sheet), its ``rows``
    of values (``str``, numbers, ``None`` for an empty cell, dates) and column ``widths``."""

    title: str
    rows: Iterable[Sequence[object]]
    headers: Sequence[str] = ()
    widths: Sequence[float] = ()


def workbook_bytes(sheets: Iterable[Sheet], *, title: str, created: datetime) -> bytes:
    """The sheets as an .xlsx file; ``created`` is stamped as both document dates."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        _write_sheet(wb.create_sheet(sheet.title), sheet)
    wb.properties.created = wb.properties.modified = created
    wb.properties.creator, wb.properties.title = CREATOR, title
    # ExcelWriter rather than wb.save(): save() overwrites "modified" with the current time.
    buffer = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()  # closes the archive
    return _stable_zip(buffer.getvalue())


def _write_sheet(ws, sheet: Sheet) -> None:
    for column, text in enumerate(sheet.headers, 1):
        cell = _put(ws.cell(row=1, column=column), text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    first = 2 if sheet.headers else 1
    for row_number, values in enumerate(sheet.rows, first):
        for column, value in enumerate(values, 1):
            _put(ws.cell(row=row_number, column=column), value)
    for column, width in enumerate(sheet.widths, 1):
        ws.column_dimensions[get_column_letter(column)].width = width
    if sheet.headers:
        ws.freeze_panes = "A2"
        if ws.max_row > 1:
            ws.auto_filter.ref = ws.dimensions


def _put(cell, value):
    """Numbers, dates and empty cells as they are; anything else as text, never a formula."""
    if value is None or isinstance(value, Number | date):
        cell.value = value
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
    cell.value = text
    cell.data_type = "s"  # openpyxl guessed "f" for "=…" and "e" for "#N/A"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _stable_zip(data: bytes) -> bytes:
    """Rewrite the archive with a fixed timestamp per member (zipfile stamps the current time).

    A carriage return is written as a character reference: openpyxl writes it raw, and every XML
    reader (Excel's too) turns a raw one into a line feed, so "\\r…" would not read back as given.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            body = src.read(info.filename)
            if info.filename.endswith(".xml"):
                body = body.replace(b"\r", b"&#13;")
            dst.writestr(fixed, body)
    return out.getvalue()
