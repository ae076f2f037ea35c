"""A threshold with no real search is refused, not reported as estimated (issue 11, item 5).

Before the fix ``trim: 0.499`` gave a one-point grid (a zero-width interval and a bootstrap p from
a fixed split) and ``trim: 0.001`` let a regime of 1 observation get its own slope; both fitted
and returned a result (these tests then failed: no ConfigError raised)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.errors import ConfigError
from clusternet.estimators import get


def _frame(n=20, T=6, seed=3):
    """y = x·(1 if q <= 0.5 else -0.5) + z + α_i + ε, q uniform: 120 observations."""
    rng = np.random.default_rng(seed)
    q, x, z = rng.uniform(size=(n, T)), rng.normal(size=(n, T)), rng.normal(size=(n, T))
    y = np.where(q <= 0.5, 1.0, -0.5) * x + z + rng.normal(size=(n, 1)) + 0.3 * rng.normal(size=(n, T))
    return pd.DataFrame({"region_code": np.repeat(np.arange(n), T), "year": np.tile(np.arange(2011, 2011 + T), n),
                         "y": y.ravel(), "x": x.ravel(), "z": z.ravel(), "q": q.ravel()})


def _spec(**options):
    base = {"threshold_variable": "q", "bootstrap_reps": 0, "n_thresholds": 1}
    base.update(options)
    return {"name": "thr", "model": "threshold", "y": "y", "x": ["x"], "controls": ["z"], "seed": 7,
            "cov": {"type": "cluster"}, "options": base}


def test_tiny_trim_leaving_near_empty_regimes_is_refused_with_the_bound():
    # ceil(0.001 * 120) = 1 observation per regime < 1 regime-dependent regressor + 10 = 11
    with pytest.raises(ConfigError, match=r"options.trim = 0.001 .* = 1 observation\(s\), fewer than the minimum "
                                          r"of 11 per regime \(the default: 1 regime-dependent.*at least 0.0917"):
        get("threshold")(_frame(), _spec(trim=0.001))


def test_declared_min_regime_obs_is_the_bound():
    with pytest.raises(ConfigError, match=r"fewer than the minimum of 30 per regime \(options.min_regime_obs\)"):
        get("threshold")(_frame(), _spec(trim=0.05, min_regime_obs=30))
    doc = get("threshold")(_frame(), _spec(trim=0.05, min_regime_obs=6))  # ceil(0.05*120) = 6: allowed
    assert doc["extra"]["threshold"]["grid"]["min_regime_obs"] == 6


def test_one_point_grid_is_refused_naming_min_grid_points():
    # trim 0.499: ceil(59.88) = 60 on each side of 120 -> a single candidate value
    with pytest.raises(ConfigError, match=r"options.trim = 0.499 leaves 1 candidate threshold value\(s\), fewer "
                                          r"than options.min_grid_points = 10"):
        get("threshold")(_frame(), _spec(trim=0.499))


def test_grid_points_below_min_grid_points_is_refused():
    with pytest.raises(ConfigError, match=r"options.grid_points = 5 is below options.min_grid_points = 10"):
        get("threshold")(_frame(), _spec(grid_points=5))


def test_reasonable_search_still_estimates_and_finds_the_threshold():
    doc = get("threshold")(_frame(), _spec(trim=0.1))
    assert doc["extra"]["threshold"]["grid"]["size"] >= 10
    assert abs(doc["extra"]["threshold"]["estimates"][0]["estimate"] - 0.5) < 0.15
