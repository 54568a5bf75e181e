"""The ``jiandu`` command line (Typer).

Thin: every command parses its options, calls one service and prints. Heavy
modules (SQLAlchemy, the services) are imported inside the commands so that
``jiandu --help`` and simple commands answer quickly. Exit codes: 0 done,
2 refused or invalid (one line on stderr, never a traceback), 1 internal error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from jiandu.cli_appeal import appeal_app
from jiandu.cli_audit import audit_app
from jiandu.cli_policy import policy_app
from jiandu.cli_spotcheck import spotcheck_app  # Typer only, no heavy imports
from jiandu.cli_user import user_app

try:  # Typer ≥ 0.20 vendors click
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="监督 Jiandu: 窗口服务质量监督 / supervision of service quality at the windows.")
org_app = typer.Typer(no_args_is_help=True, help="组织架构 / the organisation directory.")
complaint_app = typer.Typer(no_args_is_help=True, help="投诉 / complaints and their life cycle.")
app.add_typer(org_app, name="org")
clocks_app = typer.Typer(no_args_is_help=True, help="时限 / the clock watch.")
incident_app = typer.Typer(no_args_is_help=True, help="质量事故处理程序 / the quality-incident procedure.")
month_app = typer.Typer(no_args_is_help=True, help="月度考核 / the month close (president's office).")
outbox_app = typer.Typer(no_args_is_help=True, help="消息发件箱 / the outbox of messages.")
app.add_typer(complaint_app, name="complaint")
app.add_typer(outbox_app, name="outbox")
app.add_typer(clocks_app, name="clocks")
app.add_typer(month_app, name="month")
app.add_typer(spotcheck_app, name="spotcheck")
app.add_typer(incident_app, name="incident")
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
app.add_typer(policy_app, name="policy")
app.add_typer(appeal_app, name="appeal")

JsonOpt = Annotated[bool, typer.Option("--json", help="机器可读 JSON / print JSON for scripts.")]
AtOpt = Annotated[str | None, typer.Option("--at", help="ISO 8601 time (default: now).")]
# A replay reads its records at its own time: clocks are judged overdue at --now, not today.
NowOpt = Annotated[str | None, typer.Option("--now", help="ISO 8601: judge the clocks at this time (default: now).")]
# Numbers stored in INTEGER columns: out of range, click refuses them (exit 2) before the database does.
ID_MAX = 2**31 - 1


# ---- plumbing ------------------------------------------------------------------------


def _Context():  # noqa: N802 - reads like the object it builds
    """Settings, database, policy and services, built once per command, on first use."""
    from workflows.runtime import Runtime

    return Runtime.from_env()


def _emit(data: Any, as_json: bool, text: str) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        typer.echo(text)


def _time(value: str | None, option: str = "--at"):
    if value is None:
        return None
    from core.timeutil import parse_time

    return parse_time(value, option)


# ---- init and organisation ----------------------------------------------------------------


@app.command()
def init(sample: Annotated[bool, typer.Option("--sample", help="加载示例组织 / load the sample organisation.")] = False,
         as_json: JsonOpt = False) -> None:
    """建库并迁移到最新 / create or migrate the database to the newest schema."""
    from core.timeutil import utcnow
    from jiandu.migrate import upgrade_to_head

    ctx = _Context()
    upgrade_to_head(ctx.db)
    result: dict[str, Any] = {"database": _safe_url(ctx.db.url), "migrated": True}
    if sample:
        from core.orgservice import load_org_file

        result["sample"] = load_org_file(ctx.db, ctx.settings.sample_org_path, utcnow()).as_dict()
    text = f"数据库已就绪 database ready: {result['database']}"
    if sample:
        text += "\n" + _summary_text(result["sample"])
    _emit(result, as_json, text)


@org_app.command("load")
def org_load(file: Annotated[Path, typer.Argument(help="YAML 组织文件 / organisation file")],
             as_json: JsonOpt = False) -> None:
    """加载组织文件 / load (or reload) the organisation file; leavers are deactivated."""
    from core.orgservice import load_org_file
    from core.timeutil import utcnow

    summary = load_org_file(_Context().db, file, utcnow()).as_dict()
    _emit(summary, as_json, _summary_text(summary))


@org_app.command("show")
def org_show(as_json: JsonOpt = False,
             all_: Annotated[bool, typer.Option("--all", help="含已停用 / include inactive.")] = False) -> None:
    """显示组织架构 / show units, windows, people and the supervision team."""
    from core.orgservice import org_snapshot
    from jiandu.render import org_text

    data = org_snapshot(_Context().db, include_inactive=all_)
    _emit(data, as_json, org_text(data))


def _summary_text(summary: dict) -> str:
    parts = [f"{kind}: +{summary['added'][kind]} ~{summary['updated'][kind]} "
             f"-{len(summary['deactivated'][kind])}" for kind in summary["added"]]
    return "组织已加载 organisation loaded (新增+ 更新~ 停用-): " + ", ".join(parts)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# ---- complaints ---------------------------------------------------------------------------


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
    from jiandu.render import complaint_text

    data = _Context().complaints().create(window=window, source=source, category=category,
                                          text=text, against=against, contact=contact, at=_time(at))
    _emit(data, as_json, complaint_text(data))


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
    from jiandu.render import complaint_text
    from states.incident import IncidentService, incident_requested

    service = _Context().complaints(now=_time(at))  # the answer judges its clocks at --at
    if incident_requested(event, reason, against):
        IncidentService(service).open(complaint_id, by, note, _time(at))
        data = service.get(complaint_id)
    else:
        data = service.advance(complaint_id, event, by, note, _time(at), against=against)
    _emit(data, as_json, complaint_text(data))


@complaint_app.command("show")
def complaint_show(
    complaint_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
    as_json: JsonOpt = False,
    diagram: Annotated[bool, typer.Option("--diagram", help="Mermaid 状态图 / print the state diagram.")] = False,
    now: NowOpt = None,
) -> None:
    """查看投诉 / show a complaint with its clocks and history."""
    from jiandu.render import complaint_text

    data = _Context().complaints(now=_time(now, "--now")).get(complaint_id)
    if diagram:
        from states.machine import mermaid

        data["diagram"] = mermaid(data["state"])
        if not as_json:
            typer.echo(data["diagram"])
            return
    _emit(data, as_json, complaint_text(data))


@complaint_app.command("list")
def complaint_list(
    state: Annotated[str | None, typer.Option("--state", help="按状态筛选 / filter by state")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="仅超时 / only with a clock past due")] = False,
    as_json: JsonOpt = False,
    now: NowOpt = None,
) -> None:
    """投诉列表 / list complaints."""
    from jiandu.render import complaint_line

    rows = _Context().complaints(now=_time(now, "--now")).list(state=state, overdue=overdue)
    _emit(rows, as_json, "\n".join(complaint_line(r) for r in rows) or "没有投诉 / no complaints")


# ---- clocks and incidents --------------------------------------------------------------------


@clocks_app.command("check")
def clocks_check(
    now: Annotated[str | None, typer.Option("--now", help="ISO 8601 (default: now)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """检查时限一次 / one watch tick: clock breaks and warnings, missed spot checks, overdue appeal reviews."""
    from core.timeutil import utcnow
    from jiandu.cli_spotcheck import check_line
    from states.watchtick import watch_tick

    report = watch_tick(_Context(), _time(now, "--now") or utcnow())
    lines = [f"逾期 broken #{b['complaint']} {b['clock']} (owner {b['owner']}, due {b['due'][5:16]})"
             + (f" → 升级 level {b['level']} {b['new_owner']}" if b["escalated"] else " · 已至最高层级 top rung")
             for b in report["broken"]]
    lines += [f"提醒 warned #{w['complaint']} {w['clock']} {w['percent']}% → {w['owner']}" for w in report["warned"]]
    lines += [f"逾期未查 missed {check_line(m)}" for m in report["missed_spot_checks"]]
    lines += [f"申诉复核逾期 appeal review overdue #{r['appeal']} ({r['reviewer']})"
              + (f" → {r['new_reviewer']}" if r["escalated"] else " · 已至最高层级 top rung")
              for r in report["appeal_reviews"]]
    _emit(report, as_json, "\n".join(lines) or "无逾期、无提醒 / nothing due")


@incident_app.command("open")
def incident_open(complaint_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
                  by: Annotated[str, typer.Option("--by")],
                  note: Annotated[str | None, typer.Option("--note")] = None,
                  at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """上报质量事故 / report an incident: escalate and start the procedure's steps."""
    from states.incident import IncidentService

    data = IncidentService(_Context().complaints()).open(complaint_id, by, note, _time(at))
    _emit(data, as_json, _incident_text(data))


@incident_app.command("show")
def incident_show(complaint_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
                  as_json: JsonOpt = False) -> None:
    """查看质量事故程序 / show the procedure's steps."""
    from states.incident import IncidentService

    data = IncidentService(_Context().complaints()).show(complaint_id)
    _emit(data, as_json, _incident_text(data))


@incident_app.command("advance")
def incident_advance(complaint_id: Annotated[int, typer.Argument(metavar="ID", min=1, max=ID_MAX)],
                     step: Annotated[str, typer.Argument(metavar="STEP")],
                     by: Annotated[str, typer.Option("--by")],
                     note: Annotated[str | None, typer.Option("--note")] = None,
                     at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """完成一步 / complete the next step of the procedure."""
    from states.incident import IncidentService

    data = IncidentService(_Context().complaints()).complete(complaint_id, step, by, note, _time(at))
    _emit(data, as_json, _incident_text(data))


def _incident_text(d: dict) -> str:
    out = [f"质量事故 incident of #{d['complaint']}: {d['status'] or '未启动 not opened'} · "
           f"负责人 owner {d['owner']} · level {d['level']}"]
    for st in d["steps"]:
        mark = "✔" if st["done"] else ("✘" if st["clock"] == "broken" else "…")
        out.append(f"  {mark} {st['label']} {st['step']:<18} 截止 due {(st['due'] or '—')[5:16]}"
                   + (f"  done {st['done_at'][5:16]} by {st['done_by']}" if st["done"] else ""))
    return "\n".join(out)


# ---- the month ------------------------------------------------------------------------------

MonthArg = Annotated[str, typer.Argument(metavar="MONTH", help="YYYY-MM (Asia/Shanghai)")]
ByOpt = Annotated[str, typer.Option("--by", help="操作人 / who acts")]


def _month_text(d: dict) -> str:
    from jiandu.render import score_text

    head = (f"{d['month']} [{'已公布 published' if d['status'] == 'published' else '草稿 draft'}] "
            f"第 {d['drafts']} 稿 draft no. · 关账 closed {d['closed_at'][:16]} by {d['closed_by']}")
    if d.get("published_at"):
        head += f" · 公布 published {d['published_at'][:16]} by {d['published_by']}"
    return head + "\n" + score_text(d)


@month_app.command("close")
def month_close(month: MonthArg, by: ByOpt, at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """关账（草稿）/ close the month as a draft; closing again replaces the draft."""
    data = _Context().months().close(month, by, at=_time(at))
    _emit(data, as_json, _month_text(data))


@month_app.command("publish")
def month_publish(month: MonthArg, by: ByOpt, at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """公布（冻结）/ publish: freeze the month, queue every message, write the notice."""
    data = _Context().months().publish(month, by, _time(at))
    _emit(data, as_json, _month_text(data))


@month_app.command("show")
def month_show(month: MonthArg, as_json: JsonOpt = False) -> None:
    """查看月度结果 / the month's ledger with its status and policy version."""
    data = _Context().months().show(month)
    _emit(data, as_json, _month_text(data))


@month_app.command("nominate")
def month_nominate(month: MonthArg, unit: Annotated[str, typer.Argument(metavar="UNIT")],
                   person: Annotated[str, typer.Argument(metavar="PERSON")], by: ByOpt,
                   as_json: JsonOpt = False) -> None:
    """提名服务明星 / the supervision team nominates a unit's service star."""
    data = _Context().months().nominate(month, unit, person, by)
    _emit(data, as_json, f"已提名 nominated: {data['month']} {data['unit']} → {data['person']}")


@month_app.command("adjust")
def month_adjust(month: MonthArg, person: Annotated[str, typer.Argument(metavar="PERSON")],
                 points: Annotated[int, typer.Option(
                     "--points", min=-ID_MAX, max=ID_MAX, help="加扣分（负数为返还）/ deduction, negative gives back")],
                 corrects: Annotated[str, typer.Option("--corrects", help="更正对象 e.g. 2026-10/c7")],
                 reason: Annotated[str, typer.Option("--reason", help="理由 / why")],
                 by: ByOpt, at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """更正已公布月份（记入本月）/ correct a published month with a line in this open month."""
    data = _Context().months().adjust(month, person, points, corrects, reason, by, _time(at))
    _emit(data, as_json, f"已调整 adjusted: {data['month']} {data['person']} {data['points']:+d} ({data['corrects']})")


@app.command()
def praise(person: Annotated[str, typer.Argument(metavar="PERSON")], by: ByOpt,
           note: Annotated[str | None, typer.Option("--note")] = None, at: AtOpt = None,
           as_json: JsonOpt = False) -> None:
    """记录表扬 / record praise for a person (counts towards the service star)."""
    data = _Context().months().praise(person, by, note, _time(at))
    _emit(data, as_json, f"已记录表扬 praise recorded: {data['person']} by {data['by']}")


# ---- the main job ---------------------------------------------------------------------------


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
        _emit(result, True, "")


@app.command()
def board(window: Annotated[str | None, typer.Argument(
              metavar="[WINDOW]", help="窗口编号；缺省为全部 / default: all")] = None,
          out: Annotated[Path, typer.Option("--out", help="HTML 文件 / output file")] = Path("var/boards.html"),
          ) -> None:
    """承诺公示 / print the commitment board of a window (or of every window) as an A4 page."""
    from core.errors import NotFound
    from core.orgservice import org_snapshot
    from notifications.board import render_board_html, render_boards_html

    ctx = _Context()
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

    ctx = _Context()
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


# ---- outbox ------------------------------------------------------------------------------


@outbox_app.command("show")
def outbox_show(
    status: Annotated[str | None, typer.Option("--status", help="pending | sending | sent | dead")] = None,
    as_json: JsonOpt = False,
) -> None:
    """查看消息 / list messages, newest first."""
    from notifications.outbox import show

    if status not in (None, "pending", "sending", "sent", "dead"):
        from core.errors import InvalidInput

        raise InvalidInput(f"--status: '{status}' is not one of pending, sending, sent, dead")
    rows = show(_Context().db, status)
    text = "\n".join(f"#{r['id']:<5} {r['status']:<8} {r['kind']:<22} → {r['recipient']:<16} "
                     f"{r['channel']:<8} tries {r['attempts']}  {r['subject']}"
                     + (f"\n       ! {r['last_error']}" if r["last_error"] else "") for r in rows)
    _emit(rows, as_json, text or "发件箱为空 / the outbox is empty")


@outbox_app.command("dispatch")
def outbox_dispatch(at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """立即投递到期消息 / deliver every message that is due, now."""
    from core.timeutil import utcnow
    from notifications.outbox import dispatch

    ctx = _Context()
    counts = dispatch(ctx.db, ctx.settings, _time(at) or utcnow())
    _emit(counts, as_json, "已发送 sent {sent} · 失败 failed {failed} · 待发 pending {pending} · "
                           "死信 dead {dead}".format(**counts))


@outbox_app.command("retry")
def outbox_retry(ids: Annotated[list[int] | None, typer.Argument(
                     min=1, max=ID_MAX,
                     help="消息编号；缺省为全部死信 / default: all dead")] = None,
                 as_json: JsonOpt = False) -> None:
    """重新投递 / give dead messages a fresh set of tries."""
    from core.timeutil import utcnow
    from notifications.outbox import retry

    n = retry(_Context().db, utcnow(), ids or None)
    _emit({"retried": n}, as_json, f"已重新排队 requeued: {n}")


# ---- scoring ------------------------------------------------------------------------------


@app.command()
def score(
    facts: Annotated[Path, typer.Option("--facts", help="月度事实 JSON / the month's facts (JSON file)")],
    policy: Annotated[Path | None, typer.Option("--policy", help="政策文件 / policy TOML")] = None,
    as_json: JsonOpt = False,
) -> None:
    """按月计分（无需数据库）/ score one month from a facts file; needs no database."""
    from core.errors import FactsError
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
        result = result_to_json(score_month(parse_facts(data), load_policy(policy)))
    _emit(result, as_json, score_text(result))


# ---- entry point -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; map every refusal to one line on stderr and exit code 2."""
    from core.validation import has_control_characters

    for arg in sys.argv[1:] if argv is None else argv:  # the one input check, as the web's
        if has_control_characters(arg):
            shown = ascii(arg) if len(arg) <= 60 else ascii(arg[:60]) + "..."
            return _fail(f"argument {shown} is not valid text (control characters or bytes that are not "
                         "UTF-8) 参数含有控制字符或无效字符", 2)
    try:
        result = app(args=argv, prog_name="jiandu", standalone_mode=False)
    except ClickException as exc:  # bad options or arguments: click's exit code (2)
        where = f" ({exc.ctx.command_path})" if getattr(exc, "ctx", None) else ""
        return _fail(f"{exc.format_message()}{where}", exc.exit_code)
    except typer.Abort:
        return _fail("aborted 已取消", 1)
    except typer.Exit as exc:
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the one place errors become exit codes
        return _fail_from(exc)
    return result if isinstance(result, int) else 0


def _fail_from(exc: Exception) -> int:
    from core.errors import JianduError

    if isinstance(exc, JianduError):
        return _fail(str(exc), 2)
    try:
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):
            return _fail(f"database unavailable 数据库不可用: {str(exc.orig).strip().splitlines()[0]}", 2)
    except ImportError:
        pass
    return _fail(f"internal error 内部错误: {type(exc).__name__}: {exc}", 1)


def _fail(message: str, code: int) -> int:
    print(f"jiandu: {' '.join(message.split())}", file=sys.stderr)
    return code


def run() -> None:
    sys.exit(main())
