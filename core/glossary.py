"""The words a person reads for the roles, the ladder's rungs and the criticism: one place, as
docs/rules.md names them (§1 who is who, §3 the ladder 总执行 → 组长（总协调） → 董事长, §4 批评教育).
Every page, message, notice and spreadsheet takes its labels from here (docs/glossary.md)."""

from __future__ import annotations

from core.ladder import LADDER

ROLES: dict[str, tuple[str, str]] = {  # a person's role → (Chinese, English)
    "supervisor": ("监督员", "supervisor"),
    "executor": ("总执行", "chief executor"),
    "coordinator": ("组长（总协调）", "team leader (coordinator)"),
    "chairman": ("董事长", "chairman"),
    "president_office": ("总裁办", "president's office"),
    "leader": ("主管集团领导", "group leader in charge"),
    "staff": ("窗口员工", "window staff"),
}
# The escalation ladder by level (rules.md §3): 0 is the assigned supervisor.
RUNGS: dict[int, tuple[str, str]] = {0: ROLES["supervisor"], **{level: ROLES[role] for level, role in LADDER.items()}}
# 二.4 "先批评教育": the first verified customer complaint of a month; it costs no points by itself.
CRITICISM = ("批评教育", "criticism and education")


def label(pair: tuple[str, str], sep: str = " / ") -> str:
    """"总执行 / chief executor": Chinese first."""
    return f"{pair[0]}{sep}{pair[1]}"
