"""What if a published month had been scored under a draft policy? (pure)

The president's office weighs a change of the rules against a month it knows:
the month's facts are scored under the draft and compared, figure by figure,
with the published result. Nothing is stored and nothing is re-published: a
published month keeps the result and the policy version it was scored with.

    {"month": "2026-11", "policy_before": "3f9c…", "policy_after": "81ab…", "changed": true,
     "people": [{"person": "zhangsan", "name": "张三", "unit": "invoicing",
                 "changes": {"deductions": {"before": 40, "after": 50}, ...}}],
     "stars": [{"unit": "gate", "before": "linba", "after": null}],
     "totals": {"points": {"before": 52, "after": 62}, ...}}

Only the people and units whose figures change are listed; every total is.
"""

from __future__ import annotations

from core.policy import Policy
from scoring.diff import FIELD_LABELS, PERSON_FIELDS
from scoring.edge import score_month
from scoring.facts_json import result_to_json
from scoring.model import MonthFacts

# The month's totals: sums of points, fines and rewards; counts of ratings.
TOTAL_LABELS = {
    "points": "扣分合计 / points deducted",
    "fines": "罚款合计 / fines (yuan)",
    "rewards": "奖励合计 / rewards (yuan)",
    "worst": "最差评价人数 / worst ratings",
    "dismissals": "建议辞退人数 / dismissal recommendations",
    "stars": "服务明星人数 / service stars",
}
__all__ = ["FIELD_LABELS", "PERSON_FIELDS", "TOTAL_LABELS", "totals", "whatif"]


def whatif(facts: MonthFacts, published: dict, draft: Policy) -> dict:
    """Score ``facts`` under ``draft`` and compare with ``published`` (the month's result JSON)."""
    if published.get("month") != facts.month:
        raise ValueError(f"the facts are of {facts.month}, the result of {published.get('month')}")
    after = result_to_json(score_month(facts, draft))
    people = _people(published.get("people") or {}, after["people"])
    stars = _stars(published.get("stars") or {}, after["stars"])
    before_totals, after_totals = totals(published), totals(after)
    total_rows = {k: {"before": before_totals[k], "after": after_totals[k]} for k in TOTAL_LABELS}
    return {
        "month": facts.month,
        "policy_before": published.get("policy_version"),
        "policy_after": draft.version,
        "people": people,
        "stars": stars,
        "totals": total_rows,
        "changed": bool(people or stars or before_totals != after_totals),
    }


def totals(result: dict) -> dict[str, int]:
    """The month's sums and counts, from a result JSON."""
    people = (result.get("people") or {}).values()
    return {
        "points": sum(p["deductions"] for p in people),
        "fines": sum(p["fine"] for p in people),
        "rewards": sum(p["reward"] for p in people),
        "worst": sum(1 for p in people if p["worst"]),
        "dismissals": sum(1 for p in people if p["dismissal_recommended"]),
        "stars": sum(1 for s in (result.get("stars") or {}).values() if s.get("person")),
    }


def _people(before: dict, after: dict) -> list[dict]:
    rows = []
    for pid in sorted(set(before) | set(after)):
        old, new = before.get(pid) or {}, after.get(pid) or {}
        changes = {field: {"before": old.get(field), "after": new.get(field)}
                   for field in PERSON_FIELDS if old.get(field) != new.get(field)}
        if changes:
            rows.append({"person": pid, "name": new.get("name") or old.get("name") or pid,
                         "unit": new.get("unit", old.get("unit")), "changes": changes})
    return rows


def _stars(before: dict, after: dict) -> list[dict]:
    rows = []
    for unit in sorted(set(before) | set(after)):
        old = (before.get(unit) or {}).get("person")
        new = (after.get(unit) or {}).get("person")
        if old != new:
            rows.append({"unit": unit, "before": old, "after": new})
    return rows
