"""Policy by month: what-if on a published month, and which version scored which month.

``whatif`` scores a published month's facts under a draft policy file and compares the
result with the published one (scoring/whatif.py); it reads, never writes: a published
month keeps the result and the version it was scored with. ``history`` lists every
policy version the month closes recorded (core/policyrecord.py), the months closed
under each, and the current file's version.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import select

from core.db import Database
from core.errors import InvalidInput, Refused
from core.memory import without_cyclic_gc
from core.policy import Policy, PolicyError, load_policy, policy_from_text
from core.policyrecord import recorded_versions
from core.settings import Settings
from core.timeutil import local_iso, month_bounds
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

    # ---- history ---------------------------------------------------------------------------

    def history(self) -> list[dict]:
        """Every policy version with the months closed under it, oldest first; the current file's
        version is marked ``current`` (and comes last when no month used it yet)."""
        with self.db.reading() as s:
            records = recorded_versions(s)
            closes = s.execute(select(MonthClose.month, MonthClose.status, MonthClose.policy_version,
                                      MonthClose.closed_at).order_by(MonthClose.month)).all()
        months_of: dict[str, list[dict]] = defaultdict(list)
        for month, status, version, _ in closes:
            months_of[version].append({"month": month, "status": status})
        last_used = max(closes, key=lambda c: (c.closed_at, c.month)).policy_version if closes else None
        current = self.policy.version

        def entry(version, recorded, first_used_at, first_month):
            return {"version": version, "recorded": recorded, "first_used_at": first_used_at,
                    "first_month": first_month, "months": months_of.get(version, []),
                    "current": version == current, "note": None}

        # Months closed before versions were recorded: known by their version only.
        known = {r.version for r in records}
        rows = [entry(v, False, None, ms[0]["month"])
                for v, ms in sorted(months_of.items(), key=lambda kv: kv[1][0]["month"]) if v not in known]
        rows += [entry(r.version, True, local_iso(r.first_used_at), r.first_month) for r in records]
        if not any(r["current"] for r in rows):
            rows.append(entry(current, False, None, None))
        for r in rows:
            if r["current"]:
                r["note"] = IN_USE if current == last_used else NEXT_OPEN
        return rows
