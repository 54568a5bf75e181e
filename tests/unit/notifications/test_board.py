"""The commitment boards (承诺公示): verbatim commitments, in order, one window per page."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from notifications.board import render_board_html, render_boards_html

DATA = Path(__file__).resolve().parent / "data"
XSS = "<script>alert(1)</script>"
URL = "https://jiandu.example.cn"


class Boards(HTMLParser):
    """Per board (article.board): its window code and the text of each classed span/element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.boards: list[dict] = []
        self.tags: list[str] = []
        self.open: list[tuple[str, str | None]] = []  # (tag, class being collected)
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag in ("br", "meta", "img"):
            return
        cls = attrs.get("class")
        if tag == "article" and cls == "board":
            self.boards.append({"code": attrs.get("data-window"), "text": [], "num": [], "window": [],
                                "unit": [], "position": []})
        self.open.append((tag, cls))

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self.boards:
            return
        for _, cls in reversed(self.open):
            if cls in self.boards[-1] and cls != "code":
                self.boards[-1][cls].append(data)
                break


@pytest.fixture
def org() -> dict:
    return json.loads((DATA / "org_sample.json").read_text(encoding="utf-8"))


def unit(org: dict, code: str) -> dict:
    return next(u for u in org["units"] if u["code"] == code)


def test_one_window_commitments_verbatim_in_order(org):
    (board,) = Boards(render_board_html(org, "inv-2", URL)).boards
    assert board["code"] == "inv-2"
    assert "".join(board["window"]) == "2号开票窗口"
    assert "".join(board["unit"]) == "开票室"
    assert "".join(board["position"]) == "开票室"
    expected = org["positions"]["invoicing"]["commitments"]
    assert board["text"] == expected
    assert board["num"] == [f"{i}、" for i in range(1, len(expected) + 1)]
    # the seed's own words and punctuation, e.g. the half-width commas and the quoted phrase
    assert board["text"][1] == "客户开票时应面带微笑并热情招呼,主动询问客户来意,给客户“宾至如归”的感觉。"


def test_order_follows_the_org_not_the_alphabet(org):
    org["positions"]["weighbridge"]["commitments"] = ["丙 third given first", "甲 first", "乙 second"]
    (board,) = Boards(render_board_html(org, "wb-1", URL)).boards
    assert board["text"] == ["丙 third given first", "甲 first", "乙 second"]


def test_unknown_window_raises_naming_it(org):
    with pytest.raises(KeyError, match="no-such-window"):
        render_board_html(org, "no-such-window", URL)


def test_window_with_unknown_position_raises(org):
    unit(org, "gate")["windows"][0]["position"] = "ghost"
    with pytest.raises(KeyError, match="ghost"):
        render_board_html(org, "gate-1", URL)


def test_all_active_windows_one_per_page(org):
    html = render_boards_html(org, URL)
    boards = Boards(html).boards
    expected = [w["code"] for u in org["units"] if u["active"] for w in u["windows"]]
    assert [b["code"] for b in boards] == expected
    assert len(boards) == 9
    assert "break-after: page" in html and "@page { size: A4; margin: 15mm; }" in html

    unit(org, "loading")["active"] = False
    codes = [b["code"] for b in Boards(render_boards_html(org, URL)).boards]
    assert "ld-1" not in codes and "ld-2" not in codes and len(codes) == 7


def test_board_names_the_team_to_complain_to(org):
    html = render_board_html(org, "wb-1", URL)
    assert "总执行 周华" in html and "董事长 董石" in html


def test_board_text_is_escaped(org):
    org["positions"]["gate"]["commitments"][0] = XSS
    unit(org, "gate")["windows"][0]["name"] = "<i>东大门</i>"
    html = render_board_html(org, "gate-1", URL)
    parsed = Boards(html)
    assert "script" not in parsed.tags and "i" not in parsed.tags
    (board,) = parsed.boards
    assert board["text"][0] == XSS and "".join(board["window"]) == "<i>东大门</i>"


def test_every_board_carries_its_windows_complaint_qr_code(org):
    """Issue 18: a board at the window is where a customer scans to complain."""
    import re

    html = render_boards_html(org, URL)
    for code in ("wb-1", "inv-2", "gate-1"):
        board = html.split(f'id="board-{code}"', 1)[1].split("</article>", 1)[0]
        assert re.search(rf'<svg[^>]*class="qr".*<title>{URL}/w/{code}</title>', board, re.S)
        assert f'<span class="url">{URL}/w/{code}</span>' in board and "扫码投诉" in board
