"""One line for a refused settings file: the key at fault and why (policy, calendar)."""

from __future__ import annotations

from pydantic import ValidationError

_REASONS = {"extra_forbidden": "unknown key 未知的键", "missing": "missing key 缺少的键"}


def first_problem(exc: ValidationError, where: str) -> str:
    """``where: dotted.key: reason`` for the first error pydantic reports."""
    err = exc.errors()[0]
    key = ".".join(str(part) for part in err["loc"]) or "(top)"
    return f"{where}: {key}: {_REASONS.get(err['type'], err['msg'])}"
