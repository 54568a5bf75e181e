"""Each number of the policy in words: what it means, the seed's sentence it implements, its form.

The meanings are data (``config/policy_rules.toml``): for every key of :class:`core.policy.Policy`
a label, a unit, the regulation's clause and its sentence, verbatim. This module reads them
(:func:`load_rules`), shows a policy as rules a person reads (:meth:`Rules.readable`), and turns
the console's form back into a policy (:func:`draft_from_form`), refusing a value with the field
named in words. Pure: no database, no clock, no web.
"""

from __future__ import annotations

import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from core.defaults import default_file
from core.errors import InvalidInput, PolicyError
from core.glossary import ROLES
from core.labels import CALENDAR, SOURCE, Pair
from core.policy import Policy

DEFAULT_RULES_PATH = default_file("policy_rules.toml")

WEEKDAYS: dict[int, Pair] = {0: ("周一", "Mon"), 1: ("周二", "Tue"), 2: ("周三", "Wed"), 3: ("周四", "Thu"),
                             4: ("周五", "Fri"), 5: ("周六", "Sat"), 6: ("周日", "Sun")}
REPEAT: dict[str, Pair] = {"ordinal": ("按次数乘（第n次扣n倍）", "times the count (the n-th costs n times)"),
                           "flat": ("每次相同", "the same each time")}
# The choices of a key whose values are codes: what a person reads for each.
CHOICES: dict[str, Mapping] = {
    "complaints.repeat": REPEAT, "clocks.calendar": CALENDAR, "criticism.sources": SOURCE, "worst.sources": SOURCE,
    "star.eligible_roles": ROLES, "spot_checks.weekdays": WEEKDAYS,
}
STEPS = "incident.steps"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    key: str
    label: tuple[str, str]
    unit: tuple[str, str] | None = None
    clause: str
    seed: str
    note: tuple[str, str] | None = None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    label: tuple[str, str]


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    section: dict[str, _Section]
    rule: list[_Entry]


@dataclass(frozen=True)
class Rule:
    key: str
    label: Pair
    unit: Pair | None
    clause: str  # 二.1, 序言, or "" when the seed says nothing
    seed: str  # the seed's sentence, verbatim ("" with clause "")
    note: Pair | None
    kind: str  # int, choice, choices, fractions, time, steps

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]


def policy_keys(model: type[BaseModel] = Policy, prefix: str = "") -> dict[str, object]:
    """Every leaf key of the policy with its annotation; a list is one leaf (incident steps too)."""
    keys: dict[str, object] = {}
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= policy_keys(annotation, f"{prefix}{name}.")
        else:
            keys[f"{prefix}{name}"] = annotation
    return keys


def _kind(key: str, annotation) -> str:
    if key == STEPS:
        return "steps"
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return "fractions" if item is float else "choices"
    if origin is Literal:
        return "choice"
    if annotation is str:
        return "time"
    if origin is typing.Annotated or annotation is int:
        return "int"
    raise TypeError(f"{key}: no form for {annotation!r}")  # a new kind of key: give it a form here


@dataclass(frozen=True)
class Rules:
    sections: Mapping[str, Pair]
    rules: tuple[Rule, ...]

    def rule(self, key: str) -> Rule:
        return next(r for r in self.rules if r.key == key)

    def for_location(self, loc: tuple) -> Rule | None:
        """The rule a pydantic error's location belongs to (incident.steps.0.hours → incident.steps)."""
        parts = [str(p) for p in loc]
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n])
            if any(r.key == key for r in self.rules):
                return self.rule(key)
        return None

    def readable(self, policy: Policy, lang: str = "zh") -> list[dict]:
        """The policy as sections of rules: label, value in words, unit, clause, seed, note."""
        i = 1 if lang == "en" else 0
        data = policy.model_dump(mode="json")
        out: list[dict] = []
        for section, label in self.sections.items():
            rows = [{"key": r.key, "label": r.label[i], "value": value_text(r, value_at(data, r.key), lang),
                     "unit": r.unit[i] if r.unit and r.kind == "int" else "",
                     "clause": r.clause, "seed": r.seed, "note": r.note[i] if r.note else ""}
                    for r in self.rules if r.section == section]
            out.append({"section": section, "label": label[i], "rules": rows})
        return out

    def form(self, policy: Policy, lang: str = "zh") -> list[dict]:
        """The fields of the console's form, prefilled with ``policy``: per rule its input's name (the
        key), kind, value and, for codes, the choices in words."""
        i = 1 if lang == "en" else 0
        data = policy.model_dump(mode="json")
        out = []
        for section, label in self.sections.items():
            fields = []
            for r in (r for r in self.rules if r.section == section):
                value = value_at(data, r.key)
                field = {"name": r.key, "kind": r.kind, "label": r.label[i], "unit": r.unit[i] if r.unit else "",
                         "clause": r.clause, "value": value}
                if r.kind in ("choice", "choices"):
                    field["choices"] = [(str(code), pair[i]) for code, pair in CHOICES[r.key].items()]
                    field["chosen"] = {str(v) for v in (value if isinstance(value, list) else [value])}
                if r.kind == "fractions":
                    field["value"] = ", ".join(_number(v) for v in value)
                fields.append(field)
            out.append({"section": section, "label": label[i], "fields": fields})
        return out


def value_at(data: Mapping, key: str):
    for part in key.split("."):
        data = data[part]
    return data


def _number(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def value_text(rule: Rule, value, lang: str = "zh") -> str:
    """A value as a person reads it: codes in words, lists joined, steps with their hours."""
    i = 1 if lang == "en" else 0
    if rule.kind == "steps":
        unit = rule.unit[i] if rule.unit else ""
        return "；".join(f"{(s['label_en'] or s['label']) if i else s['label']} {s['hours']} {unit}".strip()
                        for s in value)
    if rule.kind in ("choice", "choices"):
        words = CHOICES[rule.key]
        values = value if isinstance(value, list) else [value]
        return ("、" if i == 0 else ", ").join(words.get(v, (str(v), str(v)))[i] for v in values) or "—"
    if rule.kind == "fractions":
        return ", ".join(f"{round(v * 100):g}%" for v in value)
    return str(value)


@cache
def load_rules(path: str | Path | None = None) -> Rules:
    """Read ``config/policy_rules.toml``; refuse it unless it names every key of the policy once."""
    path = Path(path) if path else DEFAULT_RULES_PATH
    try:
        parsed = _File.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:  # ValidationError is a ValueError
        raise PolicyError(f"{path}: {exc}") from None
    keys = policy_keys()
    named = [e.key for e in parsed.rule]
    unknown = [k for k in named if k not in keys]
    missing = [k for k in keys if k not in named]
    twice = sorted({k for k in named if named.count(k) > 1})
    if unknown or missing or twice:
        raise PolicyError(f"{path}: unknown keys {unknown}, keys without a rule {missing}, named twice {twice}")
    sections = [k.split(".", 1)[0] for k in named]
    if set(parsed.section) != set(sections):
        raise PolicyError(f"{path}: sections {sorted(parsed.section)} are not the policy's {sorted(set(sections))}")
    rules = tuple(Rule(e.key, e.label, e.unit, e.clause, e.seed, e.note, _kind(e.key, keys[e.key]))
                  for e in parsed.rule)
    order = list(Policy.model_fields)
    return Rules(types.MappingProxyType({s: parsed.section[s].label for s in sorted(parsed.section, key=order.index)}),
                 rules)


# ---- the form back into a policy --------------------------------------------------------------

_REASONS: dict[str, Pair] = {
    "greater_than_equal": ("不能小于{ge}", "must be at least {ge}"),
    "greater_than": ("须大于{gt}", "must be more than {gt}"),
    "less_than_equal": ("不能大于{le}", "must be at most {le}"),
    "less_than": ("须小于{lt}", "must be less than {lt}"),
    "string_pattern_mismatch": ("格式不对（时:分，如08:00）", "not a time like 08:00"),
    "too_short": ("至少选一项", "choose at least one"),
    "literal_error": ("不是可选的值", "not one of the choices"),
}


def _refuse(rule: Rule | None, key: str, zh: str, en: str) -> InvalidInput:
    name = f"{rule.label[0]} / {rule.label[1]}" if rule else key
    return InvalidInput(f"{name}: {zh} / {en}", field=rule.key if rule else key)


def draft_from_form(base: Policy, form: Mapping[str, list[str]], rules: Rules | None = None) -> Policy:
    """The policy the form describes: ``base`` with every field the form carries replaced.

    ``form`` maps an input's name to its values (a checkbox group posts several, and a hidden empty
    one so that none ticked reads as an empty list). A value that cannot be used is refused naming
    the field in words (:class:`InvalidInput`, ``field`` = its key)."""
    rules = rules or load_rules()
    data = base.model_dump(mode="json")
    for rule in rules.rules:
        if rule.kind == "steps":
            data["incident"]["steps"] = _steps(rule, data["incident"]["steps"], form)
            continue
        if rule.key not in form:
            continue
        values = [v.strip() for v in form[rule.key]]
        *parents, leaf = rule.key.split(".")
        target = data
        for part in parents:
            target = target[part]
        target[leaf] = _value(rule, values)
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        rule = rules.for_location(err["loc"])
        zh, en = _REASONS.get(err["type"], (err["msg"], err["msg"]))
        ctx = {k: _number(v) for k, v in (err.get("ctx") or {}).items()}
        where = _step_where(err["loc"])
        raise _refuse(rule, ".".join(map(str, err["loc"])), where[0] + zh.format(**ctx),
                      where[1] + en.format(**ctx)) from None


def _step_where(loc: tuple) -> Pair:
    if len(loc) >= 3 and loc[0] == "incident" and loc[1] == "steps" and isinstance(loc[2], int):
        return f"第{loc[2] + 1}步", f"step {loc[2] + 1} "
    return "", ""


def _value(rule: Rule, values: list[str]):
    if rule.kind == "choices":
        picked = [v for v in values if v != ""]
        if rule.key == "spot_checks.weekdays":
            return [_int(rule, v) for v in picked]
        return picked
    text = values[-1] if values else ""
    if rule.kind == "int":
        return _int(rule, text)
    if rule.kind == "fractions":
        parts = [p for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise _refuse(rule, rule.key, "须为0到1之间的小数，用逗号分隔",
                          "decimals between 0 and 1, separated by commas") from None
        if any(not 0 < n < 1 for n in numbers):
            raise _refuse(rule, rule.key, "每个比例须在0与1之间", "each share must be between 0 and 1")
        return numbers
    return text  # choice, time: the policy's own check names what is wrong


def _int(rule: Rule, text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise _refuse(rule, rule.key, f"须为整数（填写的是“{text[:20]}”）",
                      f"must be a whole number (given '{text[:20]}')") from None


def _steps(rule: Rule, old: list[dict], form: Mapping[str, list[str]]) -> list[dict]:
    """The incident steps keep their names and order; the form changes their labels and hours."""
    steps = []
    for n, step in enumerate(old):
        prefix = f"{STEPS}.{n}."
        new = dict(step)
        for part in ("label", "label_en"):
            if prefix + part in form:
                new[part] = form[prefix + part][-1].strip() or (None if part == "label_en" else "")
        if prefix + "hours" in form:
            text = form[prefix + "hours"][-1].strip()
            try:
                new["hours"] = int(text, 10)
            except ValueError:
                raise _refuse(rule, rule.key, f"第{n + 1}步的小时数须为整数",
                              f"step {n + 1}: hours must be a whole number") from None
        if not new["label"]:
            raise _refuse(rule, rule.key, f"第{n + 1}步须有名称", f"step {n + 1} needs a name")
        steps.append(new)
    return steps


__all__ = ["CHOICES", "DEFAULT_RULES_PATH", "Rule", "Rules", "draft_from_form", "load_rules",
           "policy_keys", "value_text"]
