"""The supervisor console: log-in, throttling, the queue, a complaint's page and its actions."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PASSWORD, csrf_of, file_complaint, login, post_form

pytestmark = pytest.mark.db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_login_logout_and_a_wrong_password(client):
    assert login(client, "chenjian", "wrong-password").status_code == 403
    assert login(client, "nobody", PASSWORD).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303
    assert login(client, "chenjian").status_code == 303
    assert "陈建" in client.get("/").text
    reply = post_form(client, "/", "/logout", {})
    assert reply.status_code == 303
    assert client.get("/complaints", follow_redirects=False).status_code == 303


def test_failed_logins_are_throttled(client, runtime):
    for _ in range(runtime.settings.login_max_failures):
        assert login(client, "chenjian", "wrong-password").status_code == 403
    locked = login(client, "chenjian")  # the right password, too soon
    assert locked.status_code == 403 and "锁定" in locked.text
    from core.accounts import Account

    with runtime.db.reading() as s:
        assert s.get(Account, "chenjian").locked_until is not None


def test_an_unknown_id_a_wrong_password_and_a_lock_read_the_same(client):
    unknown, wrong = login(client, "nobody", PASSWORD), login(client, "chenjian", "wrong-password")
    assert unknown.status_code == wrong.status_code == 403
    assert re.search(r'role="alert">([^<]*)<', unknown.text).group(1) == \
        re.search(r'role="alert">([^<]*)<', wrong.text).group(1)


def test_logout_ends_every_copy_of_the_session(client, app):
    from fastapi.testclient import TestClient

    login(client, "chenjian")
    copied = TestClient(app, cookies=dict(client.cookies))
    assert copied.get("/complaints", follow_redirects=False).status_code == 200
    post_form(client, "/", "/logout", {})
    assert copied.get("/complaints", follow_redirects=False).status_code == 303


def test_a_new_password_ends_the_sessions(client, runtime):
    from core.accounts import AccountService

    login(client, "chenjian")
    assert client.get("/complaints", follow_redirects=False).status_code == 200
    AccountService(runtime.db).set_password("chenjian", "another-pass-1")
    assert client.get("/complaints", follow_redirects=False).status_code == 303


def test_a_body_over_the_limit_is_413(client):
    reply = client.post("/w/inv-1", content=b"x" * (7 * 1024 * 1024),
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert reply.status_code == 413


def test_huge_ids_are_422_not_500(client):
    login(client, "chenjian")
    assert client.get("/complaints/99999999999999999999").status_code == 422
    assert client.get("/appeals/99999999999999999999").status_code == 422


def test_login_does_not_redirect_off_site(client):
    page = client.get("/login?next=//evil.example")
    reply = client.post("/login", data={"csrf": csrf_of(page.text), "user": "chenjian", "password": PASSWORD,
                                        "next": "//evil.example"}, follow_redirects=False)
    assert reply.headers["location"] == "/"


def test_demo_accounts_are_listed_only_in_demo_mode(client, runtime):
    assert "jiandu-demo" not in client.get("/login").text
    from fastapi.testclient import TestClient

    from jiandu.web.app import create_app
    from workflows.runtime import Runtime

    demo = Runtime(runtime.settings.model_copy(update={"demo": True}))
    with TestClient(create_app(demo)) as c:
        page = c.get("/login").text
        assert "jiandu-demo" in page and "wuqing" in page and "总裁办" in page
        assert login(c, "liuzong", "jiandu-demo").status_code == 303


def test_the_queue_counts_down_and_marks_broken_clocks(client, runtime):
    file_complaint(client)
    owner = runtime.complaints().get(1)["owner"]
    login(client, owner)
    queue = client.get("/").text
    assert "/complaints/1" in queue and 'class="countdown"' in queue and "data-due=" in queue
    from datetime import timedelta

    from core.timeutil import utcnow
    from states.service import ComplaintService

    later = ComplaintService(runtime.db, runtime.policy, now=lambda: utcnow() + timedelta(hours=1))
    assert any(k["overdue"] for k in later.get(1)["clocks"])
    login(client, "zhouhua")
    assert "/complaints/1" not in client.get("/").text  # not his


def test_the_complaint_page_offers_only_the_allowed_actions(client, runtime):
    file_complaint(client)
    owner = runtime.complaints().get(1)["owner"]
    login(client, owner)
    page = client.get("/complaints/1").text
    events = set(re.findall(r'<form[^>]*data-event="(\w+)"', page))
    assert events == {"verify", "dismiss", "escalate"}
    assert "<svg" in page and 'class="state current"' in page and 'class="edge allowed"' in page
    login(client, "lizhu")  # heads invoicing: not the owner, no rung
    assert set(re.findall(r'<form[^>]*data-event="(\w+)"', client.get("/complaints/1").text)) == set()


def test_verify_arrive_with_a_photo_and_resolve(client, runtime):
    file_complaint(client)
    owner = runtime.complaints().get(1)["owner"]
    login(client, owner)
    page = "/complaints/1"
    assert post_form(client, page, "/complaints/1/advance", {"event": "verify", "against": "zhangsan",
                                                             "note": "监控核实"}).status_code == 303
    reply = post_form(client, page, "/complaints/1/advance", {"event": "arrive"},
                      files={"photo": ("site.png", PNG, "image/png")})
    assert reply.status_code == 303
    assert post_form(client, page, "/complaints/1/advance", {"event": "resolve"}).status_code == 303
    c = runtime.complaints().get(1)
    assert (c["state"], c["against"]) == ("resolved", "zhangsan")
    assert [p["content_type"] for p in c["photos"]] == ["image/png"]
    shown = client.get(page).text
    assert "监控核实" in shown and f"/complaints/1/photos/{c['photos'][0]['id']}" in shown
    photo = client.get(f"/complaints/1/photos/{c['photos'][0]['id']}")
    assert photo.status_code == 200 and photo.content == PNG
    post_form(client, "/", "/logout", {})
    assert client.get(f"/complaints/1/photos/{c['photos'][0]['id']}", follow_redirects=False).status_code == 303


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_changes(client, runtime):
    file_complaint(client)
    owner = runtime.complaints().get(1)["owner"]
    runtime.complaints().advance(1, "verify", owner, against="zhangsan")
    login(client, owner)
    reply = post_form(client, "/complaints/1", "/complaints/1/advance", {"event": "arrive"},
                      files={"photo": ("evil.png", b"<html>not a png</html>", "image/png")})
    assert reply.status_code == 422 and "photo" in reply.text
    assert runtime.complaints().get(1)["state"] == "verified"


def test_a_refused_action_names_the_state_and_the_allowed_events(client, runtime):
    file_complaint(client)
    login(client, "lizhu")
    reply = post_form(client, "/complaints/1", "/complaints/1/advance", {"event": "verify", "against": "zhangsan"})
    assert reply.status_code == 409 and "received" in reply.text
    assert runtime.complaints().get(1)["state"] == "received"


def test_the_accused_cannot_clear_his_complaint_by_naming_someone_else(client, runtime):
    c = runtime.complaints().create(window="inv-1", source="customer", category="attitude", text="x",
                                    against="zhouhua")
    runtime.complaints().advance(c["id"], "escalate", c["owner"])  # now the executor's: zhouhua's own
    login(client, "zhouhua")
    assert re.findall(r'<form[^>]*data-event="(\w+)"', client.get("/complaints/1").text) == []
    for event in ("verify", "dismiss"):
        reply = post_form(client, "/complaints/1", "/complaints/1/advance", {"event": event, "against": "zhangsan"})
        assert reply.status_code == 409 and "被投诉人不得处理" in reply.text
    assert runtime.complaints().get(1)["against"] == "zhouhua"


def test_a_stale_page_is_a_conflict(client, runtime):
    file_complaint(client)
    owner = runtime.complaints().get(1)["owner"]
    login(client, owner)
    token = csrf_of(client.get("/complaints/1").text)
    runtime.complaints().advance(1, "verify", owner, against="zhangsan")  # someone else, meanwhile
    reply = client.post("/complaints/1/advance", data={"csrf": token, "event": "escalate", "version": "1"})
    assert reply.status_code == 409
    assert runtime.complaints().get(1)["state"] == "verified"


def test_filters_of_the_complaint_list(client, runtime):
    file_complaint(client, window="inv-1")
    file_complaint(client, window="wb-1")
    login(client, "zhouhua")
    assert re.findall(r'href="/complaints/(\d+)"', client.get("/complaints").text) == ["2", "1"]  # newest first
    assert re.findall(r'href="/complaints/(\d+)"', client.get("/complaints?unit=weighbridge").text) == ["2"]
    assert re.findall(r'href="/complaints/(\d+)"', client.get("/complaints?window=inv-1").text) == ["1"]
    assert re.findall(r'href="/complaints/(\d+)"', client.get("/complaints?state=resolved").text) == []
    assert re.findall(r'href="/complaints/(\d+)"', client.get("/complaints?overdue=1").text) == []
    assert client.get("/complaints?month=2026-13").status_code == 422
    assert client.get("/complaints?state=bogus").status_code == 422


def test_the_dashboard_draws_its_charts(client, runtime):
    file_complaint(client)
    login(client, "wuqing")
    page = client.get("/dashboard")
    assert page.status_code == 200 and page.text.count("<svg") >= 3
    assert re.search(r'id="kpi-open">1<', page.text)


def test_window_staff_have_no_console(client):
    login(client, "zhangsan")
    reply = client.get("/", follow_redirects=False)
    assert reply.status_code == 303 and reply.headers["location"] == "/me"
    assert "我的考核" in client.get("/me").text
    assert client.get("/complaints").status_code == 403
    assert client.get("/dashboard").status_code == 403


def test_the_list_pages_newest_first(client, runtime, monkeypatch):
    import jiandu.web.console as console

    monkeypatch.setattr(console, "PAGE", 2)
    for _ in range(5):
        runtime.complaints().create(window="inv-1", source="customer", category="other", text="x")
    login(client, "zhouhua")
    first = client.get("/complaints").text
    assert re.findall(r'href="/complaints/(\d+)"', first) == ["5", "4"]
    older = re.search(r'id="older" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).text
    assert re.findall(r'href="/complaints/(\d+)"', second) == ["3", "2"]
    last = client.get(re.search(r'id="older" href="([^"]+)"', second).group(1).replace("&amp;", "&")).text
    assert re.findall(r'href="/complaints/(\d+)"', last) == ["1"] and 'id="older"' not in last


def test_the_incident_form_is_the_owners_and_its_steps_read_in_words(client, runtime):
    file_complaint(client)
    assert runtime.complaints().get(1)["owner"] == "chenjian"
    login(client, "sunli")  # another supervisor: neither owner nor a higher rung
    page = client.get("/complaints/1").text
    assert 'data-incident="open"' not in page and "未启动" in page
    assert post_form(client, "/complaints/1", "/complaints/1/incident", {}).status_code == 409
    post_form(client, "/complaints/1", "/logout", {})
    login(client, "chenjian")
    assert 'data-incident="open"' in client.get("/complaints/1").text
    assert client.post("/complaints/1/incident", data={"csrf": "forged"}).status_code == 403
    assert post_form(client, "/complaints/1", "/complaints/1/incident", {"note": "无法当场解决"}).status_code == 303
    page = client.get("/complaints/1").text
    assert "已上报质量事故" in page and "上报后 24 小时内" in page and "调查核实" in page and "待完成" in page
    assert "data-incident" not in page  # the executor owns it now: nothing for chenjian to press
    shown = re.sub(r"<[^>]*>", " ", page.split("<main", 1)[1])  # what a person reads
    for code in ("incident:", "investigated", "corrective_action", "open", "running", "pending"):
        assert code not in shown, code
