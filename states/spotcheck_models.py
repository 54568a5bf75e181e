"""Tables of the spot checks (抽查督查), and the set-based read scoring needs.

``spot_check_plan`` holds one row per planned month: the seed and the inputs
the plan was drawn from, so an auditor can draw it again; its primary key makes
planning a month twice impossible. ``spot_check`` holds one check per window.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import labels
from core.db import Base, UTCDateTime

STATUSES = {status: zh for status, (zh, _) in labels.SPOT_CHECK_STATUS.items()}  # core/labels.py


class SpotCheckPlan(Base):
    __tablename__ = "spot_check_plan"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    seed: Mapped[int] = mapped_column(Integer)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the plan was drawn
    # The sorted inputs of plan_month: [[code, unit, n_items]…] and [[person, [units headed]]…]
    windows: Mapped[list] = mapped_column(JSON, default=list)
    inspectors: Mapped[list] = mapped_column(JSON, default=list)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SpotCheck(Base):
    __tablename__ = "spot_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[str] = mapped_column(ForeignKey("spot_check_plan.month"))
    window_code: Mapped[str] = mapped_column(ForeignKey("service_window.code"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"))
    inspector_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seed: Mapped[int] = mapped_column(Integer)
    # The position's commitments when planned: the checklist does not move under the inspector.
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10))  # planned | done | missed
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict | None] = mapped_column(JSON)  # {"1": "pass", "2": "fail", …}
    findings: Mapped[list | None] = mapped_column(JSON)  # complaint ids of the failed items
    note: Mapped[str | None] = mapped_column(Text)
    # Set once, when the check is first known to be late (missed watch, or a late record):
    # the breach of the inspector stands even if the check is recorded afterwards.
    missed_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("month", "window_code", name="uq_spot_check_month_window"),
                      Index("ix_spot_check_status_due", "status", "due_at"))


def missed_checks(s: Session, month_start_utc: datetime,
                  month_end_utc: datetime) -> list[tuple[int, str, datetime]]:
    """(check id, inspector, due) of every check not done in time, due within [start, end).

    One indexed query for the month's facts: a late check is a breach of its inspector,
    counted in the month it was due, whether or not it was recorded later.
    """
    rows = s.execute(select(SpotCheck.id, SpotCheck.inspector_id, SpotCheck.due_at)
                     .where(SpotCheck.missed_recorded_at.is_not(None),
                            SpotCheck.due_at >= month_start_utc, SpotCheck.due_at < month_end_utc)
                     .order_by(SpotCheck.due_at, SpotCheck.id))
    return [(cid, inspector, due) for cid, inspector, due in rows]
