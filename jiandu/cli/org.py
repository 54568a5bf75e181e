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
        from core.labels import Labels
        from core.orgservice import org_snapshot

        shown = preview_org(db, org_file)
        # the names the file gives win over the directory's (a joiner, a new name)
        org = org_snapshot(db, include_inactive=True)
        org["people"] += [{"id": c["code"], "name": c["fields"]["name"][1]} for c in shown["changes"]
                          if c["kind"] == "people" and "name" in c["fields"]]
        emit(shown, as_json, _changes_text(shown["changes"], Labels.build(None, org)))
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
    from core.orgservice import labels_of
    from core.orgservice import org_history as history
    from core.timeutil import local_iso

    db = context.runtime().db
    loads, labels = history(db, limit=limit), labels_of(db)
    lines = []
    for load in loads:
        who = labels.person(load["by"])[0] if load["by"] else "命令行 command line"
        lines.append(f"#{load['id']} {local_iso(load['at'])} {who} · {load['source']}")
        lines += ["  " + _change_line(c, labels) for c in load["changes"]]
    emit([{**x, "at": local_iso(x["at"])} for x in loads], as_json, "\n".join(lines) or "尚无记录 nothing yet")


def _change_line(c: dict, labels) -> str:
    """One change in words, names for codes: 修改 人员 郭七七 / person (名称 / name: 郭七 → 郭七七)."""
    from core.labels import CALENDAR, both, role
    from core.orgload import ACTION_WORDS, FIELD_WORDS, KIND_WORDS

    def shown(field: str, value) -> str:
        if value in (None, [], {}):
            return "—"
        if field == "roles":
            return "、".join(role(r)[0] for r in value)
        if field == "calendar":
            return both(CALENDAR.get(value, (value, value)))
        if field in ("head_id", "leader_id", "supervisor_id"):
            return labels.person(value)[0]
        if field == "unit_code":
            return labels.unit(value)[0]
        if field == "position_code":
            return labels.position(value)[0]
        if isinstance(value, list | dict):
            return f"{len(value)} 项 items"
        return str(value)

    name = {"people": labels.person, "units": labels.unit, "windows": labels.window,
            "positions": labels.position}[c["kind"]](c["code"])[0]
    fields = [] if c["action"] == "deactivated" else [
        f"{both(FIELD_WORDS.get(k, (k, k)))}: " + (shown(k, after) if c["action"] == "added"
                                                   else f"{shown(k, before)} → {shown(k, after)}")
        for k, (before, after) in c["fields"].items()
        if k != "active" and not (c["action"] == "added" and after in (None, [], {}))]
    return (f"{both(ACTION_WORDS[c['action']])} {both(KIND_WORDS[c['kind']])} {name}"
            + (f" ({'; '.join(fields)})" if fields else ""))


def _changes_text(changes: list[dict], labels) -> str:
    if not changes:
        return "没有变化 no changes"
    return "预览（未写入）preview (nothing written):\n" + "\n".join("  " + _change_line(c, labels) for c in changes)


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
