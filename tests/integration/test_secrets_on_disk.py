"""Secrets on disk: var/ and its folders 0700, the database, messages and notices 0600; outbox
rows name their channel, never its URL (Apprise URLs carry passwords), resolved at delivery."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from core.settings import Settings
from core.timeutil import BUSINESS_TZ
from notifications.models import PENDING, SENT, OutboxMessage
from notifications.notifier import OutboxNotifier
from notifications.outbox import dispatch
from states.service import ComplaintService
from tests.receivers import SmtpSink, WebhookReceiver

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=BUSINESS_TZ)
SECRET = "s3cret-pw"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def wide_umask():
    old = os.umask(0o022)  # the usual umask: files 0644 unless made private on purpose
    yield
    os.umask(old)


def rows(db) -> list[OutboxMessage]:
    with db.reading() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_outbox_rows_name_the_channel_and_delivery_resolves_it(org_db, policy, tmp_path):
    with SmtpSink() as smtp, WebhookReceiver() as hook:
        office = hook.url().replace("json://", f"json://jiandu:{SECRET}@")
        mail = smtp.url("{contact}")  # the sink takes no login: the webhook's URL carries the secret
        settings = Settings(channels={"role:president_office": [office], "*": ["file"]},
                            complainant_email_url=mail, outbox_dir=tmp_path / "outbox", quiet_hours="")
        svc = ComplaintService(org_db, policy, now=lambda: T0.astimezone(UTC),
                               listener=OutboxNotifier(settings, policy))
        c = svc.create(window="wb-1", source="customer", category="attitude", text="x",
                       contact="kehu@example.com", at=T0)
        svc.advance(c["id"], "escalate", c["owner"], None, T0 + timedelta(minutes=30))
        with org_db.reading() as s:
            dumped = "\n".join(str(v) for row in s.execute(text("SELECT * FROM outbox_message")) for v in row)
        assert SECRET not in dumped and not any("://" in m.target for m in rows(org_db))
        targets = {(m.recipient, m.target) for m in rows(org_db)}
        assert (f"complainant:{c['id']}", "mail:kehu@example.com") in targets
        assert ("wuqing", "setting:role:president_office:0") in targets and (c["owner"], "file") in targets
        assert dispatch(org_db, settings, T0 + timedelta(minutes=31))["failed"] == 0
        assert len(hook.bodies) == 2  # zhouhua and wuqing, through the URL of the settings
        assert len(smtp.messages) == 2 and all(m["To"] == "kehu@example.com" for m in smtp.messages)
    assert all(m.status == SENT for m in rows(org_db))


def test_a_channel_changed_before_delivery_is_used_and_a_removed_one_is_an_error(org_db, policy, tmp_path):
    with WebhookReceiver() as old, WebhookReceiver() as new:
        settings = Settings(channels={"*": [old.url()]}, outbox_dir=tmp_path / "outbox", quiet_hours="")
        svc = ComplaintService(org_db, policy, listener=OutboxNotifier(settings, policy))
        svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
        moved = settings.model_copy(update={"channels": {"*": [new.url()]}})
        assert dispatch(org_db, moved, T0)["sent"] == 1
        assert (len(old.bodies), len(new.bodies)) == (0, 1)
    svc.create(window="wb-2", source="customer", category="attitude", text="y", at=T0)
    gone = settings.model_copy(update={"channels": {}})
    assert dispatch(org_db, gone, T0)["failed"] == 1
    assert "not configured any more" in rows(org_db)[-1].last_error


def test_a_row_from_before_keeps_delivering_and_loses_its_url_once_sent(org_db, tmp_path):
    with WebhookReceiver() as hook:
        url = hook.url().replace("json://", f"json://jiandu:{SECRET}@")
        with org_db.transaction() as s:
            s.add(OutboxMessage(key="jd-legacy", kind="complaint_assigned", recipient="lisi", target=url,
                                subject="s", body="b", urgent=True, status=PENDING, attempts=0,
                                next_attempt_at=T0, created_at=T0))
        assert dispatch(org_db, Settings(outbox_dir=tmp_path / "outbox"), T0)["sent"] == 1
        assert len(hook.bodies) == 1
    [row] = rows(org_db)
    assert row.status == SENT and SECRET not in row.target and row.target.startswith("json://127.0.0.1")


def test_the_database_messages_and_notices_are_owner_only(tmp_path, wide_umask):
    from core.db import Database
    from core.orgservice import load_org_file
    from jiandu.migrate import upgrade_to_head
    from tests.conftest import SAMPLE_ORG
    from workflows.runtime import Runtime

    var = tmp_path / "site" / "var"
    db = Database(f"sqlite:///{var / 'jiandu.db'}")
    upgrade_to_head(db)
    load_org_file(db, SAMPLE_ORG, datetime(2026, 11, 1, tzinfo=UTC))
    db.dispose()
    assert mode(var) == 0o700 and mode(var / "jiandu.db") == 0o600
    assert all(mode(p) == 0o600 for p in var.glob("jiandu.db*"))
    runtime = Runtime(Settings(database_url=f"sqlite:///{var / 'jiandu.db'}", outbox_dir=var / "outbox",
                               notice_dir=var / "notices", quiet_hours=""))
    c = runtime.complaints().create(window="wb-1", source="customer", category="attitude", text="x",
                                    contact="13800000000", at=T0)
    dispatch(runtime.db, runtime.settings, T0)
    assert mode(var / "outbox") == 0o700
    files = list((var / "outbox").glob("*.txt"))
    assert files and all(mode(f) == 0o600 for f in files)
    runtime.complaints().advance(c["id"], "dismiss", c["owner"], "不成立", T0 + timedelta(minutes=5))
    runtime.months().close("2026-11", "wuqing", at=datetime(2026, 12, 1, 8, 30, tzinfo=BUSINESS_TZ))
    runtime.months().publish("2026-11", "wuqing", at=datetime(2026, 12, 1, 9, 0, tzinfo=BUSINESS_TZ))
    notices = list((var / "notices").rglob("*.*"))
    assert mode(var / "notices") == 0o700 and mode(var / "notices" / "2026-11") == 0o700
    assert {n.name for n in notices} >= {"notice.html", "notice.xlsx"} and all(mode(n) == 0o600 for n in notices)
    runtime.db.dispose()


def test_the_migration_cuts_the_urls_of_sent_rows_and_keeps_those_still_to_send(db):
    from alembic import command

    from jiandu.migrate import alembic_config

    def migrate(step, revision):
        cfg = alembic_config(db.url)
        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            step(cfg, revision)

    migrate(command.downgrade, "0012")  # as the rows were written before channels were named
    url = f"json://jiandu:{SECRET}@hooks.example:8080/x?token={SECRET}"
    with db.transaction() as s:
        for key, status in (("jd-sent", SENT), ("jd-pending", PENDING)):
            s.add(OutboxMessage(key=key, kind="k", recipient="lisi", target=url, subject="s", body="b",
                                urgent=False, status=status, attempts=0, next_attempt_at=T0, created_at=T0))
    migrate(command.upgrade, "head")
    assert {m.key: m.target for m in rows(db)} == {"jd-sent": "json://hooks.example:8080/…", "jd-pending": url}
