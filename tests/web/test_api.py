"""The API: bearer tokens, the contract of each route, and the one error mapping."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.web.conftest import last_month

pytestmark = pytest.mark.db
NEW = {"window": "inv-1", "category": "attitude", "text": "开票员不理人", "contact": "13800001111"}


@pytest.fixture
def token(runtime):
    from core.accounts import AccountService

    accounts = AccountService(runtime.db)
    return lambda person: {"Authorization": f"Bearer {accounts.issue_token(person, 'test')}"}


def test_no_token_or_a_wrong_one_is_401(client):
    assert client.get("/api/complaints").status_code == 401
    reply = client.get("/api/complaints", headers={"Authorization": "Bearer nope"})
    assert reply.status_code == 401 and reply.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_stops_working(client, runtime, token):
    from core.accounts import AccountService

    headers = token("zhouhua")
    assert client.get("/api/org", headers=headers).status_code == 200
    assert AccountService(runtime.db).revoke_tokens("zhouhua") == 1
    assert client.get("/api/org", headers=headers).status_code == 401


def test_create_list_get_and_advance(client, runtime, token):
    hotline = token("wuqing")
    created = client.post("/api/complaints", json=NEW, headers=hotline)
    assert created.status_code == 201
    body = created.json()
    assert body["id"] == 1 and body["state"] == "received" and len(body["tracking_token"]) >= 22
    owner = body["owner"]
    assert [c["id"] for c in client.get("/api/complaints", headers=hotline).json()] == [1]
    assert client.get("/api/complaints?state=resolved", headers=hotline).json() == []
    assert client.get("/api/complaints?after=1", headers=hotline).json() == []
    assert client.get("/api/complaints/1", headers=hotline).json()["window"] == "inv-1"
    done = client.post("/api/complaints/1/advance", json={"event": "verify", "against": "zhangsan", "note": "ok"},
                       headers=token(owner))
    assert done.status_code == 200 and done.json()["state"] == "verified"


def test_a_refused_transition_is_409_with_the_allowed_events(client, token):
    headers = token("wuqing")
    client.post("/api/complaints", json=NEW, headers=headers)
    reply = client.post("/api/complaints/1/advance", json={"event": "resolve"}, headers=token("zhouhua"))
    assert reply.status_code == 409
    body = reply.json()
    # What zhouhua (rung 1 above level 0) may do: verify too, the name is the request's to give.
    assert body["state"] == "received" and body["allowed"] == ["verify", "dismiss", "escalate"]
    assert client.get("/api/complaints/1", headers=headers).json()["allowed_events"] == [
        "verify", "dismiss", "escalate"]


def test_a_refusal_for_someone_who_may_do_nothing_says_so(client, token):
    client.post("/api/complaints", json=NEW, headers=token("wuqing"))
    reply = client.post("/api/complaints/1/advance", json={"event": "verify", "against": "zhangsan"},
                        headers=token("lizhu"))  # heads invoicing, does not own it
    body = reply.json()
    assert reply.status_code == 409 and body["allowed"] == []
    assert "可用操作: -" not in body["detail"] and "-" != body["detail"][-1]
    assert "您现在无可用操作" in body["detail"] and "核实 verify" in body["detail"]


def test_the_accused_cannot_clear_his_complaint_by_naming_someone_else(client, token):
    team = token("wuqing")
    owner = client.post("/api/complaints", json={**NEW, "against": "zhouhua"}, headers=team).json()["owner"]
    assert client.post("/api/complaints/1/advance", json={"event": "escalate"},
                       headers=token(owner)).json()["owner"] == "zhouhua"
    for event in ("verify", "dismiss"):
        reply = client.post("/api/complaints/1/advance", json={"event": event, "against": "zhangsan"},
                            headers=token("zhouhua"))
        assert reply.status_code == 409 and "被投诉人不得处理" in reply.json()["detail"]
    c = client.get("/api/complaints/1", headers=team).json()
    assert (c["state"], c["against"]) == ("escalated", "zhouhua")


def test_a_stale_version_is_409(client, token):
    headers = token("wuqing")
    client.post("/api/complaints", json=NEW, headers=headers)
    reply = client.post("/api/complaints/1/advance", json={"event": "escalate", "version": 99},
                        headers=token("zhouhua"))
    assert reply.status_code == 409 and "changed by someone else" in reply.json()["detail"]


def test_invalid_fields_are_422_and_named(client, token, runtime):
    headers = token("wuqing")
    reply = client.post("/api/complaints", json={**NEW, "category": "bogus"}, headers=headers)
    assert reply.status_code == 422 and reply.json()["field"] == "category"
    reply = client.post("/api/complaints", json={k: v for k, v in NEW.items() if k != "text"}, headers=headers)
    assert reply.status_code == 422 and reply.json()["field"] == "text"
    reply = client.post("/api/complaints", json={**NEW, "text": "a\x00b"}, headers=headers)
    assert reply.status_code == 422 and reply.json()["field"] == "text"
    assert client.get("/api/months/2026-13", headers=headers).status_code == 422
    assert runtime.complaints().list() == []


def test_unknown_things_are_404(client, token):
    headers = token("wuqing")
    assert client.get("/api/complaints/999", headers=headers).status_code == 404
    assert client.post("/api/complaints", json={**NEW, "window": "nowhere"}, headers=headers).status_code == 404
    assert client.get("/api/months/2020-01", headers=headers).status_code == 404


def test_months_close_publish_get(client, token):
    month = last_month()
    office = token("wuqing")
    assert client.post(f"/api/months/{month}/close", headers=token("lizhu")).status_code == 403
    draft = client.post(f"/api/months/{month}/close", headers=office)
    assert draft.status_code == 200 and draft.json()["status"] == "draft"
    published = client.post(f"/api/months/{month}/publish", headers=office)
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert client.get(f"/api/months/{month}", headers=office).json()["status"] == "published"
    assert client.post(f"/api/months/{month}/close", headers=office).status_code == 409


def test_the_organisation(client, token):
    org = client.get("/api/org", headers=token("zhouhua")).json()
    assert org["team"]["executor"] == "zhouhua" and any(u["code"] == "invoicing" for u in org["units"])


def test_openapi_schema_lists_the_routes(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/complaints", "/api/complaints/{complaint_id}", "/api/complaints/{complaint_id}/advance",
            "/api/months/{month}", "/api/months/{month}/close", "/api/months/{month}/publish",
            "/api/org"} <= set(paths)
    assert not any(p.startswith("/w/") or p.startswith("/t/") for p in paths)  # pages stay out


def test_window_staff_file_only_customer_complaints(client, token, runtime):
    staff = token("zhangsan")
    assert client.post("/api/complaints", json=NEW, headers=staff).status_code == 201
    for extra in ({"source": "spot_check"}, {"against": "xiaowang"}):
        assert client.post("/api/complaints", json={**NEW, **extra}, headers=staff).status_code == 403
    assert len(runtime.complaints().list()) == 1


@pytest.mark.parametrize("module, error", [("core.policy", "PolicyError"), ("core.calendar", "CalendarError"),
                                           ("scoring.facts_json", "FactsError")])
def test_a_settings_file_refusal_is_422_on_the_api_and_the_console(client, token, monkeypatch, module, error):
    """The policy, calendar and facts refusals are in the error tree: a named 422, never a 500."""
    import importlib

    from states.service import ComplaintService
    from tests.web.conftest import login

    def refuse(*args, **kwargs):
        raise getattr(importlib.import_module(module), error)("config/x.toml: hours: opens must be before it closes")

    monkeypatch.setattr(ComplaintService, "list", refuse)
    reply = client.get("/api/complaints", headers=token("wuqing"))
    assert reply.status_code == 422
    assert reply.json() == {"detail": "config/x.toml: hours: opens must be before it closes"}
    login(client, "wuqing")
    page = client.get("/complaints")
    assert page.status_code == 422 and "opens must be before it closes" in page.text


def test_an_incident_is_reported_run_step_by_step_and_the_complaint_then_resolved(client, token, runtime):
    hotline = token("wuqing")
    assert client.post("/api/complaints", json=NEW, headers=hotline).json()["owner"] == "chenjian"
    assert client.get("/api/complaints/1/incident", headers=hotline).json()["status"] is None
    assert client.post("/api/complaints/1/incident", json={}, headers=token("zhangsan")).status_code == 403
    refused = client.post("/api/complaints/1/incident", json={}, headers=token("sunli"))  # not the owner
    assert refused.status_code == 409 and refused.json()["state"] == "received"

    opened = client.post("/api/complaints/1/incident", json={"note": "库存不足"}, headers=token("chenjian"))
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert (body["status"], body["level"], body["owner"], body["next"]) == ("open", 1, "zhouhua", "investigated")
    assert [st["step"] for st in body["steps"]] == ["investigated", "corrective_action", "closed"]
    assert client.post("/api/complaints/1/incident", headers=token("chenjian")).status_code == 409  # once

    executor = token("zhouhua")
    out_of_order = client.post("/api/complaints/1/incident/steps/closed", json={}, headers=executor)
    assert out_of_order.status_code == 409 and out_of_order.json()["allowed"] == ["investigated"]
    assert client.post("/api/complaints/1/incident/steps/nope", headers=executor).status_code == 422
    bad = client.post("/api/complaints/1/incident/steps/BAD!", headers=executor)
    assert bad.status_code == 422 and bad.json()["field"] == "step"
    bad = client.post("/api/complaints/1/incident/steps/investigated", json={"note": "a\x00b"}, headers=executor)
    assert bad.status_code == 422 and bad.json()["field"] == "note"
    assert client.get("/api/complaints/99/incident", headers=executor).status_code == 404

    for step in ("investigated", "corrective_action", "closed"):
        reply = client.post(f"/api/complaints/1/incident/steps/{step}", json={"note": step}, headers=executor)
        assert reply.status_code == 200, reply.text
    shown = client.get("/api/complaints/1/incident", headers=executor).json()
    assert shown["status"] == "closed" and [st["status"] for st in shown["steps"]] == ["done"] * 3
    for event in ("arrive", "resolve"):
        assert client.post("/api/complaints/1/advance", json={"event": event}, headers=executor).status_code == 200
    assert runtime.complaints().get(1)["state"] == "resolved"


def test_a_missed_incident_step_breaks_like_a_clock(client, token, runtime):
    from datetime import timedelta

    from states.watch import ClockWatch

    client.post("/api/complaints", json=NEW, headers=token("wuqing"))
    client.post("/api/complaints/1/incident", headers=token("chenjian"))
    due = client.get("/api/complaints/1/incident", headers=token("zhouhua")).json()["steps"][0]["due"]
    later = datetime.fromisoformat(due) + timedelta(minutes=1)
    report = ClockWatch(runtime.complaints()).check(later)
    assert [(b["clock"], b["owner"], b["new_owner"]) for b in report.as_dict()["broken"]] == [
        ("incident:investigated", "zhouhua", "baihong")]
    shown = client.get("/api/complaints/1/incident", headers=token("baihong")).json()
    assert (shown["level"], shown["owner"]) == (2, "baihong")
    assert [st["status"] for st in shown["steps"]] == ["missed", "pending", "pending"]
