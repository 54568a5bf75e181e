"""The outbox: enqueue inside the caller's transaction; claim, deliver and settle in batches.

    pending ──claim──▶ sending ──delivered──▶ sent
                          │  └──failed──▶ pending (later: backoff doubles) ──…──▶ dead
                          └──lease ran out (dispatcher died)──▶ claimable again

Claiming is one UPDATE over a sub-select (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; on SQLite the single statement holds the write lock), so two
dispatchers never hold the same message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from core.db import Database
from core.settings import Settings
from core.timeutil import BUSINESS_TZ, local_iso
from notifications.channels import DeliveryError, deliver, redact
from notifications.courier import mark_written
from notifications.messages import COMPLAINANT, Draft
from notifications.models import DEAD, PENDING, SENDING, SENT, OutboxMessage
from notifications.recipients import complainant_targets, people_in, person_targets, resolve_target


def enqueue(s: Session, drafts: list[Draft], settings: Settings, now: datetime) -> int:
    """Add one row per draft and channel to the caller's transaction; return how many."""
    if not drafts:  # most changes tell nobody new: no query
        return 0
    people = _recipients(s, {d.recipient for d in drafts if d.recipient != COMPLAINANT})
    rows = []
    for d in drafts:
        if d.recipient == COMPLAINANT:
            targets = complainant_targets(d.contact, settings)
        elif d.recipient in people and people[d.recipient].active:
            targets = person_targets(people[d.recipient], settings)
        else:
            targets = []
        rows += [{"key": f"jd-{uuid.uuid4().hex}", "kind": d.kind, "recipient": _recipient_label(d),
                  "target": target, "subject": d.subject, "body": d.body, "urgent": d.urgent,
                  "complaint_id": d.complaint_id, "status": PENDING, "attempts": 0,
                  "next_attempt_at": now, "created_at": now} for target in targets]
    if rows:
        # One Core INSERT for the batch, on the session's connection: the same transaction.
        s.connection().execute(insert(OutboxMessage.__table__), rows)
        mark_written(s)
    return len(rows)


def _recipients(s: Session, ids: set[str]) -> dict:
    """{person id: row (id, roles, contacts, active)} of the staff a batch of drafts names, read
    with Core once per transaction and person (a watch's batch tells the same people again)."""
    known = s.info.setdefault("outbox_recipients", {})
    missing = ids - known.keys()
    if missing:
        from core.org import Person

        p = Person.__table__
        known |= {row.id: row for row in s.connection().execute(
            select(p.c.id, p.c.roles, p.c.contacts, p.c.active).where(p.c.id.in_(missing)))}
    return {i: known[i] for i in ids if i in known}


def _recipient_label(d: Draft) -> str:
    return f"{COMPLAINANT}:{d.complaint_id}" if d.recipient == COMPLAINANT else d.recipient


def in_quiet_hours(now: datetime, quiet: str) -> bool:
    if not quiet:
        return False
    start_text, end_text = quiet.split("-")
    start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
    local = now.astimezone(BUSINESS_TZ).time()
    return (start <= local or local < end) if start > end else (start <= local < end)


@dataclass(frozen=True)
class Claimed:
    id: int
    claim: str  # the token of the claim: only its holder settles the message
    key: str
    target: str
    subject: str
    body: str
    attempts: int


def claim(db: Database, settings: Settings, now: datetime, limit: int = 100) -> list[Claimed]:
    token = uuid.uuid4().hex
    due = and_(OutboxMessage.status.in_((PENDING, SENDING)), OutboxMessage.next_attempt_at <= now)
    if in_quiet_hours(now, settings.quiet_hours):
        due = and_(due, OutboxMessage.urgent.is_(True))  # the rest waits for the morning
    pick = select(OutboxMessage.id).where(due).order_by(OutboxMessage.next_attempt_at,
                                                        OutboxMessage.id).limit(limit)
    if db.is_postgres:
        pick = pick.with_for_update(skip_locked=True)
    with db.transaction() as s:  # one statement: the claimed rows come back with the UPDATE
        rows = s.connection().execute(
            update(OutboxMessage.__table__).where(OutboxMessage.id.in_(pick.scalar_subquery()))
            .values(status=SENDING, claim=token, attempts=OutboxMessage.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=settings.outbox_lease_seconds))
            .returning(OutboxMessage.id, OutboxMessage.claim, OutboxMessage.key, OutboxMessage.target,
                       OutboxMessage.subject, OutboxMessage.body, OutboxMessage.attempts)).all()
    return sorted((Claimed(*row) for row in rows), key=lambda m: m.id)


def settle(db: Database, settings: Settings, now: datetime, results: dict[int, str | None],
           claim_token: str) -> None:
    """Record delivery results (None = delivered, else the error) in one transaction.

    Only rows still held by this claim: a dispatcher whose lease ran out while it was
    delivering must not undo what the next one did with the message.
    """
    if not results:
        return
    delivered = [i for i, error in results.items() if error is None]
    failed = [i for i, error in results.items() if error is not None]
    table = OutboxMessage.__table__
    with db.transaction() as s:
        conn = s.connection()
        if delivered:  # the usual case: one statement
            sent = conn.execute(update(table).where(table.c.id.in_(delivered), table.c.claim == claim_token)
                                .values(status=SENT, sent_at=now, last_error=None, claim=None)
                                .returning(table.c.id, table.c.target)).all()
            for message_id, target in sent:
                if "://" in target:  # a row from before channels were named: its URL not kept
                    conn.execute(update(table).where(table.c.id == message_id).values(target=redact(target)))
        if not failed:
            return
        for row in s.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(failed),
                                                         OutboxMessage.claim == claim_token)):
            error = results[row.id]
            row.claim = None
            if row.attempts >= settings.outbox_max_attempts:
                row.status, row.last_error = DEAD, error
            else:
                backoff = settings.outbox_backoff_seconds * 2 ** (row.attempts - 1)
                row.status, row.last_error = PENDING, error
                row.next_attempt_at = now + timedelta(seconds=backoff)


def dispatch(db: Database, settings: Settings, now: datetime, batch: int = 100,
             max_batches: int = 50, counts: bool = True) -> dict:
    """Deliver what is due, batch by batch; return counts (``counts`` False: of this pass only,
    without counting the whole outbox's pending and dead messages: the courier's passes)."""
    sent = failed = 0
    for _ in range(max_batches):
        claimed = claim(db, settings, now, batch)
        if not claimed:
            break
        results: dict[int, str | None] = {}
        contacts = _contacts(db, people_in([m.target for m in claimed]))
        for m in claimed:
            try:
                deliver(resolve_target(m.target, settings, contacts), m.key, m.subject, m.body, settings.outbox_dir)
                results[m.id] = None
            except DeliveryError as exc:
                results[m.id] = str(exc)
            except Exception as exc:  # noqa: BLE001 - a channel bug must not stop the batch
                results[m.id] = f"{type(exc).__name__}: {exc}"
        settle(db, settings, now, results, claimed[0].claim)
        sent += sum(e is None for e in results.values())
        failed += sum(e is not None for e in results.values())
        if len(claimed) < batch:  # nothing more was due (a later commit kicks the courier again)
            break
    if not counts:
        return {"sent": sent, "failed": failed}
    with db.reading() as s:
        dead = s.query(OutboxMessage).filter(OutboxMessage.status == DEAD).count()
        pending = s.query(OutboxMessage).filter(OutboxMessage.status.in_((PENDING, SENDING))).count()
    return {"sent": sent, "failed": failed, "pending": pending, "dead": dead}


def _contacts(db: Database, people: set[str]) -> dict[str, dict]:
    """The contacts of the people whose own channels a batch names (one query, none if nobody)."""
    if not people:
        return {}
    from core.org import Person

    with db.reading() as s:
        return dict(s.execute(select(Person.id, Person.contacts).where(Person.id.in_(people))).all())


def show(db: Database, status: str | None = None, limit: int = 200) -> list[dict]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    with db.reading() as s:
        return [{"id": m.id, "key": m.key, "kind": m.kind, "recipient": m.recipient,
                 "channel": m.target.split("://", 1)[0], "subject": m.subject, "status": m.status,
                 "urgent": m.urgent, "attempts": m.attempts, "complaint": m.complaint_id,
                 "next_attempt_at": local_iso(m.next_attempt_at), "sent_at": local_iso(m.sent_at),
                 "last_error": m.last_error} for m in s.scalars(query)]


def retry(db: Database, now: datetime, ids: list[int] | None = None) -> int:
    """Give dead (or named) messages a fresh set of tries, due now."""
    condition = OutboxMessage.id.in_(ids) if ids else OutboxMessage.status == DEAD
    with db.transaction() as s:
        result = s.execute(update(OutboxMessage)
                           .where(condition, or_(OutboxMessage.status == DEAD,
                                                 OutboxMessage.status == PENDING))
                           .values(status=PENDING, attempts=0, next_attempt_at=now, claim=None)
                           .execution_options(synchronize_session=False))
        return result.rowcount
