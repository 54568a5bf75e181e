"""The values the scoring engine reads and writes. Immutable, no behaviour.

The high-volume records (a month can hold a million complaints and several
million ledger lines) are ``NamedTuple``\\ s: immutable like a frozen dataclass
but about four times cheaper to build, which is most of the engine's time.
The rest are frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    unit: str | None
    supervisor: str | None
    leader: str | None
    roles: tuple[str, ...] = ("staff",)


class Complaint(NamedTuple):
    """A verified complaint of the month; it counts against ``against``."""

    id: str
    against: str
    source: str  # customer | coordination | spot_check
    category: str  # a key of policy.complaints.base_points
    verified_at: datetime  # aware, in Asia/Shanghai
    supervisor: str | None  # snapshot at verification (None: nobody to charge)
    leader: str | None


class Breach(NamedTuple):
    """A deadline broken while ``owner`` owned the complaint."""

    id: str
    owner: str
    complaint: str | None
    clock: str | None  # respond | on_site | resolve | escalation | a step name
    at: datetime | None  # aware, in Asia/Shanghai


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A correction of an earlier, published month (e.g. an upheld appeal)."""

    person: str
    points: int  # added to deductions; negative gives points back
    corrects: str  # what it corrects, e.g. "2026-10/c7"
    reason: str = ""


@dataclass(frozen=True, slots=True)
class MonthFacts:
    month: str  # "YYYY-MM", a calendar month in Asia/Shanghai
    people: tuple[Person, ...] = ()
    complaints: tuple[Complaint, ...] = ()
    breaches: tuple[Breach, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    praise: Mapping[str, int] = field(default_factory=dict)
    nominations: Mapping[str, str | None] = field(default_factory=dict)  # unit -> person
    star_history: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # person -> months
    worst_history: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The units that own service windows: only they are ranked (rules.md §5). Empty: every unit.
    window_units: tuple[str, ...] = ()
    # Deadlines each person kept in the month (clocks he owned, stopped in time): the team's record.
    kept: Mapping[str, int] = field(default_factory=dict)


class Line(NamedTuple):
    """One ledger line: who, which rule, how much, because of what, and why.

    The reason is ``subject`` (when set) followed by ``text_zh`` / ``text_en``:
    a joint-penalty line names the person whose complaint it follows, and its
    texts are shared by every line of the same n and day, so a month of
    millions of lines builds no string per line.
    """

    person: str
    rule: str
    points: int  # deduction points (negative: given back)
    money: int  # yuan: a fine or a reward, see ``rule``
    source: str | None  # complaint id, breach id, an adjustment's ``corrects``, ...
    text_zh: str
    text_en: str
    at: datetime | None = None  # when it happened, if it happened at a moment
    subject: str | None = None  # the name the reason starts with

    @property
    def reason_zh(self) -> str:
        return self.text_zh if self.subject is None else self.subject + self.text_zh

    @property
    def reason_en(self) -> str:
        return self.text_en if self.subject is None else self.subject + self.text_en

    @property
    def reason(self) -> str:
        """Chinese, then English: "… / …"."""
        return f"{self.reason_zh} / {self.reason_en}"


@dataclass(frozen=True, slots=True)
class PersonResult:
    person: str
    name: str
    unit: str | None
    complaints: int  # counting complaints against this person
    deductions: int
    score: int
    reward: int
    fine: int
    criticism: bool
    worst: bool
    worst_count: int
    dismissal_recommended: bool
    star: bool
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class StarResult:
    unit: str
    person: str | None  # None: vacant
    streak: int
    reward: int
    reason_zh: str
    reason_en: str
    tied: tuple[str, ...] = ()  # when vacant on a tie: who the team chooses from

    @property
    def reason(self) -> str:
        return f"{self.reason_zh} / {self.reason_en}"


@dataclass(frozen=True, slots=True)
class UnitResult:
    unit: str
    people: int
    staff: int
    complaints: int
    breaches: int  # deadlines missed by people of the unit
    deductions: int
    rank: int | None  # 1 = worst; None: no service window, not ranked

    @property
    def per_head(self) -> float:
        """Deductions per head, the first key of the ranking (2 decimals, for display)."""
        return round(self.deductions / self.people, 2) if self.people else 0.0


@dataclass(frozen=True, slots=True)
class TeamRecord:
    """A supervision-team member's own record of the month (rules.md §5): deadlines kept, missed."""

    person: str
    kept: int
    missed: int


@dataclass(frozen=True, slots=True)
class MonthResult:
    month: str
    policy_version: str
    people: Mapping[str, PersonResult]
    stars: Mapping[str, StarResult]
    units: Mapping[str, UnitResult]
    team: Mapping[str, TeamRecord] = field(default_factory=dict)
