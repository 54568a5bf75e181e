"""Delivery right after the commit (issue 20.2): off the caller's path, best effort, the sweep behind it."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from notifications.models import PENDING, SENDING, SENT, OutboxMessage

pytestmark = pytest.mark.db

DEADLINE = 120  # seconds: generous on a loaded machine; the wait polls and ends at the first sight


@pytest.fixture
def runtime(org_db, db_url, tmp_path):
    from core.settings import Settings
    from workflows.runtime import Runtime

    rt = Runtime(Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", deliver_on_commit=True,
                          quiet_hours=""))
    yield rt
    rt.courier.drain(DEADLINE)
    rt.db.dispose()


def _statuses(rt) -> list[str]:
    with rt.db.reading() as s:
        return list(s.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def _wait_for(condition, what: str):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {DEADLINE} s: {what}")


def _file(rt, text: str = "开票员态度恶劣") -> dict:
    return rt.complaints().create(window="inv-1", source="customer", category="attitude", text=text)


def test_a_commit_that_writes_messages_has_them_delivered_without_a_dispatch(runtime):
    complaint = _file(runtime)
    _wait_for(lambda: _statuses(runtime) and set(_statuses(runtime)) == {SENT}, "every message sent")
    with runtime.db.reading() as s:
        keys = list(s.scalars(select(OutboxMessage.key).where(OutboxMessage.complaint_id == complaint["id"])))
    assert keys and all((runtime.settings.outbox_dir / f"{key}.txt").exists() for key in keys)


def test_the_committing_caller_does_not_wait_for_the_delivery(runtime, monkeypatch):
    from notifications import outbox

    release, delivering = threading.Event(), threading.Event()

    def slow_channel(*args, **kwargs):
        delivering.set()
        release.wait(DEADLINE)

    monkeypatch.setattr(outbox, "deliver", slow_channel)
    _file(runtime)  # returns while the courier's thread is held inside the channel
    assert delivering.wait(DEADLINE)
    assert SENDING in _statuses(runtime)
    release.set()
    _wait_for(lambda: set(_statuses(runtime)) == {SENT}, "sent once the channel answers")


def test_what_the_courier_could_not_deliver_is_left_to_the_sweep(runtime, monkeypatch):
    from core.timeutil import utcnow
    from notifications import outbox
    from notifications.channels import DeliveryError

    def down(*args, **kwargs):
        raise DeliveryError("smtp: connection refused")

    monkeypatch.setattr(outbox, "deliver", down)
    _file(runtime)
    _wait_for(lambda: _statuses(runtime) and set(_statuses(runtime)) == {PENDING}, "back to pending after a try")
    assert runtime.courier.drain(DEADLINE)
    monkeypatch.undo()
    later = utcnow() + timedelta(seconds=runtime.settings.outbox_backoff_seconds + 1)
    assert outbox.dispatch(runtime.db, runtime.settings, later)["sent"] == len(_statuses(runtime))
    assert set(_statuses(runtime)) == {SENT}


def test_a_commit_that_writes_no_message_wakes_nobody(runtime):
    from core.orgservice import org_snapshot

    org_snapshot(runtime.db)
    with runtime.db.transaction() as s:
        s.execute(select(1))
    assert not runtime.courier.started


def test_a_stream_of_commits_is_delivered_in_fewer_passes_than_kicks():
    """The courier paces its passes (notifications/courier.py PACE_SECONDS): kicks that come while
    a pass waits its turn join it; the first kick after a quiet spell is delivered at once, and
    what the last kick asked for is delivered too."""
    from notifications.courier import Courier

    passes: list[float] = []
    courier = Courier(lambda: passes.append(time.monotonic()), drain_at_exit=0, pace=0.2)
    courier.kick()
    assert courier.drain(DEADLINE) and len(passes) == 1
    stream = time.monotonic()
    for _ in range(40):
        courier.kick()
        time.sleep(0.005)
    stream = time.monotonic() - stream
    assert courier.drain(DEADLINE)
    during = len(passes) - 1  # however slow the machine: one pass per pace of the stream, and the last
    assert 1 <= during <= stream / 0.2 + 2 and during < 40, (during, stream)
    assert all(b - a >= 0.2 - 0.01 for a, b in zip(passes, passes[1:], strict=False)), passes
