"""A month's facts from the database: the only module of ``scoring`` that reads it.

A handful of set-based queries (people, units, complaints, breaches, praise,
nominations, history), never one query per person. Times are compared in UTC
against the month's bounds in Asia/Shanghai.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from operator import itemgetter

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from appeals.models import broken_reviews
from core.errors import InvalidInput
from core.memory import without_cyclic_gc
from core.org import Person as PersonRow
from core.org import Unit, Window
from core.timeutil import BUSINESS_TZ, month_bounds
from scoring.facts_json import FactsError, check_people
from scoring.model import Adjustment, Breach, Complaint, MonthFacts, Person
from scoring.models import Adjustment as AdjustmentRow
from scoring.models import MonthOutcome, Praise, StarNomination
from states.clocks import BROKEN, STOPPED
from states.models import Clock
from states.models import Complaint as ComplaintRow
from states.spotcheck_models import missed_checks


def read_month_facts(s: Session, month: str) -> MonthFacts:
    with without_cyclic_gc():  # a million complaints are a million objects (core.memory)
        return _read_month_facts(s, month)


def read_person_facts(s: Session, month: str, person_id: str) -> MonthFacts:
    """The part of a month's facts that decides one person's own lines (``/me``), read for him:
    the complaints against him, against the people whose complaints charge him as supervisor or
    leader, and against everyone of his unit (the star); his breaches, adjustments and kept
    deadlines; his unit's praise and nomination. ``score_month`` over them gives his lines as over
    the whole month (tests/integration/test_person_facts.py); other people's lines in the result
    are partial and are not to be read."""
    with without_cyclic_gc():
        return _read_month_facts(s, month, person_id)


def _read_month_facts(s: Session, month: str, person: str | None = None) -> MonthFacts:
    start, end = month_bounds(month)
    scope = None if person is None else _Scope(s, person, start, end)
    complaints = _complaints(s, start, end, scope)
    breaches = _breaches(s, start, end)
    adjustments = tuple(
        Adjustment(person=a.person_id, points=a.points, corrects=a.corrects, reason=a.reason)
        for a in s.scalars(select(AdjustmentRow).where(AdjustmentRow.month == month)
                           .order_by(AdjustmentRow.id)))
    praise = _praise(s, start, end)
    nominations = dict(s.execute(select(StarNomination.unit_code, StarNomination.person_id)
                                 .where(StarNomination.month == month)).all())
    kept = _kept(s, start, end)
    if scope is not None:
        breaches = tuple(b for b in breaches if b.owner == person)
        adjustments = tuple(a for a in adjustments if a.person == person)
        praise = {pid: n for pid, n in praise.items() if pid in scope.unit_members}
        nominations = {u: pid for u, pid in nominations.items() if u == scope.unit}
        kept = {pid: n for pid, n in kept.items() if pid == person}
    # Anyone the month's facts name, even if he has left since (the facts must parse back).
    referenced = ({c.against for c in complaints} | {b.owner for b in breaches}
                  | {a.person for a in adjustments} | set(praise) | set(nominations.values()))
    people = month_people(s, referenced | set(kept), scope)
    try:  # a clock's owner is a bare id (no foreign key): one naming nobody would score a ghost
        check_people({p.id for p in people}, breaches, adjustments)
    except FactsError as exc:
        raise InvalidInput(f"{month} facts: {exc}; 记录所指人员不在组织中 / a record names nobody "
                           "in the organisation") from None
    return MonthFacts(
        month=month,
        people=people,
        complaints=complaints,
        breaches=breaches,
        adjustments=adjustments,
        praise=praise,
        nominations=nominations,
        star_history=_history(s, month, MonthOutcome.star_unit.is_not(None)),
        worst_history=_history(s, month, MonthOutcome.worst.is_(True)),
        window_units=tuple(s.scalars(select(Window.unit_code).where(Window.active).distinct()
                                     .order_by(Window.unit_code))),
        kept=kept,
    )


def _kept(s: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Complaint clocks stopped in time in the month, per owner (a replaced clock counts for nobody)."""
    return dict(s.execute(select(Clock.owner_id, func.count())
                          .where(Clock.state == STOPPED, Clock.ended_at >= start, Clock.ended_at < end,
                                 Clock.owner_id.is_not(None))
                          .group_by(Clock.owner_id).order_by(Clock.owner_id)).all())


PEOPLE_PER_QUERY = 10_000


class _Scope:
    """Whose complaints decide ``person``'s lines of the month: his own, those of the people his
    snapshot is charged for (supervisor or leader), those of everyone of his unit (the star)."""

    def __init__(self, s: Session, person: str, start: datetime, end: datetime) -> None:
        self.person = person
        self.unit = s.scalar(select(PersonRow.unit_code).where(PersonRow.id == person))
        self.unit_members = set() if self.unit is None else set(
            s.scalars(select(PersonRow.id).where(PersonRow.unit_code == self.unit)))
        self.charged = (select(ComplaintRow.against_id)
                        .where(*_verified_in(start, end),
                               or_(ComplaintRow.verified_supervisor_id == person,
                                   ComplaintRow.verified_leader_id == person)))

    def complaints(self):
        """The condition on a complaint row: it is against someone of the scope."""
        against = [ComplaintRow.against_id == self.person, ComplaintRow.against_id.in_(self.charged)]
        if self.unit is not None:  # (== None would mean everyone without a unit)
            against.append(ComplaintRow.against_id.in_(select(PersonRow.id).where(PersonRow.unit_code == self.unit)))
        return or_(*against)

    def people(self):
        """Active people of the scope (the full read takes every active person)."""
        if self.unit is None:
            return PersonRow.id == self.person
        return or_(PersonRow.id == self.person, PersonRow.unit_code == self.unit)


def month_people(s: Session, referenced: set[str], scope: _Scope | None = None) -> tuple[Person, ...]:
    """Everyone active (of the scope, if one), plus anyone the month's facts name who has left since."""
    leaders = dict(s.execute(select(Unit.code, Unit.leader_id)).all())
    columns = (PersonRow.id, PersonRow.name, PersonRow.unit_code, PersonRow.supervisor_id, PersonRow.roles)
    active = select(*columns).where(PersonRow.active)
    rows = s.execute(active if scope is None else active.where(scope.people())).all()
    # Those who left, a chunk at a time: one IN of a conglomerate's every name would pass
    # PostgreSQL's 65,535 parameters (found by bench/month_close.py at 100,000 people).
    left = sorted(referenced - {r.id for r in rows})
    for first in range(0, len(left), PEOPLE_PER_QUERY):
        rows += s.execute(select(*columns).where(PersonRow.id.in_(left[first:first + PEOPLE_PER_QUERY]))).all()
    rows.sort(key=itemgetter(0))
    return tuple(Person(id=pid, name=name, unit=unit, supervisor=supervisor, leader=leaders.get(unit),
                        roles=tuple(roles or ()))
                 for pid, name, unit, supervisor, roles in rows)


def _verified_in(start: datetime, end: datetime) -> tuple:
    """A complaint that counts in the month: verified in it, not dismissed, against someone."""
    return (ComplaintRow.verified_at >= start, ComplaintRow.verified_at < end,
            ComplaintRow.state != "dismissed", ComplaintRow.against_id.is_not(None))


def _complaints(s: Session, start: datetime, end: datetime, scope: _Scope | None = None) -> tuple[Complaint, ...]:
    query = (select(ComplaintRow.id, ComplaintRow.against_id, ComplaintRow.source,
                    ComplaintRow.category, ComplaintRow.verified_at,
                    ComplaintRow.verified_supervisor_id, ComplaintRow.verified_leader_id)
             .where(*_verified_in(start, end)).order_by(ComplaintRow.verified_at, ComplaintRow.id))
    rows = s.execute(query if scope is None else query.where(scope.complaints()))
    return tuple(Complaint(id=str(cid), against=against, source=source, category=category,
                           verified_at=at.astimezone(BUSINESS_TZ), supervisor=sup, leader=lead)
                 for cid, against, source, category, at, sup, lead in rows)


def _breaches(s: Session, start: datetime, end: datetime) -> tuple[Breach, ...]:
    """Broken clocks (the owner at the break), spot checks not done in time (the inspector) and
    appeal reviews not decided in time (the reviewer)."""
    rows = s.execute(
        select(Clock.id, Clock.owner_id, Clock.complaint_id, Clock.name, Clock.ended_at)
        .where(Clock.state == BROKEN, Clock.ended_at >= start, Clock.ended_at < end,
               Clock.owner_id.is_not(None))
        .order_by(Clock.ended_at, Clock.id))
    clocks = [Breach(id=f"k{kid}", owner=owner, complaint=str(cid), clock=name,
                     at=at.astimezone(BUSINESS_TZ))
              for kid, owner, cid, name, at in rows]
    checks = [Breach(id=f"s{sid}", owner=inspector, complaint=None, clock="spot_check",
                     at=due.astimezone(BUSINESS_TZ))
              for sid, inspector, due in missed_checks(s, start, end)]
    reviews = [Breach(id=f"a{kid}", owner=reviewer, complaint=None, clock="appeal_review",
                      at=at.astimezone(BUSINESS_TZ))
               for kid, reviewer, _appeal, at in broken_reviews(s, start, end)]
    return tuple(sorted(clocks + checks + reviews, key=lambda b: (b.at, b.id)))


def _praise(s: Session, start: datetime, end: datetime) -> dict[str, int]:
    return dict(s.execute(select(Praise.person_id, func.count())
                          .where(Praise.at >= start, Praise.at < end)
                          .group_by(Praise.person_id)).all())


def _history(s: Session, month: str, condition) -> dict[str, tuple[str, ...]]:
    """Earlier published months, per person, where ``condition`` held."""
    out: dict[str, list[str]] = defaultdict(list)
    for person, past in s.execute(select(MonthOutcome.person_id, MonthOutcome.month)
                                  .where(MonthOutcome.month < month, condition)
                                  .order_by(MonthOutcome.month)):
        out[person].append(past)
    return {person: tuple(months) for person, months in out.items()}
