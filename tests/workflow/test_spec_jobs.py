"""The per-specification jobs of the models stage (issue 14), without Snakemake: `clusternet models
--spec NAME` for every specification, then `--index`, give the bytes of the single `clusternet models`
run; `--spec` writes its own document only; the gather removes documents of specifications no longer
configured and refuses when a document is missing. Also the stage-table helpers they rely on."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
import yaml

from clusternet.cli.app import main
from clusternet.config import load_config
from clusternet.workflow.stages import STAGES, expand, output_path, specification_params

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("fit_cli_cases", ROOT / "tests" / "models" / "test_fit_cli.py")
assert _spec and _spec.loader
fit_cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fit_cli)  # the small synthetic project of the models CLI tests


def _docs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_per_specification_jobs_give_the_bytes_of_the_whole_stage(tmp_path, capsys):
    config = fit_cli._project(tmp_path, fit_cli.SPECS)
    out = tmp_path / "results" / "models"
    assert main(["models", "--config", str(config)]) == 0
    whole = _docs(out)
    shutil.rmtree(out)
    assert main(["models", "--config", str(config), "--spec", "late_dk"]) == 0
    assert _docs(out) == {"late_dk.json": whole["late_dk.json"]}  # its document only, no index
    assert main(["models", "--config", str(config), "--index"]) == 2  # base.json missing
    assert "base.json" in capsys.readouterr().err
    assert main(["models", "--config", str(config), "--spec", "base"]) == 0
    assert main(["models", "--config", str(config), "--index"]) == 0
    assert _docs(out) == whole
    # a specification removed from models.yaml: the gather drops its document with the index entry
    models = yaml.safe_load((config.parent / "models.yaml").read_text())
    models["specifications"] = models["specifications"][:1]
    (config.parent / "models.yaml").write_text(yaml.safe_dump(models, sort_keys=False))
    assert main(["models", "--config", str(config), "--index"]) == 0
    assert sorted(_docs(out)) == ["base.json", "index.json"]
    assert main(["models", "--config", str(config), "--spec", "late_dk"]) == 2
    assert "'late_dk'" in capsys.readouterr().err


def test_specification_params_change_only_for_the_edited_specification(tmp_path):
    config_path = fit_cli._project(tmp_path, fit_cli.SPECS)
    before = specification_params(load_config(config_path), "models")
    models = yaml.safe_load((config_path.parent / "models.yaml").read_text())
    models["specifications"][0]["controls"] = []
    (config_path.parent / "models.yaml").write_text(yaml.safe_dump(models, sort_keys=False))
    after = specification_params(load_config(config_path), "models")
    assert sorted(before) == ["base", "late_dk"]
    assert before["late_dk"] == after["late_dk"] and before["base"] != after["base"]
    models["defaults"]["ci_level"] = 0.95  # a shared key: every specification's hash
    (config_path.parent / "models.yaml").write_text(yaml.safe_dump(models, sort_keys=False))
    shared = specification_params(load_config(config_path), "models")
    assert shared["late_dk"] != after["late_dk"] and shared["base"] != after["base"]
    # the spatial stages hash only merge_tables
    assert set(specification_params(load_config(config_path), "spatial_models")) == {"models"}


def test_output_path_and_expand():
    assert output_path("models", "results/models/{spec}.json", spec="a") == Path("results/models/a.json")
    assert output_path("models", "results/models/{spec}.json", root="/x/res", spec="a") == Path("/x/res/models/a.json")
    with pytest.raises(KeyError, match="models_index"):
        output_path("models_index", "results/models/other.json")
    assert expand(["p", "results/models/{spec}.json"], ["a", "b"]) == ["p", "results/models/a.json",
                                                                        "results/models/b.json"]
    assert expand(["results/models/{spec}.json"]) == ["results/models/{spec}.json"]
    assert "models" not in STAGES["models"].file_sections and "models" in STAGES["models_index"].file_sections
