"""Demo mode (`make run`): every person of the directory gets the demo password, listed on the
login page. Never outside demo mode: the setting JIANDU_DEMO is off by default."""

from __future__ import annotations

from core.accounts import Account, AccountService
from core.org import active_people


def ensure_demo_accounts(runtime) -> None:
    with runtime.db.reading() as s:
        missing = [p.id for p in active_people(s) if s.get(Account, p.id) is None]
    accounts = AccountService(runtime.db)
    for pid in missing:  # a few dozen people at most: the sample organisation
        accounts.set_password(pid, runtime.settings.demo_password)


def demo_people(runtime) -> list[dict]:
    with runtime.db.reading() as s:
        return [{"id": p.id, "name": p.name, "roles": list(p.roles or [])} for p in active_people(s)]
