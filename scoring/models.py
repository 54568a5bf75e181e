"""Tables the month reads besides complaints: praise, star nominations, published outcomes.

``month_outcome`` holds, per published month and person, whether he was the
star of a unit and whether he was rated worst: the history that streaks and
the dismissal count are computed from. The month close (workflow issue)
writes it when a month is published.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
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
