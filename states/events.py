"""What a change of a complaint tells the rest of the system.

The service hands one :class:`ComplaintChange` per change to its listener
*inside* the transaction of the change, so whatever the listener writes (the
notifications outbox) commits or rolls back with the change itself.
``states`` knows nothing of who listens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from states.clocks import RUNNING


@dataclass(frozen=True)
class ComplaintChange:
    complaint_id: int
    event: str  # receive | verify | arrive | resolve | dismiss | escalate
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    level: int
    old_owner: str | None
    new_owner: str | None
    against: str | None
    source: str
    category: str
    window: str
    unit: str
    note: str | None  # internal: never for the complainant
    contact: str | None  # the complainant's, private
    tracking_token: str
    # The due times of the clocks running after the change, by clock name: what the messages
    # promise, known here without a query (a query would flush the change half-way).
    dues: dict[str, datetime] = field(default_factory=dict)
    # What the change already read of the directory (the advance's Core path reads the names of
    # the accused and the owners, and the window's name, with the complaint): {person id: name,
    # None if not in the directory}; the listener reads only what is missing.
    names: dict[str, str | None] = field(default_factory=dict)
    window_name: str | None = None


Listener = Callable[[Session, "ComplaintChange | ClockWarning | ClockBreach | IncidentStep"], None]


def change_of(c, event: str, from_state: str | None, actor: str, at: datetime,
              old_owner: str | None, note: str | None) -> ComplaintChange:
    return ComplaintChange(
        complaint_id=c.id, event=event, from_state=from_state, to_state=c.state, actor=actor, at=at,
        level=c.level, old_owner=old_owner, new_owner=c.owner_id, against=c.against_id,
        source=c.source, category=c.category, window=c.window_code, unit=c.unit_code, note=note,
        contact=c.contact, tracking_token=c.tracking_token,
        dues={k.name: k.due_at for k in c.clocks if k.state == RUNNING},
        names=dict(getattr(c, "names", {})), window_name=getattr(c, "window_name", None))


@dataclass(frozen=True)
class ClockWarning:
    """A clock has run a warning fraction (policy clocks.warn_at) of its time."""

    complaint_id: int
    clock: str
    owner: str | None
    due: datetime
    percent: int
    at: datetime


@dataclass(frozen=True)
class ClockBreach:
    """A clock broke. ``escalated`` is False above the chairman: recorded and reported only."""

    complaint_id: int
    clock: str
    owner: str | None
    due: datetime
    level: int
    escalated: bool
    at: datetime


@dataclass(frozen=True)
class IncidentStep:
    """The quality-incident procedure opened (step "reported") or a step was completed."""

    complaint_id: int
    step: str
    label: str
    status: str  # opened | done | closed
    owner: str | None
    unit: str
    next_step: str | None
    next_label: str | None
    next_due: datetime | None
    at: datetime
