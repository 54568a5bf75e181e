"""A plain (non-editable) install works away from the checkout (issue 20.1).

The wheel is built from a copy of the sources without build isolation (the lock puts setuptools and
wheel in the venv: nothing is downloaded) and installed with ``--no-deps`` into a fresh venv
that borrows the project venv's dependencies through a ``.pth`` line. The commands then run in
an empty folder: the policy, the calendar and the sample organisation must come from the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

# Not sources: what a build, a run or a test leaves in a checkout.
_NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "var", "build", "*.egg-info", "__pycache__", "tests",
                                      "bench", ".pytest_cache", ".ruff_cache", ".hypothesis")

# Two short periods a day: 30 minutes of a respond clock take three working days.
TINY_CALENDAR = 'timezone = "Asia/Shanghai"\nhours = ["09:00-09:10"]\n\n[overrides]\n'


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh venv holding the jiandu wheel (and nothing of the checkout)."""
    work = tmp_path_factory.mktemp("wheel")
    sources = work / "src"
    shutil.copytree(ROOT, sources, ignore=_NOT_SOURCES)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(work / "dist"), str(sources)], check=True, capture_output=True)
    wheel = next((work / "dist").glob("jiandu-*.whl"))
    target = work / "venv"
    venv.create(target, with_pip=False)
    # The dependencies from the project venv, after the fresh venv's own site-packages (the wheel).
    site = Path(sysconfig.get_path("purelib", vars={"base": str(target), "platbase": str(target)}))
    (site / "project_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(target / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True)
    return target / "bin"


def _jiandu(bin_dir: Path, cwd: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JIANDU_") and k != "PYTHONPATH"}
    return subprocess.run([str(bin_dir / "jiandu"), *args], cwd=cwd, env={**clean, **env},
                          capture_output=True, text=True, timeout=300)


@pytest.mark.db
def test_a_wheel_installed_elsewhere_inits_files_and_advances(installed, db_url, tmp_path):
    where = tmp_path / "elsewhere"
    where.mkdir()
    env = {"JIANDU_DATABASE_URL": db_url, "JIANDU_OUTBOX_DIR": str(where / "outbox")}

    origin = subprocess.run([str(installed / "python"), "-c", "import core, core.defaults as d; "
                             "print(core.__file__); print(d.default_file('policy.toml'))"],
                            cwd=where, capture_output=True, text=True, check=True).stdout.split()
    assert all(path.startswith(str(installed.parent)) for path in origin), origin  # not the checkout

    init = _jiandu(installed, where, env, "init", "--sample", "--json")
    assert init.returncode == 0, init.stderr
    assert json.loads(init.stdout)["sample"]["added"]["windows"] > 0

    filed = _jiandu(installed, where, env, "complaint", "new", "--window", "inv-1", "--source", "customer",
                    "--category", "attitude", "--text", "开票员态度生硬", "--at", "2026-11-03T09:00", "--json")
    assert filed.returncode == 0, filed.stderr
    complaint = json.loads(filed.stdout)
    respond = next(c for c in complaint["clocks"] if c["name"] == "respond")
    assert respond["due"] == "2026-11-03T09:30:00+08:00"  # the packaged policy's 30 minutes, all hours

    advanced = _jiandu(installed, where, env, "complaint", "advance", str(complaint["id"]), "verify",
                       "--by", complaint["owner"], "--against", "zhangsan", "--note", "属实",
                       "--at", "2026-11-03T09:20", "--json")
    assert advanced.returncode == 0, advanced.stderr
    assert json.loads(advanced.stdout)["state"] == "verified"


@pytest.mark.db
def test_the_installed_package_reads_the_calendar_named_by_jiandu_calendar_path(installed, db_url, tmp_path):
    calendar = tmp_path / "calendar.toml"
    calendar.write_text(TINY_CALENDAR, encoding="utf-8")
    env = {"JIANDU_DATABASE_URL": db_url, "JIANDU_CALENDAR_PATH": str(calendar)}
    assert _jiandu(installed, tmp_path, env, "init", "--sample").returncode == 0

    filed = _jiandu(installed, tmp_path, env, "complaint", "new", "--window", "sc-1", "--source", "customer",
                    "--category", "attitude", "--text", "销售态度差", "--at", "2026-11-03T09:00", "--json")
    assert filed.returncode == 0, filed.stderr
    respond = next(c for c in json.loads(filed.stdout)["clocks"] if c["name"] == "respond")
    assert respond["due"] == "2026-11-05T09:10:00+08:00"  # 10 working minutes on each of three days

    missing = _jiandu(installed, tmp_path, {**env, "JIANDU_CALENDAR_PATH": str(tmp_path / "nope.toml")},
                      "complaint", "new", "--window", "sc-1", "--source", "customer", "--category", "attitude",
                      "--text", "销售态度差", "--at", "2026-11-03T09:00")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [f"jiandu: {tmp_path / 'nope.toml'}: file not found 文件不存在"]
