"""Policy by month: what-if on a published month, which version scored which month, and a change
saved from the console (issue 13.3).

``whatif`` scores a published month's facts under a draft policy file and compares the
result with the published one (scoring/whatif.py); it reads, never writes: a published
month keeps the result and the version it was scored with. ``history`` lists every
policy version the month closes recorded (core/policyrecord.py), the months closed
under each, and the version in force. ``preview`` scores the last published month under a draft
(before it is saved); ``save`` stores it as the version in force from the next open month
(core/policystore.py): the month after the newest published one, as a change of the file always
did; a published month keeps its result and version.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text, update

from core.db import Database
from core.errors import Conflict, Forbidden, InvalidInput, Refused
from core.memory import without_cyclic_gc
from core.org import Person
from core.policy import Policy, PolicyError, load_policy, policy_from_text
from core.policyrecord import policy_of_version, recorded_versions
from core.policystore import PolicyVersion, newest, policy_for_month, store_version, versions
from core.settings import Settings
from core.timeutil import local_iso, month_bounds, month_shift, utcnow
from core.validation import check_note
from scoring.close import month_lock_key
from scoring.facts import read_month_facts
from scoring.facts_json import FactsError, parse_facts
from scoring.models import MonthClose
from scoring.whatif import whatif

PUBLISHED = "published"
STORED, REREAD = "stored", "re-read"  # where a what-if's facts come from
NEXT_OPEN = "自下一个未公布的月份起适用（草稿须重新关账）/ applies from the next open month (drafts: close again)"
IN_USE = "使用中 / in use"


class PolicyService:
    def __init__(self, db: Database, policy: Policy, settings: Settings):
        self.db, self.policy, self.settings = db, policy, settings

    # ---- what-if ---------------------------------------------------------------------------

    def whatif(self, month: str, draft_path: str | Path) -> dict:
        """The published ``month`` scored under the policy file ``draft_path``, compared."""
        month_bounds(month)
        path = Path(draft_path)
        try:
            draft = load_policy(path)
        except PolicyError as exc:
            raise InvalidInput(f"--policy: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            raise InvalidInput(f"--policy: {path}: cannot be read 无法读取: {reason}") from None
        return self._whatif(month, draft, str(path))

    def whatif_text(self, month: str, text: str, where: str = "政策草案 / draft policy") -> dict:
        """The same with the draft given as TOML text (pasted or uploaded on the month page)."""
        month_bounds(month)
        return self._whatif(month, policy_from_text(text, where), where)

    def _whatif(self, month: str, draft: Policy, where: str) -> dict:
        with self.db.reading() as s:
            row = s.get(MonthClose, month)
            if row is None:
                raise Refused(f"{month}: not closed yet; a what-if compares with a published month "
                              "尚未关账，政策试算只针对已公布的月份")
            if row.status != PUBLISHED:
                raise Refused(f"{month} is a draft: a what-if compares with a published month; close it again "
                              "to score it under the current policy 草稿月份不做试算，请重新关账", state=row.status)
            published = row.result
            if row.facts is not None:
                source = STORED
                try:
                    facts = parse_facts(row.facts)
                except FactsError as exc:
                    raise Refused(f"{month}: the stored facts cannot be read again 存储的事实无法读取: {exc}") from None
            else:  # closed before the close stored its facts: read them again
                source, facts = REREAD, read_month_facts(s, month)
        with without_cyclic_gc():  # a whole month scored again: millions of acyclic objects (core.memory)
            compared = whatif(facts, published, draft)
        return {**compared, "facts": source, "draft": where}

    # ---- the console's change ------------------------------------------------------------

    def last_published(self) -> str | None:
        with self.db.reading() as s:
            return _last_published(s)

    def in_force(self) -> dict:
        """The version in force now and where it comes from (the file, or a save: who, when)."""
        with self.db.reading() as s:
            row = newest(s)
            return {"policy": self.policy, "version": self.policy.version,
                    "applies_from": row.applies_from if row else None,
                    "saved_by": row.saved_by if row else None,
                    "saved_at": local_iso(row.saved_at) if row else None,
                    "from_file": row is None or row.saved_by is None,
                    "next_open": _next_open(s)}

    def of_month(self, month: str) -> tuple[Policy, str]:
        """The rules of ``month``: those it was closed under (draft or published), else the version
        that applies to it when it closes; with how it is known (closed, open)."""
        month_bounds(month)
        with self.db.reading() as s:
            row = s.get(MonthClose, month)
            if row is not None:
                if row.policy_version == self.policy.version:
                    return self.policy, row.status
                return policy_of_version(s, row.policy_version), row.status
            return policy_for_month(s, month) or self.policy, "open"

    def preview(self, draft: Policy) -> dict:
        """The draft against the last published month (what would have changed), and the month it
        would apply from; stores nothing."""
        with self.db.reading() as s:
            month, applies_from = _last_published(s), _next_open(s)
        result = self._whatif(month, draft, "政策草案 / draft policy") if month else None
        return {"month": month, "whatif": result, "applies_from": applies_from, "draft": draft,
                "changed": draft.version != self.policy.version}

    def save(self, draft: Policy, by: str, *, based_on: str, note: str | None = None,
             at: datetime | None = None) -> dict:
        """Store ``draft`` as the policy in force from the next open month. Only the president's office;
        ``based_on`` is the version the draft was made from: if another change was saved since, the
        draft is refused (409) rather than silently undoing it."""
        check_note("note", note, self.settings.note_max_chars)
        at = at or utcnow()
        with self.db.transaction() as s:
            person = s.get(Person, by)
            if person is None or not person.active or not person.has_role("president_office"):
                raise Forbidden(f"--by: {by} may not change the policy: only president_office "
                                "仅总裁办可修改规则")
            _one_save_at_a_time(s)
            current = newest(s)
            in_force = current.version if current else self.policy.version
            if based_on != in_force:
                raise Conflict(f"the rules changed since this draft was made ({based_on} → {in_force}); "
                               "start again from the rules in force 规则已被他人修改，请重新起草")
            if draft.version == in_force:
                raise Refused("the draft is the policy in force: nothing to save 草案与现行规则相同，无需保存")
            applies_from = _next_open(s)
            row = store_version(s, draft, applies_from=applies_from, by=by, at=at, base=self.policy, note=note)
            return {"version": row.version, "applies_from": applies_from, "saved_by": by,
                    "saved_at": local_iso(at), "based_on": in_force, "note": note}

    # ---- history ---------------------------------------------------------------------------

    def history(self) -> list[dict]:
        """Every policy version with the months closed under it, oldest first; the current file's
        version is marked ``current`` (and comes last when no month used it yet)."""
        with self.db.reading() as s:
            records = recorded_versions(s)
            saved = versions(s)
            closes = s.execute(select(MonthClose.month, MonthClose.status, MonthClose.policy_version,
                                      MonthClose.closed_at).order_by(MonthClose.month)).all()
        months_of: dict[str, list[dict]] = defaultdict(list)
        for month, status, version, _ in closes:
            months_of[version].append({"month": month, "status": status})
        last_used = max(closes, key=lambda c: (c.closed_at, c.month)).policy_version if closes else None
        current = self.policy.version

        saves: dict[str, list[dict]] = defaultdict(list)
        for v in saved:  # a version saved in the console (or the file's, stored at the first save)
            saves[v.version].append({"applies_from": v.applies_from, "saved_by": v.saved_by, "note": v.note,
                                     "saved_at": local_iso(v.saved_at), "from_file": v.saved_by is None})

        def entry(version, recorded, first_used_at, first_month):
            return {"version": version, "recorded": recorded, "first_used_at": first_used_at,
                    "first_month": first_month, "months": months_of.get(version, []),
                    "current": version == current, "note": None, "saved": saves.get(version, [])}

        # Months closed before versions were recorded: known by their version only.
        known = {r.version for r in records}
        rows = [entry(v, False, None, ms[0]["month"])
                for v, ms in sorted(months_of.items(), key=lambda kv: kv[1][0]["month"]) if v not in known]
        rows += [entry(r.version, True, local_iso(r.first_used_at), r.first_month) for r in records]
        listed = {r["version"] for r in rows}
        rows += [entry(v, False, None, None) for v in saves if v not in listed and v != current]
        if not any(r["current"] for r in rows):
            rows.append(entry(current, False, None, None))
        for r in rows:
            if r["current"]:
                r["note"] = IN_USE if current == last_used else NEXT_OPEN
        return rows


def _one_save_at_a_time(s) -> None:
    """One save at a time, and none while the next open month is being published: the month a
    change applies from is read after the lock, so it is still the next open month at the commit.
    SQLite: the first write takes the database's write lock before anything is read."""
    if s.bind.dialect.name != "postgresql":
        s.execute(update(PolicyVersion).where(PolicyVersion.id == -1).values(id=PolicyVersion.id))
        return
    s.execute(text("SELECT pg_advisory_xact_lock(hashtext('jiandu-policy'))"))
    month = _next_open(s)
    if month is not None:  # a publish of it holds this lock for its transaction; we wait for it
        s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": month_lock_key(month)})


def _last_published(s) -> str | None:
    return s.scalar(select(MonthClose.month).where(MonthClose.status == PUBLISHED)
                    .order_by(MonthClose.month.desc()).limit(1))


def _next_open(s) -> str | None:
    """The month a change applies from: the one after the newest published month (None while no
    month is published: every month is open, a change applies to all of them)."""
    last = _last_published(s)
    return month_shift(last, 1) if last else None
