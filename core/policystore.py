"""The policy in force, kept in the database once the president's office changes it (issue 13.3).

Until the first change the policy is the file (``config/policy.toml`` or ``JIANDU_POLICY_PATH``).
A change saved in the console (or ``jiandu policy save``) is a new row of ``policy_version``: the
whole policy, the month it applies from (the next open month: the one after the newest published
month), who saved it and when. The first save also stores the file's policy as the first row
(applies from the start), so that the database alone says which rules scored which month.

Every process reads the newest row (:class:`PolicySource`, one indexed query): the web, the CLI
and the Prefect flows use a saved change from their next request, command or run, without a
restart. A month is closed under the newest version that applies to it (:func:`policy_for_month`);
a published month keeps the version it was closed under (``policy_record``).
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy import JSON, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, Database, UTCDateTime
from core.policy import Policy, load_policy, parse_policy


class PolicyVersion(Base):
    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(20))
    content: Mapped[dict] = mapped_column(JSON)  # Policy.model_dump(mode="json")
    # YYYY-MM: the first month closed under it; None: every month (the file's first version, or
    # a change saved before any month was published).
    applies_from: Mapped[str | None] = mapped_column(String(7), nullable=True)
    saved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # None: the file
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    based_on: Mapped[str | None] = mapped_column(String(20), nullable=True)  # the version it changed


FILE_ACTOR = None  # saved_by of the file's first version
_NEWEST_ID = select(func.max(PolicyVersion.__table__.c.id))


def newest(s: Session) -> PolicyVersion | None:
    return s.scalar(select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(1))


def versions(s: Session) -> list[PolicyVersion]:
    return list(s.scalars(select(PolicyVersion).order_by(PolicyVersion.id)))


def as_policy(row: PolicyVersion) -> Policy:
    return parse_policy(row.content, where=f"policy_version {row.id}")


def policy_for_month(s: Session, month: str) -> Policy | None:
    """The version a close of ``month`` uses: the newest saved one that applies to it; None while
    nothing was saved (the caller's policy, the file, applies)."""
    row = s.scalar(select(PolicyVersion)
                   .where((PolicyVersion.applies_from.is_(None)) | (PolicyVersion.applies_from <= month))
                   .order_by(PolicyVersion.id.desc()).limit(1))
    return as_policy(row) if row is not None else None


def store_version(s: Session, policy: Policy, *, applies_from: str | None, by: str, at: datetime,
                  base: Policy, note: str | None = None) -> PolicyVersion:
    """A new version in force from ``applies_from``; on the first save, ``base`` (the file's policy)
    is stored first, as the version of every earlier month."""
    if newest(s) is None:
        s.add(PolicyVersion(version=base.version, content=base.model_dump(mode="json"), applies_from=None,
                            saved_by=FILE_ACTOR, saved_at=at, note=None, based_on=None))
        s.flush()
    row = PolicyVersion(version=policy.version, content=policy.model_dump(mode="json"), applies_from=applies_from,
                        saved_by=by, saved_at=at, note=note, based_on=base.version)
    s.add(row)
    s.flush()
    return row


class PolicySource:
    """The policy in force for one process: the newest saved version, else the file.

    ``current()`` asks the database for the newest row's id (one indexed query) and parses a
    version once; a save by any process is seen on the next call."""

    def __init__(self, path: str | Path | None):
        self.path = path
        self._file: Policy | None = None
        self._parsed: dict[int, Policy] = {}
        self._lock = threading.Lock()

    def file_policy(self) -> Policy:
        if self._file is None:
            self._file = load_policy(self.path)
        return self._file

    def current(self, db: Database) -> Policy:
        with db.core_reading() as conn:  # every request asks: a plain row, no session
            newest_id = conn.execute(_NEWEST_ID).scalar()
        if newest_id is None:
            return self.file_policy()
        cached = self._parsed.get(newest_id)
        if cached is not None:
            return cached
        with db.reading() as s:
            policy = as_policy(s.get(PolicyVersion, newest_id))
        with self._lock:
            self._parsed = {newest_id: policy}  # only the newest is ever asked for again
        return policy
