"""The president's office's month page: draft, differences from the previous draft, publish, download."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from core.timeutil import BUSINESS_TZ
from tests.web.conftest import last_month, login, post_form, verified_in

pytestmark = pytest.mark.db


def test_close_preview_diff_publish_and_download(client, runtime):
    month = last_month()
    verified_in(runtime, month)
    login(client, "wuqing")
    page = f"/months/{month}"
    assert 'id="close-month"' in client.get(page).text and 'id="publish-month"' not in client.get(page).text
    assert post_form(client, page, f"{page}/close", {}).status_code == 303
    first = client.get(page).text
    assert "张三" in first and 'id="month-status"' in first and "草稿" in first
    assert '<p class="muted" id="changes">' in first  # the first draft: nothing to compare

    verified_in(runtime, month)  # a second complaint arrives before the publication
    assert post_form(client, page, f"{page}/close", {}).status_code == 303
    second = client.get(page).text
    assert '<table id="changes">' in second and "扣分 / points deducted" in second

    sheet = client.get(f"{page}/notice.xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"
    assert "draft" in sheet.headers["content-disposition"]

    assert post_form(client, page, f"{page}/publish", {"confirm": "yes", "draft": "2"}).status_code == 303
    published = client.get(page).text
    assert "已公布" in published and 'id="close-month"' not in published
    assert client.get(f"{page}/notice.xlsx").headers["content-disposition"].endswith(f'jiandu-{month}.xlsx"')
    assert client.get(f"/notices/{month}").status_code == 200


def test_the_running_month_is_not_published(client, runtime):
    month = datetime.now(BUSINESS_TZ).strftime("%Y-%m")
    login(client, "wuqing")
    page = f"/months/{month}"
    post_form(client, page, f"{page}/close", {})
    assert "disabled" in client.get(page).text
    reply = post_form(client, page, f"{page}/publish", {"confirm": "yes", "draft": "1"})
    assert reply.status_code == 409 and "not over" in reply.text
    assert runtime.months().show(month)["status"] == "draft"


def test_only_the_presidents_office_closes(client, runtime):
    month = last_month()
    login(client, "chenjian")
    page = f"/months/{month}"
    assert 'id="close-month"' not in client.get(page).text
    assert post_form(client, page, f"{page}/close", {}).status_code == 403
    assert runtime.months().months() == []


def test_the_months_list(client, runtime):
    month = last_month()
    runtime.months().close(month, "wuqing")
    login(client, "wuqing")
    listing = client.get("/months").text
    assert f'href="/months/{month}"' in listing
    assert client.get("/months/2026-13").status_code == 422


def test_publishing_asks_to_confirm_the_figures_it_makes_final(client, runtime):
    month = last_month()
    verified_in(runtime, month)
    verified_in(runtime, month)  # 张三 twice: worst, a fine of 500
    runtime.months().close(month, "wuqing")
    login(client, "wuqing")
    page = f"/months/{month}"
    draft = client.get(page).text
    figures = re.sub(r"\s+", " ", re.search(r'<p id="publishes">(.*?)</p>', draft, re.S).group(1))
    assert figures.startswith("将公布第 1 稿")
    for shown in ("2 人扣分", "1 人评为最差，罚款共 500 元", "名服务明星"):  # 张三 and his supervisor
        assert shown in figures
    assert re.search(r'<h2 id="ledger-title">扣分明细（预览）</h2>', draft)

    for unconfirmed in ({}, {"confirm": "no", "draft": "1"}):
        assert post_form(client, page, f"{page}/publish", unconfirmed).status_code == 422
    assert post_form(client, page, f"{page}/publish", {"confirm": "yes", "draft": "0"}).status_code == 409
    assert runtime.months().show(month)["status"] == "draft"

    assert post_form(client, page, f"{page}/publish", {"confirm": "yes", "draft": "1"}).status_code == 303
    published = client.get(page).text
    assert runtime.months().show(month)["status"] == "published"
    assert re.search(r'<h2 id="ledger-title">扣分明细</h2>', published) and "（预览）" not in published
