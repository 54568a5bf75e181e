"""The web app on each database, with the sample organisation and a few accounts."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

PASSWORD = "correct-horse-9"
# Who plays which part (config/org.sample.yaml): invoicing complaints go to a supervisor who
# does not head invoicing; zhouhua is the chief executor and in the president's office.
ACCOUNTS = ("zhouhua", "wuqing", "lizhu", "chenjian", "sunli", "zhaogang", "qianmin", "fengqiang",
            "baihong", "dongshi", "wangzong", "zhangsan")


@pytest.fixture
def runtime(org_db, db_url, tmp_path):
    from core.accounts import Account, AccountService
    from core.settings import Settings
    from workflows.runtime import Runtime

    settings = Settings(database_url=db_url, outbox_dir=tmp_path / "outbox", notice_dir=tmp_path / "notices",
                        secret_key="test-secret-key", public_url="http://testserver")
    rt = Runtime(settings)
    AccountService(rt.db).set_password(ACCOUNTS[0], PASSWORD)
    with rt.db.transaction() as s:  # one argon2 hash for all: hashing is slow on purpose
        hashed = s.get(Account, ACCOUNTS[0]).password_hash
        s.add_all(Account(person_id=p, password_hash=hashed, failed_logins=0, changed_at=datetime.now(UTC))
                  for p in ACCOUNTS[1:])
    yield rt
    rt.db.dispose()


@pytest.fixture
def app(runtime):
    from jiandu.web.app import create_app

    return create_app(runtime)


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
    from core.timeutil import BUSINESS_TZ, utcnow

    today = utcnow().astimezone(BUSINESS_TZ)
    return (datetime(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 15, tzinfo=UTC)).strftime("%Y-%m")
