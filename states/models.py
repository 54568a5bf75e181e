"""Tables of the complaint life cycle: the complaint, its append-only history, its clocks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime

SOURCES = {"customer": "客户投诉", "coordination": "部门协调投诉", "spot_check": "抽查发现"}
CATEGORIES = {"attitude": "服务态度/工作状态", "dispute": "争执/吵嘴/谩骂", "other": "其他"}


class Complaint(Base):
    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    source: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    window_code: Mapped[str] = mapped_column(ForeignKey("service_window.code"))
    # The window's unit at intake: windows may move, the complaint stays where it was made.
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    against_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200))  # private: never published
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), index=True)
    level: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Reporting line at verification: penalties go to who was in charge then (rules.md §1).
    verified_supervisor_id: Mapped[str | None] = mapped_column(String(64))
    verified_leader_id: Mapped[str | None] = mapped_column(String(64))
    # Quality-incident procedure (seed 二.5): None, "open" or "closed".
    incident_status: Mapped[str | None] = mapped_column(String(10))
    # The complainant's private tracking link (128 bits and more).
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    history: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", lazy="selectin")
    clocks: Mapped[list[Clock]] = relationship(
        back_populates="complaint", order_by="Clock.id", lazy="selectin")

    # Optimistic locking: an UPDATE carries "WHERE version = :seen"; the loser gets StaleDataError.
    __mapper_args__ = {"version_id_col": version}


class ComplaintEvent(Base):
    """Append-only history: who did what, when, from which state to which."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    event: Mapped[str] = mapped_column(String(40))  # a machine event, receive, or incident:<step>
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer, default=0)
    owner_id: Mapped[str | None] = mapped_column(String(64))
    # What the step decided beyond state and owner, so a replay needs the history alone:
    # {"against": id, "supervisor": id, "leader": id} on verify; {"against": id} when set.
    data: Mapped[dict | None] = mapped_column(JSON)

    complaint: Mapped[Complaint] = relationship(back_populates="history")


class Clock(Base):
    __tablename__ = "complaint_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))  # respond | on_site | resolve | escalation | incident:<step>
    owner_id: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(20))  # running | stopped | replaced | broken
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the owner is next warned (policy clocks.warn_at); None when no warning is left.
    next_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    complaint: Mapped[Complaint] = relationship(back_populates="clocks")

    # The clock watch asks "running and due" and "running and to be warned": index range scans.
    __table_args__ = (Index("ix_clock_state_due", "state", "due_at"),
                      Index("ix_clock_state_warn", "state", "next_warn_at"))


class ComplaintRating(Base):
    """The complainant's satisfaction with a resolved complaint (tracking page): once per complaint."""

    __tablename__ = "complaint_rating"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    score: Mapped[int] = mapped_column(Integer)  # 1 (very unsatisfied) … 5 (very satisfied)
    comment: Mapped[str | None] = mapped_column(Text)
    # A window person the complainant praised with the rating (feeds the service star).
    praised_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ComplaintPhoto(Base):
    """A photo taken on arrival (到场照片); staff-only, never on a public page."""

    __tablename__ = "complaint_photo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_event.id"))
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    by_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class FormNonce(Base):
    """A public form's one-time nonce (the intake, the complainant's escalate): the primary key
    makes a doubled or resent post act once, however close together the two arrive."""

    __tablename__ = "form_nonce"

    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
