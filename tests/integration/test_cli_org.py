"""`jiandu org export FILE.xlsx` / `jiandu org load FILE.xlsx` (issue 13 item 2) beside the YAML path."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLE_ORG

pytestmark = pytest.mark.db


def test_export_preview_load_and_history_on_the_command_line(cli, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "org.xlsx"
    assert cli("org", "export", str(path), "--json")["file"] == str(path)
    before = cli("org", "show", "--json", "--all")
    assert cli("org", "load", str(path), "--json")["deactivated"]["people"] == []  # the same directory
    assert cli("org", "show", "--json", "--all") == before

    wb = load_workbook(path)
    wb["人员 people"].append(["xuejiu", "薛九", "weighbridge"])
    wb.save(path)
    shown = cli("org", "load", str(path), "--preview", "--json")
    assert [(c["code"], c["action"]) for c in shown["changes"]] == [("xuejiu", "added")]
    assert "xuejiu" not in {p["id"] for p in cli("org", "show", "--json")["people"]}  # a preview writes nothing
    assert "新增 / added 人员 / person 薛九" in cli("org", "load", str(path), "--preview")
    assert cli("org", "load", str(path), "--json")["added"]["people"] == 1
    assert cli("org", "history", "--json")[0]["changes"][0]["code"] == "xuejiu"
    assert cli("org", "load", str(SAMPLE_ORG), "--json")["deactivated"]["people"] == ["xuejiu"]  # YAML still


def test_a_bad_workbook_or_name_is_refused_in_one_line(cli, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "org.xlsx"
    cli("org", "export", str(path))
    wb = load_workbook(path)
    wb["单位 units"]["D3"] = "ghost"
    wb.save(path)
    err = cli("org", "load", str(path), expect=2)
    assert "sheet '单位 units', row 3, column D (leader)" in err and "unknown person 'ghost'" in err
    assert len(err.strip().splitlines()) == 1
    assert "must end in .xlsx" in cli("org", "export", str(tmp_path / "org.csv"), expect=2)
    assert "cannot be written" in cli("org", "export", str(tmp_path / "nowhere" / "org.xlsx"), expect=2)


def test_the_history_reads_names_not_codes(cli, tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text(SAMPLE_ORG.read_text(encoding="utf-8").replace("{id: guoqi, name: 郭七, unit: gate}",
                                                                   "{id: guoqi, name: 郭七, unit: weighbridge}"),
                    encoding="utf-8")
    cli("org", "load", str(path))
    said = cli("org", "history", "--limit", "1")
    assert "修改 / changed 人员 / person 郭七" in said
    assert "单位 / unit: 门卫 → 司磅室" in said and "直接主管 / supervisor: 冯强 → 陈建" in said
    assert "guoqi" not in said and "fengqiang" not in said
