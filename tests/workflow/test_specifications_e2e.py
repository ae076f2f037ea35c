"""One job per specification (issue 14). On the small run (`snakemake_test_run`):

- after editing one specification of models.yaml, `snakemake -n` lists exactly that specification's
  `models` job, the index (`models_index`), the hypotheses and the report (and the stages that read
  the whole models.yaml, see below); running the models part
  rewrites that document and the index only, every other result document keeps its bytes, and the
  rewritten document is the one `clusternet models --only NAME` writes (the same fit as the whole stage);
- provenance hashes the specification's own resolved dict, not the whole models.yaml.

The fixture's files (config, results, Snakemake's metadata) are restored afterwards, so the other
e2e tests still find a finished run."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from clusternet.workflow.stages import STAGES
from workflow_e2e import BIN, _hashes

pytestmark = pytest.mark.e2e


def _snakemake(work, env, *args):
    proc = subprocess.run([str(BIN / "snakemake"), "--cores", "2", *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc.stdout + proc.stderr


def _listed(dry_run: str) -> dict[str, list[str]]:
    """{rule: [wildcards of each job]} of a dry run's job listing."""
    jobs: dict[str, list[str]] = {}
    for block in re.split(r"\n(?=\[[^\n]*\]\n(?:local)?rule )", dry_run):
        m = re.search(r"^(?:local)?rule (\w+):\n((?:    .*\n?)*)", block, flags=re.M)
        if m:
            wildcards = re.search(r"^    wildcards: (.*)$", m.group(2), flags=re.M)
            jobs.setdefault(m.group(1), []).append(wildcards.group(1) if wildcards else "")
    return jobs


def test_editing_one_specification_reruns_only_its_job(snakemake_test_run, tmp_path):
    work, env = snakemake_test_run
    models_yaml = work / "config" / "models.yaml"
    results, metadata = work / "results", work / ".snakemake" / "metadata"
    backup = tmp_path / "backup"
    shutil.copy2(models_yaml, tmp_path / "models.yaml")
    shutil.copytree(results / "models", backup / "models")
    shutil.copytree(metadata, backup / "metadata")
    before = _hashes(work)
    try:
        spec = yaml.safe_load(models_yaml.read_text(encoding="utf-8"))
        names = [s["name"] for s in spec["specifications"]]
        assert len(names) > 2
        target = names[1]
        spec["specifications"][1]["label"] = "edited label"
        models_yaml.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")

        listed = _listed(_snakemake(work, env, "-n"))
        assert listed.pop("models") == [f"spec={target}"], listed
        # no other stage reads the whole models.yaml: the spatial stages and modes read only its
        # merge_tables (a params hash, and only that key in their provenance)
        readers = {n for n, s in STAGES.items() if s.in_all and "models" in s.file_sections and not s.jobs_from}
        assert readers - {"models_index"} == set(), readers
        assert set(listed) == {"models_index", "hypotheses", "report", "all"} | readers, sorted(listed)

        _snakemake(work, env, "results/models/index.json")
        after = _hashes(work)
        assert set(after) == set(before)
        changed = sorted(k for k in after if after[k] != before[k])
        assert changed == sorted([f"results/models/{target}.json", "results/models/index.json"]), changed
        old = json.loads((backup / "models" / f"{target}.json").read_text(encoding="utf-8"))
        new = json.loads((results / "models" / f"{target}.json").read_text(encoding="utf-8"))
        assert new["label"] == "edited label"
        assert old["provenance"]["specification_sha256"] != new["provenance"]["specification_sha256"]
        assert old["provenance"]["config_sha256"] == new["provenance"]["config_sha256"]  # the global config

        # the per-specification job writes the bytes of the whole-stage command (`--only` path)
        job_doc, job_index = ((results / "models" / n).read_bytes() for n in (f"{target}.json", "index.json"))
        proc = subprocess.run([str(BIN / "clusternet"), "models", "--only", target], cwd=work, env=env,
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert (results / "models" / f"{target}.json").read_bytes() == job_doc
        assert (results / "models" / "index.json").read_bytes() == job_index

        # an unknown name is a config error naming the closest specification
        bad = subprocess.run([str(BIN / "clusternet"), "models", "--spec", target + "x"], cwd=work, env=env,
                             capture_output=True, text=True, timeout=900)
        assert bad.returncode == 2 and target in bad.stderr and "models.yaml" in bad.stderr
    finally:
        shutil.copy2(tmp_path / "models.yaml", models_yaml)
        shutil.rmtree(results / "models")
        shutil.copytree(backup / "models", results / "models")
        shutil.rmtree(metadata)
        shutil.copytree(backup / "metadata", metadata)
    assert "Nothing to be done" in _snakemake(work, env, "-n")
