"""The JSON contract of the engine: facts in (validated), result out.

:func:`parse_facts` turns the facts JSON (already ``json.loads``-ed) into
:class:`MonthFacts`, or refuses it with a :class:`FactsError` whose one-line
message names the field at fault, e.g.
``complaints[2].verified_at: not an ISO 8601 time``.
:func:`result_to_json` gives the result as plain JSON data; dump it with
``sort_keys=True`` (:func:`dumps`) for a byte-stable text. :func:`facts_to_json` is the
inverse of :func:`parse_facts` (the month close stores the facts it scored).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

import orjson

from core.errors import FactsError
from core.policy import BasePoints, Source
from scoring.model import (
    Adjustment,
    Breach,
    Complaint,
    Line,
    MonthFacts,
    MonthResult,
    Person,
    PersonResult,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
SOURCES = frozenset(get_args(Source))
CATEGORIES = frozenset(BasePoints.model_fields)
TOP_KEYS = (
    "month", "people", "complaints", "breaches", "praise", "nominations", "history", "adjustments",
    "window_units", "kept",
)
HISTORY_KEYS = ("stars", "worst")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
POINTS_MAX = 2**31 - 1


def _fail(where: str, why: str) -> FactsError:
    return FactsError(f"{where}: {why}")


def _key(key: Any) -> str:
    """A key of the input as a message names it: as is, or quoted when empty, odd or long."""
    text = str(key)
    if text and len(text) <= 60 and text.isprintable() and ":" not in text and text.strip() == text:
        return text
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:56] + "...'"


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(where, "not a non-empty string 应为非空字符串")
    return value


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _int(value: Any, where: str, minimum: int | None = None, maximum: int | None = None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(where, "not an integer 应为整数")
    if minimum is not None and value < minimum:
        raise _fail(where, f"below {minimum} 不得小于{minimum}")
    if maximum is not None and value > maximum:
        raise _fail(where, f"above {maximum} 不得大于{maximum}")
    return value


def _object(value: Any, where: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(where, "not an object 应为对象")
    return value


def _list(value: Any, where: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(where, "not a list 应为列表")
    return value


def _month(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _MONTH.fullmatch(value):
        raise _fail(where, "not a month YYYY-MM 应为月份")
    return value


def _time_in(value: Any, where: str, month: tuple[int, int]) -> datetime:
    """An ISO 8601 time inside the month (Asia/Shanghai); without offset it is Shanghai time."""
    if not isinstance(value, str):
        raise _fail(where, "not an ISO 8601 time 应为ISO 8601时间")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(where, "not an ISO 8601 time 应为ISO 8601时间") from None
    try:
        at = at.replace(tzinfo=SHANGHAI) if at.tzinfo is None else at.astimezone(SHANGHAI)
    except OverflowError:  # 0001-01-01T00:00+01:00: before year 1 in Shanghai
        at = None
    if at is None or (at.year, at.month) != month:
        raise _fail(
            where,
            f"{value} is outside {month[0]}-{month[1]:02d} (Asia/Shanghai) 不在本月",
        )
    return at


def _unique(seen: set[str], value: str, where: str) -> None:
    if value in seen:
        raise _fail(where, f"duplicate id {value!r} 重复的编号")
    seen.add(value)


def parse_facts(data: Any) -> MonthFacts:
    """Validate the facts JSON of one month and build :class:`MonthFacts`."""
    if not isinstance(data, dict):
        raise _fail("facts", "not an object 应为对象")
    for key in data:
        if key not in TOP_KEYS:
            raise _fail(_key(key), "unknown key 未知的键")
    if "month" not in data:
        raise _fail("month", "missing key 缺少的键")
    month = _month(data["month"], "month")
    ym = (int(month[:4]), int(month[5:7]))

    people = _people(_list(data.get("people"), "people"))
    by_id = {p.id: p for p in people}
    complaints = _complaints(_list(data.get("complaints"), "complaints"), by_id, ym)
    breaches = _breaches(_list(data.get("breaches"), "breaches"), ym)
    adjustments = _adjustments(_list(data.get("adjustments"), "adjustments"))
    check_people(by_id, breaches, adjustments)

    praise = _counts(data, "praise", by_id)
    kept = _counts(data, "kept", by_id)
    window_units: set[str] = set()
    for i, unit in enumerate(_list(data.get("window_units"), "window_units")):
        _unique(window_units, _text(unit, f"window_units[{i}]"), f"window_units[{i}]")

    units = {p.unit for p in people if p.unit is not None}
    nominations: dict[str, str | None] = {}
    for unit, nominee in _object(data.get("nominations"), "nominations").items():
        where = f"nominations.{_key(unit)}"
        if unit not in units:
            raise _fail(where, "unknown unit 未知单位")
        nominee = _optional_text(nominee, where)
        if nominee is not None and nominee not in by_id:
            raise _fail(where, f"unknown person {nominee!r} 未知人员")
        nominations[unit] = nominee

    history = _object(data.get("history"), "history")
    for key in history:
        if key not in HISTORY_KEYS:
            raise _fail(f"history.{_key(key)}", "unknown key 未知的键")
    return MonthFacts(
        month=month,
        people=tuple(people),
        complaints=complaints,
        breaches=breaches,
        adjustments=adjustments,
        praise=praise,
        nominations=nominations,
        star_history=_history(history.get("stars"), "history.stars"),
        worst_history=_history(history.get("worst"), "history.worst"),
        window_units=tuple(sorted(window_units)),
        kept=kept,
    )


def check_people(people: dict[str, Person] | set[str], breaches, adjustments) -> None:
    """Refuse a breach or an adjustment of someone not in ``people``: the engine would give that
    id a result of its own, a ghost printed as a person. The database reader checks the same."""
    for i, b in enumerate(breaches):
        if b.owner not in people:
            raise _fail(f"breaches[{i}].owner", f"unknown person {b.owner!r} 未知人员 ({_key(b.id)})")
    for i, a in enumerate(adjustments):
        if a.person not in people:
            raise _fail(f"adjustments[{i}].person", f"unknown person {a.person!r} 未知人员 ({_key(a.corrects)})")


def _counts(data: dict, key: str, by_id: dict) -> dict[str, int]:
    """A person → count object (praise, deadlines kept) naming only people of the facts."""
    counts = {}
    for pid, value in _object(data.get(key), key).items():
        if pid not in by_id:
            raise _fail(f"{key}.{_key(pid)}", "unknown person 未知人员")
        counts[pid] = _int(value, f"{key}.{_key(pid)}", minimum=0)
    return counts


def _people(items: list) -> list[Person]:
    people, seen = [], set()
    for i, item in enumerate(items):
        at = f"people[{i}]"
        item = _object(item, at)
        pid = _text(item.get("id"), f"{at}.id")
        _unique(seen, pid, f"{at}.id")
        roles = _list(item.get("roles", ["staff"]), f"{at}.roles")
        roles = tuple(_text(r, f"{at}.roles[{j}]") for j, r in enumerate(roles))
        name = item.get("name")
        people.append(
            Person(
                id=pid,
                name=pid if name is None else _text(name, f"{at}.name"),
                unit=_optional_text(item.get("unit"), f"{at}.unit"),
                supervisor=_optional_text(item.get("supervisor"), f"{at}.supervisor"),
                leader=_optional_text(item.get("leader"), f"{at}.leader"),
                roles=roles,
            )
        )
    return people


def _complaints(items: list, people: dict[str, Person], ym: tuple[int, int]) -> tuple:
    out, seen = [], set()
    for i, item in enumerate(items):
        at = f"complaints[{i}]"
        if not isinstance(item, dict):
            raise _fail(at, "not an object 应为对象")
        cid = _text(item.get("id"), f"{at}.id")
        _unique(seen, cid, f"{at}.id")
        against = _text(item.get("against"), f"{at}.against")
        person = people.get(against)
        if person is None:
            raise _fail(f"{at}.against", f"unknown person {against!r} 未知人员")
        source = item.get("source")
        if not isinstance(source, str) or source not in SOURCES:
            raise _fail(f"{at}.source", f"unknown source {source!r} 未知来源")
        category = item.get("category")
        if not isinstance(category, str) or category not in CATEGORIES:
            raise _fail(f"{at}.category", f"unknown category {category!r} 未知类别")
        # Snapshot at verification; absent: the person's current one; null: nobody.
        supervisor = item.get("supervisor", person.supervisor)
        leader = item.get("leader", person.leader)
        out.append(
            Complaint(
                cid,
                against,
                source,
                category,
                _time_in(item.get("verified_at"), f"{at}.verified_at", ym),
                _optional_text(supervisor, f"{at}.supervisor"),
                _optional_text(leader, f"{at}.leader"),
            )
        )
    return tuple(out)


def _breaches(items: list, ym: tuple[int, int]) -> tuple:
    out, seen = [], set()
    for i, item in enumerate(items):
        at = f"breaches[{i}]"
        item = _object(item, at)
        bid = _text(item.get("id"), f"{at}.id")
        _unique(seen, bid, f"{at}.id")
        when = item.get("at")
        out.append(
            Breach(
                bid,
                _text(item.get("owner"), f"{at}.owner"),
                _optional_text(item.get("complaint"), f"{at}.complaint"),
                _optional_text(item.get("clock"), f"{at}.clock"),
                None if when is None else _time_in(when, f"{at}.at", ym),
            )
        )
    return tuple(out)


def _adjustments(items: list) -> tuple:
    out = []
    for i, item in enumerate(items):
        at = f"adjustments[{i}]"
        item = _object(item, at)
        reason = item.get("reason")
        out.append(
            Adjustment(
                person=_text(item.get("person"), f"{at}.person"),
                # the ledger's INTEGER column; beyond, a unit's deductions per head overflow a float
                points=_int(item.get("points"), f"{at}.points", minimum=-POINTS_MAX, maximum=POINTS_MAX),
                corrects=_text(item.get("corrects"), f"{at}.corrects"),
                reason="" if reason is None else _text(reason, f"{at}.reason"),
            )
        )
    return tuple(out)


def _history(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    # History may name people who have left: they are kept, not refused.
    out = {}
    for pid, months in _object(value, where).items():
        months = _list(months, f"{where}.{_key(pid)}")
        out[pid] = tuple(_month(m, f"{where}.{_key(pid)}[{j}]") for j, m in enumerate(months))
    return out


# --- facts out ---------------------------------------------------------------


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(SHANGHAI).isoformat()


def iso_times(times: list) -> list:
    """``_iso`` of each time, in bulk: orjson writes a datetime as ``isoformat()`` does, in a fifth
    of the time, when its UTC offset is whole minutes (it rounds seconds off: Shanghai's +08:05:43
    before 1901). Any other offset, or a time orjson cannot write or ``None``: one at a time."""
    try:
        local = [at.astimezone(SHANGHAI) for at in times]
    except AttributeError:  # None
        return list(map(_iso, times))
    offsets = set(map(datetime.utcoffset, local))
    if local and all(off is not None and off.seconds % 60 == 0 and not off.microseconds for off in offsets):
        try:
            return orjson.dumps(local).decode()[2:-2].split('","')  # ["…","…"]: no quote inside
        except orjson.JSONEncodeError:
            pass
    return [at.isoformat() for at in local]


def facts_to_json(facts: MonthFacts) -> dict:
    """The facts as facts JSON: the exact inverse of :func:`parse_facts`.

    ``parse_facts(facts_to_json(f)) == f`` for every ``f`` that ``parse_facts`` gives. Every
    value is written out (a complaint's snapshots explicitly, ``null`` meaning nobody), so
    nothing depends on the defaults of the reader. The month close stores it (``month_close.facts``):
    what-if and audit start from the very facts a month was scored with.
    """
    return {
        "month": facts.month,
        "people": [
            {"id": p.id, "name": p.name, "unit": p.unit, "supervisor": p.supervisor,
             "leader": p.leader, "roles": list(p.roles)}
            for p in facts.people
        ],
        "complaints": [  # unpacked, and the times in bulk: a million complaints
            {"id": cid, "against": against, "source": source, "category": category,
             "verified_at": at, "supervisor": supervisor, "leader": leader}
            for (cid, against, source, category, _, supervisor, leader), at
            in zip(facts.complaints, iso_times([c.verified_at for c in facts.complaints]), strict=True)
        ],
        "breaches": [
            {"id": b.id, "owner": b.owner, "complaint": b.complaint, "clock": b.clock, "at": _iso(b.at)}
            for b in facts.breaches
        ],
        "praise": dict(facts.praise),
        "kept": dict(facts.kept),
        "window_units": list(facts.window_units),
        "nominations": dict(facts.nominations),
        "history": {
            "stars": {pid: list(months) for pid, months in facts.star_history.items()},
            "worst": {pid: list(months) for pid, months in facts.worst_history.items()},
        },
        "adjustments": [
            {"person": a.person, "points": a.points, "corrects": a.corrects, "reason": a.reason or None}
            for a in facts.adjustments
        ],
    }


# --- result ------------------------------------------------------------------


def _line(line: Line) -> dict:
    return {
        "rule": line.rule,
        "points": line.points,
        "money": line.money,
        "source": line.source,
        "reason": f"{line.reason_zh} / {line.reason_en}",
        "reason_zh": line.reason_zh,
        "reason_en": line.reason_en,
        "at": line_time(line.at),
    }


def line_time(at: datetime | None) -> str | None:
    """A line's time as the ledger gives it."""
    return None if at is None else at.isoformat()


def person_to_json(r: PersonResult, *, lines: bool = True) -> dict:
    """One person's entry of the result JSON (his figures, and his lines unless ``lines=False``)."""
    return {
        "name": r.name,
        "unit": r.unit,
        "complaints": r.complaints,
        "deductions": r.deductions,
        "score": r.score,
        "reward": r.reward,
        "fine": r.fine,
        "criticism": r.criticism,
        "worst": r.worst,
        "worst_count": r.worst_count,
        "dismissal_recommended": r.dismissal_recommended,
        "star": r.star,
    } | ({"lines": [_line(line) for line in r.lines]} if lines else {})


def result_to_json(result: MonthResult, *, lines: bool = True) -> dict:
    """The result as JSON data (the output contract, see docs/scoring.md). ``lines=False``: every
    figure but the people's ledger lines (the month close stores those as rows)."""
    return {
        "month": result.month,
        "policy_version": result.policy_version,
        "people": {pid: person_to_json(r, lines=lines) for pid, r in result.people.items()},
        "stars": {
            unit: {
                "person": s.person,
                "streak": s.streak,
                "reward": s.reward,
                "reason": s.reason,
                "reason_zh": s.reason_zh,
                "reason_en": s.reason_en,
                "tied": list(s.tied),
            }
            for unit, s in result.stars.items()
        },
        "units": {
            unit: {
                "people": u.people,
                "staff": u.staff,
                "complaints": u.complaints,
                "breaches": u.breaches,
                "deductions": u.deductions,
                "deductions_per_head": u.per_head,
                "rank": u.rank,
            }
            for unit, u in result.units.items()
        },
        "team": {pid: {"kept": t.kept, "missed": t.missed} for pid, t in result.team.items()},
    }


def dumps(result: MonthResult, indent: int | None = None) -> str:
    """The result as JSON text, keys sorted: equal results give equal bytes."""
    return json.dumps(result_to_json(result), sort_keys=True, ensure_ascii=False, indent=indent)
