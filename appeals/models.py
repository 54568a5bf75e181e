"""Tables of the appeal (申诉复核) of a published ledger line: the appeal, its history, its clocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime


class Appeal(Base):
    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # the published month of the line
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    # One appeal per line: a double submit must not book two refunds.
    ledger_line_id: Mapped[int] = mapped_column(Integer, unique=True)
    line: Mapped[dict] = mapped_column(JSON)  # the line as published: rule, points, money, source, reasons
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), index=True)  # filed | under_review | upheld | rejected
    reviewer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    level: Mapped[int] = mapped_column(Integer, default=0)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    adjustment_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    history: Mapped[list[AppealEvent]] = relationship(order_by="AppealEvent.id", lazy="selectin")
    clocks: Mapped[list[AppealClock]] = relationship(order_by="AppealClock.id", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class AppealEvent(Base):
    """Append-only history of an appeal."""

    __tablename__ = "appeal_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id"), index=True)
    event: Mapped[str] = mapped_column(String(20))  # file | review | uphold | reject | escalate
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, default=0)


class AppealClock(Base):
    """The review clock: the reviewer decides by ``due_at``; a break escalates and penalises."""

    __tablename__ = "appeal_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)  # running | stopped | broken
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def broken_reviews(s, month_start_utc: datetime, month_end_utc: datetime) -> list[tuple[int, str, int, datetime]]:
    """(clock id, reviewer, appeal id, deadline) of every review clock broken within [start, end):
    the reviewer's inactivity, counted in the month it broke (the month's facts)."""
    from sqlalchemy import select

    rows = s.execute(select(AppealClock.id, AppealClock.owner_id, AppealClock.appeal_id, AppealClock.ended_at)
                     .where(AppealClock.state == "broken", AppealClock.owner_id.is_not(None),
                            AppealClock.ended_at >= month_start_utc, AppealClock.ended_at < month_end_utc)
                     .order_by(AppealClock.ended_at, AppealClock.id))
    return [tuple(r) for r in rows]
