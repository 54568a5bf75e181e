"""The month close on both databases: a month replayed with --at, drafts, publish, history, races."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, update

from core.errors import Conflict, Forbidden, InvalidInput, Refused
from core.settings import Settings
from notifications.models import OutboxMessage
from scoring import result_to_json, score_month
from scoring.close import MonthCloseService
from scoring.facts import read_month_facts
from scoring.models import LedgerLine, MonthClose, MonthOutcome

STATUS_KEYS = {"status", "drafts", "closed_by", "closed_at", "published_by", "published_at",
               "changes_since_previous_draft"}


def replay_november(cli):
    """Worked example A (张三) and B (小王), one breach, with --at."""
    def complaint(window, category, source, against, received, verified):
        c = cli("complaint", "new", "--window", window, "--source", source, "--category", category,
                "--text", "…", "--against", against, "--at", received, "--json")
        cli("complaint", "advance", str(c["id"]), "verify", "--by", c["owner"], "--at", verified, "--json")
        return c

    complaint("inv-1", "attitude", "customer", "zhangsan", "2026-11-03T09:00", "2026-11-03T09:20")
    complaint("inv-1", "dispute", "customer", "zhangsan", "2026-11-10T09:00", "2026-11-10T09:20")
    complaint("inv-2", "attitude", "coordination", "zhangsan", "2026-11-20T09:00", "2026-11-20T09:20")
    late = cli("complaint", "new", "--window", "wb-1", "--source", "customer", "--category", "other",
               "--text", "没人来", "--at", "2026-11-21T09:00", "--json")
    cli("clocks", "check", "--now", "2026-11-21T09:31", "--json")
    for day in (2, 4, 6, 8):
        cli("praise", "xiaowang", "--by", "lizhu", "--at", f"2026-11-{day:02d}T12:00", "--json")
    cli("praise", "xiaozhao", "--by", "lizhu", "--at", "2026-11-09T12:00", "--json")
    return late


def test_a_month_from_intake_to_publish(cli, db_url, policy, tmp_path):
    late = replay_november(cli)
    assert "only president_office" in cli("month", "close", "2026-11", "--by", "lizhu", expect=2)
    draft = cli("month", "close", "2026-11", "--by", "wuqing", "--at", "2026-12-01T09:00", "--json")
    assert draft["status"] == "draft" and draft["policy_version"] == policy.version

    # The ledger equals the engine's own result for the same facts.
    from core.db import Database

    db = Database(db_url)
    with db.reading() as s:
        engine = result_to_json(score_month(read_month_facts(s, "2026-11"), policy))
    assert {k: v for k, v in draft.items() if k not in STATUS_KEYS} == engine
    zs = draft["people"]["zhangsan"]
    assert (zs["deductions"], zs["score"], zs["fine"], zs["worst"]) == (40, 60, 500, True)
    def points(pid, rule):
        return sum(ln["points"] for ln in draft["people"][pid]["lines"] if ln["rule"] == rule)

    assert points("lizhu", "complaint.supervisor") == 9 and points("wangzong", "complaint.leader") == 3
    assert points(late["owner"], "inactivity") == 3
    assert draft["stars"]["invoicing"]["person"] == "xiaowang"
    assert (tmp_path / "notices" / "2026-11" / "notice-draft.html").exists()

    again = cli("month", "close", "2026-11", "--by", "wuqing", "--at", "2026-12-01T09:00", "--json")
    assert again["drafts"] == 2
    assert draft["changes_since_previous_draft"] == [] and again["changes_since_previous_draft"] == []
    assert {k: v for k, v in again.items() if k not in STATUS_KEYS} == engine
    with db.reading() as s:
        lines = s.scalar(select(func.count()).select_from(LedgerLine).where(LedgerLine.month == "2026-11"))
    assert lines == sum(len(p["lines"]) for p in engine["people"].values())

    published = cli("month", "publish", "2026-11", "--by", "wuqing", "--at", "2026-12-01T10:00", "--json")
    assert published["status"] == "published"
    with db.reading() as s:
        queued = s.scalar(select(func.count()).select_from(OutboxMessage)
                          .where(OutboxMessage.kind.in_(["month_results", "worst_rating", "service_star"])))
        outcomes = {(o.person_id, o.star_unit, o.worst) for o in s.scalars(select(MonthOutcome))}
    people_with_lines = sum(1 for p in engine["people"].values() if p["lines"])
    assert queued >= people_with_lines + 2  # + worst rating to the president's office (2 people)
    assert ("zhangsan", None, True) in outcomes and ("xiaowang", "invoicing", False) in outcomes
    # Issue 22.12: publishing twice is refused (exit 2), and changes nothing.
    again = cli("month", "publish", "2026-11", "--by", "wuqing", "--at", "2026-12-01T10:00", "--json", expect=2)
    assert "already published" in again and "已公布" in again and len(again.strip().splitlines()) == 1
    assert cli("month", "show", "2026-11", "--json") == published
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.kind == "month_results")) == people_with_lines
    assert "never closed again" in cli("month", "close", "2026-11", "--by", "wuqing", expect=2)
    shown = cli("month", "show", "2026-11", "--json")
    assert shown["status"] == "published" and shown["people"] == engine["people"]
    folder = tmp_path / "notices" / "2026-11"
    assert (folder / "notice.html").exists() and (folder / "notice.xlsx").stat().st_size > 0
    assert "张三" in (folder / "notice.html").read_text(encoding="utf-8")
    db.dispose()


def test_the_next_month_sees_the_published_history(cli):
    replay_november(cli)
    cli("month", "close", "2026-11", "--by", "wuqing", "--at", "2026-12-01T09:00", "--json")
    cli("month", "publish", "2026-11", "--by", "wuqing", "--at", "2026-12-01T10:00", "--json")
    cli("praise", "xiaowang", "--by", "lizhu", "--at", "2026-12-03T12:00", "--json")
    cli("month", "adjust", "2026-12", "zhangsan", "--points", "-5", "--corrects", "2026-11/1",
        "--reason", "申诉成立 appeal upheld", "--by", "wuqing", "--json")
    december = cli("month", "close", "2026-12", "--by", "wuqing", "--json")
    assert december["stars"]["invoicing"]["streak"] == 2 and december["stars"]["invoicing"]["reward"] == 1000
    zs = december["people"]["zhangsan"]
    assert zs["deductions"] == -5 and zs["score"] == 105  # points given back: baseline − (−5)
    assert [ln["source"] for ln in zs["lines"]] == ["2026-11/1"]
    assert "must name an earlier published month" in cli(
        "month", "adjust", "2026-12", "zhangsan", "--points", "2", "--corrects", "2026-10/9",
        "--reason", "x", "--by", "wuqing", expect=2)


def test_publish_refuses_a_stale_draft(cli):
    replay_november(cli)
    cli("month", "close", "2026-11", "--by", "wuqing", "--at", "2026-12-01T09:00", "--json")
    c = cli("complaint", "new", "--window", "gate-1", "--source", "customer", "--category", "attitude",
            "--text", "x", "--against", "guoqi", "--at", "2026-11-25T09:00", "--json")
    cli("complaint", "advance", str(c["id"]), "verify", "--by", c["owner"], "--at", "2026-11-25T09:10", "--json")
    publish = ("month", "publish", "2026-11", "--by", "wuqing", "--at", "2026-12-01T10:00")
    assert "changed since the draft" in cli(*publish, expect=2)
    cli("month", "close", "2026-11", "--by", "wuqing", "--at", "2026-12-01T09:00", "--json")
    assert cli(*publish, "--json")["status"] == "published"


def test_a_reclose_rewrites_the_ledger_only_when_its_lines_would_change(org_db, policy, tmp_path, monkeypatch):
    """Issue 15 item 3: the same facts, policy and scoring code keep the draft's rows (and its
    stored facts); new facts, or another scoring code, write them again, equal to the engine's."""
    import scoring.close as close_module
    from scoring.models import MonthClose
    from states.service import ComplaintService

    complaints = ComplaintService(org_db, policy)

    def verified(person, day):
        c = complaints.create(window="inv-1", source="customer", category="attitude", text="x",
                              against=person, at=datetime(2026, 11, day, 9, tzinfo=UTC))
        complaints.advance(c["id"], "verify", c["owner"], None, datetime(2026, 11, day, 9, 10, tzinfo=UTC))

    def ledger():
        with org_db.reading() as s:
            rows = s.execute(select(LedgerLine.id, LedgerLine.person_id, LedgerLine.reason_zh)
                             .where(LedgerLine.month == "2026-11").order_by(LedgerLine.id)).all()
            row = s.get(MonthClose, "2026-11")
            engine = result_to_json(score_month(read_month_facts(s, "2026-11"), policy))
            return rows, row.ledger_of, len(row.facts["complaints"]), engine

    def engine_lines(engine):
        return sorted((pid, ln["reason_zh"]) for pid, p in engine["people"].items() for ln in p["lines"])

    def mark():  # a row changed behind the close's back shows whether a close rewrote the rows
        with org_db.transaction() as s:
            s.execute(update(LedgerLine).where(LedgerLine.id == s.scalar(select(func.min(LedgerLine.id))))
                      .values(reason_zh="MARK"))

    def lines(rows):
        return sorted((p, z) for _, p, z in rows)

    months = MonthCloseService(org_db, policy, Settings(notice_dir=tmp_path))
    verified("zhangsan", 3)
    verified("zhangsan", 4)
    months.close("2026-11", "wuqing")
    first, key, stored, engine = ledger()
    assert key and stored == 2 and lines(first) == engine_lines(engine)

    mark()
    assert months.close("2026-11", "wuqing")["drafts"] == 2
    kept, key_again, stored, _ = ledger()
    assert (key_again, stored) == (key, 2)
    assert [i for i, _, _ in kept] == [i for i, _, _ in first] and "MARK" in {z for _, _, z in kept}

    verified("xiaozhao", 5)
    months.close("2026-11", "wuqing")
    second, key2, stored, engine = ledger()
    # New facts write again the lines of only the people they change: the marked row of one
    # they do not change stays as it was (migration 0018); with it put back, the engine's lines.
    marked = next(r for r in kept if r.reason_zh == "MARK")
    assert marked in second
    was = next(z for i, _, z in first if i == marked.id)
    restored = sorted((p, was if i == marked.id else z) for i, p, z in second)
    assert key2 != key and stored == 3 and restored == engine_lines(engine) != lines(first)

    mark()
    monkeypatch.setattr(close_module, "_ledger_code", lambda: "another scoring code")
    months.close("2026-11", "wuqing")
    third, key3, _, engine = ledger()
    assert key3 != key2 and lines(third) == restored == engine_lines(engine)
    assert "MARK" not in {z for _, _, z in third}  # another scoring code writes every line again


LINE = (LedgerLine.person_id, LedgerLine.rule, LedgerLine.points, LedgerLine.money, LedgerLine.source,
        LedgerLine.reason_zh, LedgerLine.reason_en, LedgerLine.at)


def month_ledger(db, month="2026-11"):
    """Every line of the month (id, then the columns) in id order, and the people's digests."""
    from scoring.models import LedgerPerson

    with db.reading() as s:
        lines = s.execute(select(LedgerLine.id, *LINE).where(LedgerLine.month == month)
                          .order_by(LedgerLine.id)).all()
        digests = dict(s.execute(select(LedgerPerson.person_id, LedgerPerson.digest)
                                 .where(LedgerPerson.month == month)).all())
    return lines, digests


def by_person(lines):
    """Each person's lines in id order, without the ids: what every reader of the ledger sees."""
    out: dict[str, list[tuple]] = {}
    for ln in lines:
        out.setdefault(ln.person_id, []).append(tuple(ln)[1:])
    return out


def test_a_reclose_after_one_change_rewrites_only_the_changed_people(org_db, policy, tmp_path):
    """Issue 15 item 3: one more complaint re-writes the lines of the people it concerns (the
    person, his supervisor, the leader in charge), keeps everyone else's rows, and leaves the
    very ledger a close from scratch of the same facts makes."""
    from scoring.models import LedgerPerson, MonthClose
    from states.service import ComplaintService

    complaints = ComplaintService(org_db, policy)

    def verified(window, person, day):
        c = complaints.create(window=window, source="customer", category="attitude", text="x",
                              against=person, at=datetime(2026, 11, day, 9, tzinfo=UTC))
        complaints.advance(c["id"], "verify", c["owner"], None, datetime(2026, 11, day, 9, 10, tzinfo=UTC))

    months = MonthCloseService(org_db, policy, Settings(notice_dir=tmp_path))
    for day in (3, 4, 5):
        verified("inv-1", "zhangsan", day)
    verified("ld-1", "zhoujun", 6)
    months.close("2026-11", "wuqing")
    before, digests_before = month_ledger(org_db)
    ids_before = {p: [ln.id for ln in before if ln.person_id == p] for p in by_person(before)}
    assert {"zhangsan", "lizhu", "zhoujun"} <= set(ids_before) == set(digests_before)
    assert "sunli" not in ids_before  # a supervisor's line comes with his person's second complaint

    with org_db.transaction() as s:  # marks behind the close's back: which rows it writes again
        for person in ("zhangsan", "zhoujun"):
            s.execute(update(LedgerLine).where(LedgerLine.id == ids_before[person][0]).values(reason_en="MARK"))
    verified("ld-2", "zhoujun", 7)  # the loading unit's people change; the invoicing unit's do not
    months.close("2026-11", "wuqing")
    after, digests_after = month_ledger(org_db)
    ids_after = {p: [ln.id for ln in after if ln.person_id == p] for p in by_person(after)}
    changed = {p for p in ids_after if ids_after[p] != ids_before.get(p)}
    assert {"zhoujun", "sunli"} <= changed and not changed & {"zhangsan", "lizhu", "wangzong"}
    assert changed == {p for p in digests_after if digests_after[p] != digests_before.get(p)}
    assert [ln.person_id for ln in after if ln.reason_en == "MARK"] == ["zhangsan"]
    with org_db.transaction() as s:  # the mark undone: the ledger as the close left it
        s.execute(update(LedgerLine).where(LedgerLine.reason_en == "MARK")
                  .values(reason_en=next(ln.reason_en for ln in before if ln.id == ids_before["zhangsan"][0])))
    after, _ = month_ledger(org_db)
    assert len(by_person(after)["zhoujun"]) > len(by_person(before)["zhoujun"])

    # The same facts closed from scratch: no draft, no ledger, no digests before it.
    with org_db.transaction() as s:
        for table in (LedgerLine, LedgerPerson, MonthClose):
            s.query(table).filter(table.month == "2026-11").delete()
    months.close("2026-11", "wuqing")
    scratch, digests_scratch = month_ledger(org_db)
    assert by_person(after) == by_person(scratch) and digests_after == digests_scratch
    assert sorted(tuple(ln)[1:] for ln in after) == sorted(tuple(ln)[1:] for ln in scratch)


def test_write_ledger_rewrites_the_changed_the_new_and_the_gone_in_batches(org_db, monkeypatch):
    """The ledger writer itself, batches of 2 rows and 1 person: a person changed, one new, one
    without lines any more, one unchanged; and a draft from before the digests (migration 0018)."""
    from types import SimpleNamespace

    import scoring.close as close_module
    from scoring.close import insert_ledger, ledger_rows, write_ledger
    from scoring.models import LedgerPerson

    monkeypatch.setattr(close_module, "REWRITE_BATCH_ROWS", 2)
    monkeypatch.setattr(close_module, "DELETE_BATCH_PEOPLE", 1)

    def result(lines: dict[str, list[str]]):
        at = datetime(2026, 11, 3, 9, tzinfo=UTC)
        return SimpleNamespace(people={pid: SimpleNamespace(lines=[
            (None, "rule", -1, 0, f"c{k}", f"{r}（中）", f"{r} (en)", at, None if k % 2 else "某人")
            for k, r in enumerate(reasons)]) for pid, reasons in lines.items()})

    def write(lines):
        with org_db.transaction() as s:
            write_ledger(s, "2026-11", result(lines))
        return month_ledger(org_db)

    first = {"a": ["x", "y"], "b": ["z"], "c": ["w", "v", "u"], "d": []}
    lines1, digests1 = write(first)
    assert set(digests1) == {"a", "b", "c"} and len(lines1) == 6
    second = {"a": ["x", "y"], "b": ["z", "z2"], "c": [], "d": ["n"], "e": ["m", "o"]}
    lines2, digests2 = write(second)
    kept = {ln.id for ln in lines1 if ln.person_id == "a"}
    assert kept == {ln.id for ln in lines2 if ln.person_id == "a"} and digests2["a"] == digests1["a"]
    assert set(digests2) == {"a", "b", "d", "e"} and "c" not in by_person(lines2)
    rows = [row[1:] for row in ledger_rows("2026-11", result(second))]
    assert by_person(lines2) == {p: [r for r in rows if r[0] == p] for p in second if second[p]}

    # A draft from before the digests: its lines without a digest are replaced whole.
    with org_db.transaction() as s:
        s.execute(delete(LedgerLine))
        s.execute(delete(LedgerPerson))
        insert_ledger(s, ledger_rows("2026-11", result(first)))
    lines3, digests3 = write(second)
    assert by_person(lines3) == by_person(lines2) and digests3 == digests2


def test_a_broken_clock_of_nobody_in_the_directory_refuses_the_close(cli, db_url):
    """A clock's owner is a bare id (no foreign key): one naming nobody would score a ghost row."""
    from core.db import Database
    from scoring.models import MonthClose
    from states.models import Clock

    replay_november(cli)
    db = Database(db_url)
    at = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    with db.transaction() as s:
        s.add(Clock(complaint_id=1, name="respond", owner_id="ghost", level=0, started_at=at, due_at=at,
                    state="broken", ended_at=at))
    err = cli("month", "close", "2026-11", "--by", "wuqing", expect=2)
    assert re.search(r"breaches\[\d+\]\.owner: unknown person 'ghost' .*\(k\d+\)", err), err
    assert len(err.strip().splitlines()) == 1
    with db.reading() as s:  # nothing half-written
        assert s.get(MonthClose, "2026-11") is None
        assert s.scalar(select(func.count()).select_from(LedgerLine)) == 0


def test_the_published_workbook_holds_names_as_text_never_formulas(cli, tmp_path):
    """Issue 21 through the database: names from the organisation file start like formulas."""
    import io

    from openpyxl import load_workbook

    from tests.conftest import SAMPLE_ORG

    evil = {"张三": '=HYPERLINK("http://evil.example/","x")', "开票室": "+开票室", "小王": "@SUM(A1)"}
    text = SAMPLE_ORG.read_text(encoding="utf-8")
    for name, shown in evil.items():
        text = text.replace(f"name: {name},", f"name: '{shown}',").replace(f'name: "{name}"', f"name: '{shown}'")
    org = tmp_path / "org.yaml"
    org.write_text(text, encoding="utf-8")
    cli("org", "load", str(org), "--json")
    replay_november(cli)
    cli("month", "close", "2026-11", "--by", "wuqing", "--at", "2026-12-01T09:00", "--json")
    cli("month", "publish", "2026-11", "--by", "wuqing", "--at", "2026-12-01T10:00", "--json")
    wb = load_workbook(io.BytesIO((tmp_path / "notices" / "2026-11" / "notice.xlsx").read_bytes()))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    people = {r[0]: r for r in wb["人员 People"].iter_rows(min_row=2, values_only=True)}  # by name, no id
    assert people[evil["张三"]][:2] == (evil["张三"], evil["开票室"])
    assert evil["小王"] in people


def test_nominations_and_praise_are_checked(org_db, policy, tmp_path):
    months = MonthCloseService(org_db, policy, Settings(notice_dir=tmp_path),
                               now=lambda: datetime(2026, 11, 28, tzinfo=UTC))
    with pytest.raises(Forbidden):
        months.nominate("2026-11", "gate", "linba", "linba")
    with pytest.raises(InvalidInput, match="not of unit"):
        months.nominate("2026-11", "gate", "lisi", "baihong")
    with pytest.raises(InvalidInput, match="MONTH"):
        months.nominate("2026-13", "gate", "linba", "baihong")
    assert months.nominate("2026-11", "gate", "linba", "baihong")["person"] == "linba"
    assert months.nominate("2026-11", "gate", "guoqi", "baihong")["person"] == "guoqi"  # replaces
    with pytest.raises(Refused):
        months.praise("linba", "linba")
    result = months.close("2026-11", "zhouhua")
    assert result["stars"]["gate"]["person"] == "guoqi"


def test_publishing_a_month_that_is_not_over_is_refused(cli):
    assert "not over yet" in cli("month", "publish", "2026-11", "--by", "wuqing",
                                 "--at", "2026-11-30T23:59", expect=2)
    # Only the schedule drafts as 'system'; from the command line it is nobody.
    assert "'system'" in cli("month", "close", "2026-11", "--by", "system", expect=2)


def test_two_closes_at_once_leave_one_consistent_draft(org_db, policy, tmp_path):
    from states.service import ComplaintService

    complaints = ComplaintService(org_db, policy)
    for i, person in enumerate(["zhangsan", "zhangsan", "xiaozhao"]):
        c = complaints.create(window="inv-1", source="customer", category="attitude", text="x",
                              against=person, at=datetime(2026, 11, 3 + i, 9, tzinfo=UTC))
        complaints.advance(c["id"], "verify", c["owner"], None, datetime(2026, 11, 3 + i, 9, 10, tzinfo=UTC))
    months = MonthCloseService(org_db, policy, Settings(notice_dir=tmp_path))
    barrier = threading.Barrier(2)
    results, refused = [], []

    def close():
        barrier.wait()
        try:
            results.append(months.close("2026-11", "wuqing"))
        except Conflict as exc:  # the other one held the month: refused, not queued
            refused.append(str(exc))

    threads = [threading.Thread(target=close) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Overlapping, one runs and the other is refused; one after the other, both run.
    assert len(results) >= 1 and len(results) + len(refused) == 2
    assert all("is running" in r for r in refused)
    final = months.show("2026-11")
    assert final["drafts"] == len(results)
    with org_db.reading() as s:
        lines = s.scalar(select(func.count()).select_from(LedgerLine))
    assert lines == sum(len(p["lines"]) for p in final["people"].values()) >= 5
    assert all(r["people"] == final["people"] for r in results)


def test_on_postgresql_a_close_stores_its_large_json_with_lz4_and_the_migration_undoes_it(postgres_url):
    """Migration 0019: month_close's facts, result and previous_result are compressed with lz4 (pglz
    took a tenth of a large close to store the facts); a downgrade gives the columns pglz back."""
    import json

    from alembic import command
    from sqlalchemy import text

    from core.db import Database
    from jiandu.migrate import alembic_config
    from scoring.close import facts_text

    db = Database(postgres_url)
    month = "1999-12"  # the database is shared by the session: a month no other test closes

    def compression() -> dict[str, str]:
        with db.reading() as s:
            return dict(s.execute(text(
                "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = 'month_close'::regclass "
                "AND attname IN ('facts', 'result', 'previous_result')")).all())

    def migrate(step, revision):
        cfg = alembic_config(db.url)
        with db.engine.begin() as connection:
            cfg.attributes["connection"] = connection
            step(cfg, revision)

    with db.reading() as s:
        has_lz4 = s.scalar(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                                "WHERE name = 'default_toast_compression'"))
    if not has_lz4:  # the migration leaves such a server's columns at its default (pglz)
        assert compression() == {"facts": "", "result": "", "previous_result": ""}
        pytest.skip("this PostgreSQL was built without lz4: its columns stay at the default, as checked")
    assert compression() == {"facts": "l", "result": "l", "previous_result": "l"}
    big = facts_text({"complaints": [{"id": f"c{i}", "text": f"第{i}条"} for i in range(5000)]})
    try:
        with db.transaction() as s:
            s.add(MonthClose(month=month, status="draft", policy_version="v", facts_digest="d",
                             result={"people": {}}, facts=big, drafts=1, closed_by="wuqing",
                             closed_at=datetime(2026, 12, 1, tzinfo=UTC)))
        with db.reading() as s:
            assert s.scalar(text("SELECT pg_column_compression(facts) FROM month_close WHERE month = :m"),
                            {"m": month}) == "lz4"
            assert s.get(MonthClose, month).facts == json.loads(big)
        migrate(command.downgrade, "0018")
        assert compression() == {"facts": "", "result": "", "previous_result": ""}
    finally:  # the database is the session's: left at head and without the month, whatever failed
        migrate(command.upgrade, "head")
        with db.transaction() as s:
            s.execute(delete(MonthClose).where(MonthClose.month == month))
    assert compression() == {"facts": "l", "result": "l", "previous_result": "l"}
    db.dispose()


def test_the_ledger_rows_go_in_as_they_were_made(db):
    """insert_rows: binary COPY on PostgreSQL (each column sent as its own type), executemany on
    SQLite; every value comes back as it went in: None, negative numbers, tabs, backslashes,
    newlines and Chinese (text COPY escapes these; binary COPY sends them as they are)."""
    from scoring.close import LEDGER_COLUMNS, insert_ledger

    rows = [("2026-11", "zhangsan", "complaint", 10, 0, "c1", "态度\t投诉\\n", "attitude\nline",
             "2026-11-03T09:20:00+08:00"),
            ("2026-11", "lisi", "adjustment", -5, -500, None, "退回", "back \\N", None)]
    with db.transaction() as s:
        insert_ledger(s, rows)
    with db.reading() as s:
        got = s.execute(select(*(getattr(LedgerLine, c) for c in LEDGER_COLUMNS)).order_by(LedgerLine.id)).all()
    assert [tuple(r) for r in got] == rows
