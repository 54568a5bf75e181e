"""The unit chart of the notice: deductions per unit, with each unit's star.

Plain SVG text built by hand (no plotting library): horizontal bars, because
Chinese unit names read better on the left of a bar than under it. Every text
is XML-escaped; the font stack is the CJK one of the pages.
"""

from __future__ import annotations

import base64
from xml.sax.saxutils import escape, quoteattr

from notifications.pages import CJK_FONTS, NameBook

WIDTH = 720
LABEL_W = 170  # unit names
BAR_X = LABEL_W + 10
BAR_W = 280  # the longest bar
STAR_X = BAR_X + BAR_W + 130  # after the value text (up to ~9 characters)
ROW_H = 34
TOP = 58
BAR_COLOUR = "#c0392b"


def ranked_units(result: dict) -> list[str]:
    """Codes of the ranked units, worst first (rank 1); a unit without a service window has no
    rank and is left out (its people's record is the supervision team's table, rules.md §5)."""
    units = result.get("units") or {}
    return sorted((u for u in units if units[u].get("rank") is not None), key=lambda u: (units[u]["rank"], u))


def star_label(result: dict, unit: str, names: NameBook) -> str:
    star = (result.get("stars") or {}).get(unit)
    if star is None:
        return "—"
    if star.get("person") is None:
        return "空缺 vacant"
    return f"★ {names.person(star['person'])}"


def units_chart_svg(result: dict, org: dict, *, mask_names: bool = False) -> str:
    """An SVG bar chart: one bar per unit of the result, labelled with its star (or 空缺)."""
    names = NameBook(result, org, masked=mask_names)
    units = result.get("units") or {}
    order = ranked_units(result)
    top = max([int(units[u].get("deductions") or 0) for u in order] + [1])
    height = TOP + ROW_H * max(len(order), 1) + 16
    month = str(result.get("month", ""))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family={quoteattr(CJK_FONTS)} font-size="14">',
        f"<title>{escape(f'{month} 各单位扣分 / Deductions per unit, {month}')}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        _text(4, 22, f"{month} 各单位扣分 Deductions per unit", size=16, weight="bold"),
        _text(4, 46, "单位 Unit", fill="#555555"),
        _text(BAR_X, 46, "扣分 Deductions（人均 per head）", fill="#555555"),
        _text(STAR_X, 46, "服务明星 Star", fill="#555555"),
    ]
    if not order:
        out.append(_text(4, TOP + 20, "本月无单位数据 / no unit data this month"))
    for i, code in enumerate(order):
        u = units[code]
        deductions = int(u.get("deductions") or 0)
        y = TOP + i * ROW_H
        width = round(BAR_W * deductions / top, 1)
        per_head = u.get("deductions_per_head")
        value = f"{deductions} 分" + (f"（{number_text(per_head)}/人）" if per_head is not None else "")
        out += [
            f'<g class="unit" data-unit={quoteattr(code)}>',
            _text(4, y + 21, names.unit(code), cls="unit-name"),
            f'<rect class="bar" x="{BAR_X}" y="{y + 6}" width="{width}" height="{ROW_H - 12}" fill="{BAR_COLOUR}"/>',
            _text(BAR_X + width + 6, y + 21, value, cls="value"),
            _text(STAR_X, y + 21, star_label(result, code, names), cls="star"),
            "</g>",
        ]
    out.append("</svg>")
    return "\n".join(out) + "\n"


def svg_data_uri(svg: str) -> str:
    """The SVG as a data URI for an <img>: the notice stays one self-contained file."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def number_text(value) -> str:
    """12.25 -> "12.25", 2.0 -> "2", None -> "—": no trailing zeros on a printed notice."""
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _text(x, y, content: str, *, cls: str = "", size: int | None = None, weight: str = "", fill: str = "#222222"):
    attrs = f'x="{x}" y="{y}" fill="{fill}"'
    if cls:
        attrs += f' class="{cls}"'
    if size:
        attrs += f' font-size="{size}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    return f"<text {attrs}>{escape(content)}</text>"
