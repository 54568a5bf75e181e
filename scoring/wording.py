"""Words of the ledger: the reasons of lines in Chinese and English. Pure: the labels themselves
come from core/labels.py through ``Numbers.words`` (scoring/edge.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache

INCIDENT_PREFIX = "incident:"  # a step's clock (core.labels.INCIDENT_PREFIX)


def label(table: Mapping[str, tuple[str, str]], key: str | None,
          steps: Mapping[str, tuple[str, str]] | None = None) -> tuple[str, str]:
    """The (zh, en) label of a key in ``table`` (core/labels.py's, passed in by the edge as
    ``Numbers.words``); an incident step (``incident:<step>``) by the policy's label (``steps``);
    an unknown key stands for itself."""
    if key is None:
        return ("未知", "unknown")
    if key.startswith(INCIDENT_PREFIX):  # a step of the quality-incident procedure (policy [incident])
        zh, en = (steps or {}).get(key.removeprefix(INCIDENT_PREFIX), ("", ""))
        return (f"质量事故处理程序（{zh}）", f"quality-incident procedure ({en})") if zh else \
            ("质量事故处理程序", "quality-incident procedure")
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
