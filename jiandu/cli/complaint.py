"""``jiandu complaint``: receive, advance, show and list complaints."""

from __future__ import annotations

from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import ID_MAX, AtOpt, JsonOpt, NowOpt, emit, when

complaint_app = typer.Typer(no_args_is_help=True, help="投诉 / complaints and their life cycle.")


@complaint_app.command("new")
def complaint_new(
    window: Annotated[str, typer.Option("--window", help="窗口编号 / window code")],
    source: Annotated[str, typer.Option("--source", help="customer | coordination | spot_check")],
    category: Annotated[str, typer.Option("--category", help="attitude | dispute | other")],
    text: Annotated[str, typer.Option("--text", help="投诉内容 / what happened")],
    against: Annotated[str | None, typer.Option("--against", help="被投诉人 / person complained about")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="投诉人联系方式（保密）/ private contact")] = None,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """受理投诉 / receive a complaint; it is assigned to a supervisor and its clocks start."""
    from jiandu.render import complaint_text, words_of

    rt = context.runtime()
    data = rt.complaints().create(window=window, source=source, category=category,
                                  text=text, against=against, contact=contact, at=when(at))
    emit(data, as_json, complaint_text(data, words_of(rt)))


@complaint_app.command("advance")
def complaint_advance(
    complaint_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
    event: Annotated[str, typer.Argument(metavar="EVENT", help="verify | arrive | resolve | dismiss | escalate")],
    by: Annotated[str, typer.Option("--by", help="操作人 / who acts")],
    against: Annotated[str | None,
                       typer.Option("--against", help="设定被投诉人 / set the person complained about")] = None,
    note: Annotated[str | None, typer.Option("--note", help="备注 / note")] = None,
    reason: Annotated[str | None, typer.Option(
        "--reason", help="incident: 窗口无法解决，启动质量事故程序 / open the quality-incident procedure")] = None,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """推进投诉状态 / advance a complaint by one event."""
    from jiandu.render import complaint_text, words_of
    from states.incident import IncidentService, incident_requested

    rt = context.runtime()
    service = rt.complaints(now=when(at))  # the answer judges its clocks at --at
    if incident_requested(event, reason, against):
        IncidentService(service).open(complaint_id, by, note, when(at))
        data = service.get(complaint_id)
    else:
        data = service.advance(complaint_id, event, by, note, when(at), against=against)
    emit(data, as_json, complaint_text(data, words_of(rt)))


@complaint_app.command("show")
def complaint_show(
    complaint_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
    as_json: JsonOpt = False,
    diagram: Annotated[bool, typer.Option("--diagram", help="Mermaid 状态图 / print the state diagram.")] = False,
    now: NowOpt = None,
) -> None:
    """查看投诉 / show a complaint with its clocks and history."""
    from jiandu.render import complaint_text, words_of

    rt = context.runtime()
    data = rt.complaints(now=when(now, "--now")).get(complaint_id)
    if diagram:
        from states.machine import mermaid

        data["diagram"] = mermaid(data["state"])
        if not as_json:
            typer.echo(data["diagram"])
            return
    emit(data, as_json, complaint_text(data, words_of(rt)))


@complaint_app.command("list")
def complaint_list(
    state: Annotated[str | None, typer.Option("--state", help="按状态筛选 / filter by state")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="仅超时 / only with a clock past due")] = False,
    as_json: JsonOpt = False,
    now: NowOpt = None,
) -> None:
    """投诉列表 / list complaints."""
    from jiandu.render import complaint_line, words_of

    rt = context.runtime()
    rows = rt.complaints(now=when(now, "--now")).list(state=state, overdue=overdue)
    words = words_of(rt)
    emit(rows, as_json, "\n".join(complaint_line(r, words) for r in rows) or "没有投诉 / no complaints")
