"""When each background job last ran: the clock watch records its passes here, /metrics reads them.

One row per job, overwritten by every pass (an operator asks "is it running?", not for a log).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Database, UTCDateTime

CLOCK_WATCH = "clock-watch"


class JobRun(Base):
    __tablename__ = "job_run"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the wall clock when the pass ended
    as_of: Mapped[datetime] = mapped_column(UTCDateTime)  # the time the pass checked (--now replays differ)
    items: Mapped[int] = mapped_column(Integer)  # what it did: breaks for the clock watch


def record_run(db: Database, name: str, ran_at: datetime, as_of: datetime, items: int) -> None:
    values = {"ran_at": ran_at, "as_of": as_of, "items": items}
    with db.transaction() as s:
        if s.execute(update(JobRun).where(JobRun.name == name).values(**values)).rowcount:
            return
        try:
            with s.begin_nested():  # two first passes at once: the other one's row is as good
                s.execute(insert(JobRun).values(name=name, **values))
        except IntegrityError:
            pass


def last_runs(db: Database) -> dict[str, JobRun]:
    with db.reading() as s:
        return {run.name: run for run in s.scalars(select(JobRun))}
