"""The organisation kept in the console and in the HR workbook (issue 13 item 2), on both databases:
console edits through the one validation and apply path, deactivation never deletes, the history
says who changed what and when; a workbook export loads back as the same directory, a preview
lists what a load would change, a bad workbook names its sheet, row and column and loads nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.errors import Conflict, InvalidInput, OrgFileError
from core.org import OrgChange, OrgLoad, Person, Window
from core.orgdoc import deactivate, put, reactivate, set_team
from core.orgservice import (
    edit_org,
    export_org_xlsx,
    load_org,
    load_org_file,
    org_file_of,
    org_history,
    org_snapshot,
    preview_org,
)

pytestmark = pytest.mark.db
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _rows(db) -> dict:
    """Every directory row, inactive ones too, and the count of loads."""
    from core.org import Position, Unit

    with db.reading() as s:
        out = {m.__tablename__: sorted(tuple(r) for r in s.execute(select(m.__table__)))
               for m in (Position, Unit, Window, Person)}
        out["loads"] = s.scalar(select(func.count()).select_from(OrgLoad))
    return out


def _edit(db, fn, what="edit", by="wuqing"):
    return edit_org(db, fn, what, NOW, by)


def test_a_clerk_is_added_edited_deactivated_and_reactivated_with_history(org_db):
    changes = _edit(org_db, lambda s, doc: put(s, doc, "people", "xuejiu",
                                               {"name": "薛九", "unit": "invoicing", "roles": ["staff"]}, new=True),
                    "add xuejiu")
    assert [(c.kind, c.code, c.action) for c in changes] == [("people", "xuejiu", "added")]
    people = {p["id"]: p for p in org_snapshot(org_db)["people"]}
    assert people["xuejiu"]["supervisor"] == "lizhu"  # the same default as the file: the unit's head

    _edit(org_db, lambda s, doc: put(s, doc, "people", "xuejiu", {"name": "薛久", "unit": "weighbridge"},
                                     new=False), "edit xuejiu")
    people = {p["id"]: p for p in org_snapshot(org_db)["people"]}
    assert (people["xuejiu"]["name"], people["xuejiu"]["supervisor"]) == ("薛久", "chenjian")

    _edit(org_db, lambda s, doc: deactivate(s, doc, "people", "xuejiu"), "deactivate xuejiu")
    with org_db.reading() as s:
        assert s.get(Person, "xuejiu").active is False  # never deleted
    assert "xuejiu" not in {p["id"] for p in org_snapshot(org_db)["people"]}
    _edit(org_db, lambda s, doc: reactivate(s, doc, "people", "xuejiu"), "reactivate xuejiu")
    with org_db.reading() as s:
        assert s.get(Person, "xuejiu").active is True

    history = org_history(org_db)
    assert [h["source"] for h in history[:4]] == ["console: reactivate xuejiu", "console: deactivate xuejiu",
                                                  "console: edit xuejiu", "console: add xuejiu"]
    assert all(h["by"] == "wuqing" and h["at"] == NOW for h in history[:4])
    edited = history[2]["changes"]
    assert edited == [{"kind": "people", "code": "xuejiu", "action": "changed",
                       "fields": {"name": ["薛九", "薛久"], "unit_code": ["invoicing", "weighbridge"],
                                  "supervisor_id": ["lizhu", "chenjian"]}}]
    assert history[1]["changes"][0]["action"] == "deactivated"
    assert history[0]["changes"][0]["action"] == "reactivated"
    assert history[-1]["by"] is None  # the sample's load, from the command line


def test_a_console_edit_is_refused_by_the_same_rules_as_the_file_and_writes_nothing(org_db):
    before = _rows(org_db)
    refusals = [
        (lambda s, doc: put(s, doc, "people", "xuejiu", {"name": "薛九", "unit": "moon"}, new=True),
         "unknown unit 'moon'"),
        (lambda s, doc: put(s, doc, "people", "lisi", {"name": "李四", "unit": "weighbridge", "supervisor": "lisi2"},
                            new=False), "unknown supervisor 'lisi2'"),
        (lambda s, doc: put(s, doc, "people", "chenjian", {"name": "陈建", "unit": "weighbridge",
                                                           "supervisor": "lisi"}, new=False),
         "supervisor cycle"),  # lisi's supervisor is chenjian, the head of his unit
        (lambda s, doc: put(s, doc, "people", "zhangsan", {"name": "张" * 201, "unit": "invoicing"}, new=False),
         "longer than 200"),
        (lambda s, doc: put(s, doc, "windows", "wb-3", {"name": "3号磅", "unit": "weighbridge",
                                                        "position": "weighbridge", "calendar": "nights"}, new=True),
         "unknown calendar 'nights'"),
        (lambda s, doc: put(s, doc, "people", "lisi", {"name": "李四"}, new=True), "exists already"),
        (lambda s, doc: deactivate(s, doc, "people", "chenjian"), "still in use"),  # heads 司磅室
        (lambda s, doc: deactivate(s, doc, "units", "gate"), "still in use"),
        (lambda s, doc: set_team(doc, "baihong", None, "dongshi", ["wuqing"]), "every rung"),
    ]
    for edit, message in refusals:
        with pytest.raises(InvalidInput, match=message):
            _edit(org_db, edit)
    assert _rows(org_db) == before


def test_a_window_moves_and_the_team_changes_through_the_console(org_db):
    _edit(org_db, lambda s, doc: put(s, doc, "windows", "inv-2", {"name": "2号开票窗口", "unit": "sales",
                                                                  "position": "invoicing", "calendar": "business"},
                                     new=False))
    with org_db.reading() as s:
        w = s.get(Window, "inv-2")
        assert (w.unit_code, w.calendar) == ("sales", "business")
    _edit(org_db, lambda s, doc: set_team(doc, "baihong", "wuqing", "dongshi", ["wuqing"]))
    snap = org_snapshot(org_db)
    assert snap["team"]["executor"] == "wuqing" and snap["team"]["president_office"] == ["wuqing"]
    people = {p["id"]: p for p in snap["people"]}
    assert "executor" not in people["zhouhua"]["roles"]  # a derived role goes with the team
    assert "supervisor" in people["zhouhua"]["roles"]  # he still heads 总裁办


def test_an_exported_workbook_loads_back_as_the_yaml_loaded_organisation(org_db, db_url, tmp_path):
    yaml_loaded = org_snapshot(org_db, include_inactive=True)
    data = export_org_xlsx(org_db, NOW)
    assert data == export_org_xlsx(org_db, NOW)  # the same directory gives the same bytes
    path = tmp_path / "org.xlsx"
    path.write_bytes(data)

    summary = load_org_file(org_db, path, NOW).as_dict()  # onto itself: nothing changes
    assert sum(summary["added"].values()) == sum(summary["updated"].values()) == 0
    assert not any(summary["deactivated"].values())
    assert org_snapshot(org_db, include_inactive=True) == yaml_loaded


def test_a_workbook_loads_into_an_empty_directory_as_the_yaml_did(org_db, db_url, tmp_path):
    from core.db import Database
    from core.orgdoc import org_document
    from core.orgsheet import document_sheets
    from core.workbook import workbook_bytes
    from jiandu.migrate import upgrade_to_head

    yaml_loaded = org_snapshot(org_db)
    data = export_org_xlsx(org_db, NOW)
    if db_url.startswith("sqlite"):
        other = Database(f"sqlite:///{tmp_path / 'other.db'}")
        upgrade_to_head(other)
    else:
        from tests.conftest import truncate_all

        truncate_all(db_url)
        other = Database(db_url)
    try:
        load_org(other, org_file_of("org.xlsx", data), "org.xlsx", NOW)
        assert org_snapshot(other) == yaml_loaded
        with other.reading() as s:  # and the workbook of that directory is the same workbook
            assert workbook_bytes(document_sheets(org_document(s, contacts=False)), title="组织架构 / organisation",
                                  created=NOW) == data
    finally:
        other.dispose()


def _edited(data: bytes, edit) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    edit(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _append(sheet: str, *values):
    return lambda wb: wb[sheet].append(list(values))


def _set(sheet: str, cell: str, value):
    def edit(wb):
        wb[sheet][cell] = value
    return edit


def test_the_preview_lists_what_a_workbook_changes_and_nothing_is_written(org_db):
    def hr(wb):
        wb["人员 people"].append(["xuejiu", "薛九", "weighbridge", None, "窗口员工"])  # a joiner
        people = wb["人员 people"]
        for row in people.iter_rows(min_row=2):
            if row[0].value == "maliu":
                people.delete_rows(row[0].row)  # a leaver
                break
        for row in people.iter_rows(min_row=2):
            if row[0].value == "guoqi":
                row[1].value = "郭七七"  # a new name
    file = org_file_of("hr.xlsx", _edited(export_org_xlsx(org_db, NOW), hr))
    before = _rows(org_db)
    preview = preview_org(org_db, file)
    assert _rows(org_db) == before  # a preview writes nothing
    assert [(c["kind"], c["code"], c["action"]) for c in preview["changes"]] == [
        ("people", "guoqi", "changed"), ("people", "xuejiu", "added"), ("people", "maliu", "deactivated")]
    assert preview["changes"][0]["fields"] == {"name": ["郭七", "郭七七"]}
    assert preview["summary"]["deactivated"]["people"] == ["maliu"]

    load_org(org_db, file, "hr.xlsx", NOW, by="wuqing", basis=preview["basis"])
    with org_db.reading() as s:
        assert s.get(Person, "maliu").active is False and s.get(Person, "xuejiu").supervisor_id == "chenjian"
        changes = list(s.scalars(select(OrgChange).order_by(OrgChange.id)))[-3:]
        assert [(c.code, c.action) for c in changes] == [("guoqi", "changed"), ("xuejiu", "added"),
                                                          ("maliu", "deactivated")]
    # The same preview applied again: the directory changed since, refused.
    with pytest.raises(Conflict, match="preview again"):
        load_org(org_db, file, "hr.xlsx", NOW, by="wuqing", basis=preview["basis"])


@pytest.mark.parametrize("edit,message", [
    (_append("人员 people", "xuejiu", "薛九", "moon"),
     r"工作表「人员 people」第30行 C列（unit） / sheet '人员 people', row 30, column C \(unit\): "
     r".*unknown unit 'moon'"),
    (_append("人员 people", "lisi", "李四二", "weighbridge"),
     r"sheet '人员 people', row 30, column A \(id\): .*repeated person id 'lisi'.*first at row 9"),
    (_append("人员 people", "xuejiu", None, "weighbridge"),
     r"sheet '人员 people', row 30, column B \(name\): .*missing key 'name'"),
    (_append("人员 people", "xuejiu", "薛九", "weighbridge", None, "boss"),
     r"sheet '人员 people', row 30, column E \(roles\): .*unknown role 'boss'"),
    (_append("人员 people", "xuejiu", "薛九", "weighbridge", "ghost"),
     r"sheet '人员 people', row 30, column D \(supervisor\): .*unknown supervisor 'ghost'"),
    (_append("窗口 windows", "wb-3", "3号磅", "moon", "weighbridge"),
     r"sheet '窗口 windows', row 11, column C \(unit\): .*unknown unit 'moon'"),
    (_append("窗口 windows", "wb-3", "3号磅", "weighbridge", "bakery"),
     r"sheet '窗口 windows', row 11, column D \(position\): .*unknown position 'bakery'"),
    (_append("窗口 windows", "wb-1", "又一个1号磅", "weighbridge", "weighbridge"),
     r"sheet '窗口 windows', row 11, column A \(code\): .*repeated window code 'wb-1'"),
    (_set("单位 units", "C2", "ghost"), r"sheet '单位 units', row 2, column C \(head\): .*unknown person 'ghost'"),
    (_append("监督小组 team", "总执行", "wuqing"),
     r"sheet '监督小组 team', row 7, column B \(person\): .*one person only"),
    (_append("监督小组 team", "总经理", "wuqing"), r"sheet '监督小组 team', row 7, column A \(role\): .*unknown role"),
    (_append("承诺 commitments", "bakery", "按时出炉"),
     r"sheet '承诺 commitments', row 37, column A \(position\): .*unknown position 'bakery'"),
    (_set("承诺 commitments", "B3", "文明\x7f服务"), r"sheet '承诺 commitments', row 3, column B \(text\): .*control"),
    (_set("人员 people", "F1", "年龄 age"), r"sheet '人员 people', row 1, column F: unknown column '年龄 age'"),
    (lambda wb: wb.create_sheet("备注"), r"unknown sheet '备注'"),
    (lambda wb: wb.remove(wb["人员 people"]), r"missing sheet '人员 people'"),
])
def test_a_bad_workbook_is_refused_naming_sheet_row_and_column_and_loads_nothing(org_db, edit, message):
    data = _edited(export_org_xlsx(org_db, NOW), edit)
    before = _rows(org_db)
    with pytest.raises(OrgFileError, match=message):
        load_org(org_db, org_file_of("hr.xlsx", data), "hr.xlsx", NOW)
    assert _rows(org_db) == before


def test_not_a_workbook_is_refused_in_one_line(org_db):
    with pytest.raises(OrgFileError, match=r"^hr.xlsx: not an .xlsx workbook"):
        org_file_of("hr.xlsx", b"name,id\n")


def test_two_console_edits_at_once_are_checked_one_after_the_other(org_db):
    """The slower edit read the directory before the faster one wrote: without the directory's lock
    it would be checked against what it read, and 李四 would report to someone who has left."""
    import threading
    import time

    started = threading.Event()

    def slow(s, doc):  # 王五 becomes 李四's supervisor
        started.set()
        time.sleep(0.8)  # the other edit comes now
        put(s, doc, "people", "lisi", {"name": "李四", "unit": "weighbridge", "supervisor": "wangwu"}, new=False)

    errors = []

    def run(fn):
        try:
            _edit(org_db, fn)
        except InvalidInput as exc:
            errors.append(str(exc))

    first = threading.Thread(target=run, args=(slow,))
    first.start()
    started.wait(10)
    second = threading.Thread(target=run, args=(lambda s, doc: deactivate(s, doc, "people", "wangwu"),))
    second.start()
    first.join(30)
    second.join(30)
    with org_db.reading() as s:
        assert s.get(Person, "lisi").supervisor_id == "wangwu" and s.get(Person, "wangwu").active
    assert len(errors) == 1 and "still in use" in errors[0]  # the leaver waited, then was refused
