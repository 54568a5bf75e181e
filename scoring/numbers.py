"""The policy as the rules read it: a plain dataclass of numbers (pure, stdlib only).

The rules (:mod:`scoring.rules`, :mod:`scoring.month`) need nothing but their inputs: the
month's facts and these numbers. They are filled from ``core.policy.Policy`` and the words of
``core.glossary`` at scoring's edge (:func:`scoring.edge.numbers_of`), not by core itself:
core imports nothing of scoring (docs/architecture.md, "Which way the arrows point"), so the
dataclass lives here, in scoring's pure part, and the one function that builds it lives at the
edge, where scoring may read core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Numbers:
    """Every number of the rules, flattened once so that rules read plain attributes."""

    version: str  # the policy's version: a result names what it was scored under
    ordinal: bool  # complaints.repeat == "ordinal" (else "flat")
    base_points: Mapping[str, int]
    supervisor_from: int
    supervisor_points: int
    leader_from: int
    leader_points: int
    inactivity_points: int
    criticism_sources: frozenset[str]
    worst_sources: frozenset[str]
    worst_threshold: int
    worst_fine: int
    dismissal_worst_count: int
    star_reward: int
    star_roles: frozenset[str]
    baseline: int
    floor: int
    criticism_words: tuple[str, str]  # 批评教育 as the glossary says it (zh, en)
    # The words of the lines' reasons, from core/labels.py at the edge: {"category" | "source" |
    # "clock" | "step": {code: (zh, en)}}; an unknown code reads as itself.
    words: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)


def month_index(month: str) -> int:
    """"2026-11" as a count of months (year × 12 + month − 1): consecutive months differ by one.

    The rules count months this way rather than import ``core.timeutil.month_shift``; the two
    agree on every month (tests/unit/scoring/test_purity.py)."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1
