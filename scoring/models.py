"""Tables the month reads besides complaints: praise, star nominations, published outcomes.

``month_outcome`` holds, per published month and person, whether he was the
star of a unit and whether he was rated worst: the history that streaks and
the dismissal count are computed from. The month close (workflow issue)
writes it when a month is published.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime


class Praise(Base):
    __tablename__ = "praise"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    by_id: Mapped[str] = mapped_column(String(64))  # a person, or "complainant" (satisfaction)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str | None] = mapped_column(Text)


class StarNomination(Base):
    """The supervision team's choice of a unit's service star for a month (one per unit)."""

    __tablename__ = "star_nomination"
    __table_args__ = (UniqueConstraint("month", "unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7))
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    by_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class MonthOutcome(Base):
    __tablename__ = "month_outcome"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    star_unit: Mapped[str | None] = mapped_column(String(64))
    worst: Mapped[bool] = mapped_column(Boolean, default=False)


class MonthClose(Base):
    """A month's close: a draft (replaced by every close) until it is published, then frozen."""

    __tablename__ = "month_close"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # draft | published
    policy_version: Mapped[str] = mapped_column(String(20))
    facts_digest: Mapped[str] = mapped_column(String(64))  # what the ledger was computed from
    # What the draft's ledger_line rows were made from: the facts digest, the policy version and
    # the scoring code (scoring.close.ledger_key); a re-close that would make the same rows keeps them.
    ledger_of: Mapped[str | None] = mapped_column(String(64))
    # The `jiandu score` JSON of the month without the people's lines: those are the ledger_line
    # rows (a large month's lines would make this one value gigabytes; see month_view).
    result: Mapped[dict] = mapped_column(JSON)
    # The draft before this one, so the president's office sees what a re-close changed.
    previous_result: Mapped[dict | None] = mapped_column(JSON)
    # The facts as scored (facts JSON, docs/scoring.md): what-if and audit start from them.
    facts: Mapped[dict | None] = mapped_column(JSON)
    drafts: Mapped[int] = mapped_column(Integer, default=0)
    closed_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LedgerLine(Base):
    """One line of a month's ledger, queryable (the result JSON holds the same lines)."""

    __tablename__ = "ledger_line"
    # Every query names the month (a month's lines; a person's lines of the published months):
    # one index serves them, and a close maintains one index, not two (migration 0017).
    __table_args__ = (Index("ix_ledger_line_month_person", "month", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7))
    person_id: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(40))
    points: Mapped[int] = mapped_column(Integer)
    money: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(100))
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    # The line's time as the result JSON gives it (ISO 8601, Asia/Shanghai), or None.
    at: Mapped[str | None] = mapped_column(String(40))


class LedgerPerson(Base):
    """A digest of one person's lines in a month's draft ledger: a re-close rewrites the lines of
    only the people whose digest changed (scoring.close.write_ledger; migration 0018)."""

    __tablename__ = "ledger_person"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(32))


class Adjustment(Base):
    """A correction of a published month, booked in an open month (rules.md §4)."""

    __tablename__ = "adjustment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"))
    points: Mapped[int] = mapped_column(Integer)
    corrects: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
