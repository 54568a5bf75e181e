"""Services built from settings, for flows and commands: the one place that wires them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from core.db import Database
from core.policy import Policy, load_policy
from core.settings import Settings, get_settings


@dataclass
class Runtime:
    settings: Settings

    @classmethod
    def from_env(cls) -> Runtime:
        return cls(get_settings())

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.resolved_database_url())

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.settings.policy_path)

    def complaints(self):
        """The complaint service, telling the outbox of every change (same transaction)."""
        from notifications.notifier import OutboxNotifier
        from states.service import ComplaintService

        return ComplaintService(self.db, self.policy, listener=OutboxNotifier(self.settings, self.policy))

    def months(self):
        from workflows.monthclose import MonthCloseService

        return MonthCloseService(self.db, self.policy, self.settings)
