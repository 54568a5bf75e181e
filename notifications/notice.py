"""The month notice (张榜公布, rules.md §5): a printable page and a payroll workbook.

Both render from plain data: the month result dict (``result_to_json``, what
``jiandu score --json`` prints), the organisation snapshot (``jiandu org show
--json``) and optionally the supervision team's deadline record. Only the
fields named here are read, so anything else a caller passes along (a
complainant, a contact) cannot reach the page.
"""

from __future__ import annotations

from datetime import datetime

from core import labels
from core.glossary import CRITICISM, ROLES, label
from core.labels import RULE
from core.workbook import Sheet, workbook_bytes
from notifications.chart import number_text, ranked_units, svg_data_uri, units_chart_svg
from notifications.pages import NameBook, render

STATUSES = {"published": "正式公布 Published", "draft": "草稿 Draft（未公布 not published）"}
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
RULES = {rule: label(pair, " ") for rule, pair in RULE.items()}  # core/labels.py
FLAGS = (  # (result field, label), in the order they are printed
    ("star", "服务明星 Star"),
    ("worst", "服务最差 Worst"),
    ("dismissal_recommended", "建议辞退 Dismissal recommended"),
    ("criticism", label(CRITICISM, " ")),
)
TEAM_ROLES = tuple(  # org["team"] key, label; the first one a person holds is shown
    (key, label(ROLES[role], " ")) for key, role in (
        ("coordinator", "coordinator"), ("executor", "executor"), ("chairman", "chairman"),
        ("president_office", "president_office"), ("supervisors", "supervisor")))


# --- the view: only whitelisted, publishable fields ---------------------------------------


def month_titles(month: str) -> tuple[str, str]:
    """"2026-11" -> ("2026年11月", "November 2026")."""
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year}年{mon}月", f"{MONTHS_EN[mon - 1]} {year}"


def rule_label(rule: str) -> str:
    return RULES.get(rule, rule)


def points_text(points: int) -> str:
    """A deduction is printed negative (−5), points given back positive (+5), none as a dash."""
    if points > 0:
        return f"−{points}"
    if points < 0:
        return f"+{-points}"
    return "—"


def _money_text(rule: str, money: int) -> str:
    if not money:
        return ""
    if rule.startswith("star"):
        return f"奖励 {money} 元"
    if rule.startswith("worst"):
        return f"罚款 {money} 元"
    return f"{money} 元"


def _flags(p: dict) -> list[dict]:
    return [{"key": key, "label": label} for key, label in FLAGS if p.get(key)]


def _people_order(result: dict, names: NameBook) -> list[str]:
    """Units worst first (their ranking), people without a unit last; within a unit most deducted first."""
    position = {code: i for i, code in enumerate(ranked_units(result))}
    people = result.get("people") or {}

    def key(pid: str):
        p = people[pid]
        unit = p.get("unit")
        return (unit is None, position.get(unit, len(position)), unit or "", -int(p.get("deductions") or 0), pid)

    return sorted(people, key=key)


def _team_role(org: dict, pid: str) -> str:
    team = org.get("team") or {}
    for key, role in TEAM_ROLES:
        held = team.get(key)
        if held == pid or (isinstance(held, list) and pid in held):
            return role
    return ""


def notice_view(result: dict, org: dict, *, mask_names: bool = False, team_record: dict | None = None) -> dict:
    """Everything the notice shows, as plain data (the template adds only layout)."""
    names = NameBook(result, org, masked=mask_names)
    people = result.get("people") or {}
    units = result.get("units") or {}
    stars = result.get("stars") or {}
    month = str(result["month"])
    title_zh, title_en = month_titles(month)

    known = names.unit_order()
    star_units = [u for u in known if u in stars] + sorted(u for u in stars if u not in known)
    star_rows = [
        {
            "unit": names.unit(code),
            "person": names.person(s.get("person")),
            "vacant": s.get("person") is None,
            "streak": int(s.get("streak") or 0),
            "reward": int(s.get("reward") or 0),
            "reason_zh": names.text(s.get("reason_zh") or s.get("reason")),
            "reason_en": names.text(s.get("reason_en")),
        }
        for code, s in ((u, stars[u]) for u in star_units)
    ]

    order = _people_order(result, names)
    person_rows = []
    for pid in order:
        p = people[pid]
        lines = p.get("lines") or []
        if not (lines or p.get("deductions") or p.get("reward") or p.get("fine")):
            continue
        person_rows.append(
            {
                "name": names.person(pid),
                "unit": names.unit(p.get("unit")) or "—",
                "deductions": int(p.get("deductions") or 0),
                "score": p.get("score"),
                "reward": int(p.get("reward") or 0),
                "fine": int(p.get("fine") or 0),
                "flags": _flags(p),
                "lines": [line_row(line, names) for line in lines],
            }
        )

    worst_rows = [
        {
            "name": names.person(pid),
            "unit": names.unit(people[pid].get("unit")) or "—",
            "complaints": int(people[pid].get("complaints") or 0),
            "fine": int(people[pid].get("fine") or 0),
            "worst_count": int(people[pid].get("worst_count") or 0),
            "dismissal": bool(people[pid].get("dismissal_recommended")),
        }
        for pid in order
        if people[pid].get("worst")
    ]

    kept_by_unit: dict[str, int] = {}
    team_rows = None
    if team_record is None:  # the month's own record of the supervision team (the engine's result)
        team_record = result.get("team")
    if team_record is not None:
        team_rows = []
        for pid in sorted(team_record, key=lambda q: (-int(team_record[q].get("missed") or 0), q)):
            kept = int(team_record[pid].get("kept") or 0)
            missed = int(team_record[pid].get("missed") or 0)
            unit = (people.get(pid) or {}).get("unit") or names.unit_of(pid)
            if unit:
                kept_by_unit[unit] = kept_by_unit.get(unit, 0) + kept
            inactivity = sum(
                int(line.get("points") or 0)
                for line in (people.get(pid) or {}).get("lines") or []
                if line.get("rule") == "inactivity"
            )
            team_rows.append(
                {
                    "name": names.person(pid),
                        "role": _team_role(org, pid),
                    "kept": kept,
                    "missed": missed,
                    "rate": f"{round(100 * kept / (kept + missed))}%" if kept + missed else "—",
                    "inactivity": inactivity,
                }
            )

    unit_rows = [
        {
            "rank": units[code].get("rank"),
            "unit": names.unit(code),
            "people": int(units[code].get("people") or 0),
            "deductions": int(units[code].get("deductions") or 0),
            "per_head": number_text(units[code].get("deductions_per_head")),
            "complaints": int(units[code].get("complaints") or 0),
            "missed": int(units[code].get("breaches") or 0),
            "kept": kept_by_unit.get(code, 0) if team_record is not None else None,
            "star": _star_text(stars.get(code), names),
        }
        for code in ranked_units(result)
    ]

    svg = units_chart_svg(result, org, mask_names=mask_names)
    chart_alt = "各单位扣分柱状图 / Deductions per unit: " + "；".join(
        f"{r['unit']} {r['deductions']}" for r in unit_rows
    )
    return {
        "month": month,
        "title_zh": title_zh,
        "title_en": title_en,
        "policy_version": str(result.get("policy_version", "")),
        "stars": star_rows,
        "worst": worst_rows,
        "people": person_rows,
        "others": len(people) - len(person_rows),
        "units": unit_rows,
        "team": team_rows,
        "show_kept": team_record is not None,
        "total_reward": sum(int(p.get("reward") or 0) for p in people.values()),
        "total_fine": sum(int(p.get("fine") or 0) for p in people.values()),
        "chart_uri": svg_data_uri(svg) if unit_rows else "",
        "chart_alt": chart_alt,
        "masked": mask_names,
    }


def line_row(line: dict, names: NameBook) -> dict:
    """One ledger line as the notice prints it: date, rule, points, money and the reason's sentence
    (contacts redacted, names masked when the notice masks them). ``/me`` shows a person's own lines
    with this too: the same words as the notice, never re-worded."""
    rule = str(line.get("rule", ""))
    return {
        "date": _day(line.get("at")),
        "rule": rule_label(rule),
        "rule_words": labels.rule(rule),  # (zh, en): a page in one language names it in that one
        "points": points_text(int(line.get("points") or 0)),
        "money": _money_text(rule, int(line.get("money") or 0)),
        "reason_zh": names.text(line.get("reason_zh") or line.get("reason")),
        "reason_en": names.text(line.get("reason_en")),
    }


def _star_text(star: dict | None, names: NameBook) -> str:
    if star is None:
        return "—"
    return "空缺 vacant" if star.get("person") is None else names.person(star["person"])


def _day(at: str | None) -> str:
    """"2026-11-03T10:00:00+08:00" -> "11-03" (already Shanghai time in the result)."""
    return at[5:10] if at and len(at) >= 10 else ""


# --- the page --------------------------------------------------------------------------------


def render_notice_html(
    result: dict,
    org: dict,
    *,
    mask_names: bool = False,
    team_record: dict | None = None,
    status: str = "published",
    pdf_href: str | None = None,
) -> str:
    """The month notice as one self-contained, A4-printable HTML page. ``pdf_href``: the web's
    download link, shown on screen above the notice (never printed: the PDF is this same page)."""
    if status not in STATUSES:
        raise ValueError(f"status {status!r}: expected one of {', '.join(STATUSES)} 未知状态")
    view = notice_view(result, org, mask_names=mask_names, team_record=team_record)
    return render("notice.html.j2", v=view, status=status, status_label=STATUSES[status], pdf_href=pdf_href)


# --- the payroll workbook --------------------------------------------------------------------

# Words only (issue 13): no id, code or rule column; a person is his name and unit.
PEOPLE_HEADERS = (
    "姓名 Name", "单位 Unit", "投诉 Complaints", "扣分 Deductions", "得分 Score",
    "奖励(元) Reward (yuan)", "罚款(元) Fine (yuan)", "服务明星 Star", "服务最差 Worst",
    "累计最差 Times worst", "建议辞退 Dismissal recommended", label(CRITICISM, " "),
)
LINE_HEADERS = (
    "姓名 Name", "单位 Unit", "时间 Time", "规则 Rule", "扣分 Points",
    "金额(元) Money (yuan)", "原因 Reason", "原因(英) Reason (English)",
)
UNIT_HEADERS = (
    "名次(1=最差) Rank (1 = worst)", "单位 Unit", "人数 Heads", "窗口人员 Staff",
    "投诉 Complaints", "超时 Missed deadlines", "扣分 Deductions", "人均扣分 Per head",
    "服务明星 Star", "明星奖励(元) Star reward (yuan)",
)
YES = "是 Yes"


def render_notice_xlsx(result: dict, org: dict, *, mask_names: bool = False) -> bytes:
    """The notice as an .xlsx for payroll: People, Lines, Units (and About). Same input, same bytes.
    Written by ``core.workbook``: no name or reason can become a formula."""
    names = NameBook(result, org, masked=mask_names)
    people = result.get("people") or {}
    units = result.get("units") or {}
    stars = result.get("stars") or {}
    order = _people_order(result, names)

    people_rows = [
        (
            names.person(pid), names.unit(p.get("unit")),
            int(p.get("complaints") or 0), int(p.get("deductions") or 0), p.get("score"),
            int(p.get("reward") or 0), int(p.get("fine") or 0),
            _yes(p.get("star")), _yes(p.get("worst")), int(p.get("worst_count") or 0),
            _yes(p.get("dismissal_recommended")), _yes(p.get("criticism")),
        )
        for pid, p in ((pid, people[pid]) for pid in order)
    ]
    line_rows = [
        (
            names.person(pid), names.unit(people[pid].get("unit")),
            _local_minute(line.get("at")), rule_label(rule),
            int(line.get("points") or 0), int(line.get("money") or 0),
            names.text(line.get("reason_zh") or line.get("reason")), names.text(line.get("reason_en")),
        )
        for pid in order
        for line in people[pid].get("lines") or []
        for rule in (str(line.get("rule", "")),)
    ]
    unit_rows = [
        (
            u.get("rank"), names.unit(code), int(u.get("people") or 0), int(u.get("staff") or 0),
            int(u.get("complaints") or 0), int(u.get("breaches") or 0), int(u.get("deductions") or 0),
            u.get("deductions_per_head"), _star_text(star, names), int((star or {}).get("reward") or 0),
        )
        for code in ranked_units(result)
        for u, star in ((units[code], stars.get(code)),)
    ]
    title_zh, title_en = month_titles(str(result["month"]))
    title = f"{title_zh} 服务质量评比公告 / Service quality notice, {title_en}"
    about_rows = (
        ("月份 Month", str(result["month"])),
        ("标题 Title", title),
        ("政策版本 Policy version", str(result.get("policy_version", ""))),
        ("姓名已隐去 Names masked", YES if mask_names else "否 No"),
    )
    sheets = (
        Sheet("人员 People", people_rows, PEOPLE_HEADERS, (12, 18, 10, 10, 10, 14, 14, 10, 10, 10, 14, 10)),
        Sheet("明细 Lines", line_rows, LINE_HEADERS, (12, 18, 18, 26, 10, 14, 60, 60)),
        Sheet("单位 Units", unit_rows, UNIT_HEADERS, (14, 20, 10, 12, 10, 12, 10, 12, 14, 16)),
        Sheet("说明 About", about_rows, widths=(24, 60)),
    )
    # The document dates are the month's first day: "now" would change the bytes on every run.
    return workbook_bytes(sheets, title=title, created=datetime.fromisoformat(f"{result['month']}-01T00:00:00"))


def _local_minute(at: str | None) -> str:
    """"2026-11-03T10:00:00+08:00" -> "2026-11-03 10:00" (the result's times are Shanghai's)."""
    return at[:16].replace("T", " ") if at else ""


def _yes(flag) -> str:
    return YES if flag else ""
