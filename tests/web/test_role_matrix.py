"""Each role against each action, allowed or refused as designed (docs/web.md, 'Who may do what').

An invoicing complaint (the only one) of the sample organisation goes to chenjian (a supervisor who does
not head invoicing); lizhu heads invoicing (conflict of interest); zhouhua is the chief executor
and in the president's office; baihong the team leader; dongshi the chairman; wuqing the
president's office only; wangzong a group leader (not of the team: core/ladder.py); zhangsan window staff (the accused).
"""

from __future__ import annotations

import pytest

from tests.web.conftest import file_complaint, last_month, login, post_form

pytestmark = pytest.mark.db

ACTIONS = ("queue", "complaint", "verify", "escalate", "dashboard", "month_page", "close_month", "my_record",
           "appeals", "org")
LOGIN = 303  # sent to the log-in page
TO_ME = 303  # window staff are sent to their own record
OK, DONE = 200, 303

#            queue complaint verify escalate dashboard month_page close_month my_record appeals org
MATRIX = {
    None:        (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    "zhangsan":  (TO_ME, 403,   403,   403,   403,   403,   403,   OK,    403,   403),
    "chenjian":  (OK,    OK,    DONE,  DONE,  OK,    OK,    403,   OK,    OK,    403),
    "sunli":     (OK,    OK,    409,   409,   OK,    OK,    403,   OK,    OK,    403),
    "lizhu":     (OK,    OK,    409,   409,   OK,    OK,    403,   OK,    OK,    403),
    "zhouhua":   (OK,    OK,    DONE,  DONE,  OK,    OK,    DONE,  OK,    OK,    OK),
    "baihong":   (OK,    OK,    DONE,  DONE,  OK,    OK,    403,   OK,    OK,    403),
    "dongshi":   (OK,    OK,    DONE,  DONE,  OK,    OK,    403,   OK,    OK,    403),
    "wuqing":    (OK,    OK,    409,   409,   OK,    OK,    DONE,  OK,    OK,    OK),
    "wangzong":  (TO_ME, 403,   403,   403,   403,   403,   403,   OK,    403,   403),  # a leader is not of the team
}


def _act(client, action: str, cid: int) -> int:
    month = last_month()
    if action == "queue":
        return client.get("/", follow_redirects=False).status_code
    if action == "complaint":
        return client.get(f"/complaints/{cid}", follow_redirects=False).status_code
    if action == "dashboard":
        return client.get("/dashboard", follow_redirects=False).status_code
    if action == "month_page":
        return client.get(f"/months/{month}", follow_redirects=False).status_code
    if action == "my_record":
        return client.get("/me", follow_redirects=False).status_code
    if action == "appeals":
        return client.get("/appeals", follow_redirects=False).status_code
    if action == "org":  # the organisation in the console: the president's office alone
        return client.get("/org", follow_redirects=False).status_code
    if action == "close_month":
        return post_form(client, "/login", f"/months/{month}/close", {}).status_code
    data = {"event": action, **({"against": "zhangsan"} if action == "verify" else {})}
    return post_form(client, "/login", f"/complaints/{cid}/advance", data).status_code


@pytest.mark.parametrize("role", list(MATRIX), ids=lambda r: r or "anonymous")
def test_role_matrix(role, app, runtime):
    from fastapi.testclient import TestClient

    from jiandu.models import Base

    got = []
    for action in ACTIONS:
        with runtime.db.transaction() as s:  # a fresh complaint #1 for every action
            for table in ("complaint_photo", "complaint_rating", "outbox_message", "complaint_clock", "complaint_event",
                          "form_nonce", "complaint", "ledger_line", "month_close"):
                s.execute(Base.metadata.tables[table].delete())
        with TestClient(app) as client:
            file_complaint(client)
            cid = runtime.complaints().list()[-1]["id"]
            if role:
                assert login(client, role).status_code == 303
            got.append(_act(client, action, cid))
    assert dict(zip(ACTIONS, got, strict=True)) == dict(zip(ACTIONS, MATRIX[role], strict=True))
