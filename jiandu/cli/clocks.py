"""``jiandu clocks``: the clock watch, one tick on demand."""

from __future__ import annotations

from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import JsonOpt, emit, when

clocks_app = typer.Typer(no_args_is_help=True, help="时限 / the clock watch.")


@clocks_app.command("check")
def clocks_check(
    now: Annotated[str | None, typer.Option("--now", help="ISO 8601 (default: now)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """检查时限一次 / one watch tick: clock breaks and warnings, missed spot checks, overdue appeal reviews."""
    from core.timeutil import utcnow
    from jiandu.render import watch_text, words_of
    from states.watchtick import watch_tick

    rt = context.runtime()
    report = watch_tick(rt, when(now, "--now") or utcnow())
    emit(report, as_json, watch_text(report, words_of(rt)))
