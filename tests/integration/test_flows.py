"""The Prefect flows for real, under one test server; on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.org import Person
from core.timeutil import BUSINESS_TZ
from notifications.models import SENT, OutboxMessage
from scoring.models import MonthClose
from states.models import Clock
from workflows.flows import (
    clock_watch,
    current_month,
    dispatch_outbox,
    month_close,
    previous_month,
    spot_check_plan,
)
from workflows.runtime import Runtime

pytestmark = pytest.mark.xdist_group("prefect")  # all on one worker: one Prefect server

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=BUSINESS_TZ)


@pytest.fixture
def runtime(org_db, db_url, monkeypatch, tmp_path, prefect_api):
    monkeypatch.setenv("JIANDU_DATABASE_URL", db_url)
    monkeypatch.setenv("JIANDU_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("JIANDU_NOTICE_DIR", str(tmp_path / "notices"))
    return Runtime.from_env()


def test_the_flows_keep_the_clocks_deliver_and_draft(runtime):
    c = runtime.complaints().create(window="wb-1", source="customer", category="attitude",
                                    text="x", contact="13700000000", at=T0)
    report = clock_watch(now=(T0 + timedelta(minutes=31)).isoformat())
    assert [(b["complaint"], b["clock"], b["level"]) for b in report["broken"]] == [(c["id"], "respond", 1)]
    assert clock_watch(now=(T0 + timedelta(minutes=31)).isoformat())["broken"] == []  # idempotent
    sent = dispatch_outbox(now=(T0 + timedelta(minutes=32)).isoformat())
    assert sent == {"sent": 6, "failed": 0, "pending": 0, "dead": 0}
    with runtime.db.reading() as s:
        delivered = [(m.kind, m.recipient, m.status)
                     for m in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    owner, complainant = report["broken"][0]["owner"], f"complainant:{c['id']}"
    assert delivered == [("complaint_received", complainant, SENT), ("complaint_assigned", owner, SENT),
                         *[("complaint_escalated", who, SENT) for who in (owner, "zhouhua", "wuqing", complainant)]]
    this_month = current_month(datetime.now(UTC))  # a plan is for a month not yet over
    plan = spot_check_plan(month=this_month, seed=7)
    assert plan["checks"] == 9 and spot_check_plan(month=this_month, seed=7)["created"] is False
    draft = month_close(month="2026-11")
    with runtime.db.reading() as s:
        everyone = s.scalar(select(func.count()).select_from(Person).where(Person.active.is_(True)))
    assert everyone == 28  # the sample organisation: each active person has his month
    assert draft == {"month": "2026-11", "status": "draft", "drafts": 1,
                     "policy_version": runtime.policy.version, "people": everyone}
    with runtime.db.reading() as s:
        assert s.get(MonthClose, "2026-11").closed_by == "system"


def test_previous_month_in_shanghai():
    assert previous_month(datetime(2026, 12, 1, 1, 0, tzinfo=BUSINESS_TZ)) == "2026-11"
    assert previous_month(datetime(2026, 1, 1, 0, 30, tzinfo=BUSINESS_TZ)) == "2025-12"
    assert previous_month(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026-11"  # Dec 1st 00:30 local


def test_jiandu_serve_runs_the_schedules_and_stops_on_ctrl_c(runtime, db_url, prefect_api, tmp_path):
    """The main job against a running Prefect server (production: PREFECT_API_URL set)."""
    past = datetime.now(UTC) - timedelta(hours=1)
    c = runtime.complaints().create(window="wb-1", source="customer", category="attitude", text="x", at=past)
    env = {**os.environ, "JIANDU_DATABASE_URL": db_url, "PREFECT_API_URL": prefect_api}
    jiandu = str(Path(sys.executable).parent / "jiandu")
    from tests.receivers import free_port

    web = f"http://127.0.0.1:{(web_port := free_port())}"
    proc = subprocess.Popen([jiandu, "serve", "--watch-seconds", "2", "--dispatch-seconds", "2",
                             "--web-port", str(web_port)], env=env,
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        broken = False
        while time.monotonic() < deadline and not broken:
            time.sleep(2)
            with runtime.db.reading() as s:
                broken = s.scalar(select(Clock.state).where(Clock.complaint_id == c["id"],
                                                            Clock.name == "respond")) == "broken"
        assert broken, "the served clock watch did not break the overdue clock"
        # The same process serves the web console and the public pages.
        with urllib.request.urlopen(f"{web}/healthz", timeout=10) as reply:
            assert json.loads(reply.read()) == {"status": "ok"}
        with urllib.request.urlopen(f"{web}/w/wb-1", timeout=10) as reply:
            assert "1号磅" in reply.read().decode("utf-8")
        # Links and QR codes follow the served port (JIANDU_PUBLIC_URL unset), not 8000.
        with urllib.request.urlopen(f"{web}/t/{c['tracking_token']}?new=1", timeout=10) as reply:
            assert f"{web}/t/{c['tracking_token']}" in reply.read().decode("utf-8")
    finally:
        # Ctrl-C to `jiandu serve` itself (a flow run caught mid-request by a terminal's Ctrl-C
        # prints Prefect's own KeyboardInterrupt traceback; that is Prefect's, not ours).
        os.kill(proc.pid, signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
    text = output.decode("utf-8", "replace")
    assert "Prefect 界面 UI" in text and "internal error" not in text, text[-2000:]
    assert proc.returncode in (0, -signal.SIGINT, 130), text[-2000:]


def test_the_cli_and_the_clock_watch_flow_make_the_same_tick(db_url, sqlite_template, prefect_api,
                                                              monkeypatch, capsys, tmp_path):
    """Issue 19.2: one watch tick. The same data twice; `jiandu clocks check` on the one, the
    clock-watch flow on the other: the same report, with breaks, warnings, missed spot checks
    and overdue appeal reviews all in it (the CLI used to skip the spot checks)."""
    from core.timeutil import parse_time
    from jiandu.cli import main
    from states.spotcheck import SpotCheckService
    from tests.conftest import fresh_database

    monkeypatch.setenv("JIANDU_DATABASE_URL", db_url)
    monkeypatch.setenv("JIANDU_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("JIANDU_NOTICE_DIR", str(tmp_path / "notices"))
    now = "2026-11-20T09:10+08:00"

    def everything_due() -> None:
        fresh_database(db_url, sqlite_template).dispose()
        rt = Runtime.from_env()
        svc = rt.complaints()
        c = svc.create(window="inv-1", source="customer", category="attitude", text="x",
                       at=parse_time("2026-10-12T09:00", "at"))
        svc.advance(c["id"], "verify", c["owner"], against="zhangsan", at=parse_time("2026-10-12T09:10", "at"))
        rt.months().close("2026-10", "wuqing", at=parse_time("2026-11-02T08:30", "at"))
        rt.months().publish("2026-10", "wuqing", at=parse_time("2026-11-02T09:00", "at"))
        line = next(ln for ln in rt.appeals().lines("zhangsan") if ln["rule"].startswith("complaint"))
        rt.appeals().file("zhangsan", line["id"], "当天休假", at=parse_time("2026-11-03T10:00", "at"))
        SpotCheckService(svc).plan("2026-11", seed=7, now=parse_time("2026-10-31T12:00", "at"))
        for received in ("2026-11-20T08:00", "2026-11-20T08:50"):  # one breaks, one is warned
            svc.create(window="wb-1", source="customer", category="other", text="x", at=parse_time(received, "at"))
        rt.db.dispose()

    everything_due()
    assert main(["clocks", "check", "--now", now, "--json"]) == 0
    by_cli = json.loads(capsys.readouterr().out)
    everything_due()
    by_flow = json.loads(json.dumps(clock_watch(now=now), ensure_ascii=False))
    assert by_cli == by_flow
    assert all(by_cli[part] for part in ("broken", "warned", "missed_spot_checks", "appeal_reviews")), by_cli
