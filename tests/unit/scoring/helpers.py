"""Builders for scoring tests: facts dicts, policies with changed numbers, scoring to JSON."""

from __future__ import annotations

import copy
import json
from functools import cache

from core.policy import Policy, load_policy, parse_policy
from scoring import dumps, parse_facts, result_to_json, score_month

MONTH = "2026-11"


@cache
def default_policy() -> Policy:
    return load_policy()


def policy_with(**changes) -> Policy:
    """The default policy with dotted keys changed: policy_with(**{"complaints.repeat": "flat"})."""
    data = copy.deepcopy(default_policy().model_dump())
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        node = data
        for key in path:
            node = node[key]
        node[last] = value
    return parse_policy(data)


def at(day: int, hour: int = 10, minute: int = 0) -> str:
    return f"2026-11-{day:02d}T{hour:02d}:{minute:02d}:00+08:00"


def person(pid: str, unit: str | None = "invoicing", supervisor: str | None = "li",
           leader: str | None = "wang", name: str | None = None, roles=None) -> dict:
    out = {"id": pid, "name": name or pid, "unit": unit, "supervisor": supervisor,
           "leader": leader}
    if roles is not None:
        out["roles"] = roles
    return out


def complaint(cid: str, against: str, day: int, source: str = "customer",
              category: str = "attitude", hour: int = 10, **extra) -> dict:
    return {"id": cid, "against": against, "source": source, "category": category,
            "verified_at": at(day, hour), **extra}


def facts(people=(), complaints=(), **rest) -> dict:
    return {"month": MONTH, "people": list(people), "complaints": list(complaints), **rest}


def score(data: dict, policy: Policy | None = None) -> dict:
    """Score a facts dict; the result as JSON data (round-tripped through the text)."""
    result = score_month(parse_facts(data), policy or default_policy())
    return json.loads(dumps(result))


def score_text(data: dict, policy: Policy | None = None) -> str:
    return dumps(score_month(parse_facts(data), policy or default_policy()))


def result_json(data: dict, policy: Policy | None = None) -> dict:
    return result_to_json(score_month(parse_facts(data), policy or default_policy()))


def rules_of(person_result: dict, rule: str) -> list[dict]:
    return [line for line in person_result["lines"] if line["rule"] == rule]
