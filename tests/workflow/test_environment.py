"""pyproject.toml (pip) and environment.yml (conda) declare the same dependencies, the conda files are
pinned to requirements.lock, and their relative paths point at this repository (issue 14)."""
from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
ENV_FILES = ("environment.yml", "workflow/envs/clusternet.yaml")


def _norm(req: str) -> str:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req).groups()
    return re.sub(r"[-_.]+", "-", name).lower() + spec.replace(" ", "")


def _name(req: str) -> str:
    return re.sub(r"[-_.]+", "-", Requirement(req).name).lower()


def _lock() -> dict[str, str]:
    lock = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, version = line.split("==")
            lock[re.sub(r"[-_.]+", "-", name).lower()] = version
    return lock


def _declared() -> dict[str, str]:
    """name -> version specifier of every dependency in pyproject.toml (runtime and extras)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(project["dependencies"]) + [r for extra in project.get("optional-dependencies", {}).values()
                                            for r in extra]
    return {_name(r): str(Requirement(r).specifier) for r in reqs}


def _pip_section(rel: str) -> list[str]:
    env = yaml.safe_load((ROOT / rel).read_text(encoding="utf-8"))
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)


def test_pyproject_and_environment_agree():
    declared = _declared()
    pinned = [p for p in _pip_section("environment.yml") if not p.startswith("-")]
    conda = {_name(p) for p in pinned}
    assert set(declared) == conda, (f"only in pyproject: {sorted(set(declared) - conda)}; "
                                    f"only in environment.yml: {sorted(conda - set(declared))}")


def test_environment_pins_the_locked_versions():
    """Every package of environment.yml is pinned (==) to requirements.lock's version, which satisfies
    pyproject's range; a `>=` left there would let conda users resolve other versions than CI."""
    declared, lock = _declared(), _lock()
    problems = []
    for entry in (p for p in _pip_section("environment.yml") if not p.startswith("-")):
        req = Requirement(entry)
        name = _name(entry)
        pins = [s for s in req.specifier if s.operator == "=="]
        if len(pins) != 1 or len(req.specifier) != 1:
            problems.append(f"{entry}: pin it exactly, {req.name}=={lock.get(name, '<version in requirements.lock>')}")
        elif name in lock and pins[0].version != lock[name]:
            problems.append(f"{entry}: requirements.lock has {lock[name]}")
        elif not SpecifierSet(declared.get(name, "")).contains(pins[0].version, prereleases=True):
            problems.append(f"{entry}: outside pyproject.toml's {declared.get(name)!r}")
    assert not problems, "environment.yml: " + "; ".join(problems)


def test_conda_files_resolve_relative_paths_to_this_repository():
    """conda runs pip in the directory of the environment file as given (a symlink is not followed), so
    `-e PATH` and `-c PATH` must lead from there to the package root and to requirements.lock. The per-rule
    file used to be a symlink to ../../environment.yml, whose `-e .` then installed workflow/envs."""
    for rel in ENV_FILES:
        env_file = ROOT / rel
        assert not env_file.is_symlink(), f"{rel} is a symlink: conda would resolve its relative paths from {env_file.parent}"
        workdir = Path(os.path.abspath(env_file.parent))
        options = [p.split(None, 1) for p in _pip_section(rel) if p.startswith("-")]
        editable = [Path(os.path.normpath(workdir / arg)) for opt, arg in options if opt == "-e"]
        constraints = [Path(os.path.normpath(workdir / arg)) for opt, arg in options if opt == "-c"]
        assert editable == [ROOT], f"{rel}: -e resolves to {editable}, not the package root {ROOT}"
        assert constraints == [ROOT / "requirements.lock"], f"{rel}: -c resolves to {constraints}"


def test_conda_files_pin_one_python_that_the_package_accepts():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pythons = set()
    for rel in ENV_FILES:
        deps = yaml.safe_load((ROOT / rel).read_text(encoding="utf-8"))["dependencies"]
        pins = [d for d in deps if isinstance(d, str) and re.match(r"^python\b", d)]
        assert len(pins) == 1 and re.fullmatch(r"python=\d+\.\d+\.\d+", pins[0]), f"{rel}: {pins}"
        pythons.add(pins[0].split("=")[1])
    assert len(pythons) == 1, f"the conda files pin different Pythons: {sorted(pythons)}"
    assert SpecifierSet(project["requires-python"]).contains(pythons.pop())


def test_lock_pins_every_dependency():
    lock = _lock()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(pyproject["dependencies"]) + [r for e in pyproject["optional-dependencies"].values() for r in e]
    missing = [r for r in reqs if _norm(r).split(">")[0].split("=")[0].split("<")[0] not in lock]
    assert not missing, f"requirements.lock lacks {missing}: regenerate it with `make lock`"
