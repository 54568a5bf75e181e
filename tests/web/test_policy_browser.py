"""The rules changed in a real browser (issue 13.3): headless Chromium (Debian's) against the app served by
uvicorn, on each database. The president's office drafts a change, is refused a bad value with the field
named, previews the what-if on last month (published), saves; last month keeps its result and this month's
close, by another process, uses the new numbers."""

from __future__ import annotations

import re

import pytest

from core.policystore import versions
from core.timeutil import current_month, month_bounds, utcnow
from tests.web.conftest import PASSWORD, published_last_month
from tests.web.test_browser import new_page  # noqa: F401 - the fixture: fresh contexts, screenshots, JS errors

pytestmark = [pytest.mark.db, pytest.mark.xdist_group("browser")]


def _complaint_verified(runtime, start, end) -> None:
    """An attitude complaint against 张三 received and verified between ``start`` and ``end``."""
    svc = runtime.complaints()
    third = (end - start) / 3
    c = svc.create(window="inv-1", source="customer", category="attitude", text="态度差", at=start + third)
    svc.advance(c["id"], "verify", c["owner"], against="zhangsan", at=start + 2 * third)


def _deduction(view: dict, person: str) -> int:
    return sum(line["points"] for line in view["people"][person]["lines"])


def test_a_change_previewed_then_saved_applies_to_the_next_month_only(live_server, runtime, new_page):  # noqa: F811
    from playwright.sync_api import expect

    month = published_last_month(runtime)
    published = runtime.months().show(month)
    assert _deduction(published, "zhangsan") == 5

    office = new_page(viewport={"width": 1280, "height": 900})
    office.goto(f"{live_server}/login")
    office.fill("#user", "wuqing")
    office.fill("#password", PASSWORD)
    office.locator("form[action='/login'] button[type=submit]").click()
    expect(office.locator("form[action='/logout']")).to_be_visible()

    office.goto(f"{live_server}/policy")
    attitude = office.locator("#rule-complaints-base_points-attitude")
    expect(attitude).to_contain_text("5 分")
    expect(attitude).to_contain_text("属服务态度、工作状态方面投诉,一次扣当月绩效考核5分")
    office.locator("#policy-change").click()

    office.fill("[name='worst.fine']", "-5")  # refused, the field named in words, nothing stored
    office.locator("#policy-preview-run").click()
    expect(office.locator("#policy-error")).to_contain_text("最差罚款")
    expect(office.locator("[name='worst.fine']")).to_have_attribute("aria-invalid", "true")
    expect(office.locator("#policy-save")).to_have_count(0)

    office.fill("[name='worst.fine']", "500")
    office.fill("[name='complaints.base_points.attitude']", "8")
    office.locator("#policy-preview-run").click()
    expect(office.locator("#policy-changes")).to_contain_text("服务态度、工作状态投诉，每次扣分")
    expect(office.locator("#whatif-people")).to_contain_text("张三")
    people = office.locator("#whatif-people").inner_text()
    assert re.search(r"5\s+8", people), people  # last month's 5 points, 8 under the draft
    next_open = current_month(utcnow())
    expect(office.locator("#policy-applies")).to_contain_text(next_open)
    with runtime.db.reading() as s:
        assert versions(s) == []  # previewed, not saved
    office.fill("#policy-note", "态度扣分调整")
    office.locator("#policy-save").click()

    expect(office.locator(".flash")).to_contain_text(f"自{next_open}起适用")
    expect(office.locator("#rule-complaints-base_points-attitude")).to_contain_text("8 分")
    expect(office.locator("#policy-history")).to_contain_text("吴青")
    expect(office.locator("#policy-history")).to_contain_text("态度扣分调整")

    # Another process (the `runtime` fixture, not the server's): last month keeps its result, and this
    # month closes under the new numbers.
    assert runtime.months().show(month) == published
    start, _ = month_bounds(next_open)
    _complaint_verified(runtime, start, utcnow())
    this_month = runtime.months().close(next_open, "wuqing")
    assert this_month["policy_version"] == runtime.policy.version != published["policy_version"]
    assert _deduction(this_month, "zhangsan") == 8
    office.goto(f"{live_server}/policy?month={month}")
    expect(office.locator("#rule-complaints-base_points-attitude")).to_contain_text("5 分")
