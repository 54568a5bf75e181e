"""Scoring's edge: the policy and the glossary become the plain numbers the pure rules read.

:func:`numbers_of` is the one place a ``core.policy.Policy`` turns into
:class:`scoring.numbers.Numbers` (the month close, the what-if, the audit's replay, the CLI
and the tests all score through :func:`score_month` or call it). The rules themselves
(rules.py, month.py, model.py) import nothing outside scoring's pure files; this module is the
only one between them and core. The cyclic garbage collector is the big callers' business
(``core.memory.without_cyclic_gc`` around a whole month close), not the rules'.
"""

from __future__ import annotations

from core import labels
from core.glossary import CRITICISM
from core.policy import Policy
from scoring import month
from scoring.model import MonthFacts, MonthResult
from scoring.numbers import Numbers


def numbers_of(policy: Policy) -> Numbers:
    """The policy's numbers for the rules (and the glossary's word for 批评教育)."""
    return Numbers(
        version=policy.version,
        ordinal=policy.complaints.repeat == "ordinal",
        base_points=policy.complaints.base_points.model_dump(),
        supervisor_from=policy.joint.supervisor.from_complaint,
        supervisor_points=policy.joint.supervisor.points,
        leader_from=policy.joint.leader.from_complaint,
        leader_points=policy.joint.leader.points,
        inactivity_points=policy.inactivity.points,
        criticism_sources=frozenset(policy.criticism.sources),
        worst_sources=frozenset(policy.worst.sources),
        worst_threshold=policy.worst.threshold,
        worst_fine=policy.worst.fine,
        dismissal_worst_count=policy.dismissal.worst_count,
        star_reward=policy.star.reward,
        star_roles=frozenset(policy.star.eligible_roles),
        baseline=policy.score.baseline,
        floor=policy.score.floor,
        criticism_words=CRITICISM,
        words={"category": labels.CATEGORY, "source": labels.SOURCE, "clock": labels.CLOCK,
               "step": {st.name: (st.label, st.label_en or st.label) for st in policy.incident.steps}},
    )


def score_month(facts: MonthFacts, policy: Policy) -> MonthResult:
    """Score one month under a policy: :func:`scoring.month.score` on the policy's numbers."""
    return month.score(facts, numbers_of(policy))
