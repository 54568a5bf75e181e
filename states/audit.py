"""The replay audit (回放审计): rebuild every complaint from its history and compare.

Each complaint is replayed from its append-only history (``states.replay``, pure) and the
result compared field by field with the stored complaint row and its clock rows. With a closed
month, the month's facts are rebuilt from the replayed complaints (as ``read_month_facts``
reads them from the rows), scored with the policy version the month was closed under, and
compared with the stored result and every ledger line. Nothing is written.

Complaints are read in batches by id (history and clocks by ``selectin``: three queries a
batch), in one read transaction (PostgreSQL: repeatable read, one snapshot).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.db import Database
from core.errors import NotFound
from core.memory import without_cyclic_gc
from core.org import Window
from core.policy import Policy, PolicyError
from core.policyrecord import policy_of_version
from core.timeutil import BUSINESS_TZ, local_iso, month_bounds
from scoring import parse_facts, result_to_json, score_month
from scoring.close import without_lines
from scoring.facts import month_people, read_month_facts
from scoring.model import Breach, Person
from scoring.model import Complaint as FactComplaint
from scoring.models import LedgerLine, MonthClose
from states.clocks import BROKEN
from states.models import Complaint, ComplaintEvent
from states.replay import Receipt, Replayed, Step, replay

# (what, stored attribute, replayed attribute)
COMPLAINT_FIELDS = (
    ("state", "state", "state"), ("owner", "owner_id", "owner"), ("level", "level", "level"),
    ("against", "against_id", "against"), ("received_at", "received_at", "received_at"),
    ("verified_at", "verified_at", "verified_at"), ("arrived_at", "arrived_at", "arrived_at"),
    ("closed_at", "closed_at", "closed_at"),
    ("verified_supervisor", "verified_supervisor_id", "verified_supervisor"),
    ("verified_leader", "verified_leader_id", "verified_leader"),
    ("incident", "incident_status", "incident_status"),
)
CLOCK_FIELDS = (("owner", "owner_id", "owner"), ("level", "level", "level"),
                ("started_at", "started_at", "started_at"), ("due_at", "due_at", "due_at"),
                ("state", "state", "state"), ("ended_at", "ended_at", "ended_at"))
LEDGER_FIELDS = ("rule", "points", "money", "source", "reason_zh", "reason_en", "at")
_MISSING = object()


class AuditService:
    def __init__(self, db: Database, policy: Policy, batch: int = 500):
        self.db, self.policy, self.batch = db, policy, batch

    def replay(self, month: str | None = None) -> dict:
        bounds = month_bounds(month) if month is not None else None  # refuses a malformed month
        differences: list[dict] = []
        month_facts = _MonthPart(bounds) if bounds else None
        with self.db.reading() as s:
            if self.db.is_postgres:  # one snapshot for the complaints and the month
                s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            calendars = dict(s.execute(select(Window.code, Window.calendar)).all())
            checked = 0
            for rows in self._batches(s, bounds):
                for c in rows:
                    r = replay(steps_of(c), Receipt(c.received_at, calendars.get(c.window_code),
                                                    self.policy.clocks, self.policy.incident.steps))
                    differences += complaint_differences(c, r)
                    if month_facts is not None:
                        month_facts.take(c, r)
                checked += len(rows)
                s.expunge_all()
            status = None
            if month_facts is not None:
                row = s.get(MonthClose, month)
                if row is not None:
                    status = row.status
                    differences += self._month_differences(s, row, month_facts)
        return {"month": month, "month_status": status, "complaints_checked": checked,
                "differences": differences, "ok": not differences}

    def _batches(self, s: Session, bounds: tuple[datetime, datetime] | None):
        """Complaints by id; with a month, those received before its end with a step on or after
        its start (a clock that ends in the month ends at a step or at a deadline after one)."""
        last = 0
        while True:
            query = select(Complaint).where(Complaint.id > last).order_by(Complaint.id).limit(self.batch)
            if bounds is not None:
                start, end = bounds
                query = query.where(Complaint.received_at < end,
                                    exists().where(ComplaintEvent.complaint_id == Complaint.id,
                                                   ComplaintEvent.at >= start))
            rows = list(s.scalars(query))
            if not rows:
                return
            last = rows[-1].id
            yield rows

    # ---- the month --------------------------------------------------------------------------

    def _month_policy(self, s: Session, version: str) -> tuple[Policy | None, str]:
        try:
            return policy_of_version(s, version), ""
        except (NotFound, PolicyError) as exc:
            if version == self.policy.version:
                return self.policy, ""
            return None, str(exc)

    def _month_differences(self, s: Session, row: MonthClose, part: _MonthPart) -> list[dict]:
        month = row.month
        policy, why = self._month_policy(s, row.policy_version)
        if policy is None:
            return [_diff(f"month {month} policy", row.policy_version, f"cannot be read 无法读取: {why}")]
        facts = part.facts(s, read_month_facts(s, month), people_then(row))
        with without_cyclic_gc():  # a whole month scored again: millions of acyclic objects (core.memory)
            replayed = json.loads(json.dumps(result_to_json(score_month(facts, policy)), ensure_ascii=False))
        out = list(json_differences(f"month {month}", row.result, without_lines(replayed)))
        out += ledger_differences(s, month, replayed)
        return out


class _MonthPart:
    """The replayed complaints' share of a month's facts, as ``read_month_facts`` selects them."""

    def __init__(self, bounds: tuple[datetime, datetime]):
        self.start, self.end = bounds
        self.complaints: list[FactComplaint] = []
        self.breaches: list[Breach] = []

    def take(self, c: Complaint, r: Replayed) -> None:
        against = c.against_id if "against" in r.unrecorded else r.against
        supervisor, leader = (
            (c.verified_supervisor_id, c.verified_leader_id)
            if "verified_supervisor" in r.unrecorded else (r.verified_supervisor, r.verified_leader))
        if (r.verified_at is not None and self.start <= r.verified_at < self.end
                and r.state != "dismissed" and against is not None):
            self.complaints.append(FactComplaint(str(c.id), against, c.source, c.category,
                                                 r.verified_at.astimezone(BUSINESS_TZ), supervisor, leader))
        stored_ids = [k.id for k in c.clocks]
        for i, k in enumerate(r.clocks):
            if (k.state == BROKEN and k.owner is not None and k.ended_at is not None
                    and self.start <= k.ended_at < self.end):
                kid = stored_ids[i] if i < len(stored_ids) else f"{c.id}.{i + 1}?"
                self.breaches.append(Breach(f"k{kid}", k.owner, str(c.id), k.name,
                                            k.ended_at.astimezone(BUSINESS_TZ)))

    def facts(self, s: Session, stored, people: tuple[Person, ...] | None):
        """The stored facts with the complaints and clock breaches replaced by the replayed ones;
        praise, nominations, adjustments, spot checks and history as the month reads them; the
        people as the close scored them (``people``), else as the directory says now."""
        complaints = sorted(self.complaints, key=lambda c: (c.verified_at, int(c.id)))
        others = [b for b in stored.breaches if not b.id.startswith("k")]
        breaches = tuple(sorted(self.breaches + others, key=lambda b: (b.at, b.id)))
        referenced = ({c.against for c in complaints} | {b.owner for b in breaches}
                      | {a.person for a in stored.adjustments})
        if people is None:
            people = month_people(s, referenced)
        elif missing := referenced - {p.id for p in people}:
            # Someone the replay names whom the close did not score: from the directory, so that
            # the month still scores and the difference shows.
            people = tuple(sorted([*people, *(p for p in month_people(s, missing) if p.id in missing)],
                                  key=lambda p: p.id))
        return replace(stored, people=people, complaints=tuple(complaints), breaches=breaches)


def people_then(row: MonthClose) -> tuple[Person, ...] | None:
    """The people as the month's close scored them (its facts, kept whole), so that the audit
    of a month does not change when someone leaves or moves later; None for a close that kept
    no facts."""
    if not row.facts:
        return None
    facts = json.loads(row.facts) if isinstance(row.facts, str) else row.facts
    return parse_facts(facts).people


# ---- comparisons ------------------------------------------------------------------------------


def steps_of(c: Complaint) -> list[Step]:
    return [Step(h.event, h.from_state, h.to_state, h.actor_id, h.at, h.note, h.level, h.owner_id, h.data)
            for h in c.history]


def _plain(value):
    if value is _MISSING:
        return None
    return local_iso(value) if isinstance(value, datetime) else value


def _diff(what: str, stored, replayed) -> dict:
    return {"what": what, "stored": _plain(stored), "replayed": _plain(replayed)}


def complaint_differences(c: Complaint, r: Replayed) -> list[dict]:
    out = []
    for what, stored_attr, replayed_attr in COMPLAINT_FIELDS:
        if replayed_attr in r.unrecorded:
            continue
        stored, replayed = getattr(c, stored_attr), getattr(r, replayed_attr)
        if stored != replayed:
            out.append(_diff(f"complaint #{c.id} {what}", stored, replayed))
    for p in r.problems:
        out.append(_diff(f"complaint #{c.id} history {p.step + 1} ({p.event}) {p.what}", p.recorded, p.replayed))
    stored_clocks = list(c.clocks)
    if len(stored_clocks) != len(r.clocks):
        out.append(_diff(f"complaint #{c.id} clocks", len(stored_clocks), len(r.clocks)))
    for i, (k, rk) in enumerate(zip(stored_clocks, r.clocks, strict=False), start=1):
        if k.name != rk.name:
            out.append(_diff(f"complaint #{c.id} clock {i} name", k.name, rk.name))
            continue
        for what, stored_attr, replayed_attr in CLOCK_FIELDS:
            stored, replayed = getattr(k, stored_attr), getattr(rk, replayed_attr)
            if stored != replayed:
                out.append(_diff(f"complaint #{c.id} clock {i} ({k.name}) {what}", stored, replayed))
    return out


def json_differences(prefix: str, stored, replayed, path: str = ""):
    """Leaf by leaf: dict keys by name, list items by position; ``what`` = prefix and the path."""
    if isinstance(stored, dict) and isinstance(replayed, dict):
        for key in sorted(set(stored) | set(replayed)):
            yield from json_differences(prefix, stored.get(key, _MISSING), replayed.get(key, _MISSING),
                                        f"{path}.{key}" if path else str(key))
    elif isinstance(stored, list) and isinstance(replayed, list):
        for i in range(max(len(stored), len(replayed))):
            yield from json_differences(prefix, stored[i] if i < len(stored) else _MISSING,
                                        replayed[i] if i < len(replayed) else _MISSING, f"{path}[{i}]")
    elif stored is _MISSING or replayed is _MISSING or stored != replayed:
        yield _diff(f"{prefix} {path}".rstrip(), stored, replayed)


def ledger_differences(s: Session, month: str, replayed: dict) -> list[dict]:
    """The ledger_line rows, per person in id order, against the replayed result's lines."""
    stored: dict[str, list[LedgerLine]] = defaultdict(list)
    for ln in s.scalars(select(LedgerLine).where(LedgerLine.month == month).order_by(LedgerLine.id)):
        stored[ln.person_id].append(ln)
    out = []
    for pid in sorted(set(stored) | set(replayed["people"])):
        rows = stored.get(pid, [])
        lines = replayed["people"].get(pid, {}).get("lines", [])
        for i in range(max(len(rows), len(lines))):
            what = f"ledger {month} {pid} line {i + 1}"
            if i >= len(rows) or i >= len(lines):
                row = {f: getattr(rows[i], f) for f in LEDGER_FIELDS} if i < len(rows) else None
                out.append(_diff(what, row, {f: lines[i][f] for f in LEDGER_FIELDS} if i < len(lines) else None))
                continue
            for f in LEDGER_FIELDS:
                if getattr(rows[i], f) != lines[i][f]:
                    out.append(_diff(f"{what} {f}", getattr(rows[i], f), lines[i][f]))
    return out
