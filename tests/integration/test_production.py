"""The production shape, as docs/production.md tells an operator to build it (PostgreSQL only).

Sections 1-3 of the page are run as written, by bash, with only the hosts, ports, secrets and
paths replaced by the test's own: Jiandu's database and the Prefect server's own database on the
same PostgreSQL, the Prefect server with its auth string, the work pool, `prefect deploy --all`
of prefect.yaml, two workers of the pool `jiandu`. Then a complaint whose respond clock is
already due: a worker's scheduled clock watch breaks it exactly once (the owner -3, level 1, one
message), and a month-close run, asked for as the page says, drafts the month on a worker.
Every wait is a generous deadline, polled; everything started is stopped at the end.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from core.db import Database
from core.timeutil import current_month
from notifications.models import OutboxMessage
from scoring.models import LedgerLine, MonthClose
from states.models import Clock, Complaint, ComplaintEvent
from tests.conftest import POSTGRES_URL, ROOT, SAMPLE_ORG
from tests.receivers import free_port
from workflows.serve import wait_healthy

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("production")]

DOC = ROOT / "docs" / "production.md"
BIN = Path(sys.executable).parent
STARTED_IN_BACKGROUND = ("prefect server start", "prefect worker start")
DEADLINE = 600  # seconds for each step on a loaded machine; a healthy run takes a fraction


def sections(doc: str) -> dict[str, list[str]]:
    """The ```sh blocks of each '## N.' section, by the section's number."""
    blocks: dict[str, list[str]] = {}
    for part in re.split(r"^## ", doc, flags=re.M)[1:]:
        number = part.split(".", 1)[0]
        blocks[number] = re.findall(r"^```sh\n(.*?)^```", part, flags=re.M | re.S)
    return blocks


def ours(doc: str, replacements: dict[str, str]) -> str:
    """The page with its placeholders replaced; each must be there (the page and the test agree)."""
    for placeholder, value in replacements.items():
        assert placeholder in doc, f"docs/production.md no longer says {placeholder!r}"
        doc = doc.replace(placeholder, value)
    return doc


def blocks_to_run(page: str) -> dict[str, list[str]]:
    """Sections 1-3's blocks, with no placeholder left that the test does not replace."""
    blocks = {number: found for number, found in sections(page).items() if number in ("1", "2", "3")}
    leftover = re.findall(r"\S*(?:\.internal|SECRET)\S*", "\n".join(sum(blocks.values(), [])))
    assert leftover == [], f"placeholders the test does not replace: {leftover}"
    return blocks


class Machine:
    """One machine of the page: its own environment and Prefect home; runs blocks in bash, the
    long-running commands in the background (in their own process group, stopped by stop())."""

    def __init__(self, name: str, folder: Path, base_env: dict[str, str]):
        self.name, self.folder = name, folder / name
        self.folder.mkdir(parents=True)
        self.env = {**base_env, "PREFECT_HOME": str(self.folder / "prefect-home")}
        self.pids: list[int] = []

    def run(self, block: str) -> None:
        pidfile, envfile = self.folder / "pids", self.folder / "env"
        lines = []
        for line in block.splitlines():
            if line.startswith(STARTED_IN_BACKGROUND):
                command = line.split(" #", 1)[0]
                log = self.folder / f"{command.split()[1]}.log"
                lines.append(f"{command} >>{log} 2>&1 < /dev/null & echo $! >>{pidfile}")
            else:
                lines.append(line)
        script = "set -euo pipefail\n" + "\n".join(lines) + f"\nenv -0 >{envfile}\n"
        done = subprocess.run(["bash", "-c", script], env=self.env, cwd=self.folder, capture_output=True,
                              text=True, timeout=DEADLINE)
        assert done.returncode == 0, f"{self.name}: {block}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        self.env = dict(item.split("=", 1) for item in envfile.read_text().split("\0") if "=" in item)
        if pidfile.exists():
            self.pids = [int(pid) for pid in pidfile.read_text().split()]

    def alive(self) -> None:
        for pid in self.pids:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                logs = "\n".join(log.read_text()[-3000:] for log in self.folder.glob("*.log"))
                pytest.fail(f"{self.name}: process {pid} died\n{logs}")

    def started(self) -> list[int]:
        """The processes started here and all their descendants (a worker starts each flow run
        in a session of its own)."""
        return [pid for root in self.pids for pid in [root, *_descendants(root)]]


def stop(machines: list[Machine], grace: float = 90) -> None:
    """SIGTERM to every process the machines started, at once; SIGKILL to what is left after
    ``grace`` seconds (a worker may wait for its flow runs)."""
    started: list[int] = []
    deadline = time.monotonic() + grace
    while True:
        late = [pid for machine in machines for pid in machine.started() if pid not in started]
        for pid in late:  # the first round, then flow runs started while their worker was stopping
            _signal(pid, signal.SIGTERM)
        started += late
        if not any(_exists(pid) for pid in started) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for pid in started:
        _signal(pid, signal.SIGKILL)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _descendants(root: int) -> list[int]:
    """Every process below ``root``, from /proc (children first found, then theirs)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def until(what: str, check, machines: list[Machine], timeout: float = DEADLINE, every: float = 1.0):
    """``check()``'s first truthy answer, polled; the machines' processes must stay up meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        answer = check()
        if answer:
            return answer
        for machine in machines:
            machine.alive()
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(every)


class PrefectApi:
    def __init__(self, url: str, auth: str | None):
        self.url, self.auth = url, auth

    def post(self, path: str, body: dict) -> object:
        request = urllib.request.Request(f"{self.url}{path}", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        if self.auth:
            request.add_header("Authorization", "Basic " + base64.b64encode(self.auth.encode()).decode())
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read())

    def completed_runs(self, deployment: str) -> list[dict]:
        return self.post("/flow_runs/filter", {
            "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
            "deployments": {"name": {"any_": [deployment]}}, "sort": "START_TIME_ASC"})


def _aware(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.fixture
def databases(postgres_url):
    """Jiandu's database and the Prefect server's own, fresh, on the same PostgreSQL."""
    suffix = uuid.uuid4().hex[:8]
    names = {"jiandu": f"jiandu_prod_{suffix}", "prefect": f"prefect_prod_{suffix}"}
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    server = POSTGRES_URL.split("://", 1)[1].rsplit("/", 1)[0]  # user@host:port
    yield {"jiandu": f"postgresql+psycopg://{server}/{names['jiandu']}",
           "prefect": f"postgresql+asyncpg://{server}/{names['prefect']}"}
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_the_production_page_as_written_breaks_a_due_clock_once_on_a_worker_and_drafts_a_month(
        databases, tmp_path):
    port, auth = free_port(), f"admin:{secrets.token_urlsafe(24)}"
    api_url = f"http://127.0.0.1:{port}/api"
    page = ours(DOC.read_text(encoding="utf-8"), {
        "postgresql+psycopg://jiandu:SECRET@db.internal/jiandu": databases["jiandu"],
        "postgresql+asyncpg://prefect:SECRET@db.internal/prefect": databases["prefect"],
        "admin:PREFECT-SECRET": auth,
        "http://prefect.internal:4200/api": api_url,
        "--host 0.0.0.0 --port 4200": f"--host 127.0.0.1 --port {port}",  # the test listens on loopback only
        "/opt/jiandu": str(ROOT),
        "/etc/jiandu/org.yaml": str(SAMPLE_ORG),
    })
    blocks = blocks_to_run(page)
    # A clean machine: none of the test run's own Prefect or Jiandu settings, the release's tools first.
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "JIANDU_"))}
    base = {**clean, "PATH": f"{BIN}{os.pathsep}{clean.get('PATH', '')}", "PREFECT_LOGGING_LEVEL": "WARNING"}
    for_flows = {"JIANDU_OUTBOX_DIR": str(tmp_path / "outbox"), "JIANDU_NOTICE_DIR": str(tmp_path / "notices")}

    web = Machine("web", tmp_path, base)
    server = Machine("prefect-server", tmp_path, base)
    deployer = Machine("deployer", tmp_path, base)
    workers = [Machine(f"worker-{n}", tmp_path, base | for_flows) for n in (1, 2)]
    running = [server, *workers]
    try:
        web.run(blocks["1"][0])  # jiandu init, org load
        server.run(blocks["2"][0])
        wait_healthy(api_url, timeout=DEADLINE)
        server.alive()
        with pytest.raises(urllib.error.HTTPError, match="401"):
            PrefectApi(api_url, None).post("/flow_runs/count", {})  # the auth string is required
        api = PrefectApi(api_url, auth)
        deployer.run(blocks["3"][0])  # work-pool create, deploy --all
        deployed = sorted(d["name"] for d in api.post("/deployments/filter", {}))
        assert deployed == ["draft-on-the-1st", "draw-on-the-1st", "every-minute", "sweep"]
        for worker in workers:
            worker.run(blocks["3"][1])  # prefect worker start --pool jiandu

        db = Database(web.env["JIANDU_DATABASE_URL"])
        filed_at = datetime.now(UTC) - timedelta(minutes=40)  # respond (30 min) due, on-site (2 h) not
        filed = subprocess.run(["jiandu", "complaint", "new", "--window", "wb-1", "--source", "customer",
                                "--category", "attitude", "--text", "司磅员态度生硬",
                                "--at", filed_at.isoformat(), "--json"],
                               env=web.env, cwd=web.folder, capture_output=True, text=True, timeout=120)
        assert filed.returncode == 0, filed.stderr
        complaint = json.loads(filed.stdout)
        cid, owner = complaint["id"], complaint["owner"]

        def respond_broken():
            with db.reading() as s:
                return s.scalar(select(Clock.state).where(Clock.complaint_id == cid, Clock.name == "respond")) \
                    == "broken"

        until("a worker's clock watch breaks the respond clock", respond_broken, running)
        seen_broken = datetime.now(UTC)
        # Nothing else breaks clocks here, and the watch runs one at a time: the first run broke it.
        breaker = until("the clock watch run that broke it completes",
                        lambda: api.completed_runs("every-minute")[:1], running, every=2)[0]
        assert _aware(breaker["start_time"]) < seen_broken and breaker["work_pool_name"] == "jiandu", breaker

        # A draft of the month, asked for as the page says, while the next clock watch comes round.
        month = current_month(filed_at + timedelta(minutes=30))  # the month of the respond deadline
        ask = re.search(r"`(prefect deployment run month-close/\S+ --param month=)\d{4}-\d{2}`", page)
        assert ask, "docs/production.md no longer says how to ask a worker for a month's draft"
        deployer.run(ask.group(1) + month)
        # Once: a later clock watch has run over the broken clock and changed nothing.
        breaker_ended = _aware(breaker["end_time"])
        until("another clock watch completes after the break", lambda: [
            r for r in api.completed_runs("every-minute") if _aware(r["start_time"]) > breaker_ended], running, every=2)

        def drafted():
            with db.reading() as s:
                row = s.get(MonthClose, month)
                return row is not None and (row.status, row.closed_by)

        assert until("a worker drafts the month", drafted, running) == ("draft", "system")
        until("the month-close run is completed", lambda: api.completed_runs("draft-on-the-1st"), running)

        with db.reading() as s:
            shown = s.get(Complaint, cid)
            assert (shown.state, shown.level) == ("escalated", 1)
            escalations = s.scalar(select(func.count()).select_from(ComplaintEvent).where(
                ComplaintEvent.complaint_id == cid, ComplaintEvent.event == "escalate"))
            told = s.scalars(select(OutboxMessage.recipient).where(
                OutboxMessage.complaint_id == cid, OutboxMessage.kind == "complaint_escalated")).all()
            lines = [tuple(row) for row in s.execute(select(LedgerLine.rule, LedgerLine.points).where(
                LedgerLine.month == month, LedgerLine.person_id == owner, LedgerLine.points != 0))]
        assert escalations == 1
        # The one escalation told each of its people once: the owner, the next rung, the president's office.
        assert len(told) == len(set(told)) and owner in told, told
        assert lines == [("inactivity", 3)]  # the owner -3 (the ledger keeps deductions as points taken)
        db.dispose()
    finally:
        stop(running)
