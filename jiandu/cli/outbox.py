"""``jiandu outbox``: the messages, their delivery and their retries."""

from __future__ import annotations

from typing import Annotated

import typer

from jiandu.cli import context
from jiandu.cli.context import ID_MAX, AtOpt, JsonOpt, emit, when

outbox_app = typer.Typer(no_args_is_help=True, help="消息发件箱 / the outbox of messages.")


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
    from jiandu.render import outbox_line, words_of

    rt = context.runtime()
    rows = show(rt.db, status)
    words = words_of(rt)
    text = "\n".join(outbox_line(r, words) for r in rows)
    emit(rows, as_json, text or "发件箱为空 / the outbox is empty")


@outbox_app.command("dispatch")
def outbox_dispatch(at: AtOpt = None, as_json: JsonOpt = False) -> None:
    """立即投递到期消息 / deliver every message that is due, now."""
    from core.timeutil import utcnow
    from notifications.outbox import dispatch

    rt = context.runtime()
    counts = dispatch(rt.db, rt.settings, when(at) or utcnow())
    emit(counts, as_json, "已发送 sent {sent} · 失败 failed {failed} · 待发 pending {pending} · "
                          "死信 dead {dead}".format(**counts))


@outbox_app.command("retry")
def outbox_retry(ids: Annotated[list[int] | None, typer.Argument(
                     min=1, max=ID_MAX,
                     help="消息编号；缺省为全部死信 / default: all dead")] = None,
                 as_json: JsonOpt = False) -> None:
    """重新投递 / give dead messages a fresh set of tries."""
    from core.timeutil import utcnow
    from notifications.outbox import retry

    n = retry(context.runtime().db, utcnow(), ids or None)
    emit({"retried": n}, as_json, f"已重新排队 requeued: {n}")
