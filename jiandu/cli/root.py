"""The root of the ``jiandu`` command line: the groups and the commands of no group.

Every group is a module of ``jiandu.cli`` (its Typer app); what they share is in
``jiandu.cli.context``. A group's module is imported when the group is asked for, so that
``jiandu complaint show 1`` builds the complaint commands alone (``--help`` imports them all).
Heavy modules are imported inside the commands.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from jiandu.cli import context
from jiandu.cli.context import AtOpt, ByOpt, JsonOpt, emit, when

# name: the Typer app of its module jiandu.cli.<name>, in the order --help lists them.
GROUPS = {"org": "org_app", "complaint": "complaint_app", "outbox": "outbox_app", "clocks": "clocks_app",
          "month": "month_app", "spotcheck": "spotcheck_app", "incident": "incident_app", "user": "user_app",
          "audit": "audit_app", "policy": "policy_app", "appeal": "appeal_app"}


def group_app(name: str) -> typer.Typer:
    """The Typer app of a group, its module imported now."""
    return getattr(importlib.import_module(f"jiandu.cli.{name}"), GROUPS[name])


class LazyCommands(MutableMapping):
    """The root's commands by name: a group is built from its module when first looked up.

    The names are known without importing anything (a typo is still told the closest names);
    ``build(name)`` makes the click group of one, as Typer does for ``add_typer``.
    """

    def __init__(self, commands: dict[str, Any], lazy: list[str], build: Callable[[str], Any]):
        self._names = [*commands, *(n for n in lazy if n not in commands)]
        self._built = dict(commands)
        self._build = build

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._names:
                raise KeyError(name)
            self._built[name] = self._build(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        if name not in self._names:
            self._names.append(name)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)


class RootGroup(TyperGroup):
    """The root: its own commands built by Typer, the groups built on first use."""

    def __init__(self, *, commands: dict[str, Any] | None = None, **attrs: Any) -> None:
        super().__init__(commands=LazyCommands(dict(commands or {}), list(GROUPS), self._group), **attrs)

    def _group(self, name: str) -> TyperGroup:
        from typer.main import get_group_from_info

        holder = typer.Typer()  # the group's TyperInfo exactly as add_typer makes it
        holder.add_typer(group_app(name), name=name)
        return get_group_from_info(holder.registered_groups[0], pretty_exceptions_short=app.pretty_exceptions_short,
                                   rich_markup_mode=self.rich_markup_mode, suggest_commands=self.suggest_commands)

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)  # the names, without building the groups


app = typer.Typer(cls=RootGroup, add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="监督 Jiandu: 窗口服务质量监督 / supervision of service quality at the windows.")


@app.command()
def init(sample: Annotated[bool, typer.Option("--sample", help="加载示例组织 / load the sample organisation.")] = False,
         as_json: JsonOpt = False) -> None:
    """建库并迁移到最新 / create or migrate the database to the newest schema."""
    from core.timeutil import utcnow
    from jiandu.cli.org import summary_text
    from jiandu.migrate import upgrade_to_head

    ctx = context.runtime()
    upgrade_to_head(ctx.db)
    result: dict[str, Any] = {"database": _safe_url(ctx.db.url), "migrated": True}
    if sample:
        from core.orgservice import load_org_file

        result["sample"] = load_org_file(ctx.db, ctx.settings.sample_org_path, utcnow()).as_dict()
    text = f"数据库已就绪 database ready: {result['database']}"
    if sample:
        text += "\n" + summary_text(result["sample"])
    emit(result, as_json, text)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def praise(person: Annotated[str, typer.Argument(metavar="PERSON")], by: ByOpt,
           note: Annotated[str | None, typer.Option("--note")] = None, at: AtOpt = None,
           as_json: JsonOpt = False) -> None:
    """记录表扬 / record praise for a person (counts towards the service star)."""
    data = context.runtime().months().praise(person, by, note, when(at))
    emit(data, as_json, f"已记录表扬 praise recorded: {data['person']} by {data['by']}")


@app.command()
def serve(port: Annotated[int, typer.Option("--port", help="Prefect server port")] = 4200,
          watch_seconds: Annotated[int, typer.Option("--watch-seconds")] = 60,
          dispatch_seconds: Annotated[int, typer.Option("--dispatch-seconds",
                                                        help="the outbox sweep (messages go on commit)")] = 60,
          web_port: Annotated[int | None, typer.Option("--web-port", help="网页端口 / web port")] = None,
          demo_accounts: Annotated[bool, typer.Option("--demo", help="演示账户 / demo accounts (make run)")] = False,
          ) -> None:
    """启动服务 / start the web console, the Prefect server and every flow on its schedule (Ctrl-C stops)."""
    from core.settings import get_settings
    from workflows.serve import serve_all

    settings = get_settings()
    serve_all(port=port, watch_seconds=watch_seconds, dispatch_seconds=dispatch_seconds,
              web=(settings.web_host, web_port or settings.web_port), demo=demo_accounts or settings.demo)


@app.command()
def demo(month: Annotated[str, typer.Option("--month", help="YYYY-MM")] = "2026-11",
         as_json: JsonOpt = False) -> None:
    """演示一个月 / replay a month on a fresh sample database (var/demo), close and publish it."""
    from jiandu.demo import run_demo
    from scoring.facts import month_bounds

    month_bounds(month)
    result = run_demo(month, say=(lambda *_: None) if as_json else typer.echo)
    if as_json:
        emit(result, True, "")


@app.command()
def board(window: Annotated[str | None, typer.Argument(
              metavar="[WINDOW]", help="窗口编号；缺省为全部 / default: all")] = None,
          out: Annotated[Path, typer.Option("--out", help="HTML 文件 / output file")] = Path("var/boards.html"),
          ) -> None:
    """承诺公示 / print the commitment board of a window (or of every window) as an A4 page."""
    from core.errors import NotFound
    from core.orgservice import org_snapshot
    from notifications.board import render_board_html, render_boards_html

    ctx = context.runtime()
    org, public_url = org_snapshot(ctx.db), ctx.settings.public_url
    try:
        html = render_board_html(org, window, public_url) if window else render_boards_html(org, public_url)
    except KeyError as exc:
        raise NotFound(f"WINDOW: {exc.args[0] if exc.args else window}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    typer.echo(f"承诺公示已生成 board written: {out}")


@app.command()
def qr(out: Annotated[Path, typer.Option("--out", help="HTML 文件 / output file")] = Path("var/qr-sheet.html"),
       public_url: Annotated[str | None, typer.Option(
           "--public-url", help="对外网址（缺省 JIANDU_PUBLIC_URL）/ public address (default: the setting)")] = None,
       ) -> None:
    """投诉二维码 / print the complaint QR codes of every active window as an A4 page."""
    from urllib.parse import urlsplit

    from core.errors import InvalidInput, NotFound
    from core.orgservice import org_snapshot
    from notifications.qr import qr_cards, render_qr_sheet

    ctx = context.runtime()
    url = (public_url if public_url is not None else ctx.settings.public_url).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"--public-url: '{url}' is not an http(s) address 须为 http(s) 网址")
    org = org_snapshot(ctx.db)
    cards = qr_cards(org, url)
    if not cards:
        raise NotFound("no active service window in the organisation 没有在用的服务窗口 "
                       "(load one with: jiandu org load FILE)")
    if parts.hostname in ("localhost", "127.0.0.1", "::1"):
        print(f"jiandu: 注意 note: {url} only works on this computer; set --public-url or JIANDU_PUBLIC_URL",
              file=sys.stderr)
    html = render_qr_sheet(org, url)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    width = max(len(c["code"]) for c in cards)
    for c in cards:
        typer.echo(f"{c['code']:<{width}}  {c['url']}")
    typer.echo(f"已写入 / written: {out}")


@app.command()
def score(
    facts: Annotated[Path, typer.Option("--facts", help="月度事实 JSON / the month's facts (JSON file)")],
    policy: Annotated[Path | None, typer.Option("--policy", help="政策文件 / policy TOML")] = None,
    as_json: JsonOpt = False,
) -> None:
    """按月计分（无需数据库）/ score one month from a facts file; needs no database."""
    from core.errors import FactsError
    from core.labels import Labels
    from core.memory import without_cyclic_gc
    from core.policy import load_policy
    from jiandu.render import score_text
    from scoring import parse_facts, result_to_json, score_month

    try:
        data = json.loads(facts.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FactsError(f"--facts: {facts}: file not found 文件不存在") from None
    except OSError as exc:
        raise FactsError(f"--facts: {facts}: cannot be read 无法读取: {exc.strerror}") from None
    except RecursionError:
        raise FactsError(f"--facts: {facts}: not valid JSON 非法 JSON: nested too deeply 嵌套过深") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, or an integer past Python's 4300 digits
        why = exc if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError) else "too many digits 数字位数过多"
        raise FactsError(f"--facts: {facts}: not valid JSON 非法 JSON: {why}") from None
    with without_cyclic_gc():  # a conglomerate's month: millions of acyclic objects (core.memory)
        rules = load_policy(policy)
    result = result_to_json(score_month(parse_facts(data), rules))
    emit(result, as_json, score_text(result, Labels.build(rules)))  # no database: names from the facts
