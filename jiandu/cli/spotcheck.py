"""``jiandu spotcheck``: plan, list, record and watch the unannounced spot checks (抽查督查).

Registered by jiandu/cli/root.py with ``app.add_typer(spotcheck_app, name="spotcheck")``.
Same style as every group: heavy imports inside the commands, ``--json`` everywhere,
refusals raised as core.errors types and turned into exit code 2 by ``jiandu.cli.main``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import ID_MAX, AtOpt, JsonOpt, emit, when

spotcheck_app = typer.Typer(no_args_is_help=True, help="抽查督查 / unannounced spot checks of the windows.")

_ITEMS = "承诺项序号，可重复或逗号分隔 / item numbers, repeated or comma-separated (1,2,3)"
PassOpt = Annotated[list[str] | None, typer.Option("--pass", help="合格项 / items passed: " + _ITEMS)]
FailOpt = Annotated[list[str] | None, typer.Option("--fail", help="不合格项 / items failed: " + _ITEMS)]


def _service():
    from states.spotcheck import SpotCheckService

    return SpotCheckService(context.runtime().complaints())


def _items(values: list[str] | None, option: str) -> list[int]:
    """'1,2' '3' → [1, 2, 3]; anything else is refused naming the option."""
    out = []
    for value in values or []:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not (part.isascii() and part.isdigit()):  # '²' is a digit, not a number
                from core.errors import InvalidInput

                raise InvalidInput(f"{option}: '{part}' is not an item number 承诺项序号须为数字")
            out.append(int(part))
    return out


@spotcheck_app.command("plan")
def spotcheck_plan(
    month: Annotated[str, typer.Argument(metavar="MONTH", help="2026-11")],
    seed: Annotated[int | None, typer.Option(
        "--seed", help="随机种子（缺省随机并记录）/ seed (default: drawn and recorded)")] = None,
    now: Annotated[str | None, typer.Option("--now", help="ISO 8601 (default: now)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """制定本月抽查计划 / draw the month's plan: one check per window, once (seeded, recorded)."""
    data = _service().plan(month, seed, when(now))
    head = (f"{'已生成' if data['created'] else '已存在'} {data['month']} 抽查计划 "
            f"{'plan drawn' if data['created'] else 'plan already drawn'} · seed {data['seed']}")
    words = _words()
    emit(data, as_json, "\n".join([head, *(check_line(c, words) for c in data["checks"])]))


@spotcheck_app.command("audit")
def spotcheck_audit(month: Annotated[str, typer.Argument(metavar="MONTH", help="2026-11")],
                    as_json: JsonOpt = False) -> None:
    """复核抽查计划 / draw the plan again from its recorded seed and inputs and compare."""
    from core.errors import Conflict
    data = _service().audit(month)
    if not data["matches"]:  # exit 2: a plan that does not redraw is a finding for the team
        raise Conflict(f"{month}: the recorded plan differs from a redraw with seed {data['seed']} "
                       f"抽查计划与复核结果不一致 ({len(data['differences'])} differences)")
    emit(data, as_json, f"{month} 抽查计划复核一致 plan verified: seed {data['seed']}, {data['checks']} checks")


@spotcheck_app.command("list")
def spotcheck_list(
    month: Annotated[str | None, typer.Option("--month", help="2026-11")] = None,
    status: Annotated[str | None, typer.Option("--status", help="planned | done | missed")] = None,
    as_json: JsonOpt = False,
) -> None:
    """抽查列表 / list spot checks."""
    rows = _service().list(month=month, status=status)
    words = _words()
    emit(rows, as_json, "\n".join(check_line(r, words) for r in rows) or "没有抽查 / no spot checks")


@spotcheck_app.command("record")
def spotcheck_record(
    check_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
    by: Annotated[str, typer.Option("--by", help="抽查人 / who checked")],
    passed: PassOpt = None,
    failed: FailOpt = None,
    against: Annotated[str | None, typer.Option(
        "--against", help="不合格项责任人（该窗口部门人员）/ who answers for the failed items")] = None,
    note: Annotated[str | None, typer.Option("--note", help="备注 / note")] = None,
    at: AtOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """记录抽查结果 / record the result item by item; each failed item becomes a verified finding."""
    data = _service().record(check_id, by, _items(passed, "--pass"), _items(failed, "--fail"),
                             against=against, note=note, at=when(at))
    text = check_line(data, _words())
    if data["findings"]:
        text += "\n不合格已立案 findings: " + ", ".join(f"#{f}" for f in data["findings"])
    emit(data, as_json, text)


@spotcheck_app.command("missed")
def spotcheck_missed(
    now: Annotated[str | None, typer.Option("--now", help="ISO 8601 (default: now)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """标记逾期未查 / mark checks past due as missed: each is a breach of its inspector."""
    rows = _service().mark_missed(when(now))
    words = _words()
    text = "\n".join(f"逾期未查 missed {check_line(r, words)}" for r in rows) or "无逾期抽查 / nothing missed"
    emit(rows, as_json, text)


def _words():
    from jiandu.render import words_of

    return words_of(context.runtime())


def check_line(c: dict, words) -> str:
    from jiandu.render import check_line as line

    return line(c, words)
