"""``jiandu incident``: the quality-incident procedure (质量事故处理程序) of a complaint."""

from __future__ import annotations

from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import ID_MAX, AtOpt, JsonOpt, emit, when

incident_app = typer.Typer(no_args_is_help=True, help="质量事故处理程序 / the quality-incident procedure.")


def _service():
    from states.incident import IncidentService

    return IncidentService(context.runtime().complaints())


@incident_app.command("open")
def incident_open(complaint_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
                  by: Annotated[str, typer.Option("--by")],
                  note: Annotated[str | None, typer.Option("--note")] = None,
                  at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """上报质量事故 / report an incident: escalate and start the procedure's steps."""
    data = _service().open(complaint_id, by, note, when(at))
    emit(data, as_json, incident_text(data))


@incident_app.command("show")
def incident_show(complaint_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
                  as_json: JsonOpt = False) -> None:
    """查看质量事故程序 / show the procedure's steps."""
    data = _service().show(complaint_id)
    emit(data, as_json, incident_text(data))


@incident_app.command("advance")
def incident_advance(complaint_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
                     step: Annotated[str, typer.Argument(metavar="STEP")],
                     by: Annotated[str, typer.Option("--by")],
                     note: Annotated[str | None, typer.Option("--note")] = None,
                     at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """完成一步 / complete the next step of the procedure."""
    data = _service().complete(complaint_id, step, by, note, when(at))
    emit(data, as_json, incident_text(data))


def incident_text(d: dict) -> str:
    from jiandu.render import incident_text as text
    from jiandu.render import words_of

    return text(d, words_of(context.runtime()))
