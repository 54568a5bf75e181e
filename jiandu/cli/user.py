"""``jiandu user``: staff accounts for the web console and bearer tokens for the API.

Registered by jiandu/cli/root.py. The password never appears on the command line: it is read from
standard input (--password-stdin, for scripts) or asked twice without echo.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from jiandu.cli import context

user_app = typer.Typer(no_args_is_help=True, help="账户 / staff accounts and API tokens.")
PersonArg = Annotated[str, typer.Argument(metavar="PERSON", help="工号 / person id of the directory")]


def _accounts():
    return context.runtime().accounts()


@user_app.command("set-password")
def set_password(person: PersonArg,
                 password_stdin: Annotated[bool, typer.Option(
                     "--password-stdin", help="从标准输入读取密码 / read the password from stdin")] = False) -> None:
    """设置登录密码 / set a person's password (argon2 hash)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    _accounts().set_password(person, password)
    typer.echo(f"{person}: 密码已设置 / password set")


@user_app.command("token")
def token(person: PersonArg,
          label: Annotated[str, typer.Option("--label", help="用途 / what the token is for")] = "") -> None:
    """签发 API 令牌（只显示一次）/ issue an API bearer token, shown once."""
    typer.echo(_accounts().issue_token(person, label))


@user_app.command("revoke-tokens")
def revoke_tokens(person: PersonArg) -> None:
    """作废此人全部令牌 / revoke every API token of a person."""
    n = _accounts().revoke_tokens(person)
    typer.echo(f"{person}: {n} 个令牌已作废 / tokens revoked")
