"""What every command group of the CLI shares: the runtime, the output, the time options.

Imports Typer only: the services, SQLAlchemy and the policy are loaded by the command that
uses them (``runtime()`` builds them on first use). Nothing here imports another module of
``jiandu.cli``: the groups import this, never each other's private names.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读 JSON / print JSON for scripts.")]
AtOpt = Annotated[str | None, typer.Option("--at", help="ISO 8601 time (default: now).")]
# A replay reads its records at its own time: clocks are judged overdue at --now, not today.
NowOpt = Annotated[str | None, typer.Option("--now", help="ISO 8601: judge the clocks at this time (default: now).")]
ByOpt = Annotated[str, typer.Option("--by", help="操作人 / who acts")]
MonthArg = Annotated[str, typer.Argument(metavar="MONTH", help="YYYY-MM (Asia/Shanghai)")]
# Numbers stored in INTEGER columns: out of range, click refuses them (exit 2) before the database does.
ID_MAX = 2**31 - 1


def runtime():
    """Settings, database, policy and services, built once per command, on first use.

    Call it as ``context.runtime()`` (a module attribute), so that a test can wrap it.
    """
    from workflows.runtime import Runtime

    return Runtime.from_env()


def emit(data: Any, as_json: bool, text: str) -> None:
    """``--json``: the data, keys sorted, Chinese as it is; otherwise the text."""
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        typer.echo(text)


def when(value: str | None, option: str = "--at"):
    """An ISO 8601 option as an aware datetime (None stays None); a bad one names ``option``."""
    if value is None:
        return None
    from core.timeutil import parse_time

    return parse_time(value, option)
