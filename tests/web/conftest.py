"""The web app on each database, with the sample organisation and a few accounts."""

from __future__ import annotations

import re

import pytest

PASSWORD = "correct-horse-9"
# Who plays which part (config/org.sample.yaml): invoicing complaints go to a supervisor who
# does not head invoicing; zhouhua is the chief executor and in the president's office.
ACCOUNTS = ("zhouhua", "wuqing", "lizhu", "chenjian", "sunli", "zhaogang", "qianmin", "fengqiang",
            "baihong", "dongshi", "wangzong", "zhangsan", "xiaowang")


@pytest.fixture
def runtime(org_db, db_url, tmp_path):
    from core.settings import Settings
    from workflows.runtime import Runtime

    settings = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", notice_dir=tmp_path / "notices",
                        secret_key="test-secret-key", public_url="http://testserver")
    rt = Runtime(settings)
    rt.accounts().set_demo_passwords(list(ACCOUNTS), PASSWORD)  # one argon2 hash for all
    yield rt
    rt.db.dispose()


@pytest.fixture
def app(runtime):
    from jiandu.web.app import create_app

    return create_app(runtime)


@pytest.fixture
def app_with(runtime):
    """An app on the same database with other settings."""
    from jiandu.web.app import create_app
    from workflows.runtime import Runtime

    made: list[Runtime] = []

    def build(**settings):
        made.append(Runtime(runtime.settings.model_copy(update=settings)))
        return create_app(made[-1])

    yield build
    for rt in made:
        rt.db.dispose()


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def login(client, person: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.text), "user": person, "password": password,
                                       "next": "/"}, follow_redirects=False)


def post_form(client, page_url: str, action: str, data: dict, files=None):
    """Submit a form as a browser does: the CSRF token comes from the page that shows it."""
    html = client.get(page_url).text
    token = csrf_of(html if 'name="csrf"' in html else client.get("/login").text)  # one token per session
    return client.post(action, data={"csrf": token, **data}, files=files, follow_redirects=False)


def file_complaint(client, window: str = "inv-1", text: str = "开票员态度恶劣", contact: str | None = "13800001111"):
    reply = post_form(client, f"/w/{window}", f"/w/{window}",
                      {"category": "attitude", "text": text, "contact": contact or ""})
    assert reply.status_code == 303, reply.text
    token = reply.headers["location"].split("/t/")[1].split("?")[0]
    return token


def last_month() -> str:
    from core.timeutil import previous_month, utcnow

    return previous_month(utcnow())


def verified_in(runtime, month: str, against: str = "zhangsan") -> None:
    """An attitude complaint at 1号开票窗口 received and verified on the month's 4th (Shanghai)."""
    from datetime import timedelta

    from core.timeutil import month_bounds

    start, _ = month_bounds(month)
    svc = runtime.complaints()
    c = svc.create(window="inv-1", source="customer", category="attitude", text="态度差", at=start + timedelta(days=3))
    svc.advance(c["id"], "verify", c["owner"], against=against, at=start + timedelta(days=3, minutes=10))


def published_last_month(runtime) -> str:
    """Last month with 张三's one attitude complaint, closed and published by the president's office."""
    month = last_month()
    verified_in(runtime, month)
    runtime.months().close(month, "wuqing")
    runtime.months().publish(month, "wuqing")
    return month


# ---- a live server and a real browser (tests/web/test_browser.py) -------------------------------

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browsers are never downloaded


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item: fixtures may look at it (screenshots on failure)."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def live_server(runtime):
    """The app served for real by uvicorn on a free loopback port, in a background thread.

    Its runtime is the `runtime` fixture's database with public_url pointing at the server itself,
    so the tracking links the app prints lead back to it. Yields the base URL.
    """
    import threading
    import time
    import urllib.request

    import uvicorn

    from jiandu.web.app import create_app
    from tests.receivers import free_port
    from workflows.runtime import Runtime

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    live = Runtime(runtime.settings.model_copy(update={"public_url": url}))
    server = uvicorn.Server(uvicorn.Config(create_app(live), host="127.0.0.1", port=port, log_level="warning",
                                           proxy_headers=False))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a loaded machine starts it late
    while True:
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as reply:
                if reply.status == 200:
                    break
        except OSError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"the live server on {url} did not answer")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        if "db" in live.__dict__:  # built lazily by the first request
            live.db.dispose()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per module (Debian's, with CJK fonts). Missing: skipped, failed under CI."""
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (make test installs it as root or with sudo: scripts/setup-system.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()
