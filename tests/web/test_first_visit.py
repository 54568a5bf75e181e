"""What a first-time user meets on the forms: a failed login, a rating, an empty complaint (issue 18)."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import file_complaint, login, post_form
from tests.web.test_public import resolve_one

pytestmark = pytest.mark.db


def test_a_failed_login_keeps_the_user_id_and_asks_only_for_the_password(client):
    reply = login(client, "zhouhua", "wrong-password")
    assert reply.status_code == 403
    field = re.search(r'<input type="text" id="user"[^>]*>', reply.text).group(0)
    assert 'value="zhouhua"' in field
    assert "autofocus" in re.search(r'<input type="password"[^>]*>', reply.text).group(0)


def test_a_rating_is_thanked(client, runtime):
    token = file_complaint(client)
    resolve_one(runtime)
    assert 'id="thanks"' not in client.get(f"/t/{token}").text
    assert post_form(client, f"/t/{token}", f"/t/{token}/rate", {"score": "4"}).status_code == 303
    thanks = re.search(r'<p[^>]*id="thanks"[^>]*>(.*?)</p>', client.get(f"/t/{token}").text).group(1)
    assert thanks.startswith("感谢您的评价")


def test_a_blank_complaint_is_answered_in_a_chinese_sentence_first(client, runtime):
    reply = post_form(client, "/w/inv-1", "/w/inv-1", {"category": "attitude", "text": "  \n\t "})
    assert reply.status_code == 422
    said = re.search(r'<p class="error-box" role="alert">(.*?)</p>', reply.text).group(1)
    assert said.startswith("投诉内容不能为空") and not said.startswith("--text")
    assert runtime.complaints().list() == []


def test_the_chief_executors_queue_lists_what_reaches_his_rung_and_points_to_the_rest(client, runtime):
    """README's browser tour, step 2: each clock is its owner's (rules.md §3), so a fresh complaint
    is in its supervisor's queue; the chief executor's points to it, then lists it once escalated."""
    file_complaint(client)
    owner = runtime.complaints().get(1)["owner"]
    assert owner != "zhouhua"
    login(client, "zhouhua")
    queue = client.get("/").text
    assert 'href="/complaints/1"' not in queue
    assert re.search(r'id="others"><a href="/complaints">[^<]*: 1</a>', queue)
    runtime.complaints().advance(1, "escalate", owner)
    queue = client.get("/").text
    assert 'href="/complaints/1"' in queue and 'id="others"' not in queue
