"""The `network` and `qap` stages end to end on a synthetic panel and geography:
outputs, determinism, the circularity guard, config validation and CLI errors."""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from clusternet.cli.app import main
from clusternet.config import load_config
from clusternet.data import regions
from clusternet.errors import ConfigError, DataError
from clusternet.io import read_json
from clusternet.network import stages
from clusternet.network.build import validity_table
from clusternet.results import validate_result

ROOT = Path(__file__).resolve().parents[2]
YEARS = (2011, 2013)


def fake_geography(nodes):
    rng = np.random.default_rng(0)
    lon = rng.uniform(85, 125, len(nodes))
    lat = rng.uniform(20, 48, len(nodes))
    rad = np.radians
    a = (np.sin((rad(lat)[:, None] - rad(lat)[None, :]) / 2) ** 2
         + np.cos(rad(lat))[:, None] * np.cos(rad(lat))[None, :] * np.sin((rad(lon)[:, None] - rad(lon)[None, :]) / 2) ** 2)
    dist = 2 * 6371.0088 * np.arcsin(np.sqrt(a))
    contiguity = (dist < 900).astype(float)
    np.fill_diagonal(contiguity, 0)
    return {"great_circle": dist, "contiguity": contiguity, "lonlat": np.column_stack([lon, lat]),
            "area_km2": rng.uniform(1e4, 5e5, len(nodes)), "draw_boundaries": None}


def network_section():
    section = yaml.safe_load((ROOT / "config" / "network.yaml").read_text(encoding="utf-8"))
    section["qap"]["years"] = [2011, 2013]
    section["qap"]["permutations"] = 49
    section["qap"]["calibration"] = {"replications": 6, "permutations": 19, "effects": [0.0, 0.5], "alpha": 0.05}
    section["figures"]["map_years"] = [2011, 2013]
    # two alternatives are enough here (each one costs a full set of metrics)
    section["alternatives"] = [a for a in section["alternatives"] if a["name"] in ("gravity", "flow_threshold")]
    return section


def make_project(tmp_path: Path, section: dict | None = None) -> Path:
    cfg_dir = tmp_path / "config"
    (cfg_dir / "schemas").mkdir(parents=True)
    for name in ("config.schema.yaml", "network.schema.yaml"):
        shutil.copy(ROOT / "config" / "schemas" / name, cfg_dir / "schemas" / name)
    main_cfg = {
        "seed": 123, "years": {"first": YEARS[0], "last": YEARS[1]},
        "paths": {k: str(tmp_path / v) for k, v in
                  {"raw": "data/raw", "interim": "data/interim", "processed": "data/processed",
                   "results": "results"}.items()},
        "acquire": {"mirror": None}, "sections": {"network": "network.yaml"},
    }
    (cfg_dir / "config.yaml").write_text(yaml.safe_dump(main_cfg), encoding="utf-8")
    (cfg_dir / "network.yaml").write_text(yaml.safe_dump(section or network_section()), encoding="utf-8")
    rng = np.random.default_rng(1)
    codes = regions.codes()
    rows = []
    for year in range(YEARS[0], YEARS[1] + 1):
        for c in codes:
            rows.append({"region_code": c, "year": year, "patent_grant": rng.lognormal(9, 1),
                         "rd_exp_real": rng.lognormal(5, 1), "techmkt_buyer_value_real": rng.lognormal(4, 1),
                         "techmkt_seller_value_real": rng.lognormal(4, 1), "rd_intensity": rng.uniform(0.5, 6),
                         "st_spending_share": rng.uniform(0.01, 0.06), "ln_gdp_per_capita": rng.normal(11, 0.4),
                         "gdp_per_capita": rng.lognormal(11, 0.4)})
    processed = tmp_path / "data" / "processed"
    processed.mkdir(parents=True)
    panel = pd.DataFrame(rows)
    panel.to_parquet(processed / "panel.parquet", index=False)
    idx = panel[["region_code", "year"]].assign(dici=rng.uniform(0, 1, len(panel)))
    idx.to_parquet(processed / "indices.parquet", index=False)
    return cfg_dir / "config.yaml"


@pytest.fixture(autouse=True)
def synthetic_geography(monkeypatch):
    monkeypatch.setattr(stages, "geography", fake_geography)
    monkeypatch.setenv("CLUSTERNET_CODE_VERSION", "test")


def outputs_of(tmp_path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(tmp_path)): p.read_bytes()
            for p in sorted(tmp_path.rglob("*")) if p.is_file() and "config" not in p.parts
            and p.name not in ("panel.parquet", "indices.parquet")}


def test_network_and_qap_stages_write_complete_deterministic_outputs(tmp_path):
    base = tmp_path / "run"
    cfg = load_config(make_project(base))
    runs = []
    for _ in range(2):
        written = stages.run_network(cfg) + stages.run_qap(cfg)
        assert all(Path(p).exists() for p in written)
        runs.append(outputs_of(base))
    assert runs[0].keys() == runs[1].keys()
    differing = [k for k in runs[0] if runs[0][k] != runs[1][k]]
    assert differing == [], f"outputs differ between identical runs: {differing}"

    nodes = pd.read_parquet(base / "data/processed/network_nodes.parquet")
    assert len(nodes) == 31 * 3
    assert list(nodes.columns[:2]) == ["region_code", "year"]
    assert all(c.startswith("net_") for c in nodes.columns[2:])
    assert nodes["net_out_strength"].gt(0).all()
    level = pd.read_parquet(base / "data/processed/network_level.parquet")
    assert level["year"].tolist() == [2011, 2012, 2013]
    qap = read_json(base / "results/network/qap.json")
    assert [b["year"] for b in qap["years"]] == [2011, 2013]
    for block in qap["years"]:
        validate_result(block["mrqap"])
        assert [c["name"] for c in block["mrqap"]["coefficients"]] == [
            "intercept", "digital_index_gap", "rd_intensity_gap", "st_policy_similarity", "development_gap",
            "contiguity"]
    assert [r["effect"] for r in qap["calibration"]["results"]] == [0.0, 0.5]
    # the shipped config keeps contiguity with allow_circular (the flow network decays with distance)
    assert [o["matrix"] for o in qap["circularity_overrides"]] == ["contiguity"]
    arte = read_json(base / "results/network/artefacts.json")
    assert {Path(i["path"]).name for i in arte["items"]} >= {"maps.png", "network_level.csv", "validity.csv"}
    zh = {Path(i["path"]).name: Path(i["path_zh"]) for i in arte["items"] if i["kind"] == "figure"}
    assert {k: v.name for k, v in zh.items()} == {"maps.png": "maps.zh.png", "distributions.png": "distributions.zh.png"}
    assert all((v if v.is_absolute() else base / v).is_file() for v in zh.values())  # issue 13: the zh copies
    assert read_json(base / "results/qap/artefacts.json")["stage"] == "qap"


def test_circularity_guard_refuses_a_gravity_mass_unless_overridden(tmp_path):
    section = network_section()
    section["source"] = "gravity"
    # rd_intensity contains R&D spending, a gravity mass: the guard would stop at it first
    section["qap"]["matrices"] = [m for m in section["qap"]["matrices"] if m["name"] != "rd_intensity_gap"]
    section["qap"]["matrices"].append({"name": "patent_gap", "kind": "absolute_difference",
                                       "variable": "ln_patent_grant", "source": "panel"})
    cfg = load_config(make_project(tmp_path / "a", section))
    with pytest.raises(ConfigError, match=r"qap.matrices\[4\] \(patent_gap\).*'patent_grant'.*allow_circular"):
        stages.run_qap(cfg)
    with pytest.raises(ConfigError, match="patent_gap"):
        stages.run_network(cfg)  # fails before doing any work

    section["qap"]["matrices"] = [{"name": "distance", "kind": "great_circle", "transform": "log"}]
    cfg = load_config(make_project(tmp_path / "b", section))
    with pytest.raises(ConfigError, match="same great-circle distances"):
        stages.run_qap(cfg)

    section["qap"]["matrices"][0]["allow_circular"] = True
    cfg = load_config(make_project(tmp_path / "c", section))
    stages.run_network(cfg)
    stages.run_qap(cfg)
    doc = read_json(tmp_path / "c/results/network/qap.json")
    assert doc["circularity_overrides"][0]["matrix"] == "distance"
    assert "allow_circular" in doc["note"]


def test_observed_edge_list_source(tmp_path):
    section = network_section()
    edges = tmp_path / "edges.csv"
    codes = regions.codes()
    lines = ["source,target,year,weight"]
    rng = np.random.default_rng(3)
    for year in range(YEARS[0], YEARS[1] + 1):
        for i, j in rng.choice(31, size=(60, 2)):
            if i != j and f"{codes[i]},{codes[j]},{year}" not in "\n".join(lines):
                lines.append(f"{codes[i]},{codes[j]},{year},{rng.integers(1, 9)}")
    edges.write_text("\n".join(lines) + "\n")
    section["source"] = "edges"
    section["edges"] = {"path": str(edges)}
    section["binarize"]["rule"] = "nonzero"
    cfg = load_config(make_project(tmp_path / "p", section))
    stages.run_network(cfg)
    out = pd.read_parquet(tmp_path / "p/data/processed/network_edges.parquet")
    assert int(out["tie"].sum()) == len(lines) - 1


def test_config_errors_name_the_key(tmp_path):
    section = network_section()
    section["binarize"]["rul"] = "row_mean"
    cfg = load_config(make_project(tmp_path / "a", section))
    with pytest.raises(ConfigError, match=r"binarize.*unknown key.*'rul'"):
        cfg.section("network")
    section = network_section()
    section["qap"]["matrices"][0].pop("variable")
    cfg = load_config(make_project(tmp_path / "b", section))
    with pytest.raises(ConfigError, match=r"qap.matrices\[0\]"):
        cfg.section("network")
    section = network_section()
    section["qap"]["years"] = [2011, 2030]
    cfg = load_config(make_project(tmp_path / "c", section))
    with pytest.raises(ConfigError, match=r"qap.years \[2030\] outside"):
        stages.run_qap(cfg)


def test_cli_reports_missing_inputs_with_exit_code_2(tmp_path, capsys):
    path = make_project(tmp_path)
    (tmp_path / "data/processed/panel.parquet").unlink()
    assert main(["network", "--config", str(path)]) == 2
    assert "panel.parquet does not exist" in capsys.readouterr().err
    assert main(["qap", "--config", str(path)]) == 2
    assert "network_edges.parquet does not exist; run `clusternet network` first" in capsys.readouterr().err


def test_missing_mass_column_is_a_clear_error(tmp_path):
    section = network_section()
    section["gravity"]["masses"][0]["variable"] = "patents_granted"
    cfg = load_config(make_project(tmp_path, section))
    with pytest.raises(DataError, match=r"column\(s\) \['patents_granted'\] not found"):
        stages.run_network(cfg)


def test_validity_correlations_recover_a_known_relation():
    nodes = pd.DataFrame({"region_code": [1, 2, 3, 4] * 2, "year": [2011] * 4 + [2012] * 4,
                          "net_in_strength": [1.0, 2, 3, 5, 2, 1, 4, 3], "net_out_strength": [4.0, 3, 2, 1, 1, 2, 3, 4]})
    panel = nodes[["region_code", "year"]].copy()
    panel["buy"] = 3 * nodes["net_in_strength"] + 1  # exact linear relation
    panel["sell"] = np.exp(nodes["net_out_strength"])  # monotone, not linear
    table = validity_table(nodes, panel, {"validity": {"inflow_variable": "buy", "outflow_variable": "sell"}})
    assert np.allclose(table.loc[table.direction == "in", "pearson"], 1.0)
    out = table[table.direction == "out"]
    assert np.allclose(out["spearman"], 1.0) and (out["pearson"] < 1).all()
    ref = np.corrcoef([4.0, 3, 2, 1], np.exp([4.0, 3, 2, 1]))[0, 1]
    assert out["pearson"].iloc[0] == pytest.approx(ref, abs=1e-12)
    with pytest.raises(DataError, match="network.validity.inflow_variable"):
        validity_table(nodes, panel, {"validity": {"inflow_variable": "nope", "outflow_variable": None}})


def test_shipped_config_validates():
    cfg = load_config(ROOT / "config" / "config.yaml")
    section = cfg.section("network")
    assert copy.deepcopy(section)["source"] in ("flow", "gravity", "edges")


def test_flow_network_stage_reproduces_the_observed_totals_and_reports_validity(tmp_path):
    cfg = load_config(make_project(tmp_path))
    stages.run_network(cfg)
    nodes = pd.read_parquet(tmp_path / "data/processed/network_nodes.parquet")
    panel = pd.read_parquet(tmp_path / "data/processed/panel.parquet")
    m = nodes.merge(panel, on=["region_code", "year"])
    for total, observed in (("net_out_strength_total", "techmkt_seller_value_real"),
                            ("net_in_strength_total", "techmkt_buyer_value_real")):
        rel = ((m[total] - m[observed]).abs() / m[observed]).max()
        assert rel < 1e-8
    # self-flow + inter-provincial + abroad = total
    np.testing.assert_allclose(m["net_self_flow"] + m["net_out_strength"] + m["net_abroad_out"],
                               m["net_out_strength_total"], rtol=1e-10)
    assert {"net_gravity__degree_centrality", "net_flow_threshold__out_degree"} <= set(nodes.columns)
    doc = read_json(tmp_path / "results/network/network.json")
    gaps = {b["year"]: b["gap"] for b in doc["networks"]["default"]["construction"]["balancing"]}
    by_year = panel.groupby("year")
    expect = by_year["techmkt_seller_value_real"].sum() - by_year["techmkt_buyer_value_real"].sum()
    assert gaps == pytest.approx({int(k): float(v) for k, v in expect.items()}, rel=1e-9)
    val = read_json(tmp_path / "results/network/validity.json")
    rows = {(r["network"], r["measure"]): r for r in val["measures"]}
    assert rows[("default", "out_strength_total")]["within_pearson"] == pytest.approx(1.0, abs=1e-9)
    assert rows[("default", "out_strength_total")]["mechanical"]
    assert np.isfinite(rows[("gravity", "degree_centrality")]["within_pearson"])
    assert (tmp_path / "results/network/validity.md").read_text().startswith("# Validity")
