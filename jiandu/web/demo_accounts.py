"""Demo mode (`make run`): every person of the directory gets the demo password, listed on the
login page. Never outside demo mode: the setting JIANDU_DEMO is off by default."""

from __future__ import annotations

from sqlalchemy import select

from core.accounts import Account
from core.org import active_people


def ensure_demo_accounts(runtime) -> None:
    with runtime.db.reading() as s:
        have = set(s.scalars(select(Account.person_id)))
        missing = [p.id for p in active_people(s) if p.id not in have]
    runtime.accounts().set_demo_passwords(missing, runtime.settings.demo_password)


def demo_people(runtime) -> list[dict]:
    with runtime.db.reading() as s:
        return [{"id": p.id, "name": p.name, "roles": list(p.roles or [])} for p in active_people(s)]
