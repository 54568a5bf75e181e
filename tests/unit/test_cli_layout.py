"""The CLI package's shape (issue 16.5): its modules import each other without a circle, and no
private name of another file is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from jiandu.cli import main
from jiandu.cli.root import GROUPS, LazyCommands, group_app
from tests.conftest import ROOT

CLI = ROOT / "jiandu" / "cli"


def _module(path: Path) -> str:
    return "jiandu.cli" if path.name == "__init__.py" else f"jiandu.cli.{path.stem}"


def imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for every import of the file, those inside functions included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def cli_graph() -> dict[str, set[str]]:
    """Which jiandu.cli module imports which (``from jiandu.cli import context`` counts as context)."""
    graph = {}
    for path in CLI.glob("*.py"):
        edges = set()
        for module, name in imports(path):
            if module == "jiandu.cli" and name and (CLI / f"{name}.py").exists():
                edges.add(f"jiandu.cli.{name}")
            elif module.startswith("jiandu.cli"):
                edges.add(module)
        graph[_module(path)] = edges - {_module(path)}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*path, node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, node])):
                return found
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node, [])):
            return found
    return None


def test_the_cli_modules_import_each_other_without_a_circle():
    graph = cli_graph()
    assert {"jiandu.cli", "jiandu.cli.context", "jiandu.cli.root", "jiandu.cli.complaint"} <= set(graph)
    assert graph["jiandu.cli.context"] == set()  # what the groups share depends on none of them
    assert cycle(graph) is None, cycle(graph)


def test_the_cycle_finder_finds_one():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None


def test_no_cli_module_imports_a_private_name():
    private = [(path.name, module, name) for path in CLI.glob("*.py") for module, name in imports(path)
               if name and name.startswith("_") and not name.startswith("__")]
    assert private == []


def test_every_group_module_is_a_group_of_the_root():
    shared = {"__init__", "context", "root"}
    assert set(GROUPS) == {p.stem for p in CLI.glob("*.py")} - shared
    assert all(group_app(name).info.help for name in GROUPS)


def test_the_root_help_lists_every_group_and_a_typo_is_told_the_group(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"│ {name} " in out for name in GROUPS)
    assert main(["complaints", "list"]) == 2
    assert "No such command 'complaints'. Did you mean 'complaint'?" in capsys.readouterr().err


def test_lazy_commands_build_a_group_once_and_keep_the_order():
    built = []
    commands = LazyCommands({"init": "i"}, ["org", "complaint"], lambda name: built.append(name) or name.upper())
    assert list(commands) == ["init", "org", "complaint"] and built == []
    assert commands["complaint"] == "COMPLAINT" and commands.get("complaint") == "COMPLAINT"
    assert built == ["complaint"] and commands.get("nope") is None
    with pytest.raises(KeyError):
        commands["nope"]
