"""Benchmark of the intake under load: concurrent HTTP clients on loopback filing complaints
through the API for a while, against a bare endpoint (/healthz) of the same app, same clients.

    .venv/bin/python bench/intake.py                       # SQLite, 16 clients, 30 s each
    .venv/bin/python bench/intake.py --db postgres --clients 32 --seconds 10

The app runs as `jiandu serve` runs it (uvicorn, one process) on a scratch database with the
sample organisation. Printed: requests/s, p50 and p99 latency of each, the throughput ratio,
and the errors (goal: none).
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


def start_app(url: str, port: int, folder: Path) -> subprocess.Popen:
    env = {**os.environ, "JIANDU_DATABASE_URL": url, "JIANDU_SECRET_KEY": "bench", "JIANDU_OUTBOX_DIR":
           str(folder / "outbox"), "JIANDU_NOTICE_DIR": str(folder / "notices"),
           "JIANDU_API_INTAKE_RATE_LIMIT": "1000000/minute"}  # the load comes from one address
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "jiandu.web.app:create_app",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            env=env, cwd=ROOT)


async def load(base: str, method: str, path: str, clients: int, seconds: float, headers=None, json=None) -> dict:
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def client():
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
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


def run(kind: str, clients: int, seconds: float) -> dict:
    from tests.receivers import free_port

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url, drop = scratch_database(kind, folder)
        try:
            token = prepare(url)
            port = free_port()
            app = start_app(url, port, folder)
            base = f"http://127.0.0.1:{port}"
            try:
                wait_up(base, app)
                bare = asyncio.run(load(base, "GET", "/healthz", clients, seconds))
                intake = asyncio.run(load(base, "POST", "/api/complaints", clients, seconds,
                                          headers={"Authorization": f"Bearer {token}"}, json=BODY))
            finally:
                app.terminate()
                app.wait(timeout=30)
            return {"bare": bare, "intake": intake}
        finally:
            drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args(argv)
    rows = []
    for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        r = run(kind, args.clients, args.seconds)
        for name in ("bare", "intake"):
            x = r[name]
            print(f"{kind} {name:<7} {x['rate']:8.1f} req/s  p50 {x['p50']:7.1f} ms  p99 {x['p99']:7.1f} ms  "
                  f"({x['requests']} requests, errors {x['errors'] or 'none'})")
        ratio = r["intake"]["rate"] / r["bare"]["rate"]
        errors = sum(r["intake"]["errors"].values()) + sum(r["bare"]["errors"].values())
        print(f"{kind} intake / bare throughput: {ratio:.2f}×   errors: {errors} (goal: none) "
              f"{'met' if errors == 0 else 'MISSED'}")
        rows.append({"figure": f"{kind} intake req/s ({args.clients} clients, p50 {r['intake']['p50']:.0f} ms, "
                               f"p99 {r['intake']['p99']:.0f} ms)", "value": r["intake"]["rate"],
                     "baseline": r["bare"]["rate"], "ratio": ratio, "goal": "no errors", "met": errors == 0})
    try:
        from bench.results import record

        record("intake", rows)
    except ImportError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
