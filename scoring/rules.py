"""One pure function per rule of the regulation (seed 二.1–二.6, docs/rules.md §4).

Every number comes from the policy, read once into :class:`scoring.numbers.Numbers` at
scoring's edge (:func:`scoring.edge.numbers_of`): the rules import nothing of the project
outside scoring's pure files (numbers, model, wording). The
complaint rules return (points, reason zh, reason en) from small values, so
that the month close can memoise them; the others return the ledger line they
book (or ``None`` when they book nothing). The month close
(:mod:`scoring.month`) decides when to call which rule; it books the criticism and
worst-fine lines itself from their memoised texts, and
tests/unit/scoring/test_same_output.py holds those lines equal to :func:`criticism`'s
and :func:`worst_fine`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from scoring.model import Adjustment, Breach, Complaint, Line
from scoring.numbers import Numbers, month_index
from scoring.wording import label, minute, ordinal

# Rule ids: short and stable, they are part of the result contract.
COMPLAINT_PERSON = "complaint.person"
COMPLAINT_SUPERVISOR = "complaint.supervisor"
COMPLAINT_LEADER = "complaint.leader"
INACTIVITY = "inactivity"
CRITICISM = "criticism"
WORST_FINE = "worst.fine"
DISMISSAL = "dismissal"
STAR_REWARD = "star.reward"
ADJUSTMENT = "adjustment"


# --- complaints (二.1, 二.2) ---------------------------------------------------
# These rules give (points, reason zh, reason en) from small values, so that
# the month close can memoise them: a month has millions of lines but few
# distinct (n, category, day) combinations.


def complaint_person(
    rates: Numbers, n: int, category: str, month: int, day: int
) -> tuple[int, str, str]:
    """The n-th counting complaint of the month costs n × base ("ordinal") or base ("flat")."""
    base = rates.base_points[category]
    cat_zh, cat_en = label(rates.words.get("category", {}), category)
    when = f"{month:02d}-{day:02d}"
    if rates.ordinal:
        points = n * base
        zh_sum, en_sum = f"{n}×{base}={points}分", f"{n}×{base} = {points} points"
    else:
        points = base
        zh_sum, en_sum = f"{base}分", f"{base} points"
    return (
        points,
        f"{when} 第{n}次投诉（{cat_zh}）：{zh_sum}",
        f"{when} {ordinal(n)} complaint of the month ({cat_en}): {en_sum}",
    )


def _joint(
    start: int, each: int, ordinal_repeat: bool, role_zh: str, role_en: str,
    n: int, month: int, day: int,
) -> tuple[int, str, str] | None:
    if n < start:
        return None
    k = n - start + 1
    if ordinal_repeat:
        points = each * k
        zh_sum, en_sum = f"{each}×{k}={points}分", f"{each}×{k} = {points} points"
    else:
        points = each
        zh_sum, en_sum = f"{each}分", f"{each} points"
    when = f"{month:02d}-{day:02d}"
    # The reason is the complained-about person's name followed by these texts.
    return (
        points,
        f"本月第{n}次投诉（{when}），{role_zh}连带处罚：{zh_sum}",
        f"'s {ordinal(n)} complaint of the month ({when}), joint penalty as {role_en}: {en_sum}",
    )


def complaint_supervisor(rates: Numbers, n: int, month: int, day: int) -> tuple[int, str, str] | None:
    """From the ``from``-th complaint of a person, his direct supervisor pays too.

    Returns (points, zh, en) where the reasons follow the person's name, or None.
    """
    return _joint(
        rates.supervisor_from, rates.supervisor_points, rates.ordinal,
        "直接责任主管", "direct supervisor", n, month, day,
    )


def complaint_leader(rates: Numbers, n: int, month: int, day: int) -> tuple[int, str, str] | None:
    """From the ``from``-th complaint of a person, his group leader in charge pays too."""
    return _joint(
        rates.leader_from, rates.leader_points, rates.ordinal,
        "主管集团领导", "group leader in charge", n, month, day,
    )


# --- supervision team (二.6) --------------------------------------------------


def inactivity(rates: Numbers, b: Breach) -> Line:
    """Each deadline broken while he owned the complaint costs the owner the inactivity points."""
    clock_zh, clock_en = label(rates.words.get("clock", {}), b.clock, rates.words.get("step"))
    points = rates.inactivity_points
    when_zh = f"{minute(b.at)} " if b.at is not None else ""
    about_zh = f"投诉{b.complaint}，" if b.complaint else ""
    about_en = f"complaint {b.complaint}, " if b.complaint else ""
    return Line(
        b.owner,
        INACTIVITY,
        points,
        0,
        b.id,
        f"{when_zh}监管人员不作为：未遵守{clock_zh}时限（{about_zh}超时记录{b.id}）：{points}分",
        f"{when_zh}supervisor inactivity: missed the {clock_en} deadline "
        f"({about_en}breach {b.id}): {points} points",
        b.at,
    )


# --- criticism, worst, dismissal (二.4) ---------------------------------------


def criticism(rates: Numbers, c: Complaint) -> Line:
    """The first complaint of a criticism source in the month: a notice, no points."""
    at = c.verified_at
    zh, en = criticism_texts(rates, c.source, at.month, at.day)
    return Line(c.against, CRITICISM, 0, 0, c.id, zh, en, at)


def criticism_texts(rates: Numbers, source: str, month: int, day: int) -> tuple[str, str]:
    """The reasons of :func:`criticism`'s line, from small values: the month close memoises them."""
    src_zh, src_en = label(rates.words.get("source", {}), source)
    when = f"{month:02d}-{day:02d}"
    return (
        f"{when} 本月第一次{src_zh}：{rates.criticism_words[0]}，指出不足，要求改进（批评教育本身不另扣分）",
        f"{when} first {src_en} of the month: {rates.criticism_words[1]} (the notice itself adds no points)",
    )


def worst_fine(rates: Numbers, c: Complaint) -> Line:
    """The complaint that reaches the worst threshold: rated worst, fined, published."""
    at = c.verified_at
    zh, en = worst_fine_texts(rates, at.month, at.day)
    return Line(c.against, WORST_FINE, 0, rates.worst_fine, c.id, zh, en, at)


def worst_fine_texts(rates: Numbers, month: int, day: int) -> tuple[str, str]:
    """The reasons of :func:`worst_fine`'s line, from small values: the month close memoises them."""
    when = f"{month:02d}-{day:02d}"
    k, fine = rates.worst_threshold, rates.worst_fine
    kinds = [label(rates.words.get("source", {}), s) for s in sorted(rates.worst_sources)]
    kind_zh, kind_en = "或".join(z for z, _ in kinds), " or ".join(e for _, e in kinds)
    return (
        f"{when} 本月第{k}次{kind_zh}：评为服务最差，罚款{fine}元并张榜公布",
        f"{when} {ordinal(k)} {kind_en} of the month: rated worst, fined {fine} yuan, published",
    )


def earlier_worst(months: Iterable[str], month: str) -> tuple[str, ...]:
    """The distinct months before ``month`` in which the person was rated worst."""
    return tuple(sorted({m for m in months if m < month}))


def dismissal(rates: Numbers, c: Complaint, earlier: tuple[str, ...]) -> Line | None:
    """Rated worst again: at the ``worst_count``-th time or later, dismissal is *recommended*."""
    count = len(earlier) + 1
    if count < rates.dismissal_worst_count:
        return None
    before = "、".join(earlier) or "无"
    return Line(
        c.against,
        DISMISSAL,
        0,
        0,
        c.id,
        f"累计第{count}次评为服务最差（此前：{before}）：建议总裁办予以辞退（不自动执行）",
        f"rated worst for the {ordinal(count)} time (before: {', '.join(earlier) or 'none'}): "
        f"dismissal recommended to the president's office (never automatic)",
        c.verified_at,
    )


# --- adjustments (rules.md §4: a published month is never rewritten) ----------


def adjustment(a: Adjustment) -> Line:
    """A correction of a published month, booked now, naming what it corrects."""
    if a.points < 0:
        zh_sum, en_sum = f"退回{-a.points}分", f"{-a.points} points given back"
    else:
        zh_sum, en_sum = f"补扣{a.points}分", f"{a.points} more points"
    why = f"：{a.reason}" if a.reason else ""
    why_en = f": {a.reason}" if a.reason else ""
    return Line(
        a.person,
        ADJUSTMENT,
        a.points,
        0,
        a.corrects,
        f"更正{a.corrects}{why}（{zh_sum}）",
        f"correction of {a.corrects}{why_en} ({en_sum})",
        None,
    )


# --- service star (二.3) ------------------------------------------------------


def star_streak(history: Iterable[str], month: str) -> int:
    """1 + the consecutive months as star immediately before ``month``."""
    months = set(map(month_index, history))
    streak, m = 1, month_index(month) - 1
    while m in months:
        streak, m = streak + 1, m - 1
    return streak


def choose_star(
    eligible: Iterable[str],
    ineligible_why: Mapping[str, tuple[str, str]],
    nominee: str | None,
    praise: Mapping[str, int],
    names: Mapping[str, str],
) -> tuple[str | None, str, str, tuple[str, ...]]:
    """Who is the unit's star: the valid nominee, else the only most praised, else vacant.

    Returns (person or None, reason zh, reason en, tied). An invalid nomination
    (nominee not eligible) is set aside with its reason and the praise decides.
    """
    eligible = sorted(eligible)
    pre_zh = pre_en = ""
    if nominee is not None:
        if nominee in eligible:
            return nominee, "监督小组提名", "nominated by the supervision team", ()
        why_zh, why_en = ineligible_why.get(nominee, ("不属本单位", "not of this unit"))
        who = names.get(nominee, nominee)
        pre_zh = f"提名的{who}不符合条件（{why_zh}），不予采纳；"
        pre_en = f"nomination of {who} set aside: not eligible ({why_en}); "
    if not eligible:
        return None, pre_zh + "空缺：本月无合格人员", pre_en + "vacant: nobody is eligible", ()
    best = max(praise.get(p, 0) for p in eligible)
    if best <= 0:
        return (
            None,
            pre_zh + "空缺：合格人员均无表扬，请监督小组选定或空缺",
            pre_en + "vacant: no eligible person has praise; the team may choose",
            (),
        )
    top = tuple(p for p in eligible if praise.get(p, 0) == best)
    if len(top) > 1:
        who = "、".join(names.get(p, p) for p in top)
        return (
            None,
            pre_zh + f"空缺：{who}表扬次数相同（{best}次），请监督小组选定",
            pre_en + f"vacant: {', '.join(names.get(p, p) for p in top)} tie on praise "
            f"({best}); the team must choose",
            top,
        )
    return (
        top[0],
        pre_zh + f"合格人员中表扬最多（{best}次）",
        pre_en + f"most praise among the eligible ({best})",
        (),
    )


def star_money(rates: Numbers, streak: int) -> int:
    return rates.star_reward * streak


def star_reward(rates: Numbers, unit: str, month: str, person: str, streak: int) -> Line:
    """The star's reward line: reward × streak (consecutive months, this one included)."""
    money = star_money(rates, streak)
    return Line(
        person,
        STAR_REWARD,
        0,
        money,
        f"star:{unit}",
        # The unit is the person's own (its name is on his row): the reason names no code.
        f"{month} 服务明星（连续第{streak}个月）：{rates.star_reward}×{streak}={money}元",
        f"{month} service star ({ordinal(streak)} month in a row): "
        f"{rates.star_reward}×{streak} = {money} yuan",
        None,
    )


# --- score and ranking --------------------------------------------------------


def score(rates: Numbers, deductions: int) -> int:
    """Baseline minus all deductions, not below the floor."""
    return max(rates.floor, rates.baseline - deductions)


def unit_rank_key(unit: str, deductions: int, heads: int, complaints: int, breaches: int):
    """Worst first: deductions per head, then complaints, then missed deadlines, then code."""
    return (-Fraction(deductions, max(heads, 1)), -complaints, -breaches, unit)
