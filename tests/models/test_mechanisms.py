"""Mediation, moderation and heterogeneity: recovery on synthetic panels with known
effects, formulas checked by hand, slopes checked against linearmodels (an
independent FE implementation), seeded determinism and bad-input errors."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from linearmodels import PanelOLS

from clusternet.errors import ConfigError, DataError
from clusternet.models import mechanisms as M
from clusternet.results import validate_result


def panel(n=40, t=8, seed=0, a=0.5, b=0.8, c_direct=0.3, groups=("A", "B")):
    """y = c' x + b m + FE + e,  m = a x + FE + u  (indirect effect a*b)."""
    rng = np.random.default_rng(seed)
    ent = np.repeat(np.arange(n), t)
    yr = np.tile(np.arange(2011, 2011 + t), n)
    alpha = rng.normal(size=n)[ent]
    lam = rng.normal(size=t)[yr - 2011]
    x = rng.normal(size=n * t) + alpha
    m = a * x + alpha + lam + rng.normal(size=n * t)
    y = c_direct * x + b * m + 2 * alpha + lam + rng.normal(size=n * t)
    return pd.DataFrame({"region_code": ent, "year": yr, "x": x, "m": m, "y": y,
                         "w": rng.normal(size=n * t), "group": np.array(groups)[ent % len(groups)]})


def lm_params(df, y, xs):
    """Two-way FE slopes from linearmodels (independent reference)."""
    frame = df.set_index(["region_code", "year"])
    res = PanelOLS(frame[y], frame[xs], entity_effects=True, time_effects=True).fit()
    return res.params


def med_spec(**opts):
    return {"name": "med", "model": "mediation", "y": "y", "x": ["x"],
            "options": {"mediator": "m", "bootstrap": 99, "seed": 7, **opts}}


# ---------------------------------------------------------------- formulas
def test_sobel_matches_hand_computation():
    # se = sqrt(b^2 se_a^2 + a^2 se_b^2) = sqrt(0.64*0.01 + 0.25*0.04) = sqrt(0.0164)
    out = M.sobel(0.5, 0.1, 0.8, 0.2)
    se = math.sqrt(0.0164)
    z = 0.4 / se
    assert out["indirect"] == pytest.approx(0.4, abs=1e-15)
    assert out["se"] == pytest.approx(se, abs=1e-12)
    assert out["z"] == pytest.approx(z, abs=1e-12)  # 0.4 / sqrt(0.0164)
    assert out["p_value"] == pytest.approx(math.erfc(z / math.sqrt(2)), abs=1e-12)


def test_bc_interval_equals_percentile_when_median_unbiased():
    draws = np.arange(1.0, 101.0)  # half of the draws below 50.5 -> z0 = 0
    out = M.bootstrap_intervals(50.5, draws, 0.90)
    assert out["bc"] == pytest.approx(out["percentile"], abs=1e-12)
    # numpy linear interpolation (R type 7): 5% of 1..100 = 1 + 0.05*99
    assert out["percentile"] == pytest.approx([5.95, 95.05], abs=1e-12)


def test_bc_interval_shifts_with_bias():
    draws = np.arange(1.0, 101.0)
    out = M.bootstrap_intervals(70.5, draws, 0.90)  # 70% of draws below the estimate
    z0 = 0.5244005127080407  # Phi^-1(0.70)
    lo_q = 0.5 * math.erfc(-(2 * z0 - 1.6448536269514722) / math.sqrt(2))
    assert out["bc"][0] == pytest.approx(np.quantile(draws, lo_q), abs=1e-9)
    assert out["bc"][0] > out["percentile"][0]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=5, max_size=60), st.floats(-100, 100))
def test_bootstrap_intervals_are_ordered_and_within_draws(draws, est):
    out = M.bootstrap_intervals(est, np.array(draws), 0.95)
    lo, hi = out["percentile"]
    assert min(draws) <= lo <= hi <= max(draws)
    if not math.isnan(out["bc"][0]):
        assert min(draws) <= out["bc"][0] <= out["bc"][1] <= max(draws)


def test_marginal_effect_formula():
    V = np.array([[0.04, 0.01], [0.01, 0.09]])
    eff, se = M.marginal_effects(1.0, 0.5, V, np.array([-2.0, 0.0, 3.0]))
    assert eff == pytest.approx([0.0, 1.0, 2.5])
    assert se == pytest.approx(np.sqrt([0.04 + 4 * 0.09 - 4 * 0.01, 0.04, 0.04 + 9 * 0.09 + 6 * 0.01]))


# ---------------------------------------------------------------- mediation
def test_bootstrap_slopes_match_linearmodels_on_a_draw():
    df = panel(n=15, t=6, seed=3)
    boot = M.EntityBootstrap(df, ["y", "x", "m"], entity="region_code", time="year", effects=("entity", "time"))
    rows = boot.draw_rows(np.random.default_rng(1))
    sample = df.iloc[rows].copy()
    # relabel copies of entities drawn twice, as the bootstrap treats them
    sample["region_code"] = np.repeat(np.arange(15), 6)
    ref = lm_params(sample, "y", ["x", "m"])
    assert boot.slopes(rows, "y", ["x", "m"]) == pytest.approx(ref.to_numpy(), abs=1e-10)


def test_mediation_paths_match_linearmodels_and_sobel():
    df = panel(seed=1)
    doc = M.fit_mediation(df, med_spec())
    validate_result({**doc, "provenance": {"code_version": "t", "inputs": {}}})
    rows = {r["name"]: r for r in doc["coefficients"]}
    assert rows["total_effect"]["estimate"] == pytest.approx(lm_params(df, "y", ["x"])["x"], abs=1e-10)
    assert rows["a_path"]["estimate"] == pytest.approx(lm_params(df, "m", ["x"])["x"], abs=1e-10)
    full = lm_params(df, "y", ["x", "m"])
    assert rows["b_path"]["estimate"] == pytest.approx(full["m"], abs=1e-10)
    assert rows["direct_effect"]["estimate"] == pytest.approx(full["x"], abs=1e-10)
    a, b = rows["a_path"], rows["b_path"]
    s = M.sobel(a["estimate"], a["std_error"], b["estimate"], b["std_error"])
    ind = rows["indirect_effect"]
    assert ind["estimate"] == pytest.approx(a["estimate"] * b["estimate"], abs=1e-14)
    assert ind["std_error"] == pytest.approx(s["se"], abs=1e-14)
    boot = doc["extra"]["mediation"]["bootstrap"]
    assert [ind["ci_lower"], ind["ci_upper"]] == boot["percentile"]
    # FE identity: total = direct + indirect (same sample, OLS)
    assert rows["total_effect"]["estimate"] == pytest.approx(
        rows["direct_effect"]["estimate"] + ind["estimate"], abs=1e-10)


def test_mediation_recovers_known_indirect_effect():
    df = panel(n=100, t=6, seed=11, a=0.5, b=0.8)
    doc = M.fit_mediation(df, med_spec(bootstrap=99, ci_method="bc"))
    ind = {r["name"]: r for r in doc["coefficients"]}["indirect_effect"]
    assert abs(ind["estimate"] - 0.4) < 3 * ind["std_error"]
    assert ind["ci_lower"] < 0.4 < ind["ci_upper"]
    assert ind["ci_lower"] > 0.2  # clearly away from zero at this sample size


def test_mediation_bootstrap_is_deterministic_given_seed():
    df = panel(n=20, t=5, seed=2)
    one = M.fit_mediation(df, med_spec(bootstrap=49))
    two = M.fit_mediation(df, med_spec(bootstrap=49))
    other = M.fit_mediation(df, med_spec(bootstrap=49, seed=8))
    assert one == two
    assert one["extra"]["mediation"]["bootstrap"] != other["extra"]["mediation"]["bootstrap"]


def test_mediation_seed_from_runner_and_missing_seed_error():
    df = panel(n=12, t=4, seed=2)
    spec = med_spec(bootstrap=9)
    del spec["options"]["seed"]
    with pytest.raises(ConfigError, match="needs a seed"):
        M.fit_mediation(df, spec)
    assert M.fit_mediation(df, {**spec, "seed": 5})["extra"]["mediation"]["bootstrap"]["replications"] == 9


# ---------------------------------------------------------------- moderation
def moderation_panel(n=120, t=8, seed=4):
    rng = np.random.default_rng(seed)
    df = panel(n=n, t=t, seed=seed)
    z = rng.normal(1.0, 2.0, size=len(df))
    x = df["x"].to_numpy()
    df["z"] = z
    df["y"] = (1.0 * x + 0.5 * z + 0.7 * (x - x.mean()) * (z - z.mean()) + df["region_code"] * 0.1
               + rng.normal(size=len(df)))
    return df


def test_moderation_recovers_interaction_and_matches_linearmodels():
    df = moderation_panel()
    doc = M.fit_moderation(df, {"name": "mod", "model": "moderation", "y": "y", "x": "x",
                                "options": {"moderator": "z", "grid_points": 5}})
    rows = {r["name"]: r for r in doc["coefficients"]}
    ref_df = df.assign(**{"x:z": (df.x - df.x.mean()) * (df.z - df.z.mean())})
    ref = lm_params(ref_df, "y", ["x", "z", "x:z"])
    for name in ("x", "z", "x:z"):
        assert rows[name]["estimate"] == pytest.approx(ref[name], abs=1e-10)
    assert abs(rows["x:z"]["estimate"] - 0.7) < 3 * rows["x:z"]["std_error"]
    me = doc["extra"]["moderation"]["marginal_effects"]
    zc = np.array(me["moderator_values"]) - df.z.mean()
    assert me["effect"] == pytest.approx(rows["x"]["estimate"] + rows["x:z"]["estimate"] * zc, abs=1e-12)
    assert me["moderator_values"][0] == pytest.approx(df.z.min())
    assert me["moderator_values"][-1] == pytest.approx(df.z.max())


def test_marginal_effect_se_at_moderator_mean_is_se_of_main_effect():
    df = moderation_panel(n=40)
    doc = M.fit_moderation(df, {"name": "mod", "model": "moderation", "y": "y", "x": "x",
                                "options": {"moderator": "z"}})
    V = np.array(doc["vcov"]["matrix"])  # order x, z, x:z
    _, se = M.marginal_effects(doc["coefficients"][0]["estimate"], doc["coefficients"][2]["estimate"],
                               V[np.ix_([0, 2], [0, 2])], np.array([0.0]))
    assert se[0] == pytest.approx(doc["coefficients"][0]["std_error"], abs=1e-12)


# ---------------------------------------------------------------- heterogeneity
def het_panel(slopes=(1.0, 2.0), n=40, t=8, seed=5):
    rng = np.random.default_rng(seed)
    df = panel(n=n, t=t, seed=seed, groups=("A", "B"))
    slope = np.where(df["group"] == "A", slopes[0], slopes[1])
    df["y"] = slope * df["x"] + df["region_code"] * 0.2 + rng.normal(size=len(df))
    return df


def het_spec(**opts):
    return {"name": "het", "model": "heterogeneity", "y": "y", "x": ["x"], "controls": ["w"],
            "options": {"permutations": 49, "seed": 3, **opts}}


def test_heterogeneity_detects_different_slopes():
    doc = M.fit_heterogeneity(het_panel(), het_spec(permutations=19))
    rows = {r["name"]: r for r in doc["coefficients"]}
    assert abs(rows["x[A]"]["estimate"] - 1.0) < 4 * rows["x[A]"]["std_error"]
    assert abs(rows["x[B]"]["estimate"] - 2.0) < 4 * rows["x[B]"]["std_error"]
    tests = {t["name"]: t for t in doc["tests"]}
    assert tests["wald_equal_slopes"]["p_value"] < 1e-6
    assert tests["permutation_equal_slopes"]["p_value"] == pytest.approx(1 / 20)


def test_wald_equals_squared_t_of_difference_parameterisation():
    """With two groups, W equals t^2 of the interaction in y ~ x + x*1[B] + w*1[A] + w*1[B]
    (same model, reparameterised; Wald statistics are invariant)."""
    df = het_panel(slopes=(1.0, 1.3), seed=9)
    doc = M.fit_heterogeneity(df, het_spec(permutations=1))
    W = {t["name"]: t for t in doc["tests"]}["wald_equal_slopes"]["statistic"]
    isB = (df["group"] == "B").astype(float)
    alt = df.assign(xB=df.x * isB, wA=df.w * (1 - isB), wB=df.w * isB)
    f = M.fit_fe(alt, "y", ["x", "xB", "wA", "wB"])
    t = f.params["xB"] / f.se("xB")
    assert pytest.approx(t**2, rel=1e-9) == W


def test_heterogeneity_permutation_deterministic_and_split_groups():
    df = het_panel(slopes=(1.0, 1.0))
    one = M.fit_heterogeneity(df, het_spec(permutations=19))
    assert one == M.fit_heterogeneity(df, het_spec(permutations=19))
    p = {t["name"]: t for t in one["tests"]}["permutation_equal_slopes"]["p_value"]
    assert 1 / 20 <= p <= 1
    split = M.fit_heterogeneity(df, het_spec(permutations=9, split={"variable": "region_code", "at": "median"}))
    assert split["extra"]["heterogeneity"]["groups"] == ["high", "low"]
    assert split["extra"]["heterogeneity"]["entities_per_group"] == {"high": 20, "low": 20}


# ---------------------------------------------------------------- errors
def test_errors_name_the_problem():
    df = panel(n=12, t=4)
    with pytest.raises(ConfigError, match="options.mediator"):
        M.fit_mediation(df, {"name": "s1", "model": "mediation", "y": "y", "x": "x", "options": {"seed": 1}})
    with pytest.raises(ConfigError, match=r"unknown option\(s\) \['bootstraps'\]"):
        M.fit_mediation(df, med_spec(bootstraps=9))
    with pytest.raises(ConfigError, match="exactly one `x`"):
        M.fit_moderation(df, {"name": "s2", "model": "moderation", "y": "y", "x": ["x", "w"],
                              "options": {"moderator": "m"}})
    with pytest.raises(DataError, match=r"column\(s\) 'nope' not found among the 7 columns"):
        M.fit_moderation(df, {"name": "s3", "model": "moderation", "y": "y", "x": "x",
                              "options": {"moderator": "nope"}})
    bad = df.copy()
    bad.loc[3, "m"] = np.nan
    with pytest.raises(DataError, match=r"missing values in used column\(s\) \(m: 1\); first at .*column 'm'"):
        M.fit_mediation(bad, med_spec())
    varying = df.copy()
    varying.loc[0, "group"] = "B"
    with pytest.raises(DataError, match="varies within entity 0"):
        M.fit_heterogeneity(varying, het_spec(permutations=1))
    with pytest.raises(ConfigError, match="options.split"):
        M.fit_heterogeneity(df, het_spec(permutations=1, split={"var": "w"}))


def test_missing_drop_is_listwise_and_recorded():
    df = panel(n=20, t=6, seed=8)
    bad = df.copy()
    bad.loc[[0, 7], "m"] = np.nan  # mediator missing: the same rows leave every step
    doc = M.fit_mediation(bad, med_spec(missing="drop", bootstrap=19))
    ref = M.fit_mediation(bad.dropna(), med_spec(bootstrap=19))
    assert doc["extra"]["mediation"]["n_dropped_missing"] == 2
    assert doc["coefficients"] == ref["coefficients"]
    assert doc["nobs"] == 118
    with pytest.raises(ConfigError, match="options.missing must be one of"):
        M.fit_mediation(bad, med_spec(missing="skip"))


@pytest.mark.parametrize("effects", [("entity", "time"), ("entity",)])
def test_permutation_shortcut_equals_full_refit(effects):
    """GroupPermutation (transform per-entity columns once) gives the Wald statistic of the
    full interacted FE fit for arbitrary labellings, also on an unbalanced panel."""
    df = het_panel(slopes=(1.0, 1.4), n=24, t=6, seed=12).drop(index=[3, 40, 41]).reset_index(drop=True)
    df["group"] = np.array(["A", "B", "C"])[df["region_code"] % 3]
    groups = ["A", "B", "C"]
    fast = M.GroupPermutation(df, "y", ["x", "w"], entity="region_code", time="year", effects=effects,
                              cov=None, groups=groups)
    rng = np.random.default_rng(0)
    ent = df.groupby("region_code")["group"].first()
    for _ in range(3):
        lab = pd.Series(rng.permutation(ent.to_numpy()), index=ent.index)
        inter, cols = M._interacted(df, df["region_code"].map(lab), "x", ["w"], groups)
        f = M.fit_fe(inter, "y", cols, effects=effects)
        ref = M.wald_equal(f.params, f.vcov, [f"x[{g}]" for g in groups])[0]
        assert fast.wald(lab) == pytest.approx(ref, rel=1e-9)
