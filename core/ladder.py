"""The escalation ladder (rules.md §3) and the supervision team's roles. Pure data: the state
machines import it, so it imports nothing.

Level 0 is the supervisor a complaint was assigned to; then 总执行 → 组长（总协调） → 董事长.
"""

from __future__ import annotations

# Rungs of the escalation ladder: level → role holding it.
LADDER = {1: "executor", 2: "coordinator", 3: "chairman"}
TOP_LEVEL = max(LADDER)  # 董事长: above the chairman there is no rung

# The supervision team as the software knows it: who works complaints and months in the console
# and the API. The regulation's team (服务质量监督小组, seed preamble; rules.md §1) is the
# coordinator, the chief executor and the department heads as supervisors; the chairman owns what
# climbs to the top rung and the president's office closes and publishes the month, so both work
# beside it. Group leaders (主管集团领导) are not of the team: they share penalties, never judge.
TEAM_ROLES = frozenset({"supervisor", "executor", "coordinator", "chairman", "president_office"})
# The organisation file's `team:` section names these (one holder each; the office any number).
TEAM_SECTION = ("coordinator", "executor", "chairman", "president_office")
