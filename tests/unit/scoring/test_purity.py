"""The rules need nothing but their inputs (issue 16 item 2): rules.py, month.py and model.py
import nothing of the project outside scoring's pure files, and those import only the standard
library. The one month arithmetic they do without core (numbers.month_index) agrees with core's."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from core.timeutil import month_shift
from scoring.numbers import month_index

SCORING = Path(__file__).resolve().parents[3] / "scoring"
PURE = ("model", "month", "numbers", "rules", "wording")


def imported(module: str) -> set[str]:
    """Every module a file imports, by full name (``from scoring import rules`` → scoring.rules)."""
    names = set()
    for node in ast.walk(ast.parse((SCORING / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "scoring":
                names.update(f"scoring.{alias.name}" for alias in node.names)
            else:
                names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE)
def test_a_pure_file_imports_only_the_standard_library_and_pure_files(module):
    allowed = {f"scoring.{m}" for m in PURE}
    foreign = {
        name for name in imported(module)
        if name not in allowed and name.split(".")[0] not in sys.stdlib_module_names
    }
    assert not foreign, f"scoring/{module}.py imports {sorted(foreign)}"


def test_the_check_sees_a_project_import():
    assert "core.timeutil" in imported("facts")  # the database reader is the edge: it may


def test_month_index_counts_months_as_core_shifts_them():
    months = [f"{y:04d}-{m:02d}" for y in (1970, 1999, 2000, 2026, 2999) for m in range(1, 13)]
    for month in months:
        for by in (-25, -13, -12, -1, 1, 11, 12):
            assert month_index(month_shift(month, by)) == month_index(month) + by
