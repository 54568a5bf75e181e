"""The web app in a real browser: headless Chromium (Debian's /usr/bin/chromium) driven by Playwright
against the app served by uvicorn, on each database.

A customer files on a phone and escalates; a supervisor verifies, arrives with a photo and resolves,
then the complainant rates; a supervisor reports a quality incident whose steps are done in order;
the president's office closes and publishes last month; markup in a
complaint never runs. Fixtures: `live_server` and `browser` in tests/web/conftest.py.
"""

from __future__ import annotations

import re
import struct
import zlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.web.conftest import PASSWORD, last_month

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("browser")]

PHONE = {"viewport": {"width": 390, "height": 844}, "locale": "zh-CN", "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
MARKUP = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'


def _png(size: int = 8) -> bytes:
    """A valid size×size red PNG, written by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xc0\x39\x2b" * size for _ in range(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def new_page(browser, request, tmp_path):
    """A page in a fresh context (its own cookies) per call; closed after the test.

    On failure every open page is saved as a screenshot under the test's tmp_path; an uncaught
    JavaScript error, or anything the Content-Security-Policy blocked, on any page fails the test.
    """
    contexts, errors = [], []

    def make(**options):
        context = browser.new_context(**({"locale": "zh-CN"} | options))
        context.set_default_timeout(60_000)  # generous: a loaded machine renders late
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda message: errors.append(f"{page.url}: {message.text}")
                if "Content Security Policy" in message.text else None)
        return page

    yield make
    report = getattr(request.node, "rep_call", None)
    for i, context in enumerate(contexts):
        if report is not None and report.failed:
            for j, page in enumerate(context.pages):
                shot = tmp_path / f"context{i}-page{j}.png"
                page.screenshot(path=shot, full_page=True)
                print(f"screenshot of {page.url}: {shot}")
        context.close()
    if errors and report is not None and report.passed:
        pytest.fail("JavaScript errors: " + "; ".join(errors))


def expect_assertions():
    from playwright.sync_api import expect

    return expect


def file_complaint(page, base: str, text: str, category: str = "dispute", window: str = "inv-1") -> tuple[str, str]:
    """The customer's intake form at a window (1号开票窗口): the confirmation's number and tracking link."""
    expect = expect_assertions()
    page.goto(f"{base}/w/{window}")
    expect(page.locator("h1")).to_have_text("服务投诉")
    page.select_option("#category", category)
    page.fill("#text", text)
    page.fill("#contact", "13800001111")
    page.locator(f"form[action='/w/{window}'] button[type=submit]").click()
    expect(page.locator("#complaint-number")).to_be_visible()
    return page.inner_text("#complaint-number"), page.get_attribute("#tracking-link", "href")


def log_in(page, base: str, person: str) -> None:
    expect = expect_assertions()
    page.goto(f"{base}/login")
    page.fill("#user", person)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page.locator("form[action='/logout']")).to_be_visible()  # logged in: the header offers log-out


def _too_wide(page) -> list[str]:
    """The elements reaching past the right edge of the viewport (a phone must not scroll sideways)."""
    return page.evaluate("""() => {
        const edge = document.documentElement.clientWidth + 0.5;
        return [...document.querySelectorAll("body *")]
            .map(e => [e, e.getBoundingClientRect().right]).filter(([, right]) => right > edge)
            .map(([e, right]) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""} right=${Math.round(right)}`);
    }""")


def _no_xss(page) -> None:
    page.wait_for_load_state("load")  # a failed <img> fires onerror before the load event
    assert page.evaluate("window.__xss") is None, page.url
    assert page.locator("img[src='x']").count() == 0, page.url


def test_a_customer_files_on_a_phone_follows_the_link_and_escalates(live_server, runtime, new_page):
    expect = expect_assertions()
    page = new_page(**PHONE)
    number, link = file_complaint(page, live_server, "开票员态度恶劣，排队四十分钟无人理会")
    assert number == "#1"
    assert re.fullmatch(rf"{re.escape(live_server)}/t/[\w-]{{22,}}", link), link
    assert _too_wide(page) == []  # nothing wider than the phone: no sideways scrolling
    assert runtime.complaints().get(1)["category"] == "dispute"

    page.locator("#tracking-link").click()
    expect(page).to_have_url(link)
    expect(page.locator("#complaint-number")).to_have_count(0)  # the first-visit banner is gone
    expect(page.locator("#complaint-text")).to_have_text("开票员态度恶劣，排队四十分钟无人理会")
    expect(page.locator("ol.timeline li").first).to_contain_text("受理")
    handler = page.locator("#handler")
    expect(handler).to_contain_text("监督员")
    expect(page.locator("#escalate")).to_have_count(0)  # the supervisor first has his fair wait
    expect(page.locator("#escalate-later")).to_be_visible()

    from datetime import timedelta

    from core.timeutil import utcnow

    waited = runtime.complaints().create(window="inv-1", source="customer", category="attitude", text="无人理会",
                                         at=utcnow() - timedelta(minutes=40), by_team=False)
    page.goto(f"{live_server}/t/{waited['tracking_token']}")
    page.locator("#escalate-reason").fill("四十分钟无人回复")
    page.locator("#escalate-confirm").check()
    page.locator("#escalate").click()
    expect(handler).to_contain_text("总执行")
    expect(page.locator("h1 .state")).to_have_text("已升级")
    expect(page.locator("ol.timeline li")).to_have_count(2)
    assert _too_wide(page) == []
    c = runtime.complaints().get(waited["id"])
    assert (c["state"], c["level"], c["owner"]) == ("escalated", 1, "zhouhua")
    assert c["history"][-1]["by"] == "complainant"


def test_a_supervisor_verifies_arrives_resolves_and_the_complainant_rates(live_server, runtime, new_page):
    from scoring.models import Praise
    from states.models import ComplaintRating

    expect = expect_assertions()
    customer = new_page(**PHONE)
    _, link = file_complaint(customer, live_server, "开票员态度恶劣")
    owner = runtime.complaints().get(1)["owner"]
    assert owner == "chenjian"  # invoicing goes to a supervisor who does not head it (sample org)

    staff = new_page(**DESKTOP)
    log_in(staff, live_server, owner)
    expect(staff.locator("h1")).to_contain_text("我的待办")
    queued = staff.locator("tbody tr", has=staff.locator("a[href='/complaints/1']"))
    expect(queued).to_contain_text("1号开票窗口")  # the window by its name (issue 13)
    queued.locator("a[href='/complaints/1']").click()
    expect(staff).to_have_url(f"{live_server}/complaints/1")
    expect(staff.locator("section.diagram svg")).to_be_visible()
    expect(staff.locator("h1 .state")).to_have_text("已受理")

    verify = staff.locator("form[data-event=verify]")
    verify.locator("select[name=against]").select_option("zhangsan")
    verify.locator("textarea[name=note]").fill("属实，已提醒本人")
    verify.locator("button[type=submit]").click()
    arrive = staff.locator("form[data-event=arrive]")
    expect(arrive).to_be_visible()
    expect(staff.locator("h1 .state")).to_have_text("已核实")
    expect(staff.locator("main")).to_contain_text("张三")

    arrive.locator("input[type=file]").set_input_files(
        {"name": "site.png", "mimeType": "image/png", "buffer": _png()})
    arrive.locator("button[type=submit]").click()
    photo = staff.locator("img[src^='/complaints/1/photos/']")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 8  # served back, decodable
    expect(staff.locator("h1 .state")).to_have_text("已到场")

    staff.locator("form[data-event=resolve] button[type=submit]").click()
    expect(staff.locator("h1 .state")).to_have_text("已处理")
    expect(staff.locator("h1 .state")).to_have_class(re.compile(r"\bstate-resolved\b"))
    # What the browser shows of the whole page, read as the person reads it: no code (issue 13).
    from tests.web.test_label_scan import Scan, all_codes

    scan = Scan(*all_codes(runtime))
    scan.text("/complaints/1 in Chromium", staff.locator("body").inner_text(), zh_only=True)
    assert scan.report() == [] and "陈建" in staff.locator("body").inner_text()
    expect(staff.locator("form[data-event]")).to_have_count(0)  # nothing left to do

    complainant = new_page(**PHONE)  # a new context: no session, only the private link
    complainant.goto(link)
    expect(complainant.locator("h1 .state")).to_have_text("已处理")
    complainant.locator("input[name=score][value='5']").check()
    complainant.fill("#comment", "处理很快，谢谢")
    complainant.select_option("#praise", label="小王")
    complainant.locator("#rate-submit").click()
    rating = complainant.locator("#rate")
    expect(rating).to_contain_text("您的评价")
    expect(rating).to_contain_text("★★★★★ (5/5)")
    expect(rating).to_contain_text("处理很快，谢谢")
    expect(complainant.locator("#rate-submit")).to_have_count(0)  # once only

    assert runtime.complaints().get(1)["state"] == "resolved"
    with runtime.db.reading() as s:
        assert s.get(ComplaintRating, 1).score == 5
        praise = s.scalars(select(Praise)).one()
        assert (praise.person_id, praise.by_id) == ("xiaowang", "complainant")


def test_the_presidents_office_closes_and_publishes_last_month(live_server, runtime, new_page):
    from core.timeutil import month_bounds
    from notifications.notice import month_titles

    expect = expect_assertions()
    month = last_month()
    start, _ = month_bounds(month)
    svc = runtime.complaints()
    c = svc.create(window="inv-1", source="customer", category="attitude", text="态度差", at=start + timedelta(days=3))
    svc.advance(c["id"], "verify", c["owner"], against="zhangsan", at=start + timedelta(days=3, minutes=10))

    office = new_page(**DESKTOP)
    log_in(office, live_server, "wuqing")
    office.goto(f"{live_server}/months/{month}")
    status = office.locator("#month-status")
    expect(status).to_have_text("未关账")
    expect(office.locator("#publish-month")).to_have_count(0)

    office.locator("#close-month").click()
    expect(status).to_have_text("草稿")
    expect(office.locator("#ledger")).to_contain_text("张三")
    expect(office.locator("#publish-month")).to_be_enabled()

    office.locator("#publish-confirm").check()
    office.locator("#publish-month").click()
    expect(status).to_have_text("已公布")
    expect(office.locator("#close-month")).to_have_count(0)
    expect(office.locator("#publish-month")).to_have_count(0)
    assert runtime.months().show(month)["status"] == "published"

    public = new_page()  # anyone, no login
    public.goto(f"{live_server}/notices")
    public.locator(f"a[href='/notices/{month}']").click()
    expect(public).to_have_url(f"{live_server}/notices/{month}")
    expect(public.locator("h1")).to_contain_text(month_titles(month)[0])
    expect(public.locator("body")).to_contain_text(month)
    expect(public.locator("body")).to_contain_text("张三")


def test_markup_in_a_complaint_never_runs_in_a_real_browser(live_server, runtime, new_page):
    expect = expect_assertions()
    customer = new_page(**PHONE)
    _, link = file_complaint(customer, live_server, MARKUP)
    expect(customer.locator("#complaint-text")).to_have_text(MARKUP)
    _no_xss(customer)
    customer.goto(link)
    expect(customer.locator("#complaint-text")).to_have_text(MARKUP)
    _no_xss(customer)

    owner = runtime.complaints().get(1)["owner"]
    staff = new_page(**DESKTOP)
    log_in(staff, live_server, owner)
    expect(staff.locator("tbody td.text")).to_contain_text("<img src=x")  # my queue (cut at a word)
    _no_xss(staff)
    staff.goto(f"{live_server}/complaints/1")
    expect(staff.locator("#complaint-text")).to_have_text(MARKUP)
    _no_xss(staff)
    staff.goto(f"{live_server}/complaints")
    expect(staff.locator("tbody td.text")).to_contain_text("<img src=x")
    _no_xss(staff)

    probe = new_page()  # the same markup does run when it is not escaped: the check can fail
    probe.set_content(MARKUP)
    probe.wait_for_function("window.__xss === 1")


# Where each text of the dashboard's charts lands on screen, its size there, and the page's width.
CHART_TEXTS = """() => [...document.querySelectorAll("section.chart svg")].map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return {title: svg.getAttribute("aria-label"),
            texts: [...svg.querySelectorAll("text")].map(t => {
                const r = t.getBoundingClientRect();
                return {text: t.textContent, cls: t.getAttribute("class") || "",
                        left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                        px: parseFloat(t.getAttribute("font-size") || "12") * scale};
            })};
})"""


def _overlapping(texts: list[dict], slack: float = 0.5) -> list[tuple[str, str]]:
    return [(a["text"], b["text"]) for n, a in enumerate(texts) for b in texts[n + 1:]
            if a["left"] < b["right"] - slack and b["left"] < a["right"] - slack
            and a["top"] < b["bottom"] - slack and b["top"] < a["bottom"] - slack]


def test_the_dashboard_charts_stay_readable_with_seven_units_and_twelve_months(live_server, runtime, new_page,
                                                                             tmp_path):
    from core.timeutil import month_bounds, utcnow
    from states.dashboard import month_list

    months = month_list(utcnow(), 12)
    windows = ("ld-1", "ul-1", "sc-1", "inv-1", "wb-1", "gate-1")  # one per unit; 总裁办 has none
    svc = runtime.complaints()
    for m, month in enumerate(months[:-1]):  # many empty unit-months, and one full month
        start, _ = month_bounds(month)
        for u, window in enumerate(windows):
            count = 5 if m == 9 else (1 + u % 3 if (m + u) % 4 == 0 else 0)
            for k in range(count):
                at = start + timedelta(days=2, hours=k)
                c = svc.create(window=window, source="customer", category="attitude", text="慢", at=at)
                if window == "inv-1":  # handled in time: the rates of those months are 100 %
                    for n, event in enumerate(("verify", "arrive", "resolve"), 1):
                        svc.advance(c["id"], event, c["owner"], against="zhangsan" if n == 1 else None,
                                    at=at + timedelta(minutes=5 * n))
    for name, options in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(**options)
        log_in(page, live_server, "wuqing")
        page.goto(f"{live_server}/dashboard?months=12")
        charts = page.evaluate(CHART_TEXTS)
        assert len(charts) == 3, name
        for chart in charts:
            texts = chart["texts"]
            assert _overlapping(texts) == [], (name, chart["title"])
            small = [(t["text"], round(t["px"], 1)) for t in texts if t["px"] < 9]
            assert small == [], (name, chart["title"])  # no text drawn smaller than 9 CSS px
        per_unit = [t["text"] for t in charts[0]["texts"]]
        values = [t["text"] for t in charts[0]["texts"] if "value" in t["cls"]]
        assert values and not [v for v in values if v.startswith("0")]  # an empty month is not labelled
        assert {"成品库(装车班组)", "原料库(卸车班组)", "总裁办", "30件"} <= set(per_unit)  # legend, total
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), name
        card = page.evaluate("document.querySelector('section.chart').getBoundingClientRect().right")
        legend = [t["text"] for t in charts[0]["texts"] if t["cls"] == "legend" and t["right"] > card]
        assert legend == [], name  # the whole legend in sight without scrolling the chart
        page.screenshot(path=tmp_path / f"dashboard-{name}.png", full_page=True)  # to look at
        page.locator("section.chart").first.screenshot(path=tmp_path / f"per-unit-{name}.png")
        print(f"dashboard on a {name}: {tmp_path / f'dashboard-{name}.png'}")


def test_the_pages_own_script_runs_under_the_content_security_policy(live_server, runtime, new_page):
    """script-src 'self': the countdown (/static/countdown.js) replaces the server's "截止 …" text."""
    expect = expect_assertions()
    file_complaint(new_page(**PHONE), live_server, "等了很久没人处理")
    staff = new_page(**DESKTOP)
    log_in(staff, live_server, "chenjian")
    staff.goto(f"{live_server}/")
    expect(staff.locator(".countdown").first).to_contain_text("剩余")
    assert "script-src 'self'" in staff.evaluate("() => fetch('/').then(r => r.headers.get('content-security-policy'))")


def test_a_supervisor_reports_an_incident_the_steps_are_done_in_order_and_it_resolves(live_server, runtime,
                                                                                       new_page):
    """陈建, the owner, reports what the window cannot solve: the report climbs one rung, so 周华
    (总执行) owns the steps and completes them in order; only then can the complaint be resolved.
    A second incident left alone: the watch, run with a later `now`, breaks its step like a clock."""
    from datetime import datetime, timedelta

    from states.incident import IncidentService
    from states.watch import ClockWatch

    expect = expect_assertions()
    svc = runtime.complaints()
    assert svc.create(window="inv-1", source="customer", category="dispute", text="货款算错，窗口无法解决",
                      by_team=False)["owner"] == "chenjian"
    supervisor = new_page(**DESKTOP)
    log_in(supervisor, live_server, "chenjian")
    supervisor.goto(f"{live_server}/complaints/1")
    report = supervisor.locator("form[data-incident=open]")
    expect(report.locator("button[type=submit]")).to_have_text("上报质量事故")
    report.locator("textarea[name=note]").fill("需财务部门协助")
    report.locator("button[type=submit]").click()
    expect(supervisor.locator("h1 .state")).to_have_text("已升级")
    steps = supervisor.locator("table.incident-steps tbody tr")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_contain_text("调查核实")
    expect(steps.nth(0)).to_contain_text("上报后 24 小时内")
    expect(steps.nth(2)).to_contain_text("上报后 168 小时内")
    expect(supervisor.locator("form[data-incident]")).to_have_count(0)  # the executor's now

    executor = new_page(**DESKTOP)
    log_in(executor, live_server, "zhouhua")
    executor.goto(f"{live_server}/complaints/1")
    executor.locator("form[data-event=arrive] button[type=submit]").click()
    expect(executor.locator("h1 .state")).to_have_text("已到场")
    expect(executor.locator("form[data-event=resolve]")).to_have_count(0)  # not while the procedure is open
    for i, label in enumerate(("调查核实", "整改措施", "客户确认结案")):
        button = executor.locator("form[data-incident=step] button[type=submit]")
        expect(button).to_have_text(f"完成：{label}")
        button.click()
        expect(executor.locator("table.incident-steps tbody tr").nth(i)).to_contain_text("已完成")
    expect(executor.locator("form[data-incident]")).to_have_count(0)
    expect(executor.locator("#incident")).to_contain_text("结案")
    shown = executor.locator("main").inner_text()
    assert not [code for code in ("incident:", "investigated", "corrective_action") if code in shown]
    executor.locator("form[data-event=resolve] button[type=submit]").click()
    expect(executor.locator("h1 .state")).to_have_text("已处理")
    assert svc.get(1)["state"] == "resolved"

    second = svc.create(window="inv-1", source="customer", category="other", text="无人处理", by_team=False)
    due = IncidentService(svc).open(second["id"], second["owner"])["steps"][0]["due"]
    ClockWatch(svc).check(datetime.fromisoformat(due) + timedelta(minutes=1))
    executor.goto(f"{live_server}/complaints/{second['id']}")
    rows = executor.locator("table.incident-steps tbody tr")
    expect(rows.nth(0)).to_contain_text("已逾期")  # 周华's step, missed: on his record
    expect(rows.nth(1)).to_contain_text("白宏")  # the next rung owns what is left
    expect(executor.locator("form[data-incident]")).to_have_count(0)  # no longer his


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_public_notice_and_a_board_fit_a_phone(live_server, runtime, new_page):
    """Issue 18: the published notice was 573 px wide on a 390 px phone; boards carry their QR code."""
    from core.timeutil import month_bounds

    month = last_month()
    start, _ = month_bounds(month)
    svc = runtime.complaints()
    for day in (3, 10):  # 张三 twice: worst, fined, two lines with long reasons
        c = svc.create(window="inv-1", source="customer", category="dispute", text="争吵",
                       at=start + timedelta(days=day))
        svc.advance(c["id"], "verify", c["owner"], against="zhangsan", at=start + timedelta(days=day, minutes=10))
    runtime.months().close(month, "wuqing")
    runtime.months().publish(month, "wuqing")

    page = new_page(**PHONE)
    page.goto(f"{live_server}/notices/{month}")
    expect_assertions()(page.locator("#people")).to_contain_text("张三")
    assert _page_width(page) <= PHONE["viewport"]["width"], _too_wide(page)

    page.goto(f"{live_server}/boards/inv-1")
    assert page.locator("article.board svg.qr").count() == 1
    assert page.locator("article.board .qr .url").inner_text() == f"{live_server}/w/inv-1"
    assert _page_width(page) <= PHONE["viewport"]["width"], _too_wide(page)
