"""Benchmark of the intake under load: concurrent HTTP clients on loopback filing complaints
through the API, then through a window's form (POST /w/inv-1, as a customer's phone posts it:
its session's CSRF token, a fresh nonce each time), for a while each, against a bare endpoint
(/healthz) of the same app, same clients.

    .venv/bin/python bench/intake.py                       # SQLite, 16 clients, 30 s each
    .venv/bin/python bench/intake.py --db postgres --clients 32 --seconds 10
    .venv/bin/python bench/intake.py --db postgres --workers 4

The app runs as `jiandu serve` runs it (uvicorn, one process; ``--workers N``: N processes) on a
scratch database with the sample organisation, warmed first (2 s of intake: the pool's
connections open, the statements compiled, as in a running service; then 3 s for the courier to
deliver the warm-up's messages). Printed: requests/s, p50 and p99 latency of each,
the throughput ratio, and the errors (goal: none). Issue 15.2's goal on PostgreSQL with one
worker: the API's intake at least 0.25× the bare endpoint's rate, p99 under 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.month_close import scratch_database  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BODY = {"window": "inv-1", "category": "attitude", "text": "开票员态度生硬（压测）", "source": "customer"}


def prepare(url: str) -> str:
    from datetime import UTC, datetime

    from core.accounts import AccountService
    from core.db import Database
    from core.orgservice import load_org_file

    db = Database(url)
    load_org_file(db, ROOT / "config" / "org.sample.yaml", datetime.now(UTC))
    token = AccountService(db).issue_token("wuqing", "bench")
    db.dispose()
    return token


def start_app(url: str, port: int, folder: Path, workers: int = 1) -> subprocess.Popen:
    env = {**os.environ, "JIANDU_DATABASE_URL": url, "JIANDU_SECRET_KEY": "bench", "JIANDU_OUTBOX_DIR":
           str(folder / "outbox"), "JIANDU_NOTICE_DIR": str(folder / "notices"),
           # the load comes from one address
           "JIANDU_API_INTAKE_RATE_LIMIT": "1000000/minute", "JIANDU_INTAKE_RATE_LIMIT": "1000000/minute"}
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "jiandu.web.app:create_app",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                             "--workers", str(workers)], env=env, cwd=ROOT)


async def load(base: str, method: str, path: str, clients: int, seconds: float, headers=None, json=None,
               form: bool = False) -> dict:
    """``form``: each client opens the form once (its session cookie and CSRF token), then posts
    it again and again with a fresh nonce; a 303 to the tracking page is the success."""
    import re
    import secrets

    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def client():
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            fields = {}
            if form:
                page = (await http.get(path)).text
                fields = {"csrf": re.search(r'name="csrf" value="([^"]+)"', page).group(1),
                          "category": BODY["category"], "text": BODY["text"]}
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    if form:
                        reply = await http.post(path, data={**fields, "nonce": secrets.token_urlsafe(16)})
                        ok = reply.status_code == 303
                    else:
                        reply = await http.request(method, path, json=json)
                        ok = reply.status_code < 300
                    key = str(reply.status_code)
                except httpx.HTTPError as exc:
                    ok, key = False, type(exc).__name__
                latencies.append(time.perf_counter() - start)
                if not ok:
                    errors[key] = errors.get(key, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "rate": n / elapsed, "p50": latencies[n // 2] * 1000 if n else 0,
            "p99": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0, "errors": errors}


def wait_up(base: str, process: subprocess.Popen) -> None:
    import httpx

    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError("the app exited")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("the app did not answer")


def run(kind: str, clients: int, seconds: float, workers: int = 1) -> dict:
    from tests.receivers import free_port

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, drop = scratch_database(kind, folder)
        try:
            token = prepare(url)
            port = free_port()
            app = start_app(url, port, folder, workers)
            base = f"http://127.0.0.1:{port}"
            try:
                wait_up(base, app)
                # Warm: the pool's connections opened, the statements compiled (as a running service has them)
                asyncio.run(load(base, "POST", "/api/complaints", clients, 2,
                                 headers={"Authorization": f"Bearer {token}"}, json=BODY))
                time.sleep(3)  # the warm-up's messages delivered by the courier before the baseline
                bare = asyncio.run(load(base, "GET", "/healthz", clients, seconds))
                intake = asyncio.run(load(base, "POST", "/api/complaints", clients, seconds,
                                          headers={"Authorization": f"Bearer {token}"}, json=BODY))
                form = asyncio.run(load(base, "POST", f"/w/{BODY['window']}", clients, seconds, form=True))
            finally:
                app.terminate()
                app.wait(timeout=30)
            return {"bare": bare, "intake": intake, "form": form}
        finally:
            drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args(argv)
    rows = []
    for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        r = run(kind, args.clients, args.seconds, args.workers)
        for name in ("bare", "intake", "form"):
            x = r[name]
            print(f"{kind} {name:<7} {x['rate']:8.1f} req/s  p50 {x['p50']:7.1f} ms  p99 {x['p99']:7.1f} ms  "
                  f"({x['requests']} requests, errors {x['errors'] or 'none'})")
        errors = sum(sum(r[name]["errors"].values()) for name in ("bare", "intake", "form"))
        print(f"{kind} errors: {errors} (goal: none) {'met' if errors == 0 else 'MISSED'}")
        for name, what in (("intake", "API intake"), ("form", "form intake")):
            x, ratio = r[name], r[name]["rate"] / r["bare"]["rate"]
            goal_met = ratio >= 0.25 and x["p99"] < 200
            print(f"{kind} {what} / bare throughput: {ratio:.3f}×, p99 {x['p99']:.0f} ms "
                  f"(goal ≥ 0.25×, p99 < 200 ms) {'met' if goal_met and not errors else 'MISSED'}")
            rows.append({"figure": f"{kind} {what} req/s ({args.clients} clients, {args.workers} worker"
                                   f"{'s' if args.workers > 1 else ''}, p50 {x['p50']:.0f} ms, p99 {x['p99']:.0f} ms)",
                         "value": x["rate"], "baseline": r["bare"]["rate"], "ratio": ratio,
                         "goal": "≥ 0.25×, p99 < 200 ms, no errors", "met": goal_met and errors == 0})
    try:
        from bench.results import record

        record("intake", rows, note=f"load average at the end {os.getloadavg()[0]:.1f} (2 CPU, shared)")
    except ImportError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
