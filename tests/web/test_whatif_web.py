"""政策试算 on the month page: the president's office pastes or uploads a draft policy, sees what changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.policy import DEFAULT_POLICY_PATH
from core.timeutil import month_bounds
from scoring.models import MonthClose
from tests.web.conftest import csrf_of, login, post_form, published_last_month

pytestmark = pytest.mark.db

POLICY = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
DRAFT = POLICY.replace("attitude = 5", "attitude = 10", 1)


def test_the_office_pastes_a_draft_and_sees_what_changes(client, runtime):
    month = published_last_month(runtime)
    login(client, "wuqing")
    page = f"/months/{month}"
    shown = client.get(page).text
    assert 'id="whatif"' in shown and "政策试算" in shown and 'action="/months/' + month + '/whatif"' in shown
    assert "attitude = 5" in shown  # the policy in force, to start from

    reply = post_form(client, page, f"{page}/whatif", {"policy": DRAFT})
    assert reply.status_code == 200, reply.text
    html = reply.text
    assert 'id="whatif-people"' in html and "张三" in html and "扣分" in html
    assert "<td class=\"num\">5</td><td class=\"num\">10</td>" in html  # 张三's one attitude complaint, doubled
    assert runtime.policy.version in html and 'id="whatif-totals"' in html
    assert 'id="whatif-unchanged"' not in html
    with runtime.db.reading() as s:  # a preview: the published month is untouched
        row = s.get(MonthClose, month)
        assert row.status == "published" and row.policy_version == runtime.policy.version

    same = post_form(client, page, f"{page}/whatif", {"policy": POLICY})
    assert same.status_code == 200 and 'id="whatif-unchanged"' in same.text and 'id="whatif-people"' not in same.text


def test_a_draft_file_may_be_uploaded(client, runtime):
    month = published_last_month(runtime)
    login(client, "zhouhua")
    page = f"/months/{month}"
    reply = post_form(client, page, f"{page}/whatif", {"policy": ""},
                      files={"policy_file": ("draft-2027.toml", DRAFT.encode("utf-8"), "application/toml")})
    assert reply.status_code == 200, reply.text
    assert "draft-2027.toml" in reply.text and 'id="whatif-people"' in reply.text


def test_a_bad_draft_is_a_422_page_keeping_the_text(client, runtime):
    month = published_last_month(runtime)
    login(client, "wuqing")
    page = f"/months/{month}"
    broken = post_form(client, page, f"{page}/whatif", {"policy": "[complaints\nrepeat = "})
    assert broken.status_code == 422 and 'id="whatif-error"' in broken.text
    assert "[complaints" in broken.text  # kept in the textarea to correct it
    unknown = post_form(client, page, f"{page}/whatif", {"policy": DRAFT + "\n[bonus]\nx = 1\n"})
    assert unknown.status_code == 422 and "bonus" in unknown.text and "unknown key" in unknown.text
    empty = post_form(client, page, f"{page}/whatif", {"policy": "  "})
    assert empty.status_code == 422
    binary = post_form(client, page, f"{page}/whatif", {"policy": ""},
                       files={"policy_file": ("x.toml", b"\xff\xfe\x00bad", "application/octet-stream")})
    assert binary.status_code == 422 and "UTF-8" in binary.text


def test_only_the_presidents_office_and_only_published_months(client, runtime):
    month = published_last_month(runtime)
    page = f"/months/{month}"
    login(client, "chenjian")
    assert client.get(page).status_code == 200 and 'id="whatif"' not in client.get(page).text
    assert post_form(client, page, f"{page}/whatif", {"policy": DRAFT}).status_code == 403

    client.post("/logout", data={"csrf": csrf_of(client.get(page).text)})
    login(client, "wuqing")
    html = client.get(page).text
    assert client.post(f"{page}/whatif", data={"policy": DRAFT}).status_code == 403  # no CSRF token
    assert client.post(f"{page}/whatif", data={"csrf": csrf_of(html), "policy": DRAFT}).status_code == 200

    draft_month = (month_bounds(month)[1] + timedelta(days=1)).strftime("%Y-%m")  # this month: a draft
    runtime.months().close(draft_month, "wuqing")
    assert 'id="whatif"' not in client.get(f"/months/{draft_month}").text
    reply = post_form(client, f"/months/{draft_month}", f"/months/{draft_month}/whatif", {"policy": DRAFT})
    assert reply.status_code == 409 and "draft" in reply.text
