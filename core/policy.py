"""The policy: every number of the regulation, loaded from ``config/policy.toml``.

Pure data: no database, no clock. A file with an unknown key or a value of the
wrong type is refused with the key named (:class:`PolicyError`). The version
is a hash of the parsed content, so a comment edit keeps the version and any
changed number gives a new one.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from annotated_types import Le
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from core.defaults import default_file
from core.errors import PolicyError
from core.validation import first_problem

DEFAULT_POLICY_PATH = default_file("policy.toml")

Source = Literal["customer", "coordination", "spot_check"]


# Every number of the regulation is far below a billion; beyond, a unit's deductions per head
# overflow a float and a clock's minutes a timedelta (a pasted what-if draft is scored as it is).
NUMBER_MAX = 10**9
StrictInt = Annotated[int, Strict(), Le(NUMBER_MAX)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BasePoints(_Strict):
    attitude: StrictInt = Field(ge=0)
    dispute: StrictInt = Field(ge=0)
    other: StrictInt = Field(ge=0)


class Complaints(_Strict):
    repeat: Literal["ordinal", "flat"]
    base_points: BasePoints


class JointPenalty(_Strict):
    from_complaint: StrictInt = Field(ge=1)
    points: StrictInt = Field(ge=0)


class Joint(_Strict):
    supervisor: JointPenalty
    leader: JointPenalty


class Inactivity(_Strict):
    points: StrictInt = Field(ge=0)


class Criticism(_Strict):
    sources: list[Source]


class Worst(_Strict):
    sources: list[Source]
    threshold: StrictInt = Field(ge=1)
    fine: StrictInt = Field(ge=0)


class Dismissal(_Strict):
    worst_count: StrictInt = Field(ge=1)


class Star(_Strict):
    reward: StrictInt = Field(ge=0)
    eligible_roles: list[str]


class Score(_Strict):
    baseline: StrictInt
    floor: StrictInt


class Clocks(_Strict):
    respond_minutes: StrictInt = Field(gt=0)
    on_site_minutes: StrictInt = Field(gt=0)
    resolve_minutes: StrictInt = Field(gt=0)
    escalation_minutes: StrictInt = Field(gt=0)
    # A complainant's direct escalation (seed 二.6): the current rung first has this long.
    direct_escalation_wait_minutes: StrictInt = Field(ge=0)
    warn_at: list[float]
    # The default calendar of every window: "all_hours" (customers are physically waiting,
    # rules.md §3) or "business" (config/calendar.toml); a window may name its own.
    calendar: Literal["all_hours", "business"]

    def duration(self, clock: str) -> timedelta:
        """The duration of a named clock (respond, on_site, resolve, escalation)."""
        return timedelta(minutes=getattr(self, f"{clock}_minutes"))


class IncidentStep(_Strict):
    name: str = Field(pattern=r"^[a-z_]{1,30}$")
    label: str  # what a person reads (Chinese)
    label_en: str | None = None  # the English page's label; the Chinese one if absent
    hours: StrictInt = Field(gt=0)


class Incident(_Strict):
    steps: list[IncidentStep] = Field(min_length=1)


class SpotChecks(_Strict):
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")
    weekdays: list[StrictInt] = Field(min_length=1)
    grace_days: StrictInt = Field(ge=0)

    def minutes(self, text: str) -> int:
        hours, minutes = text.split(":")
        return int(hours) * 60 + int(minutes)


class Appeals(_Strict):
    """申诉复核: how long after publication a line may be appealed, how long the review may take
    (working days of the business calendar, config/calendar.toml)."""

    file_working_days: StrictInt = Field(gt=0)
    review_working_days: StrictInt = Field(gt=0)


class Satisfaction(_Strict):
    """The complainant's 1–5 rating: from this score he is satisfied (the dashboard's rate) and
    may praise someone at the window (a praise for the service star)."""

    # Not StrictInt: its own Le(NUMBER_MAX) came after le=5 and replaced it (a 6 was accepted).
    satisfied_from: Annotated[int, Strict()] = Field(ge=1, le=5)


class Policy(_Strict):
    complaints: Complaints
    joint: Joint
    inactivity: Inactivity
    criticism: Criticism
    worst: Worst
    dismissal: Dismissal
    star: Star
    score: Score
    clocks: Clocks
    incident: Incident
    spot_checks: SpotChecks
    appeals: Appeals
    satisfaction: Satisfaction

    @property
    def version(self) -> str:
        """A short hash of the content: equal numbers, equal version."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def parse_policy(data: dict, where: str = "policy") -> Policy:
    """Validate a parsed policy mapping; refuse it naming the first key at fault."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(first_problem(exc, where)) from None


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and validate a policy file (default ``config/policy.toml``)."""
    path = Path(path) if path else DEFAULT_POLICY_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyError(f"{path}: file not found 文件不存在") from None
    except OSError as exc:  # a directory, no permission
        raise PolicyError(f"{path}: cannot be read 无法读取: {exc.strerror}") from None
    except ValueError as exc:  # TOMLDecodeError, not UTF-8, an integer beyond 4300 digits
        raise PolicyError(f"{path}: {exc}") from None
    return parse_policy(data, where=str(path))


def policy_from_text(text: str, where: str = "policy") -> Policy:
    """Validate a policy given as TOML text (a pasted draft); ``where`` names it in refusals."""
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer beyond 4300 digits
        raise PolicyError(f"{where}: {exc}") from None
    return parse_policy(data, where=where)


def policy_to_toml(policy: Policy) -> str:
    """The policy as TOML text that :func:`policy_from_text` reads back equal (a version saved in the
    console, as a starting point for a draft on the month page's what-if); no comments."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            # a JSON string is a TOML basic string, but for DEL, which TOML forbids unescaped
            return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items() if x is not None) + " }"
        return repr(v)

    out: list[str] = []

    def table(name: str, data: dict) -> None:
        out.append(f"[{name}]")
        out.extend(f"{k} = {value(v)}" for k, v in data.items() if not isinstance(v, dict) and v is not None)
        out.append("")
        for k, v in data.items():
            if isinstance(v, dict):
                table(f"{name}.{k}", v)

    for name, data in policy.model_dump(mode="json").items():
        table(name, data)
    return "\n".join(out)

