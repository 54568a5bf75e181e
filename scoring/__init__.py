"""Month facts in, ledger out: the reward and penalty rules of the regulation.

Pure: imports nothing of the project but :mod:`core.policy`; no clock, no I/O.

    from scoring import parse_facts, score_month, result_to_json
    result = score_month(parse_facts(json.loads(text)), load_policy())
"""

from __future__ import annotations

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
from scoring.month import score_month

__all__ = [
    "Adjustment",
    "Breach",
    "Complaint",
    "FactsError",
    "Line",
    "MonthFacts",
    "MonthResult",
    "Person",
    "PersonResult",
    "StarResult",
    "UnitResult",
    "dumps",
    "parse_facts",
    "result_to_json",
    "score_month",
]
