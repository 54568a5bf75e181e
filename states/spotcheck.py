"""Spot checks (抽查督查, seed preamble: 每月不定期对各服务窗口…进行抽查).

``plan`` draws the month's plan once (seeded, recorded); ``record`` stores the
result item by commitment item and turns every failed item into a finding (a
``spot_check`` complaint received, verified and marked on site by the recorder)
in the same transaction; ``mark_missed`` marks checks past due, which count as
breaches of the inspector (:func:`states.spotcheck_models.missed_checks`).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.errors import Conflict, Forbidden, InvalidInput, NotFound, Refused
from core.org import Person, Position, Unit, Window
from core.timeutil import BUSINESS_TZ, as_utc, local_iso
from core.validation import check_note
from states.assignment import supervisors
from states.service import ComplaintService
from states.spotcheck_models import STATUSES, SpotCheck, SpotCheckPlan
from states.spotcheck_plan import Inspector, PlanRules, WindowToCheck, month_bounds, plan_month
from states.unit_of_work import staff_actor

SEED_BOUND = 2**31  # fits an INTEGER column on every database


class SpotCheckService:
    def __init__(self, complaints: ComplaintService, rules: PlanRules | None = None):
        self.complaints = complaints
        self.db = complaints.db
        self.now = complaints.now
        self.rules = rules or plan_rules(complaints.policy)

    # ---- planning ------------------------------------------------------------------------

    def plan(self, month: str, seed: int | None = None, now: datetime | None = None) -> dict:
        """Draw the month's plan once; asking again returns the recorded plan (same seed)."""
        now = as_utc(now) if now else self.now()
        start, end = month_bounds(month)
        if end <= now:
            raise Refused(f"{month}: the month is over 该月已结束，不能再安排抽查")
        if seed is not None and not 0 <= seed < SEED_BOUND:
            raise InvalidInput(f"--seed: {seed} must be between 0 and {SEED_BOUND - 1}")
        existing = self._existing(month, seed)
        if existing is not None:
            return existing
        seed = secrets.randbelow(SEED_BOUND) if seed is None else seed
        try:
            with self.db.transaction() as s:
                windows, inspectors = plan_inputs(s)
                not_before = max(start, now)
                plans = plan_month(month, windows, inspectors, seed, self.rules, not_before)
                s.add(SpotCheckPlan(month=month, seed=seed, planned_at=now, not_before=not_before,
                                    windows=[[w.code, w.unit, len(w.items)] for w in windows],
                                    inspectors=[[i.id, sorted(i.heads)] for i in inspectors]))
                s.flush()  # the plan row first: a concurrent planner fails here, before the checks
                s.add_all(SpotCheck(month=month, window_code=p.window, unit_code=p.unit,
                                    inspector_id=p.inspector, planned_at=p.planned_at, due_at=p.due_at,
                                    seed=seed, checklist=list(p.items), status="planned") for p in plans)
        except IntegrityError:  # someone planned this month at the same moment: his plan stands
            existing = self._existing(month, seed)
            if existing is None:
                raise
            return existing
        return {"month": month, "seed": seed, "created": True, "checks": self.list(month=month)}

    def _existing(self, month: str, seed: int | None) -> dict | None:
        with self.db.reading() as s:
            header = s.get(SpotCheckPlan, month)
        if header is None:
            return None
        if seed is not None and seed != header.seed:
            raise Refused(f"{month}: already planned with seed {header.seed} 本月已安排抽查 "
                          f"(not {seed}); a plan is drawn once")
        return {"month": month, "seed": header.seed, "created": False, "checks": self.list(month=month)}

    def audit(self, month: str) -> dict:
        """Draw the plan again from the recorded seed and inputs; every difference is listed."""
        month_bounds(month)
        with self.db.reading() as s:
            header = s.get(SpotCheckPlan, month)
            if header is None:
                raise NotFound(f"{month}: no plan recorded 本月未安排抽查")
            rows = list(s.scalars(select(SpotCheck).where(SpotCheck.month == month)))
        windows = [WindowToCheck(code, unit, ("",) * n) for code, unit, n in header.windows]
        inspectors = [Inspector(pid, frozenset(heads)) for pid, heads in header.inspectors]
        drawn = {(p.window, p.inspector, p.planned_at, p.due_at)
                 for p in plan_month(month, windows, inspectors, header.seed, self.rules, header.not_before)}
        stored = {(r.window_code, r.inspector_id, r.planned_at, r.due_at) for r in rows}
        show = [{"window": w, "inspector": i, "planned_at": local_iso(p), "due_at": local_iso(d)}
                for w, i, p, d in sorted(drawn ^ stored)]
        return {"month": month, "seed": header.seed, "checks": len(rows), "matches": drawn == stored,
                "differences": show}

    # ---- reads -----------------------------------------------------------------------------

    def list(self, month: str | None = None, status: str | None = None) -> list[dict]:
        query = select(SpotCheck).order_by(SpotCheck.planned_at, SpotCheck.id)
        if month is not None:
            month_bounds(month)  # validates the form
            query = query.where(SpotCheck.month == month)
        if status is not None:
            if status not in STATUSES:
                raise InvalidInput(f"--status: '{status}' is not one of {', '.join(STATUSES)}")
            query = query.where(SpotCheck.status == status)
        with self.db.reading() as s:
            rows = list(s.scalars(query))
            names = _names(s, {r.inspector_id for r in rows} | {r.done_by for r in rows})
            return [check_dict(r, names) for r in rows]

    def get(self, check_id: int) -> dict:
        with self.db.reading() as s:
            row = _check(s, check_id)
            return check_dict(row, _names(s, {row.inspector_id, row.done_by}))

    # ---- recording -------------------------------------------------------------------------

    def record(self, check_id: int, by: str, passed: list[int], failed: list[int],
               against: str | None = None, note: str | None = None, at: datetime | None = None) -> dict:
        """Every item passed or failed exactly once; each failure becomes a verified finding."""
        at = as_utc(at) if at else self.now()
        check_note("--note", note, self.complaints.note_max_chars)
        try:
            with self.db.transaction() as s:
                row = _check(s, check_id)
                who = staff_actor(s, by)
                _may_record(row, who)
                result = _result(row, passed, failed)
                _check_against(s, row, against, failed)
                day_start = datetime.combine(row.planned_at.astimezone(BUSINESS_TZ).date(),
                                             datetime.min.time(), BUSINESS_TZ)
                if at < day_start:
                    raise Refused(f"check #{row.id}: planned for {local_iso(row.planned_at)[:10]}, "
                                  "not before that day 未到抽查日", state=row.status)
                late = at > row.due_at and row.missed_recorded_at is None
                # Conditional UPDATE: of two recorders at once exactly one wins.
                won = s.execute(
                    update(SpotCheck).where(SpotCheck.id == row.id, SpotCheck.status.in_(("planned", "missed")))
                    .values(status="done", done_at=at, done_by=who.id, result=result, note=note,
                            missed_recorded_at=at if late else SpotCheck.missed_recorded_at)
                    .execution_options(synchronize_session=False)).rowcount
                if not won:
                    raise Conflict(f"check #{row.id}: recorded by someone else just now 已被他人记录")
                findings = [self._finding(s, row, item, against, who, note, at) for item in sorted(failed)]
                if findings:
                    s.execute(update(SpotCheck).where(SpotCheck.id == row.id).values(findings=findings)
                              .execution_options(synchronize_session=False))
                s.expire(row)
                return check_dict(row, _names(s, {row.inspector_id, row.done_by}))
        except StaleDataError:
            raise Conflict(f"check #{check_id}: changed by someone else just now 已被他人修改，"
                           "请刷新后重试 / reload and try again") from None

    def _finding(self, s: Session, row: SpotCheck, item: int, against: str, who, note: str | None,
                 at: datetime) -> int:
        """Receive, verify and mark on site one finding: the recorder found it, at the window."""
        svc = self.complaints
        c = svc.receive_in(s, window=row.window_code, source="spot_check", category="other",
                         text=f"抽查不合格：{row.checklist[item - 1]}", against=against, contact=None,
                         at=at, owner=who.id)
        why = f"抽查 #{row.id} 第{item}项不合格 / spot check #{row.id} item {item} failed"
        svc.change_in(s, c, "verify", who, f"{why}{': ' + note if note else ''}", at)
        svc.change_in(s, c, "arrive", who, why, at)  # he is at the window: the on-site clock is kept
        return c.id

    # ---- the watch -----------------------------------------------------------------------

    def mark_missed(self, now: datetime | None = None) -> list[dict]:
        """Checks past due and still planned become missed, once (two watches: one wins each)."""
        now = as_utc(now) if now else self.now()
        with self.db.transaction() as s:
            ids = list(s.scalars(
                update(SpotCheck).where(SpotCheck.status == "planned", SpotCheck.due_at < now)
                .values(status="missed", missed_recorded_at=now)
                .returning(SpotCheck.id).execution_options(synchronize_session=False)))
        if not ids:
            return []
        with self.db.reading() as s:
            rows = list(s.scalars(select(SpotCheck).where(SpotCheck.id.in_(ids))
                                  .order_by(SpotCheck.due_at, SpotCheck.id)))
            return [check_dict(r, _names(s, {r.inspector_id for r in rows})) for r in rows]


# ---- the JSON shape ---------------------------------------------------------------------------


def plan_rules(policy) -> PlanRules:
    """The planning rules of the policy's [spot_checks] table."""
    sc = policy.spot_checks
    return PlanRules(start_minute=sc.minutes(sc.start), end_minute=sc.minutes(sc.end),
                     weekdays=tuple(sc.weekdays), grace_days=sc.grace_days)


def check_dict(r: SpotCheck, names: dict[str, str]) -> dict:
    return {
        "id": r.id, "month": r.month, "window": r.window_code, "unit": r.unit_code,
        "inspector": r.inspector_id, "inspector_name": names.get(r.inspector_id),
        "planned_at": local_iso(r.planned_at), "due_at": local_iso(r.due_at), "seed": r.seed,
        "status": r.status, "items": list(r.checklist or []),
        "done_at": local_iso(r.done_at), "done_by": r.done_by, "result": r.result,
        "findings": list(r.findings or []), "note": r.note,
        "missed": r.missed_recorded_at is not None, "missed_recorded_at": local_iso(r.missed_recorded_at),
    }


# ---- helpers -----------------------------------------------------------------------------------


def plan_inputs(s: Session) -> tuple[list[WindowToCheck], list[Inspector]]:
    """Active windows with their checklists; the supervisors who may check them (states/assignment.py)."""
    windows = [WindowToCheck(code, unit, tuple(items or ()))
               for code, unit, items in s.execute(
                   select(Window.code, Window.unit_code, Position.commitments)
                   .join(Position, Position.code == Window.position_code)
                   .join(Unit, Unit.code == Window.unit_code)
                   .where(Window.active, Unit.active).order_by(Window.code))]
    return windows, [Inspector(p.id, p.heads) for p in supervisors(s)]


def _check(s: Session, check_id: int) -> SpotCheck:
    row = s.get(SpotCheck, check_id)
    if row is None:
        raise NotFound(f"ID: no spot check #{check_id} 抽查不存在")
    return row


def _may_record(row: SpotCheck, who) -> None:
    if row.status == "done":
        raise Refused(f"check #{row.id}: already recorded 已记录抽查结果", state=row.status)
    if who.id != row.inspector_id and who.rung == 0:
        raise Forbidden(f"--by: only the inspector {row.inspector_id} or a ladder rung records "
                        f"check #{row.id} 仅指派的监督员或总执行/组长/董事长可记录")
    if row.unit_code in who.heads:
        raise Forbidden(f"--by: {who.id} heads unit '{row.unit_code}' 不得抽查本部门窗口")


def _result(row: SpotCheck, passed: list[int], failed: list[int]) -> dict[str, str]:
    """{"1": "pass", …}: every item of the checklist exactly once, or InvalidInput naming it."""
    n = len(row.checklist)
    marks: dict[int, str] = {}
    for item, mark in [(i, "pass") for i in passed] + [(i, "fail") for i in failed]:
        if not 1 <= item <= n:
            raise InvalidInput(f"--{mark}: item {item} is not on the checklist of {row.window_code} "
                               f"(1–{n}) 无此承诺项")
        if item in marks:
            raise InvalidInput(f"--{mark}: item {item} is marked twice 承诺项重复")
        marks[item] = mark
    missing = [str(i) for i in range(1, n + 1) if i not in marks]
    if missing:
        raise InvalidInput(f"--pass/--fail: items {', '.join(missing)} not marked 承诺项未逐项记录")
    return {str(i): marks[i] for i in range(1, n + 1)}


def _check_against(s: Session, row: SpotCheck, against: str | None, failed: list[int]) -> None:
    if not failed:
        if against is not None:
            raise InvalidInput("--against: only with --fail 仅在有不合格项时指定被投诉人")
        return
    if against is None:
        raise InvalidInput("--against: required when an item fails 有不合格项时须指定责任人")
    p = s.get(Person, against)
    if p is None or not p.active:
        raise NotFound(f"--against: unknown person '{against}' 未知人员")
    if p.unit_code != row.unit_code:
        raise InvalidInput(f"--against: {against} is not staff of unit '{row.unit_code}' 非该窗口所属部门人员")


def _names(s: Session, ids: set[str | None]) -> dict[str, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(s.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
