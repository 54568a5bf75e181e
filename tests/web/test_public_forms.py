"""The public forms: an expired one is shown again with the customer's words; a doubled one acts once.

Two posts of one form "at the same time" carry the same cookie (neither has seen the other's
answer): a second client with a copy of the cookie plays that part.
"""

from __future__ import annotations

import re
import threading

import pytest

from tests.web.conftest import csrf_of, file_complaint
from tests.web.test_public import ESCALATE, filed_ago, resolve_one

pytestmark = pytest.mark.db
EXPIRED = "请重新提交"


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    return found.group(1) if found else ""


# ---- an expired form ---------------------------------------------------------------------------

def test_an_expired_intake_form_is_shown_again_with_the_words_kept(client, runtime):
    page = client.get("/w/inv-1").text
    words = {"csrf": csrf_of(page), "nonce": _hidden(page, "nonce"), "category": "dispute",
             "text": "磅秤读数不对，司机被骂", "contact": "13800001111"}
    client.cookies.clear()  # the session ended while the form stood open
    reply = client.post("/w/inv-1", data=words, follow_redirects=False)
    assert reply.status_code == 422
    alert = re.search(r'role="alert">([^<]*)<', reply.text).group(1)
    assert EXPIRED in alert and "please submit again" in alert
    assert "磅秤读数不对，司机被骂" in reply.text and 'value="13800001111"' in reply.text
    assert 'value="dispute" selected' in reply.text
    fresh = csrf_of(reply.text)
    assert fresh != words["csrf"] and runtime.complaints().list() == []
    again = client.post("/w/inv-1", data={**words, "csrf": fresh}, follow_redirects=False)
    assert again.status_code == 303 and len(runtime.complaints().list()) == 1


def test_an_expired_rating_form_keeps_the_comment(client, runtime):
    from states.models import ComplaintRating

    token = file_complaint(client)
    resolve_one(runtime)
    page = client.get(f"/t/{token}").text
    client.cookies.clear()
    reply = client.post(f"/t/{token}/rate", data={"csrf": csrf_of(page), "score": "4", "comment": "处理及时，谢谢"},
                        follow_redirects=False)
    assert reply.status_code == 422 and EXPIRED in reply.text
    assert "处理及时，谢谢" in reply.text and 'value="4" checked' in reply.text
    assert csrf_of(reply.text) != csrf_of(page)
    with runtime.db.reading() as s:
        assert s.get(ComplaintRating, 1) is None


def test_an_expired_escalate_form_is_shown_again_and_climbs_nothing(client, runtime):
    token = filed_ago(runtime, 40)  # its supervisor had his fair wait: the page offers to escalate
    page = client.get(f"/t/{token}").text
    client.cookies.clear()
    reply = client.post(f"/t/{token}/escalate", data={"csrf": csrf_of(page), "nonce": _hidden(page, "nonce"),
                                                      **ESCALATE}, follow_redirects=False)
    assert reply.status_code == 422 and EXPIRED in reply.text and 'id="escalate"' in reply.text
    assert ESCALATE["reason"] in reply.text  # the customer's words kept
    assert runtime.complaints().get(1)["level"] == 0


# ---- a form sent twice acts once -------------------------------------------------------------------

def test_one_intake_form_sent_twice_with_one_cookie_files_once(app, runtime):
    from fastapi.testclient import TestClient

    with TestClient(app) as browser:
        page = browser.get("/w/inv-1").text
        data = {"csrf": csrf_of(page), "nonce": _hidden(page, "nonce"), "category": "attitude", "text": "双击提交"}
        with TestClient(app, cookies=dict(browser.cookies)) as twin:
            first = browser.post("/w/inv-1", data=data, follow_redirects=False)
            second = twin.post("/w/inv-1", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert len(runtime.complaints().list()) == 1


def test_one_escalate_form_sent_twice_climbs_one_rung(client, runtime):
    token = filed_ago(runtime, 40)
    page = client.get(f"/t/{token}").text
    data = {"csrf": csrf_of(page), "nonce": _hidden(page, "nonce"), **ESCALATE}
    for _ in range(2):
        assert client.post(f"/t/{token}/escalate", data=data, follow_redirects=False).status_code == 303
    assert runtime.complaints().get(1)["level"] == 1
    assert 'id="escalate"' not in client.get(f"/t/{token}").text  # the new rung first has its fair wait
    another = _hidden(client.get("/w/inv-1").text, "nonce")  # a form sent anew, not the same one again
    reply = client.post(f"/t/{token}/escalate", data={"csrf": csrf_of(page), "nonce": another, **ESCALATE})
    assert reply.status_code == 409 and runtime.complaints().get(1)["level"] == 1


def _at_once(app, cookies: dict, post) -> list:
    """Two clients with one cookie post at the same moment (a barrier, no sleeps)."""
    from fastapi.testclient import TestClient

    barrier, replies = threading.Barrier(2), []

    def one():
        with TestClient(app, cookies=cookies) as c:
            barrier.wait(30)
            replies.append(post(c))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return replies


def test_two_concurrent_posts_of_one_intake_form_file_one_complaint(app, runtime):
    from fastapi.testclient import TestClient

    for round_ in range(3):
        with TestClient(app) as browser:
            page = browser.get("/w/inv-1").text
            cookies = dict(browser.cookies)
        data = {"csrf": csrf_of(page), "nonce": _hidden(page, "nonce"), "category": "attitude",
                "text": f"并发提交 {round_}"}
        replies = _at_once(app, cookies, lambda c, data=data: c.post("/w/inv-1", data=data, follow_redirects=False))
        assert [r.status_code for r in replies] == [303, 303]
        assert replies[0].headers["location"] == replies[1].headers["location"]
    assert len(runtime.complaints().list()) == 3


def test_two_concurrent_escalates_of_one_form_climb_one_rung(app, runtime):
    from fastapi.testclient import TestClient

    token = filed_ago(runtime, 40)
    with TestClient(app) as browser:
        page = browser.get(f"/t/{token}").text
        cookies = dict(browser.cookies)
    data = {"csrf": csrf_of(page), "nonce": _hidden(page, "nonce"), **ESCALATE}
    replies = _at_once(app, cookies, lambda c: c.post(f"/t/{token}/escalate", data=data, follow_redirects=False))
    assert sorted(r.status_code for r in replies) == [303, 303]
    assert runtime.complaints().get(1)["level"] == 1


def test_a_nonce_that_is_no_nonce_is_refused_by_name(client, runtime):
    page = client.get("/w/inv-1").text
    reply = client.post("/w/inv-1", data={"csrf": csrf_of(page), "nonce": "x\x00y", "category": "attitude",
                                          "text": "投诉"}, follow_redirects=False)
    assert reply.status_code == 422 and "nonce" in reply.text and runtime.complaints().list() == []
