"""The clock watch and the incident procedure on both databases; worked example C through the CLI."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.errors import Refused
from core.timeutil import BUSINESS_TZ
from jiandu.cli import main
from notifications.models import OutboxMessage
from notifications.notifier import OutboxNotifier
from scoring import result_to_json, score_month
from scoring.facts import read_month_facts
from states.incident import IncidentService
from states.models import ComplaintEvent
from states.service import ComplaintService
from states.watch import ClockWatch

T0 = datetime(2026, 11, 3, 9, 0, tzinfo=BUSINESS_TZ)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def svc(org_db, policy):
    from core.settings import Settings

    return ComplaintService(org_db, policy, now=lambda: at(0).astimezone(UTC),
                            listener=OutboxNotifier(Settings(), policy))


@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    monkeypatch.setenv("JIANDU_DATABASE_URL", db_url)

    def run(*args):
        code = main(list(args))
        out, err = capsys.readouterr()
        assert code == 0, err
        return json.loads(out) if "--json" in args else out

    run("init", "--sample")
    return run


def test_worked_example_c_through_the_cli(cli, db_url, policy):
    c = cli("complaint", "new", "--window", "wb-1", "--source", "customer", "--category", "attitude",
            "--text", "没人理", "--at", "2026-11-03T09:00+08:00", "--json")
    chen = c["owner"]  # the assigned supervisor (陈 in the example)
    assert cli("clocks", "check", "--now", "2026-11-03T09:29+08:00", "--json")["broken"] == []
    report = cli("clocks", "check", "--now", "2026-11-03T09:30+08:00", "--json")
    assert [(b["clock"], b["owner"], b["escalated"], b["level"], b["new_owner"]) for b in report["broken"]] \
        == [("respond", chen, True, 1, "zhouhua")]
    shown = cli("complaint", "show", str(c["id"]), "--json")
    escalation = [k for k in shown["clocks"] if k["name"] == "escalation"]
    assert [(k["due"], k["owner"]) for k in escalation] == [("2026-11-03T11:30:00+08:00", "zhouhua")]
    cli("complaint", "advance", str(c["id"]), "arrive", "--by", "zhouhua", "--at", "2026-11-03T11:20+08:00")
    cli("complaint", "advance", str(c["id"]), "resolve", "--by", "zhouhua", "--at", "2026-11-03T12:00+08:00")
    assert cli("clocks", "check", "--now", "2026-11-03T13:00+08:00", "--json")["broken"] == []
    from core.db import Database

    db = Database(db_url)
    with db.reading() as s:
        result = result_to_json(score_month(read_month_facts(s, "2026-11"), policy))
    db.dispose()
    lines = result["people"][chen]["lines"]
    assert [(ln["rule"], ln["points"]) for ln in lines] == [("inactivity", 3)]
    assert "respond" in lines[0]["reason"] or "回复" in lines[0]["reason"]
    assert result["people"]["zhouhua"]["deductions"] == 0


def test_example_c_when_the_executor_also_does_nothing(svc, org_db):
    c = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
    watch = ClockWatch(svc)
    watch.check(at(30))
    report = watch.check(at(150))
    assert [(b["clock"], b["owner"], b["level"], b["new_owner"]) for b in report.broken] == [
        ("escalation", "zhouhua", 2, "baihong")]
    clocks = {(k["name"], k["state"]): k for k in svc.get(c["id"])["clocks"]}
    assert clocks[("escalation", "running")]["due"] == "2026-11-03T13:30:00+08:00"


def test_a_late_watch_catches_up_rung_by_rung(svc):
    c = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
    report = ClockWatch(svc).check(at(60 * 8))  # nobody looked all day
    # 09:30 → 总执行, 11:30 → 组长, 13:30 → 董事长, 15:30 recorded at the top.
    assert [(b["due"][11:16], b["level"], b["escalated"]) for b in report.broken] == [
        ("09:30", 1, True), ("11:30", 2, True), ("13:30", 3, True), ("15:30", 3, False)]
    assert svc.get(c["id"])["owner"] == "dongshi"


def breaks_of(svc, complaint_id: int) -> list[tuple]:
    return [(k["name"], k["owner"], k["due"][8:16], k["state"], k["ended"] and k["ended"][8:16])
            for k in svc.get(complaint_id)["clocks"]]


def test_a_watch_days_late_gives_exactly_the_on_time_result(svc, org_db, policy):
    """Issue 22.5: two identical neglected complaints, one watched every 10 minutes, the other's
    clocks only looked at three days later: the same breaks, owners, history and points."""
    on_time = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)["id"]
    watch = ClockWatch(svc)
    for minutes in range(10, 60 * 27, 10):
        watch.check(at(minutes))
    late = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)["id"]
    report = watch.check(at(60 * 24 * 3))
    assert [(b["clock"], b["due"][8:16], b["owner"]) for b in report.broken] == [
        ("respond", "03T09:30", svc.get(late)["history"][0]["owner"]), ("escalation", "03T11:30", "zhouhua"),
        ("escalation", "03T13:30", "baihong"), ("escalation", "03T15:30", "dongshi"),
        ("resolve", "04T09:00", "dongshi")]
    assert breaks_of(svc, late) == breaks_of(svc, on_time)
    history = [[(h["event"], h["at"], h["level"], h["owner"] != svc.get(cid)["history"][0]["owner"] and h["owner"])
                for h in svc.get(cid)["history"]] for cid in (on_time, late)]
    assert history[0] == history[1]
    with org_db.reading() as s:
        lines = result_to_json(score_month(read_month_facts(s, "2026-11"), policy))["people"]
    for pid, p in lines.items():  # every line twice, once per complaint
        keys = sorted((ln["rule"], ln["points"], ln["at"]) for ln in p["lines"])
        assert keys[0::2] == keys[1::2], pid
    # The executor missed one escalation deadline per complaint, no more (the bug: the resolve
    # clock charged to him too); the chairman, who held it at 09:00 the next day, is charged.
    assert [ln["at"][8:16] for ln in lines["zhouhua"]["lines"]] == ["03T11:30", "03T11:30"]
    assert "04T09:00" in {ln["at"][8:16] for ln in lines["dongshi"]["lines"]}


def test_above_the_chairman_breaks_are_recorded_not_escalated(svc, org_db):
    c = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
    watch = ClockWatch(svc)
    watch.check(at(60 * 5))
    report = watch.check(at(60 * 25))  # the resolve clock (24 h) breaks at the top rung
    assert [(b["clock"], b["escalated"], b["owner"]) for b in report.broken] == [
        ("escalation", False, "dongshi"), ("resolve", False, "dongshi")]
    assert svc.get(c["id"])["level"] == 3
    with org_db.reading() as s:
        kinds = [m.recipient for m in s.scalars(select(OutboxMessage)
                                                .where(OutboxMessage.kind == "clock_breach"))]
    assert sorted(kinds) == ["dongshi", "dongshi", "wuqing", "wuqing", "zhouhua", "zhouhua"]


def test_running_twice_or_twice_at_once_never_breaks_twice(svc, org_db):
    ids = [svc.create(window="wb-1", source="customer", category="attitude", text=str(i), at=T0)["id"]
           for i in range(6)]
    assert ClockWatch(svc).check(at(29)).broken == []
    reports = []
    barrier = threading.Barrier(2)

    def watch():
        barrier.wait()
        reports.append(ClockWatch(svc).check(at(31)))

    threads = [threading.Thread(target=watch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    broken = [b for r in reports for b in r.broken]
    assert sorted(b["complaint"] for b in broken) == sorted(ids)
    assert ClockWatch(svc).check(at(31)).broken == []
    with org_db.reading() as s:
        escalations = s.scalar(select(func.count()).select_from(ComplaintEvent)
                               .where(ComplaintEvent.event == "escalate"))
    assert escalations == len(ids)


def test_one_failing_break_costs_itself_not_its_batch(svc, org_db, policy):
    """Breaks are committed in batches; when one of them fails, the batch is rolled back and each
    break retried alone: the others land, the failing one is left running for the next pass."""
    from core.settings import Settings

    ids = [svc.create(window="wb-1", source="customer", category="attitude", text=str(i), at=T0)["id"]
           for i in range(5)]
    notifier = OutboxNotifier(Settings(), policy)

    def failing_listener(s, change):
        if change.complaint_id == ids[2] and getattr(change, "event", None) == "escalate":
            raise Refused("simulated failure of one break")
        notifier(s, change)

    watch = ClockWatch(ComplaintService(org_db, policy, now=svc.now, listener=failing_listener),
                       per_transaction=5)
    report = watch.check(at(31))
    assert sorted(b["complaint"] for b in report.broken) == sorted(set(ids) - {ids[2]})
    assert report.conflicts == 1
    with org_db.reading() as s:
        escalated = dict(s.execute(select(ComplaintEvent.complaint_id, func.count())
                                   .where(ComplaintEvent.event == "escalate")
                                   .group_by(ComplaintEvent.complaint_id)).all())
        told = set(s.scalars(select(OutboxMessage.complaint_id)
                             .where(OutboxMessage.kind == "complaint_escalated")))
    assert escalated == {cid: 1 for cid in ids if cid != ids[2]}  # nothing twice, nothing half
    assert told == set(ids) - {ids[2]}
    # The next pass, the failure gone, breaks the one left.
    assert [b["complaint"] for b in ClockWatch(svc).check(at(32)).broken] == [ids[2]]


def test_warnings_at_half_and_four_fifths_once_each(svc, org_db):
    svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
    watch = ClockWatch(svc)
    assert [(w["clock"], w["percent"]) for w in watch.check(at(15)).warned] == [("respond", 50)]
    assert watch.check(at(16)).warned == []
    assert [(w["clock"], w["percent"]) for w in watch.check(at(24)).warned] == [("respond", 80)]
    assert watch.check(at(25)).warned == []
    # The on-site clock (2 h): 50 % at 10:00. A late watch warns once, at the highest point passed.
    assert [(w["clock"], w["percent"]) for w in watch.check(at(29)).warned] == []
    with org_db.reading() as s:
        warnings = s.scalar(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.kind == "clock_warning"))
    assert warnings == 2


def test_incident_procedure_steps_escalation_and_resolve_guard(svc, org_db):
    incidents = IncidentService(svc)
    c = svc.create(window="wb-1", source="customer", category="dispute", text="货少了",
                   against="lisi", at=T0)
    owner = c["owner"]
    svc.advance(c["id"], "verify", owner, None, at(10))
    svc.advance(c["id"], "arrive", owner, None, at(40))
    opened = incidents.open(c["id"], owner, "无法当场解决", at(60))
    assert opened["status"] == "open" and opened["level"] == 1 and opened["owner"] == "zhouhua"
    assert [(st["step"], st["due"]) for st in opened["steps"]] == [
        ("investigated", "2026-11-04T10:00:00+08:00"),
        ("corrective_action", "2026-11-06T10:00:00+08:00"),
        ("closed", "2026-11-10T10:00:00+08:00")]
    with pytest.raises(Refused, match="质量事故"):
        svc.advance(c["id"], "resolve", "zhouhua", None, at(70))
    with pytest.raises(Refused, match="next step is 'investigated'"):
        incidents.complete(c["id"], "closed", "zhouhua", None, at(70))
    incidents.complete(c["id"], "investigated", "zhouhua", "查明原因", at(60 * 20))
    # The corrective action is missed: the step breaks and the complaint climbs like any clock.
    report = ClockWatch(svc).check(at(60 * 73))
    assert ("incident:corrective_action", "zhouhua", 2) in [(b["clock"], b["owner"], b["level"])
                                                             for b in report.broken]
    done = incidents.complete(c["id"], "corrective_action", "baihong", None, at(60 * 74))
    assert [s["done"] for s in done["steps"]] == [True, True, False]
    assert done["steps"][1]["clock"] == "broken"  # done late: the breach stays on record
    closed = incidents.complete(c["id"], "closed", "baihong", "客户确认", at(60 * 80))
    assert closed["status"] == "closed"
    assert svc.advance(c["id"], "resolve", "baihong", None, at(60 * 81))["state"] == "resolved"
    with org_db.reading() as s:
        kinds = {m.kind for m in s.scalars(select(OutboxMessage))}
    assert "incident_step" in kinds


def test_incident_through_advance_reason(cli):
    c = cli("complaint", "new", "--window", "ul-1", "--source", "customer", "--category", "other",
            "--text", "卸不了", "--at", "2026-11-03T09:00+08:00", "--json")
    out = cli("complaint", "advance", str(c["id"]), "escalate", "--reason", "incident", "--by", c["owner"],
              "--at", "2026-11-03T09:10+08:00", "--json")
    assert out["incident"] == "open" and out["level"] == 1
    shown = cli("incident", "show", str(c["id"]), "--json")
    assert [st["step"] for st in shown["steps"]] == ["investigated", "corrective_action", "closed"]


def test_a_vacant_rung_is_recorded_not_a_stuck_watch(svc, org_db, tmp_path):
    from core.orgservice import load_org_file
    from tests.conftest import SAMPLE_ORG

    no_chairman = SAMPLE_ORG.read_text(encoding="utf-8").replace("  chairman: dongshi\n", "")
    (tmp_path / "org.yaml").write_text(no_chairman, encoding="utf-8")
    load_org_file(org_db, tmp_path / "org.yaml", T0.astimezone(UTC))
    first = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
    report = ClockWatch(svc).check(at(60 * 5))
    assert [(b["level"], b["escalated"]) for b in report.broken] == [(1, True), (2, True), (2, False)]
    assert svc.get(first["id"])["owner"] == "baihong"
    later = svc.create(window="wb-2", source="customer", category="attitude", text="y", at=at(60 * 5))
    report = ClockWatch(svc).check(at(60 * 5 + 31))
    assert [(b["complaint"], b["clock"]) for b in report.broken] == [(later["id"], "respond")]


def waiting_for_a_lock(checker_of, thread: threading.Thread, timeout: float = 120) -> None:
    """Until some backend of this database waits for a lock, or ``thread`` ended (a deadlock
    PostgreSQL broke); polled, not slept: a loaded machine gets there late."""
    from sqlalchemy import text

    deadline = time.monotonic() + timeout
    with checker_of.engine.connect() as conn:
        while thread.is_alive():
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                        "AND datname = current_database()")).scalar()
            conn.rollback()
            if waiting:
                return
            assert time.monotonic() < deadline, "the person never waited for the watch's lock"
            time.sleep(0.02)


# PostgreSQL only: SQLite serialises writers, so it has no row locks to take in the wrong order.
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_person_acting_while_the_watch_breaks_the_same_complaint_never_deadlocks(svc, org_db, db_url,
                                                                                    policy):
    """The watch locks a batch's complaints before it touches their clocks, in the order a
    person's advance takes them: the two wait for each other, they never deadlock (PostgreSQL
    would kill one of them after a second). Held inside the watch's transaction, right after it
    broke the clock, while the person acts on that complaint."""
    from sqlalchemy import event

    from core.db import Database
    from core.errors import Conflict

    c = svc.create(window="wb-1", source="customer", category="attitude", text="x", at=T0)
    watch_db, person_db = Database(db_url), Database(db_url)
    broke, go = threading.Event(), threading.Event()

    def hold_after_the_break(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE complaint_clock") and "broken" in str(parameters) \
                and not broke.is_set():
            broke.set()
            assert go.wait(timeout=30)

    event.listen(watch_db.engine, "after_cursor_execute", hold_after_the_break)
    reports, errors = [], []

    def watch():
        try:
            reports.append(ClockWatch(ComplaintService(watch_db, policy, now=svc.now,
                                                       listener=svc.listener)).check(at(31)))
        except Exception as exc:  # noqa: BLE001 - the test fails with it below
            errors.append(exc)

    thread = threading.Thread(target=watch)
    thread.start()
    assert broke.wait(timeout=30)
    person = ComplaintService(person_db, policy, now=svc.now, listener=svc.listener)
    outcome: list = []

    def act():
        try:
            outcome.append(person.advance(c["id"], "verify", c["owner"], None, at(31), against="lisi"))
        except Exception as exc:  # noqa: BLE001 - Conflict expected, anything else fails
            outcome.append(exc)

    acting = threading.Thread(target=act)
    acting.start()
    waiting_for_a_lock(person_db, acting)  # the person now waits for the watch's lock (or is deadlocked)
    go.set()
    thread.join(timeout=30)
    acting.join(timeout=30)
    for db in (watch_db, person_db):
        db.dispose()
    assert errors == [] and [b["complaint"] for b in reports[0].broken] == [c["id"]]
    # The person acted on what he saw before the escalation: told to reload, nothing half-done.
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict), outcome
    shown = svc.get(c["id"])
    assert (shown["state"], shown["level"]) == ("escalated", 1)
