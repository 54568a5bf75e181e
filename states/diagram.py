"""The complaint life cycle drawn as an inline SVG, from ``machine.TRANSITIONS``. Pure.

    received ──▶ verified ──▶ on_site ↻ ──▶ resolved
       │    ╲         ⇅         ⇅          ╱
       ▼     ╲        ⇅         ⇅        ╱
    dismissed ◀──────── escalated ↻ ───╯

The states sit at fixed places; every transition of the table is an arrow (the
two self-loops, verify on_site→on_site and escalate escalated→escalated, are
small loops). The current state is filled and says "当前 / current"; the arrows
it may take now (``allowed``) are drawn emphasised. No ids: several diagrams may
share a page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from core import labels
from states.machine import EVENT_LABELS, TRANSITIONS

WIDTH, HEIGHT = 720, 420
BOX_W, BOX_H = 116, 60
MAIN_Y, LOW_Y = 120, 340  # centres of the two rows

# Centres of the state boxes.
POS: dict[str, tuple[float, float]] = {
    "received": (80, MAIN_Y), "verified": (265, MAIN_Y), "on_site": (450, MAIN_Y),
    "resolved": (640, MAIN_Y), "dismissed": (80, LOW_Y), "escalated": (360, LOW_Y),
}
MAIN_TOP, MAIN_BOTTOM = MAIN_Y - BOX_H / 2, MAIN_Y + BOX_H / 2  # the main row's box edges
LOW_TOP, LOW_BOTTOM = LOW_Y - BOX_H / 2, LOW_Y + BOX_H / 2      # the lower row's

# (source, dest) -> (start, end, label position, text-anchor). Hand-placed so that
# no two arrows cross and no label sits on a line.
_Point = tuple[float, float]
EDGES: dict[tuple[str, str], tuple[_Point, _Point, _Point, str]] = {
    ("received", "verified"): ((138, MAIN_Y), (207, MAIN_Y), (172, 100), "middle"),
    ("verified", "on_site"): ((323, MAIN_Y), (392, MAIN_Y), (357, 100), "middle"),
    ("on_site", "resolved"): ((508, MAIN_Y), (582, MAIN_Y), (545, 100), "middle"),
    ("received", "dismissed"): ((70, MAIN_BOTTOM), (70, LOW_TOP), (64, 226), "end"),
    ("escalated", "dismissed"): ((302, LOW_Y), (138, LOW_Y), (220, 316), "middle"),
    ("received", "escalated"): ((100, MAIN_BOTTOM), (305, LOW_TOP), (160, 206), "end"),
    ("verified", "escalated"): ((250, MAIN_BOTTOM), (335, LOW_TOP), (283, 238), "end"),
    ("escalated", "verified"): ((355, LOW_TOP), (280, MAIN_BOTTOM), (322, 214), "start"),
    ("on_site", "escalated"): ((435, MAIN_BOTTOM), (380, LOW_TOP), (386, 260), "end"),
    ("escalated", "on_site"): ((400, LOW_TOP), (460, MAIN_BOTTOM), (446, 214), "start"),
    ("escalated", "resolved"): ((418, LOW_Y - 10), (635, MAIN_BOTTOM), (552, 240), "start"),
}
# Self-loops: (x of the loop's left foot, y of the box edge, -1 above the box or +1 below,
# label position, text-anchor).
LOOPS: dict[str, tuple[float, float, int, _Point, str]] = {
    "on_site": (438, MAIN_TOP, -1, (451, 44), "middle"),
    "escalated": (348, LOW_BOTTOM, +1, (384, 392), "start"),
}

STYLE = """
.state-diagram .state rect { fill: #fff; stroke: #555; stroke-width: 1.5; }
.state-diagram .state.final rect { stroke-width: 3; }
.state-diagram .state.current rect { fill: #fde2d8; stroke: #c0392b; stroke-width: 3; }
.state-diagram .state .zh { font-size: 15px; font-weight: bold; fill: #222; }
.state-diagram .state .en { font-size: 11px; fill: #555; }
.state-diagram .state .mark { font-size: 10px; font-weight: bold; fill: #c0392b; }
.state-diagram .edge path { fill: none; stroke: #888; stroke-width: 1.3; }
.state-diagram .edge polygon { fill: #888; }
.state-diagram .edge text { font-size: 10.5px; fill: #555; }
.state-diagram .edge.allowed path { stroke: #c0392b; stroke-width: 3; }
.state-diagram .edge.allowed polygon { fill: #c0392b; }
.state-diagram .edge.allowed text { fill: #c0392b; font-weight: bold; }
"""
FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _head(tip: _Point, towards_from: _Point) -> str:
    """An arrowhead at ``tip`` pointing away from ``towards_from``."""
    (x, y), (fx, fy) = tip, towards_from
    a = math.atan2(y - fy, x - fx)
    pts = [(x, y)] + [(x - 9 * math.cos(a + s * 0.4), y - 9 * math.sin(a + s * 0.4)) for s in (1, -1)]
    return '<polygon points="' + " ".join(f"{_n(px)},{_n(py)}" for px, py in pts) + '"/>'


def _say(pair: tuple[str, str], lang: str | None, sep: str = " / ") -> str:
    """One language when the page has one, else both (Chinese first)."""
    return pair[1] if lang == "en" else pair[0] if lang == "zh" else labels.both(pair, sep)


def _label(event: str, at: _Point, anchor: str, lang: str | None) -> str:
    x, y = at
    zh, en = labels.event(event)
    lines = [en, zh] if lang is None else [_say((zh, en), lang)]
    spans = [f'<tspan x="{_n(x)}">{escape(lines[0])}</tspan>']
    spans += [f'<tspan x="{_n(x)}" dy="12">{escape(text)}</tspan>' for text in lines[1:]]
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}">{"".join(spans)}</text>'


def _edge(t: dict, allowed: bool, lang: str | None) -> str:
    src, dst, ev = t["source"], t["dest"], t["trigger"]
    if src == dst:
        x, y, d, at, anchor = LOOPS[src]
        top = y + d * 30
        path = f"M{_n(x)},{_n(y)} C{_n(x)},{_n(top)} {_n(x + 26)},{_n(top)} {_n(x + 26)},{_n(y)}"
        head = _head((x + 26, y), (x + 26, y + d * 12))
        label = _label(ev, at, anchor, lang)
    else:
        (x1, y1), (x2, y2), at, anchor = EDGES[(src, dst)]
        path = f"M{_n(x1)},{_n(y1)} L{_n(x2)},{_n(y2)}"
        head = _head((x2, y2), (x1, y1))
        label = _label(ev, at, anchor, lang)
    cls = "edge allowed" if allowed else "edge"
    return (f'<g class="{cls}" data-event="{escape(ev)}" data-source="{escape(src)}" '
            f'data-dest="{escape(dst)}"><path d="{path}"/>{head}{label}</g>')


def _state(name: str, current: bool, lang: str | None) -> str:
    cx, cy = POS[name]
    classes = ["state"] + (["final"] if name in ("resolved", "dismissed") else []) + (["current"] if current else [])
    aria = ' aria-current="step"' if current else ""
    shift = -8 if current else 0
    out = [f'<g class="{" ".join(classes)}" data-state="{escape(name)}"{aria}>',
           f'<rect x="{_n(cx - BOX_W / 2)}" y="{_n(cy - BOX_H / 2)}" width="{BOX_W}" height="{BOX_H}" rx="8"/>',
           *_state_words(name, cx, cy + shift, lang)]
    if current:
        mark = _say(("当前", "current"), lang)
        out.append(f'<text class="mark" x="{_n(cx)}" y="{_n(cy + 22)}" text-anchor="middle">● {escape(mark)}</text>')
    out.append("</g>")
    return "".join(out)


def _state_words(name: str, cx: float, cy: float, lang: str | None) -> list[str]:
    zh, en = labels.state(name)
    if lang is not None:
        return [f'<text class="{lang}" x="{_n(cx)}" y="{_n(cy + 4)}" text-anchor="middle">'
                f'{escape(_say((zh, en), lang))}</text>']
    return [f'<text class="zh" x="{_n(cx)}" y="{_n(cy - 4)}" text-anchor="middle">{escape(zh)}</text>',
            f'<text class="en" x="{_n(cx)}" y="{_n(cy + 12)}" text-anchor="middle">{escape(en)}</text>']


def state_diagram_svg(current: str | None, allowed: Sequence[str] = (), lang: str | None = None) -> str:
    """The life cycle as an inline SVG; ``current`` highlighted, its ``allowed`` events emphasised;
    in ``lang`` ("zh" or "en", a page's) or both (Chinese first).

    Raises ``ValueError`` for a state the machine does not know.
    """
    if current is not None and current not in POS:
        raise ValueError(f"unknown state {current!r} 未知状态")
    allowed_set = set(allowed)
    title = _say(("投诉处理流程", "Complaint life cycle"), lang)
    if current is not None:
        title += f" · {_say(('当前', 'current'), lang)}: {_say(labels.state(current), lang)}"
        if allowed_set:
            title += f" · {_say(('可操作', 'allowed'), lang)}: " + ", ".join(
                _say(labels.event(e), lang) for e in allowed if e in EVENT_LABELS)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="state-diagram" role="img" width="100%" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{escape(FONT)}">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}</style>",
    ]
    parts += [_edge(t, t["trigger"] in allowed_set and t["source"] == current, lang) for t in TRANSITIONS]
    parts += [_state(name, name == current, lang) for name in POS]
    parts.append("</svg>")
    return "\n".join(parts)
