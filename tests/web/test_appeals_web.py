"""Appeals on the web: the person sees his lines and appeals; the reviewer decides from his queue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.timeutil import month_bounds, utcnow
from tests.web.conftest import last_month, login, post_form

pytestmark = pytest.mark.db


@pytest.fixture
def published(runtime):
    """张三 complained about last month; the month closed and published just now."""
    month = last_month()
    start, _ = month_bounds(month)
    svc = runtime.complaints()
    c = svc.create(window="inv-1", source="customer", category="attitude", text="态度差", at=start + timedelta(days=2))
    svc.advance(c["id"], "verify", c["owner"], against="zhangsan", at=start + timedelta(days=2, minutes=5))
    runtime.months().close(month, "wuqing")
    runtime.months().publish(month, "wuqing", at=utcnow())
    return {"month": month, "owner": c["owner"]}


def test_a_person_appeals_and_the_reviewer_upholds(client, runtime, published):
    login(client, "zhangsan")
    mine = client.get("/me").text
    line_id = int(re.search(r'action="/me/lines/(\d+)/appeal"', mine).group(1))
    reply = post_form(client, "/me", f"/me/lines/{line_id}/appeal", {"reason": "当天休假 <b>证明</b>"})
    assert reply.status_code == 303
    appeal = runtime.appeals().list(person="zhangsan")[0]
    assert "&lt;b&gt;证明" in client.get(f"/appeals/{appeal['id']}").text
    assert f'action="/me/lines/{line_id}/appeal"' not in client.get("/me").text  # once per line

    login(client, published["owner"])  # verified the complaint: in conflict
    assert 'id="uphold"' not in client.get(f"/appeals/{appeal['id']}").text
    refused = post_form(client, f"/appeals/{appeal['id']}", f"/appeals/{appeal['id']}/decide",
                        {"decision": "uphold", "note": "x"})
    assert refused.status_code == 409

    login(client, appeal["reviewer"])
    assert f'href="/appeals/{appeal["id"]}"' in client.get("/appeals").text
    done = post_form(client, f"/appeals/{appeal['id']}", f"/appeals/{appeal['id']}/decide",
                     {"decision": "uphold", "note": "考勤证实"})
    assert done.status_code == 303
    assert runtime.appeals().show(appeal["id"])["state"] == "upheld"


def test_someone_elses_appeal_is_not_shown_to_window_staff(client, runtime, published):
    line = runtime.appeals().lines("zhangsan")[0]
    a = runtime.appeals().file("zhangsan", line["id"], "不是我")
    login(client, "xiaowang")
    assert client.get(f"/appeals/{a['id']}").status_code == 403
    assert client.get("/appeals").status_code == 403
    login(client, "zhangsan")
    assert client.get(f"/appeals/{a['id']}").status_code == 200
