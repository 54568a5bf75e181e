"""The organisation pages of the console (issue 13 item 2): the president's office adds, edits,
deactivates and reactivates; a refused form names the field and keeps what was typed; the workbook
is exported, previewed and applied; pages read names, not codes."""

from __future__ import annotations

import io

import pytest

from core.org import Person
from tests.web.conftest import login, post_form

pytestmark = pytest.mark.db


def test_the_office_adds_edits_deactivates_and_reactivates_a_clerk(client, runtime):
    login(client, "wuqing")
    page = client.get("/org")
    assert page.status_code == 200 and "陈建" in page.text and "司磅室" in page.text
    reply = post_form(client, "/org/people/new", "/org/people/new",
                      {"code": "xuejiu", "name": "薛九", "unit": "weighbridge", "supervisor": "", "roles": "staff"})
    assert reply.status_code == 303, reply.text
    assert "薛九" in client.get("/org").text
    form = client.get("/org/people/xuejiu").text
    assert 'value="薛九"' in form and 'readonly' in form
    reply = post_form(client, "/org/people/xuejiu", "/org/people/xuejiu",
                      {"name": "薛久", "unit": "invoicing", "supervisor": "", "roles": "staff"})
    assert reply.status_code == 303
    with runtime.db.reading() as s:
        p = s.get(Person, "xuejiu")
        assert (p.name, p.unit_code, p.supervisor_id) == ("薛久", "invoicing", "lizhu")
    assert post_form(client, "/org", "/org/people/xuejiu/deactivate", {}).status_code == 303
    with runtime.db.reading() as s:
        assert s.get(Person, "xuejiu").active is False
    assert 'data-reactivate="xuejiu"' in client.get("/org").text
    assert post_form(client, "/org", "/org/people/xuejiu/reactivate", {}).status_code == 303
    with runtime.db.reading() as s:
        assert s.get(Person, "xuejiu").active is True
    history = client.get("/org/history").text
    assert history.count("薛久") >= 3 and "吴青" in history  # who, by name


def test_a_refused_form_names_the_field_keeps_what_was_typed_and_writes_nothing(client, runtime):
    login(client, "wuqing")
    before = client.get("/org").text
    reply = post_form(client, "/org/people/new", "/org/people/new",
                      {"code": "xuejiu", "name": "薛九", "unit": "weighbridge", "supervisor": "ghost"})
    assert reply.status_code == 422
    assert "supervisor" in reply.text and 'value="薛九"' in reply.text
    reply = post_form(client, "/org", "/org/people/chenjian/deactivate", {})
    assert reply.status_code == 422 and "仍在使用" in reply.text and "司磅室" in reply.text
    assert client.get("/org").text.count("data-person=") == before.count("data-person=")


def test_only_the_office_keeps_the_organisation(client):
    login(client, "chenjian")
    assert client.get("/org").status_code == 403
    assert post_form(client, "/login", "/org/people/new", {"code": "x", "name": "X"}).status_code == 403
    assert client.get("/org/export.xlsx").status_code == 403


def test_the_workbook_is_exported_previewed_and_applied(client, runtime):
    from openpyxl import load_workbook

    login(client, "wuqing")
    exported = client.get("/org/export.xlsx")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    wb = load_workbook(io.BytesIO(exported.content))
    wb["人员 people"].append(["xuejiu", "薛九", "weighbridge"])
    out = io.BytesIO()
    wb.save(out)
    reply = post_form(client, "/org", "/org/import", {}, files={"file": ("hr.xlsx", out.getvalue(), "application/x")})
    assert reply.status_code == 200, reply.text
    assert 'data-change="added" data-code="xuejiu"' in reply.text and "薛九" in reply.text
    with runtime.db.reading() as s:
        assert s.get(Person, "xuejiu") is None  # only a preview
    import re

    fields = dict(re.findall(r'name="(name|data|basis)" value="([^"]*)"', reply.text))
    applied = post_form(client, "/org", "/org/import/apply", fields)
    assert applied.status_code == 303
    with runtime.db.reading() as s:
        assert s.get(Person, "xuejiu").supervisor_id == "chenjian"
    assert post_form(client, "/org", "/org/import/apply", fields).status_code == 409  # the preview is stale now
