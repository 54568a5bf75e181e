"""`jiandu demo`: a month replayed on a fresh sample database (about 7 CPU-seconds).

Complaints arrive at the windows; most are handled in time, some are left
until their clocks break and climb the ladder; praise and a nomination are
recorded; the month closes and is published; the outbox is delivered. The
same services as in production, with ``--at`` times, on a seeded random.
"""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from core.errors import JianduError
from core.private import private_dir
from core.settings import Settings
from core.timeutil import BUSINESS_TZ
from workflows.runtime import Runtime

CATEGORIES = ["attitude", "attitude", "dispute", "other"]
# Staff the demo keeps out of trouble and praises, so that stars can be chosen.
EXEMPLARY = {"xiaowang": 4, "songjia": 3, "hehui": 2, "maliu": 3, "zhengda": 2}
SOURCES = ["customer", "customer", "customer", "coordination"]


def run_demo(month: str = "2026-11", folder: Path = Path("var") / "demo", seed: int = 2026,
             say=print) -> dict:
    from core.orgservice import load_org_file, org_snapshot
    from jiandu.migrate import upgrade_to_head
    from notifications.outbox import dispatch
    from states.spotcheck import SpotCheckService

    if folder.exists():
        shutil.rmtree(folder)
    private_dir(folder)
    settings = Settings(database_url=f"sqlite:///{(folder / 'jiandu.db').resolve()}",
                        outbox_dir=folder / "outbox", notice_dir=folder / "notices", quiet_hours="",
                        deliver_on_commit=False)  # a replay in seconds: everything is delivered at its end
    rt = Runtime(settings)
    upgrade_to_head(rt.db)
    year, mon = map(int, month.split("-"))
    start = datetime(year, mon, 1, tzinfo=BUSINESS_TZ)
    load_org_file(rt.db, settings.sample_org_path, start)
    org = org_snapshot(rt.db)
    windows = [w["code"] for u in org["units"] for w in u["windows"]]
    staff = {u["code"]: [p["id"] for p in org["people"] if p["unit"] == u["code"] and "staff" in p["roles"]]
             for u in org["units"]}
    window_unit = {w["code"]: u["code"] for u in org["units"] for w in u["windows"]}
    rng = random.Random(seed)
    complaints = rt.complaints()
    spot = SpotCheckService(complaints)
    checks = sorted(spot.plan(month, seed=seed, now=start)["checks"], key=lambda c: c["planned_at"])
    counts = {"complaints": 0, "handled": 0, "left": 0, "breaks": 0, "refused": 0,
              "spot_checks": len(checks), "findings": 0, "missed_checks": 0}
    say(f"监督演示 Jiandu demo · {month} · {folder}")
    day = start
    while day.month == mon:
        for _ in range(rng.choice([0, 1, 1, 2])):
            window = rng.choice(windows)
            received = day + timedelta(hours=rng.randint(8, 16), minutes=rng.randint(0, 59))
            against = rng.choice([p for p in staff[window_unit[window]] if p not in EXEMPLARY and p != "linba"])
            c = complaints.create(window=window, source=rng.choice(SOURCES), category=rng.choice(CATEGORIES),
                                  text="演示投诉 demo complaint", against=against,
                                  contact=f"1390000{rng.randint(1000, 9999)}", at=received)
            counts["complaints"] += 1
            if rng.random() < 0.75:  # handled in time by the owner
                owner = c["owner"]
                try:
                    if rng.random() < 0.15:
                        complaints.advance(c["id"], "dismiss", owner, "经核实不成立", received + timedelta(minutes=20))
                    else:
                        for event, minutes in (("verify", 15), ("arrive", 60), ("resolve", 120)):
                            complaints.advance(c["id"], event, owner, None, received + timedelta(minutes=minutes))
                    counts["handled"] += 1
                except JianduError:
                    counts["refused"] += 1
            else:
                counts["left"] += 1
        counts["findings"] += _spot_checks_of_the_day(spot, checks, day, staff, rng)
        # The watch's whole pass (clocks, missed spot checks, appeal reviews), as the schedule runs it.
        for hour in range(0, 24, 1):
            _tick(rt, day + timedelta(hours=hour, minutes=59), counts)
        day += timedelta(days=1)
    _tick(rt, day, counts)  # the 1st of next month: the last day's forgotten spot checks are missed
    months = rt.months()
    for person, times in EXEMPLARY.items():
        for d in range(times):
            when = start + timedelta(days=3 + 5 * d, hours=10)
            months.praise(person, "baihong", "客户表扬 praised by a customer", when)
    months.nominate(month, "gate", "linba", "baihong")
    draft = months.close(month, "wuqing", at=day + timedelta(hours=9))  # the replay's own time:
    published = months.publish(month, "wuqing", at=day + timedelta(hours=10))  # the 1st of next month
    delivered = dispatch(rt.db, settings, datetime.now(BUSINESS_TZ))
    rt.db.dispose()
    stars = {u: s["person"] or "空缺 vacant" for u, s in published["stars"].items()}
    worst = [pid for pid, p in published["people"].items() if p["worst"]]
    say(f"投诉 complaints {counts['complaints']} · 按时处理 handled {counts['handled']} · "
        f"搁置 left {counts['left']} · 时限逾期 clock breaks {counts['breaks']}")
    say(f"抽查 spot checks {counts['spot_checks']} · 发现问题 findings {counts['findings']} · "
        f"未按时抽查 missed {counts['missed_checks']}")
    say(f"草稿 {draft['drafts']} → 已公布 published · 服务明星 stars {stars}")
    say(f"最差 worst: {', '.join(worst) or '—'} · 消息 messages sent {delivered['sent']}")
    notices = folder / "notices" / month
    say("去看看 Where to look:")
    say(f"  公告 notice:      {notices / 'notice.html'}")
    say(f"  工资表 payroll:   {notices / 'notice.xlsx'}")
    say(f"  消息 messages:    {folder / 'outbox'}/  (one file per message)")
    say(f"  命令行 console:   JIANDU_DATABASE_URL={settings.database_url} jiandu month show {month}")
    say("  Prefect 界面 UI:  make run → http://127.0.0.1:4200 (the flows on their schedules)")
    return {"counts": counts, "stars": stars, "worst": worst, "messages": delivered,
            "notice": str(notices / "notice.html"), "database": settings.database_url}


def _tick(rt: Runtime, now: datetime, counts: dict) -> None:
    from states.watchtick import watch_tick

    report = watch_tick(rt, now)
    counts["breaks"] += len(report["broken"])
    counts["missed_checks"] += len(report["missed_spot_checks"])


def _spot_checks_of_the_day(spot, checks: list[dict], day: datetime, staff: dict, rng: random.Random) -> int:
    """Inspectors do most of the day's checks; a few items fail; one in eight is forgotten."""
    findings = 0
    for check in checks:
        planned = datetime.fromisoformat(check["planned_at"])
        if planned.date() != day.date() or rng.random() < 0.125:
            continue
        items = list(range(1, len(check["items"]) + 1))
        failed = [i for i in items if rng.random() < 0.1]
        against = rng.choice([p for p in staff[check["unit"]] if p not in EXEMPLARY and p != "linba"]) \
            if failed else None
        spot.record(check["id"], check["inspector"], [i for i in items if i not in failed], failed,
                    against=against, at=planned + timedelta(minutes=30))
        findings += len(failed)
    return findings
