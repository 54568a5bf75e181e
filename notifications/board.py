"""The commitment boards (承诺公示, seed part 一): one A4 page per service window.

Rendered from the organisation snapshot (``jiandu org show --json``) only: the
window, its unit, its position and the position's commitments, verbatim and in
their order, and the window's complaint QR code (``public_url``/w/CODE).
"""

from __future__ import annotations

from markupsafe import Markup

from core.glossary import ROLES
from notifications.pages import render
from notifications.qr import active_windows, intake_url, qr_svg

TEAM_CONTACTS = ("executor", "coordinator", "chairman")  # whom a dissatisfied customer may turn to (seed 二.6)


def _people(org: dict) -> dict[str, str]:
    return {str(p["id"]): str(p.get("name") or p["id"]) for p in org.get("people") or [] if p.get("id")}


def _contacts(org: dict) -> list[dict]:
    team, names = org.get("team") or {}, _people(org)
    return [
        {"role_zh": ROLES[key][0], "role_en": ROLES[key][1], "name": names.get(team[key], team[key])}
        for key in TEAM_CONTACTS
        if isinstance(team.get(key), str) and team[key]
    ]


def _board(org: dict, unit: dict, window: dict, public_url: str) -> dict:
    positions = org.get("positions") or {}
    code = window.get("position")
    if code not in positions:
        raise KeyError(f"window {window['code']!r}: position {code!r} not in the organisation 岗位不存在")
    position = positions[code]
    url = intake_url(public_url, str(window["code"]))
    return {
        "code": str(window["code"]),
        "window": str(window.get("name") or window["code"]),
        "unit": str(unit.get("name") or unit["code"]),
        "position": str(position.get("name") or code),
        "commitments": [str(c) for c in position.get("commitments") or []],
        # The window's own complaint QR code (扫码投诉), as on the QR sheet; segno escapes its text.
        "qr_url": url,
        "qr": Markup(qr_svg(url)),
    }


def board_view(org: dict, window_code: str, public_url: str) -> dict:
    """The board of one window (active or not: asked for by name, it is shown)."""
    for unit in org.get("units") or []:
        for window in unit.get("windows") or []:
            if window.get("code") == window_code:
                return _board(org, unit, window, public_url)
    raise KeyError(f"window {window_code!r} not in the organisation 窗口不存在")


def render_board_html(org: dict, window_code: str, public_url: str) -> str:
    """The commitment board of one window as a one-page A4 HTML document; KeyError if unknown."""
    return render("board.html.j2", boards=[board_view(org, window_code, public_url)], contacts=_contacts(org))


def render_boards_html(org: dict, public_url: str) -> str:
    """The boards of all windows of active units, one per printed page, in the org's order."""
    boards = [_board(org, unit, window, public_url) for unit, window in active_windows(org)]
    return render("board.html.j2", boards=boards, contacts=_contacts(org))
