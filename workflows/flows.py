"""The Prefect flows: thin scripts over the services, one task per batch, never per row.

    clock-watch      every minute: break what is due, warn what is close (states.watch),
                     mark spot checks not done in time (states.spotcheck)
    spot-check-plan  the 1st at 00:05 Asia/Shanghai: the month's unannounced checks
    dispatch-outbox  every minute: the sweep, delivering due messages the courier missed (messages go
                     right after their commit: notifications.courier)
    month-close      the 1st at 09:00 Asia/Shanghai: a draft of last month (publishing stays
                     a person's act: `jiandu month publish`)

The database is the source of truth; a flow that runs twice, or two at once,
changes nothing twice (the services guarantee it, not Prefect).
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow, task

from core.timeutil import current_month, parse_time, previous_month, utcnow
from workflows.runtime import Runtime


def _now(now: str | None) -> datetime:
    return parse_time(now, "now") if now else utcnow()


@task(name="check-clocks")
def check_clocks(now: str | None = None) -> dict:
    """One watch tick: clock breaks and warnings, missed spot checks, overdue appeal reviews."""
    from states.watchtick import watch_tick

    return watch_tick(Runtime.from_env(), _now(now))


@task(name="plan-spot-checks")
def plan_spot_checks(month: str, seed: int | None = None) -> dict:
    from states.spotcheck import SpotCheckService

    plan = SpotCheckService(Runtime.from_env().complaints()).plan(month, seed)
    return {k: v for k, v in plan.items() if k != "checks"} | {"checks": len(plan.get("checks", []))}


@task(name="deliver-due-messages", retries=2, retry_delay_seconds=5)
def deliver_due_messages(now: str | None = None) -> dict:
    from notifications.outbox import dispatch

    rt = Runtime.from_env()
    return dispatch(rt.db, rt.settings, _now(now))


@task(name="close-draft")
def close_draft(month: str, by: str) -> dict:
    result = Runtime.from_env().months().close(month, by, scheduled=True)
    return {"month": result["month"], "status": result["status"], "drafts": result["drafts"],
            "policy_version": result["policy_version"], "people": len(result["people"])}


@flow(name="clock-watch", log_prints=False)
def clock_watch(now: str | None = None) -> dict:
    return check_clocks(now)


@flow(name="dispatch-outbox", log_prints=False)
def dispatch_outbox(now: str | None = None) -> dict:
    return deliver_due_messages(now)


@flow(name="spot-check-plan", log_prints=False)
def spot_check_plan(month: str | None = None, seed: int | None = None) -> dict:
    """The month's unannounced checks, drawn once (seeded, recorded); again changes nothing."""
    return plan_spot_checks(month or current_month(utcnow()), seed)


@flow(name="month-close", log_prints=False)
def month_close(month: str | None = None, by: str = "system") -> dict:
    """A draft of ``month`` (default: last month); ``system`` may close drafts, never publish."""
    return close_draft(month or previous_month(utcnow()), by)
