"""A change of the rules saved in the database (issue 13.3), on both databases: it applies from the next
open month, every process reads it, a published month keeps its result, history lists who and when."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import Conflict, Forbidden, Refused
from core.policy import load_policy
from core.policystore import versions
from core.settings import Settings
from scoring.models import MonthClose
from scoring.personal import PersonalRecordService
from scoring.policyservice import PolicyService
from tests.integration.test_policy import NOVEMBER_OVER, draft_file, months, november
from workflows.runtime import Runtime

DECEMBER_OVER = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def process(db_url, tmp_path):
    """``process()``: a process of its own (the web's, a flow's), its own runtime on the same database."""
    made: list[Runtime] = []

    def build() -> Runtime:
        made.append(Runtime(Settings(database_url=db_url, notice_dir=tmp_path / "notices",
                                     outbox_dir=tmp_path / "outbox")))
        return made[-1]

    yield build
    for rt in made:
        rt.db.dispose()


def test_a_saved_change_applies_from_the_next_open_month_in_every_process(cli, db, process, policy, tmp_path):
    november(cli)
    web, flow = process(), process()
    assert web.policy.version == flow.policy.version == policy.version  # the file, until a save
    first = months(db, policy, tmp_path)
    first.close("2026-11", "wuqing")
    first.publish("2026-11", "wuqing", at=NOVEMBER_OVER)
    first.close("2026-12", "wuqing")  # a draft of the open month under the file's rules
    published = first.show("2026-11")

    draft = load_policy(draft_file(tmp_path))  # attitude 5 → 10
    service = PolicyService(web.db, web.policy, web.settings)
    preview = service.preview(draft)
    assert preview["month"] == "2026-11" and preview["applies_from"] == "2026-12" and preview["changed"]
    zhangsan = next(p for p in preview["whatif"]["people"] if p["person"] == "zhangsan")
    assert zhangsan["changes"]["deductions"] == {"before": 40, "after": 60}
    with db.reading() as s:
        assert versions(s) == []  # the preview stored nothing

    saved = service.save(draft, "wuqing", based_on=policy.version, note="态度分加倍", at=NOVEMBER_OVER)
    assert saved["applies_from"] == "2026-12" and saved["version"] == draft.version
    assert flow.policy.version == draft.version  # another process, no restart
    with db.reading() as s:
        rows = versions(s)
        assert [(r.version, r.applies_from, r.saved_by) for r in rows] == [
            (policy.version, None, None), (draft.version, "2026-12", "wuqing")]
        assert rows[1].saved_at == NOVEMBER_OVER and rows[1].note == "态度分加倍"

    # The month close of any process: the published month keeps its result; December's old draft must
    # be closed again, and then it scores under the new numbers.
    closing = flow.months()
    with pytest.raises(Refused, match="changed since the draft"):
        closing.publish("2026-12", "wuqing", at=DECEMBER_OVER)
    with pytest.raises(Refused, match="never closed again"):
        closing.close("2026-11", "wuqing")
    assert closing.show("2026-11") == published
    assert closing.close("2026-12", "wuqing")["policy_version"] == draft.version
    # Even a service built with the file's rules closes a month under the version that applies to it.
    assert months(db, policy, tmp_path).close("2026-12", "wuqing")["policy_version"] == draft.version
    with db.reading() as s:
        assert s.get(MonthClose, "2026-11").policy_version == policy.version

    # A person's running month (/me) reads under the rules its close will use.
    cli("complaint", "new", "--window", "inv-1", "--source", "customer", "--category", "attitude", "--text", "…",
        "--against", "zhangsan", "--at", "2026-12-02T09:00", "--json")
    (c,) = [x for x in cli("complaint", "list", "--json") if x["state"] == "received"]
    cli("complaint", "advance", str(c["id"]), "verify", "--by", c["owner"], "--at", "2026-12-02T09:10", "--json")
    record = PersonalRecordService(db, policy, now=lambda: datetime(2026, 12, 3, 2, tzinfo=UTC)).record("zhangsan")
    assert [(r["month"], r["deductions"]) for r in record["running"]] == [("2026-12", 10)]  # 10, not the file's 5

    history = cli("policy", "history", "--json")
    entry = next(h for h in history if h["version"] == draft.version)
    assert entry["current"] and entry["saved"][0]["applies_from"] == "2026-12"
    assert entry["saved"][0]["saved_by"] == "wuqing" and entry["saved"][0]["note"] == "态度分加倍"
    assert entry["months"] == [{"month": "2026-12", "status": "draft"}]
    text = cli("policy", "history")
    assert "适用自 applies from 2026-12" in text and "by wuqing" in text and "政策文件 the policy file" in text


def test_saving_is_refused_for_others_for_stale_drafts_and_for_no_change(cli, db, process, policy, tmp_path):
    rt = process()
    service = PolicyService(rt.db, rt.policy, rt.settings)
    draft = load_policy(draft_file(tmp_path))
    with pytest.raises(Forbidden):
        service.save(draft, "chenjian", based_on=policy.version)
    with pytest.raises(Refused, match="nothing to save"):
        service.save(policy, "wuqing", based_on=policy.version)
    service.save(draft, "wuqing", based_on=policy.version)
    other = load_policy(draft_file(tmp_path, "other.toml", "fine = 500", "fine = 800"))
    with pytest.raises(Conflict):  # drafted from the file's rules, which a save replaced since
        PolicyService(rt.db, rt.policy, rt.settings).save(other, "zhouhua", based_on=policy.version)
    with db.reading() as s:
        assert len(versions(s)) == 2  # nothing half-written
    assert rt.policy.version == draft.version


def test_the_command_line_saves_a_file_as_the_console_does(cli, db, policy, tmp_path):
    november(cli)
    first = months(db, policy, tmp_path)
    first.close("2026-11", "wuqing")
    first.publish("2026-11", "wuqing", at=NOVEMBER_OVER)
    path = draft_file(tmp_path, old="fine = 500", new="fine = 600")
    out = cli("policy", "save", str(path), "--by", "wuqing", "--note", "罚款调整", "--json")
    assert out["applies_from"] == "2026-12" and out["version"] == load_policy(path).version
    assert "nothing to save" in cli("policy", "save", str(path), "--by", "wuqing", expect=2)
    err = cli("policy", "save", str(path), "--by", "chenjian", expect=2)
    assert "president_office" in err and len(err.strip().splitlines()) == 1
    bad = draft_file(tmp_path, "bad.toml", "fine = 500", "fine = -1")
    err = cli("policy", "save", str(bad), "--by", "wuqing", expect=2)
    assert "worst.fine" in err and len(err.strip().splitlines()) == 1
