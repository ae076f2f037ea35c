"""Hansen (1999) panel threshold model: the fast grid equals one regression per grid point, recovery of
known thresholds and slopes, bootstrap size/power, determinism, covariance against statsmodels, bad input."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings, strategies as st

from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.io import dumps_json
from clusternet.estimators import get
from clusternet.models.threshold import (
    ThresholdOptions, ThresholdPanel, fit_threshold, lr_critical_value, make_grid,
)
from clusternet.results import validate_result


def simulate(n=60, T=6, thresholds=(), slopes=(1.0,), k_controls=1, seed=0, integer_q=False):
    """y_it = mu_i + 0.5 z_it + x_it * slope(regime of q_it) + e_it; regime r between thresholds."""
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 12, (n, T)).astype(float) if integer_q else rng.uniform(0, 1, (n, T))
    x = rng.normal(size=(n, T, 1))
    z = rng.normal(size=(n, T, k_controls))
    regime = np.searchsorted(np.asarray(thresholds, dtype=float), q, side="left")  # q <= g -> lower regime
    slope = np.asarray(slopes)[regime]
    y = rng.normal(size=(n, 1)) + 0.5 * z.sum(axis=2) + slope * x[..., 0] + rng.normal(size=(n, T))
    return y, x, z, q


def naive_ssr(y, x, z, q, thresholds):
    """SSR of the least-squares dummy-variable regression with regimes split at ``thresholds``:
    entity dummies, controls, and x times each regime indicator (one regression, no within algebra)."""
    n, T = y.shape
    ent = np.repeat(np.arange(n), T)
    dummies = (ent[:, None] == np.arange(n)[None, :]).astype(float)
    qf, xf = q.ravel(), x.reshape(n * T, -1)
    edges = np.concatenate([[-np.inf], np.sort(thresholds), [np.inf]])
    regimes = [xf * ((qf > lo) & (qf <= hi))[:, None] for lo, hi in zip(edges[:-1], edges[1:])]
    design = np.concatenate([dummies, z.reshape(n * T, -1)] + regimes, axis=1)
    beta = np.linalg.lstsq(design, y.ravel(), rcond=None)[0]
    e = y.ravel() - design @ beta
    return float(e @ e)


def _fast_curve(panel, fixed, min_obs):
    s, _ = panel.search(fixed).ssr(panel.y)
    return np.where(panel.admissible(fixed, min_obs), s, np.nan)


@pytest.mark.parametrize("n_fixed", [0, 1, 2])
def test_fast_grid_equals_naive_regressions(n_fixed):
    y, x, z, q = simulate(n=25, T=6, thresholds=(0.3, 0.6), slopes=(1.0, -0.5, 0.8), k_controls=2, seed=4)
    x = np.concatenate([x, np.random.default_rng(9).normal(size=x.shape)], axis=2)  # two regime-dependent x
    panel = ThresholdPanel(y, x, z, q)
    grid, min_obs = make_grid(q, 0.05, "full", 400)
    panel.set_grid(grid)
    fixed = tuple(np.searchsorted(grid, [0.3, 0.6][:n_fixed]))
    fast = _fast_curve(panel, fixed, min_obs)
    assert np.isfinite(fast).sum() > 50
    for g in np.flatnonzero(np.isfinite(fast)):
        expected = naive_ssr(y, x, z, q, [grid[j] for j in fixed] + [grid[g]])
        assert abs(fast[g] - expected) < 1e-8, (g, fast[g], expected)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(4, 10), T=st.integers(3, 6), seed=st.integers(0, 10_000))
def test_fast_grid_equals_naive_property(n, T, seed):
    """Any small panel, ties in q included (integer-valued q)."""
    y, x, z, q = simulate(n=n, T=T, thresholds=(5,), slopes=(1.0, 2.0), seed=seed, integer_q=True)
    panel = ThresholdPanel(y, x, z, q)
    grid, min_obs = make_grid(q, 0.1, "full", 400)
    panel.set_grid(grid)
    fast = _fast_curve(panel, (), min_obs)
    for g in np.flatnonzero(np.isfinite(fast)):
        assert abs(fast[g] - naive_ssr(y, x, z, q, [grid[g]])) < 1e-8


def test_grid_trimming_and_quantiles():
    q = np.arange(100, dtype=float)
    full, min_obs = make_grid(q, 0.1, "full", 400)
    assert min_obs == 10
    # g is admissible iff at least 10 observations are <= g and at least 10 are > g.
    np.testing.assert_array_equal(full, np.arange(9, 90, dtype=float))
    quant, _ = make_grid(q, 0.1, "quantiles", 5)
    np.testing.assert_array_equal(quant, [9.0, 29.0, 49.0, 69.0, 89.0])


def test_lr_critical_values_hand_computed():
    # Hansen (1999), p. 353: c(alpha) = -2 ln(1 - sqrt(1 - alpha)); 7.35 at the 95% level.
    assert lr_critical_value(0.05) == pytest.approx(-2 * math.log(1 - math.sqrt(0.95)), abs=1e-12)
    assert lr_critical_value(0.05) == pytest.approx(7.35, abs=5e-3)
    assert lr_critical_value(0.10) == pytest.approx(5.94, abs=5e-3)
    assert lr_critical_value(0.01) == pytest.approx(10.59, abs=5e-3)


def test_recovers_two_thresholds_and_slopes():
    y, x, z, q = simulate(n=200, T=8, thresholds=(0.3, 0.7), slopes=(1.0, -1.0, 0.5), seed=11)
    res = fit_threshold(y, x, z, q, ThresholdOptions(n_thresholds=2, bootstrap_reps=0, trim=0.05),
                        ["x"], ["z"])
    np.testing.assert_allclose(res.thresholds, [0.3, 0.7], atol=0.02)
    for (lo, hi), true in zip(res.ci, (0.3, 0.7)):
        assert lo - 0.01 <= true <= hi + 0.01
    est = dict(zip(res.names, res.params))
    se = dict(zip(res.names, res.std_errors))
    for name, true in {"z": 0.5, "x[regime1]": 1.0, "x[regime2]": -1.0, "x[regime3]": 0.5}.items():
        assert abs(est[name] - true) < 4 * se[name], name


def _rejects(seed, thresholds, slopes, reps=39):
    y, x, z, q = simulate(n=30, T=5, thresholds=thresholds, slopes=slopes, seed=seed)
    res = fit_threshold(y, x, z, q, ThresholdOptions(bootstrap_reps=reps, grid_points=30, trim=0.1, seed=seed),
                        ["x"], ["z"])
    return res.bootstrap[0]["p_value"]


def test_bootstrap_size_and_power():
    """Small Monte Carlo (benchmarks/bench_threshold.py runs a larger one): under no threshold the
    bootstrap p-value is roughly uniform; with a clear threshold the test rejects."""
    p_null = np.array([_rejects(s, (), (1.0,)) for s in range(60)])
    assert 0.35 < p_null.mean() < 0.65
    assert np.mean(p_null < 0.05) <= 0.15
    p_alt = np.array([_rejects(1000 + s, (0.5,), (1.0, 0.0)) for s in range(15)])
    assert np.mean(p_alt < 0.05) >= 0.8


def _panel_frame(y, x, z, q):
    n, T = y.shape
    return pd.DataFrame({"region_code": np.repeat(np.arange(n) + 110000, T), "year": np.tile(np.arange(T) + 2011, n),
                         "y": y.ravel(), "x": x[..., 0].ravel(), "z": z[..., 0].ravel(), "q": q.ravel()})


@pytest.fixture(scope="module")
def frame():
    return _panel_frame(*simulate(n=40, T=6, thresholds=(0.5,), slopes=(1.0, -0.5), seed=2))


def _spec(**options):
    base = {"threshold_variable": "q", "bootstrap_reps": 20, "grid_points": 40, "n_thresholds": 2}
    base.update(options)
    return {"name": "thr", "model": "threshold", "y": "y", "x": ["x"], "controls": ["z"], "seed": 7,
            "cov": {"type": "cluster"}, "options": base}


def test_result_document_deterministic_and_worker_independent(frame):
    fit = get("threshold")
    docs = [fit(frame, _spec(n_jobs=j)) for j in (1, 2, 1)]
    for d in docs:
        d["provenance"] = {"code_version": "test", "inputs": {}}
        validate_result(d)
    assert dumps_json(docs[0]) == dumps_json(docs[2])
    a, b = docs[0], docs[1]
    assert a["extra"]["threshold"]["bootstrap"]["stages"] == b["extra"]["threshold"]["bootstrap"]["stages"]
    assert a["coefficients"] == b["coefficients"]
    thr = a["extra"]["threshold"]
    assert len(thr["estimates"]) == 2 and len(thr["lr_curve"]) == 2
    curve = thr["lr_curve"][0]
    assert min(curve["lr"]) == 0.0 and len(curve["gamma"]) == len(curve["lr"])
    assert thr["estimates"][0]["ci_lower"] <= thr["estimates"][0]["estimate"] <= thr["estimates"][0]["ci_upper"]
    assert [t["name"] for t in a["tests"]] == ["threshold_F1", "threshold_F2"]


def test_different_seed_changes_bootstrap_only(frame):
    fit = get("threshold")
    a = fit(frame, _spec())
    spec = _spec()
    spec["seed"] = 8
    b = fit(frame, spec)
    assert a["coefficients"] == b["coefficients"]
    assert a["tests"][0]["statistic"] == b["tests"][0]["statistic"]


@pytest.mark.parametrize("cov", [{"type": "unadjusted"}, {"type": "robust", "small_sample": "none"},
                                 {"type": "cluster", "small_sample": "none"}, {"type": "cluster", "small_sample": "sss"}])
def test_slopes_and_standard_errors_match_statsmodels_lsdv(frame, cov):
    """Given the estimated threshold, the slopes and covariances equal an LSDV regression in statsmodels
    (nonrobust with df nT - n - k, HC0, CR0); sss multiplies CR0 by G/(G-1)(nT-1)/(nT-k), k = 3 slopes
    (fixed effects not counted, as in clusternet.models.covariance)."""
    spec = _spec(n_thresholds=1, bootstrap_reps=0)
    spec["cov"] = cov
    doc = get("threshold")(frame, spec)
    assert doc["covariance"]["type"] == cov["type"]
    g = doc["extra"]["threshold"]["estimates"][0]["estimate"]
    low = (frame["q"] <= g).astype(float)
    X = pd.concat([frame[["z"]], (frame["x"] * low).rename("xl"), (frame["x"] * (1 - low)).rename("xh"),
                   pd.get_dummies(frame["region_code"], dtype=float)], axis=1)
    model = sm.OLS(frame["y"], X)
    if cov["type"] == "unadjusted":
        ols = model.fit()
    elif cov["type"] == "robust":
        ols = model.fit(cov_type="HC0")
    else:
        ols = model.fit(cov_type="cluster", cov_kwds={"groups": frame["region_code"], "use_correction": False})
    expected = ols.cov_params().iloc[:3, :3].to_numpy()
    if cov.get("small_sample") == "sss":
        n_obs, n_groups = len(frame), frame["region_code"].nunique()
        expected = expected * n_groups / (n_groups - 1) * (n_obs - 1) / (n_obs - 3)
    np.testing.assert_allclose([r["estimate"] for r in doc["coefficients"]], ols.params.iloc[:3], atol=1e-8)
    np.testing.assert_allclose(np.array(doc["vcov"]["matrix"]), expected, atol=1e-10)


def test_unbalanced_panel_rejected(frame):
    code = int(frame.loc[3, "region_code"])
    with pytest.raises(DataError, match=rf"balanced panel: 1 entit\(ies\) do not have all 6 periods "
                                        rf"\(e\.g\. region_code={code} has 5\)"):
        get("threshold")(frame.drop(index=[3]), _spec())
    row = frame.iloc[[3]]
    with pytest.raises(DataError, match=rf"balanced panel: duplicate \(region_code, year\) pair at data row "
                                        rf"{len(frame) + 1} \(region_code={code}, year={int(row['year'].iloc[0])}\)"):
        get("threshold")(pd.concat([frame, row], ignore_index=True), _spec())


def test_missing_value_named(frame):
    bad = frame.copy()
    bad.loc[7, "q"] = np.nan
    with pytest.raises(DataError, match=r"'q'.*data row 8"):  # 1-based data rows (issue 11)
        get("threshold")(bad, _spec())


@pytest.mark.parametrize("options,match", [
    ({"trim": 0.4}, "options.trim"),
    ({"n_thresholds": 4}, "n_thresholds"),
    ({"grid": "exact"}, "options.grid"),
    ({"bootstraps": 10}, r"unknown option\(s\) \['bootstraps'\] for model 'threshold'"),
    ({"threshold_variable": None}, "threshold_variable"),
    ({"regime_dependent": ["w"]}, "regime_dependent"),
])
def test_bad_options(frame, options, match):
    with pytest.raises(ConfigError, match=match):
        get("threshold")(frame, _spec(**options))


def test_bad_cov_type(frame):
    spec = _spec()
    spec["cov"] = {"type": "hac"}
    with pytest.raises(ConfigError, match="cov.type"):
        get("threshold")(frame, spec)


def test_seed_required(frame):
    spec = _spec()
    del spec["seed"]
    with pytest.raises(ConfigError, match="the threshold bootstrap needs a seed: set options.seed"):
        get("threshold")(frame, spec)
    spec["options"]["seed"] = 3  # options.seed is enough
    assert get("threshold")(frame, spec)["extra"]["threshold"]["bootstrap"]["seed"] == 3


def test_time_invariant_regressor_rejected(frame):
    bad = frame.assign(z=frame["region_code"] % 7)
    with pytest.raises(EstimationError, match="collinear"):
        get("threshold")(bad, _spec())


def test_effects_without_entity_rejected(frame):
    spec = _spec()
    spec["effects"] = ["time"]  # time effects are allowed with entity effects (test_threshold_options.py)
    with pytest.raises(ConfigError, match=r"\[entity\] or \[entity, time\]"):
        get("threshold")(frame, spec)
