"""clusternet simulate (issue 17): determinism, the declared truth, the flows' margins, the project's config."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusternet.config import load_config
from clusternet.simulate import dgp
from clusternet.simulate.project import simulated_codes
from clusternet.simulate.stage import run_simulate

ROOT = Path(__file__).resolve().parents[2]
DGP = ROOT / "config" / "simulated" / "dgp.yaml"


def _files(d: Path) -> dict:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def province_projects(tmp_path_factory):
    config = load_config(ROOT / "config" / "config.yaml")
    base = tmp_path_factory.mktemp("sim")
    docs = [run_simulate(config, base / name, DGP, seed, "province") for name, seed in (("a", 5), ("b", 5), ("c", 6))]
    return base, docs


def test_same_seed_gives_byte_identical_projects(province_projects):
    base, _ = province_projects
    a, b, c = (_files(base / n) for n in "abc")
    assert a.keys() == b.keys() and a == b
    assert a["private/panel.parquet"] != c["private/panel.parquet"]
    assert {"config/config.yaml", "config/user_panel.yaml", "truth.json", "flows.parquet",
            "private/panel.parquet", "config/schemas/config.schema.yaml"} <= set(a)


def test_truth_is_the_declared_parameters(province_projects):
    base, docs = province_projects
    truth = json.loads((base / "a" / "truth.json").read_text())["truth"]
    p = dgp.Parameters.from_dict(json.loads((base / "a" / "truth.json").read_text())["parameters"])
    assert truth["baseline_twfe"]["dig_finance_index"] == p.beta_invention_dig == 0.004
    assert truth["h_m1_sharing_slx"]["W_dig_finance_index"] == 0.0
    assert truth["sim_mediation"]["indirect_effect"] == pytest.approx(p.a_path * p.b_path)
    # the static DID target: the mean of tau_g + lambda e over treated post cells of 2013-2022, by hand
    adopt = {int(k): v for k, v in json.loads((base / "a" / "truth.json").read_text())["adoption_years"].items()}
    cells = [p.cohorts[g] + p.dynamic_slope * (t - g) for g in adopt.values() for t in range(2013, 2023) if t >= g]
    assert truth["h_m2_pilot_did"]["pilot_zone"] == pytest.approx(np.mean(cells), rel=1e-12)
    assert len(adopt) == round(0.25 * 31)
    # heterogeneity-robust DID (CS, BJS): the cohorts adopting in the first sample year 2013 have no
    # untreated period and drop out; the mean over the other cohorts' treated cells, by hand
    later = [p.cohorts[g] + p.dynamic_slope * (t - g) for g in adopt.values() if g > 2013
             for t in range(2013, 2023) if t >= g]
    assert truth["h_m2_pilot_cs_flow"]["att"] == truth["h_m2_pilot_bjs_flow"]["att"]
    assert truth["h_m2_pilot_cs_flow"]["att"] == pytest.approx(np.mean(later), rel=1e-12)
    assert truth["h_m2_pilot_cs"]["att"] == 0.0  # no pilot effect on invention patents in the DGP


def test_sdm_effects_match_their_definition():
    rng = np.random.default_rng(1)
    W = rng.uniform(size=(6, 6))
    np.fill_diagonal(W, 0)
    W /= W.sum(axis=1, keepdims=True)
    rho, beta, theta = 0.4, 1.5, -0.5
    S = np.linalg.inv(np.eye(6) - rho * W) @ (beta * np.eye(6) + theta * W)
    eff = dgp.sdm_effects(W, rho, beta, theta)
    assert eff["direct"] == pytest.approx(np.mean(np.diag(S)))
    assert eff["total"] == pytest.approx((beta + theta) / (1 - rho))  # row-standardised W
    assert eff["indirect"] == pytest.approx(eff["total"] - eff["direct"])


def test_flows_are_doubly_constrained(province_projects):
    base, _ = province_projects
    f = pd.read_parquet(base / "a" / "flows.parquet")
    panel = pd.read_parquet(base / "a" / "private" / "panel.parquet")
    y = f[f["year"] == 2020]
    p = panel[panel["year"] == 2020].set_index("region_code")
    out = y.groupby("origin")["flow"].sum()
    np.testing.assert_allclose(out.to_numpy(), p.loc[out.index, "techmkt_seller_value"].to_numpy(), rtol=1e-6)
    inflow = y.groupby("destination")["flow"].sum()
    share = p["techmkt_buyer_value"] / p["techmkt_buyer_value"].sum()
    np.testing.assert_allclose((inflow / inflow.sum()).to_numpy(), share.loc[inflow.index].to_numpy(), rtol=1e-6)
    assert (y["origin"] != y["destination"]).all()


def test_simulated_project_config_is_valid(province_projects):
    base, _ = province_projects
    config = load_config(base / "a" / "config" / "config.yaml")
    for name in config.main["sections"]:
        config.section(name)  # every section validates against its schema
    assert config.main["regions"]["level"] == "province"
    models = {s["name"]: s for s in config.section("models")["specifications"]}
    assert models["h_m5_threshold"]["options"]["threshold_variable"] == "dig_finance_index"
    assert "sim_mediation" in models


def test_prefecture_project_has_about_290_cities():
    codes = simulated_codes("prefecture")
    assert 285 <= len(codes) <= 300
    assert 110100 in codes and 340100 in codes and 460300 not in codes and 422800 not in codes  # no 自治州


def test_overrides_merge_into_mappings_and_named_entries():
    from clusternet.errors import ConfigError
    from clusternet.simulate.project import merge_settings

    base = {"a": {"b": 1, "c": 2}, "specs": [{"name": "s1", "options": {"k": 1, "j": 0}}, {"name": "s2"}],
            "items": [1, 2]}
    out = merge_settings(base, {"a": {"b": 5}, "specs": {"s1": {"options": {"k": 9}}}, "items": [3]}, "x")
    assert out == {"a": {"b": 5, "c": 2}, "specs": [{"name": "s1", "options": {"k": 9, "j": 0}}, {"name": "s2"}],
                   "items": [3]}
    assert base["a"]["b"] == 1  # the template is not changed
    with pytest.raises(ConfigError, match=r"x\.specs: no entry named 'nope'"):
        merge_settings(base, {"specs": {"nope": {"k": 1}}}, "x")


def test_project_takes_the_replication_counts_of_the_overrides(province_projects, tmp_path):
    from clusternet.errors import ConfigError

    config = load_config(ROOT / "config" / "config.yaml")
    run_simulate(config, tmp_path / "p", DGP, 5, "province", ROOT / "config" / "simulated" / "overrides.yaml")
    project = load_config(tmp_path / "p" / "config" / "config.yaml")
    assert project.section("spatial")["explore"]["permutations"] == 99
    assert project.section("modes")["efficiency"]["bootstrap"]["replications"] == 20
    models = {s["name"]: s for s in project.section("models")["specifications"]}
    assert models["h_m5_threshold"]["options"]["bootstrap_reps"] == 49
    assert models["h_m5_threshold"]["options"]["threshold_variable"] == "dig_finance_index"  # kept
    # without overrides (the fixture's projects): the template's counts
    base, _ = province_projects
    assert load_config(base / "a" / "config" / "config.yaml").section("spatial")["explore"]["permutations"] == 999
    # a count the pipeline's schema refuses fails at simulate time, naming the file and key
    bad = tmp_path / "bad.yaml"
    bad.write_text("overrides: {hypotheses: {spec_curve: {wild_reps: 5}}}\n")
    with pytest.raises(ConfigError, match="spec_curve.wild_reps"):
        run_simulate(config, tmp_path / "q", DGP, 5, "province", bad)
    assert not (tmp_path / "q").exists()


def test_prefecture_policies_are_the_simulated_cohorts_and_city_lists():
    from clusternet.config import read_yaml
    from clusternet.data import regions
    from clusternet.models.treatments import parse_policies
    from clusternet.simulate.project import prefecture_policies

    codes = simulated_codes("prefecture")
    template = read_yaml(ROOT / "config" / "policies.yaml")
    adopt = {130100: 2015, 520100: 2017}
    with regions.using("prefecture", codes):
        out = prefecture_policies(template, adopt, codes, "prefecture")
        pols = parse_policies(out, "simulated policies.yaml")  # the pipeline's own checks at this level
    assert pols["bigdata_pilot_zones"].adoption_years() == adopt
    # the digital-economy zones are province-wide: every simulated city of Zhejiang (330000) from 2020
    dez = pols["digital_economy_pilot_zones"].adoption_years()
    assert {c for c in codes if c // 10000 == 33} <= set(dez) and dez[330100] == 2020
    assert not {c for c in dez if c // 10000 == 11}  # Beijing is not a listed province
    # Broadband China by city: Shijiazhuang (2014 batch -> 2015), Fuzhou "（含平潭）" (2014 -> 2015);
    # the Changsha-Zhuzhou-Xiangtan cluster names no single city and is left out
    bb = pols["broadband_china"].adoption_years()
    assert bb[130100] == 2015 and bb[350100] == 2015
    assert "长株潭城市群" in out["policies"]["broadband_china"]["verification"]
    assert "prefecture_counts" not in out
