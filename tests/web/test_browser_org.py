"""The organisation in the console, in a real browser (Debian's Chromium, as tests/web/test_browser.py):
a clerk and a window added by the president's office reach the public intake form and the list of
people a complaint can be against; a workbook with a bad row is refused naming its sheet, row and
column, and nothing changes."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from tests.web.test_browser import DESKTOP, PHONE, expect_assertions, file_complaint, log_in, new_page  # noqa: F401 - new_page: a fixture

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("browser")]


def test_a_clerk_added_in_the_console_can_be_complained_about(live_server, runtime, new_page):  # noqa: F811
    expect = expect_assertions()
    office = new_page(**DESKTOP)
    log_in(office, live_server, "wuqing")
    office.locator("header nav a[href='/org']").click()
    expect(office.locator("h1")).to_have_text("组织架构")

    office.locator("#add-window").click()  # a new weighbridge, 3号磅
    office.fill("#f-code", "wb-3")
    office.fill("#f-name", "3号磅")
    office.select_option("#f-unit", "weighbridge")
    office.select_option("#f-position", "weighbridge")
    office.locator("#org-save").click()
    expect(office.locator(".flash")).to_contain_text("3号磅")
    expect(office.locator("a[data-window='wb-3']")).to_have_text("3号磅")

    office.locator("#add-person").click()  # and a clerk for the weighbridge, 薛九
    office.fill("#f-code", "xuejiu")
    office.fill("#f-name", "薛九")
    office.select_option("#f-unit", label="司磅室")
    office.locator("#org-save").click()
    row = office.locator("tr[data-person='xuejiu']")
    expect(row).to_contain_text("薛九")
    expect(row).to_contain_text("司磅室")
    expect(row).to_contain_text("单位负责人")  # his supervisor: the head of his unit, as a file says

    customer = new_page(**PHONE)  # the new window's public form, reached as its QR code leads
    file_complaint(customer, live_server, "司磅员态度生硬", "attitude", window="wb-3")
    expect(customer.locator("main")).to_contain_text("3号磅")
    complaint = runtime.complaints().list()[-1]
    assert complaint["window"] == "wb-3"

    supervisor = new_page(**DESKTOP)
    log_in(supervisor, live_server, complaint["owner"])
    supervisor.goto(f"{live_server}/complaints/{complaint['id']}")
    verify = supervisor.locator("form[data-event=verify]")
    against = verify.locator("select[name=against]")
    expect(against.locator("option[value='xuejiu']")).to_contain_text("薛九")
    against.select_option("xuejiu")
    verify.locator("textarea[name=note]").fill("属实")
    verify.locator("button[type=submit]").click()
    expect(supervisor.locator("h1 .state")).to_have_text("已核实")
    expect(supervisor.locator("main")).to_contain_text("薛九")
    assert runtime.complaints().get(complaint["id"])["against"] == "xuejiu"

    office.goto(f"{live_server}/org/history")  # who did it, by name
    expect(office.locator("main section.card").first).to_contain_text("吴青")
    expect(office.locator("main")).to_contain_text("薛九")


def _directory(runtime) -> tuple:
    from core.org import OrgLoad, Person, Position, Unit, Window

    with runtime.db.reading() as s:
        rows = tuple(sorted(tuple(r) for r in s.execute(select(m.__table__))) for m in (Position, Unit, Window, Person))
        return rows, s.scalar(select(func.count()).select_from(OrgLoad))


def test_a_workbook_with_a_bad_row_is_refused_naming_sheet_row_and_column(live_server, runtime, new_page, tmp_path):  # noqa: F811
    from openpyxl import load_workbook

    from core.orgservice import export_org_xlsx
    from core.timeutil import utcnow

    wb = load_workbook(io.BytesIO(export_org_xlsx(runtime.db, utcnow())))
    wb["人员 people"].append(["xuejiu", "薛九", "weighbridge"])  # a good row
    wb["人员 people"].append(["xueshi", "薛十", "bakery"])  # and a bad one: row 31, column C
    path = tmp_path / "hr.xlsx"
    wb.save(path)
    before = _directory(runtime)

    expect = expect_assertions()
    office = new_page(**DESKTOP)
    log_in(office, live_server, "wuqing")
    office.goto(f"{live_server}/org")
    office.set_input_files("#org-file", str(path))
    office.locator("#org-preview").click()
    error = office.locator("#import-error")
    expect(error).to_contain_text("工作表「人员 people」第31行 C列（unit）")
    expect(error).to_contain_text("sheet '人员 people', row 31, column C (unit)")
    expect(error).to_contain_text("unknown unit 'bakery'")
    expect(office.locator("#import-confirm")).to_have_count(0)  # nothing to confirm
    assert _directory(runtime) == before  # nothing loaded, not even the good row

    wb["人员 people"].delete_rows(31)  # corrected: the preview lists the one joiner, then it applies
    wb.save(path)
    office.goto(f"{live_server}/org")
    office.set_input_files("#org-file", str(path))
    office.locator("#org-preview").click()
    changes = office.locator("table.org-changes tbody tr")
    expect(changes).to_have_count(1)
    expect(changes.first).to_contain_text("新增")
    expect(changes.first).to_contain_text("薛九")
    office.locator("#import-confirm").click()
    expect(office.locator(".flash")).to_contain_text("新增 1")
    expect(office.locator("tr[data-person='xuejiu']")).to_contain_text("薛九")
