"""/me: a person's own month — this month's lines as they accrue, in the notice's own words, the
published months, the star streak, the appeals; never anybody else's (both databases)."""

from __future__ import annotations

import html as htmllib
import re
from datetime import timedelta

import pytest

from core.timeutil import current_month, month_bounds, month_shift, utcnow
from tests.web.conftest import PASSWORD, login

pytestmark = pytest.mark.db


def _verified(runtime, window: str, against: str, category: str, at):
    svc = runtime.complaints()
    c = svc.create(window=window, source="customer", category=category, text="态度差", at=at)
    svc.advance(c["id"], "verify", c["owner"], against=against, at=at + timedelta(minutes=1))
    return c


@pytest.fixture
def months(runtime):
    """Two published months (小王 the invoicing star of both: streak 2; 张三 complained about in the
    last one), and this month so far: 张三 twice (attitude), 李四 once (a quarrel)."""
    this = current_month(utcnow())
    earlier, last = month_shift(this, -2), month_shift(this, -1)
    service = runtime.months()
    for month in (earlier, last):
        start, end = month_bounds(month)
        service.praise("xiaowang", "lizhu", at=start + timedelta(days=3))
        if month == last:
            _verified(runtime, "inv-1", "zhangsan", "attitude", start + timedelta(days=2))
        service.close(month, "wuqing", at=end)
        service.publish(month, "wuqing", at=end + timedelta(seconds=1))
    start, _ = month_bounds(this)
    at = max(start + timedelta(minutes=1), utcnow() - timedelta(minutes=30))
    _verified(runtime, "inv-1", "zhangsan", "attitude", at)
    _verified(runtime, "inv-1", "zhangsan", "attitude", at + timedelta(minutes=5))
    _verified(runtime, "wb-1", "lisi", "dispute", at + timedelta(minutes=10))
    runtime.accounts().set_password("lisi", PASSWORD)
    return {"this": this, "last": last, "earlier": earlier}


def _section(page: str, month: str) -> str:
    found = re.search(rf'<section class="card [a-z]+" id="month-{month}">(.*?)</section>', page, re.S)
    assert found, f"no section for {month}"
    return htmllib.unescape(found.group(1))


def _reasons(result: dict, person: str) -> list[str]:
    return [line["reason_zh"] for line in result["people"][person]["lines"]]


def test_staff_see_this_months_lines_in_the_notices_words(client, runtime, months):
    login(client, "zhangsan")
    page = client.get("/me")
    assert page.status_code == 200
    running = _section(page.text, months["this"])
    # What the notice will print: a draft close of this month now, rendered as the notice.
    from core.orgservice import org_snapshot
    from notifications.notice import render_notice_html

    draft = runtime.months().close(months["this"], "wuqing")
    notice = htmllib.unescape(render_notice_html(draft, org_snapshot(runtime.db), status="draft"))
    reasons = _reasons(draft, "zhangsan")
    assert len(reasons) >= 3  # two complaints, the second one ordinal ×2, the criticism, the worst fine
    for reason in reasons:
        assert reason in notice and reason in running
    assert f"<b class=\"deductions\">{draft['people']['zhangsan']['deductions']}</b>" in running
    assert "服务最差" in running  # two customer complaints this month: worst, as the close says
    assert "争执" not in page.text and "李四" not in page.text  # 李四's quarrel is his alone


def test_the_published_month_streak_and_appeals(client, runtime, months):
    last = runtime.months().show(months["last"])
    line = runtime.appeals().lines("zhangsan")[0]
    mine = runtime.appeals().file("zhangsan", line["id"], "当天休假")
    their = runtime.appeals().lines("xiaowang")  # the star reward line of 小王
    theirs = runtime.appeals().file("xiaowang", their[0]["id"], "奖励金额有误")

    login(client, "zhangsan")
    page = client.get("/me").text
    published = _section(page, months["last"])
    for reason in _reasons(last, "zhangsan"):
        assert reason in published
    notice = htmllib.unescape(client.get(f"/notices/{months['last']}").text)
    assert all(reason in notice for reason in _reasons(last, "zhangsan"))
    assert f'<b class="score">{last["people"]["zhangsan"]["score"]}</b>' in published
    assert f'href="/appeals/{mine["id"]}"' in page and "已提交" in page
    assert f'href="/appeals/{theirs["id"]}"' not in page and "奖励金额有误" not in page
    assert re.search(r'class="streak"[^>]*>0<', page)  # not a star

    login(client, "xiaowang")
    page = client.get("/me").text
    assert re.search(r'class="streak">2<', page)
    assert months["earlier"] in page and months["last"] in page  # the star months
    assert "服务明星奖励" in _section(page, months["last"])
    assert "当天休假" not in page and f'href="/appeals/{mine["id"]}"' not in page


def test_another_persons_month_never_shows(client, runtime, months):
    login(client, "lisi")
    page = client.get("/me").text
    running = _section(page, months["this"])
    assert "争执" in running
    assert "张三" not in page and "服务态度" not in running
    assert "服务最差" not in running  # one complaint: not worst
    # The record takes no person from the request: only the session's.
    assert client.get("/me?person=zhangsan").text.count("争执") == page.count("争执")


def test_the_open_month_is_scored_under_the_rules_its_close_will_use(client, runtime, months, tmp_path):
    """A change saved in the console applies from the month after the last published one (this
    one): /me's points follow it, as the close of this month does; the file's numbers do not."""
    from core.policy import load_policy
    from scoring.policyservice import PolicyService
    from tests.integration.test_policy import draft_file

    before = runtime.personal().record("zhangsan")["running"][0]
    draft = load_policy(draft_file(tmp_path))  # attitude 5 → 10
    saved = PolicyService(runtime.db, runtime.policy, runtime.settings).save(
        draft, "wuqing", based_on=runtime.policy.version)
    assert saved["applies_from"] == months["this"]
    after = runtime.personal().record("zhangsan")["running"][0]
    closed = runtime.months().close(months["this"], "wuqing")["people"]["zhangsan"]
    assert after["deductions"] == closed["deductions"] == 2 * before["deductions"]
    assert [ln["reason_zh"] for ln in after["lines"]] == [ln["reason_zh"] for ln in closed["lines"]]
    login(client, "zhangsan")
    assert f'<b class="deductions">{closed["deductions"]}</b>' in client.get("/me").text


def test_without_a_login_me_asks_for_one(client):
    reply = client.get("/me", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/login")
