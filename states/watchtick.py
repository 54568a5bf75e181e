"""One pass of the watch (a tick): everything that falls due with time, in one call.

    clocks          breaks (escalating rung by rung) and warnings (states.watch)
    spot checks     those whose day passed without a record become missed (states.spotcheck)
    appeal reviews  a review not decided in time breaks and climbs (appeals.service)

`jiandu clocks check` and the clock-watch flow both call :func:`watch_tick`, so that the two
can never differ in what a pass does. Plain service code, no Prefect.
"""

from __future__ import annotations

from datetime import datetime

from core.timeutil import as_utc


def watch_tick(runtime, now: datetime) -> dict:
    """The whole pass at ``now``: the clock watch's report with the missed spot checks and the
    overdue appeal reviews; each part its own transactions, as each service owns them."""
    from states.spotcheck import SpotCheckService
    from states.watch import ClockWatch

    now = as_utc(now)
    complaints = runtime.complaints()
    report = ClockWatch(complaints).check(now).as_dict()
    report["missed_spot_checks"] = SpotCheckService(complaints).mark_missed(now)
    report["appeal_reviews"] = runtime.appeals().check(now)["broken"]
    return report
