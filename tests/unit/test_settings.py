"""Settings that do not lie (issue 20.7): each is read by the code and documented, and the defaults
of config/ are found wherever the package is."""

from __future__ import annotations

import re

from core.settings import Settings
from tests.conftest import ROOT

PACKAGES = ("core", "states", "scoring", "notifications", "workflows", "jiandu")


def _documented() -> set[str]:
    text = (ROOT / "docs" / "production.md").read_text(encoding="utf-8")
    table = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return {name.lower() for row in table.splitlines() if row.startswith("| `JIANDU_")
            for name in re.findall(r"`JIANDU_([A-Z0-9_]+)`", row.split("|")[1])}


def test_every_setting_has_a_row_in_docs_production_and_every_row_a_setting():
    assert _documented() == set(Settings.model_fields)


def test_every_setting_is_read_somewhere_in_the_code():
    sources = [path.read_text(encoding="utf-8") for package in PACKAGES for path in (ROOT / package).rglob("*.py")]
    unread = [name for name in Settings.model_fields
              if not any(re.search(rf"settings(\(\))?\.{name}\b", text) for text in sources)]
    assert unread == []


def test_the_shipped_defaults_are_the_files_of_config():
    settings = Settings()
    for field, name in (("policy_path", "policy.toml"), ("calendar_path", "calendar.toml"),
                        ("sample_org_path", "org.sample.yaml")):
        assert getattr(settings, field) == ROOT / "config" / name


def test_the_business_calendar_comes_from_jiandu_calendar_path(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    from core import calendar

    path = tmp_path / "calendar.toml"
    path.write_text('timezone = "Asia/Shanghai"\nhours = ["09:00-10:00"]\n\n[overrides]\n', encoding="utf-8")
    monkeypatch.setenv("JIANDU_CALENDAR_PATH", str(path))
    calendar._default_business.cache_clear()
    try:
        start = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai
        assert calendar.calendar_for("business").deadline(start, 90) == datetime(2026, 11, 4, 1, 30, tzinfo=UTC)
    finally:
        calendar._default_business.cache_clear()


def test_public_links_follow_the_served_port(monkeypatch):
    monkeypatch.delenv("JIANDU_PUBLIC_URL", raising=False)
    assert Settings(web_port=8101).public_url == "http://127.0.0.1:8101"
    assert Settings(web_host="0.0.0.0", web_port=8102).public_url == "http://127.0.0.1:8102"
    monkeypatch.setenv("JIANDU_WEB_PORT", "8103")
    assert Settings().public_url == "http://127.0.0.1:8103"


def test_a_public_url_that_is_set_wins(monkeypatch):
    monkeypatch.setenv("JIANDU_PUBLIC_URL", "https://jiandu.example.cn")
    assert Settings(web_port=8101).public_url == "https://jiandu.example.cn"
