"""GET /metrics: the operator signals in Prometheus's text format, for a scraper holding the token.

Read only by a scraper that sends ``Authorization: Bearer $JIANDU_METRICS_TOKEN``: the figures name
no person, but they show the group's volume of complaints and whether its jobs run, which is not
for the public pages' visitors. With no token set the endpoint is off (404).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    runtime = request.app.state.runtime
    token = runtime.settings.metrics_token
    if not token:
        return JSONResponse({"detail": "未启用 / metrics are off: set JIANDU_METRICS_TOKEN"}, status_code=404)
    sent = request.headers.get("authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return JSONResponse({"detail": "需要令牌 / the metrics token is required"}, status_code=401,
                            headers={"WWW-Authenticate": "Bearer"})
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from core.timeutil import utcnow
    from jiandu.web.signals import read_signals

    return Response(generate_latest(_Registry(read_signals(runtime.db, utcnow()))), media_type=CONTENT_TYPE_LATEST)


class _Registry:
    """One scrape's figures, as prometheus_client's exposition asks for them (``collect()``)."""

    def __init__(self, signals):
        self.signals = signals

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        sig = self.signals
        open_ = GaugeMetricFamily("jiandu_complaints_open", "未结投诉 / open complaints by state", labels=["state"])
        for state, count in sig.open_by_state.items():
            open_.add_metric([state], count)
        yield open_
        yield GaugeMetricFamily("jiandu_clocks_running", "进行中的时限 / running clocks", value=sig.clocks_running)
        yield GaugeMetricFamily("jiandu_clocks_overdue", "已到期未处理的时限 / clocks due and not yet broken "
                                "by the clock watch (above 0 for minutes: the watch is not running)",
                                value=sig.clocks_overdue)
        yield GaugeMetricFamily("jiandu_clocks_broken_last_day", "24小时内逾期 / clocks broken (deadlines missed) "
                                "in the last 24 hours", value=sig.clocks_broken_last_day)
        outbox = GaugeMetricFamily("jiandu_outbox_messages", "未完成的消息 / unsettled messages by status "
                                   "(dead = out of tries: jiandu outbox retry)", labels=["status"])
        for status, count in sig.outbox_by_status.items():
            outbox.add_metric([status], count)
        yield outbox
        yield GaugeMetricFamily("jiandu_outbox_due", "待投递 / messages due for delivery now", value=sig.outbox_due)
        yield GaugeMetricFamily("jiandu_outbox_oldest_due_seconds", "最久待投递 / how long the oldest due message "
                                "has waited", value=sig.outbox_oldest_due_seconds)
        if sig.watch_ran_at is not None:
            yield GaugeMetricFamily("jiandu_clock_watch_last_run_timestamp_seconds", "时限检查上次运行 / when the "
                                    "clock watch last finished a pass (Unix time)", value=sig.watch_ran_at.timestamp())
            yield GaugeMetricFamily("jiandu_clock_watch_last_breaks", "上次检查的逾期数 / clocks its last pass broke",
                                    value=sig.watch_breaks)
