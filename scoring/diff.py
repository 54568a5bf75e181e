"""What changed between two drafts of a month (pure): the president's office reviews a re-close."""

from __future__ import annotations

from core.glossary import CRITICISM, label

# Per person, the figures a re-close may move; compared in this order.
PERSON_FIELDS = ("deductions", "score", "reward", "fine", "criticism", "worst", "dismissal_recommended", "star")
FIELD_LABELS = {
    "deductions": "扣分 / points deducted", "score": "得分 / score", "reward": "奖励 / reward",
    "fine": "罚款 / fine", "criticism": label(CRITICISM), "worst": "最差评价 / worst rated",
    "dismissal_recommended": "建议辞退 / dismissal recommended", "star": "服务明星 / service star",
    "star_person": "服务明星 / service star",
}


def draft_diff(previous: dict | None, current: dict) -> list[dict]:
    """One row per changed figure: {who, field, label, before, after}; [] for a first draft."""
    if previous is None:
        return []
    rows: list[dict] = []
    before_people, after_people = previous.get("people", {}), current.get("people", {})
    for pid in sorted(set(before_people) | set(after_people)):
        old, new = before_people.get(pid, {}), after_people.get(pid, {})
        for field in PERSON_FIELDS:
            if old.get(field) != new.get(field):
                rows.append(_row(pid, field, old.get(field), new.get(field)))
    before_stars, after_stars = previous.get("stars", {}), current.get("stars", {})
    for unit in sorted(set(before_stars) | set(after_stars)):
        old = (before_stars.get(unit) or {}).get("person")
        new = (after_stars.get(unit) or {}).get("person")
        if old != new:
            rows.append(_row(unit, "star_person", old, new))
    return rows


def _row(who: str, field: str, before, after) -> dict:
    return {"who": who, "field": field, "label": FIELD_LABELS[field], "before": before, "after": after}
