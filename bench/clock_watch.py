"""Benchmark of the clock watch: finding the due clocks among many open complaints, and the breaks.

    .venv/bin/python bench/clock_watch.py                    # 1,000,000 open, 1,000 broken, SQLite
    .venv/bin/python bench/clock_watch.py --small            # 100,000 open, 100 broken
    .venv/bin/python bench/clock_watch.py --db both --open 200000 --broken 500

Setup (not timed): a scratch database with the sample organisation and N open complaints written
in bulk (DBAPI executemany on SQLite, COPY on PostgreSQL; not through the service), each with its
intake history row and three clocks: one in ten just received (respond, on site and resolve
running), the rest on site (respond and on-site stopped, resolve running for up to a day), and
B received whose respond clock is past due at ``now``. Every running clock's next warning lies
after ``now``, so the pass breaks exactly the B clocks and warns nobody.

Timed, against the same with 10,000 open complaints and the same B (the baseline):

* find: the watch's own query for due clocks (``ClockWatch._due_clock_ids``: running and
  ``due_at <= now``, its batch of 500) as the watch runs it (session, ORM), and its SQL alone on
  the DBAPI cursor; medians of repeated runs, alternating between the two databases. Its plan is
  printed (EXPLAIN) and must use the index on (state, due_at). Goal: find(N) / find(10,000) ≤ 1.5.
* check: ``ClockWatch(...).check(now)``: finds, breaks and escalates the B (each its own
  transaction, with history, clocks and outbox messages). Goal: under 5 s. No courier
  (``deliver_on_commit=False``): its deliveries of the escalations would run beside the timed
  check, and outlive the scratch database it is removed from.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scratch import captured, kinds, load_sample_org, scratch_database  # noqa: E402
from results import figure, record, show  # noqa: E402

from core.policy import load_policy  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.timeutil import BUSINESS_TZ  # noqa: E402
from states.watch import ClockWatch  # noqa: E402
from workflows.runtime import Runtime  # noqa: E402

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=BUSINESS_TZ).astimezone(UTC)
BASELINE_OPEN = 10_000
INDEX = "ix_clock_state_due"
FIND_GOAL, CHECK_GOAL = 1.5, 5.0
CHUNK = 50_000
# Windows on the all-hours calendar (the policy default): window → (unit, staff, owner), the owner
# a supervisor who does not head the window's unit (as intake would choose).
WINDOWS = {
    "ld-1": ("loading", "zhoujun", "zhaogang"), "ld-2": ("loading", "wuhai", "qianmin"),
    "ul-1": ("unloading", "hehui", "lizhu"), "inv-1": ("invoicing", "zhangsan", "chenjian"),
    "inv-2": ("invoicing", "xiaowang", "fengqiang"), "wb-1": ("weighbridge", "lisi", "sunli"),
    "wb-2": ("weighbridge", "wangwu", "zhaogang"), "gate-1": ("gate", "guoqi", "qianmin"),
}
COMPLAINT_COLUMNS = ("id", "state", "source", "category", "window_code", "unit_code", "against_id", "text",
                     "contact", "owner_id", "level", "received_at", "verified_at", "arrived_at",
                     "closed_at", "tracking_token", "version")
CLOCK_COLUMNS = ("id", "complaint_id", "name", "owner_id", "level", "started_at", "due_at", "state",
                 "ended_at", "next_warn_at")
EVENT_COLUMNS = ("id", "complaint_id", "event", "from_state", "to_state", "actor_id", "at", "note", "level",
                 "owner_id", "data")


def generate(n_open: int, broken: int, first: int, last: int):
    """Rows (complaints, clocks, history) for complaint ids first..last-1 of the n_open."""
    clocks_policy = load_policy().clocks
    warn_at = sorted(f for f in clocks_policy.warn_at if 0 < f < 1)
    minutes = {"respond": clocks_policy.respond_minutes, "on_site": clocks_policy.on_site_minutes,
               "resolve": clocks_policy.resolve_minutes}
    step = max(n_open // broken, 1) if broken else 0
    names = list(WINDOWS)
    complaints, clocks, events = [], [], []
    for i in range(first, last):
        window = names[i % len(names)]
        unit, staff, owner = WINDOWS[window]
        if step and i % step == step // 2 and i // step < broken:
            kind = "broken"  # received 31 min to ~1 h ago: the respond clock is past due
            received = NOW - timedelta(minutes=31, seconds=i % 1800)
        elif i % 10 == 3:
            kind = "fresh"  # received within the last 29 minutes: nothing due yet
            received = NOW - timedelta(seconds=(i * 7919) % 1740)
        else:
            kind = "on_site"  # verified and on site; the resolve clock runs for up to a day
            received = NOW - timedelta(minutes=60 + (i * 7919) % (22 * 60))
        on_site = kind == "on_site"
        complaints.append((i, "on_site" if on_site else "received", "customer", "attitude", window, unit,
                           staff if on_site else None, "等了很久没人理", None, owner, 0, received,
                           received + timedelta(minutes=10) if on_site else None,
                           received + timedelta(minutes=40) if on_site else None, None,
                           f"bench-{i:012d}", 3 if on_site else 1))
        for k, name in enumerate(("respond", "on_site", "resolve")):
            due = received + timedelta(minutes=minutes[name])
            ended = {"respond": received + timedelta(minutes=10), "on_site": received + timedelta(minutes=40)}
            if on_site and name != "resolve":
                state, end, warn = "stopped", ended[name], None
            else:
                state, end = "running", None
                warn = next((p for p in (received + (due - received) * f for f in warn_at) if p > NOW), None)
            clocks.append((3 * (i - 1) + 1 + k, i, name, owner, 0, received, due, state, end, warn))
        events.append((i, i, "receive", None, "received", "intake", received,
                       f"分派给 {owner} / assigned to {owner}", 0, owner, json.dumps({"against": None})))
    return complaints, clocks, events


def populate(db, n_open: int, broken: int) -> None:
    raw = db.engine.raw_connection()
    try:
        if db.is_postgres:
            _copy(raw, n_open, broken)
        else:
            _executemany(raw, n_open, broken)
    finally:
        raw.close()


def _sqlite_value(v):
    if isinstance(v, datetime):  # as UTCDateTime stores it on SQLite: naive UTC text
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return v


def _chunks(n_open: int, broken: int):
    """Per chunk of complaints (one commit each): (table, columns, rows) of its three tables."""
    for first in range(1, n_open + 1, CHUNK):
        yield zip(("complaint", "complaint_clock", "complaint_event"),
                  (COMPLAINT_COLUMNS, CLOCK_COLUMNS, EVENT_COLUMNS),
                  generate(n_open, broken, first, min(first + CHUNK, n_open + 1)), strict=True)


def _executemany(raw, n_open: int, broken: int) -> None:
    cur = raw.cursor()
    for tables in _chunks(n_open, broken):
        for table, columns, rows in tables:
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                            [tuple(_sqlite_value(v) for v in row) for row in rows])
        raw.commit()
    cur.execute("ANALYZE")
    raw.commit()


def _copy(raw, n_open: int, broken: int) -> None:
    cur = raw.cursor()
    for tables in _chunks(n_open, broken):
        for table, columns, rows in tables:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    for table in ("complaint", "complaint_clock", "complaint_event"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    raw.commit()
    raw.driver_connection.autocommit = True
    cur.execute("VACUUM ANALYZE")  # what autovacuum does after a bulk load; plans need the statistics
    raw.driver_connection.autocommit = False


def explain(db, statement: str, params) -> list[str]:
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(("EXPLAIN " if db.is_postgres else "EXPLAIN QUERY PLAN ") + statement, params)
        rows = cur.fetchall()
        raw.rollback()
        return [str(r[0]) if db.is_postgres else str(r[-1]) for r in rows]
    finally:
        raw.close()


class Setup:
    """A scratch database holding ``n_open`` complaints (``broken`` past due) and its watch."""

    def __init__(self, url: str, n_open: int, broken: int):
        self.n_open, self.broken = n_open, broken
        load_sample_org(url)
        self.rt = Runtime(Settings(database_url=url, deliver_on_commit=False))
        start = time.perf_counter()
        populate(self.rt.db, n_open, broken)
        self.loaded = time.perf_counter() - start
        self.watch = ClockWatch(self.rt.complaints())
        with captured(self.rt.db.engine) as log:
            first = self.watch._due_clock_ids(NOW)
        if len(first) != min(broken, self.watch.batch):
            raise AssertionError(f"{len(first)} due clocks found, {min(broken, self.watch.batch)} expected")
        self.statement, self.params, _ = log[-1]
        self.plan = explain(self.rt.db, self.statement, self.params)
        self.raw = self.rt.db.engine.raw_connection()
        self.find_watch: list[float] = []
        self.find_sql: list[float] = []

    def time_find(self) -> None:
        """Once each: the watch's query as the watch runs it (session, ORM), and its SQL alone."""
        start = time.perf_counter()
        self.watch._due_clock_ids(NOW)
        middle = time.perf_counter()
        cur = self.raw.cursor()
        cur.execute(self.statement, self.params)
        cur.fetchall()
        cur.close()
        self.raw.rollback()
        self.find_sql.append(time.perf_counter() - middle)
        self.find_watch.append(middle - start)

    def check(self) -> float:
        self.raw.close()
        start = time.perf_counter()
        report = self.watch.check(NOW)
        took = time.perf_counter() - start
        escalated = sum(b["escalated"] for b in report.broken)
        if (len(report.broken), escalated, report.conflicts) != (self.broken, self.broken, 0):
            raise AssertionError(f"{len(report.broken)} broken, {escalated} escalated, {report.conflicts} "
                                 f"conflicts; {self.broken} expected")
        self.rt.db.dispose()
        return took


def measure(kind: str, n_open: int, broken: int, repeat: int) -> dict:
    """Baseline and large database side by side: the find timings alternate between the two
    (a busy machine slows both alike), then each is checked."""
    with scratch_database(kind, "watch") as base_url, scratch_database(kind, "watch") as big_url:
        base = Setup(base_url, BASELINE_OPEN, broken)
        big = Setup(big_url, n_open, broken)
        for r in range(repeat):
            for setup in (base, big) if r % 2 else (big, base):
                setup.time_find()
        out = {"plan": big.plan}
        for name, setup in (("base", base), ("big", big)):
            out[name] = {"watch": statistics.median(setup.find_watch), "sql": statistics.median(setup.find_sql),
                         "check": setup.check()}
            print(f"  {kind} {setup.n_open:>9,} open: loaded in {setup.loaded:5.1f} s; find "
                  f"{out[name]['watch'] * 1000:6.2f} ms through the watch, {out[name]['sql'] * 1000:6.3f} ms "
                  f"SQL only; check {out[name]['check']:6.2f} s ({broken:,} broken and escalated)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--open", type=int, default=1_000_000, help="open complaints")
    parser.add_argument("--broken", type=int, default=1_000, help="of which past due")
    parser.add_argument("--small", action="store_true", help="100,000 open, 100 broken")
    parser.add_argument("--repeat", type=int, default=31, help="runs of the find query (median)")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    if args.small:
        args.open, args.broken = 100_000, 100
    rows, plans = [], []
    for kind in kinds(args.db):
        print(f"{kind}: {args.open:,} open complaints ({args.broken:,} past due) vs {BASELINE_OPEN:,}")
        m = measure(kind, args.open, args.broken, args.repeat)
        base, big = m["base"], m["big"]
        print(f"  plan ({kind}, {args.open:,} open):")
        for step in m["plan"]:
            print(f"    {step}")
        uses = any(INDEX in step for step in m["plan"])
        if not uses:
            print(f"  the due-clock query does not use {INDEX}: an index on complaint_clock (state, due_at) "
                  "would make it a range scan")
        plans.append(f"{kind} plan: {' / '.join(s.strip() for s in m['plan'])}")
        sizes = f"{args.open:,} vs {BASELINE_OPEN:,} open"
        for what, label in (("watch", "through the watch"), ("sql", "SQL only")):
            ratio = big[what] / base[what]
            rows.append(figure(f"find due clocks {label}, {sizes} ({kind})", big[what] * 1000,
                               base[what] * 1000, unit=" ms", goal=f"≤ {FIND_GOAL}× (index {INDEX})",
                               met=ratio <= FIND_GOAL and uses))
        rows.append(figure(f"check: break and escalate {args.broken:,}, {sizes} ({kind})", big["check"],
                           base["check"], unit=" s", goal=f"< {CHECK_GOAL:g} s", met=big["check"] < CHECK_GOAL))
    show("clock_watch", rows)
    if not args.no_record:
        record("clock_watch", rows, note=f"open={args.open}, broken={args.broken}; " + "; ".join(plans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
