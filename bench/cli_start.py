"""CLI cold start (issue 15.4): ``jiandu complaint show N`` and ``jiandu complaint advance …``
against ``python -c "import sqlalchemy"``, each a fresh process, in the same run.

    .venv/bin/python bench/cli_start.py                  # 20 rounds, SQLite
    .venv/bin/python bench/cli_start.py --n 10 --db both
    .venv/bin/python bench/cli_start.py --importtime     # and the -X importtime profile of each command

A scratch database holds the sample organisation and one complaint per round. Each round runs
the baseline, ``complaint show 1``, the baseline again and ``complaint advance K verify`` of the
round's own complaint (a change that queues messages, so the courier delivers after the commit,
as a real command does), alternating so that the machine's load falls on all alike. Measured per
process: wall time (start to exit, what a person waits for) and CPU time (user + system, from
``wait4``: steadier on a busy machine). The ratio is median / median of the baseline. Before the
rounds, each command runs once with bytecode writing on, so every run reads its ``.pyc`` files
as an installed package does (this workplace sets PYTHONDONTWRITEBYTECODE).

Goal: at most 1.5× the baseline's wall time, for both commands.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scratch import kinds, load_sample_org, scratch_database  # noqa: E402
from results import figure, record, show  # noqa: E402

GOAL = 1.5
BIN = Path(sys.executable).parent
BASELINE = [sys.executable, "-c", "import sqlalchemy"]
WINDOW, SUPERVISOR, AGAINST = "wb-1", "zhouhua", "zhoujun"  # the sample organisation's
IMPORT = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def timed(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """(wall s, CPU s) of one process run to its end; its output must be a success."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}\n{err}")
    return wall, usage.ru_utime + usage.ru_stime


def seed(url: str, rounds: int) -> None:
    """The sample organisation and ``rounds`` received complaints (ids 1..rounds)."""
    from core.settings import Settings
    from workflows.runtime import Runtime

    load_sample_org(url)
    rt = Runtime(Settings(database_url=url, deliver_on_commit=False))
    service = rt.complaints()
    at = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    for i in range(rounds):
        service.create(window=WINDOW, source="customer", category="other", text=f"冷启动 {i}",
                       at=at + timedelta(minutes=i))
    rt.db.dispose()


def profile(argv: list[str], env: dict[str, str], cwd: Path, top: int = 14) -> list[str]:
    """The modules imported at the top level of ``argv``'s process, by cumulative import time."""
    res = subprocess.run([sys.executable, "-X", "importtime", *argv], env=env, cwd=cwd,
                         capture_output=True, text=True, check=True)
    rows = [(int(m[2]), m[4]) for m in map(IMPORT.match, res.stderr.splitlines()) if m and not m[3]]
    total = sum(us for us, _ in rows)
    rows.sort(reverse=True)
    return [f"  all imports {total / 1000:.0f} ms"] + [f"  {us / 1000:8.1f} ms  {name}" for us, name in rows[:top]]


def run(kind: str, rounds: int, importtime: bool) -> list[dict]:
    with scratch_database(kind, "clistart") as url, tempfile.TemporaryDirectory(prefix="jiandu-clistart-") as tmp:
        folder = Path(tmp)
        seed(url, rounds + 1)
        env = {**os.environ, "JIANDU_DATABASE_URL": url, "JIANDU_OUTBOX_DIR": str(folder / "outbox"),
               "JIANDU_NOTICE_DIR": str(folder / "notices"), "JIANDU_QUIET_HOURS": ""}
        show_cmd = [str(BIN / "jiandu"), "complaint", "show", "1"]

        def advance_cmd(n: int) -> list[str]:
            return [str(BIN / "jiandu"), "complaint", "advance", str(n), "verify", "--by", SUPERVISOR,
                    "--against", AGAINST]

        warm = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
        for argv in (BASELINE, show_cmd, advance_cmd(rounds + 1)):  # writes the .pyc files once
            timed(argv, warm, folder)
        samples: dict[str, list[tuple[float, float]]] = {"baseline": [], "show": [], "advance": []}
        for n in range(1, rounds + 1):
            samples["baseline"].append(timed(BASELINE, env, folder))
            samples["show"].append(timed(show_cmd, env, folder))
            samples["baseline"].append(timed(BASELINE, env, folder))
            samples["advance"].append(timed(advance_cmd(n), env, folder))
        sent = len(list((folder / "outbox").glob("*")))
        if importtime:
            for name, argv in (("baseline", BASELINE[1:]),
                               ("complaint show", ["-c", "import sys; from jiandu.cli import run; "
                                                   "sys.argv = ['jiandu', 'complaint', 'show', '1']; run()"])):
                print(f"-X importtime, {name} ({kind}):")
                print("\n".join(profile(argv, env, folder)))

    def median(name: str, i: int) -> float:
        return statistics.median(s[i] for s in samples[name])

    rows = []
    for name, label in (("show", "complaint show 1"), ("advance", "complaint advance N verify")):
        ratio = median(name, 0) / median("baseline", 0)
        rows.append(figure(f"{label}, wall vs import sqlalchemy ({kind})", median(name, 0),
                           median("baseline", 0), goal=f"≤ {GOAL}×", met=ratio <= GOAL, unit=" s"))
        rows.append(figure(f"{label}, CPU vs import sqlalchemy ({kind})", median(name, 1),
                           median("baseline", 1), unit=" s"))
    print(f"({kind}: {rounds} rounds; {sent} message file(s) delivered by the advances' couriers)")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20, help="rounds (each: 2 baselines, a show, an advance)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--importtime", action="store_true", help="print the import profile of each")
    args = parser.parse_args(argv)
    rows = [row for kind in kinds(args.db) for row in run(kind, args.n, args.importtime)]
    show("cli_start", rows)
    load = os.getloadavg()[0]
    record("cli_start", rows, note=f"{args.n} rounds, medians, load average {load:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
