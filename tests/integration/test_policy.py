"""Policy by month on both databases: the close records its version and facts; what-if and history."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.errors import InvalidInput, Refused
from core.policy import DEFAULT_POLICY_PATH, load_policy
from core.policyrecord import PolicyRecord, policy_of_version
from core.settings import Settings
from scoring import parse_facts
from scoring.close import MonthCloseService
from scoring.facts import read_month_facts
from scoring.models import MonthClose
from scoring.policyservice import NEXT_OPEN, PolicyService

NOVEMBER_OVER = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 2026-12-01 10:00 in Shanghai


def months(db, policy, tmp_path, now=NOVEMBER_OVER) -> MonthCloseService:
    return MonthCloseService(db, policy, Settings(notice_dir=tmp_path / "notices", outbox_dir=tmp_path / "outbox"),
                             now=lambda: now)


def november(cli) -> None:
    """张三: attitude, dispute (customer), attitude (coordination); 小王 praised four times."""
    def complaint(window, category, source, against, received, verified):
        c = cli("complaint", "new", "--window", window, "--source", source, "--category", category,
                "--text", "…", "--against", against, "--at", received, "--json")
        cli("complaint", "advance", str(c["id"]), "verify", "--by", c["owner"], "--at", verified, "--json")

    complaint("inv-1", "attitude", "customer", "zhangsan", "2026-11-03T09:00", "2026-11-03T09:20")
    complaint("inv-1", "dispute", "customer", "zhangsan", "2026-11-10T09:00", "2026-11-10T09:20")
    complaint("inv-2", "attitude", "coordination", "zhangsan", "2026-11-20T09:00", "2026-11-20T09:20")
    for day in (2, 4, 6, 8):
        cli("praise", "xiaowang", "--by", "lizhu", "--at", f"2026-11-{day:02d}T12:00", "--json")


def draft_file(tmp_path, name="draft.toml", old="attitude = 5", new="attitude = 10"):
    text = DEFAULT_POLICY_PATH.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_close_stores_its_facts_and_records_its_policy(cli, db, policy, tmp_path):
    november(cli)
    view = months(db, policy, tmp_path).close("2026-11", "wuqing")
    with db.reading() as s:
        row = s.get(MonthClose, "2026-11")
        assert parse_facts(row.facts) == read_month_facts(s, "2026-11")  # exactly what it scored
        record = s.get(PolicyRecord, policy.version)
        assert record.first_month == "2026-11" and record.first_used_at == NOVEMBER_OVER
        assert policy_of_version(s, policy.version) == policy
    assert view["policy_version"] == policy.version
    months(db, policy, tmp_path).close("2026-11", "wuqing")  # again: the version is kept once
    with db.reading() as s:
        assert len(s.scalars(select(PolicyRecord)).all()) == 1


def test_whatif_and_history_through_the_command_line(cli, db, policy, tmp_path):
    november(cli)
    service = months(db, policy, tmp_path)
    service.close("2026-11", "wuqing")
    service.publish("2026-11", "wuqing", at=NOVEMBER_OVER)

    draft = draft_file(tmp_path)
    out = cli("policy", "whatif", "--month", "2026-11", "--policy", str(draft), "--json")
    assert out["changed"] is True and out["facts"] == "stored"
    assert out["policy_before"] == policy.version and out["policy_after"] == load_policy(draft).version
    changes = {p["person"]: p["changes"] for p in out["people"]}
    assert sorted(changes) == ["zhangsan"]  # the only person with attitude complaints
    assert changes["zhangsan"]["deductions"] == {"before": 40, "after": 60}
    assert changes["zhangsan"]["score"] == {"before": 60, "after": 40}
    assert out["totals"]["points"]["after"] - out["totals"]["points"]["before"] == 20
    assert out["totals"]["fines"] == {"before": 500, "after": 500}

    text = cli("policy", "whatif", "--month", "2026-11", "--policy", str(draft))
    assert "政策试算 what-if" in text and "张三 (zhangsan)" in text and "扣分 / points deducted" in text
    assert "40" in text and "→ 60" in text and "合计 / totals" in text
    assert text.index("扣分") < text.index("points deducted")  # Chinese first

    own = cli("policy", "whatif", "--month", "2026-11", "--policy", str(DEFAULT_POLICY_PATH), "--json")
    assert own["changed"] is False and own["people"] == []
    assert "无变化 / nothing would change" in cli("policy", "whatif", "--month", "2026-11",
                                                 "--policy", str(DEFAULT_POLICY_PATH))

    history = cli("policy", "history", "--json")
    assert [h["version"] for h in history] == [policy.version]
    (entry,) = history
    assert entry["months"] == [{"month": "2026-11", "status": "published"}]
    assert entry["current"] is True and entry["recorded"] is True and entry["first_month"] == "2026-11"
    assert entry["first_used_at"].startswith("2026-12-01T10:00")
    assert policy.version in cli("policy", "history") and "2026-11 已公布 published" in cli("policy", "history")

    with db.reading() as s:  # the what-if touched nothing
        row = s.get(MonthClose, "2026-11")
        assert row.status == "published" and row.policy_version == policy.version and row.drafts == 1


def test_refusals_exit_2_with_one_line(cli, db, policy, tmp_path):
    november(cli)
    service = months(db, policy, tmp_path)
    service.close("2026-11", "wuqing")
    draft = draft_file(tmp_path)

    err = cli("policy", "whatif", "--month", "2026-11", "--policy", str(draft), expect=2)
    assert "draft" in err and len(err.strip().splitlines()) == 1  # not yet published
    err = cli("policy", "whatif", "--month", "2026-10", "--policy", str(draft), expect=2)
    assert "not closed yet" in err and len(err.strip().splitlines()) == 1

    service.publish("2026-11", "wuqing", at=NOVEMBER_OVER)
    unknown = draft_file(tmp_path, "unknown.toml", "[complaints.base_points]", "[complaints.base_points]\nrude = 7")
    err = cli("policy", "whatif", "--month", "2026-11", "--policy", str(unknown), expect=2)
    assert "unknown.toml" in err and "complaints.base_points.rude" in err and len(err.strip().splitlines()) == 1
    wrong = draft_file(tmp_path, "wrong.toml", "attitude = 5", 'attitude = "five"')
    err = cli("policy", "whatif", "--month", "2026-11", "--policy", str(wrong), expect=2)
    assert "wrong.toml" in err and "complaints.base_points.attitude" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[complaints\nrepeat = ", encoding="utf-8")
    err = cli("policy", "whatif", "--month", "2026-11", "--policy", str(broken), expect=2)
    assert "broken.toml" in err and len(err.strip().splitlines()) == 1
    err = cli("policy", "whatif", "--month", "2026-11", "--policy", str(tmp_path / "absent.toml"), expect=2)
    assert "absent.toml" in err and "not found" in err
    err = cli("policy", "whatif", "--month", "2026-11", "--policy", str(tmp_path), expect=2)  # a directory
    assert "cannot be read" in err
    assert "not a month" in cli("policy", "whatif", "--month", "2026-13", "--policy", str(draft), expect=2)


def test_a_month_closed_before_facts_were_stored_reads_them_again(cli, db, policy, tmp_path):
    november(cli)
    service = months(db, policy, tmp_path)
    service.close("2026-11", "wuqing")
    service.publish("2026-11", "wuqing", at=NOVEMBER_OVER)
    with db.transaction() as s:  # as a close before this change left it
        s.get(MonthClose, "2026-11").facts = None
        s.delete(s.get(PolicyRecord, policy.version))
    settings = Settings(notice_dir=tmp_path / "notices")
    out = PolicyService(db, policy, settings).whatif("2026-11", draft_file(tmp_path))
    assert out["facts"] == "re-read" and [p["person"] for p in out["people"]] == ["zhangsan"]
    assert PolicyService(db, policy, settings).whatif("2026-11", DEFAULT_POLICY_PATH)["changed"] is False
    (entry,) = PolicyService(db, policy, settings).history()
    assert entry["recorded"] is False and entry["first_used_at"] is None and entry["current"] is True
    assert entry["months"] == [{"month": "2026-11", "status": "published"}]


def test_published_months_keep_their_version_a_reclosed_draft_takes_the_new_one(cli, db, policy, tmp_path):
    november(cli)
    old = months(db, policy, tmp_path)
    old.close("2026-11", "wuqing")
    old.publish("2026-11", "wuqing", at=NOVEMBER_OVER)
    old.close("2026-12", "wuqing")

    new_policy = load_policy(draft_file(tmp_path))
    december = datetime(2026, 12, 20, tzinfo=UTC)
    new = months(db, new_policy, tmp_path, now=december)
    with pytest.raises(Refused, match="changed since the draft"):
        new.publish("2026-12", "wuqing", at=datetime(2027, 1, 1, 2, tzinfo=UTC))
    assert new.close("2026-12", "wuqing")["policy_version"] == new_policy.version
    with pytest.raises(Refused, match="never closed again"):
        new.close("2026-11", "wuqing")

    settings = Settings(notice_dir=tmp_path / "notices")
    history = {h["version"]: h for h in PolicyService(db, policy, settings).history()}
    assert history[policy.version]["months"] == [{"month": "2026-11", "status": "published"}]
    assert history[new_policy.version]["months"] == [{"month": "2026-12", "status": "draft"}]
    assert history[new_policy.version]["first_month"] == "2026-12"
    # The file in force is the old one again: it applies from the next open month.
    assert history[policy.version]["current"] is True and history[policy.version]["note"] == NEXT_OPEN
    # With the new file in force, the new version is current and in use.
    newest = PolicyService(db, new_policy, settings).history()
    assert [h["version"] for h in newest] == [policy.version, new_policy.version]
    assert newest[-1]["current"] and newest[-1]["note"].endswith("in use")

    # A third version, never used yet: listed last, applying from the next open month.
    third = load_policy(draft_file(tmp_path, "third.toml", "fine = 500", "fine = 800"))
    rows = PolicyService(db, third, settings).history()
    assert rows[-1]["version"] == third.version and rows[-1]["months"] == [] and rows[-1]["note"] == NEXT_OPEN

    with pytest.raises(InvalidInput, match="draft policy"):
        PolicyService(db, policy, settings).whatif_text("2026-11", "[complaints]\nrepeat = 1\n")
