"""Research design v2 verdicts: the five-way rule, class C, multiple testing in the registry,
TOST, the within-SD scale, analytic MDE, randomisation inference and the specification curve
on a synthetic panel with known effects."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from clusternet.hypotheses import verdicts as V
from clusternet.models.power import analytic_mde, effect_scale, tost_t, within_sd
from clusternet.models.speccurve import expand, summarise
from clusternet.results import write_result


@pytest.mark.parametrize("est, p, tost, sign, expected", [
    (0.5, 0.01, None, "positive", "supported"),
    (-0.5, 0.01, None, "positive", "contradicted"),
    (0.05, 0.40, 0.01, "positive", "effect_bounded"),
    (0.05, 0.40, 0.20, "positive", "inconclusive"),
    (0.05, 0.40, None, "positive", "inconclusive"),
    (0.5, 0.05, 0.01, "positive", "effect_bounded"),  # p must be strictly below alpha
    (3.0, 0.01, None, "nonzero", "supported"),
    (3.0, 0.30, 0.01, "nonzero", "inconclusive"),  # no bound for an unsigned test
    (None, 0.01, None, "positive", "inconclusive"),
])
def test_decide(est, p, tost, sign, expected):
    assert V.decide(est, p, sign, 0.05, tost) == expected


def test_analytic_mde_and_tost_by_hand():
    # (t_{0.975,30} + t_{0.8,30}) * SE
    se = 0.1
    assert analytic_mde(se, alpha=0.05, power=0.8, df=30) == pytest.approx(
        (stats.t.ppf(0.975, 30) + stats.t.ppf(0.8, 30)) * se)
    assert analytic_mde(se, alpha=0.05, power=0.8, df=None) == pytest.approx(2.8015852 * se, rel=1e-6)
    # H0: beta >= 0.2 vs beta < 0.2 with beta_hat = 0, se = 0.1, df = 30: t = -2
    assert tost_t(0.0, 0.1, 0.2, 30, 1) == pytest.approx(stats.t.cdf(-2, 30))
    assert tost_t(0.0, 0.1, 0.2, 30, -1) == pytest.approx(stats.t.cdf(-2, 30))  # mirrored


def test_within_sd_and_scale():
    codes = np.array([0, 0, 0, 1, 1, 1])
    y = np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0])
    assert within_sd(y, codes) == pytest.approx(np.std([-1, 0, 1, -1, 0, 1], ddof=1))
    x = 2 * y
    sc = effect_scale(x, y, codes)
    assert sc["factor"] == pytest.approx(2.0)
    d = np.array([0, 1, 1, 0, 0, 0.0])
    assert effect_scale(d, y, codes)["factor"] == pytest.approx(1 / within_sd(y, codes))


def synthetic_panel(n=31, t=10, beta=0.5, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    a = rng.normal(size=n)
    lam = rng.normal(size=t)
    for i in range(n):
        for j in range(t):
            x = rng.normal() + 0.3 * a[i]
            z = rng.normal()
            rows.append({"region_code": 100000 + i, "year": 2013 + j, "x": x, "z": z, "w": rng.normal(),
                         "y": beta * x + 0.2 * z + a[i] + lam[j] + rng.normal(),
                         "y2": -beta * x + a[i] + rng.normal(), "group": "East"})
    return pd.DataFrame(rows)


def _doc(results, name, spec, data):
    from clusternet.models.runner import fit_specification
    doc = fit_specification(data, spec)
    write_result(results / "models" / f"{name}.json", doc)


def _entry(hid, spec, coef, sign="positive", **kw):
    return {"id": hid, "mechanism": "M1", "title_en": "t", "title_zh": "标题", "statement_en": "s",
            "statement_zh": "陈述", "reasoning": "r", "estimand": {"specification": spec, "coefficient": coef},
            "expected_sign": sign, **kw}


SMALL = {"power": {"simulations": 29, "inner_reps": 59, "grid_se": [0, 1, 2, 3, 4, 6]},
         "inference": {"wild_bootstrap": {"reps": 199}, "randomisation": {"reps": 99}},
         "spec_curve": {"max_specifications": 40, "wild_reps": 99,
                        "control_sets": {"with_z": ["z"], "with_zw": ["z", "w"], "none": []},
                        "defaults": {"outcomes": ["y", "y2"], "controls": ["with_z", "none", "with_zw"],
                                     "years": [{"first": 2013, "last": 2022}, {"first": 2014, "last": 2022}],
                                     "inference": ["cluster", "driscoll_kraay", "wild"]}}}


def test_registry_with_data_gives_every_field(tmp_path):
    data = synthetic_panel()
    spec = {"name": "s1", "model": "twfe", "y": "y", "x": ["x"], "controls": ["z"],
            "cov": {"type": "cluster", "small_sample": "sss"}, "sample": {"years": {"first": 2013, "last": 2022}}}
    _doc(tmp_path, "s1", spec, data)
    null = dict(spec, name="s0", x=["w"], controls=["z"])
    _doc(tmp_path, "s0", null, data)
    reg = {"alpha": 0.05, **SMALL, "hypotheses": [
        _entry("H1", "s1", "x"), _entry("H2", "s1", "x", sign="negative"), _entry("H3", "s0", "w"),
        {**_entry("HC", "s1", "x"), "class": "C"},
    ]}
    entries, curves = V.evaluate_all(reg, tmp_path, data=data, seed=3)
    out = {e["id"]: e for e in entries}
    assert out["H1"]["verdict"] == "supported" and out["H2"]["verdict"] == "contradicted"
    assert out["HC"]["verdict"] == "not_testable" and out["HC"]["estimate"] is None
    for e in (out["H1"], out["H3"]):
        for key in ("estimate", "ci_lower", "ci_upper", "mde_analytic", "mde_simulated", "mde_analytic_sd",
                    "mde_simulated_sd", "sesoi", "p_raw", "p_holm", "p_bh", "p_wild", "robustness_share",
                    "n_specifications", "size_nominal", "size_wild"):
            assert e[key] is not None, key
        assert e["p_governing_source"] == "wild_bootstrap"  # 31 clusters < 50
    # three testable entries: Holm multiplies the smallest governing p by 3 (capped at 1)
    ps = sorted(out[h]["p_value"] for h in ("H1", "H2", "H3"))
    assert min(out[h]["p_holm"] for h in ("H1", "H2", "H3")) == pytest.approx(min(1.0, 3 * ps[0]))
    # the curve: every fitted point, the primary first with the document's estimate
    c = curves["H1"]
    assert c["specifications"][0]["estimate"] == pytest.approx(out["H1"]["estimate"])
    assert out["H1"]["n_specifications"] == len([r for r in c["specifications"] if r["estimate"] is not None])
    # y2 responds negatively to x: about half the grid (y2 rows) has the other sign
    share = out["H1"]["robustness_share"]
    assert 0.3 < share < 0.7
    # H3 has no effect: a 0.2-SD effect is large relative to its SE here, so TOST bounds it
    assert out["H3"]["verdict"] in ("effect_bounded", "inconclusive")
    assert out["H3"]["mde_analytic_sd"] < 0.5


def test_policy_dummy_gets_randomisation_inference(tmp_path):
    data = synthetic_panel(beta=0.0, seed=5)
    adoption = {100000 + i: 2017 for i in range(8)}
    data["y"] = data["y"] + 1.5 * (data["region_code"].isin(adoption) & (data["year"] >= 2017))
    spec = {"name": "did", "model": "twfe", "y": "y", "x": ["pz"], "controls": ["z"],
            "policy_dummy": {"name": "pz", "adoption_years": adoption}}
    _doc(tmp_path, "did", spec, data)
    reg = {**SMALL, "spec_curve": {"enabled": False}, "hypotheses": [_entry("P", "did", "pz")]}
    (e,), _ = V.evaluate_all(reg, tmp_path, data=data, seed=1)
    assert e["p_governing_source"] == "randomisation"
    assert e["p_randomisation"] == pytest.approx(1 / 100)  # the observed assignment is the most extreme
    assert e["verdict"] == "supported"
    assert e["scale"]["sd_within_x"] is None  # a 0/1 regressor: effect in SDs of y


def test_companion_policy_gets_its_own_randomisation_and_leaves_the_verdict_alone(tmp_path):
    """A second policy beside the deciding one (issue 15, M2): its own RI p-value and event-study
    sensitivity, and the deciding entry's fields equal those of a registry without companions."""
    data = synthetic_panel(beta=0.0, seed=5)
    first = {100000 + i: 2017 for i in range(8)}
    second = {100010 + i: 2019 for i in range(6)}
    data["y"] = data["y"] + 1.5 * (data["region_code"].isin(second) & (data["year"] >= 2019))
    spec = {"name": "did", "model": "twfe", "y": "y", "x": ["pz"], "controls": ["z"],
            "policy_dummy": {"name": "pz", "adoption_years": first}}
    comp = {"name": "dez", "model": "twfe", "y": "y", "x": ["dz"], "controls": ["z"],
            "policy_dummy": {"name": "dz", "adoption_years": second}}
    es = {"name": "dez_es", "model": "did_twfe", "y": "y",
          "options": {"adoption_years": second, "leads": 3, "lags": 2}}
    for name, sp in (("did", spec), ("dez", comp), ("dez_es", es)):
        _doc(tmp_path, name, sp, data)
    base = {**SMALL, "spec_curve": {"enabled": False}}
    (plain,), _ = V.evaluate_all({**base, "hypotheses": [_entry("P", "did", "pz")]}, tmp_path, data=data, seed=1)
    companions = [{"specification": "dez", "coefficient": "dz"}, {"specification": "dez_es", "coefficient": "att"}]
    (e,), _ = V.evaluate_all({**base, "hypotheses": [_entry("P", "did", "pz", companions=companions)]},
                             tmp_path, data=data, seed=1)
    c = e.pop("companions")
    assert e == plain
    assert [r["specification"] for r in c["evidence"]] == ["dez", "dez_es"]
    ri = c["randomisation"]["dez"]
    assert set(c["randomisation"]) == {"dez"} and ri["n_treated_clusters"] == 6
    assert ri["p_value"] == pytest.approx(1 / 100)  # a 1.5 effect on 6 of 31: the observed draw is extreme
    assert c["pretrends"]["specification"] == "dez_es"
    assert c["pretrends"]["targets"]["first_post"]["significant_at_0"] is True


def test_expand_puts_the_primary_first_and_summary_counts():
    grid = {"outcome": ["a", "b"], "inference": ["cluster", "wild"]}
    pts = expand(grid, {"outcome": "b", "inference": "wild"})
    assert pts[0] == {"outcome": "b", "inference": "wild"} and len(pts) == 4
    rows = [{"estimate": 1.0, "p_value": 0.01}, {"estimate": -1.0, "p_value": 0.01},
            {"estimate": 2.0, "p_value": 0.5}, {"estimate": None, "p_value": None}]
    s = summarise(rows, 1, 0.05, 4)
    assert s["n_specifications"] == 3 and s["n_failed"] == 1
    assert s["share_expected_sign"] == pytest.approx(2 / 3)
    assert s["share_significant_expected"] == pytest.approx(1 / 3)
    assert s["share_significant_opposite"] == pytest.approx(1 / 3)
    assert s["median_estimate"] == 1.0
