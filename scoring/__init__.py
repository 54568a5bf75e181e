"""Month facts in, ledger out: the reward and penalty rules of the regulation.

No clock, no I/O. The rules (rules.py, month.py, model.py) import nothing outside scoring's
pure files; :mod:`scoring.edge` turns the policy into their numbers (``score_month`` here).

    from scoring import parse_facts, score_month, result_to_json
    result = score_month(parse_facts(json.loads(text)), load_policy())
"""

from __future__ import annotations

from scoring.edge import numbers_of, score_month
from scoring.facts_json import FactsError, dumps, parse_facts, result_to_json
from scoring.model import (
    Adjustment,
    Breach,
    Complaint,
    Line,
    MonthFacts,
    MonthResult,
    Person,
    PersonResult,
    StarResult,
    UnitResult,
)
from scoring.numbers import Numbers

__all__ = [
    "Adjustment",
    "Breach",
    "Complaint",
    "FactsError",
    "Line",
    "MonthFacts",
    "MonthResult",
    "Numbers",
    "Person",
    "PersonResult",
    "StarResult",
    "UnitResult",
    "dumps",
    "numbers_of",
    "parse_facts",
    "result_to_json",
    "score_month",
]
