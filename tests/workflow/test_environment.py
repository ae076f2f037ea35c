"""pyproject.toml (pip) and environment.yml (conda) declare the same dependencies."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _norm(req: str) -> str:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req).groups()
    return re.sub(r"[-_.]+", "-", name).lower() + spec.replace(" ", "")


def test_pyproject_and_environment_agree():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = set(map(_norm, pyproject["dependencies"]))
    for extra in pyproject.get("optional-dependencies", {}).values():
        declared |= set(map(_norm, extra))
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    conda = {_norm(p) for p in pip if not p.startswith("-e")}
    assert declared == conda, f"only in pyproject: {sorted(declared - conda)}; only in environment.yml: {sorted(conda - declared)}"


def test_lock_pins_every_dependency():
    lock = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, version = line.split("==")
            lock[re.sub(r"[-_.]+", "-", name).lower()] = version
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(pyproject["dependencies"]) + [r for e in pyproject["optional-dependencies"].values() for r in e]
    missing = [r for r in reqs if _norm(r).split(">")[0].split("=")[0].split("<")[0] not in lock]
    assert not missing, f"requirements.lock lacks {missing}: regenerate it with `make lock`"
