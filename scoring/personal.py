"""One person's own record (``/me``): the open months so far, the published months, the star streak.

Read-only, one reading transaction. An open month (this one, and the last one until it is
published) is scored as the month close would score it now: ``score_month`` over the part of the
month's facts so far that decides his lines (``read_person_facts``: his complaints, those his
snapshot is charged for, his unit's for the star, his breaches), his entry kept, so each line
carries the sentence the notice will print. A published month is read as published: the figures the month
close stored (one JSON path into ``month_close.result``, never the whole month) and the star
months of ``month_outcome``. Only the asked-for person's data leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from core.db import Database
from core.errors import NotFound
from core.org import Person
from core.policy import Policy
from core.policystore import policy_for_month
from core.timeutil import current_month, local_iso, month_shift, utcnow
from scoring.edge import score_month
from scoring.facts import read_person_facts
from scoring.facts_json import person_to_json
from scoring.models import MonthClose, MonthOutcome
from scoring.rules import star_streak

PUBLISHED = "published"
FIGURES = ("complaints", "deductions", "score", "reward", "fine", "criticism", "worst", "worst_count",
           "dismissal_recommended", "star")


class PersonalRecordService:
    def __init__(self, db: Database, policy: Policy, now: Callable[[], datetime] = utcnow):
        self.db, self.policy, self.now = db, policy, now

    def record(self, person_id: str, months: int = 12) -> dict:
        """``running``: the open months so far, newest first, each with the person's figures and
        lines; ``published``: his figures of the last ``months`` published months, newest first;
        ``star``: the streak (months in a row as star up to the last published month) and every
        star month."""
        this_month = current_month(self.now())
        with self.db.reading() as s:
            person = s.get(Person, person_id)
            if person is None:
                raise NotFound(f"PERSON: unknown person '{person_id}' 未知人员")
            published = list(s.execute(
                select(MonthClose.month, MonthClose.published_at, MonthClose.result[("people", person_id)])
                .where(MonthClose.status == PUBLISHED).order_by(MonthClose.month.desc()).limit(months)))
            done = {month for month, _, _ in published}
            last_published = published[0][0] if published else None
            open_months = [m for m in (this_month, month_shift(this_month, -1))
                           if m not in done and (last_published is None or m > last_published)]
            running = [self._running(s, month, person_id) for month in open_months]
            stars = list(s.scalars(select(MonthOutcome.month)
                                   .where(MonthOutcome.person_id == person_id, MonthOutcome.star_unit.is_not(None))
                                   .order_by(MonthOutcome.month.desc())))
        return {
            "person": {"id": person.id, "name": person.name, "unit": person.unit_code},
            "running": running,
            "published": [{"month": month, "published_at": local_iso(at), **_figures(entry)}
                          for month, at, entry in published],
            "star": {"streak": streak(stars, last_published), "months": stars},
        }

    def _running(self, s, month: str, person_id: str) -> dict:
        # The rules the month's close will use (a change saved in the console applies by month).
        policy = policy_for_month(s, month) or self.policy
        result = score_month(read_person_facts(s, month, person_id), policy)
        mine = result.people.get(person_id)
        entry = person_to_json(mine) if mine is not None else {"lines": []}
        return {"month": month, **_figures(entry), "lines": entry["lines"]}


def _figures(entry: dict | None) -> dict:
    """One person's figures of a month (none: he had no entry that month, e.g. not yet employed)."""
    return {key: (entry or {}).get(key) for key in FIGURES}


def streak(star_months: list[str], last_published: str | None) -> int:
    """Months in a row as star ending with the last published month (0 if he was not its star)."""
    return star_streak(star_months, last_published) if last_published in star_months else 0
