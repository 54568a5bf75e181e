"""read_person_facts (what /me scores): for every person of a generated month, scoring his part of
the month gives exactly his entry of the whole month's score — lines, figures, star, worst —
with complaints of every source, joint charges, a leaver, praise, a nomination, star and worst
history and an adjustment (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, update

pytestmark = pytest.mark.db

MONTH = "2026-11"


@pytest.fixture
def month_db(db, db_url):
    from bench.month_close import populate
    from bench.score_month import generate
    from core.org import Person
    from scoring.models import Adjustment, MonthOutcome, Praise, StarNomination

    facts = generate(people=240, complaints=260, month=MONTH)
    populate(db_url, facts)
    at = datetime(2026, 11, 20, 2, tzinfo=UTC)
    staff = [p["id"] for p in facts["people"] if "supervisor" in p]
    with db.transaction() as s:
        s.add_all(Praise(person_id=pid, by_id="s0", at=at) for pid in staff[::3])
        s.add_all(Praise(person_id=pid, by_id="s0", at=at) for pid in staff[::7])
        s.add(StarNomination(month=MONTH, unit_code="unit07", person_id=staff[6], by_id="s0", at=at))
        s.add_all(MonthOutcome(month="2026-10", person_id=pid, star_unit="x", worst=False) for pid in staff[::5])
        s.add_all(MonthOutcome(month="2026-09", person_id=pid, star_unit=None, worst=True) for pid in staff[1::4])
        s.add(Adjustment(month=MONTH, person_id=staff[2], points=-5, corrects="2026-10/c1", reason="申诉成立",
                         by_id="s0", at=at))
        leaver = facts["complaints"][0]["against"]
        s.execute(update(Person).where(Person.id == leaver).values(active=False))
        s.execute(insert(Praise), [{"person_id": leaver, "by_id": "s0", "at": at}])
    return db


def test_each_persons_part_scores_as_the_whole_month(month_db, policy):
    from core.org import Person
    from scoring.edge import score_month
    from scoring.facts import read_month_facts, read_person_facts

    with month_db.reading() as s:
        whole = score_month(read_month_facts(s, MONTH), policy)
        everyone = sorted(s.scalars(select(Person.id)))
        checked = lines = 0
        for pid in everyone:
            part = score_month(read_person_facts(s, MONTH, pid), policy)
            expected = whole.people.get(pid)
            if expected is None:  # a leader with nothing charged: no entry either way
                assert pid not in part.people or not part.people[pid].lines
                continue
            assert part.people[pid] == expected, pid
            checked, lines = checked + 1, lines + len(expected.lines)
    stars = [s.person for s in whole.stars.values() if s.person]
    assert checked > 200 and lines > 300 and stars  # the month is not trivial: lines, joint charges, stars
    assert any(line.rule == "complaint.supervisor" for p in whole.people.values() for line in p.lines)
    assert any(p.worst for p in whole.people.values())
