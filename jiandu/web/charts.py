"""Inline SVG charts for the dashboard pages: grouped bars and lines. Pure: text in, text out.

Hand-written SVG rather than a plotting library: a few kilobytes per chart, no JavaScript,
and it scales with the page (``width="100%"`` over a fixed viewBox). Every piece of text goes
through ``html.escape``: unit names and titles come from the organisation file. Each chart is an
image with a ``<title>`` and a ``<desc>`` listing its numbers, so a screen reader gets the data.
"""

from __future__ import annotations

import math
from html import escape

WIDTH = 640
PLOT_H = 200
LEFT, RIGHT = 52, 16  # room for the y-axis numbers
FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif"
# Okabe-Ito: tells series apart for colour-blind readers too.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
NO_DATA = "暂无数据 / no data"
# The legend wraps within what a phone shows of a chart without scrolling it (app.css: at least
# 36rem wide, a 390 px screen shows about 370 of the 640 units): every colour's name in sight.
LEGEND_RIGHT = 370


def bar_chart(title: str, labels: list[str], series: list[tuple[str, list[float]]], *, unit: str = "",
              stacked: bool = False) -> str:
    """Bars: one group per label, one bar per series, each bar with its value; ``stacked``: one
    column per label, one segment per series, labelled with the column's total (many series:
    grouped bars would be too thin to carry a readable number). A zero gets no label."""
    _check(labels, series)
    values = [[_number(v) for v in vals] for _, vals in series]
    frame = _Frame(title, labels, [name for name, _ in series])
    if stacked:
        totals = [sum(max(v or 0, 0) for v in column) for column in zip(*values, strict=True)]
        top, ticks = _scale(totals)
    else:
        top, ticks = _scale([v for vals in values for v in vals])
    out = frame.open(_describe(labels, series, unit)) + frame.y_axis(ticks, top, _fmt)
    draw = _stacked_bars if stacked else _grouped_bars
    out += draw(frame, values, [name for name, _ in series], top, unit)
    return "".join(out + frame.x_axis() + ["</svg>"])


def _grouped_bars(frame: _Frame, values, names, top: float, unit: str) -> list[str]:
    out = []
    bar_w = frame.slot * 0.8 / max(len(values), 1)
    shown = [_fmt(v) + unit for vals in values for v in vals if v]
    size = _fitting_size(shown, bar_w)  # a label never wider than its bar: neighbours never overlap
    for s, vals in enumerate(values):
        colour = COLOURS[s % len(COLOURS)]
        for i, v in enumerate(vals):
            x = LEFT + frame.slot * (i + 0.1) + bar_w * s
            h = PLOT_H * max(v or 0, 0) / top
            y = frame.bottom - h
            out.append(_bar(x, y, bar_w * 0.92, h, colour, f"{frame.label(i)} · {names[s]}: {_fmt(v)}{unit}"))
            if v and size:
                out.append(_text(x + bar_w * 0.46, y - 3, _fmt(v) + unit, size=size, anchor="middle",
                                 cls="value"))
    return out


def _stacked_bars(frame: _Frame, values, names, top: float, unit: str) -> list[str]:
    out = []
    width = frame.slot * 0.6
    for i in range(len(frame.labels)):
        x, y, total = LEFT + frame.slot * (i + 0.2), frame.bottom, 0.0
        for s, vals in enumerate(values):
            v = vals[i]
            if not v or v < 0:
                continue  # an empty segment is not drawn, let alone labelled
            h = PLOT_H * v / top
            y -= h
            total += v
            colour = COLOURS[s % len(COLOURS)]
            out.append(_bar(x, y, width, h, colour, f"{frame.label(i)} · {names[s]}: {_fmt(v)}{unit}"))
            size = _fitting_size([_fmt(v)], width - 2)
            if size and h >= size + 2:  # the segment's number inside it, when it fits
                out.append(_text(x + width / 2, y + h / 2 + size * 0.35, _fmt(v), size=size, anchor="middle",
                                 fill=_ink(colour), cls="value"))
        if total:
            text = _fmt(total) + unit
            size = _fitting_size([text], frame.slot - 4)
            if size:
                out.append(_text(x + width / 2, y - 3, text, size=size, anchor="middle", cls="value total"))
    return out


def _bar(x: float, y: float, width: float, height: float, colour: str, tip: str) -> str:
    return (f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" '
            f'fill="{colour}"><title>{escape(tip)}</title></rect>')


def _fitting_size(texts: list[str], width: float, largest: float = 11, smallest: float = 9) -> float | None:
    """The largest font size up to ``largest`` at which every text fits in ``width``; None below
    ``smallest`` (unreadable: the bar's tooltip and the chart's description still give the value)."""
    widest = max((_text_width(t, 1) for t in texts), default=0)
    size = largest if not widest else min(largest, width / widest)
    return size if size >= smallest else None


def _ink(colour: str) -> str:
    """Dark text on a light fill, white on a dark one."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#222222" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"


def line_chart(title: str, labels: list[str], series: list[tuple[str, list[float | None]]], *,
               percent: bool = False) -> str:
    """Lines with points; a None value leaves a gap. ``percent``: values are shares in 0..1,
    drawn on a fixed 0–100 % axis so that months and charts compare at a glance."""
    _check(labels, series)
    values = [[_number(v) for v in vals] for _, vals in series]
    fmt = _pct if percent else _fmt
    if percent:
        top, ticks = 1.0, [0, 0.25, 0.5, 0.75, 1.0]
    else:
        top, ticks = _scale([v for vals in values for v in vals])
    frame = _Frame(title, labels, [name for name, _ in series])
    out = frame.open(_describe(labels, series, "", fmt)) + frame.y_axis(ticks, top, fmt)
    placed: list[tuple[float, float, float, float]] = []  # the value labels' boxes so far
    said: dict[tuple[int, int, str], tuple[int, str] | None] = {}  # a label's place -> (index in out, fill)
    for s, vals in enumerate(values):
        colour = COLOURS[s % len(COLOURS)]
        points = [(i, frame.x(i), frame.bottom - PLOT_H * min(max(v, 0), top) / top, v)
                  for i, v in enumerate(vals) if v is not None]
        # A new "M" after every gap: the line stops at a missing month instead of bridging it.
        path = [f"{'L' if n and points[n - 1][0] == i - 1 else 'M'}{x:.1f},{y:.1f}"
                for n, (i, x, y, _) in enumerate(points)]
        if path:
            out.append(f'<path class="line" d="{" ".join(path)}" fill="none" stroke="{colour}" '
                       'stroke-width="2" stroke-linejoin="round"/>')
        for _, x, y, v in points:
            out.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                       f"<title>{escape(f'{series[s][0]}: {fmt(v)}')}</title></circle>")
            # Above the point, else below it; where both would cover another label, none (the
            # point's tooltip and the description keep the value). An equal value already
            # labelled at the same place needs no second label.
            text = fmt(v)
            spot = (round(x), round(y), text)
            if spot in said:  # several series' label: neutral, not the first series' colour
                if said[spot] is not None:
                    index, fill = said[spot]
                    out[index] = out[index].replace(f'fill="{fill}"', 'fill="#222222"')
                continue
            said[spot] = None
            for base in (y - 7, y + 15):
                box = _box(x, base, text, 10)
                if not any(_overlap(box, other) for other in placed):
                    placed.append(box)
                    said[spot] = (len(out), colour)
                    out.append(_text(x, base, text, size=10, anchor="middle", fill=colour, cls="value"))
                    break
    return "".join(out + frame.x_axis() + ["</svg>"])


def _box(x: float, baseline: float, text: str, size: float) -> tuple[float, float, float, float]:
    """A centred label's estimated box (left, top, right, bottom), descenders included."""
    half = _text_width(text, size) / 2
    return (x - half, baseline - size, x + half, baseline + size * 0.3)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _Frame:
    """Title, legend, axes and the geometry both charts share."""

    def __init__(self, title: str, labels: list[str], names: list[str]):
        self.title, self.labels, self.names = title, labels, names
        self.legend, rows, x = [], 1, 12.0
        for n, name in enumerate(names):  # legend items left to right, wrapping
            w = 22 + _text_width(name, 12)
            if x + w > LEGEND_RIGHT and x > 12:
                rows, x = rows + 1, 12.0
            self.legend.append((x, 30 + 20 * rows, name, COLOURS[n % len(COLOURS)]))
            x += w + 14
        self.top = 30 + 20 * rows + (24 if names else 0)  # room for a value label at the top
        self.bottom = self.top + PLOT_H
        self.slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
        # A label may hold a second line ("1月\n2026"): the year under the month where it changes.
        self.lines = [label.split("\n") for label in labels]
        widest = max((_text_width(line, 12) for lines in self.lines for line in lines), default=0)
        self.tilt = widest > self.slot - 4  # long names: slanted, not overlapping
        deepest = max((len(lines) for lines in self.lines), default=1)
        self.height = self.bottom + (min(widest * 0.6, 110) + 24 if self.tilt else 16 + 14 * deepest)

    def x(self, i: int) -> float:
        return LEFT + self.slot * (i + 0.5)

    def label(self, i: int) -> str:
        """The i-th label on one line (tooltips, the description)."""
        return " ".join(self.lines[i])

    def open(self, desc: str) -> list[str]:
        head = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {self.height:.0f}" '
                f'width="100%" role="img" aria-label="{escape(self.title)}" '
                f'font-family="{escape(FONT)}" font-size="12">',
                f"<title>{escape(self.title)}</title><desc>{escape(desc)}</desc>",
                f'<rect width="{WIDTH}" height="{self.height:.0f}" fill="#ffffff"/>',
                _text(12, 22, self.title, size=15, weight="bold")]
        for x, y, name, colour in self.legend:
            head.append(f'<rect class="swatch" x="{x:.1f}" y="{y - 10}" width="14" height="10" fill="{colour}"/>')
            head.append(_text(x + 20, y, name, cls="legend"))
        if not self.labels or not self.names:
            head.append(_text(WIDTH / 2, self.top + PLOT_H / 2, NO_DATA, anchor="middle", fill="#777777"))
        return head

    def y_axis(self, ticks: list[float], top: float, fmt) -> list[str]:
        out = []
        for t in ticks:
            y = self.bottom - PLOT_H * t / top
            out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                       f'stroke="{"#888888" if t == 0 else "#e3e3e3"}"/>')
            out.append(_text(LEFT - 6, y + 4, fmt(t), anchor="end", fill="#555555", size=11, cls="tick"))
        return out

    def x_axis(self) -> list[str]:
        out = []
        for i, lines in enumerate(self.lines):
            x, y = self.x(i), self.bottom + 16
            if self.tilt:
                out.append(f'<text x="{x:.1f}" y="{y}" text-anchor="end" transform="rotate(-35 {x:.1f} {y})" '
                           f'class="label">{escape(self.label(i))}</text>')
            else:
                out += [_text(x, y + 14 * n, line, anchor="middle", cls="label") for n, line in enumerate(lines)]
        return out


def _check(labels: list[str], series: list[tuple[str, list]]) -> None:
    for name, vals in series:
        if len(vals) != len(labels):
            raise ValueError(f"series {name!r} has {len(vals)} values for {len(labels)} labels")


def _number(v) -> float | None:
    """None and NaN are missing values; anything else a float."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def _scale(values: list[float | None]) -> tuple[float, list[float]]:
    """A round top above the largest value and about four round steps up to it; whole-number
    steps when every value is whole (counts: no "1.5 complaints" tick)."""
    present = [v for v in values if v is not None]
    whole = all(float(v).is_integer() for v in present)
    peak = max(present, default=0)
    if peak <= 0:
        return 1.0, ([0, 1.0] if whole else [0, 0.5, 1.0])
    raw = peak / 4
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if whole:
        step = float(math.ceil(step))
    count = math.ceil(peak / step - 1e-9)
    return step * count, [step * k for k in range(count + 1)]


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}".removesuffix(".0") + "%"


def _describe(labels, series, unit: str, fmt=_fmt) -> str:
    """The chart's numbers as one line of text (the ``<desc>``), for screen readers."""
    return "; ".join(f"{name}: " + ", ".join(f"{label.replace(chr(10), ' ')} {fmt(_number(v))}{unit}"
                                             for label, v in zip(labels, vals, strict=True))
                     for name, vals in series)


def _text_width(text: str, size: float) -> float:
    """Estimated width: a CJK character is a full em, a Latin one about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def _text(x: float, y: float, text: str, *, size: float = 12, anchor: str = "start", fill: str = "#222222",
          weight: str = "normal", cls: str = "") -> str:
    extra = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.0f}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}"{extra}>{escape(text)}</text>')
