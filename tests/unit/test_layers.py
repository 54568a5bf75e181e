"""The import contract: the layers of docs/architecture.md, read from the code with ``ast``.

    core  <-  states, scoring, notifications, appeals  <-  workflows  <-  jiandu

A change that points an arrow the wrong way fails here, naming the file, the line and the import.
Imports inside functions count too: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "states", "scoring", "notifications", "appeals", "workflows", "jiandu")
MIDDLE = ("states", "scoring", "notifications", "appeals")

# What each package may import of the project (itself always). The middle packages may read each
# other (the month's facts read the complaints, the audit reads the ledger), with one exception:
# states tells a listener of every change and never imports notifications, so a change and its
# messages are wired together by the entry points (workflows/runtime.py).
ALLOWED = {
    "core": {"core"},
    "states": {"core", "scoring"},
    "scoring": {"core", "states", "notifications", "appeals"},
    "notifications": {"core", "states"},
    "appeals": {"core", "states", "scoring", "notifications"},
    "workflows": {"core", *MIDDLE},
    "jiandu": {"core", *MIDDLE, "workflows"},
}

# The machines and the rules: no database, no clock, no framework; they import only each other,
# the pure kernel files and the standard library (and `transitions`, which the machines are).
PURE = {
    "core/ladder.py", "core/glossary.py", "core/labels.py", "core/errors.py",
    "states/machine.py", "appeals/machine.py",
    "scoring/model.py", "scoring/numbers.py", "scoring/rules.py", "scoring/month.py", "scoring/wording.py",
}
PURE_THIRD_PARTY = {"transitions"}
CLOCK_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter"}


def sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py")
                  if "migrations/versions" not in p.as_posix())


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every absolute import in the file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from scoring import rules` is an import of the module scoring.rules
            submodules = [a.name for a in node.names if _is_module(f"{node.module}.{a.name}")]
            found += [(node.lineno, f"{node.module}.{name}", []) for name in submodules]
            names = [a.name for a in node.names if a.name not in submodules]
            if names or not submodules:
                found.append((node.lineno, node.module, names))
        elif isinstance(node, ast.ImportFrom):
            pytest.fail(f"{path.relative_to(ROOT)}:{node.lineno}: relative import; the contract reads absolute ones")
    return found


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def test_every_package_imports_only_the_layers_below_it():
    wrong = []
    for path in sources():
        package = path.relative_to(ROOT).parts[0]
        for line, module, _ in imports(path):
            top = module.split(".")[0]
            if top in PACKAGES and top != package and top not in ALLOWED[package]:
                wrong.append(f"{where(path, line)}: {package} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_the_kernel_knows_no_complaint():
    wrong = [f"{where(path, line)}: {module}" for path in (ROOT / "core").rglob("*.py")
             for line, module, _ in imports(path) if module.split(".")[0] in set(PACKAGES) - {"core"}]
    assert not wrong, "\n".join(wrong)


def test_the_machines_and_the_rules_are_pure():
    pure_modules = {module_of(ROOT / p) for p in PURE}
    wrong = []
    for relative in sorted(PURE):
        path = ROOT / relative
        for line, module, _ in imports(path):
            top = module.split(".")[0]
            if top in PACKAGES and module not in pure_modules:
                wrong.append(f"{where(path, line)}: imports {module}, which is not pure")
            elif top not in PACKAGES and top not in PURE_THIRD_PARTY and not _standard(top):
                wrong.append(f"{where(path, line)}: imports {module}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in CLOCK_CALLS):
                wrong.append(f"{where(path, node.lineno)}: reads the clock ({ast.unparse(node.func)})")
    assert not wrong, "\n".join(wrong)


def test_no_private_name_crosses_a_file():
    wrong = []
    for path in [*sources(), *sorted((ROOT / "tests").rglob("*.py")), *sorted((ROOT / "bench").rglob("*.py"))]:
        for line, module, names in imports(path):
            if module.split(".")[0] in (*PACKAGES, "tests", "bench"):
                wrong += [f"{where(path, line)}: {module}.{name}" for name in names
                          if name.startswith("_") and not name.startswith("__")]
    assert not wrong, "\n".join(wrong)


def private_calls_across_files(paths: list[Path]) -> list[str]:
    """``x._name`` in one file where ``_name`` is a function or method defined only in others (not
    through ``self`` or ``cls``): a private helper used as if it were public."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in paths}
    defined: dict[str, set[Path]] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(node.name):
                defined.setdefault(node.name, set()).add(path)
    wrong = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and _private(node.attr) and path not in defined.get(node.attr, {path})
                    and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))):
                wrong.append(f"{where(path, node.lineno)}: {ast.unparse(node)}")
    return wrong


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_private_method_is_called_from_another_file():
    assert not (wrong := private_calls_across_files(sources())), "\n".join(wrong)


def test_a_private_call_across_files_is_found(tmp_path, monkeypatch):
    (tmp_path / "service.py").write_text("class S:\n    def _change(self):\n        pass\n", encoding="utf-8")
    (tmp_path / "incident.py").write_text("def f(svc):\n    svc._change()\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert private_calls_across_files(sorted(tmp_path.glob("*.py"))) == ["incident.py:2: svc._change"]


def test_workflows_holds_only_flows_their_schedules_and_serve():
    assert sorted(p.name for p in (ROOT / "workflows").glob("*.py")) == [
        "__init__.py", "flows.py", "runtime.py", "serve.py"]


def _standard(top: str) -> bool:
    import sys

    return top in sys.stdlib_module_names or top == "__future__"


def test_the_contract_can_fail(tmp_path, monkeypatch):
    """A planted wrong arrow is found: the kernel importing a complaint."""
    planted = tmp_path / "core"
    planted.mkdir()
    (planted / "bad.py").write_text("def f():\n    from states.models import Complaint\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    with pytest.raises(AssertionError, match="states.models"):
        test_the_kernel_knows_no_complaint()
