"""Public pages: intake by window, the private tracking page, escalation, rating, boards, notices."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.web.conftest import csrf_of, file_complaint, login, post_form

pytestmark = pytest.mark.db


def test_intake_files_a_complaint_and_the_tracking_page_shows_its_number(client, runtime):
    token = file_complaint(client)
    assert len(token) >= 22  # secrets.token_urlsafe(24): 192 bits
    page = client.get(f"/t/{token}?new=1")
    assert page.status_code == 200
    assert "#1" in page.text and f"http://testserver/t/{token}" in page.text
    assert runtime.complaints().get(1)["window"] == "inv-1"


def test_the_tracking_page_hides_notes_staff_and_contact(client, runtime):
    token = file_complaint(client, contact="13800001111")
    runtime.complaints().advance(1, "verify", "chenjian", "内部备注：张三当日值班", against="zhangsan")
    page = client.get(f"/t/{token}").text
    assert "核实" in page
    for secret in ("内部备注", "chenjian", "zhangsan", "张三", "13800001111"):
        assert secret not in page
    assert "陈建" in page  # who handles it is named with his position (issue 18), never his id


def test_a_reload_after_intake_does_not_file_twice(client, runtime):
    file_complaint(client)
    assert len(runtime.complaints().list()) == 1


def test_bad_intake_is_refused_on_the_form_with_the_words_kept(client, runtime):
    reply = post_form(client, "/w/inv-1", "/w/inv-1", {"category": "attitude", "text": "   "})
    assert reply.status_code == 422 and "--text" in reply.text
    reply = post_form(client, "/w/inv-1", "/w/inv-1", {"category": "nonsense", "text": "我的投诉原文"})
    assert reply.status_code == 422 and "我的投诉原文" in reply.text
    assert runtime.complaints().list() == []


def test_unknown_window_and_token_are_404(client):
    assert client.get("/w/nowhere").status_code == 404
    assert client.get("/t/not-a-token").status_code == 404


def test_a_post_to_an_unknown_window_is_404_in_the_pages_words_and_files_nothing(client, runtime):
    reply = post_form(client, "/w/inv-1", "/w/nowhere", {"category": "attitude", "text": "态度差"})
    assert reply.status_code == 404 and "未知窗口" in reply.text and "--window" not in reply.text
    assert runtime.complaints().list() == []


def test_a_form_without_the_csrf_token_is_refused(client, runtime):
    client.get("/w/inv-1")  # refused on the form, shown again (tests/web/test_public_forms.py)
    reply = client.post("/w/inv-1", data={"category": "attitude", "text": "x"}, follow_redirects=False)
    assert reply.status_code == 422 and "请重新提交" in reply.text
    reply = client.post("/w/inv-1", data={"csrf": "forged", "category": "attitude", "text": "x"})
    assert reply.status_code == 422
    assert runtime.complaints().list() == []


def filed_ago(runtime, minutes: int) -> str:
    """A customer's complaint received ``minutes`` ago; its tracking token."""
    from datetime import timedelta

    from core.timeutil import utcnow

    created = runtime.complaints().create(window="inv-1", source="customer", category="attitude",
                                          text="开票员态度恶劣", at=utcnow() - timedelta(minutes=minutes),
                                          by_team=False)
    return created["tracking_token"]


ESCALATE = {"reason": "半小时无人回复", "confirm": "yes"}


def test_the_complainant_escalates_directly_with_a_reason_and_a_confirmation(client, runtime):
    token = filed_ago(runtime, 40)
    page = client.get(f"/t/{token}").text
    assert 'id="escalate-reason"' in page and 'id="escalate-confirm"' in page
    for missing in ({}, {"reason": "  ", "confirm": "yes"}, {"reason": "没人管"}):
        assert post_form(client, f"/t/{token}", f"/t/{token}/escalate", missing).status_code == 422
    assert runtime.complaints().get(1)["level"] == 0
    assert post_form(client, f"/t/{token}", f"/t/{token}/escalate", ESCALATE).status_code == 303
    c = runtime.complaints().get(1)
    assert (c["state"], c["level"], c["owner"]) == ("escalated", 1, "zhouhua")
    assert c["history"][-1]["by"] == "complainant" and "半小时无人回复" in c["history"][-1]["note"]
    handler = re.search(r'<p id="handler">(.*?)</p>', client.get(f"/t/{token}").text).group(1)
    assert "周华" in handler and "总执行" in handler and "zhouhua" not in handler
    due = c["clocks"][-1]["due"]  # the new owner's escalation clock
    assert c["clocks"][-1]["name"] == "escalation" and due[5:16].replace("T", " ") in handler


def test_the_next_rung_comes_only_after_a_fair_wait_unless_overdue(client, runtime):
    """Issue 18: three taps took #2 to the chairman in a minute. One rung at a time, each after
    the policy's wait (30 min) since it took the complaint, unless a clock has broken."""
    token = filed_ago(runtime, 10)  # the supervisor has had 10 minutes of his 30
    page = client.get(f"/t/{token}").text
    assert 'id="escalate"' not in page and 'id="escalate-later"' in page
    reply = post_form(client, f"/t/{token}", f"/t/{token}/escalate", ESCALATE)
    assert reply.status_code == 409 and runtime.complaints().get(1)["level"] == 0

    late = filed_ago(runtime, 31)  # the respond clock (30 min) has broken: at once
    assert post_form(client, f"/t/{late}", f"/t/{late}/escalate", ESCALATE).status_code == 303
    assert runtime.complaints().get(2)["level"] == 1
    again = post_form(client, f"/t/{late}", f"/t/{late}/escalate", ESCALATE)  # the new rung: just now
    assert again.status_code == 409 and runtime.complaints().get(2)["level"] == 1
    assert 'id="escalate-later"' in client.get(f"/t/{late}").text


def test_escalation_stops_at_the_chairman(client, runtime):
    from datetime import timedelta

    from core.timeutil import utcnow

    token = filed_ago(runtime, 200)
    svc = runtime.complaints()
    for ago in (150, 100):  # the owners climb it themselves, in the past
        svc.advance(1, "escalate", svc.get(1)["owner"], at=utcnow() - timedelta(minutes=ago))
    assert post_form(client, f"/t/{token}", f"/t/{token}/escalate", ESCALATE).status_code == 303
    assert svc.get(1)["level"] == 3
    page = client.get(f"/t/{token}").text
    assert 'id="escalate"' not in page and 'id="escalate-later"' not in page
    reply = client.post(f"/t/{token}/escalate", data={"csrf": csrf_of(client.get("/w/inv-1").text), **ESCALATE})
    assert reply.status_code == 409 and "董事长" in reply.text


def resolve_one(runtime):
    svc = runtime.complaints()
    svc.advance(1, "verify", "chenjian", against="zhangsan")
    svc.advance(1, "arrive", "chenjian")
    svc.advance(1, "resolve", "chenjian")


def test_rating_once_resolved_praises_a_window_person(client, runtime):
    from scoring.models import Praise
    from states.models import ComplaintRating

    token = file_complaint(client)
    assert 'id="rate-submit"' not in client.get(f"/t/{token}").text
    assert post_form(client, f"/t/{token}", f"/t/{token}/rate", {"score": "5"}).status_code == 409
    resolve_one(runtime)
    page = client.get(f"/t/{token}").text
    assert 'id="rate-submit"' in page and "小王" in page and "张三" in page  # the list hides nobody
    reply = post_form(client, f"/t/{token}", f"/t/{token}/rate",
                      {"score": "5", "comment": "很快", "praise": "xiaowang"})
    assert reply.status_code == 303
    with runtime.db.reading() as s:
        assert s.get(ComplaintRating, 1).score == 5
        praise = s.scalars(select(Praise)).one()
        assert (praise.person_id, praise.by_id) == ("xiaowang", "complainant")
    assert "★★★★★" in client.get(f"/t/{token}").text
    again = post_form(client, f"/t/{token}", f"/t/{token}/rate", {"score": "1"})
    assert again.status_code == 409


def test_a_low_rating_carries_no_praise_and_bad_scores_are_refused(client, runtime):
    from states.models import ComplaintRating

    token = file_complaint(client)
    resolve_one(runtime)
    assert post_form(client, f"/t/{token}", f"/t/{token}/rate", {"score": "2", "praise": "xiaowang"}).status_code == 422
    assert post_form(client, f"/t/{token}", f"/t/{token}/rate", {"score": "9"}).status_code == 422
    assert post_form(client, f"/t/{token}", f"/t/{token}/rate", {"score": "5", "praise": "lisi"}).status_code == 422
    with runtime.db.reading() as s:
        assert s.get(ComplaintRating, 1) is None


def test_boards_and_the_qr_code_of_a_window(client):
    boards = client.get("/boards").text
    assert "/boards/inv-1" in boards and "/w/inv-1" in boards
    board = client.get("/boards/inv-1")
    assert board.status_code == 200 and "开票" in board.text
    assert client.get("/boards/nowhere").status_code == 404
    qr = client.get("/w/inv-1/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml") and "<svg" in qr.text


def test_notices_show_only_published_months(client, runtime):
    from tests.web.conftest import last_month

    month = last_month()
    assert client.get(f"/notices/{month}").status_code == 404
    runtime.months().close(month, "wuqing")
    assert client.get(f"/notices/{month}").status_code == 404  # a draft is not public
    runtime.months().publish(month, "wuqing")
    assert f"/notices/{month}" in client.get("/notices").text
    notice = client.get(f"/notices/{month}")
    assert notice.status_code == 200 and month[:4] in notice.text


def test_the_language_switch(client):
    reply = client.get("/lang/en?back=/boards", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/boards"
    assert "Commitments" in client.get("/boards").text
    assert client.get("/lang/en?back=//evil.example", follow_redirects=False).headers["location"] == "/"
    client.get("/lang/zh")
    assert "服务承诺" in client.get("/boards").text
    assert re.search(r'lang="zh-CN"', client.get("/boards").text)


def test_staff_pages_need_a_login(client):
    reply = client.get("/complaints", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"].startswith("/login")
    assert login(client, "lizhu").status_code == 303


def test_the_intake_page_states_the_policys_clocks(client, runtime):
    page = client.get("/w/inv-1").text
    assert f"{runtime.policy.clocks.respond_minutes} 分钟内回复" in page
    assert f"{runtime.policy.clocks.on_site_minutes // 60} 小时内到场" in page


def test_a_praise_of_the_accused_is_dropped_silently(client, runtime):
    from scoring.models import Praise
    from states.models import ComplaintRating

    token = file_complaint(client)
    resolve_one(runtime)
    assert post_form(client, f"/t/{token}", f"/t/{token}/rate", {"score": "5", "praise": "zhangsan"}).status_code == 303
    with runtime.db.reading() as s:
        assert s.get(ComplaintRating, 1).praised_id is None
        assert s.scalars(select(Praise)).all() == []


def test_odd_tracking_tokens_are_404(client):
    for token in ("x" * 200, "%E4%B8%AD"):
        assert client.get(f"/t/{token}").status_code == 404
    assert client.get("/t/a%00b").status_code == 422  # the one input check (tests/web/test_inputs.py)


def test_the_same_form_sent_twice_files_once(client, runtime):
    page = client.get("/w/inv-1").text
    data = {"csrf": csrf_of(page), "nonce": re.search(r'name="nonce" value="([^"]+)"', page).group(1),
            "category": "attitude", "text": "双击提交"}
    first = client.post("/w/inv-1", data=data, follow_redirects=False)
    second = client.post("/w/inv-1", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert len(runtime.complaints().list()) == 1
