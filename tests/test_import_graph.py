"""The package's modules import each other without a circle (no server).

The import graph is built from the source with :mod:`ast`, not by importing:
one node per module of ``connectograph/`` (a package is its ``__init__.py``),
one edge per ``import``/``from ... import`` of another module of the package
anywhere in a file (deferred imports and ``TYPE_CHECKING`` blocks included:
an import moved into a function still ties the two modules). ``from .x
import y`` is an edge to ``x.y`` when that is a module, else to ``x``. The
implicit import of a module's parent packages is not an edge: every module
would then be in a circle with the ``__init__.py`` that imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "connectograph"


def module_names(root: Path = PACKAGE) -> dict[str, Path]:
    """Dotted name → file of every module of the package under ``root``."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` in ``module``."""
    if not level:
        return name or ""
    base = module.split(".")
    # a package's own __init__ counts as the package for relative imports
    base = base[:len(base) - level + (1 if is_package else 0)]
    return ".".join(base + ([name] if name else []))


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the modules of the package it imports (see module docstring)."""
    modules = module_names(root)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node.level, node.module)
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    targets.append(sub if sub in modules else base)
            for target in targets:
                # `import a.b.c` of a module that is not ours: its longest known prefix
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != module:
                    graph[module].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of ``graph`` as ``[a, b, ..., a]``, or None (depth-first search)."""
    state: dict[str, int] = {}          # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_graph_is_read_from_the_source():
    graph = import_graph()
    assert "connectograph.loading" in graph["connectograph.cli"]
    assert "connectograph.client" in graph["connectograph"]
    assert len(graph) > 50


def test_no_import_circle_in_the_package():
    cycle = find_cycle(import_graph())
    assert cycle is None, "an import circle: " + " -> ".join(cycle)


@pytest.mark.parametrize("edges, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": {"b2"}, "b2": {"b"}}, ["b", "b2", "b"]),
])
def test_find_cycle_names_the_circle(edges, expected):
    assert find_cycle(edges) == expected


def test_relative_imports_resolve_to_modules(tmp_path):
    pkg = tmp_path / "connectograph"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .sub import tool\n")
    (pkg / "sub" / "__init__.py").write_text("from . import tool\nfrom .tool import x\n")
    (pkg / "sub" / "tool.py").write_text("def f():\n    from .. import other\n")
    (pkg / "other.py").write_text("import connectograph.sub.tool\nimport numpy\n")
    assert import_graph(pkg) == {
        "connectograph": {"connectograph.sub.tool"},
        "connectograph.sub": {"connectograph.sub.tool"},
        "connectograph.sub.tool": {"connectograph.other"},
        "connectograph.other": {"connectograph.sub.tool"},
    }
    assert find_cycle(import_graph(pkg)) == ["connectograph.sub.tool", "connectograph.other",
                                             "connectograph.sub.tool"]
