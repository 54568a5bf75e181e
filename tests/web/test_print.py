"""Printing (issue 13 item 5): the notice, the commitment boards and the QR sheet on A4, printed by
Debian's Chromium as a browser prints them (print media), and the notice's PDF download: a real
PDF, A4, the CJK font embedded, the Chinese names extractable as text (parsed with pypdf)."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest

from core.timeutil import month_bounds
from tests.web.conftest import CHROMIUM, PASSWORD, last_month

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("browser")]

A4_POINTS = (595.3, 841.9)  # 210 × 297 mm
# The printable width of an A4 page with the pages' 15 mm margins, in CSS pixels (96 per inch).
A4_CONTENT_PX = int((210 - 2 * 15) / 25.4 * 96)


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (scripts/setup-system.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def published(runtime):
    """Last month: 张三 complained about twice (worst, fined, long reasons), published."""
    month = last_month()
    start, end = month_bounds(month)
    svc = runtime.complaints()
    for day in (3, 10):
        c = svc.create(window="inv-1", source="customer", category="dispute", text="争吵",
                       at=start + timedelta(days=day))
        svc.advance(c["id"], "verify", c["owner"], against="zhangsan", at=start + timedelta(days=day, minutes=10))
    runtime.months().close(month, "wuqing", at=end)
    runtime.months().publish(month, "wuqing", at=end + timedelta(seconds=1))
    return month


def _pdf(data: bytes):
    from pypdf import PdfReader

    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def _embedded_fonts(reader) -> set[str]:
    """BaseFont names of every font whose file is embedded in the PDF (/FontFile, 2 or 3)."""
    found = set()
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            for desc in [font, *(d.get_object() for d in font.get("/DescendantFonts") or [])]:
                descriptor = desc.get("/FontDescriptor")
                if descriptor is not None and any(k in descriptor.get_object()
                                                  for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    found.add(str(desc.get("/BaseFont")))
    return found


def _a4(reader) -> None:
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        assert size == pytest.approx(A4_POINTS, abs=1), size


def test_the_notice_pdf_is_the_notice_on_a4_with_its_chinese_font(client, app_with, published):
    _need_chromium()
    reply = client.get(f"/notices/{published}/notice.pdf")
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"] == "application/pdf"
    assert f'filename="notice-{published}.pdf"' in reply.headers["content-disposition"]
    reader = _pdf(reply.content)
    _a4(reader)
    assert any("WenQuanYi" in name for name in _embedded_fonts(reader)), _embedded_fonts(reader)
    text = "".join(page.extract_text() for page in reader.pages)
    title = f"{int(published[:4])}年{int(published[5:])}月 服务质量评比公告"
    for words in (title, "张三", "服务最差", "单位评比", "政策版本"):
        assert words in text, words
    assert "下载 PDF" not in text  # the web's toolbar is for the screen only
    assert 'href="/notices/' + published + '/notice.pdf"' in client.get(f"/notices/{published}").text
    assert f"/notices/{published}/notice.pdf" in client.get("/notices").text

    # Printed once: a server without Chromium serves the same bytes from beside the notice.
    from fastapi.testclient import TestClient

    with TestClient(app_with(chromium="/nonexistent/chromium")) as other:
        again = other.get(f"/notices/{published}/notice.pdf")
    assert again.status_code == 200 and again.content == reply.content


def test_without_chromium_the_pdf_says_so_in_one_line(app_with, published, tmp_path):
    from fastapi.testclient import TestClient

    with TestClient(app_with(chromium="/nonexistent/chromium", notice_dir=tmp_path / "elsewhere")) as client:
        reply = client.get(f"/notices/{published}/notice.pdf")
        assert reply.status_code == 503
        assert "暂不能生成 PDF：服务器未安装 Chromium" in reply.text and "print the page from the browser" in reply.text
        assert client.get(f"/notices/{published}").status_code == 200  # the page itself still prints
        assert client.get("/notices/2099-01/notice.pdf").status_code == 404  # unpublished: nothing to print
        assert client.get("/notices/..%2F..%2Fetc/notice.pdf").status_code in (404, 422)
    assert not (tmp_path / "elsewhere" / published).exists() or not list((tmp_path / "elsewhere").rglob("*.pdf"))


# ---- the browser's own print (print media, A4) ------------------------------------------------------

def _print(browser, url: str, login: str | None = None, base: str = ""):
    """The page printed as the browser prints it: its PDF (A4, the page's @page rules) and the page."""
    context = browser.new_context(locale="zh-CN", viewport={"width": A4_CONTENT_PX, "height": 1000})
    context.set_default_timeout(60_000)
    page = context.new_page()
    if login:
        page.goto(f"{base}/login")
        page.fill("#user", login)
        page.fill("#password", PASSWORD)
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(f"{base}/me")
    page.goto(url)
    page.emulate_media(media="print")
    data = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    return context, page, _pdf(data)


def _overflow(page) -> list[str]:
    """Elements reaching past the printable width (nothing may be cut off at the right margin)."""
    return page.evaluate("""() => {
        const edge = document.documentElement.clientWidth + 0.5;
        const right = e => e.getBoundingClientRect().right;
        const wide = [...document.querySelectorAll("body *")].filter(e => right(e) > edge)
            .map(e => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(right(e))}`);
        const width = document.documentElement.scrollWidth;
        if (width > edge) wide.push(`scrollWidth=${width}`);
        return wide;
    }""")


def _windows(runtime) -> list[tuple[str, str]]:
    from core.orgservice import org_snapshot
    from notifications.qr import active_windows

    return [(w["code"], w["name"]) for _, w in active_windows(org_snapshot(runtime.db))]


def test_a_board_the_boards_and_the_qr_sheet_print_on_a4(live_server, runtime, browser):
    windows = _windows(runtime)
    assert len(windows) > 3

    context, page, reader = _print(browser, f"{live_server}/boards/inv-1")
    _a4(reader)
    assert len(reader.pages) == 1 and "1号开票窗口" in reader.pages[0].extract_text()
    assert _overflow(page) == []
    context.close()

    context, page, reader = _print(browser, f"{live_server}/boards.html")
    _a4(reader)
    assert len(reader.pages) == len(windows)  # one window a page: never two, never one split
    for (code, name), printed in zip(windows, reader.pages, strict=True):
        assert name in printed.extract_text(), code
    assert _overflow(page) == []
    context.close()

    context, page, reader = _print(browser, f"{live_server}/qr")
    _a4(reader)
    assert len(reader.pages) == 1  # the sample's windows, three a row, on one sheet
    text = reader.pages[0].extract_text()
    assert all(name in text for _, name in windows)
    assert _overflow(page) == []
    context.close()


def test_the_notice_and_my_record_print_without_menus_or_buttons(live_server, runtime, browser, published):
    context, page, reader = _print(browser, f"{live_server}/notices/{published}")
    _a4(reader)
    assert page.locator(".toolbar").is_hidden()
    assert _overflow(page) == []
    assert "张三" in "".join(p.extract_text() for p in reader.pages)
    context.close()

    context, page, reader = _print(browser, f"{live_server}/me", login="zhangsan", base=live_server)
    _a4(reader)
    assert page.locator("header.top").is_hidden() and page.locator("form").first.is_hidden()
    assert page.locator("section.published").first.is_visible()
    text = "".join(p.extract_text() for p in reader.pages)
    assert "张三" in text and "退出" not in text and "English" not in text
    assert _overflow(page) == []
    context.close()
