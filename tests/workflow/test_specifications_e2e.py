"""One specification at a time (issue 14): `clusternet models --only NAME` refits one specification;
provenance hashes the specification's own resolved dict (not the whole models.yaml), so after
editing one specification the other result documents keep their bytes. On the small run
(`snakemake_test_run`); the fixture's files are restored afterwards."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml

from workflow_e2e import BIN

pytestmark = pytest.mark.e2e


def test_editing_one_specification_changes_only_its_document(snakemake_test_run, tmp_path):
    work, env = snakemake_test_run
    models_yaml = work / "config" / "models.yaml"
    results = work / "results" / "models"
    backup_cfg, backup_res = tmp_path / "models.yaml", tmp_path / "models"
    shutil.copy2(models_yaml, backup_cfg)
    shutil.copytree(results, backup_res)
    before = {p.name: p.read_bytes() for p in results.glob("*.json")}
    try:
        spec = yaml.safe_load(models_yaml.read_text(encoding="utf-8"))
        names = [s["name"] for s in spec["specifications"]]
        target = names[0]
        spec["specifications"][0]["label"] = "edited label"
        models_yaml.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        proc = subprocess.run([str(BIN / "clusternet"), "models", "--only", target], cwd=work, env=env,
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        after = {p.name: p.read_bytes() for p in results.glob("*.json")}
        assert set(after) == set(before)
        changed = sorted(n for n in after if after[n] != before[n])
        assert changed == sorted([f"{target}.json", "index.json"]), changed
        old, new = json.loads(before[f"{target}.json"]), json.loads(after[f"{target}.json"])
        assert new["label"] == "edited label"
        assert old["provenance"]["specification_sha256"] != new["provenance"]["specification_sha256"]
        assert old["provenance"]["config_sha256"] == new["provenance"]["config_sha256"]  # the global config
        assert old["estimates"] == new["estimates"] if "estimates" in old else True
        # an unknown name is a config error naming the closest specification
        bad = subprocess.run([str(BIN / "clusternet"), "models", "--only", target + "x"], cwd=work, env=env,
                             capture_output=True, text=True, timeout=900)
        assert bad.returncode == 2 and target in bad.stderr and "models.yaml" in bad.stderr
    finally:
        shutil.copy2(backup_cfg, models_yaml)
        shutil.rmtree(results)
        shutil.copytree(backup_res, results)
