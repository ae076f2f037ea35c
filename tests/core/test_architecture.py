"""The package's floors, computed from the import graph of src/clusternet with `ast`.

Floors, lowest first (docs/ARCHITECTURE.md): the ground floor of contracts (io, config,
errors, provenance, results, artefacts, estimators, plotting), data, the analysis domains
(indices, network, spatial, models), hypotheses, report; the CLI (clusternet/cli/ and every
domain's cli.py) sits on top. A module may import modules of its own floor or lower ones,
never a higher one; no module imports a private (underscore) name from another module; the
import graph between modules has no cycle.
"""
from __future__ import annotations

import ast
import importlib
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "clusternet"

GROUND = 0
FLOORS = {"data": 1, "indices": 2, "network": 2, "spatial": 2, "models": 2, "efficiency": 2, "modes": 2, "simulate": 2,
          "hypotheses": 3, "report": 4,
          "replication": 4,
          "workflow": GROUND}  # issue 14: the stage table reads source files with ast, imports no stage  # replication reads the report's files, never imports it
CLI = 5
FLOOR_NAMES = {0: "ground floor", 1: "data", 2: "analysis domains", 3: "hypotheses", 4: "report", 5: "cli"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def floor_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2:
        return GROUND  # clusternet/__init__.py
    if parts[1] == "cli" or parts[-1] == "cli":
        return CLI
    return FLOORS.get(parts[1], GROUND)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


MODULES = modules()


def resolve(name: str) -> str:
    """The module an imported dotted name refers to (``clusternet.data.geo`` for
    ``from clusternet.data import geo``; the package for a name defined in it)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def imports(path: Path, source: str | None = None):
    """(imported module, imported name or None, line) for every clusternet import of a file,
    at any depth (imports inside functions count)."""
    text = path.read_text(encoding="utf-8") if source is None else source
    tree = ast.parse(text, filename=str(path))
    this = module_name(path)
    package = this if path.name == "__init__.py" else this.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "clusternet":
                    yield resolve(alias.name), None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != "clusternet":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in MODULES:  # a submodule
                    yield full, None, node.lineno
                else:
                    yield resolve(base), alias.name, node.lineno


def graph() -> dict[str, set[str]]:
    return {m: {target for target, _, _ in imports(p) if target != m} for m, p in MODULES.items()}


def test_the_floors_are_known():
    """Every top-level package has a floor (a new package must be placed in FLOORS)."""
    packages = {m.split(".")[1] for m in MODULES if m.count(".") >= 1 and (SRC / m.split(".")[1]).is_dir()}
    assert packages - {"cli", "schemas"} <= set(FLOORS), sorted(packages - {"cli", "schemas"} - set(FLOORS))


def upward_imports(path: Path, source: str | None = None) -> list[str]:
    module = module_name(path)
    return [f"{path.relative_to(SRC.parent)}:{line}: {module} ({FLOOR_NAMES[floor_of(module)]}) "
            f"imports {target} ({FLOOR_NAMES[floor_of(target)]})"
            for target, _, line in imports(path, source) if floor_of(target) > floor_of(module)]


def private_imports(path: Path, source: str | None = None) -> list[str]:
    wrong = []
    for target, name, line in imports(path, source):
        private_module = any(part.startswith("_") and not part.startswith("__") for part in target.split("."))
        private_name = bool(name) and name.startswith("_") and not name.startswith("__")
        if private_name or private_module:
            wrong.append(f"{path.relative_to(SRC.parent)}:{line}: imports {target}.{name or ''}")
    return wrong


def test_no_module_imports_a_higher_floor():
    wrong = [w for path in MODULES.values() for w in upward_imports(path)]
    assert not wrong, "\n".join(wrong)


def test_no_private_name_is_imported_across_files():
    wrong = [w for path in MODULES.values() for w in private_imports(path)]
    assert not wrong, "\n".join(wrong)


def test_the_import_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    # a package importing its own submodules (``from clusternet.report import extras``
    # in report/build.py resolves to the submodule, not the package) is not a cycle
    assert not cycles, "\n".join(cycles)


def test_the_checks_see_a_violation():
    """The checks can fail: a data module importing the report, a model importing a private
    name, and a lower-floor import (allowed) in a synthetic source."""
    probe = SRC / "data" / "analysis.py"
    source = ("from clusternet.report.build import build_report\n"
              "def f():\n    from clusternet.models.linear import _hidden\n"
              "from clusternet.io import write_json\n")
    assert upward_imports(probe, source) == [
        "clusternet/data/analysis.py:1: clusternet.data.analysis (data) imports clusternet.report.build (report)",
        "clusternet/data/analysis.py:3: clusternet.data.analysis (data) imports clusternet.models.linear "
        "(analysis domains)"]
    assert private_imports(probe, source) == ["clusternet/data/analysis.py:3: imports clusternet.models.linear._hidden"]


def test_the_estimator_table_is_explicit_and_has_no_import_side_effects():
    """Importing the table imports no estimator; every row names an existing fit function."""
    code = ("import sys, clusternet.estimators as e; "
            "loaded = [m for m in sys.modules if m.startswith(('clusternet.models', 'clusternet.spatial'))]; "
            "print(loaded)")
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
    from clusternet import estimators

    for name, row in estimators.ESTIMATORS.items():
        assert row.name == name
        assert callable(row.load()), name
    with pytest.raises(TypeError):
        estimators.ESTIMATORS["new"] = estimators.ESTIMATORS["fe"]  # type: ignore[index]


def test_the_cli_lists_every_domain_cli():
    """Every <domain>/cli.py is listed in clusternet.cli.app (no loading by name)."""
    main = importlib.import_module("clusternet.cli.app")
    listed = {m.__name__ for m in main.DOMAIN_CLIS}
    present = {m for m in MODULES if m.endswith(".cli") and m != "clusternet.cli"}
    assert listed == present
