"""The organisation as a workbook (.xlsx) for the HR spreadsheet: one sheet per kind, the layout
of docs/org-workbook.md.

:func:`workbook_document` reads a workbook into the document a YAML file gives (core.orgfile), so
the one validation (check_org) and the one apply path serve both; a refusal then names the sheet,
the row and the column instead of a line. :func:`document_sheets` writes a document as the sheets
core.workbook makes into a file (the only writer: formula-safe). Contacts are not in the workbook:
they may hold a channel's secret; a load keeps each person's own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from core.errors import OrgFileError
from core.glossary import ROLES
from core.ladder import TEAM_SECTION as TEAM_KEYS
from core.orgfile import LocatedList, LocatedMap, LocatedText, SpecReader, check_org  # noqa: F401 - check_org for callers
from core.workbook import Sheet

# kind → (sheet title, [(key, Chinese header)]); a header cell reads "工号 id": either word will do.
LAYOUT: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "positions": ("岗位 positions", [("code", "岗位编号"), ("name", "岗位名称")]),
    "commitments": ("承诺 commitments", [("position", "岗位编号"), ("text", "承诺内容")]),
    "units": ("单位 units", [("code", "单位编号"), ("name", "单位名称"), ("head", "负责人工号"),
                            ("leader", "主管领导工号")]),
    "windows": ("窗口 windows", [("code", "窗口编号"), ("name", "窗口名称"), ("unit", "单位编号"),
                                ("position", "岗位编号"), ("calendar", "日历")]),
    "people": ("人员 people", [("id", "工号"), ("name", "姓名"), ("unit", "单位编号"), ("supervisor", "直接主管工号"),
                              ("roles", "角色")]),
    "team": ("监督小组 team", [("role", "职务"), ("person", "工号")]),
}
REQUIRED_SHEETS = ("units", "people")
REQUIRED_COLUMNS = {"positions": ("code", "name"), "commitments": ("position", "text"), "units": ("code", "name"),
                    "windows": ("code", "name", "unit", "position"), "people": ("id", "name"),
                    "team": ("role", "person")}
WIDTHS = {"code": 14, "id": 14, "name": 22, "text": 80, "head": 14, "leader": 14, "unit": 14, "position": 14,
          "calendar": 12, "supervisor": 14, "roles": 24, "role": 20, "person": 14}
ROLE_OF_LABEL = {zh: code for code, (zh, _en) in ROLES.items()}
MAX_ROWS = 20_000  # a group's directory is hundreds of rows; a bigger sheet is not an organisation
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class RowAt:
    """Where an item was read: a row of a sheet, and the letter of each column by key."""

    sheet: str
    row: int
    columns: dict = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return f"row {self.row}"


class _SheetReader(SpecReader):
    """The validation's refusals, placed in the workbook: sheet, row, column."""

    def place(self, at, key: str | None) -> str:
        if not isinstance(at, RowAt):
            return self.source
        column = at.columns.get(key)
        where = f"{self.source}: 工作表「{at.sheet}」第{at.row}行"
        english = f"sheet '{at.sheet}', row {at.row}"
        if column:
            where += f" {column}列（{key}）"
            english += f", column {column} ({key})"
        return f"{where} / {english}"

    def first(self, at) -> str:
        return f"row {at.row}" if isinstance(at, RowAt) else f"line {at}"


def reader(source: str) -> SpecReader:
    return _SheetReader(source)


# ---- reading ------------------------------------------------------------------------------------

def workbook_document(data: bytes, source: str) -> LocatedMap:
    """The workbook as an organisation document; refused (OrgFileError naming the sheet, the row
    and the column) when its layout is not docs/org-workbook.md's. Check it with check_org(doc,
    reader(source))."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    if len(data) > MAX_BYTES:
        raise OrgFileError(f"{source}: larger than {MAX_BYTES // 1024 // 1024} MB 文件过大")
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets: dict[str, tuple[str, list[tuple[RowAt, dict]]]] = {}
            for ws in wb.worksheets:
                kind = _kind_of_sheet(ws.title)
                if kind is None:
                    raise OrgFileError(f"{source}: 工作表「{ws.title}」未知 / unknown sheet '{ws.title}' (the sheets: "
                                       + ", ".join(title for title, _ in LAYOUT.values()) + ")")
                if kind in sheets:
                    raise OrgFileError(f"{source}: 工作表「{ws.title}」重复 / sheet '{ws.title}' repeats "
                                       f"'{sheets[kind][0]}'")
                sheets[kind] = (ws.title, _rows(ws, kind, source, get_column_letter))  # parsed as it is read
        finally:
            wb.close()
    except OrgFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken archive or XML fails deep inside openpyxl in many ways
        raise OrgFileError(f"{source}: not an .xlsx workbook or damaged 不是 .xlsx 工作簿或文件已损坏 "
                           f"({type(exc).__name__})") from None
    for kind in REQUIRED_SHEETS:
        if kind not in sheets:
            raise OrgFileError(f"{source}: 缺少工作表「{LAYOUT[kind][0]}」/ missing sheet '{LAYOUT[kind][0]}'")
    return _document(sheets, source)


def _kind_of_sheet(title: str) -> str | None:
    words = {title.strip(), *title.replace("/", " ").split()}
    return next((kind for kind, (full, _) in LAYOUT.items() if words & {kind, full, full.split()[0]}), None)


def _rows(ws, kind: str, source: str, letter) -> list[tuple[RowAt, dict]]:
    title, columns = LAYOUT[kind]
    by_word = {}
    for key, zh in columns:
        by_word.update({key: key, zh: key, f"{zh} {key}": key, f"{zh} / {key}": key})
    keys: dict[int, str] = {}
    out: list[tuple[RowAt, dict]] = []
    letters: dict[str, str] = {}
    for number, row in enumerate(ws.iter_rows(values_only=True), 1):
        if number == 1:
            for i, cell in enumerate(row):
                if cell is None or str(cell).strip() == "":
                    continue
                text = " ".join(str(cell).split())
                key = by_word.get(text) or by_word.get(text.split()[-1])
                if key is None:
                    raise OrgFileError(f"{source}: 工作表「{ws.title}」第1行 {letter(i + 1)}列 未知的列 / sheet "
                                       f"'{ws.title}', row 1, column {letter(i + 1)}: unknown column '{text[:40]}' "
                                       f"(the columns: {', '.join(f'{zh} {k}' for k, zh in columns)})")
                if key in letters:
                    raise OrgFileError(f"{source}: 工作表「{ws.title}」第1行 {letter(i + 1)}列 重复的列 / sheet "
                                       f"'{ws.title}', row 1, column {letter(i + 1)}: column '{key}' repeats "
                                       f"column {letters[key]}")
                keys[i], letters[key] = key, letter(i + 1)
            for key in REQUIRED_COLUMNS[kind]:
                if key not in letters:
                    zh = dict(columns)[key]
                    raise OrgFileError(f"{source}: 工作表「{ws.title}」第1行 缺少列「{zh} {key}」/ sheet "
                                       f"'{ws.title}', row 1: missing column '{zh} {key}'")
            continue
        if number > MAX_ROWS + 1:
            raise OrgFileError(f"{source}: 工作表「{ws.title}」超过{MAX_ROWS}行 / sheet '{ws.title}': more than "
                               f"{MAX_ROWS} rows")
        values = {}
        for i, cell in enumerate(row):
            value = _cell(cell)
            if value is None:
                continue
            if i not in keys:
                raise OrgFileError(f"{source}: 工作表「{ws.title}」第{number}行 {letter(i + 1)}列 该列无标题 / sheet "
                                   f"'{ws.title}', row {number}, column {letter(i + 1)}: a value under no column")
            values[keys[i]] = value
        if values:
            out.append((RowAt(ws.title, number, letters), values))
    return out


def _cell(value):
    """A cell as the document holds it: text (a whole number as its digits), None when empty;
    a date or a truth value is kept as it is, for the validation to refuse by name."""
    if value is None:
        return None
    if isinstance(value, bool | datetime | date | time):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return None if text.strip() == "" else text


def _fail(source: str, at: RowAt, key: str, message: str) -> OrgFileError:
    return _SheetReader(source).fail(at, message, key)


def _document(sheets: dict, source: str) -> LocatedMap:
    doc = LocatedMap()
    doc.line = RowAt(sheets["people"][0], 1)
    positions = LocatedMap()
    positions.line = doc.line
    for at, row in sheets.get("positions", ("", []))[1]:
        code = row.get("code")
        if code is None:
            raise _fail(source, at, "code", "positions: missing key 'code' 缺少岗位编号")
        code = LocatedText(str(code).strip())
        code.line = at
        if code in positions:
            raise _fail(source, at, "code", f"positions: repeated position '{code}' 重复的岗位编号 "
                                            f"(first at {positions[code].line})")
        item = LocatedMap({k: v for k, v in row.items() if k != "code"})
        item.line, item["commitments"] = at, LocatedList()
        positions[code] = item
    for at, row in sheets.get("commitments", ("", []))[1]:
        position = str(row.get("position") or "").strip()
        if position not in positions:
            raise _fail(source, at, "position", f"commitments: unknown position '{position}' 未知岗位")
        text = row.get("text")
        if text is None:
            raise _fail(source, at, "text", f"commitments.{position}: missing key 'text' 缺少承诺内容")
        if not isinstance(text, str):  # a date, a truth value: refused here, where its row is known
            raise _fail(source, at, "text", f"commitments.{position}: expected text 应为文本")
        text = LocatedText(text)
        text.line = at
        positions[position]["commitments"].append(text)
    doc["positions"] = positions

    units, by_code = LocatedList(), {}
    for at, row in sheets["units"][1]:
        item = LocatedMap(row)
        item.line, item["windows"] = at, LocatedList()
        units.append(item)
        by_code.setdefault(str(row.get("code") or "").strip(), item)
    for at, row in sheets.get("windows", ("", []))[1]:
        unit = str(row.get("unit") or "").strip()
        if not unit:
            raise _fail(source, at, "unit", "windows: missing key 'unit' 缺少所属单位")
        if unit not in by_code:
            raise _fail(source, at, "unit", f"windows: unknown unit '{unit}' 未知单位")
        item = LocatedMap({k: v for k, v in row.items() if k != "unit"})
        item.line = at
        by_code[unit]["windows"].append(item)
    doc["units"] = units

    people = LocatedList()
    for at, row in sheets["people"][1]:
        item = LocatedMap(row)
        item.line = at
        if "roles" in item and isinstance(item["roles"], str):
            words = item["roles"].replace("，", ",").replace("、", ",").replace(";", ",").replace("；", ",")
            item["roles"] = LocatedList(ROLE_OF_LABEL.get(w.strip(), w.strip())
                                  for w in words.split(",") if w.strip())
        people.append(item)
    doc["people"] = people

    team = LocatedMap()
    team.line, team.key_at = doc.line, {}
    for at, row in sheets.get("team", ("", []))[1]:
        role = str(row.get("role") or "").strip()
        role = ROLE_OF_LABEL.get(role, role)
        if role not in TEAM_KEYS:
            raise _fail(source, at, "role", f"team: unknown role '{role}' 未知职务 (one of "
                                            + ", ".join(f"{ROLES[r][0]} {r}" for r in TEAM_KEYS) + ")")
        person = row.get("person")
        if person is None:
            raise _fail(source, at, "person", f"team.{role}: missing key 'person' 缺少工号")
        if not isinstance(person, str):
            raise _fail(source, at, "person", f"team.{role}: expected text 应为文本")
        person = LocatedText(person)
        person.line = at
        team.setdefault(role, LocatedList()).append(person)
        team.key_at.setdefault(role, at)
    doc["team"] = team
    return doc


# ---- writing -------------------------------------------------------------------------------------

def document_sheets(doc) -> list[Sheet]:
    """The document as the workbook's sheets (write them with core.workbook.workbook_bytes)."""
    def sheet(kind: str, rows) -> Sheet:
        title, columns = LAYOUT[kind]
        return Sheet(title, [list(r) for r in rows], headers=[f"{zh} {key}" for key, zh in columns],
                     widths=[WIDTHS[key] for key, _ in columns])

    positions = doc.get("positions") or {}
    team = doc.get("team") or {}
    return [
        sheet("positions", ((code, p["name"]) for code, p in positions.items())),
        sheet("commitments", ((code, text) for code, p in positions.items() for text in p.get("commitments", []))),
        sheet("units", ((u["code"], u["name"], u.get("head"), u.get("leader")) for u in doc["units"])),
        sheet("windows", ((w["code"], w["name"], u["code"], w["position"], w.get("calendar"))
                          for u in doc["units"] for w in u.get("windows", []))),
        sheet("people", ((p["id"], p["name"], p.get("unit"), p.get("supervisor"),
                          "、".join(ROLES.get(r, (r,))[0] for r in p.get("roles", [])) or None)
                         for p in doc["people"])),
        sheet("team", ((ROLES[role][0], who) for role in TEAM_KEYS
                       for who in (team.get(role) if isinstance(team.get(role), list) else [team.get(role)])
                       if who)),
    ]

