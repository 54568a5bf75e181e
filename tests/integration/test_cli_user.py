"""`jiandu user`: passwords from stdin, tokens shown once, clear refusals."""

from __future__ import annotations

import io
import sys

import pytest

from jiandu.cli import main

pytestmark = pytest.mark.db


@pytest.fixture
def cli(org_db, db_url, monkeypatch, capsys):
    monkeypatch.setenv("JIANDU_DATABASE_URL", db_url)

    def run(*args, stdin: str = "", expect: int = 0) -> str:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(list(args))
        out, err = capsys.readouterr()
        assert code == expect, err
        return out if code == 0 else err

    return run


def test_set_password_then_log_in(cli, org_db):
    from core.accounts import AccountService

    assert "password set" in cli("user", "set-password", "lizhu", "--password-stdin", stdin="long-enough-1\n")
    accounts = AccountService(org_db)
    assert accounts.login("lizhu", "long-enough-1") == "lizhu"
    with pytest.raises(Exception, match="wrong user or password"):
        accounts.login("lizhu", "other-password")


def test_refusals_are_one_line_with_exit_2(cli):
    err = cli("user", "set-password", "lizhu", "--password-stdin", stdin="short\n", expect=2)
    assert "at least 8" in err and err.count("\n") == 1
    err = cli("user", "set-password", "nobody", "--password-stdin", stdin="long-enough-1\n", expect=2)
    assert "unknown person" in err


def test_a_token_is_shown_once_and_works(cli, org_db):
    from core.accounts import ApiToken
    from jiandu.web.security import staff_for_token  # what the API asks of a bearer token

    token = cli("user", "token", "zhouhua", "--label", "hotline").strip()
    assert len(token) >= 43 and staff_for_token(org_db, token).id == "zhouhua"
    with org_db.reading() as s:
        row = s.query(ApiToken).one()
        assert row.label == "hotline" and token not in row.token_sha256
    assert "1" in cli("user", "revoke-tokens", "zhouhua")
    assert staff_for_token(org_db, token) is None
