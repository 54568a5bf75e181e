"""``jiandu org``: load and show the organisation directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import JsonOpt, emit

org_app = typer.Typer(no_args_is_help=True, help="组织架构 / the organisation directory.")


@org_app.command("load")
def org_load(file: Annotated[Path, typer.Argument(help="YAML 组织文件 / organisation file")],
             as_json: JsonOpt = False) -> None:
    """加载组织文件 / load (or reload) the organisation file; leavers are deactivated."""
    from core.orgservice import load_org_file
    from core.timeutil import utcnow

    summary = load_org_file(context.runtime().db, file, utcnow()).as_dict()
    emit(summary, as_json, summary_text(summary))


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
