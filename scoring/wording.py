"""Words of the ledger: labels in Chinese and English for the reasons of lines."""

from __future__ import annotations

from datetime import datetime
from functools import cache

CATEGORY = {
    "attitude": ("服务态度", "attitude"),
    "dispute": ("争执", "dispute"),
    "other": ("其他", "other"),
}

SOURCE = {
    "customer": ("客户投诉", "customer complaint"),
    "coordination": ("部门协调投诉", "coordination complaint"),
    "spot_check": ("抽查发现", "spot-check finding"),
}

CLOCK = {
    "respond": ("及时回复", "respond"),
    "on_site": ("及时到场", "on-site"),
    "resolve": ("规定时间处理完毕", "resolve"),
    "escalation": ("升级后处理", "escalation"),
    "spot_check": ("按时抽查", "spot-check"),
    "appeal_review": ("申诉复核", "appeal review"),
}


def label(table: dict[str, tuple[str, str]], key: str | None) -> tuple[str, str]:
    """The (zh, en) label of a key; an unknown key stands for itself."""
    if key is None:
        return ("未知", "unknown")
    if key.startswith("incident:"):  # a step of the quality-incident procedure (policy [incident])
        step = key.removeprefix("incident:")
        return (f"质量事故步骤 {step}", f"incident step {step}")
    return table.get(key, (key, key))


@cache  # called once per ledger line; a month has few distinct n
def ordinal(n: int) -> str:
    """English ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def day(at: datetime) -> str:
    """Month and day, as the notice prints them: 11-03."""
    return f"{at.month:02d}-{at.day:02d}"


def minute(at: datetime) -> str:
    """Month, day and time of day: 11-03 09:30."""
    return f"{at.month:02d}-{at.day:02d} {at.hour:02d}:{at.minute:02d}"
