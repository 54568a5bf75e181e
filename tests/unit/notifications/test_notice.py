"""The month notice (张榜公布): read the page, the workbook and the chart back.

Fixtures in ``data/``: ``result_2026-11.json`` is what ``jiandu score --json``
printed for ``facts_2026-11.json`` (worked examples A and B, a vacant star on a
tie, a missed deadline); ``org_sample.json`` is ``jiandu org show --json`` of
``jiandu init --sample``.
"""

from __future__ import annotations

import base64
import copy
import io
import json
import time
import xml.etree.ElementTree as ET
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from notifications.chart import units_chart_svg
from notifications.notice import render_notice_html, render_notice_xlsx
from notifications.pages import mask

DATA = Path(__file__).resolve().parent / "data"
XSS = "<script>alert(1)</script>"
PHONE = "13912345678"
SECRETS = ("赵投诉人", PHONE, "complainant@example.com", "li@example.com")
SVG_NS = "{http://www.w3.org/2000/svg}"
TEAM = {"chenjian": {"kept": 4, "missed": 1}, "zhouhua": {"kept": 6, "missed": 0}}


# --- a small DOM over html.parser ---------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict) -> None:
        self.tag, self.attrs, self.children = tag, attrs, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str | None = None, cls: str | None = None, id: str | None = None) -> list[Node]:
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if (tag is None or c.tag == tag) and (cls is None or cls in c.classes) and (
                    id is None or c.attrs.get("id") == id
                ):
                    out.append(c)
                out += c.find_all(tag, cls, id)
        return out

    def one(self, **kw) -> Node:
        found = self.find_all(**kw)
        assert len(found) == 1, (kw, len(found))
        return found[0]


class Tree(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    return Tree(html).root


def squash(text: str) -> str:
    return " ".join(text.split())


def rows(section: Node) -> list[list[str]]:
    """The body rows of the section's first table, as cell texts."""
    body = section.find_all("tbody")[0]
    return [[squash(td.text()) for td in tr.find_all("td")] for tr in body.find_all("tr")]


# --- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def result() -> dict:
    return json.loads((DATA / "result_2026-11.json").read_text(encoding="utf-8"))


@pytest.fixture
def org() -> dict:
    return json.loads((DATA / "org_sample.json").read_text(encoding="utf-8"))


def unit(org: dict, code: str) -> dict:
    return next(u for u in org["units"] if u["code"] == code)


def all_lines(result: dict) -> list[dict]:
    return [line for p in result["people"].values() for line in p["lines"]]


def with_secrets(result: dict, org: dict) -> tuple[dict, dict]:
    """Complainant data where a careless renderer might pick it up."""
    result, org = copy.deepcopy(result), copy.deepcopy(org)
    complainant = {"name": "赵投诉人", "phone": PHONE, "email": "complainant@example.com"}
    result["complaints"] = [{"id": "c1", "complainant": complainant}]
    for p in result["people"].values():
        p["contact"] = PHONE
        p["complainant"] = complainant
        for line in p["lines"]:
            line["complainant"] = complainant
            line["contact"] = PHONE
    result["stars"]["invoicing"]["contact"] = PHONE
    line = result["people"]["zhangsan"]["lines"][0]
    line["reason_zh"] += f"（来电 {PHONE}）"
    for p in org["people"]:
        p["contacts"] = {"email": "li@example.com", "phone": PHONE}
    return result, org


# --- the page -----------------------------------------------------------------------------


def test_stars_with_their_rewards_and_vacancies(result, org):
    stars = parse(render_notice_html(result, org)).one(tag="section", id="stars")
    table = {r[0]: r for r in rows(stars)}
    assert table["开票室"][1:4] == ["小王", "3", "1500"]
    assert table["司磅室"][1] == "空缺 vacant"
    assert "马六、王五表扬次数相同" in table["司磅室"][4]  # the reason of the vacancy
    assert table["门卫"][1] == "空缺 vacant"


def test_worst_with_fine_and_dismissal_recommendation(result, org):
    worst = parse(render_notice_html(result, org)).one(tag="section", id="worst")
    (row,) = rows(worst)
    assert row[0] == "张三"  # by name, never by id (issue 13)
    assert row[1:5] == ["开票室", "3", "500", "3"]
    assert "建议辞退" in row[5]


def test_no_worst_says_so(result, org):
    for p in result["people"].values():
        p["worst"] = False
    worst = parse(render_notice_html(result, org)).one(tag="section", id="worst")
    assert "本月无" in worst.text()
    assert not worst.find_all("table")


def test_every_line_is_shown_with_its_reason(result, org):
    people = parse(render_notice_html(result, org)).one(tag="section", id="people")
    shown = [squash(td.text()) for td in people.find_all("td", cls="reason")]
    lines = all_lines(result)
    assert len(people.find_all("tr", cls="line")) == len(lines)
    for line in lines:
        assert any(squash(line["reason_zh"]) in s and squash(line["reason_en"]) in s for s in shown), line
    heads = [squash(h.text()) for h in people.find_all("h3")]
    zhangsan = next(h for h in heads if h.startswith("张三"))
    assert "扣分 Deductions 40" in zhangsan and "得分 Score 60" in zhangsan and "罚款 Fine 500 元" in zhangsan
    assert "建议辞退 Dismissal recommended" in zhangsan
    # 小赵 has nothing: counted among the others, not listed
    assert not any(h.startswith("小赵") for h in heads)
    assert "本月奖励合计 1500 元，罚款合计 500 元" in squash(people.text())


def test_points_signs(result, org):
    people = parse(render_notice_html(result, org)).one(tag="section", id="people")
    points = [squash(tr.find_all("td")[2].text()) for tr in people.find_all("tr", cls="line")]
    assert "−20" in points and "—" in points  # a deduction; a criticism costs nothing


def test_unit_ranking_worst_first(result, org):
    units = parse(render_notice_html(result, org)).one(tag="section", id="units")
    table = rows(units)
    assert [r[1] for r in table] == ["开票室", "司磅室", "门卫"]
    # rank, unit, heads, deductions, per head, complaints, missed, star
    assert table[0] == ["1", "开票室", "4", "49", "12.25", "3", "0", "小王"]
    assert table[1] == ["2", "司磅室", "4", "8", "2", "1", "1", "空缺 vacant"]


def test_chart_is_embedded_as_an_image(result, org):
    img = parse(render_notice_html(result, org)).one(tag="section", id="units").one(tag="img")
    prefix = "data:image/svg+xml;base64,"
    assert img.attrs["src"].startswith(prefix)
    svg = ET.fromstring(base64.b64decode(img.attrs["src"][len(prefix):]))
    assert len(svg.findall(f".//{SVG_NS}rect[@class='bar']")) == 3
    assert "开票室 49" in img.attrs["alt"]


def test_team_record_shown_only_when_given(result, org):
    assert not parse(render_notice_html(result, org)).find_all(tag="section", id="team")
    page = parse(render_notice_html(result, org, team_record=TEAM))
    team = {r[0]: r for r in rows(page.one(tag="section", id="team"))}
    assert team["陈建"][2:] == ["4", "1", "80%", "3"]  # kept, missed, rate, inactivity points
    assert team["周华"][1].startswith("总执行")
    # the ranking gains a "deadlines kept" column: 陈建 heads the weighbridge
    units = {r[1]: r for r in rows(page.one(tag="section", id="units"))}
    assert units["司磅室"][6:8] == ["4", "1"]


def test_names_are_escaped(result, org):
    result["people"]["zhangsan"]["name"] = XSS
    unit(org, "invoicing")["name"] = "<b>开票室</b>"
    html = render_notice_html(result, org)
    page = parse(html)
    assert "<script>" not in html and "<b>" not in html
    assert not page.find_all("script") and not page.find_all("b")
    assert XSS in page.one(tag="section", id="worst").text()
    assert "<b>开票室</b>" in page.one(tag="section", id="stars").text()


def test_complainants_and_contacts_never_appear(result, org):
    result, org = with_secrets(result, org)
    for kwargs in ({}, {"mask_names": True}, {"team_record": TEAM}):
        html = render_notice_html(result, org, **kwargs)
        svg = units_chart_svg(result, org)
        for secret in SECRETS:
            assert secret not in html and secret not in svg, (secret, kwargs)


def test_masked_names_and_hidden_ids(result, org):
    html = render_notice_html(result, org, mask_names=True, team_record=TEAM)
    page = parse(html)
    img = page.find_all("img")[0]
    svg = base64.b64decode(img.attrs["src"].split(",", 1)[1]).decode("utf-8")
    visible = page.text() + img.attrs["alt"] + svg
    assert "张*" in visible and "小*" in visible and "李**" in visible
    names = {p["name"] for p in org["people"]} | {p["name"] for p in result["people"].values()}
    for name in names:
        assert name not in visible, name
    for pid in result["people"]:
        assert f"({pid})" not in visible and pid not in page.text(), pid


def test_mask():
    assert mask("张三") == "张*"
    assert mask("欧阳娜娜") == "欧***"
    assert mask("张") == "张*"  # never shown whole


def test_draft_watermark(result, org):
    draft = parse(render_notice_html(result, org, status="draft"))
    assert squash(draft.one(cls="watermark").text()) == "草稿 DRAFT"
    assert "草稿" in draft.one(cls="status").text()
    assert not parse(render_notice_html(result, org)).find_all(cls="watermark")
    with pytest.raises(ValueError, match="archived"):
        render_notice_html(result, org, status="archived")


def test_title_footer_and_print_rules(result, org):
    html = render_notice_html(result, org)
    page = parse(html)
    assert squash(page.one(tag="h1").text()) == "2026年11月 服务质量评比公告"
    assert "November 2026" in page.one(tag="title").text()
    assert page.one(cls="policy-version").text() == result["policy_version"]
    style = page.one(tag="style").text()
    assert "@page { size: A4; margin: 15mm; }" in style
    assert '"Noto Sans CJK SC"' in style and "break-inside: avoid" in style
    # self-contained: nothing fetched
    assert not page.find_all("link") and not page.find_all("script")
    assert all(i.attrs["src"].startswith("data:") for i in page.find_all("img"))
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_renders_live_scoring_output(org):
    """The contract with the engine: its current output renders, with example A's figures."""
    from core.policy import load_policy
    from scoring import parse_facts, result_to_json, score_month

    facts = json.loads((DATA / "facts_2026-11.json").read_text(encoding="utf-8"))
    live = result_to_json(score_month(parse_facts(facts), load_policy()))
    page = parse(render_notice_html(live, org, team_record=TEAM, status="draft"))
    assert rows(page.one(tag="section", id="worst"))[0][3] == "500"
    assert {r[0]: r[3] for r in rows(page.one(tag="section", id="stars"))}["开票室"] == "1500"


# --- the chart ----------------------------------------------------------------------------


def test_chart_one_bar_per_unit_with_its_star(result, org):
    svg = ET.fromstring(units_chart_svg(result, org))
    assert svg.tag == f"{SVG_NS}svg"
    assert "Noto Sans CJK SC" in svg.attrib["font-family"]
    groups = svg.findall(f"{SVG_NS}g[@class='unit']")
    assert [g.attrib["data-unit"] for g in groups] == ["invoicing", "weighbridge", "gate"]
    for g in groups:
        assert len(g.findall(f"{SVG_NS}rect[@class='bar']")) == 1
    widths = [float(g.find(f"{SVG_NS}rect").attrib["width"]) for g in groups]
    assert widths[0] > widths[1] > widths[2] == 0
    stars = [g.find(f"{SVG_NS}text[@class='star']").text for g in groups]
    assert stars == ["★ 小王", "空缺 vacant", "空缺 vacant"]


def test_chart_escapes_text(result, org):
    unit(org, "invoicing")["name"] = XSS
    result["people"]["xiaowang"]["name"] = "A&B <小王>"
    text = units_chart_svg(result, org)
    assert "<script>" not in text
    svg = ET.fromstring(text)  # would raise on unescaped markup
    labels = [t.text for t in svg.iter(f"{SVG_NS}text")]
    assert XSS in labels and "★ A&B <小王>" in labels
    assert not list(svg.iter(f"{SVG_NS}script"))


def test_chart_without_units(result, org):
    result["units"] = {}
    svg = ET.fromstring(units_chart_svg(result, org))
    assert not svg.findall(f".//{SVG_NS}rect[@class='bar']")


# --- the workbook -------------------------------------------------------------------------


def sheet_rows(wb, name: str) -> list[tuple]:
    return list(wb[name].iter_rows(values_only=True))


def test_workbook_people_lines_units(result, org):
    wb = load_workbook(io.BytesIO(render_notice_xlsx(result, org)))
    assert wb.sheetnames == ["人员 People", "明细 Lines", "单位 Units", "说明 About"]

    header, *people = sheet_rows(wb, "人员 People")
    # Words only (issue 13): no id, code or rule column, hidden or not.
    assert header[:7] == ("姓名 Name", "单位 Unit", "投诉 Complaints", "扣分 Deductions",
                          "得分 Score", "奖励(元) Reward (yuan)", "罚款(元) Fine (yuan)")
    assert sorted(r[0] for r in people) == sorted(p["name"] for p in result["people"].values())
    for col, key in ((3, "deductions"), (4, "score"), (5, "reward"), (6, "fine")):
        assert all(isinstance(r[col], int) for r in people), key
        assert sum(r[col] for r in people) == sum(p[key] for p in result["people"].values()), key
    by_name = {r[0]: r for r in people}
    assert by_name["张三"][1:7] == ("开票室", 3, 40, 60, 0, 500)
    assert by_name["张三"][8:11] == ("是 Yes", 3, "是 Yes")  # worst, times worst, dismissal
    assert by_name["小王"][5] == 1500 and by_name["小王"][7] == "是 Yes"
    codes = set(result["people"]) | set(result["units"]) | {line["rule"] for line in all_lines(result)}
    assert not codes & {str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row}

    header, *lines = sheet_rows(wb, "明细 Lines")
    assert len(lines) == len(all_lines(result))
    assert header[3] == "规则 Rule" and {r[3] for r in lines} >= {"投诉扣分 Complaint", "服务明星奖励 Star reward"}
    assert sum(r[4] for r in lines) == sum(line["points"] for line in all_lines(result))
    assert sum(r[5] for r in lines) == sum(line["money"] for line in all_lines(result))
    assert {r[6] for r in lines} == {line["reason_zh"] for line in all_lines(result)}

    header, *units = sheet_rows(wb, "单位 Units")
    assert [(r[0], r[1], r[6], r[7]) for r in units] == [
        (1, "开票室", 49, 12.25), (2, "司磅室", 8, 2.0), (3, "门卫", 0, 0.0),
    ]
    assert units[0][8:] == ("小王", 1500) and units[1][8] == "空缺 vacant"


def test_workbook_is_deterministic(result, org, monkeypatch):
    first = render_notice_xlsx(result, org)
    later = time.time() + 86_400 * 3  # zip members and document properties must not carry "now"
    monkeypatch.setattr(time, "time", lambda: later)
    assert render_notice_xlsx(copy.deepcopy(result), org) == first
    props = load_workbook(io.BytesIO(first)).properties
    assert props.created == props.modified == datetime(2026, 11, 1)


def test_workbook_masked_and_without_contacts(result, org):
    result, org = with_secrets(result, org)
    wb = load_workbook(io.BytesIO(render_notice_xlsx(result, org, mask_names=True)))
    cells = [str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    text = "\n".join(cells)
    for secret in SECRETS:
        assert secret not in text, secret
    for p in result["people"].values():
        assert p["name"] not in text, p["name"]
    assert "zhangsan" not in cells and "张*" in cells
