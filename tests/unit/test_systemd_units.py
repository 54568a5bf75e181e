"""The systemd units of deploy/systemd are valid: `systemd-analyze verify` finds nothing to say.

The units name /opt/jiandu (docs/production.md §7); verify checks that every ExecStart command
exists, so they are verified with /opt/jiandu replaced by this checkout, whose venv holds the
same uvicorn and prefect.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import IN_CI, ROOT

UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


def test_the_three_units_are_shipped():
    assert [u.name for u in UNITS] == ["jiandu-prefect-server.service", "jiandu-web.service",
                                      "jiandu-worker.service"]


def test_systemd_analyze_verify_accepts_every_unit(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:  # scripts/setup-system.sh (make test) installs Debian's systemd when it can
        if IN_CI:
            pytest.fail("systemd-analyze is missing under CI (Debian package systemd)")
        pytest.skip("systemd-analyze is missing (Debian package systemd; make system installs it)")
    for unit in UNITS:
        (tmp_path / unit.name).write_text(unit.read_text(encoding="utf-8").replace("/opt/jiandu", str(ROOT)),
                                          encoding="utf-8")
    result = subprocess.run([analyze, "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))],
                            capture_output=True, text=True, timeout=120, env={**os.environ, "SYSTEMD_PAGER": ""})
    assert result.returncode == 0, result.stderr
    assert (result.stdout + result.stderr).strip() == ""  # an unknown key is only a warning: none either


def test_every_unit_runs_as_jiandu_logs_to_the_journal_and_restarts():
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8")
        for line in ("User=jiandu", "StandardOutput=journal", "Restart=on-failure", "NoNewPrivileges=yes"):
            assert line in text.splitlines(), (unit.name, line)
