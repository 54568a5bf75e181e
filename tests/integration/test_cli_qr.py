"""`jiandu qr`: the QR sheet of every active window, one line per window, exit 2 when there are none."""

from __future__ import annotations

import pytest

from core.orgservice import org_snapshot
from jiandu.cli import main

BASE = "https://jiandu.example.com"


@pytest.fixture
def run(monkeypatch, capsys):
    def run_(db, *args: str):
        monkeypatch.setenv("JIANDU_DATABASE_URL", db.url)
        code = main(["qr", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run_


def test_qr_writes_the_sheet_and_lists_the_windows(org_db, run, tmp_path):
    codes = [w["code"] for u in org_snapshot(org_db)["units"] for w in u["windows"]]
    assert len(codes) == 9
    out_file = tmp_path / "tmp" / "sheet.html"
    code, out, err = run(org_db, "--out", str(out_file), "--public-url", BASE + "/")
    assert code == 0, err
    assert err == ""
    html = out_file.read_text(encoding="utf-8")
    lines = out.splitlines()
    assert lines[-1] == f"已写入 / written: {out_file}"
    assert [line.split() for line in lines[:-1]] == [[c, f"{BASE}/w/{c}"] for c in codes]
    for c in codes:
        assert f"{BASE}/w/{c}" in html
    assert html.count("<svg") == len(codes)


def test_qr_default_url_is_the_setting(org_db, run, tmp_path, monkeypatch):
    monkeypatch.setenv("JIANDU_PUBLIC_URL", "https://jd.example.org")
    code, out, err = run(org_db, "--out", str(tmp_path / "s.html"))
    assert code == 0, err
    url = "https://jd.example.org/w/ld-1"
    assert url in out and url in (tmp_path / "s.html").read_text(encoding="utf-8")


def test_qr_warns_about_a_local_address(org_db, run, tmp_path, monkeypatch):
    monkeypatch.delenv("JIANDU_PUBLIC_URL", raising=False)
    code, out, err = run(org_db, "--out", str(tmp_path / "s.html"))
    assert code == 0 and "http://127.0.0.1:8000/w/ld-1" in out
    assert len(err.splitlines()) == 1 and "JIANDU_PUBLIC_URL" in err


def test_qr_of_an_empty_database_exit_2_one_line(db, run, tmp_path):
    out_file = tmp_path / "sheet.html"
    code, out, err = run(db, "--out", str(out_file), "--public-url", BASE)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and "没有在用的服务窗口" in err
    assert not out_file.exists()


@pytest.mark.parametrize("bad", ["", "jiandu.example.com", "ftp://x.example", "https://"])
def test_qr_bad_public_url_exit_2(org_db, run, tmp_path, bad):
    code, out, err = run(org_db, "--out", str(tmp_path / "s.html"), "--public-url", bad)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and "--public-url" in err
