"""The whole pipeline on the real upstream files (the mirror), end to end.

Runs Snakemake in one copy of the workflow and `dvc repro` in another, then checks
that (1) every final output exists, (2) a second Snakemake run has nothing to do,
(3) (test_dvc_e2e.py) the DVC run reproduces Snakemake's outputs byte for byte (which is also the
determinism check: two independent runs, same bytes). (3) runs on the small test configuration
(config/test/, issue 14) against the suite's small Snakemake run.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from workflow_e2e import _run  # noqa: E402  (shared with test_package_e2e.py)

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.e2e


# The Snakemake run itself is the session fixture `snakemake_run` of tests/conftest.py,
# shared with the replication-package test so that the suite runs the pipeline once for both.


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
    from clusternet.hypotheses.registry import VERDICTS

    assert {h["verdict"] for h in verdicts["hypotheses"]} <= set(VERDICTS)
    # research design v2: the registry has a class C entry, which is never "not supported"
    assert {h["verdict"] for h in verdicts["hypotheses"] if h.get("class") == "C"} <= {"not_testable"}


def test_second_run_does_nothing(snakemake_run):
    work, env = snakemake_run
    proc = _run([str(BIN / "snakemake"), "-n", "--cores", "2"], work, env)
    assert "Nothing to be done" in proc.stdout + proc.stderr, proc.stdout[-3000:]


# The DVC run (on the small test configuration) and its checks: tests/workflow/test_dvc_e2e.py.
