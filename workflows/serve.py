"""`jiandu serve`: the main job on the embedded default.

Starts a Prefect server on loopback (unless PREFECT_API_URL points at one
already, as in production), then serves every flow with its schedule in this
process. Ctrl-C stops the flows and the server. Telemetry is off.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from core.private import private_dir

QUIET_OFFLINE = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
}


def prefect_env(home: Path) -> dict[str, str]:
    """Environment for an embedded Prefect: its own home under var/, no telemetry."""
    env = {**os.environ, **QUIET_OFFLINE, "PREFECT_HOME": str(home)}
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    return env


# The schedules make ~10,000 flow runs a day: Prefect's vacuum deletes the finished ones after a
# week (events are vacuumed by default). docs/production.md sets the same on a central server.
RUN_RETENTION = {
    "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs",
    "PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD": str(7 * 24 * 3600),
}


def start_server(host: str, port: int, home: Path) -> subprocess.Popen:
    private_dir(home)  # the Prefect server's database: flow runs and their parameters
    prefect = Path(sys.executable).parent / "prefect"
    # The UI asks /ui-settings where the API is; unless told, the server answers port 4200.
    browsable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    env = {**prefect_env(home), "PREFECT_UI_API_URL": f"http://{browsable}:{port}/api"}
    return subprocess.Popen([str(prefect), "server", "start", "--host", host, "--port", str(port),
                             "--analytics-off"], env=RUN_RETENTION | env,
                            stdout=(home / "server.log").open("ab"), stderr=subprocess.STDOUT)


def wait_healthy(api_url: str, timeout: float = 120, process: subprocess.Popen | None = None) -> None:
    """Until the server answers ``/health`` (which needs no auth string; see docs/production.md)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"Prefect server exited with {process.returncode} (see var/prefect/server.log)")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"Prefect server at {api_url} not healthy after {timeout:.0f} s")


def deployments(watch_seconds: int = 60, dispatch_seconds: int = 60) -> list:
    from prefect.schedules import Cron

    from workflows.flows import clock_watch, dispatch_outbox, month_close, spot_check_plan

    return [
        clock_watch.to_deployment(name="every-minute", interval=watch_seconds,
                                  concurrency_limit=1, description="时限检查 / the clock watch"),
        dispatch_outbox.to_deployment(name="sweep", interval=dispatch_seconds, concurrency_limit=1,
                                      description="消息补投 / outbox sweep (messages go on commit)"),
        spot_check_plan.to_deployment(name="draw-on-the-1st", concurrency_limit=1,
                                      schedule=Cron("5 0 1 * *", timezone="Asia/Shanghai"),
                                      description="抽查计划 / the month's spot-check plan"),
        month_close.to_deployment(name="draft-on-the-1st", concurrency_limit=1,
                                  schedule=Cron("0 9 1 * *", timezone="Asia/Shanghai"),
                                  description="上月关账草稿 / draft of last month"),
    ]


def _stop_on_sigterm() -> None:
    """SIGTERM (a service manager, `timeout`, `kill`) stops cleanly, like Ctrl-C."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def start_web(host: str, port: int, demo: bool = False) -> subprocess.Popen:
    """The web console, public pages and API (uvicorn, its own process: Ctrl-C stops both)."""
    env = {**os.environ, **({"JIANDU_DEMO": "true"} if demo else {})}
    # --no-proxy-headers: the client's address is the app's to find (JIANDU_TRUSTED_PROXIES), never
    # an X-Forwarded-For that uvicorn would believe from any local peer.
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "jiandu.web.app:create_app",
                             "--host", host, "--port", str(port), "--log-level", "warning", "--no-proxy-headers"],
                            env=env)


def serve_all(host: str = "127.0.0.1", port: int = 4200, home: Path = Path("var") / "prefect",
              watch_seconds: int = 60, dispatch_seconds: int = 60, web: tuple[str, int] | None = None,
              demo: bool = False) -> None:
    _stop_on_sigterm()
    server = None
    if web:  # the web, the flows and their runs build Settings from here: links follow the served port
        os.environ["JIANDU_WEB_PORT"] = str(web[1])
    web_process = start_web(*web, demo=demo) if web else None
    if web:
        print(f"网页 Web: http://{web[0]}:{web[1]}/  ·  投诉入口 intake: /w/<窗口 window>  ·  API: /api/docs",
              flush=True)
    api_url = os.environ.get("PREFECT_API_URL")
    if not api_url:
        api_url = f"http://{host}:{port}/api"
        server = start_server(host, port, home.resolve())
        os.environ.update({**QUIET_OFFLINE, "PREFECT_HOME": str(home.resolve()), "PREFECT_API_URL": api_url})
    try:
        wait_healthy(api_url, process=server)
        print(f"Prefect 界面 UI: {api_url.removesuffix('/api')}  ·  按 Ctrl-C 停止 / Ctrl-C stops",
              flush=True)
        import logging

        from prefect import serve

        # Runs held back by the one-at-a-time limit are normal; do not log each one.
        logging.getLogger("prefect.runner.state_proposer").setLevel(logging.WARNING)
        serve(*deployments(watch_seconds, dispatch_seconds))
    except KeyboardInterrupt:
        pass
    finally:
        if web_process is not None:
            web_process.terminate()
            web_process.wait(timeout=30)
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
