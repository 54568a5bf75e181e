"""Record benchmark figures in ``bench/RESULTS.md``: one dated table per run of a bench script.

    from results import figure, record, show

    rows = [figure("advances/s (sqlite)", service_rate, raw_rate, goal="≥ 0.5", met=ratio >= 0.5)]
    show("advance", rows)       # prints them, a MISSED line for each goal not met
    record("advance", rows, note="n=2000")

A row is a dict with the keys of :data:`COLUMNS`: figure, value, baseline, ratio, goal, met
(True, False, or None when the figure has no goal). Numbers are written with four significant
digits; the ratio is value / baseline, both measured in the same run.
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
COLUMNS = ("figure", "value", "baseline", "ratio", "goal", "met")
HEADER = """# Benchmark results

Appended by the bench scripts (`bench/results.py`), newest last: one table per run.
`ratio` = value / baseline, both measured in the same run on the same machine, so
runs on different (or busy) machines compare by their ratios, not by their values.
`make bench` runs them all at small sizes (`bench/run_all.py`); full sizes behind flags.
"""


def figure(name: str, value: float, baseline: float, *, goal: str = "", met: bool | None = None,
           unit: str = "") -> dict:
    """One row; the ratio computed here. ``unit`` is appended to value and baseline."""
    ratio = value / baseline if baseline else float("nan")
    return {"figure": name, "value": f"{_num(value)}{unit}", "baseline": f"{_num(baseline)}{unit}",
            "ratio": f"{_num(ratio)}×", "goal": goal, "met": met}


def verdict(met: bool | None) -> str:
    return "—" if met is None else ("met" if met else "MISSED")


def line(bench: str, row: dict) -> str:
    """A row as one printed line (``run_all.py`` collects the lines holding '×')."""
    goal = f"   goal {row['goal']}: {verdict(row['met'])}" if row.get("goal") else ""
    return (f"{bench}: {row['figure']}: {row['value']} / baseline {row['baseline']} "
            f"= {row['ratio']}{goal}")


def show(bench: str, rows: list[dict]) -> None:
    for row in rows:
        print(line(bench, row))
    for row in rows:
        if row.get("met") is False:
            print(f"MISSED {bench}: {row['figure']} = {row['ratio']} (goal {row['goal']})")
    sys.stdout.flush()


def record(bench: str, rows: list[dict], note: str = "", path: Path | None = None) -> Path:
    """Append the rows as a dated markdown table; create the file with its header if missing."""
    path = path or RESULTS
    when = datetime.now().astimezone().isoformat(timespec="seconds")
    host = f"{platform.node() or '?'}, {os.cpu_count()} CPU, Python {platform.python_version()}"
    out = [f"\n## {bench} · {when}\n", f"{note} · {host}\n" if note else f"{host}\n",
           "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        missing = set(COLUMNS) - set(row)
        if missing:
            raise ValueError(f"row {row!r} lacks {', '.join(sorted(missing))}")
        cells = [verdict(row["met"]) if col == "met" else _cell(row[col]) for col in COLUMNS]
        out.append("| " + " | ".join(cells) + " |")
    new = not path.exists()
    with path.open("a", encoding="utf-8") as f:
        if new:
            f.write(HEADER)
        f.write("\n".join(out) + "\n")
    return path


def _num(x: float) -> str:
    if isinstance(x, int):
        return f"{x:,}"
    if x != x:  # NaN
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _cell(value) -> str:
    text = _num(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")
