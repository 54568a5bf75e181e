"""What an operator's tools read: /healthz, /readyz (the database) and /metrics (Prometheus)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from core.timeutil import utcnow

pytestmark = pytest.mark.db

TOKEN = "scrape-token-1"


def _app(runtime):
    from fastapi.testclient import TestClient

    from jiandu.web.app import create_app

    return TestClient(create_app(runtime))


def test_readyz_answers_ready_with_the_schema_of_a_migrated_database(client):
    from jiandu.migrate import schema_revision

    reply = client.get("/readyz")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ready", "schema": schema_revision(client.app.state.runtime.db)[1]}
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_503_when_the_database_is_not_migrated(tmp_path):
    from core.settings import Settings
    from workflows.runtime import Runtime

    runtime = Runtime(Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", secret_key="k"))
    reply = _app(runtime).get("/readyz")
    assert reply.status_code == 503
    assert reply.json()["schema"] is None
    assert "jiandu init" in reply.json()["detail"]


def test_readyz_is_503_naming_the_cause_when_the_database_is_unreachable():
    from core.settings import Settings
    from workflows.runtime import Runtime

    runtime = Runtime(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=3",
                               secret_key="k"))
    client = _app(runtime)
    reply = client.get("/readyz")
    assert reply.status_code == 503
    assert reply.json()["detail"].startswith("数据库不可用 / database unavailable: ")
    assert client.get("/healthz").status_code == 200  # alive, not ready


def _scrape(client, token=TOKEN) -> dict[tuple[str, tuple], float]:
    from prometheus_client.parser import text_string_to_metric_families

    reply = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(reply.text) for sample in family.samples}


def test_metrics_count_open_complaints_overdue_clocks_the_outbox_and_the_watch(runtime):
    from notifications.models import DEAD, OutboxMessage
    from states.watch import ClockWatch

    runtime.settings.metrics_token = TOKEN
    client = _app(runtime)
    now = utcnow()
    complaints = runtime.complaints()
    complaints.create(window="inv-1", source="customer", category="attitude", text="开票员态度恶劣",
                      contact="13800001111", at=now - timedelta(minutes=40))  # respond (30 min) is overdue
    complaints.create(window="wb-1", source="customer", category="other", text="过磅慢", at=now)

    before = _scrape(client)
    assert before[("jiandu_complaints_open", (("state", "received"),))] == 2
    assert before[("jiandu_complaints_open", (("state", "escalated"),))] == 0
    assert before[("jiandu_clocks_running", ())] == 6
    assert before[("jiandu_clocks_overdue", ())] == 1
    assert before[("jiandu_clocks_broken_last_day", ())] == 0
    assert before[("jiandu_outbox_messages", (("status", "pending"),))] == before[("jiandu_outbox_due", ())] > 0
    assert before[("jiandu_outbox_oldest_due_seconds", ())] >= 40 * 60
    assert not any(name.startswith("jiandu_clock_watch") for name, _ in before)  # it never ran

    ClockWatch(complaints).check(now)
    with runtime.db.transaction() as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.id == 1).values(status=DEAD))

    after = _scrape(client)
    assert after[("jiandu_complaints_open", (("state", "received"),))] == 1
    assert after[("jiandu_complaints_open", (("state", "escalated"),))] == 1
    assert after[("jiandu_clocks_overdue", ())] == 0
    assert after[("jiandu_clocks_broken_last_day", ())] == 1
    assert after[("jiandu_outbox_messages", (("status", "dead"),))] == 1
    assert after[("jiandu_clock_watch_last_breaks", ())] == 1
    assert abs(after[("jiandu_clock_watch_last_run_timestamp_seconds", ())] - utcnow().timestamp()) < 600


def test_metrics_are_for_the_token_holder_only(runtime):
    client = _app(runtime)
    assert client.get("/metrics").status_code == 404  # no token set: off
    runtime.settings.metrics_token = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert _scrape(client)[("jiandu_clocks_running", ())] == 0
