"""Run every benchmark in turn at small sizes and sum up their ratios (`make bench`).

    .venv/bin/python bench/run_all.py                  # small sizes, a few minutes
    .venv/bin/python bench/run_all.py --full           # each script at its own (full) defaults
    .venv/bin/python bench/run_all.py --only advance,dispatch

Every ``bench/*.py`` is a benchmark except the helpers: ``results.py``, ``run_all.py``, and
modules whose name starts with ``_``. A script without small sizes below runs with its own
defaults. Each script prints its ratios (lines with "×"; the rows of ``results.show`` when it
uses it) and its goals; those lines are collected and printed again at the end, with a
``MISSED`` line for every goal not met.

Exit code: 0 when every script ran, goals met or not; 1 when a script failed (a traceback,
a crash, a time-out). A script that exits non-zero only to say that a goal was missed
(``score_month.py`` does) is a missed goal, not an error.

Scripts that do not record into ``bench/RESULTS.md`` themselves get their ratio lines
recorded here, so that every run leaves its figures.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from results import RESULTS, record  # noqa: E402

HELPERS = {"results.py", "run_all.py", "__init__.py"}
# Small sizes for the default run: the full ones are each script's defaults.
SMALL = {
    "score_month.py": ["--people", "10000", "--complaints", "100000"],
    "month_close.py": ["--people", "1000", "--complaints", "10000"],
    "advance.py": ["--db", "both", "--n", "300"],
    "clock_watch.py": ["--small", "--db", "both"],
    "dispatch.py": ["--n", "1000"],
    "delivery.py": ["--idle", "60", "--before-samples", "4", "--after-samples", "10"],
    "intake.py": ["--seconds", "10"],
}
FIRST = ("score_month.py",)  # then alphabetical
MISS = re.compile(r"MISSED|NOT met", re.IGNORECASE)
RATIO = re.compile(r"(?P<figure>[^:].*?):\s+(?P<ratio>[\d.,]+)×")
SHOWN = re.compile(r"^[\w.-]+: .+ = (?:[\d.,]+|n/a)×")  # a row printed by results.show


def scripts(only: set[str] | None) -> list[Path]:
    found = [p for p in BENCH.glob("*.py") if p.name not in HELPERS and not p.name.startswith("_")]
    found.sort(key=lambda p: (p.name not in FIRST, p.name))
    if only:
        found = [p for p in found if p.stem in only or p.name in only]
    return found


def run(script: Path, args: list[str], timeout: float) -> tuple[int | None, str, float]:
    """Run one script, echoing its output as it comes; (exit code or None on time-out, output, s)."""
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script), *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    lines = []
    try:
        for line in proc.stdout:
            print(f"  {line}", end="", flush=True)
            lines.append(line)
        code = proc.wait()
    finally:
        watchdog.cancel()
    took = time.perf_counter() - start
    return (None if took >= timeout else code), "".join(lines), took


def sections(path: Path) -> int:
    return path.read_text(encoding="utf-8").count("\n## ") if path.exists() else 0


def fallback_rows(output: str) -> list[dict]:
    """Ratio lines of a script that does not record itself, as result rows."""
    rows = []
    lines = output.splitlines()
    goal = next((ln for ln in lines if ln.lower().startswith("goal")), "")
    met = None if not goal else not MISS.search(goal)
    for ln in lines:
        m = RATIO.search(ln)
        if m:
            rows.append({"figure": m["figure"].strip(), "value": "", "baseline": "", "ratio": f"{m['ratio']}×",
                         "goal": goal.split(":", 1)[0].removeprefix("goal").strip(" ()") if goal else "",
                         "met": met})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="each script at its own defaults (full sizes)")
    parser.add_argument("--only", default="", help="comma-separated script names (advance,dispatch,…)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per script before it counts as failed")
    args = parser.parse_args(argv)
    only = {name.strip() for name in args.only.split(",") if name.strip()} or None
    todo = scripts(only)
    if not todo:
        print("no benchmark scripts found", file=sys.stderr)
        return 1
    summary: list[tuple[str, str, list[str]]] = []  # (script, status, collected lines)
    total = time.perf_counter()
    for script in todo:
        extra = [] if args.full else SMALL.get(script.name, [])
        print(f"\n=== {script.name} {' '.join(extra)}".rstrip(), flush=True)
        before = sections(RESULTS)
        code, output, took = run(script, extra, args.timeout)
        missed = bool(MISS.search(output))
        crashed = "Traceback (most recent call last)" in output
        if code is None:
            status = f"ERROR (timed out after {took:.0f} s)"
        elif crashed or (code != 0 and not missed):
            status = f"ERROR (exit code {code})"
        else:
            status = f"ran in {took:.0f} s" + (", goal MISSED" if missed else "")
        lines = [ln.strip() for ln in output.splitlines()]
        shown = [ln for ln in lines if SHOWN.match(ln) or ln.startswith("MISSED")]
        collected = shown or [ln for ln in lines if "×" in ln or MISS.search(ln) or ln.lower().startswith("goal")]
        if not status.startswith("ERROR") and sections(RESULTS) == before:
            rows = fallback_rows(output)
            if rows:
                record(script.stem, rows, note="recorded by run_all.py from the script's output")
        summary.append((script.name, status, collected))
    print(f"\n=== summary ({time.perf_counter() - total:.0f} s; figures appended to {RESULTS.relative_to(ROOT)})")
    errors = 0
    for name, status, collected in summary:
        print(f"{name}: {status}")
        errors += status.startswith("ERROR")
        for ln in collected:
            if not MISS.search(ln):
                print(f"    {ln}")
    missed = []
    for name, _, collected in summary:
        # Scripts using results.show print a verdict and a "MISSED …" line per miss: keep the latter.
        lines = [ln for ln in collected if ln.startswith("MISSED")] or [ln for ln in collected if MISS.search(ln)]
        missed += [(name, ln) for ln in lines]
    if missed:
        print()
        for name, ln in missed:
            print(f"MISSED  {name}: {ln.removeprefix('MISSED').strip()}")
    if errors:
        print(f"\n{errors} script(s) failed", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
