"""Every policy version a month was scored with, kept whole: a published month is re-scored,
audited or compared with the very rules it was closed under (issue: policy changes by month)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime
from core.errors import NotFound
from core.policy import Policy, parse_policy


class PolicyRecord(Base):
    __tablename__ = "policy_record"

    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    content: Mapped[dict] = mapped_column(JSON)  # Policy.model_dump(mode="json")
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_month: Mapped[str] = mapped_column(String(7))


def record_policy(s: Session, policy: Policy, month: str, at: datetime) -> None:
    """Keep this version (once) as the month's close uses it. Two closes of different months
    under a new version may race: the insert skips a version already there."""
    if s.get(PolicyRecord, policy.version) is not None:
        return
    if s.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    s.execute(insert(PolicyRecord).values(version=policy.version, content=policy.model_dump(mode="json"),
                                          first_used_at=at, first_month=month)
              .on_conflict_do_nothing(index_elements=["version"]))


def policy_of_version(s: Session, version: str) -> Policy:
    row = s.get(PolicyRecord, version)
    if row is None:
        raise NotFound(f"policy version {version}: not recorded 未记录该政策版本")
    return parse_policy(row.content, where=f"policy {version}")


def recorded_versions(s: Session) -> list[PolicyRecord]:
    return list(s.scalars(select(PolicyRecord).order_by(PolicyRecord.first_used_at)))
