"""The extended spatial models (random effects, SAC) through the spatial stage and `clusternet fit`:
result documents validate, carry the effects layout the report reads, and the two paths agree."""
from __future__ import annotations

import pytest
import yaml

from clusternet.config import load_config
from clusternet.errors import ConfigError
from clusternet.io import read_json
from clusternet.spatial.stages import run_spatial_models, run_weights

from test_stages import project, synthetic_panel  # noqa: F401  (the fixture)


def test_extended_models_in_the_stage_and_the_fit_cli(project, tmp_path):  # noqa: F811
    from clusternet.cli.app import main
    from clusternet.report.extras import spatial_effects

    path = project / "config" / "spatial.yaml"
    section = yaml.safe_load(path.read_text())
    section["models"]["specifications"] = [
        {"name": "sar_re", "model": "sar_re", "y": "y", "x": ["x1", "x2"], "effects": ["entity"]},
        {"name": "sem_re", "model": "sem_re", "y": "y", "x": ["x1", "x2"], "effects": ["entity"],
         "options": {"hausman": False, "effects_draws": 50}},
        {"name": "sac", "model": "sac", "y": "y", "x": ["x1", "x2"],
         "options": {"effects_inference": "delta_method", "effects_draws": 50}},
    ]
    path.write_text(yaml.safe_dump(section))
    config = load_config(project / "config" / "config.yaml")
    run_weights(config)
    run_spatial_models(config)
    docs = {n: read_json(project / "results" / "spatial" / "models" / f"{n}.json") for n in ("sar_re", "sem_re", "sac")}
    assert docs["sar_re"]["model"] == "spatial.sar_re"
    assert [t["name"] for t in docs["sar_re"]["tests"]] == ["hausman_fe_vs_re"]
    assert docs["sem_re"]["tests"] == []
    assert docs["sac"]["fit"]["rho"] is not None and docs["sac"]["fit"]["lambda"] is not None
    for doc in docs.values():
        eff = spatial_effects(doc)  # what the report's spatial-effects table reads
        assert set(eff) == {"x1", "x2"} and set(eff["x1"]) == {"direct", "indirect", "total"}
    row = docs["sac"]["extra"]["spatial"]["effects"]["variables"]["x1"]["direct"]
    assert "simulation" in row and row["std_error"] != row["simulation"]["std_error"]
    assert "delta_method" in docs["sar_re"]["extra"]["spatial"]["effects"]["variables"]["x1"]["direct"]

    data_file = project / "data" / "processed" / "panel.parquet"
    argv = ["fit", "--data", str(data_file), "--model", "sar_re", "--y", "y", "--x", "x1", "x2",
            "--weights", str(project / "data" / "interim" / "weights" / "queen.npz"), "--effects", "entity",
            "--option", "effects_draws=50",
            "--name", "sar_re", "--out", str(tmp_path / "fit.json"), "--config", str(project / "config" / "config.yaml")]
    assert main(argv) == 0
    fit_doc = read_json(tmp_path / "fit.json")
    stage = dict(docs["sar_re"])
    for doc in (stage, fit_doc):
        doc.pop("provenance")
        doc.pop("spec")
    assert fit_doc == stage


def test_random_effects_with_time_effects_is_a_config_error():
    from clusternet import estimators
    from clusternet.spatial.weights import build_weights

    W = build_weights("q", {"type": "queen", "islands": {"rule": "nearest"}})
    spec = {"name": "t", "model": "sar_re", "y": "y", "x": ["x1"], "effects": ["entity", "time"], "seed": 1}
    with pytest.raises(ConfigError, match=r"effects: \[entity\]"):
        estimators.get("sar_re")(synthetic_panel(), spec, weights=W)
