"""Services built from settings, for flows and commands: the one place that wires them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from core.db import Database
from core.policy import Policy
from core.policystore import PolicySource
from core.settings import Settings, get_settings


@dataclass
class Runtime:
    settings: Settings

    @classmethod
    def from_env(cls) -> Runtime:
        return cls(get_settings())

    @cached_property
    def db(self) -> Database:
        db = Database(self.settings.resolved_database_url())
        if self.settings.deliver_on_commit:
            self.courier.watch(db.sessions)
        return db

    @cached_property
    def courier(self):
        """Delivers what a commit of this process wrote, right after it (the sweep stays the guarantee)."""
        from notifications.courier import Courier

        def deliver():  # the outbox (and its templates) imported on the first kick: a read never loads it
            from core.timeutil import utcnow
            from notifications.outbox import dispatch

            return dispatch(self.db, self.settings, utcnow(), counts=False)

        return Courier(deliver)

    @cached_property
    def policies(self) -> PolicySource:
        return PolicySource(self.settings.policy_path)

    @property
    def policy(self) -> Policy:
        """The policy in force: the newest version saved in the console, else the file
        (core/policystore.py); a save by any process is used from this process's next call."""
        return self.policies.current(self.db)

    def notifier_for(self, policy: Policy):
        """The outbox notifier under ``policy`` (its incident steps, clocks, sources), built once per
        version: a service's changes are told under the policy the service was built with."""
        from notifications.notifier import OutboxNotifier

        cached = self.__dict__.get("_notifier")
        if cached is None or cached.policy is not policy:
            cached = self.__dict__["_notifier"] = OutboxNotifier(self.settings, policy)
        return cached

    def complaints(self, now: datetime | None = None):
        """The complaint service, telling the outbox of every change (same transaction).

        The notifier is imported on the first change only: reads stay quick. ``now``: a replay's
        own time (``--now``), at which clocks are judged; else the clock on the wall.
        """
        from states.service import ComplaintService

        kwargs = {} if now is None else {"now": lambda: now}
        policy = self.policy
        return ComplaintService(self.db, policy, listener=lambda s, event: self.notifier_for(policy)(s, event),
                                note_max_chars=self.settings.note_max_chars, **kwargs)

    def accounts(self):
        """Staff accounts with the settings' throttle and argon2 cost."""
        from core.accounts import AccountService, Throttle, hashing_for

        return AccountService(self.db, Throttle(self.settings.login_max_failures, self.settings.login_lock_seconds),
                              hashing=hashing_for(self.settings.argon2_profile))

    def months(self):
        from scoring.close import MonthCloseService

        return MonthCloseService(self.db, self.policy, self.settings)

    def personal(self):
        """A person's own record (/me): the open months so far, the published ones, his streak."""
        from scoring.personal import PersonalRecordService

        return PersonalRecordService(self.db, self.policy)

    def appeals(self):
        from appeals.service import AppealService

        return AppealService(self.db, self.policy, self.settings)
