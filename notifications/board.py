"""The commitment boards (承诺公示, seed part 一): one A4 page per service window.

Rendered from the organisation snapshot (``jiandu org show --json``) only: the
window, its unit, its position and the position's commitments, verbatim and in
their order.
"""

from __future__ import annotations

from notifications.pages import render

TEAM_CONTACTS = (  # who a dissatisfied customer may turn to (seed 二.6), as published on the board
    ("executor", "总执行", "chief executor"),
    ("coordinator", "组长（总协调）", "team leader"),
    ("chairman", "董事长", "chairman"),
)


def _people(org: dict) -> dict[str, str]:
    return {str(p["id"]): str(p.get("name") or p["id"]) for p in org.get("people") or [] if p.get("id")}


def _contacts(org: dict) -> list[dict]:
    team, names = org.get("team") or {}, _people(org)
    return [
        {"role_zh": zh, "role_en": en, "name": names.get(team[key], team[key])}
        for key, zh, en in TEAM_CONTACTS
        if isinstance(team.get(key), str) and team[key]
    ]


def _board(org: dict, unit: dict, window: dict) -> dict:
    positions = org.get("positions") or {}
    code = window.get("position")
    if code not in positions:
        raise KeyError(f"window {window['code']!r}: position {code!r} not in the organisation 岗位不存在")
    position = positions[code]
    return {
        "code": str(window["code"]),
        "window": str(window.get("name") or window["code"]),
        "unit": str(unit.get("name") or unit["code"]),
        "position": str(position.get("name") or code),
        "commitments": [str(c) for c in position.get("commitments") or []],
    }


def board_view(org: dict, window_code: str) -> dict:
    """The board of one window (active or not: asked for by name, it is shown)."""
    for unit in org.get("units") or []:
        for window in unit.get("windows") or []:
            if window.get("code") == window_code:
                return _board(org, unit, window)
    raise KeyError(f"window {window_code!r} not in the organisation 窗口不存在")


def render_board_html(org: dict, window_code: str) -> str:
    """The commitment board of one window as a one-page A4 HTML document; KeyError if unknown."""
    return render("board.html.j2", boards=[board_view(org, window_code)], contacts=_contacts(org))


def render_boards_html(org: dict) -> str:
    """The boards of all windows of active units, one per printed page, in the org's order."""
    boards = [
        _board(org, unit, window)
        for unit in org.get("units") or []
        if unit.get("active", True)
        for window in unit.get("windows") or []
        if window.get("active", True)
    ]
    return render("board.html.j2", boards=boards, contacts=_contacts(org))
