"""The SLURM profile (profiles/slurm) covers every rule and is accepted by Snakemake (issue 14).

The real run on a one-node SLURM cluster is tests/workflow/test_slurm_e2e.py; these checks need
no scheduler: a rule added or renamed without threads/resources in the profile would be submitted
with Snakemake's defaults (no wall time), and a typo in the profile only shows when Snakemake parses it."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROFILE = ROOT / "profiles" / "slurm" / "config.v8+.yaml"
# Rules without a shell command: Snakemake runs them on the submitting node, never through sbatch.
NOT_SUBMITTED = {"all"}


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory) -> Path:
    dst = tmp_path_factory.mktemp("slurm-profile")
    # src/: the rules list the source files each stage imports as inputs (code-aware reruns)
    for name in ("Snakefile", "config", "workflow", "profiles", "environment.yml", "src"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst / name)
    return dst


def _snakemake(args, cwd):
    proc = subprocess.run([str(BIN / "snakemake"), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


@pytest.fixture(scope="module")
def rules(workflow_copy) -> set[str]:
    out = _snakemake(["--list-rules", "--workflow-profile", "none"], workflow_copy)
    names = {line.strip() for line in out.splitlines() if re.fullmatch(r"\w+", line.strip())}
    assert "models" in names, out[-2000:]
    return names - NOT_SUBMITTED


def test_profile_gives_every_rule_threads_memory_and_time(rules):
    profile = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    assert profile["executor"] == "slurm"
    threads, resources = profile["set-threads"], profile["set-resources"]
    assert set(threads) == rules, (f"set-threads lacks {sorted(rules - set(threads))}, "
                                   f"names no rule: {sorted(set(threads) - rules)}")
    assert set(resources) == rules, (f"set-resources lacks {sorted(rules - set(resources))}, "
                                     f"names no rule: {sorted(set(resources) - rules)}")
    for rule, res in resources.items():
        assert isinstance(res.get("mem_mb"), int) and res["mem_mb"] > 0, rule
        assert isinstance(res.get("runtime"), int) and res["runtime"] > 0, rule
    # One thread per job keeps BLAS sums in the local run's order (byte-identical outputs).
    assert set(threads.values()) == {1}
    # Site settings stay out of the profile so that --default-resources can set them without losing anything.
    assert "default-resources" not in profile


def test_snakemake_accepts_the_profile_and_applies_its_resources(workflow_copy):
    out = _snakemake(["--workflow-profile", "profiles/slurm", "--dry-run", "--forceall", "models_index"], workflow_copy)
    assert "Using workflow specific profile profiles/slurm" in out, out[-3000:]
    # the dry run prints each job's resources; models' come from the profile
    block = out[out.index("rule models:"):]
    resources = next(line for line in block.splitlines() if line.strip().startswith("resources:"))
    expected = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))["set-resources"]["models"]
    assert f"runtime={expected['runtime']}," in resources and f"mem_mb={expected['mem_mb']}," in resources, resources
