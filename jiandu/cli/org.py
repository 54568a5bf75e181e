"""``jiandu org``: load (YAML or .xlsx, or only preview), export the HR workbook, show, history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import JsonOpt, emit

org_app = typer.Typer(no_args_is_help=True, help="组织架构 / the organisation directory.")


@org_app.command("load")
def org_load(file: Annotated[Path, typer.Argument(help="组织文件 / organisation file: YAML, or .xlsx "
                                                         "(docs/org-workbook.md)")],
             preview: Annotated[bool, typer.Option("--preview", help="只预览变化，不写入 / list the changes, "
                                                                      "write nothing.")] = False,
             as_json: JsonOpt = False) -> None:
    """加载组织文件 / load (or reload) the organisation file; leavers are deactivated."""
    from core.orgservice import load_org, preview_org, read_org_file
    from core.timeutil import utcnow

    db = context.runtime().db
    org_file = read_org_file(file)  # refused whole, naming the line or the sheet, row and column
    if preview:
        shown = preview_org(db, org_file)
        emit(shown, as_json, _changes_text(shown["changes"]))
        return
    summary = load_org(db, org_file, str(file), utcnow()).as_dict()
    emit(summary, as_json, summary_text(summary))


@org_app.command("export")
def org_export(file: Annotated[Path, typer.Argument(help="FILE.xlsx: 人事表格 / the HR workbook")],
               as_json: JsonOpt = False) -> None:
    """导出组织架构为 .xlsx / export the organisation as a workbook (one sheet per kind)."""
    import os

    from core.errors import InvalidInput
    from core.orgservice import export_org_xlsx
    from core.timeutil import utcnow

    if file.suffix.lower() != ".xlsx":
        raise InvalidInput(f"{file}: the workbook's name must end in .xlsx 文件名须以 .xlsx 结尾")
    data = export_org_xlsx(context.runtime().db, utcnow())
    part = file.with_name(file.name + ".part")
    try:
        part.write_bytes(data)
        os.replace(part, file)  # whole or not at all
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise InvalidInput(f"{file}: cannot be written 无法写入: {exc.strerror}") from None
    emit({"file": str(file), "bytes": len(data)}, as_json, f"已导出 exported: {file} ({len(data)} bytes)")


@org_app.command("history")
def org_history(limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 20,
                as_json: JsonOpt = False) -> None:
    """组织架构修改历史 / who changed the organisation, what and when (newest first)."""
    from core.orgservice import org_history as history
    from core.timeutil import local_iso

    loads = history(context.runtime().db, limit=limit)
    lines = []
    for load in loads:
        lines.append(f"#{load['id']} {local_iso(load['at'])} {load['by'] or '命令行 command line'} · {load['source']}")
        lines += ["  " + _change_line(c) for c in load["changes"]]
    emit([{**x, "at": local_iso(x["at"])} for x in loads], as_json, "\n".join(lines) or "尚无记录 nothing yet")


ACTION_WORDS = {"added": "新增 added", "changed": "修改 changed", "reactivated": "重新启用 reactivated",
                "deactivated": "停用 deactivated"}


def _change_line(c: dict) -> str:
    fields = "" if c["action"] == "deactivated" else "; ".join(
        f"{k}: {before!r} → {after!r}" if c["action"] != "added" else f"{k}: {after!r}"
        for k, (before, after) in c["fields"].items() if not (c["action"] == "added" and after in (None, [], {})))
    return f"{ACTION_WORDS[c['action']]} {c['kind']} {c['code']}" + (f" ({fields})" if fields else "")


def _changes_text(changes: list[dict]) -> str:
    if not changes:
        return "没有变化 no changes"
    return "预览（未写入）preview (nothing written):\n" + "\n".join("  " + _change_line(c) for c in changes)


@org_app.command("show")
def org_show(as_json: JsonOpt = False,
             all_: Annotated[bool, typer.Option("--all", help="含已停用 / include inactive.")] = False) -> None:
    """显示组织架构 / show units, windows, people and the supervision team."""
    from core.orgservice import org_snapshot
    from jiandu.render import org_text

    data = org_snapshot(context.runtime().db, include_inactive=all_)
    emit(data, as_json, org_text(data))


def summary_text(summary: dict) -> str:
    """What a load changed, one line (``jiandu init --sample`` prints it too)."""
    parts = [f"{kind}: +{summary['added'][kind]} ~{summary['updated'][kind]} "
             f"-{len(summary['deactivated'][kind])}" for kind in summary["added"]]
    return "组织已加载 organisation loaded (新增+ 更新~ 停用-): " + ", ".join(parts)
