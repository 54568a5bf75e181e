"""``jiandu month``: the month close (president's office): close, publish, show, nominate, adjust."""

from __future__ import annotations

from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import ID_MAX, AtOpt, ByOpt, JsonOpt, MonthArg, emit, when

month_app = typer.Typer(no_args_is_help=True, help="月度考核 / the month close (president's office).")


def month_text(d: dict) -> str:
    from jiandu.render import month_text as text
    from jiandu.render import words_of

    return text(d, words_of(context.runtime()))


@month_app.command("close")
def month_close(month: MonthArg, by: ByOpt, at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """关账（草稿）/ close the month as a draft; closing again replaces the draft."""
    data = context.runtime().months().close(month, by, at=when(at))
    emit(data, as_json, month_text(data))


@month_app.command("publish")
def month_publish(month: MonthArg, by: ByOpt, at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """公布（冻结）/ publish: freeze the month, queue every message, write the notice."""
    data = context.runtime().months().publish(month, by, when(at))
    emit(data, as_json, month_text(data))


@month_app.command("show")
def month_show(month: MonthArg, as_json: JsonOpt = False) -> None:
    """查看月度结果 / the month's ledger with its status and policy version."""
    data = context.runtime().months().show(month)
    emit(data, as_json, month_text(data))


@month_app.command("nominate")
def month_nominate(month: MonthArg, unit: Annotated[str, typer.Argument(metavar="UNIT")],
                   person: Annotated[str, typer.Argument(metavar="PERSON")], by: ByOpt,
                   as_json: JsonOpt = False) -> None:
    """提名服务明星 / the supervision team nominates a unit's service star."""
    data = context.runtime().months().nominate(month, unit, person, by)
    emit(data, as_json, f"已提名 nominated: {data['month']} {data['unit']} → {data['person']}")


@month_app.command("adjust")
def month_adjust(month: MonthArg, person: Annotated[str, typer.Argument(metavar="PERSON")],
                 points: Annotated[int, typer.Option(
                     "--points", min=-ID_MAX, max=ID_MAX, help="加扣分（负数为返还）/ deduction, negative gives back")],
                 corrects: Annotated[str, typer.Option("--corrects", help="更正对象 e.g. 2026-10/c7")],
                 reason: Annotated[str, typer.Option("--reason", help="理由 / why")],
                 by: ByOpt, at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """更正已公布月份（记入本月）/ correct a published month with a line in this open month."""
    data = context.runtime().months().adjust(month, person, points, corrects, reason, by, when(at))
    emit(data, as_json, f"已调整 adjusted: {data['month']} {data['person']} {data['points']:+d} ({data['corrects']})")
