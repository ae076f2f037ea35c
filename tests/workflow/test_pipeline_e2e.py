"""The whole pipeline on the real upstream files (the mirror), end to end.

Runs Snakemake in one copy of the workflow and `dvc repro` in another, then checks
that (1) every final output exists, (2) a second Snakemake run has nothing to do,
(3) the DVC run reproduces Snakemake's outputs byte for byte (which is also the
determinism check: two independent runs, same bytes).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKFLOW_FILES = ("Snakefile", "dvc.yaml", "config", "workflow", "profiles", "environment.yml", "src")
pytestmark = pytest.mark.e2e


def _copy_workflow(dst: Path) -> Path:
    dst.mkdir(parents=True)
    for name in WORKFLOW_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dst / name)
        else:
            shutil.copy2(src, dst / name)
    return dst


def _env(mirror: Path) -> dict:
    env = dict(os.environ)
    env["CLUSTERNET_MIRROR"] = str(mirror)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    return env


def _run(args, cwd, env, timeout=1800):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, args))} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
    return proc


def _hashes(base: Path) -> dict[str, str]:
    out = {}
    for top in ("results", "data/processed"):
        for p in sorted((base / top).rglob("*")):
            # .snakemake_timestamp marks Snakemake's directory outputs; it is not an output.
            if p.is_file() and p.name not in (".gitkeep", ".snakemake_timestamp"):
                out[p.relative_to(base).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def snakemake_run(tmp_path_factory, mirror_dir):
    work = _copy_workflow(tmp_path_factory.mktemp("e2e") / "snakemake")
    env = _env(mirror_dir)
    _run([str(BIN / "snakemake"), "--cores", "2"], work, env)
    return work, env


def test_pipeline_builds_every_final_output(snakemake_run):
    work, _ = snakemake_run
    for rel in ("data/processed/panel.parquet", "data/processed/indices.parquet",
                "data/processed/network_nodes.parquet", "results/data/quality.json",
                "results/hypotheses/verdicts.json", "results/report/index.html",
                "results/manifest.json", "results/metrics.json"):
        assert (work / rel).is_file() and (work / rel).stat().st_size > 0, f"missing {rel}"


def test_every_result_document_validates_and_every_hypothesis_has_a_verdict(snakemake_run):
    from clusternet.config import load_config
    from clusternet.io import read_json
    from clusternet.results import read_result

    work, _ = snakemake_run
    docs = sorted((work / "results/models").glob("*.json")) + sorted((work / "results/spatial/models").glob("*.json"))
    docs = [d for d in docs if d.name != "index.json"]
    assert docs, "no result documents"
    for path in docs:
        read_result(path)
    registry = load_config(work / "config/config.yaml").section("hypotheses")
    verdicts = read_json(work / "results/hypotheses/verdicts.json")
    ids = {h["id"] for h in verdicts["hypotheses"]}
    assert ids == {h["id"] for h in registry["hypotheses"]}
    assert {h["verdict"] for h in verdicts["hypotheses"]} <= {"supported", "not_supported", "contradicted"}


def test_second_run_does_nothing(snakemake_run):
    work, env = snakemake_run
    proc = _run([str(BIN / "snakemake"), "-n", "--cores", "2"], work, env)
    assert "Nothing to be done" in proc.stdout + proc.stderr, proc.stdout[-3000:]


def test_dvc_repro_reproduces_snakemake_outputs(snakemake_run, tmp_path_factory):
    work, env = snakemake_run
    dvc_work = _copy_workflow(tmp_path_factory.mktemp("e2e") / "dvc")
    _run([str(BIN / "dvc"), "init", "--no-scm", "-q"], dvc_work, env)
    _run([str(BIN / "dvc"), "repro", "--quiet"], dvc_work, env)
    a, b = _hashes(work), _hashes(dvc_work)
    assert set(a) == set(b), f"only from Snakemake: {sorted(set(a) - set(b))}; only from DVC: {sorted(set(b) - set(a))}"
    differ = sorted(k for k in a if a[k] != b[k])
    assert not differ, f"outputs differ between the Snakemake and the DVC run: {differ}"
