"""requirements.lock (what `make` installs, hash-checked) satisfies pyproject.toml: a dependency
added or a floor raised without `make lock` fails here, not on an operator's fresh install."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)")


def locked() -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of every entry of the lock."""
    entries: dict[str, tuple[str, int]] = {}
    name = None
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            name = canonicalize_name(match.group(1))
            entries[name] = (match.group(2), 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = entries[name]
            entries[name] = (version, hashes + 1)
    return entries


def test_every_requirement_of_pyproject_is_locked_at_a_version_it_allows():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lock = locked()
    for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} is not in requirements.lock: run make lock"
        assert req.specifier.contains(lock[name][0], prereleases=True), \
            f"requirements.lock has {req.name}=={lock[name][0]}, pyproject.toml asks {req}: run make lock"


def test_every_locked_package_carries_its_hashes():
    lock = locked()
    assert len(lock) > 100
    assert [name for name, (_, hashes) in lock.items() if hashes == 0] == []
    assert {"uv", "pip", "setuptools", "wheel"} <= set(lock)  # the venv's own tools are locked too
