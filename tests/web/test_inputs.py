"""One input check for every field: a NUL or another control character in a query, a form, a path
or a JSON body is a 422 naming the field on every face (PostgreSQL refuses a NUL: it was a 500)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.web.conftest import file_complaint, login, post_form

pytestmark = pytest.mark.db


def history_rows(runtime) -> int:
    from states.models import ComplaintEvent

    with runtime.db.reading() as s:
        return s.scalar(select(func.count()).select_from(ComplaintEvent))


@pytest.mark.parametrize("query", ["unit=%00", "state=%00", "window=a%00b", "month=2026-1%00"])
def test_a_nul_in_a_console_filter_is_422_naming_it(client, query):
    login(client, "zhouhua")
    reply = client.get(f"/complaints?{query}")
    field = query.split("=")[0]
    assert reply.status_code == 422 and f"{field}: control characters" in reply.text


def test_a_nul_in_against_is_422_on_the_console_and_the_api_and_nothing_is_written(client, runtime):
    from core.accounts import AccountService

    file_complaint(client)
    owner = runtime.complaints().get(1)["owner"]
    before = history_rows(runtime)
    login(client, owner)
    reply = post_form(client, "/complaints/1", "/complaints/1/advance", {"event": "verify", "against": "zhang\x00san"})
    assert reply.status_code == 422 and "against: control characters" in reply.text
    headers = {"Authorization": f"Bearer {AccountService(runtime.db).issue_token(owner, 'test')}"}
    reply = client.post("/api/complaints/1/advance", json={"event": "verify", "against": "\x00"}, headers=headers)
    assert reply.status_code == 422 and reply.json()["field"] == "against"
    reply = client.get("/api/complaints", params={"unit": "\x00"}, headers=headers)
    assert reply.status_code == 422 and reply.json()["field"] == "unit"
    assert history_rows(runtime) == before and runtime.complaints().get(1)["state"] == "received"


def test_a_nul_in_the_public_ratings_praise_or_a_path_is_422(client, runtime):
    from states.models import ComplaintRating

    token = file_complaint(client)
    svc = runtime.complaints()
    svc.advance(1, "verify", "chenjian", against="zhangsan")
    svc.advance(1, "arrive", "chenjian")
    svc.advance(1, "resolve", "chenjian")
    reply = post_form(client, f"/t/{token}", f"/t/{token}/rate", {"score": "5", "praise": "xiao\x00wang"})
    assert reply.status_code == 422 and "praise: control characters" in reply.text
    with runtime.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ComplaintRating)) == 0
    assert client.get("/w/inv%00").status_code == 422
    assert client.get("/t/abc%00").status_code == 422
    assert client.get("/boards/wb%001").status_code == 422


def test_one_note_limit_on_the_console_the_api_and_the_public_rating(client, runtime):
    """JIANDU_NOTE_MAX_CHARS (2000 by default) holds on every face; here set to 40."""
    from core.accounts import AccountService
    from core.settings import Settings
    from states.models import ComplaintRating

    assert Settings().note_max_chars == 2000
    runtime.settings.note_max_chars = 40
    token = file_complaint(client)
    owner = runtime.complaints().get(1)["owner"]
    login(client, owner)
    reply = post_form(client, "/complaints/1", "/complaints/1/advance",
                      {"event": "verify", "against": "zhangsan", "note": "核" * 41})
    assert reply.status_code == 422 and "--note: longer than 40" in reply.text
    headers = {"Authorization": f"Bearer {AccountService(runtime.db).issue_token(owner, 'test')}"}
    reply = client.post("/api/complaints/1/advance", json={"event": "verify", "against": "zhangsan",
                                                           "note": "核" * 41}, headers=headers)
    assert reply.status_code == 422 and reply.json()["field"] == "note"
    assert runtime.complaints().get(1)["state"] == "received"
    assert post_form(client, "/complaints/1", "/complaints/1/advance",
                     {"event": "verify", "against": "zhangsan", "note": "核" * 40}).status_code == 303
    runtime.complaints().advance(1, "arrive", owner)
    runtime.complaints().advance(1, "resolve", owner)
    reply = post_form(client, f"/t/{token}", f"/t/{token}/rate", {"score": "4", "comment": "好" * 41})
    assert reply.status_code == 422 and "comment: longer than 40" in reply.text
    with runtime.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(ComplaintRating)) == 0


@pytest.mark.parametrize("key", ["\x01note", "no\ud800te"])
def test_a_json_key_with_a_control_character_or_half_a_pair_is_422(client, runtime, key):
    """The fuzzing found a key with a control character and half of a UTF-16 pair: the refusal
    named it, and the reply could not be encoded (an exception instead of a 422)."""
    from core.accounts import AccountService

    headers = {"Authorization": f"Bearer {AccountService(runtime.db).issue_token('zhouhua', 'test')}",
               "Content-Type": "application/json"}
    body = json.dumps({"window": "inv-1", "text": "x", key: "a\x01"})  # ASCII: the escapes survive
    reply = client.post("/api/complaints", content=body, headers=headers)
    assert reply.status_code == 422 and reply.json()["field"] == "body", reply.text
    assert history_rows(runtime) == 0
