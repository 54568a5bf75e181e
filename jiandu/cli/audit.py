"""``jiandu audit``: the replay audit (回放审计), docs/months.md.

Registered by jiandu/cli/root.py with ``app.add_typer(audit_app, name="audit")``. Exit codes: 0 no
difference, 1 differences found, 2 refused (a malformed month: one line, via core.errors).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import JsonOpt, emit

audit_app = typer.Typer(no_args_is_help=True, help="审计 / audits of the stored records.")

MonthOpt = Annotated[str | None, typer.Option(
    "--month", metavar="YYYY-MM", help="并核对该月考核结果与台账 / also rebuild and compare this closed month")]


@audit_app.command("replay")
def replay(month: MonthOpt = None, as_json: JsonOpt = False) -> None:
    """回放审计 / rebuild every complaint from its history (and the month's ledger) and compare."""
    from states.audit import AuditService

    ctx = context.runtime()
    report = AuditService(ctx.db, ctx.policy).replay(month)
    emit(report, as_json, report_text(report))
    if not report["ok"]:
        raise typer.Exit(1)


def report_text(report: dict) -> str:
    n, found = report["complaints_checked"], len(report["differences"])
    month = report["month"]
    scope = "" if month is None else (
        f" · {month} ({report['month_status'] or '未关账 not closed'})")
    lines = [f"回放审计{scope}：核对投诉 {n} 件，差异 {found} 处",
             f"replay audit{scope}: {n} complaints checked, {found} difference(s)"]
    for d in report["differences"]:
        lines.append(f"  {d['what']}: 存储 stored {_show(d['stored'])} ≠ 回放 replayed {_show(d['replayed'])}")
    if not found:
        lines.append("  无差异 / no differences")
    return "\n".join(lines)


def _show(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
