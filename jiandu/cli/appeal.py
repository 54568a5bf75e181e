"""``jiandu appeal``: appeals (申诉复核) of published ledger lines. Registered by jiandu/cli/root.py.

Same style as every group: heavy imports inside the commands, ``--json`` everywhere, refusals raised
as core.errors types and turned into exit code 2 by ``jiandu.cli.main``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import ID_MAX, AtOpt, JsonOpt, emit, when

appeal_app = typer.Typer(no_args_is_help=True, help="申诉复核 / appeals of published ledger lines.")
IdArg = Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX, help="申诉编号 / appeal number")]


def _service():
    return context.runtime().appeals()


def _words():
    from jiandu.render import words_of

    return words_of(context.runtime())


def _text(a: dict, words=None) -> str:
    from jiandu.render import appeal_text

    return appeal_text(a, words or _words())


@appeal_app.command("lines")
def appeal_lines(person: Annotated[str, typer.Argument(metavar="PERSON")], as_json: JsonOpt = False) -> None:
    """本人已公布的考核记录 / a person's published ledger lines, and which may be appealed."""
    from jiandu.render import appeal_line

    rows = _service().lines(person)
    words = _words()
    text = "\n".join(appeal_line(r, words) for r in rows)
    emit(rows, as_json, text or "没有已公布的记录 / no published lines")


@appeal_app.command("file")
def appeal_file(person: Annotated[str, typer.Argument(metavar="PERSON")],
                line: Annotated[int, typer.Argument(metavar="LINE", min=1, max=ID_MAX,
                                                    help="考核记录编号 / ledger line id")],
                reason: Annotated[str, typer.Option("--reason", help="申诉理由 / why")],
                at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """提交申诉 / a person appeals one of his own published lines."""
    a = _service().file(person, line, reason, when(at))
    emit(a, as_json, _text(a))


@appeal_app.command("decide")
def appeal_decide(appeal_id: IdArg, by: Annotated[str, typer.Option("--by")],
                  uphold: Annotated[bool, typer.Option("--uphold/--reject", help="成立/驳回 / upheld or rejected")],
                  note: Annotated[str, typer.Option("--note", help="复核意见 / the decision's reasons")],
                  at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """作出复核决定 / the reviewer (or a higher rung) decides."""
    a = _service().decide(appeal_id, by, uphold, note, when(at))
    emit(a, as_json, _text(a))


@appeal_app.command("show")
def appeal_show(appeal_id: IdArg, as_json: JsonOpt = False) -> None:
    """申诉详情 / one appeal, its history and clocks."""
    a = _service().show(appeal_id)
    emit(a, as_json, _text(a))


@appeal_app.command("list")
def appeal_list(person: Annotated[str | None, typer.Option("--person")] = None,
                reviewer: Annotated[str | None, typer.Option("--reviewer")] = None,
                state: Annotated[str | None, typer.Option(
                    "--state", help="open|filed|under_review|upheld|rejected")] = None,
                as_json: JsonOpt = False) -> None:
    """申诉列表 / appeals, filtered."""
    rows = _service().list(person, reviewer, state)
    words = _words()
    emit(rows, as_json, "\n".join(_text(a, words) for a in rows) or "没有申诉 / no appeals")
