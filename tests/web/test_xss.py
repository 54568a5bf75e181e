"""A complaint text or note with markup is shown as text on every page that shows it."""

from __future__ import annotations

import pytest

from tests.web.conftest import file_complaint, login

pytestmark = pytest.mark.db
MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def test_markup_in_a_complaint_is_text_everywhere(client, runtime):
    token = file_complaint(client, text=MARKUP)
    owner = runtime.complaints().get(1)["owner"]
    runtime.complaints().advance(1, "verify", owner, note=MARKUP, against="zhangsan")
    pages = {"tracking": client.get(f"/t/{token}").text}
    login(client, owner)
    pages |= {"complaint": client.get("/complaints/1").text, "list": client.get("/complaints").text}
    login(client, "zhouhua")
    runtime.complaints().advance(1, "escalate", owner)
    pages["queue"] = client.get("/").text
    for name, html in pages.items():
        assert "<script>alert" not in html and "<img src=x" not in html, name
    assert ESCAPED in pages["tracking"] and ESCAPED in pages["complaint"]
    assert pages["complaint"].count(ESCAPED) == 2  # the text and the note
    assert "&lt;script&gt;" in pages["list"] and "&lt;script&gt;" in pages["queue"]


def test_markup_in_a_rejected_intake_is_text_on_the_form(client):
    from tests.web.conftest import post_form

    reply = post_form(client, "/w/inv-1", "/w/inv-1", {"category": "bogus", "text": MARKUP})
    assert reply.status_code == 422
    assert "<script>alert" not in reply.text and ESCAPED in reply.text
