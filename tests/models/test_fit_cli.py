"""`clusternet fit` and `clusternet models`: one code path through the registry, result
documents valid and byte-identical across runs, clear errors with exit code 2."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from clusternet.cli.app import main
from clusternet.results import read_result

ROOT = Path(__file__).resolve().parents[2]
GRUNFELD = ROOT / "tests" / "reference" / "fixtures" / "panel_linear_data_grunfeld.csv"
PLM = json.loads((ROOT / "tests" / "reference" / "fixtures" / "panel_linear.json").read_text())
REF = PLM["cases"]


def run_fit(tmp_path, *extra, out="r.json"):
    args = ["fit", "--data", str(GRUNFELD), "--entity", "firm", "--y", "inv", "--x", "value", "capital",
            "--out", str(tmp_path / out), "--config", str(tmp_path / "no-config.yaml"), *extra]
    return main(args)


def test_fit_twfe_matches_reference_and_is_deterministic(tmp_path):
    extra = ["--model", "twfe", "--cov", "cluster", "--small-sample", "none", "--min-clusters", "5"]
    assert run_fit(tmp_path, *extra, out="a.json") == 0
    assert run_fit(tmp_path, *extra, out="a2.json") == 0
    doc = read_result(tmp_path / "a.json")
    ref = REF["grunfeld_twfe"]
    assert doc["model"] == "panel.twfe" and doc["nobs"] == 200 and doc["n_entities"] == 10
    est = [r["estimate"] for r in doc["coefficients"]]
    assert np.allclose(est, ref["coefficients"], rtol=1e-9)
    assert np.allclose(doc["vcov"]["matrix"], ref["vcov"]["cluster_entity_hc0"], rtol=1e-8)
    assert doc["covariance"]["n_clusters"] == 10
    assert doc["effects"] == {"entity": True, "time": True}
    # t tests with G - 1 = 9 df under clustering (recorded)
    assert doc["extra"]["t_df"] == 9
    assert (tmp_path / "a.json").read_bytes().replace(b"a.json", b"") == \
        (tmp_path / "a2.json").read_bytes().replace(b"a2.json", b"").replace(b'"a2"', b'"a"')


def test_fit_re_carries_hausman_tests(tmp_path):
    assert run_fit(tmp_path, "--model", "re", "--cov", "cluster", "--min-clusters", "5") == 0
    doc = read_result(tmp_path / "r.json")
    names = [t["name"] for t in doc["tests"]]
    assert names == ["hausman", "hausman_auxiliary", "mundlak"]
    assert abs(doc["tests"][0]["statistic"] - PLM["hausman"]["grunfeld"]["classic"]["statistic"]) < 1e-6  # plm phtest


def test_fit_parquet_and_options(tmp_path):
    pq = tmp_path / "g.parquet"
    pd.read_csv(GRUNFELD).to_parquet(pq)
    out = tmp_path / "fd.json"
    assert main(["fit", "--data", str(pq), "--entity", "firm", "--y", "inv", "--x", "value", "capital",
                 "--model", "fd", "--cov", "unadjusted", "--option", "intercept=false", "--out", str(out),
                 "--config", str(tmp_path / "none.yaml")]) == 0
    doc = read_result(out)
    assert [r["name"] for r in doc["coefficients"]] == ["value", "capital"]
    assert doc["spec"]["options"] == {"intercept": False}


@pytest.mark.parametrize("extra, message", [
    (["--model", "twfe", "--cov", "cluster", "--min-clusters", "11"], "only 10 clusters"),
    (["--model", "within"], "unknown model 'within'"),
    (["--model", "twfe", "--option", "missing"], "expected key=value"),
    (["--model", "twfe", "--option", "nonsense=1"], "unknown option"),
])
def test_fit_errors_exit_2_with_message(tmp_path, capsys, extra, message):
    assert run_fit(tmp_path, *extra) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def _project(tmp_path: Path, specs: list[dict], merge_tables=("indices",)) -> Path:
    cfg_dir = tmp_path / "config"
    (cfg_dir / "schemas").mkdir(parents=True)
    for name in ("config.schema.yaml", "models.schema.yaml"):
        shutil.copy(ROOT / "config" / "schemas" / name, cfg_dir / "schemas" / name)
    main_cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    main_cfg["paths"] = {k: str(tmp_path / v) for k, v in main_cfg["paths"].items()}
    main_cfg["sections"] = {"models": "models.yaml"}
    (cfg_dir / "config.yaml").write_text(yaml.safe_dump(main_cfg))
    models = {"merge_tables": list(merge_tables),
              "defaults": {"entity": "region_code", "time": "year", "ci_level": 0.9,
                           "cov": {"type": "cluster", "small_sample": "sss", "min_clusters": 10}},
              "specifications": specs}
    (cfg_dir / "models.yaml").write_text(yaml.safe_dump(models, sort_keys=False))
    rng = np.random.default_rng(0)
    codes = [110000 + 10000 * i for i in range(20)]
    panel = pd.DataFrame([(c, y) for c in codes for y in range(2011, 2023)], columns=["region_code", "year"])
    panel["group"] = np.where(panel["region_code"] < 200000, "East", "West")
    panel["x"] = rng.normal(size=len(panel))
    panel["y"] = 0.5 * panel["x"] + rng.normal(size=len(panel))
    processed = tmp_path / "data" / "processed"
    processed.mkdir(parents=True)
    panel.to_parquet(processed / "panel.parquet")
    idx = panel[["region_code", "year"]].copy()
    idx["digital_index"] = rng.normal(size=len(idx))
    idx.to_parquet(processed / "indices.parquet")
    return cfg_dir / "config.yaml"


SPECS = [
    {"name": "base", "model": "twfe", "y": "y", "x": ["x"], "controls": ["digital_index"]},
    {"name": "late_dk", "model": "fe", "y": "y", "x": "x", "sample": {"years": {"first": 2015}},
     "cov": {"type": "driscoll_kraay", "bandwidth": 2}},
]


def test_models_stage_writes_documents_and_index(tmp_path):
    config = _project(tmp_path, SPECS)
    assert main(["models", "--config", str(config)]) == 0
    out = tmp_path / "results" / "models"
    index = json.loads((out / "index.json").read_text())
    assert [e["name"] for e in index["specifications"]] == ["base", "late_dk"]
    base = read_result(out / "base.json")
    assert base["ci_level"] == 0.9 and base["spec"]["cov"]["type"] == "cluster"
    assert [c["name"] for c in base["coefficients"]] == ["x", "digital_index"]
    assert set(base["provenance"]["inputs"]) == {
        str(tmp_path / p) for p in ("data/processed/panel.parquet", "data/processed/indices.parquet")
    } | {str(config)}  # issue 14: not models.yaml, but the specification's own hash
    assert len(base["provenance"]["specification_sha256"]) == 64
    late = read_result(out / "late_dk.json")
    assert late["nobs"] == 20 * 8 and late["covariance"]["options"]["bandwidth"] == 2
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["models", "--config", str(config)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # byte-identical rerun


def test_models_only_refits_one_specification_and_leaves_the_others_byte_identical(tmp_path, capsys):
    """Issue 14: editing one specification and `clusternet models --only NAME` rewrite that document
    and its index entry; the other documents keep their bytes (provenance hashes each
    specification's own resolved dict, not models.yaml)."""
    config = _project(tmp_path, SPECS)
    assert main(["models", "--config", str(config)]) == 0
    out = tmp_path / "results" / "models"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    models = yaml.safe_load((config.parent / "models.yaml").read_text())
    models["specifications"][0]["controls"] = []  # base: drop its control
    (config.parent / "models.yaml").write_text(yaml.safe_dump(models, sort_keys=False))
    assert main(["models", "--config", str(config), "--only", "base"]) == 0
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(n for n in after if after[n] != before[n]) == ["base.json"]  # index entry unchanged
    assert after["late_dk.json"] == before["late_dk.json"]
    base = json.loads(after["base.json"])
    assert [c["name"] for c in base["coefficients"]] == ["x"]
    assert base["provenance"]["specification_sha256"] != json.loads(before["base.json"])["provenance"][
        "specification_sha256"]
    # the full stage gives the same bytes as --only did
    assert main(["models", "--config", str(config)]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == after
    assert main(["models", "--config", str(config), "--only", "bse"]) == 2
    err = capsys.readouterr().err
    assert "models.yaml" in err and "'bse'" in err and "base" in err


def test_models_stage_failure_leaves_previous_results(tmp_path, capsys):
    config = _project(tmp_path, SPECS)
    assert main(["models", "--config", str(config)]) == 0
    out = tmp_path / "results" / "models"
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = [*SPECS, {"name": "broken", "model": "twfe", "y": "y", "x": ["nope"]}]
    models = yaml.safe_load((config.parent / "models.yaml").read_text())
    models["specifications"] = bad
    (config.parent / "models.yaml").write_text(yaml.safe_dump(models))
    assert main(["models", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "specification 'broken'" in err and "column(s) 'nope' not found" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir()] == ["models"]  # no temporary leftovers


def test_models_config_is_strict(tmp_path, capsys):
    config = _project(tmp_path, [{"name": "a", "model": "twfe", "y": "y", "x": ["x"], "covariance": "cluster"}])
    assert main(["models", "--config", str(config)]) == 2
    assert "covariance" in capsys.readouterr().err
    config = _project(tmp_path / "b", [{"name": "a", "model": "twfe", "y": "y", "x": ["x"],
                                        "options": {"robust": True}}])
    assert main(["models", "--config", str(config)]) == 2
    assert "robust" in capsys.readouterr().err


def test_sample_groups_and_regions(tmp_path, capsys):
    specs = [{"name": "east", "model": "fe", "y": "y", "x": ["x"], "sample": {"groups": ["East"]},
              "cov": {"type": "cluster", "min_clusters": 5}},
             {"name": "two", "model": "pooled", "y": "y", "x": ["x"], "cov": {"type": "robust"},
              "sample": {"regions": [110000, 120000], "years": {"last": 2015}}}]
    config = _project(tmp_path, specs)
    assert main(["models", "--config", str(config)]) == 0
    out = tmp_path / "results" / "models"
    assert read_result(out / "east.json")["n_entities"] == 9  # codes below 200000 are "East" here
    two = read_result(out / "two.json")
    assert two["n_entities"] == 2 and two["nobs"] == 2 * 5
    bad = _project(tmp_path / "bad", [{"name": "b", "model": "fe", "y": "y", "x": ["x"],
                                        "sample": {"regions": [990000]}}])
    assert main(["models", "--config", str(bad)]) == 2
    assert "sample.regions [990000] are not in the data" in capsys.readouterr().err


def test_estimation_error_names_the_specification(tmp_path, capsys):
    config = _project(tmp_path, [{"name": "few", "model": "fe", "y": "y", "x": ["x"],
                                  "sample": {"groups": ["East"]}}])
    assert main(["models", "--config", str(config)]) == 2
    assert "models.yaml: specification 'few': only 9 clusters" in capsys.readouterr().err


def test_configured_table_missing_is_an_error(tmp_path, capsys):
    config = _project(tmp_path, SPECS, merge_tables=("indices", "network_nodes"))
    assert main(["models", "--config", str(config)]) == 2
    assert "network_nodes.parquet does not exist" in capsys.readouterr().err
