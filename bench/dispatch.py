"""Benchmark of the outbox dispatch to a webhook, against POSTing the same messages straight.

    .venv/bin/python bench/dispatch.py                       # 10,000 messages, SQLite
    .venv/bin/python bench/dispatch.py --n 1000 --db both

The receiver is the tests' ``WebhookReceiver`` (tests/receivers.py), run in a child process
so that it does not share the benchmark's interpreter lock. ``JIANDU_CHANNELS`` points every
person at it through an Apprise ``json://`` URL, as tests/integration/test_notifications.py does.

Setup (not timed): a scratch database with the sample organisation; N messages enqueued with
``notifications.outbox.enqueue`` in one transaction (sample people as recipients, bodies the
length of a real one).

Timed:

* dispatch: ``notifications.outbox.dispatch`` called until all N are sent (its batches of 100:
  claim, deliver each through Apprise, settle), ten batches a call;
* baseline, the receiver's own rate: a plain loop of N ``requests.post`` (the HTTP library
  Apprise's JSON plugin uses) with the same JSON body and headers.

The two alternate in rounds of 1,000 messages, so that a busy machine slows both alike.

Every message must reach the receiver once (by its idempotency key) and be marked sent.
The figure is dispatch messages/s over the plain loop's; no goal, it shows the price of the
outbox and of Apprise per message.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _scratch import kinds, load_sample_org, scratch_database  # noqa: E402
from results import figure, record, show  # noqa: E402

from core.timeutil import BUSINESS_TZ  # noqa: E402

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=BUSINESS_TZ).astimezone(UTC)  # outside the quiet hours
ROUND, BATCH = 1000, 100  # messages per round of each; dispatch's own batch size
RECIPIENTS = ("lisi", "wangwu", "zhangsan", "chenjian", "sunli", "zhouhua", "wuqing", "guoqi")
SUBJECT = "【监督】新投诉 #{n} 分派给您 / Complaint #{n} assigned to you"
BODY = ("{name}，您好：\n\n1号磅的客户投诉 #{n}（服务态度/工作状态）已分派给您。\n"
        "及时回复截止 11-10 10:30，及时到场截止 11-10 12:00，处理完毕截止 11-11 10:00。\n\n"
        "Complaint #{n} at weighbridge 1 (attitude) is assigned to you. Respond by 11-10 10:30, "
        "be on site by 11-10 12:00, resolve by 11-11 10:00.\n")


class Receiver:
    """tests.receivers.WebhookReceiver in a child process; ``counts()`` asks it what it got."""

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, __file__, "--receiver"], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("json://"):
            raise RuntimeError(f"the receiver did not start: {self.url!r}")
        return self

    def counts(self) -> tuple[int, int]:
        """(requests received, distinct idempotency keys accepted)."""
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        bodies, accepted = self.proc.stdout.readline().split()
        return int(bodies), int(accepted)

    def __exit__(self, *exc):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def serve_receiver() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.receivers import WebhookReceiver

    with WebhookReceiver() as hook:
        print(hook.url(), flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                print(len(hook.bodies), len(hook.accepted), flush=True)
    return 0


def enqueue_messages(db, settings, n: int) -> None:
    from core.org import Person
    from notifications.messages import Draft
    from notifications.outbox import enqueue

    with db.transaction() as s:
        names = {p.id: p.name for p in s.query(Person).filter(Person.id.in_(RECIPIENTS))}
        drafts = [Draft("complaint_assigned", who, SUBJECT.format(n=i), BODY.format(n=i, name=names[who]),
                        False, None) for i in range(n) for who in [RECIPIENTS[i % len(RECIPIENTS)]]]
        if enqueue(s, drafts, settings, NOW) != n:
            raise AssertionError("every draft should have one channel: the receiver")


def plain_loop(http_url: str, first: int, n: int) -> float:
    """POSTs first..first+n-1 with requests, as Apprise's JSON plugin sends them; returns seconds."""
    import requests

    start = time.perf_counter()
    for i in range(first, first + n):
        key = f"plain-{uuid.uuid4().hex}"
        who = RECIPIENTS[i % len(RECIPIENTS)]
        payload = {"version": "1.0", "title": SUBJECT.format(n=i), "message": BODY.format(n=i, name=who),
                   "attachments": [], "type": "info", "idempotency_key": key}
        r = requests.post(http_url, data=json.dumps(payload), timeout=(4.0, 4.0),
                          headers={"User-Agent": "Apprise", "Content-Type": "application/json",
                                   "X-Jiandu-Key": key})
        if r.status_code != 200:
            raise AssertionError(f"receiver answered {r.status_code}")
    return time.perf_counter() - start


def run(kind: str, n: int) -> dict:
    from core.db import Database
    from core.settings import Settings
    from notifications.models import SENT, OutboxMessage
    from notifications.outbox import dispatch

    with Receiver() as receiver, scratch_database(kind, "dispatch") as url, \
            tempfile.TemporaryDirectory(prefix="jiandu-dispatch-") as folder:
        os.environ["JIANDU_CHANNELS"] = json.dumps({"*": [receiver.url]})
        settings = Settings(database_url=url, outbox_dir=Path(folder) / "outbox")
        load_sample_org(url)
        db = Database(url)
        enqueue_messages(db, settings, n)
        http_url = "http://" + receiver.url.removeprefix("json://")
        plain = took = 0.0
        sent = failed = 0
        for first in range(0, n, ROUND):
            size = min(ROUND, n - first)
            plain += plain_loop(http_url, first, size)
            start = time.perf_counter()
            counts = dispatch(db, settings, NOW, batch=BATCH, max_batches=-(-size // BATCH))
            took += time.perf_counter() - start
            sent, failed = sent + counts["sent"], failed + counts["failed"]
        with db.reading() as s:
            settled = s.query(OutboxMessage).filter(OutboxMessage.status == SENT).count()
        db.dispose()
        bodies, accepted = receiver.counts()
        if (sent, failed, settled, bodies, accepted) != (n, 0, n, 2 * n, 2 * n):
            raise AssertionError(f"sent {sent}, failed {failed}, marked sent {settled}; the receiver got "
                                 f"{bodies} requests, {accepted} keys (expected {n}, 0, {n}, {2 * n}, {2 * n})")
    print(f"  {kind}: dispatch {n / took:7.1f} messages/s ({took:.1f} s); plain POST loop "
          f"{n / plain:7.1f}/s ({plain:.1f} s)")
    return {"dispatch": n / took, "plain": n / plain}


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:] == ["--receiver"]:
        return serve_receiver()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="messages")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = parser.parse_args(argv)
    rows = []
    for kind in kinds(args.db):
        print(f"{kind}: {args.n:,} messages to a webhook (Apprise json://), dispatch vs plain POSTs")
        r = run(kind, args.n)
        rows.append(figure(f"messages/s, outbox dispatch vs plain POST loop ({kind})", r["dispatch"], r["plain"],
                           unit="/s"))
    show("dispatch", rows)
    if not args.no_record:
        record("dispatch", rows, note=f"n={args.n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
