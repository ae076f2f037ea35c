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


def test_elhorst_convention_and_fit_statistics_through_the_registry():
    from clusternet import estimators
    from clusternet.spatial.elhorst import fit_elhorst
    from clusternet.spatial.models import panel_arrays
    from clusternet.spatial.weights import build_weights

    W = build_weights("q", {"type": "queen", "islands": {"rule": "nearest"}})
    data = synthetic_panel()
    spec = {"name": "t", "model": "sdm", "y": "y", "x": ["x1", "x2"], "seed": 1,
            "options": {"convention": "elhorst_bc1", "effects_draws": 20}}
    doc = estimators.get("sdm")(data, spec, weights=W)
    direct, _ = fit_elhorst(panel_arrays(data, "y", ["x1", "x2"], W), "sdm", "twoway", "elhorst_bc1")
    assert [r["estimate"] for r in doc["coefficients"]] == pytest.approx(list(direct.params), abs=1e-12)
    assert doc["fit"]["convention"] == "elhorst_bc1"
    assert 0 < doc["fit"]["r2"] < 1 and 0 < doc["fit"]["corr2"] < 1
    names = {t["name"] for t in doc["tests"]}
    assert {"lr_spatial_fixed_effects", "lr_time_fixed_effects", "lr_sdm_vs_sar"} <= names
    assert "lr_sdm_vs_sem" not in names  # Elhorst's conventions cover the lag models only
    fe = doc["extra"]["spatial"]["fixed_effect_estimates"]
    assert len(fe["spatial"]) == 31 and len(fe["time"]) == 5
    with pytest.raises(ConfigError, match="lag models"):
        estimators.get("sem")(data, dict(spec, model="sem"), weights=W)


def test_dynamic_model_through_the_registry():
    from clusternet import estimators
    from clusternet.report.extras import spatial_effects
    from clusternet.results import validate_result
    from clusternet.spatial.weights import build_weights

    W = build_weights("q", {"type": "queen", "islands": {"rule": "nearest"}})
    spec = {"name": "d", "model": "sdm_dynamic", "y": "y", "x": ["x1", "x2"], "effects": ["entity"], "seed": 1}
    doc = estimators.get("sdm_dynamic")(synthetic_panel(), spec, weights=W)
    doc["provenance"] = {"code_version": "test", "inputs": {}}
    validate_result(doc)
    names = [r["name"] for r in doc["coefficients"]]
    assert names[:2] == ["y_lag", "W*y_lag"] and names[-1] == "rho"
    assert set(spatial_effects(doc)) == {"x1", "x2"}
    assert doc["n_periods"] == 4  # the first period is the initial condition


def test_bias_corrected_dynamic_model_through_the_registry():
    from clusternet import estimators
    from clusternet.results import validate_result
    from clusternet.spatial.weights import build_weights

    W = build_weights("q", {"type": "queen", "islands": {"rule": "nearest"}})
    spec = {"name": "d", "model": "sar_dynamic", "y": "y", "x": ["x1", "x2"], "effects": ["entity", "time"],
            "seed": 1, "options": {"bias_correction": True}}
    doc = estimators.get("sar_dynamic")(synthetic_panel(), spec, weights=W)
    doc["provenance"] = {"code_version": "test", "inputs": {}}
    validate_result(doc)
    assert doc["covariance"]["options"]["bias_correction"] == "yu_de_jong_lee"
    assert any("Yu-de Jong-Lee" in n for n in doc["extra"]["spatial"]["notes"])
    plain = estimators.get("sar_dynamic")(synthetic_panel(), dict(spec, options={}), weights=W)
    assert [r["estimate"] for r in plain["coefficients"]] != [r["estimate"] for r in doc["coefficients"]]


def test_spatial_random_effects_error_models_in_the_stage_and_the_fit_cli(project, tmp_path):  # noqa: F811
    from clusternet.cli.app import main
    from clusternet.report.extras import spatial_effects

    path = project / "config" / "spatial.yaml"
    section = yaml.safe_load(path.read_text())
    section["models"]["specifications"] = [
        {"name": "kkp", "model": "sem_kkp", "y": "y", "x": ["x1", "x2"], "effects": ["entity"],
         "options": {"effects_draws": 50}},
        {"name": "kkp_gm", "model": "sem_kkp_gm", "y": "y", "x": ["x1", "x2"], "effects": ["entity"],
         "options": {"effects_draws": 50}},
        {"name": "dyn_bc", "model": "sar_dynamic", "y": "y", "x": ["x1", "x2"], "effects": ["entity"],
         "options": {"bias_correction": True}},
    ]
    path.write_text(yaml.safe_dump(section))
    config = load_config(project / "config" / "config.yaml")
    run_weights(config)
    run_spatial_models(config)
    docs = {n: read_json(project / "results" / "spatial" / "models" / f"{n}.json") for n in ("kkp", "kkp_gm", "dyn_bc")}
    assert docs["kkp"]["model"] == "spatial.sem_kkp" and docs["kkp_gm"]["model"] == "spatial.sem_kkp_gm"
    assert docs["dyn_bc"]["covariance"]["options"]["bias_correction"] == "yu_de_jong_lee"
    for doc in docs.values():
        eff = spatial_effects(doc)  # what the report's spatial-effects table reads
        assert set(eff) == {"x1", "x2"} and set(eff["x1"]) == {"direct", "indirect", "total"}
    x1 = next(r for r in docs["kkp"]["coefficients"] if r["name"] == "x1")
    assert docs["kkp"]["extra"]["spatial"]["effects"]["variables"]["x1"]["direct"]["estimate"] == \
        pytest.approx(x1["estimate"], rel=1e-12)  # SEM: direct = beta

    data_file = project / "data" / "processed" / "panel.parquet"
    argv = ["fit", "--data", str(data_file), "--model", "sem_kkp", "--y", "y", "--x", "x1", "x2",
            "--weights", str(project / "data" / "interim" / "weights" / "queen.npz"), "--effects", "entity",
            "--option", "effects_draws=50",
            "--name", "kkp", "--out", str(tmp_path / "fit.json"), "--config", str(project / "config" / "config.yaml")]
    assert main(argv) == 0
    fit_doc = read_json(tmp_path / "fit.json")
    stage = dict(docs["kkp"])
    for doc in (stage, fit_doc):
        doc.pop("provenance")
        doc.pop("spec")
    assert fit_doc == stage
