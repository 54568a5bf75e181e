"""Delivery: latency from commit to sent, and the CPU of the idle stack, before and after issue 20.2.

    .venv/bin/python bench/delivery.py                      # idle 300 s, 8 + 20 samples
    .venv/bin/python bench/delivery.py --idle 60 --before-samples 4 --after-samples 10

Each shape runs the real stack: ``jiandu serve`` in a child process (its own Prefect server on a
free port, the web, every flow served with its schedule) on a scratch SQLite database holding
the sample organisation, the file channel, no quiet hours.

* before (baseline): the old shape, ``--dispatch-seconds 10`` and ``JIANDU_DELIVER_ON_COMMIT=false``:
  a flow run every 10 s is the only delivery;
* after: the new shape, the sweep every 60 s and delivery on commit (``notifications/courier.py``).

Measured, once the clock watch has made its first pass (the stack is up):

* idle CPU: CPU seconds of the whole process tree (``jiandu serve``, the Prefect server, the web,
  every flow-run process: reaped children count in their parent) over ``--idle`` seconds with
  nothing to do, as a share of one core; lower is better, so the ratio is before / after;
* latency: a complaint filed by this process (a committing process, as a web worker is), then
  the time until the database shows every message it wrote as sent, polled every 20 ms; the
  ratio is the median before over the median after. Between samples a random pause, so that
  the commits fall at random phases of the schedule.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scratch import load_sample_org, scratch_database  # noqa: E402
from results import figure, record, show  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
STARTUP_DEADLINE = 600  # seconds for the stack to come up on a loaded machine


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process and of its reaped children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(fields[1]), sum(int(f) for f in fields[11:15]) / TICKS


def tree_cpu(root: int) -> float:
    """CPU seconds used so far by ``root`` and every live descendant (dead ones count in their parent)."""
    stats = {int(p.name): s for p in Path("/proc").iterdir() if p.name.isdigit() and (s := _stat(int(p.name)))}
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
            todo += children.get(pid, [])
    return total


class Stack:
    """``jiandu serve`` on the scratch database, in its own folder (var/prefect, var/outbox there)."""

    def __init__(self, url: str, folder: Path, dispatch_seconds: int, on_commit: bool):
        from tests.receivers import free_port

        env = {**os.environ, "JIANDU_DATABASE_URL": url, "JIANDU_WEB_PORT": str(free_port()),
               "JIANDU_OUTBOX_DIR": str(folder / "outbox"), "JIANDU_QUIET_HOURS": "",
               "JIANDU_DELIVER_ON_COMMIT": str(on_commit).lower(), "PYTHONUNBUFFERED": "1"}
        env.pop("PREFECT_API_URL", None)
        self.log = (folder / "serve.log").open("wb")
        self.process = subprocess.Popen([str(Path(sys.executable).parent / "jiandu"), "serve", "--port",
                                         str(free_port()), "--dispatch-seconds", str(dispatch_seconds)],
                                        cwd=folder, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wait_for_first_watch(db, process: subprocess.Popen) -> None:
    from core.heartbeat import CLOCK_WATCH, last_runs

    deadline = time.monotonic() + STARTUP_DEADLINE
    while CLOCK_WATCH not in last_runs(db):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("jiandu serve did not run the clock watch (see its serve.log)")
        time.sleep(1)


def idle_cpu(root: int, seconds: float) -> float:
    """Share of one core the tree used over ``seconds`` of idling."""
    before, start = tree_cpu(root), time.monotonic()
    time.sleep(seconds)
    return (tree_cpu(root) - before) / (time.monotonic() - start)


def latencies(runtime, samples: int, rng: random.Random) -> list[float]:
    from sqlalchemy import select

    from notifications.models import SENT, OutboxMessage

    out = []
    for n in range(samples):
        time.sleep(rng.uniform(0, 3))
        complaint = runtime.complaints().create(window="inv-1", source="customer", category="attitude",
                                                text=f"延迟测量 latency sample {n}", contact="13800001111")
        committed = time.monotonic()
        query = select(OutboxMessage.status).where(OutboxMessage.complaint_id == complaint["id"])
        while True:
            with runtime.db.reading() as s:
                statuses = set(s.scalars(query))
            if statuses == {SENT}:
                break
            if time.monotonic() - committed > STARTUP_DEADLINE:
                raise RuntimeError(f"complaint {complaint['id']}: not delivered in {STARTUP_DEADLINE} s")
            time.sleep(0.02)
        out.append(time.monotonic() - committed)
    return out


def measure(shape: str, idle: float, samples: int, rng: random.Random) -> tuple[float, list[float]]:
    from core.settings import Settings
    from workflows.runtime import Runtime

    on_commit = shape == "after"
    with scratch_database("sqlite", f"delivery-{shape}") as url, tempfile.TemporaryDirectory() as folder:
        load_sample_org(url)
        stack = Stack(url, Path(folder), 60 if on_commit else 10, on_commit)
        # This process commits as a web worker does: with the courier when the shape has one.
        runtime = Runtime(Settings(database_url=url, outbox_dir=Path(folder) / "outbox", quiet_hours="",
                                   deliver_on_commit=on_commit))
        try:
            wait_for_first_watch(runtime.db, stack.process)
            time.sleep(15)  # the first runs of every schedule settle
            cpu = idle_cpu(stack.process.pid, idle)
            print(f"{shape}: idle CPU {cpu:.3f} of a core over {idle:.0f} s", flush=True)
            waits = latencies(runtime, samples, rng)
            print(f"{shape}: commit → sent, s: {' '.join(f'{w:.2f}' for w in waits)}", flush=True)
            return cpu, waits
        finally:
            if on_commit:
                runtime.courier.drain(30)
            runtime.db.dispose()
            stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idle", type=float, default=300, help="seconds of idling measured (a multiple of 60)")
    parser.add_argument("--before-samples", type=int, default=8)
    parser.add_argument("--after-samples", type=int, default=20)
    args = parser.parse_args(argv)
    rng = random.Random(2026)
    cpu_before, wait_before = measure("before", args.idle, args.before_samples, rng)
    cpu_after, wait_after = measure("after", args.idle, args.after_samples, rng)
    median_before, median_after = statistics.median(wait_before), statistics.median(wait_after)
    rows = [
        figure("idle CPU of the stack, share of a core: 10 s dispatch runs / on commit + 60 s sweep",
               cpu_before, cpu_after, goal="> 1 (less CPU after)", met=cpu_before > cpu_after),
        figure(f"commit → sent, median s (max before {max(wait_before):.2f}, max after {max(wait_after):.2f})",
               median_before, median_after, goal="> 1 (sooner after)", met=median_before > median_after),
    ]
    show("delivery", rows)
    record("delivery", rows, note=f"idle {args.idle:.0f} s, samples {args.before_samples}/{args.after_samples}, "
                                  "SQLite, the whole `jiandu serve` stack")
    return 0


if __name__ == "__main__":
    sys.exit(main())
