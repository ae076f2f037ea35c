"""The spatial stages end to end on a small temporary project, the registry entry point,
determinism and bad input."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from clusternet.config import load_config
from clusternet.data import regions
from clusternet.errors import ClusternetError, ConfigError, DataError
from clusternet import estimators
from clusternet.results import validate_result
from clusternet.spatial.stages import run_explore, run_spatial_models, run_weights
from clusternet.spatial.weights import build_weights

ROOT = Path(__file__).resolve().parents[2]
CODES = regions.codes()


def synthetic_panel(seed=0) -> pd.DataFrame:
    """31 provinces x 5 years; y depends on x with a spatial lag on queen weights (rho 0.4)."""
    rng = np.random.default_rng(seed)
    W = build_weights("q", {"type": "queen", "islands": {"rule": "nearest"}}).dense()
    rows = []
    alpha = rng.normal(size=31)
    for year in range(2018, 2023):
        x1, x2 = rng.normal(size=31), rng.normal(size=31)
        y = np.linalg.solve(np.eye(31) - 0.4 * W, 1.0 * x1 - 0.5 * x2 + alpha + 0.5 * rng.normal(size=31))
        rows.append(pd.DataFrame({"region_code": CODES, "year": year, "y": y, "x1": x1, "x2": x2,
                                  "gdp": np.exp(rng.normal(size=31))}))
    return pd.concat(rows, ignore_index=True)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "config").mkdir()
    shutil.copytree(ROOT / "config" / "schemas", tmp_path / "config" / "schemas")
    main = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    main["paths"] = {k: str(tmp_path / v) for k, v in main["paths"].items()}
    main["sections"] = {"spatial": "spatial.yaml", "models": "models.yaml"}
    (tmp_path / "config" / "config.yaml").write_text(yaml.safe_dump(main))
    (tmp_path / "config" / "models.yaml").write_text(yaml.safe_dump(
        {"merge_tables": [], "defaults": {}, "specifications": []}))
    spatial = {
        "weights": {"queen": {"type": "queen", "islands": {"rule": "nearest", "k": 1}},
                    "econ": {"type": "economic", "variable": "gdp"}},
        "explore": {"weights": "queen", "variables": ["y"], "permutations": 19, "map_years": [2022]},
        "models": {"defaults": {"weights": "queen", "options": {"effects_draws": 50}},
                   "specifications": [{"name": "sdm", "model": "sdm", "y": "y", "x": ["x1", "x2"]},
                                      {"name": "sem_ind", "model": "sem", "y": "y", "x": ["x1"], "controls": ["x2"],
                                       "effects": ["entity"], "options": {"lee_yu": False, "effects_draws": 50}}]},
    }
    (tmp_path / "config" / "spatial.yaml").write_text(yaml.safe_dump(spatial))
    processed = tmp_path / "data" / "processed"
    processed.mkdir(parents=True)
    synthetic_panel().to_parquet(processed / "panel.parquet")
    return tmp_path


def test_stages_end_to_end_and_deterministic(project):
    config = load_config(project / "config" / "config.yaml")
    run_weights(config)
    assert sorted(p.name for p in (project / "data" / "interim" / "weights").iterdir()) == [
        "econ.json", "econ.npz", "queen.json", "queen.npz"]
    paths = run_spatial_models(config)
    first = {p.name: p.read_bytes() for p in paths}
    run_spatial_models(config)
    assert {p.name: p.read_bytes() for p in paths} == first  # byte-identical rerun
    import json

    doc = json.loads(first["sdm.json"])
    validate_result(doc)
    assert doc["model"] == "spatial.sdm"
    names = {t["name"] for t in doc["tests"]}
    assert {"lm_lag", "robust_lm_error", "wald_sdm_vs_sar", "lr_sdm_vs_sar", "lr_sdm_vs_sem"} <= names
    assert set(doc["extra"]["spatial"]["effects"]["variables"]) == {"x1", "x2"}
    rho = next(r for r in doc["coefficients"] if r["name"] == "rho")
    assert abs(rho["estimate"] - 0.4) < 4 * rho["std_error"]
    run_explore(config)
    table = pd.read_csv(project / "results" / "spatial" / "moran.csv")
    assert len(table) == 5 and set(table["variable"]) == {"y"}
    figs = sorted(p.name for p in (project / "results" / "spatial" / "figures").iterdir())
    assert figs == ["lisa_y_2022.pdf", "lisa_y_2022.png", "lisa_y_2022.zh.png", "moran_scatter_y_2022.pdf",
                    "moran_scatter_y_2022.png", "moran_scatter_y_2022.zh.png"]
    # issue 13: the Chinese report's copies are named in the artefact list
    arte = json.loads((project / "results" / "spatial" / "artefacts.json").read_text(encoding="utf-8"))
    zh = [i["path_zh"] for i in arte["items"] if i["kind"] == "figure"]
    assert [Path(p).name for p in zh] == ["moran_scatter_y_2022.zh.png", "lisa_y_2022.zh.png"]


def test_registry_fit_with_weights_file(project):
    config = load_config(project / "config" / "config.yaml")
    run_weights(config)
    data = synthetic_panel()
    fit = estimators.get("sar")
    spec = {"name": "t", "model": "sar", "y": "y", "x": ["x1", "x2"], "effects": ["entity"],
            "weights": str(project / "data" / "interim" / "weights" / "queen.npz"),
            "options": {"effects_draws": 20}}
    with pytest.raises(ConfigError, match="needs a seed"):  # no silent seed 0
        fit(data, spec)
    doc = fit(data, dict(spec, seed=3))
    doc["provenance"] = {"code_version": "test", "inputs": {}}
    validate_result(doc)
    assert doc["effects"] == {"entity": True, "time": False}


def test_unbalanced_panel_names_region_and_year(project):
    config = load_config(project / "config" / "config.yaml")
    run_weights(config)
    data = synthetic_panel()
    data = data[~((data.region_code == 650000) & (data.year == 2020))]
    with pytest.raises(DataError, match=r"unbalanced.*2020: regions \[650000\]"):
        estimators.get("sdm")(data, {"name": "t", "y": "y", "x": ["x1"],
                                   "weights": str(project / "data" / "interim" / "weights" / "queen.npz")})


def test_weights_not_matching_data_regions(project):
    config = load_config(project / "config" / "config.yaml")
    run_weights(config)
    data = synthetic_panel()
    data = data[data.region_code != 110000]
    with pytest.raises(DataError, match=r"not in the data: 110000 \(Beijing\)"):
        estimators.get("sar")(data, {"name": "t", "y": "y", "x": ["x1"],
                                   "weights": str(project / "data" / "interim" / "weights" / "queen.npz")})


def test_unknown_config_key_is_an_error(project):
    path = project / "config" / "spatial.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["weights"]["queen"]["neighbours"] = 3
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(ClusternetError, match=r"spatial\.yaml.*weights\.queen.*unknown key\(s\): 'neighbours'"):
        run_weights(load_config(project / "config" / "config.yaml"))


def test_failed_run_leaves_previous_weights(project):
    config = load_config(project / "config" / "config.yaml")
    run_weights(config)
    before = (project / "data" / "interim" / "weights" / "queen.npz").read_bytes()
    path = project / "config" / "spatial.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["weights"]["queen"]["islands"] = {"rule": "error"}
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(DataError, match=r"weights 'queen': regions 460000 \(Hainan\) have no neighbour"):
        run_weights(load_config(project / "config" / "config.yaml"))
    assert (project / "data" / "interim" / "weights" / "queen.npz").read_bytes() == before


def test_cli_reports_island_error_with_exit_code_2(project, capsys):
    from clusternet.cli.app import main

    path = project / "config" / "spatial.yaml"
    spec = yaml.safe_load(path.read_text())
    del spec["weights"]["queen"]["islands"]
    path.write_text(yaml.safe_dump(spec))
    assert main(["weights", "--config", str(project / "config" / "config.yaml")]) == 2
    err = capsys.readouterr().err
    assert "460000 (Hainan)" in err and "islands: {rule: nearest" in err


@pytest.mark.parametrize("model,effects", [("sdm", None), ("sar", ["entity"]), ("sem", ["time"]), ("sdem", []),
                                           ("slx", ["entity", "time"]), ("sdm", [])])
def test_fit_cli_writes_the_stage_document(project, tmp_path, model, effects):
    """`clusternet fit --model <spatial>` and the spatial stage write the same document for the same
    specification (coefficients, tests including SDM's LR comparisons, effects, fit, extra); only
    provenance (inputs) and the recorded spec differ. Includes pooled models (no effects)."""
    from clusternet.cli.app import main
    from clusternet.io import read_json

    spec = {"name": "s", "model": model, "y": "y", "x": ["x1"], "controls": ["x2"]}
    if effects is not None:
        spec["effects"] = effects
    path = project / "config" / "spatial.yaml"
    section = yaml.safe_load(path.read_text())
    section["models"]["specifications"] = [spec]
    path.write_text(yaml.safe_dump(section))
    config = load_config(project / "config" / "config.yaml")
    run_weights(config)
    run_spatial_models(config)
    stage_doc = read_json(project / "results" / "spatial" / "models" / "s.json")
    data_file = project / "data" / "processed" / "panel.parquet"  # what the stage read
    argv = ["fit", "--data", str(data_file), "--model", model, "--y", "y", "--x", "x1", "--controls", "x2",
            "--weights", str(project / "data" / "interim" / "weights" / "queen.npz"), "--option", "effects_draws=50",
            "--name", "s", "--out", str(tmp_path / "fit.json"), "--config", str(project / "config" / "config.yaml")]
    if effects is not None:
        argv += ["--effects", *(effects or ["none"])]
    assert main(argv) == 0
    fit_doc = read_json(tmp_path / "fit.json")
    for doc in (stage_doc, fit_doc):
        doc.pop("provenance")
        doc.pop("spec")
    assert fit_doc == stage_doc
    assert stage_doc["effects"] == {"entity": "entity" in (effects if effects is not None else ["entity"]),
                                    "time": "time" in (effects if effects is not None else ["time"])}
    if model == "sdm":
        assert {"lr_sdm_vs_sar", "lr_sdm_vs_sem"} <= {t["name"] for t in fit_doc["tests"]}


def test_fit_cli_effects_without_values_is_an_error(tmp_path, capsys):
    from clusternet.cli.app import main

    data_file = tmp_path / "panel.csv"
    synthetic_panel().to_csv(data_file, index=False)
    argv = ["fit", "--data", str(data_file), "--model", "sar", "--y", "y", "--x", "x1", "--out",
            str(tmp_path / "o.json"), "--config", str(tmp_path / "none.yaml"), "--effects"]
    assert main(argv) == 2
    assert "--effects: give entity and/or time, or `none`" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()
