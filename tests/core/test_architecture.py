"""The package's import graph: one way down from the interfaces to the core to its stages.

Every import is counted, also those inside functions and under TYPE_CHECKING, because a lazy
import is still a dependency (it only moves the failure to run time). Importing a submodule also
runs its package's `__init__`, so that counts as an edge to the package too.
"""
from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "assistant"
# The interfaces sit above the core: they alone may build or import the `Assistant` (the
# package's `__init__` re-exports it lazily for `from assistant import Assistant`).
INTERFACES = ("assistant.cli", "assistant.checklists.cli", "assistant.server", "assistant.evaluation")


def modules(root: Path = ROOT) -> dict[str, Path]:
    out = {}
    for f in root.rglob("*.py"):
        parts = list(f.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def _ancestors(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module → the package modules it imports (by name, e.g. `assistant.core`)."""
    mods = modules(root)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for name, path in mods.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
                source = ".".join(p for p in (base, node.module or "") if p)
                for alias in node.names:
                    full = f"{source}.{alias.name}"
                    targets.append(full if full in mods else source)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                if target not in mods or target == name:
                    continue
                graph[name].add(target)
                # importing a submodule runs its packages' __init__ (not the importer's own)
                graph[name].update(p for p in _ancestors(target) - _ancestors(name) - {name} if p in mods)
    return graph


def test_the_package_has_no_import_cycle():
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as err:
        pytest.fail(f"import cycle: {' → '.join(err.args[1])}")


def test_only_the_interfaces_import_the_core():
    importers = sorted(m for m, targets in import_graph().items() if "assistant.core" in targets)
    beyond = [m for m in importers
              if m != "assistant" and not any(m == i or m.startswith(i + ".") for i in INTERFACES)]
    assert not beyond, f"the core imported below the interfaces by {beyond}"


def test_the_check_sees_a_lazy_cycle(tmp_path):
    """A function-level import that closes a cycle is found (the check can fail)."""
    pkg = tmp_path / "assistant"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core.py").write_text("def f():\n    from .sub.leaf import g\n")
    (pkg / "sub" / "__init__.py").write_text("from .other import h\n")
    (pkg / "sub" / "leaf.py").write_text("def g(): ...\n")
    (pkg / "sub" / "other.py").write_text("def h():\n    from ..core import f\n")
    with pytest.raises(CycleError):
        TopologicalSorter(import_graph(pkg)).prepare()
