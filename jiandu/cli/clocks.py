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
    from jiandu.cli.spotcheck import check_line
    from states.watchtick import watch_tick

    report = watch_tick(context.runtime(), when(now, "--now") or utcnow())
    lines = [f"逾期 broken #{b['complaint']} {b['clock']} (owner {b['owner']}, due {b['due'][5:16]})"
             + (f" → 升级 level {b['level']} {b['new_owner']}" if b["escalated"] else " · 已至最高层级 top rung")
             for b in report["broken"]]
    lines += [f"提醒 warned #{w['complaint']} {w['clock']} {w['percent']}% → {w['owner']}" for w in report["warned"]]
    lines += [f"逾期未查 missed {check_line(m)}" for m in report["missed_spot_checks"]]
    lines += [f"申诉复核逾期 appeal review overdue #{r['appeal']} ({r['reviewer']})"
              + (f" → {r['new_reviewer']}" if r["escalated"] else " · 已至最高层级 top rung")
              for r in report["appeal_reviews"]]
    emit(report, as_json, "\n".join(lines) or "无逾期、无提醒 / nothing due")
