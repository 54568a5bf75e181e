"""Complaints as plain dicts: the JSON contract of the CLI and, later, the API."""

from __future__ import annotations

from datetime import datetime

from core.timeutil import local_iso
from states.clocks import RUNNING
from states.machine import Lifecycle, allowed_events
from states.models import Complaint


def lifecycle_of(c: Complaint, against_unit: str | None = None) -> Lifecycle:
    return Lifecycle(state=c.state, level=c.level, owner=c.owner_id, against=c.against_id,
                     against_unit=against_unit, verified=c.verified_at is not None,
                     arrived=c.arrived_at is not None, incident_open=c.incident_status == "open")


def complaint_dict(c: Complaint, names: dict[str, str], now: datetime,
                   private: bool = False) -> dict:
    """The complaint for staff. ``private`` adds the complainant's contact (never published)."""
    data = {
        "id": c.id,
        "state": c.state,
        "window": c.window_code,
        "unit": c.unit_code,
        "against": c.against_id,
        "against_name": names.get(c.against_id),
        "source": c.source,
        "category": c.category,
        "text": c.text,
        "owner": c.owner_id,
        "owner_name": names.get(c.owner_id),
        "level": c.level,
        "incident": c.incident_status,
        "received_at": local_iso(c.received_at),
        "verified_at": local_iso(c.verified_at),
        "closed_at": local_iso(c.closed_at),
        "version": c.version,
        "clocks": [
            {"name": k.name, "owner": k.owner_id, "started": local_iso(k.started_at),
             "due": local_iso(k.due_at), "state": k.state, "ended": local_iso(k.ended_at),
             "overdue": k.state == RUNNING and k.due_at <= now}
            for k in c.clocks
        ],
        "history": [
            {"event": h.event, "from": h.from_state, "to": h.to_state, "by": h.actor_id,
             "at": local_iso(h.at), "note": h.note, "level": h.level, "owner": h.owner_id}
            for h in c.history
        ],
        "allowed_events": allowed_events(lifecycle_of(c)),
    }
    if private:
        data["contact"] = c.contact
    return data
