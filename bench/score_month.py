"""Benchmark of the month close: a large month, scored, against reading its facts once.

    .venv/bin/python bench/score_month.py                     # 100,000 people, 1,000,000 complaints
    .venv/bin/python bench/score_month.py --people 1000 --complaints 10000

The facts are generated in memory (fixed seed) as the facts JSON, serialised
once (not timed). Then, timed:

* read: ``json.loads`` of the facts text + :func:`scoring.parse_facts`
  (validation and building the dataclasses): reading the facts once;
* score: :func:`scoring.score_month` on the parsed facts.

Goal: score under 10 s and within 5× of the read.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.memory import without_cyclic_gc  # noqa: E402
from core.policy import load_policy  # noqa: E402
from scoring import dumps, parse_facts, score_month  # noqa: E402

SOURCES = (("customer", 6), ("coordination", 3), ("spot_check", 1))
CATEGORIES = (("attitude", 6), ("dispute", 2), ("other", 2))
STAFF_PER_SUPERVISOR = 20
UNITS = 50
LEADERS = 10


def generate(
    people: int, complaints: int, in_time_order: bool = False, seed: int = 20261101,
    month: str = "2026-11",
) -> dict:
    """A month of facts as the facts JSON dict; the same arguments give the same dict."""
    rng = random.Random(seed)
    leaders = [f"leader{i}" for i in range(LEADERS)]
    rows, staff = [], []
    for i in range(people):
        unit = f"unit{i % UNITS:02d}"
        if i % STAFF_PER_SUPERVISOR == 0:
            rows.append({"id": f"s{i}", "name": f"主管{i}", "unit": unit,
                         "leader": leaders[i % LEADERS], "roles": ["supervisor"]})
            continue
        pid = f"p{i}"
        staff.append(pid)
        rows.append({"id": pid, "name": f"员工{i}", "unit": unit,
                     "supervisor": f"s{i - i % STAFF_PER_SUPERVISOR}",
                     "leader": leaders[i % LEADERS]})
    sources = rng.choices([s for s, _ in SOURCES], [w for _, w in SOURCES], k=complaints)
    categories = rng.choices([c for c, _ in CATEGORIES], [w for _, w in CATEGORIES], k=complaints)
    against = rng.choices(staff, k=complaints)
    year, mon = month.split("-")
    seconds = rng.choices(range(29 * 86400), k=complaints)
    if in_time_order:
        seconds.sort()  # ids follow receipt, as the database reader delivers them
    items = []
    for k in range(complaints):
        s = seconds[k]
        items.append({
            "id": f"c{k}", "against": against[k], "source": sources[k], "category": categories[k],
            "verified_at": f"{year}-{mon}-{s // 86400 + 1:02d}T{s // 3600 % 24:02d}:"
                           f"{s // 60 % 60:02d}:{s % 60:02d}+08:00",
        })
    supervisors = [r["id"] for r in rows if r["id"].startswith("s")]
    breaches = [
        {"id": f"b{k}", "owner": rng.choice(supervisors), "complaint": f"c{k}", "clock": "respond",
         "at": items[k]["verified_at"]}
        for k in range(min(complaints, people // 10))
    ]
    return {
        "month": month,
        "people": rows,
        "complaints": items,
        "breaches": breaches,
        "praise": {p: rng.randint(1, 9) for p in rng.sample(staff, min(len(staff), people // 5))},
        "nominations": {f"unit{u:02d}": staff[u] for u in range(0, min(UNITS, people), 7)},
        "history": {
            "stars": {p: ["2026-09", "2026-10"] for p in staff[: people // 100]},
            "worst": {p: ["2026-05", "2026-08"] for p in staff[: people // 50]},
        },
    }


def timed(label: str, fn):
    gc.collect()
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<38}{elapsed:8.2f} s")
    return value, elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument(
        "--time-order", action="store_true",
        help="complaint ids in verification order (as the database delivers them); "
        "default: random verification times, the worst case for memory locality",
    )
    parser.add_argument("--output", action="store_true", help="also time the result JSON text")
    args = parser.parse_args(argv)
    policy = load_policy()

    order = "in time order" if args.time_order else "in random order"
    print(f"{args.people:,} people, {args.complaints:,} complaints {order}")
    text = json.dumps(generate(args.people, args.complaints, args.time_order), ensure_ascii=False)
    print(f"facts JSON: {len(text) / 1e6:.0f} MB")

    _, loads = timed("json.loads only", lambda: json.loads(text))
    facts, read = timed("read (json.loads + parse_facts)", lambda: parse_facts(json.loads(text)))
    with without_cyclic_gc():  # as the month close runs it (the rules leave the collector alone)
        result, score = timed("score_month", lambda: score_month(facts, policy))
    lines = sum(len(r.lines) for r in result.people.values())
    print(f"ledger lines: {lines:,}")
    if args.output:
        timed("result JSON text (dumps)", lambda: dumps(result))
    print(f"score / read: {score / read:.2f}×   (score / json.loads only: {score / loads:.2f}×)")
    ok = score < 10 and score <= 5 * read
    print("goal (score < 10 s and ≤ 5× read):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
