"""The outbox: messages written in the transaction of the change that causes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime

PENDING, SENDING, SENT, DEAD = "pending", "sending", "sent", "dead"


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # One key per message and channel; channels that can keep it drop a second delivery.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(100))  # person id, or complainant:<id>
    target: Mapped[str] = mapped_column(Text)  # an Apprise URL, or "file"
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    complaint_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    claim: Mapped[str | None] = mapped_column(String(32), index=True)  # the dispatcher holding it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The dispatcher asks "due and not settled": one range scan.
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
