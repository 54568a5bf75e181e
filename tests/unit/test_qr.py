"""The complaint QR sheet: the code drawn is segno's own, every active window has its card."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import segno

from notifications.qr import intake_url, qr_cards, qr_svg, render_qr_sheet

SVG = "{http://www.w3.org/2000/svg}"
XSS = "<script>alert(1)</script>"
URL = "https://jiandu.example.com/w/ld-1"

ORG = {
    "units": [
        {"code": "loading", "name": "成品库(装车班组)", "active": True, "windows": [
            {"code": "ld-1", "name": "1号装车位", "position": "loading"},
            {"code": "ld-2", "name": XSS, "position": "loading"},
        ]},
        {"code": "old", "name": "旧单位", "active": False, "windows": [
            {"code": "old-1", "name": "旧窗口", "position": "loading"},
        ]},
        {"code": "gate", "name": "门卫", "active": True, "windows": [
            {"code": "gate-1", "name": "东大门", "position": "gate"},
            {"code": "gate-9", "name": "停用", "position": "gate", "active": False},
        ]},
        {"code": "office", "name": "总裁办", "active": True, "windows": []},
    ],
}


def drawn_matrix(svg: str, scale: int) -> tuple[int, set[tuple[int, int]]]:
    """The dark modules of segno's path (``M x y.5`` then ``hN`` runs and relative ``m`` moves)."""
    root = ET.fromstring(svg)
    path = root.find(f"{SVG}path")
    assert path is not None and path.get("transform") == (f"scale({scale})" if scale != 1 else None)
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for cmd, args in re.findall(r"([MmHh])([-\d. ]+)", path.get("d")):
        nums = [float(n) for n in args.split()]
        if cmd == "M":
            x, y = nums
        elif cmd == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            dark.update((int(y), int(x) + i) for i in range(int(nums[0])))
            x += nums[0]
    return int(root.get("viewBox").split()[2]) // scale, dark


@pytest.mark.parametrize("scale", [1, 4, 7])
def test_qr_svg_draws_segnos_matrix_for_the_url(scale):
    svg = qr_svg(URL, scale=scale)
    assert not svg.startswith("<?xml")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    qr = segno.make_qr(URL, error="m", boost_error=False)
    assert qr.error == "M"
    side = qr.symbol_size(scale=scale)[0]
    assert root.get("viewBox") == f"0 0 {side} {side}"
    size, dark = drawn_matrix(svg, scale)
    border = (size - len(qr.matrix)) // 2
    expected = {(r + border, c + border) for r, row in enumerate(qr.matrix) for c, v in enumerate(row) if v}
    assert dark == expected


def test_qr_svg_escapes_its_title():
    svg = qr_svg("https://x.example/w/a?b=1&c=<d>")
    root = ET.fromstring(svg)  # would not parse with a raw & or <
    assert root.find(f"{SVG}title").text == "https://x.example/w/a?b=1&c=<d>"


@pytest.mark.parametrize("base", ["https://jd.example.com", "https://jd.example.com/", "https://jd.example.com//"])
def test_intake_url_trims_the_slash(base):
    assert intake_url(base, "ld-1") == "https://jd.example.com/w/ld-1"


def test_intake_url_keeps_an_odd_code_in_one_segment():
    assert intake_url("https://jd.example.com/", "a b/c") == "https://jd.example.com/w/a%20b%2Fc"


def test_sheet_has_a_card_for_every_active_window_only():
    html = render_qr_sheet(ORG, "https://jd.example.com/")
    assert "服务窗口投诉二维码" in html and "Complaint QR codes of the service windows" in html
    codes = re.findall(r'<article class="qr-card" id="qr-[^"]+" data-window="([^"]+)"', html)
    assert codes == ["ld-1", "ld-2", "gate-1"]
    for code in codes:
        assert f'<p class="url">https://jd.example.com/w/{code}</p>' in html
    assert "old-1" not in html and "gate-9" not in html
    assert html.count("<svg") == 3 and html.count("扫码投诉") == 3
    assert "成品库(装车班组)" in html and "1号装车位" in html and "门卫" in html
    assert "break-inside: avoid" in html and "@page" in html


def test_sheet_escapes_names_but_keeps_the_qr_svg():
    html = render_qr_sheet(ORG, "https://jd.example.com")
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html  # not escaped
    cards = re.findall(r'<article class="qr-card".*?</article>', html, re.S)
    for card in cards:  # each card is well-formed: the SVG and the escaped texts parse
        ET.fromstring(card)


def test_sheet_of_an_empty_org_says_so():
    assert qr_cards({"units": []}, "https://x") == []
    html = render_qr_sheet({}, "https://x")
    assert "没有在用的服务窗口" in html and "<svg" not in html
