"""Log-in under attack: argon2 off the event loop, one check on every path, a budget per address.

Costs are counted (calls of argon2's verify), never timed.
"""

from __future__ import annotations

import re
import threading

import pytest

from tests.web.conftest import ACCOUNTS, PASSWORD, csrf_of, login

pytestmark = pytest.mark.db


@pytest.fixture
def verify_calls(monkeypatch):
    """Every argon2 verify of the process, counted."""
    from argon2 import PasswordHasher

    calls: list[str] = []
    original = PasswordHasher.verify

    def counting(self, hashed, password):
        calls.append(password)
        return original(self, hashed, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def test_every_login_path_costs_one_argon2_check(client, runtime, verify_calls):
    from core.errors import Forbidden

    paths = {"unknown id": ("nobody", PASSWORD), "too long an id": ("x" * 65, PASSWORD),
             "wrong password": ("chenjian", "wrong-password"), "right password": ("sunli", PASSWORD)}
    for path, (user, password) in paths.items():
        before = len(verify_calls)
        login(client, user, password)
        assert len(verify_calls) - before == 1, path
    before = len(verify_calls)  # a control character never reaches the service from the web (422 before)
    with pytest.raises(Forbidden):
        runtime.accounts().login("a\x01b", PASSWORD)
    assert len(verify_calls) - before == 1, "odd id"
    for _ in range(runtime.settings.login_max_failures - 1):  # chenjian is now locked
        login(client, "chenjian", "wrong-password")
    before = len(verify_calls)
    locked = login(client, "chenjian", PASSWORD)
    assert locked.status_code == 403 and len(verify_calls) - before == 1, "a locked account costs the same"


def test_a_login_being_hashed_does_not_stall_the_app(live_server, monkeypatch):
    """argon2 runs in a thread pool: while one log-in is inside its hash, other requests answer."""
    import httpx
    from argon2 import PasswordHasher

    entered, release = threading.Event(), threading.Event()
    original = PasswordHasher.verify

    def held(self, hashed, password):
        entered.set()
        release.wait(60)
        return original(self, hashed, password)

    monkeypatch.setattr(PasswordHasher, "verify", held)
    replies = []
    with httpx.Client(base_url=live_server, timeout=90) as browser:
        token = csrf_of(browser.get("/login").text)
        poster = threading.Thread(target=lambda: replies.append(browser.post(
            "/login", data={"csrf": token, "user": "nobody", "password": PASSWORD, "next": "/"})))
        poster.start()
        try:
            assert entered.wait(30), "the log-in never reached argon2"
            health = httpx.get(f"{live_server}/healthz", timeout=15)
            assert health.status_code == 200 and not release.is_set()
        finally:
            release.set()
            poster.join(60)
    assert replies and replies[0].status_code == 403


def test_spraying_50_accounts_from_one_address_is_stopped(app, runtime, verify_calls):
    from fastapi.testclient import TestClient
    from limits import parse

    budget = parse(runtime.settings.login_rate_limit).amount
    targets = (list(ACCOUNTS) + [f"guess{i:02d}" for i in range(50)])[:50]  # unknown ids are throttled too
    with TestClient(app) as sprayer:
        statuses = [login(sprayer, person, "Spring2026!").status_code for person in targets]
        refused = login(sprayer, "chenjian", PASSWORD)  # even the right password waits
    assert statuses == [403] * budget + [429] * (50 - budget)
    assert len(verify_calls) == budget, "over the budget nothing is hashed"
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    message = re.search(r'role="alert">([^<]*)<', refused.text).group(1)
    assert message.startswith("登录失败次数过多") and "too many failed log-ins" in message
    with TestClient(app, client=("198.51.100.7", 40000)) as elsewhere:  # another address is not affected
        assert login(elsewhere, "chenjian", PASSWORD).status_code == 303


def test_forwarded_for_counts_only_behind_a_trusted_proxy(runtime, app_with):
    from fastapi.testclient import TestClient
    from limits import parse

    budget = parse(runtime.settings.login_rate_limit).amount

    def spray(app, forwarded) -> list[int]:
        with TestClient(app, client=("10.0.0.1", 443)) as proxy:
            return [login_via(proxy, f"guess{i}", forwarded(i)).status_code for i in range(budget + 5)]

    direct = spray(app_with(), lambda i: f"203.0.113.{i}")  # no trusted proxy: the header is ignored
    assert direct.count(429) == 5
    trusted = app_with(trusted_proxies="10.0.0.0/24")
    assert 429 not in spray(trusted, lambda i: f"203.0.113.{i}, 10.0.0.1")  # each customer his own budget
    assert spray(trusted, lambda i: f"{i}.1.1.1, 198.51.100.9").count(429) == 5  # a forged left part counts not


def login_via(client, person: str, forwarded: str):
    page = client.get("/login")
    return client.post("/login", data={"csrf": csrf_of(page.text), "user": person, "password": "x" * 9,
                                       "next": "/"}, headers={"X-Forwarded-For": forwarded}, follow_redirects=False)
