"""`jiandu demo` tells the whole story on its own fresh database."""

from __future__ import annotations

from openpyxl import load_workbook

from jiandu.demo import run_demo


def test_demo_replays_closes_and_publishes_a_month(tmp_path):
    said: list[str] = []
    result = run_demo("2026-11", tmp_path / "demo", say=said.append)
    counts = result["counts"]
    assert counts["complaints"] > 10 and counts["handled"] > 0 and counts["left"] > 0
    assert counts["breaks"] > counts["left"]  # left complaints climb more than one rung
    assert all(person != "空缺 vacant" for person in result["stars"].values())
    assert result["messages"]["sent"] > counts["complaints"] and result["messages"]["dead"] == 0
    html = (tmp_path / "demo" / "notices" / "2026-11" / "notice.html").read_text(encoding="utf-8")
    assert "服务明星" in html and "林八" in html
    sheet = load_workbook(tmp_path / "demo" / "notices" / "2026-11" / "notice.xlsx").worksheets[0]
    assert sheet.max_row > 20
    assert any("notice.html" in line for line in said) and any("Prefect" in line for line in said)
