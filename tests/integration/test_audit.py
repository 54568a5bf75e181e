"""The replay audit on both databases: a month replayed through the services audits clean;
a value changed behind the services' back is reported exactly; replaying twice is the same."""

from __future__ import annotations

import heapq
import itertools
import json
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from core.errors import InvalidInput, JianduError
from core.settings import Settings
from core.timeutil import BUSINESS_TZ
from jiandu.cli import main
from scoring.close import MonthCloseService
from states.audit import AuditService
from states.incident import IncidentService
from states.models import Complaint
from states.service import ComplaintService
from states.spotcheck import SpotCheckService
from states.tracking import TrackingService
from states.watch import ClockWatch

MONTH = "2026-11"
START = datetime(2026, 11, 1, tzinfo=BUSINESS_TZ)
WINDOWS = {"ld-1": "loading", "ul-1": "unloading", "sc-1": "sales", "inv-1": "invoicing",
           "inv-2": "invoicing", "wb-1": "weighbridge", "gate-1": "gate"}
STAFF = {"loading": ["zhoujun", "wuhai", "zhengda"], "unloading": ["hehui", "luoping"],
         "sales": ["xiaoli", "songjia", "tangyu"], "invoicing": ["zhangsan", "xiaozhao"],
         "weighbridge": ["lisi", "wangwu", "maliu"], "gate": ["guoqi"]}


class Clock:
    """The services' now, moved along the replayed month (the tracking page reads it)."""

    def __init__(self):
        self.t = START.astimezone(UTC)

    def __call__(self):
        return self.t


class Month:
    """A month of complaints through the services, in time order, the watch running as scheduled."""

    def __init__(self, db, policy, tmp_path, complaints_per_day: int, seed: int = 2026):
        self.db, self.policy, self.clock = db, policy, Clock()
        self.svc = ComplaintService(db, policy, now=self.clock)
        self.watch, self.incidents = ClockWatch(self.svc), IncidentService(self.svc)
        self.tracking = TrackingService(self.svc)
        self.months = MonthCloseService(db, policy, Settings(notice_dir=tmp_path / "notices"), now=self.clock)
        self.rng = random.Random(seed)
        self.per_day = complaints_per_day
        self.queue: list = []
        self.seq = itertools.count()
        self.counts = {"complaints": 0, "refused": 0, "breaks": 0}

    def at(self, when: datetime, action, *args) -> None:
        heapq.heappush(self.queue, (when, next(self.seq), action, args))

    def run(self, until: datetime) -> None:
        day = START
        while day < until:
            for _ in range(self.per_day):
                self.at(day + timedelta(hours=self.rng.randint(8, 17), minutes=self.rng.randint(0, 59)), self.intake)
            for hour in range(1, 24, 3):
                self.at(day + timedelta(hours=hour, minutes=7), self.check)
            day += timedelta(days=1)
        while self.queue:
            when, _, action, args = heapq.heappop(self.queue)
            self.clock.t = when.astimezone(UTC)
            try:
                action(when, *args)
            except JianduError:
                self.counts["refused"] += 1  # e.g. the owner changed by a break before he acted

    # ---- what happens ------------------------------------------------------------------------

    def check(self, when):
        self.counts["breaks"] += len(self.watch.check(when).broken)

    def owner(self, cid):
        with self.db.reading() as s:
            return s.scalar(select(Complaint.owner_id).where(Complaint.id == cid))

    def act(self, when, cid, event, against=None):
        self.svc.advance(cid, event, self.owner(cid), None, when, against=against)

    def intake(self, when):
        rng = self.rng
        window = rng.choice(sorted(WINDOWS))
        against = rng.choice(STAFF[WINDOWS[window]])
        known = rng.random() < 0.7  # else named at verification
        c = self.svc.create(window=window, source=rng.choice(["customer", "customer", "coordination"]),
                            category=rng.choice(["attitude", "dispute", "other"]), text="…",
                            against=against if known else None, at=when)
        self.counts["complaints"] += 1
        cid, later = c["id"], (lambda minutes: when + timedelta(minutes=minutes))
        story = rng.random()
        if story < 0.45:  # in time
            self.at(later(15), self.act, cid, "verify", None if known else against)
            self.at(later(60), self.act, cid, "arrive")
            self.at(later(110), self.act, cid, "resolve")
        elif story < 0.55:
            self.at(later(20), self.act, cid, "dismiss")
        elif story < 0.65:  # late verify: the respond clock ends broken at its deadline
            self.at(later(45), self.act, cid, "verify", None if known else against)
            self.at(later(100), self.act, cid, "arrive")
            self.at(later(200), self.act, cid, "resolve")
        elif story < 0.72:  # the complainant goes straight up, then the executor handles it
            self.at(later(35), lambda _w, token: self.tracking.escalate(token, "无人回复", True),
                    c["tracking_token"])
            self.at(later(70), self.act, cid, "arrive")
            self.at(later(80), self.act, cid, "verify", None if known else against)
            self.at(later(90), self.act, cid, "resolve")
        elif story < 0.78:  # a quality incident, its first step late sometimes
            self.at(later(10), lambda w, i: self.incidents.open(i, self.owner(i), "无法解决", w), cid)
            first = 60 * (20 if rng.random() < 0.5 else 30)
            for minutes, step in ((first, "investigated"), (60 * 40, "corrective_action"), (60 * 60, "closed")):
                self.at(later(minutes), lambda w, i, st: self.incidents.complete(i, st, self.owner(i), None, w),
                        cid, step)
            self.at(later(60 * 61), self.act, cid, "arrive")
            self.at(later(60 * 62), self.act, cid, "resolve")
        elif story < 0.9:  # nobody acts: the watch climbs the ladder; example C, later or never
            if rng.random() < 0.6:
                self.at(later(rng.choice([100, 200, 400])), self.act, cid, "arrive")
                self.at(later(500), self.act, cid, "verify", None if known else against)
                self.at(later(520), self.act, cid, "resolve")
        else:  # verified in time, then left alone
            self.at(later(10), self.act, cid, "verify", None if known else against)

    def spot_checks(self, share: float) -> None:
        spot = SpotCheckService(self.svc)
        checks = sorted(spot.plan(MONTH, seed=7, now=START)["checks"], key=lambda c: c["planned_at"])
        for check in checks:
            if self.rng.random() < share:
                planned = datetime.fromisoformat(check["planned_at"])
                items = list(range(1, len(check["items"]) + 1))
                failed = items[:1] if self.rng.random() < 0.5 else []
                against = STAFF[check["unit"]][0] if failed else None
                self.at(planned + timedelta(minutes=30),
                        lambda w, ck, f, a, n: spot.record(ck["id"], ck["inspector"], [i for i in n if i not in f],
                                                           f, against=a, at=w),
                        check, failed, against, items)
        self.at(datetime(2026, 12, 2, tzinfo=BUSINESS_TZ), lambda w: spot.mark_missed(w))

    def close(self) -> dict:
        for person, times in (("xiaowang", 3), ("songjia", 2)):
            for d in range(times):
                self.months.praise(person, "baihong", "表扬", START + timedelta(days=2 + 3 * d, hours=10))
        self.months.nominate(MONTH, "gate", "linba", "baihong")
        return self.months.close(MONTH, "wuqing")


@pytest.fixture
def audit_cli(db_url, monkeypatch, capsys):
    monkeypatch.setenv("JIANDU_DATABASE_URL", db_url)

    def run(*args):
        code = main(["audit", "replay", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_a_month_through_the_services_replays_without_a_difference(org_db, policy, tmp_path, audit_cli):
    started = time.perf_counter()
    month = Month(org_db, policy, tmp_path, complaints_per_day=10)
    month.spot_checks(share=0.3)
    month.run(until=datetime(2026, 12, 1, tzinfo=BUSINESS_TZ))
    closed = month.close()
    built = time.perf_counter()
    assert month.counts["complaints"] == 300 and month.counts["breaks"] > 30
    assert sum(p["deductions"] > 0 for p in closed["people"].values()) > 10

    audit = AuditService(org_db, policy)
    report = audit.replay(MONTH)
    assert report["differences"] == [] and report["ok"]
    assert report["month_status"] == "draft" and report["complaints_checked"] >= 300
    assert audit.replay(None)["ok"]
    assert audit.replay(MONTH) == report  # replaying twice: the same
    code, out, err = audit_cli("--month", MONTH)
    assert code == 0, out + err
    assert out.splitlines()[0].startswith("回放审计") and "0 difference" in out.splitlines()[1]
    print(f"\nmonth built in {built - started:.1f} s, audited in {time.perf_counter() - built:.1f} s, "
          f"{month.counts}")


@pytest.fixture
def small_month(org_db, policy, tmp_path):
    month = Month(org_db, policy, tmp_path, complaints_per_day=1, seed=11)
    month.run(until=datetime(2026, 11, 26, tzinfo=BUSINESS_TZ))
    # One complaint we know: verified against zhangsan, a broken respond clock, its ledger line.
    c = month.svc.create(window="inv-1", source="customer", category="attitude", text="x", against="zhangsan",
                         at=datetime(2026, 11, 27, 9, 0, tzinfo=BUSINESS_TZ))
    month.svc.advance(c["id"], "verify", c["owner"], None, datetime(2026, 11, 27, 9, 40, tzinfo=BUSINESS_TZ))
    month.close()
    return month, c


def _sql(db, statement: str, **params) -> None:
    with db.transaction() as s:
        s.execute(text(statement), params)


def test_a_value_changed_behind_the_services_back_is_reported_exactly(small_month, org_db, policy, audit_cli):
    month, c = small_month
    audit = AuditService(org_db, policy)
    assert audit.replay(MONTH)["ok"]
    cid, owner = c["id"], c["owner"]

    _sql(org_db, "UPDATE complaint SET owner_id = 'sunli' WHERE id = :id", id=cid)
    report = audit.replay(MONTH)
    assert report["differences"] == [{"what": f"complaint #{cid} owner", "stored": "sunli", "replayed": owner}]
    code, out, _ = audit_cli("--month", MONTH)
    assert code == 1 and f"complaint #{cid} owner" in out and "1 difference" in out
    _sql(org_db, "UPDATE complaint SET owner_id = :o WHERE id = :id", o=owner, id=cid)

    _sql(org_db, "UPDATE complaint_clock SET due_at = :due WHERE complaint_id = :id AND name = 'on_site'",
         due=datetime(2026, 11, 27, 4, 0, tzinfo=UTC), id=cid)
    assert audit.replay(MONTH)["differences"] == [
        {"what": f"complaint #{cid} clock 2 (on_site) due_at", "stored": "2026-11-27T12:00:00+08:00",
         "replayed": "2026-11-27T11:00:00+08:00"}]
    _sql(org_db, "UPDATE complaint_clock SET due_at = :due WHERE complaint_id = :id AND name = 'on_site'",
         due=datetime(2026, 11, 27, 3, 0, tzinfo=UTC), id=cid)

    with org_db.reading() as s:
        line_id, points = s.execute(text(
            "SELECT id, points FROM ledger_line WHERE month = :m AND person_id = 'zhangsan' ORDER BY id"),
            {"m": MONTH}).first()
        index = s.execute(text("SELECT count(*) FROM ledger_line WHERE month = :m AND person_id = 'zhangsan' "
                               "AND id <= :id"), {"m": MONTH, "id": line_id}).scalar()
    _sql(org_db, "UPDATE ledger_line SET points = 99 WHERE id = :id", id=line_id)
    assert audit.replay(MONTH)["differences"] == [
        {"what": f"ledger {MONTH} zhangsan line {index} points", "stored": 99, "replayed": points}]
    code, out, _ = audit_cli("--month", MONTH, "--json")
    assert code == 1 and '"ok": false' in out
    _sql(org_db, "UPDATE ledger_line SET points = :p WHERE id = :id", p=points, id=line_id)

    # A broken clock turned into a stopped one: the complaint and the month's inactivity line.
    _sql(org_db, "UPDATE complaint_clock SET state = 'stopped' WHERE complaint_id = :id AND name = 'respond'",
         id=cid)
    whats = [d["what"] for d in audit.replay(MONTH)["differences"]]
    # The facts replayed: the ledger still right; the team's record counts one more deadline kept.
    assert whats == [f"complaint #{cid} clock 1 (respond) state", f"month {MONTH} team.{owner}.kept"]
    _sql(org_db, "UPDATE complaint_clock SET state = 'broken' WHERE complaint_id = :id AND name = 'respond'",
         id=cid)
    assert audit_cli("--month", MONTH)[0] == 0


def test_a_changed_result_and_a_changed_history_row_are_found(small_month, org_db, policy):
    month, c = small_month
    audit = AuditService(org_db, policy)
    from scoring.models import MonthClose

    with org_db.transaction() as s:
        row = s.get(MonthClose, MONTH)
        stored = row.result
        people = dict(stored["people"])
        people["zhangsan"] = {**people["zhangsan"], "score": 100}
        row.result = {**stored, "people": people}
    diffs = audit.replay(MONTH)["differences"]
    assert diffs == [{"what": f"month {MONTH} people.zhangsan.score", "stored": 100,
                      "replayed": stored["people"]["zhangsan"]["score"]}]
    with org_db.transaction() as s:
        s.get(MonthClose, MONTH).result = stored

    _sql(org_db, "UPDATE complaint_event SET to_state = 'on_site' WHERE complaint_id = :id AND event = 'verify'",
         id=c["id"])
    assert audit.replay(MONTH)["differences"] == [
        {"what": f"complaint #{c['id']} history 2 (verify) to", "stored": "on_site", "replayed": "verified"}]


def test_the_watch_names_the_clock_it_broke_and_records_a_break_at_the_top(org_db, policy):
    svc = ComplaintService(org_db, policy)
    t0 = datetime(2026, 11, 3, 9, 0, tzinfo=BUSINESS_TZ)
    c = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=t0)
    ClockWatch(svc).check(t0 + timedelta(hours=8))  # 09:30 → 1, 11:30 → 2, 13:30 → 3, 15:30 at the top
    history = svc.get(c["id"])["history"]
    assert [(h["event"], h["by"], h["level"]) for h in history] == [
        ("receive", "intake", 0), ("escalate", "system", 1), ("escalate", "system", 2),
        ("escalate", "system", 3), ("break", "system", 3)]
    with org_db.reading() as s:
        data = [d for (d,) in s.execute(text("SELECT data FROM complaint_event WHERE complaint_id = :id "
                                              "ORDER BY id"), {"id": c["id"]})]
    data = [json.loads(d) if isinstance(d, str) else d for d in data]
    assert [d.get("clock") for d in data] == [None, "respond", "escalation", "escalation", "escalation"]
    assert AuditService(org_db, policy).replay(None)["ok"]


def test_replaying_twice_gives_the_same_result(small_month, org_db, policy):
    month, c = small_month
    audit = AuditService(org_db, policy, batch=7)  # several batches
    _sql(org_db, "UPDATE complaint SET level = 2 WHERE id = :id", id=c["id"])
    first, second = audit.replay(MONTH), audit.replay(MONTH)
    assert first == second and [d["what"] for d in first["differences"]] == [f"complaint #{c['id']} level"]
    assert AuditService(org_db, policy, batch=500).replay(MONTH) == first  # batch size changes nothing
    everything = audit.replay(None)
    assert everything == audit.replay(None) and everything["complaints_checked"] >= first["complaints_checked"]


def test_a_malformed_month_is_refused_and_an_open_month_checks_complaints_only(org_db, policy, audit_cli):
    with pytest.raises(InvalidInput):
        AuditService(org_db, policy).replay("2026-13")
    code, out, err = audit_cli("--month", "2026-13")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "MONTH" in err
    report = AuditService(org_db, policy).replay("2026-10")
    assert report == {"month": "2026-10", "month_status": None, "complaints_checked": 0, "differences": [],
                      "ok": True}


def test_the_audit_of_a_published_month_reads_the_people_as_they_were(small_month, org_db, policy, tmp_path):
    """Issue 22.10: after a person left (the organisation reloaded without him), the audit of the
    month he was scored in found differences until he was reloaded."""
    from core.orgservice import load_org_file
    from tests.conftest import SAMPLE_ORG

    month, _ = small_month
    month.months.publish(MONTH, "wuqing", at=datetime(2026, 12, 1, 10, tzinfo=BUSINESS_TZ))
    assert AuditService(org_db, policy).replay(MONTH)["ok"]
    text = SAMPLE_ORG.read_text(encoding="utf-8")
    gone = "  - {id: zhengda, name: 郑大, unit: loading}\n"  # no line that month: in no complaint
    assert gone in text
    (tmp_path / "org.yaml").write_text(text.replace(gone, ""), encoding="utf-8")
    left = load_org_file(org_db, tmp_path / "org.yaml", datetime(2026, 12, 2, tzinfo=UTC)).as_dict()
    assert left["deactivated"]["people"] == ["zhengda"]
    report = AuditService(org_db, policy).replay(MONTH)
    assert report["differences"] == [] and report["month_status"] == "published"
