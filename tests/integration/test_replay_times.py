"""A replay (--at / --now in the past) is judged at its own time (issue 18 item 10): its fresh
clocks are not 超时 against today's clock, and its records read in order (closed, then published)."""

from __future__ import annotations

import json

import pytest

from tests.integration.test_cli import cli, jrun  # noqa: F401 - the fixture

pytestmark = pytest.mark.db


def test_a_complaint_filed_in_the_past_is_judged_at_its_own_time(cli):  # noqa: F811
    code, out, _ = cli("complaint", "new", "--window", "wb-1", "--source", "customer", "--category",
                       "attitude", "--text", "态度生硬", "--at", "2026-11-03T09:00")
    assert code == 0 and "超时" not in out and "overdue" not in out
    c = jrun(cli, "complaint", "show", "1", "--now", "2026-11-03T09:10")
    assert [k["overdue"] for k in c["clocks"]] == [False, False, False]
    assert [k["overdue"] for k in jrun(cli, "complaint", "show", "1")["clocks"]] == [True, True, True]  # today
    assert jrun(cli, "complaint", "list", "--overdue", "--now", "2026-11-03T09:10") == []
    assert [r["id"] for r in jrun(cli, "complaint", "list", "--overdue", "--now", "2026-11-03T09:45")] == [1]
    advanced = jrun(cli, "complaint", "advance", "1", "verify", "--by", "fengqiang", "--against", "lisi",
                    "--at", "2026-11-03T09:20")
    assert [k["overdue"] for k in advanced["clocks"] if k["state"] == "running"] == [False, False]


def test_a_replayed_month_closes_at_its_own_time_and_is_never_published_before_it(cli):  # noqa: F811
    closed = jrun(cli, "month", "close", "2026-11", "--by", "wuqing", "--at", "2026-12-01T08:30")
    assert closed["closed_at"] == "2026-12-01T08:30:00+08:00"
    code, _, err = cli("month", "publish", "2026-11", "--by", "wuqing", "--at", "2026-12-01T08:00")
    assert code == 2 and "--at" in err and "关账" in err
    published = jrun(cli, "month", "publish", "2026-11", "--by", "wuqing", "--at", "2026-12-01T09:00")
    assert published["closed_at"] < published["published_at"] == "2026-12-01T09:00:00+08:00"
    code, out, _ = cli("month", "show", "2026-11")
    assert out.index("关账 closed 2026-12-01T08:30") < out.index("公布 published 2026-12-01T09:00")
    assert json.loads(cli("month", "show", "2026-11", "--json")[1])["status"] == "published"
