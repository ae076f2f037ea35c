"""Threshold options of issue 18: time effects (against a dummy-variable regression over the grid),
per-stage trimming (as xthreg's trim(a b c)) and a user-supplied grid."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.errors import ConfigError
from clusternet.estimators import get
from clusternet.models.threshold import ThresholdOptions, fit_threshold


def _frame(n=40, T=6, seed=3, time_shift=True):
    rng = np.random.default_rng(seed)
    q = rng.uniform(0, 1, (n, T))
    x = rng.normal(size=(n, T))
    z = rng.normal(size=(n, T))
    gamma = 2.0 * rng.normal(size=T) if time_shift else np.zeros(T)
    y = rng.normal(size=(n, 1)) + gamma[None, :] + 0.5 * z + np.where(q <= 0.4, 1.0, -0.5) * x + rng.normal(size=(n, T))
    return pd.DataFrame({"region_code": np.repeat(np.arange(1, n + 1), T), "year": np.tile(np.arange(2001, 2001 + T), n),
                         "y": y.ravel(), "x": x.ravel(), "z": z.ravel(), "q": q.ravel()})


def _spec(effects=None, **options):
    base = {"threshold_variable": "q", "bootstrap_reps": 0, "grid_points": 60, "n_thresholds": 1}
    base.update(options)
    spec = {"name": "thr", "model": "threshold", "y": "y", "x": ["x"], "controls": ["z"], "seed": 7, "options": base}
    if effects is not None:
        spec["effects"] = effects
    return spec


def _lsdv_ssr(df, g, time_dummies):
    cols = [pd.get_dummies(df["region_code"]).to_numpy(float), df[["z"]].to_numpy(float),
            (df["x"] * (df["q"] <= g)).to_numpy(float)[:, None], (df["x"] * (df["q"] > g)).to_numpy(float)[:, None]]
    if time_dummies:
        cols.append(pd.get_dummies(df["year"]).to_numpy(float)[:, 1:])
    Z = np.hstack(cols)
    beta = np.linalg.lstsq(Z, df["y"].to_numpy(float), rcond=None)[0]
    e = df["y"].to_numpy(float) - Z @ beta
    return float(e @ e), beta


def test_time_effects_threshold_and_slopes_equal_two_way_dummy_regression():
    df = _frame()
    doc = get("threshold")(df, _spec(effects=["entity", "time"]))
    g = doc["extra"]["threshold"]["estimates"][0]["estimate"]
    grid = doc["extra"]["threshold"]["lr_curve"][0]["gamma"]
    ssr = {float(c): _lsdv_ssr(df, c, True)[0] for c in grid}
    best = min(ssr, key=ssr.get)
    assert g == best
    assert doc["fit"]["ssr"] == pytest.approx(ssr[best], rel=1e-10)
    _, beta = _lsdv_ssr(df, g, True)
    n = df["region_code"].nunique()
    coef = {r["name"]: r["estimate"] for r in doc["coefficients"]}
    assert coef["x[regime1]"] == pytest.approx(beta[n + 1], abs=1e-9)
    assert coef["x[regime2]"] == pytest.approx(beta[n + 2], abs=1e-9)
    assert coef["year[2002]"] == pytest.approx(beta[n + 3], abs=1e-9)
    assert doc["effects"] == {"entity": True, "time": True}
    # without time effects the strong period shifts bias the fit: a different (larger) SSR
    plain = get("threshold")(df, _spec())
    assert plain["fit"]["ssr"] > doc["fit"]["ssr"] * 1.5


def test_user_grid_is_searched_exactly():
    df = _frame(time_shift=False)
    values = [0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 5.0]  # 5.0 leaves an empty regime: dropped
    doc = get("threshold")(df, _spec(grid="values", grid_values=values, trim=0.05))
    grid = doc["extra"]["threshold"]["lr_curve"][0]["gamma"]
    assert [float(v) for v in grid] == values[:-1]
    ssr = {v: _lsdv_ssr(df, v, False)[0] for v in values[:-1]}
    assert doc["extra"]["threshold"]["estimates"][0]["estimate"] == min(ssr, key=ssr.get)


def test_per_stage_trim():
    rng = np.random.default_rng(5)
    n, T = 50, 6
    q = rng.uniform(0, 1, (n, T))
    x = rng.normal(size=(n, T, 1))
    z = np.zeros((n, T, 0))
    y = rng.normal(size=(n, 1)) + np.select([q <= 0.3, q <= 0.7], [1.0, -0.5], 0.8) * x[..., 0] + rng.normal(size=(n, T))
    same = fit_threshold(y, x, z, q, ThresholdOptions(n_thresholds=2, trim=(0.05, 0.05), grid="full",
                                                      bootstrap_reps=0), ["x"], [])
    scalar = fit_threshold(y, x, z, q, ThresholdOptions(n_thresholds=2, trim=0.05, grid="full", bootstrap_reps=0),
                           ["x"], [])
    np.testing.assert_array_equal(same.thresholds, scalar.thresholds)
    # a wide trim for the second threshold: it lies between the 25 % and 75 % rank of q; every regime
    # keeps the smallest share (4 %)
    wide = fit_threshold(y, x, z, q, ThresholdOptions(n_thresholds=2, trim=(0.04, 0.25), grid="full",
                                                      bootstrap_reps=0), ["x"], [])
    assert wide.min_obs == (12, 75)
    qs = np.sort(q.ravel())
    assert min(wide.regime_counts) >= 12
    # the threshold found second (the refinement keeps its trim) lies inside the 25-75 % band
    inner = [g for g in wide.thresholds if qs[74] <= g <= qs[-76]]
    assert inner, (wide.thresholds, qs[74], qs[-76])
    with pytest.raises(ConfigError, match="one share per threshold"):
        fit_threshold(y, x, z, q, ThresholdOptions(n_thresholds=2, trim=(0.05,), bootstrap_reps=0), ["x"], [])
