"""Benchmark of /me's record (scoring/personal.py) against reading the month's rows.

    .venv/bin/python bench/personal.py --db sqlite                 # 1,000 people, 10,000 complaints
    .venv/bin/python bench/personal.py --db both --people 10000 --complaints 100000

The month (bench/score_month.py's generator, fixed seed; written as bench/month_close.py writes
it, not timed) is the open month of the record. Timed, on a scratch database:

* read: scoring.facts.read_month_facts of the whole month, the baseline;
* record: PersonalRecordService.record of one clerk: read_person_facts (his complaints, those
  his snapshot is charged for, his unit's for the star) and score_month over them, his entry
  kept; the published months and the streak are one indexed query each.

Goal: at most half the read of the month (his part of the month is read, not the month; his
unit, 1/50 of the people here, is most of it). Measured 2026-12-03 on the shared 2-core machine:
0.42× (SQLite) and 0.30× (PostgreSQL) at 1,000/10,000; 0.21× (0.62 s) at 10,000/100,000 on
SQLite. Before the scoped read the record scored the whole month: 2.7× and 1.9×.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.month_close import MONTH, populate, scratch_database, timed  # noqa: E402

GOAL = 0.5


def run(kind: str, people: int, complaints: int) -> dict:
    from bench.score_month import generate
    from core.db import Database
    from core.policy import load_policy
    from scoring.facts import read_month_facts
    from scoring.personal import PersonalRecordService

    with tempfile.TemporaryDirectory() as tmp:
        url, drop = scratch_database(kind, Path(tmp))
        try:
            print(f"{kind}: {people:,} people, {complaints:,} complaints", flush=True)
            facts = generate(people, complaints)
            timed("populate (not a figure)", lambda: populate(url, facts))
            clerk = facts["complaints"][0]["against"]
            db = Database(url)
            service = PersonalRecordService(db, load_policy(), now=lambda: datetime(2026, 11, 30, 8, tzinfo=UTC))

            def read():
                with db.reading() as s:
                    return read_month_facts(s, MONTH)

            read()  # warm: both timings read a warm cache
            _, read_s = timed("read the month's rows", read)
            record, record_s = timed(f"record of {clerk}", lambda: service.record(clerk))
            assert record["running"] and record["running"][0]["month"] == MONTH and record["running"][0]["lines"]
            db.dispose()
            return {"figure": f"{kind} /me record {people}/{complaints}", "value": record_s, "baseline": read_s}
        finally:
            drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--complaints", type=int, default=10_000)
    args = parser.parse_args(argv)
    from bench.results import figure, record, show

    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    rows = []
    for kind in kinds:
        r = run(kind, args.people, args.complaints)
        ratio = r["value"] / r["baseline"]
        rows.append(figure(r["figure"], r["value"], r["baseline"], goal=f"≤ {GOAL:g}× read", met=ratio <= GOAL,
                           unit=" s"))
    show("personal", rows)
    record("personal", rows, note=f"{args.people} people, {args.complaints} complaints")
    return 0


if __name__ == "__main__":
    sys.exit(main())
