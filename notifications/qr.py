"""The complaint QR codes of the service windows (扫码投诉): one printable A4 sheet.

Each active window gets a card with its unit and its name (no code: a person reads words), a QR code
of its intake URL (``{public_url}/w/{code}``), the URL printed under it for
those who type. Rendered from the organisation snapshot (``jiandu org show
--json``) only; nothing here touches the database.
"""

from __future__ import annotations

import io
from urllib.parse import quote

import segno
from markupsafe import Markup

from notifications.pages import render


def intake_url(public_url: str, window_code: str) -> str:
    """Where a customer at ``window_code`` files a complaint.

    The code is percent-encoded (a plain code such as ``ld-1`` is unchanged), so
    a code with a space or a slash still makes one working path segment.
    """
    return f"{public_url.rstrip('/')}/w/{quote(window_code, safe='')}"


def qr_svg(url: str, *, scale: int = 4) -> str:
    """An inline SVG of the QR code of ``url`` (error correction M, no XML declaration).

    The SVG carries a ``viewBox`` and no fixed size: it fills the box CSS gives it.
    """
    qr = segno.make_qr(url, error="m", boost_error=False)
    out = io.BytesIO()
    qr.save(out, kind="svg", scale=scale, xmldecl=False, svgns=True, nl=False, omitsize=True,
            svgclass="qr", lineclass=None, title=url)
    return out.getvalue().decode("utf-8")


def active_windows(org: dict) -> list[tuple[dict, dict]]:
    """(unit, window) of every active window of an active unit, in the org's order."""
    return [
        (unit, window)
        for unit in org.get("units") or []
        if unit.get("active", True)
        for window in unit.get("windows") or []
        if window.get("active", True)
    ]


def qr_cards(org: dict, public_url: str) -> list[dict]:
    """One card per active window: code, window, unit, url (no QR code drawn yet)."""
    return [
        {
            "code": str(window["code"]),
            "window": str(window.get("name") or window["code"]),
            "unit": str(unit.get("name") or unit["code"]),
            "url": intake_url(public_url, str(window["code"])),
        }
        for unit, window in active_windows(org)
    ]


def render_qr_sheet(org: dict, public_url: str) -> str:
    """The QR sheet of all active windows as a printable A4 HTML page."""
    cards = [
        # Markup only for segno's own output: every text in it (the title) is escaped by segno.
        {**card, "svg": Markup(qr_svg(card["url"]))}
        for card in qr_cards(org, public_url)
    ]
    return render("qr_sheet.html.j2", cards=cards)
