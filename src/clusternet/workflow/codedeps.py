"""Code dependencies of a stage, from the import graph of the package (read with ``ast``).

A stage's code is what ``clusternet <sub-command>`` can import: the command's scaffolding (the
package, :mod:`clusternet.cli.app` and what the domain CLIs import at module level) and the import
closure of the stage's entry modules, imports inside functions included (an over-approximation:
every module the stage *may* import; a string ``"clusternet.x.y:function"``, the estimator table's
lazy import by name, and a string naming a module, e.g. for ``importlib.resources``, count as imports
of ``clusternet.x.y``). Each imported module brings its parent packages
(``__init__.py``) and the package's data files (templates, JSON schemas). Paths are relative to the
repository root (``src/clusternet/...``), the form Snakemake inputs and dvc.yaml deps take.

tests/workflow/test_stage_table.py checks the result against the modules a real run of each stage
imported (``CLUSTERNET_IMPORT_TRACE``)."""
from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]          # .../src/clusternet
REPO_PREFIX = Path("src") / PACKAGE_DIR.name                # as written in the DAG
_LAZY = re.compile(rf"^{PACKAGE_DIR.name}(\.[A-Za-z_]\w*)+(:[A-Za-z_]\w*)?$")
SCAFFOLD = ("clusternet", "clusternet.cli", "clusternet.cli.app", "clusternet.cli.common")
# What every stage sub-command runs before its own code (cli.app._start_stage): the config loader
# and the region level of the run (issue 17), with everything they import.
STAGE_START = ("clusternet.config", "clusternet.data.regions")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package: dotted name -> file."""
    return {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py")) if "__pycache__" not in p.parts}


def _resolve(name: str) -> str:
    mods = modules()
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name


def _imports(module: str, top_level_only: bool) -> set[str]:
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    if top_level_only:  # module-level statements, including those under if/try blocks
        flat: list[ast.AST] = []
        stack = list(nodes)
        while stack:
            node = stack.pop()
            flat.append(node)
            if isinstance(node, (ast.If, ast.Try)):
                stack += [*node.body, *node.orelse, *getattr(node, "finalbody", []),
                          *[s for h in getattr(node, "handlers", []) for s in h.body]]
        nodes = flat
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {_resolve(a.name) for a in node.names if a.name.split(".")[0] == PACKAGE_DIR.name}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != PACKAGE_DIR.name:
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in modules() else _resolve(base))
    if not top_level_only:  # imports by name: "module:function" (the estimator table), a package
        for node in ast.walk(tree):  # named for its data files (importlib.resources.files("clusternet.schemas"))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _LAZY.match(node.value):
                name = node.value.split(":")[0]
                if ":" in node.value or name in modules():
                    found.add(_resolve(name))
    found.discard("")
    return found


def _with_parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def closure(roots, top_level_only: bool = False) -> set[str]:
    """Modules reachable from ``roots`` (with their parent packages)."""
    seen: set[str] = set()
    todo = [p for r in roots for p in _with_parents(r)]
    while todo:
        m = todo.pop()
        if m in seen or m not in modules():
            continue
        seen.add(m)
        for target in _imports(m, top_level_only):
            todo += _with_parents(target)
    return seen


def _data_files(package_dir: Path) -> list[Path]:
    """Non-Python files of a package that belong to it (not to a subpackage)."""
    out = []
    for p in sorted(package_dir.rglob("*")):
        if not p.is_file() or p.suffix in (".py", ".pyc") or "__pycache__" in p.parts:
            continue
        owner = p.parent
        while owner != package_dir and not (owner / "__init__.py").exists():
            owner = owner.parent
        if owner == package_dir:
            out.append(p)
    return out


def stage_modules(entry) -> set[str]:
    roots = [e.split(":")[0] for e in entry]
    return closure(SCAFFOLD, top_level_only=True) | closure(STAGE_START) | closure(roots)


def code_dependencies(entry) -> list[str]:
    """Repository-relative files (sorted) of the code a stage with these entry modules runs; the
    data files of the packages the entry modules reach (not of those only the CLI scaffold imports)."""
    files: set[Path] = {modules()[m] for m in stage_modules(entry)}
    for m in closure([e.split(":")[0] for e in entry]):
        path = modules()[m]
        if path.name == "__init__.py":
            files.update(_data_files(path.parent))
    return sorted((REPO_PREFIX / p.relative_to(PACKAGE_DIR)).as_posix() for p in files)
