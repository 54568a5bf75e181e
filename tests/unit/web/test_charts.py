"""The dashboard charts: well-formed SVG, escaped text, one mark per value, gaps for None."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from jiandu.web.charts import bar_chart, line_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
MONTHS = ["2026-09", "2026-10", "2026-11"]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises on anything that is not well-formed XML


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{{{NS['svg']}}}text")]


def test_bar_chart_is_an_accessible_image_with_one_bar_per_value():
    svg = bar_chart("各单位投诉数", ["开票室", "司磅室"], [("2026-10", [3, 0]), ("2026-11", [5, 1])], unit="件")
    root = parse(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "各单位投诉数"
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 640 ")
    assert "WenQuanYi Micro Hei" in root.get("font-family")
    assert root.find("svg:title", NS).text == "各单位投诉数"
    bars = root.findall(".//svg:rect[@class='bar']", NS)
    assert len(bars) == 4
    assert float(bars[0].get("height")) > 0 and float(bars[1].get("height")) == 0  # zero stays a bar
    assert {"3件", "5件", "1件"} <= set(texts(root)) and "0件" not in texts(root)  # a zero gets no label
    assert {"开票室", "司磅室", "2026-10", "2026-11"} <= set(texts(root))  # axis and legend


def test_every_text_is_escaped():
    evil = "<b>x</b>"
    root = parse(bar_chart(evil, [evil, "a&b"], [(evil, [1, 2])], unit="<u>"))
    assert root.find("svg:title", NS).text == evil
    assert root.get("aria-label") == evil
    assert evil in texts(root) and "a&b" in texts(root) and "1<u>" in texts(root)
    assert not list(root.iter("b")) and not list(root.iter(f"{{{NS['svg']}}}b"))  # text, not markup
    line = parse(line_chart(evil, [evil], [(evil, [0.5])], percent=True))
    assert evil in texts(line) and line.get("aria-label") == evil


def test_line_chart_leaves_a_gap_for_none():
    svg = line_chart("及时回复率", ["6月", "7月", "8月", "9月", "10月"],
                     [("回复率", [0.5, 1.0, None, 0.25, 0.0]), ("满意度", [None, None, None, None, None])],
                     percent=True)
    root = parse(svg)
    points = root.findall(".//svg:circle[@class='point']", NS)
    assert len(points) == 4
    paths = root.findall(".//svg:path[@class='line']", NS)
    assert len(paths) == 1                      # the all-None series draws nothing
    d = paths[0].get("d")
    assert d.count("M") == 2 and d.count("L") == 2  # 6月-7月, then 9月-10月: no line across 8月
    assert {"0%", "50%", "100%", "25%"} <= set(texts(root))  # the 0..100 % axis


def test_percent_axis_is_fixed_and_values_sit_on_it():
    root = parse(line_chart("满意度", ["a", "b"], [("s", [0.0, 1.0])], percent=True))
    zero, full = (float(c.get("cy")) for c in root.findall(".//svg:circle", NS))
    ticks = {t.text: float(t.get("y")) for t in root.findall(".//svg:text[@class='tick']", NS)}
    assert list(ticks) == ["0%", "25%", "50%", "75%", "100%"]
    assert zero - full == pytest.approx(ticks["0%"] - ticks["100%"])
    assert "66.7%" in texts(parse(line_chart("x", ["a"], [("s", [0.6667])], percent=True)))


def test_empty_and_mismatched_input():
    root = parse(bar_chart("空", [], []))
    assert any("暂无数据" in t for t in texts(root))
    assert not root.findall(".//svg:rect[@class='bar']", NS)
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        line_chart("x", MONTHS, [("s", [1, 2])])


def test_long_chinese_labels_are_slanted_not_overlapping():
    units = ["成品库(装车班组)", "原料库(卸车班组)", "销售管理中心", "开票室", "司磅室", "门卫", "总裁办"]
    root = parse(bar_chart("各单位", units, [("11月", [1] * 7)]))
    labels = root.findall(".//svg:text[@class='label']", NS)
    assert len(labels) == 7 and all(t.get("transform", "").startswith("rotate(") for t in labels)
    short = parse(bar_chart("各月", MONTHS, [("受理", [1, 2, 3])]))
    assert not any(t.get("transform") for t in short.findall(".//svg:text[@class='label']", NS))


def test_dashboard_rates_of_one_are_drawn_and_labelled_100_percent_for_every_series():
    from jiandu.web.dashboard_view import dashboard_charts

    rates = dict.fromkeys(("clocks_kept_pct", "response_rate", "resolution_rate", "satisfaction_rate"), 1.0)
    figures = {"months": ["2026-12"], "units": [], "per_unit_month": {},
               "trend": [{"month": "2026-12", "received": 1, "verified": 1, "resolved": 1, **rates}]}
    for lang in ("zh", "en"):
        root = parse(dashboard_charts(figures, lang)[1])
        ticks = {t.text: float(t.get("y")) for t in root.findall(".//svg:text[@class='tick']", NS)}
        points = root.findall(".//svg:circle[@class='point']", NS)
        assert len(points) == 4  # one per series
        for point in points:
            assert float(point.get("cy")) == pytest.approx(ticks["100%"] - 4)  # a tick's text sits 4 below its line
            assert point.find("svg:title", NS).text.endswith(": 100%")
        # The four labels would sit on one another: the value is printed once.
        (label,) = root.findall(".//svg:text[@class='value']", NS)
        assert (label.text, label.get("fill")) == ("100%", "#222222")  # it speaks for every series


def test_stacked_bars_one_column_per_label_totals_on_top_and_no_label_for_zero():
    units = [(f"单位{u}", [0] * 11 + [u]) for u in range(7)]  # seven units, twelve months, mostly empty
    root = parse(bar_chart("各单位每月投诉数", [f"{m}月" for m in range(1, 13)], units, unit="件", stacked=True))
    bars = root.findall(".//svg:rect[@class='bar']", NS)
    assert len(bars) == 6  # one segment per value above zero
    assert len({b.get("x") for b in bars}) == 1  # all in the last month's column
    values = [t.text for t in root.findall(".//svg:text", NS) if "value" in (t.get("class") or "")]
    assert "21件" in values and not [v for v in values if v.startswith("0")]
    assert all(t.get("transform") is None for t in root.findall(".//svg:text[@class='label']", NS))


def test_a_second_label_line_stands_under_the_first():
    root = parse(bar_chart("x", ["12月\n2025", "1月\n2026", "2月"], [("s", [1, 2, 3])]))
    labels = [(t.text, float(t.get("y"))) for t in root.findall(".//svg:text[@class='label']", NS)]
    assert [text for text, _ in labels] == ["12月", "2025", "1月", "2026", "2月"]
    assert labels[1][1] - labels[0][1] == 14
    assert "12月 2025 1" in root.find("svg:desc", NS).text  # one line in the description
