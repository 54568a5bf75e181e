"""Messages through real servers on loopback; the outbox commits with the change; nothing lost or doubled."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.settings import Settings
from core.timeutil import BUSINESS_TZ
from notifications.models import DEAD, SENT, OutboxMessage
from notifications.notifier import OutboxNotifier
from notifications.outbox import claim, dispatch, retry
from states.models import Complaint
from states.service import ComplaintService
from tests.receivers import SmtpSink, WebhookReceiver

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=BUSINESS_TZ)


def settings_for(tmp_path, **channels) -> Settings:
    return Settings(channels=channels or {"*": ["file"]}, outbox_dir=tmp_path / "outbox",
                    outbox_backoff_seconds=10, outbox_max_attempts=3, quiet_hours="22:00-07:00",
                    public_url="https://jd.example")


def service(db, policy, settings) -> ComplaintService:
    return ComplaintService(db, policy, now=lambda: T0.astimezone(UTC),
                            listener=OutboxNotifier(settings, policy))


def outbox(db) -> list[OutboxMessage]:
    with db.reading() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_each_change_writes_the_right_messages_in_its_transaction(org_db, policy, tmp_path):
    svc = service(org_db, policy, settings_for(tmp_path))
    c = svc.create(window="wb-1", source="customer", category="attitude", text="态度差",
                   contact="13900000000", at=T0)
    assert [(m.kind, m.recipient) for m in outbox(org_db)] == [
        ("complaint_received", f"complainant:{c['id']}"), ("complaint_assigned", c["owner"])]
    received = outbox(org_db)[0]
    assert f"#{c['id']}" in received.subject and "https://jd.example/t/" in received.body
    svc.advance(c["id"], "escalate", c["owner"], "内部：未回复", T0 + timedelta(minutes=30))
    escalated = [m for m in outbox(org_db) if m.kind == "complaint_escalated"]
    assert sorted(m.recipient for m in escalated) == sorted(
        [c["owner"], "zhouhua", "wuqing", f"complainant:{c['id']}"])  # old, new, office, complainant
    assert all(m.urgent for m in escalated)
    to_complainant = next(m for m in escalated if m.recipient.startswith("complainant"))
    assert "内部" not in to_complainant.body
    svc.advance(c["id"], "verify", "zhouhua", None, T0 + timedelta(minutes=40), against="lisi")
    criticism = [m.recipient for m in outbox(org_db) if m.kind == "criticism_notice"]
    assert criticism == ["lisi", "chenjian"]  # the person and his supervisor
    svc.advance(c["id"], "arrive", "zhouhua", None, T0 + timedelta(minutes=50))
    svc.advance(c["id"], "resolve", "zhouhua", "已道歉", T0 + timedelta(minutes=60))
    resolved = [m for m in outbox(org_db) if m.kind == "complaint_resolved"]
    assert len(resolved) == 1 and "#rate" in resolved[0].body and "已道歉" not in resolved[0].body


def test_criticism_only_for_the_first_customer_complaint_of_the_month(org_db, policy, tmp_path):
    svc = service(org_db, policy, settings_for(tmp_path))
    for minutes in (0, 60):
        c = svc.create(window="wb-1", source="customer", category="attitude", text="x",
                       against="lisi", at=T0 + timedelta(minutes=minutes))
        svc.advance(c["id"], "verify", c["owner"], None, T0 + timedelta(minutes=minutes + 5))
    assert [m.recipient for m in outbox(org_db) if m.kind == "criticism_notice"] == ["lisi", "chenjian"]


def test_a_failing_listener_leaves_no_change_and_no_message(org_db, policy, tmp_path):
    notifier = OutboxNotifier(settings_for(tmp_path), policy)
    svc = ComplaintService(org_db, policy, listener=notifier)
    c = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)

    def crash(s, change):
        notifier(s, change)  # the messages are added to the session ...
        raise RuntimeError("power cut")  # ... and the process dies before the commit

    svc.listener = crash
    with pytest.raises(RuntimeError):
        svc.advance(c["id"], "dismiss", c["owner"], None, T0 + timedelta(minutes=5))
    assert svc.get(c["id"])["state"] == "received"
    assert len(outbox(org_db)) == 1  # only the assignment of the creation


def test_mail_and_webhook_through_real_servers(org_db, policy, tmp_path):
    with SmtpSink() as smtp, WebhookReceiver() as hook:
        settings = settings_for(tmp_path, fengqiang=[smtp.url("fengqiang@example.com")],
                                **{"role:president_office": [hook.url()], "*": ["file"]})
        svc = service(org_db, policy, settings)
        # Least loaded first: the first weighbridge complaint goes to fengqiang (after chenjian,
        # who heads the weighbridge and is skipped).
        c = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
        assert c["owner"] == "fengqiang"
        svc.advance(c["id"], "escalate", c["owner"], None, T0 + timedelta(minutes=30))
        counts = dispatch(org_db, settings, T0 + timedelta(minutes=31))
        assert counts["sent"] == len(outbox(org_db)) and counts["failed"] == 0
        subjects = sorted(str(m["Subject"]) for m in smtp.messages)
        n = c["id"]
        assert subjects == [f"【监督·升级】投诉 #{n} 已升级至总执行 / Complaint #{n} escalated to chief executor",
                            f"【监督】新投诉 #{c['id']} 分派给您 / Complaint #{c['id']} assigned to you"]
        body = smtp.messages[0].get_body().get_content()
        assert "及时回复截止" in body and "Respond by" in body
        assert all(m["X-Jiandu-Key"].startswith("jd-") for m in smtp.messages)
        assert len(hook.bodies) == 2  # zhouhua and wuqing are the president's office
        assert all("已升级" in b["title"] and b["idempotency_key"].startswith("jd-") for b in hook.bodies)
    assert all(m.status == SENT for m in outbox(org_db))


def test_receiver_failing_then_recovering_gets_each_message_once(org_db, policy, tmp_path):
    with WebhookReceiver(fail_first=2) as hook:
        settings = settings_for(tmp_path, **{"*": [hook.url()]})
        svc = service(org_db, policy, settings)
        svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
        svc.create(window="wb-2", source="customer", category="attitude", text="y", at=T0)
        first = dispatch(org_db, settings, T0)
        assert (first["sent"], first["failed"]) == (0, 2)
        assert dispatch(org_db, settings, T0 + timedelta(seconds=5))["sent"] == 0  # backing off
        second = dispatch(org_db, settings, T0 + timedelta(seconds=11))
        assert second["sent"] == 2
        keys = {m.key for m in outbox(org_db)}
        assert set(hook.accepted) == keys and len(hook.bodies) == 4


def test_lost_answer_retry_carries_the_same_key(org_db, policy, tmp_path):
    # The receiver takes the message but answers after the client gave up (rto=1 s).
    with WebhookReceiver(slow_first=1, delay=2.5) as hook:
        settings = settings_for(tmp_path, **{"*": [hook.url("?rto=1&cto=1")]})
        svc = service(org_db, policy, settings)
        svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
        assert dispatch(org_db, settings, T0)["failed"] == 1
        assert dispatch(org_db, settings, T0 + timedelta(seconds=11))["sent"] == 1
        keys = [h["X-Jiandu-Key"] for h in hook.headers]
        assert len(keys) == 2 and keys[0] == keys[1]   # the retry is recognisable ...
        assert len(hook.accepted) == 1                 # ... and kept once by the receiver


def test_receiver_never_recovering_dead_letters_with_the_error(org_db, policy, tmp_path):
    with WebhookReceiver(always_fail=True) as hook:
        settings = settings_for(tmp_path, **{"*": [hook.url()]})
        svc = service(org_db, policy, settings)
        svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
        now = T0
        for _ in range(3):
            dispatch(org_db, settings, now)
            now += timedelta(minutes=5)
        [message] = outbox(org_db)
        assert message.status == DEAD and message.attempts == 3
        assert "503" in message.last_error or "json://127.0.0.1" in message.last_error
        assert retry(org_db, now) == 1
        assert outbox(org_db)[0].status == "pending"


def test_quiet_hours_hold_routine_messages_not_escalations(org_db, policy, tmp_path):
    settings = settings_for(tmp_path)
    svc = service(org_db, policy, settings)
    night = datetime(2026, 11, 3, 23, 0, tzinfo=BUSINESS_TZ)
    c = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=night)
    svc.advance(c["id"], "escalate", c["owner"], None, night + timedelta(minutes=30))
    dispatch(org_db, settings, night + timedelta(minutes=31))
    sent = {m.kind for m in outbox(org_db) if m.status == SENT}
    assert sent == {"complaint_escalated"}
    morning = datetime(2026, 11, 4, 7, 0, tzinfo=BUSINESS_TZ)
    dispatch(org_db, settings, morning)
    assert all(m.status == SENT for m in outbox(org_db))
    assert len(list((tmp_path / "outbox").glob("jd-*.txt"))) == len(outbox(org_db))


def test_two_dispatchers_never_claim_the_same_message(org_db, policy, tmp_path):
    settings = settings_for(tmp_path)
    svc = service(org_db, policy, settings)
    for i in range(20):
        svc.create(window="wb-1", source="customer", category="attitude", text=f"{i}", at=T0)
    claims: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def worker(i):
        barrier.wait()
        while batch := claim(org_db, settings, T0, limit=3):
            claims[i].extend(m.id for m in batch)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = claims[0] + claims[1]
    assert len(everything) == len(set(everything)) == 20


def test_nothing_is_lost_between_the_change_and_the_dispatch(org_db, policy, tmp_path):
    settings = settings_for(tmp_path)
    svc = service(org_db, policy, settings)
    svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
    # A dispatcher claimed the message and died before settling it: after the lease it is due again.
    [taken] = claim(org_db, settings, T0)
    assert claim(org_db, settings, T0 + timedelta(seconds=10)) == []
    later = T0 + timedelta(seconds=settings.outbox_lease_seconds + 1)
    assert dispatch(org_db, settings, later)["sent"] == 1
    [message] = outbox(org_db)
    assert message.key == taken.key and message.status == SENT and message.attempts == 2
    with org_db.reading() as s:
        assert s.scalar(select(func.count()).select_from(Complaint)) == 1


def test_a_dispatcher_whose_lease_ran_out_does_not_undo_the_next_one(org_db, policy, tmp_path):
    from notifications.outbox import settle

    settings = settings_for(tmp_path)
    service(org_db, policy, settings).create(window="wb-1", source="customer", category="attitude",
                                             text="x", at=T0)
    [slow] = claim(org_db, settings, T0)                       # A claims, then stalls
    later = T0 + timedelta(seconds=settings.outbox_lease_seconds + 1)
    [fast] = claim(org_db, settings, later)                    # B reclaims after the lease
    settle(org_db, settings, later, {fast.id: None}, fast.claim)
    settle(org_db, settings, later, {slow.id: "timeout"}, slow.claim)  # A wakes up late
    [message] = outbox(org_db)
    assert message.status == SENT and message.last_error is None


def test_a_message_from_before_channels_were_named_keeps_no_url_once_sent(org_db, policy, tmp_path):
    """Its target is the channel's URL itself (tokens and passwords in it): settled as delivered,
    only scheme and host stay; delivered and failed in one settle, each gets its own outcome."""
    from sqlalchemy import update

    from notifications.channels import redact
    from notifications.outbox import settle

    settings = settings_for(tmp_path)
    svc = service(org_db, policy, settings)
    for text in ("x", "y"):
        svc.create(window="wb-1", source="customer", category="attitude", text=text, at=T0)
    url = "json://127.0.0.1:9/hook?token=SECRET"
    with org_db.transaction() as s:
        s.execute(update(OutboxMessage).values(target=url))
    claimed = claim(org_db, settings, T0)
    assert len(claimed) >= 2
    done, broken = claimed[0], claimed[1]
    settle(org_db, settings, T0, {done.id: None, broken.id: "refused"}, done.claim)
    by_id = {m.id: m for m in outbox(org_db)}
    assert (by_id[done.id].status, by_id[done.id].target, by_id[done.id].claim) == (SENT, redact(url), None)
    assert "SECRET" not in by_id[done.id].target
    failed = by_id[broken.id]
    assert (failed.status, failed.last_error, failed.target) == ("pending", "refused", url)


MARKUP_TEXT = '客户写道：<a href="http://evil.example/">点此退款</a>\n<img src=x onerror=alert(1)>\n3 < 4 & 5\n'


def test_a_mail_carries_the_text_as_plain_text_never_as_html(tmp_path):
    """A complaint's text in a supervisor's mail: Apprise sent it as the HTML part unless told it is text."""
    from notifications.channels import deliver

    with SmtpSink() as smtp:
        deliver(smtp.url("fengqiang@example.com"), "jd-1", "【监督】新投诉 #1", MARKUP_TEXT, tmp_path)
    (mail,) = smtp.messages
    assert [part.get_content_type() for part in mail.walk()] == ["text/plain"]
    assert mail.get_content().replace("\r\n", "\n") == MARKUP_TEXT  # as written (mail lines end in CRLF)


def test_a_complainants_contact_reaches_one_address_only(tmp_path):
    """The contact is the complainant's own text: a list in it must not make Jiandu mail others."""
    from notifications.channels import FILE
    from notifications.recipients import complainant_targets, resolve_target

    with SmtpSink() as smtp:
        settings = Settings(complainant_email_url=smtp.url("{contact}"))
        assert complainant_targets("kehu@example.com", settings) == ["mail:kehu@example.com"]  # no URL kept
        assert resolve_target("mail:kehu@example.com", settings, {}) == smtp.url("kehu@example.com")
        for contact in ("kehu@example.com,other@example.com", "kehu@example.com other@example.com",
                        "kehu@example.com;other@example.com", "kehu@example.com&bcc=other@example.com",
                        "kehu@example.com\nother@example.com"):
            assert complainant_targets(contact, settings) == [FILE], contact
