"""Issue 22.5 as a property: any watch schedule over the same history gives the same breaks,
owners and ledger (hypothesis; both databases).

A history here is the complaints' receipts and what people did with them, all before the first
clock falls due (30 minutes): after that nobody acts, so the watch alone decides what happens,
and how often or how late it looks must not matter. One run watches every hour (each rung's
clock runs two), the
other at a few random times (or only once, at the end); each run starts from a fresh database.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.db import Database
from core.policy import load_policy
from core.timeutil import BUSINESS_TZ
from scoring import result_to_json, score_month
from scoring.facts import read_month_facts
from states.audit import AuditService
from states.service import ComplaintService
from states.watch import ClockWatch
from tests.conftest import fresh_database
from tests.fuzz.test_bad_input import SCALE

pytestmark = pytest.mark.db
T0 = datetime(2026, 11, 3, 8, 0, tzinfo=BUSINESS_TZ)
HORIZON = T0 + timedelta(hours=36)  # past the last receipt's resolve clock (24 h) and the top rung
POLICY = load_policy()
# Windows on the all-hours calendar, with a person of each window's unit to name as the accused.
WINDOWS = {"wb-1": "lisi", "inv-1": "zhangsan", "ld-1": "zhoujun", "gate-1": "guoqi", "ul-1": "hehui"}
PLANS = {  # what the owner does, minutes after receipt (all before the respond clock is due)
    "nothing": (),
    "verify": (("verify", 10),),
    "verify_arrive": (("verify", 10), ("arrive", 20)),
    "resolve": (("verify", 5), ("arrive", 15), ("resolve", 25)),
    "dismiss": (("dismiss", 12),),
    "escalate": (("escalate", 7),),
}

# Receipts before the first clock can fall due: who is assigned depends on the supervisors' load,
# which the watch changes once a clock breaks (an on-time watch escalates a complaint away).
complaints = st.lists(st.tuples(st.sampled_from(sorted(WINDOWS)), st.integers(0, 29),
                                st.sampled_from(sorted(PLANS))), min_size=1, max_size=3)
sparse = st.lists(st.integers(1, int((HORIZON - T0).total_seconds() // 60)), max_size=5)


def run(db: Database, history, watch_times: list[datetime]) -> dict:
    """The history and the watch passes in time order (a pass at the same minute as a step
    comes after it); what the complaints, their clocks and the month's ledger hold at the end."""
    clock = {"now": T0}
    svc = ComplaintService(db, POLICY, now=lambda: clock["now"].astimezone(UTC))
    steps = []
    for n, (window, minute, plan) in enumerate(history):
        received = T0 + timedelta(minutes=minute)
        steps.append((received, 0, n, "receive", window))
        steps += [(received + timedelta(minutes=m), 0, n, event, window) for event, m in PLANS[plan]]
    steps += [(t, 1, -1, "watch", None) for t in [*watch_times, HORIZON]]
    ids: dict[int, int] = {}
    for at, _, n, what, window in sorted(steps, key=lambda s: s[:3]):
        clock["now"] = at
        if what == "watch":
            ClockWatch(svc).check(at)
        elif what == "receive":
            ids[n] = svc.create(window=window, source="customer", category="attitude", text="x", at=at)["id"]
        else:
            c = svc.get(ids[n])
            svc.advance(ids[n], what, c["owner"], None, at,
                        against=WINDOWS[window] if what == "verify" else None)
    out = {}
    for n, cid in sorted(ids.items()):
        c = svc.get(cid)
        out[n] = {"complaint": (c["state"], c["owner"], c["level"], c["against"]),
                  "clocks": sorted((k["started"], k["name"], k["owner"], k["due"], k["state"], k["ended"])
                                   for k in c["clocks"]),
                  "history": [(h["event"], h["by"], h["at"], h["level"], h["owner"]) for h in c["history"]]}
    with db.reading() as s:
        result = result_to_json(score_month(read_month_facts(s, "2026-11"), POLICY))
    # Lines as a person reads them, without the clock rows' ids (their order follows the passes).
    out["ledger"] = {pid: sorted((ln["rule"], ln["points"], ln["money"], ln["at"]) for ln in p["lines"])
                     for pid, p in result["people"].items() if p["lines"]}
    audit = AuditService(db, POLICY).replay()
    assert audit["ok"], audit["differences"]
    return out


def test_any_watch_schedule_gives_the_same_breaks_owners_and_ledger(db_url, sqlite_template):
    hourly = [T0 + timedelta(hours=h) for h in range(1, int((HORIZON - T0).total_seconds() // 3600))]

    @settings(max_examples=int(6 * SCALE), deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(history=complaints, minutes=sparse)
    def case(history, minutes):
        watch_times = sorted(T0 + timedelta(minutes=m) for m in minutes)
        db = fresh_database(db_url, sqlite_template)
        try:
            late = run(db, history, watch_times)
        finally:
            db.dispose()
        db = fresh_database(db_url, sqlite_template)
        try:
            on_time = run(db, history, hourly)
        finally:
            db.dispose()
        assert late == on_time

    case()
