"""Convergence and Markov chains: brute-force counts, giddy conventions, recovery of a known beta."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.errors import DataError
from clusternet.indices import dynamics


def panel(n=20, T=8, seed=3):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"region_code": np.repeat(np.arange(n), T), "year": np.tile(np.arange(2011, 2011 + T), n)})
    df["y"] = np.exp(rng.normal(size=len(df)) + 0.5 * rng.normal(size=n)[df["region_code"]])
    return df


def ring_weights(n):
    W = np.zeros((n, n))
    for i in range(n):
        W[i, (i - 1) % n] = W[i, (i + 1) % n] = 1.0
        W[i, (i + 2) % n] = 2.0  # unequal weights: row standardisation matters
    return W


def test_markov_counts_by_brute_force():
    df = panel()
    counts, probs, bounds = dynamics.markov_matrix(df, "y", k=4)
    wide = df.pivot(index="region_code", columns="year", values="y").to_numpy()
    cut = np.quantile(wide.ravel(), [0.25, 0.5, 0.75])
    def cls(v):
        return sum(v > c for c in cut)  # class = number of bounds strictly below (upper bounds inclusive)
    expected = np.zeros((4, 4))
    for i in range(wide.shape[0]):
        for t in range(wide.shape[1] - 1):
            expected[cls(wide[i, t]), cls(wide[i, t + 1])] += 1
    np.testing.assert_array_equal(counts, expected)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    assert counts.sum() == wide.shape[0] * (wide.shape[1] - 1)


def test_spatial_markov_counts_by_brute_force():
    df = panel()
    n = df["region_code"].nunique()
    W = ring_weights(n)
    counts, probs = dynamics.spatial_markov(df, "y", W, k=3)
    wide = df.pivot(index="region_code", columns="year", values="y").to_numpy()
    lag = np.array([[sum(W[i, j] * wide[j, t] for j in range(n)) / W[i].sum() for t in range(wide.shape[1])]
                    for i in range(n)])
    cy = np.quantile(wide.ravel(), [1 / 3, 2 / 3])
    cl = np.quantile(lag.ravel(), [1 / 3, 2 / 3])
    def cls(v, c):
        return sum(v > b for b in c)
    expected = np.zeros((3, 3, 3))
    for i in range(n):
        for t in range(wide.shape[1] - 1):
            expected[cls(lag[i, t], cl), cls(wide[i, t], cy), cls(wide[i, t + 1], cy)] += 1
    np.testing.assert_array_equal(counts, expected)
    assert probs.shape == (3, 3, 3)


def test_markov_agrees_with_giddy():
    """The same counts as PySAL giddy (independent implementation; slow to import)."""
    from giddy.markov import Markov, Spatial_Markov
    from libpysal.weights import full2W

    df = panel(n=25, T=6, seed=11)
    wide = df.pivot(index="region_code", columns="year", values="y").to_numpy()
    counts, _, _ = dynamics.markov_matrix(df, "y", k=4)
    classes, _ = dynamics.quantile_classes(wide.ravel(), 4)
    np.testing.assert_array_equal(counts, Markov(classes.reshape(wide.shape), summary=False).transitions)
    W = ring_weights(25)
    w = full2W(W)
    w.transform = "r"
    sm = Spatial_Markov(wide, w, k=4, m=4, fixed=True)
    s_counts, _ = dynamics.spatial_markov(df, "y", W, k=4)
    np.testing.assert_array_equal(s_counts, sm.T)


def test_absolute_beta_recovers_known_parameter():
    rng = np.random.default_rng(42)
    n, T, beta = 400, 6, -0.25
    rows = []
    ly = rng.normal(size=n)
    for t in range(T):
        rows.append(pd.DataFrame({"region_code": np.arange(n), "year": 2011 + t, "y": np.exp(ly)}))
        ly = ly + 0.1 + beta * ly + rng.normal(scale=0.05, size=n)
    res = dynamics.beta_convergence(pd.concat(rows), "y", "absolute")
    i = res.names.index("initial")
    assert abs(res.params[i] - beta) < 4 * res.std_errors[i]
    assert res.std_errors[i] < 0.01
    assert res.speed == pytest.approx(-np.log(1 + res.params[i]))
    assert res.half_life == pytest.approx(np.log(2) / res.speed)


def test_sigma_convergence_by_hand():
    df = pd.DataFrame({"region_code": [1, 2, 3, 1, 2, 3], "year": [1, 1, 1, 2, 2, 2], "y": [1, 2, 3, 2, 2, 2.0]})
    s = dynamics.sigma_convergence(df, "y")
    assert s["sd"].tolist() == pytest.approx([1.0, 0.0])
    assert s["cv"].tolist() == pytest.approx([0.5, 0.0])


def test_log_growth_of_zero_names_region_and_year():
    df = panel()
    df.loc[5, "y"] = 0.0
    with pytest.raises(DataError, match=r"region_code=0 year=2016.*transform: level"):
        dynamics.beta_convergence(df, "y")


def test_unbalanced_panel_and_islands_are_errors():
    df = panel()
    with pytest.raises(DataError, match="not balanced"):
        dynamics.markov_matrix(df.iloc[1:], "y")
    W = ring_weights(20)
    W[3] = 0
    with pytest.raises(DataError, match="no neighbours"):
        dynamics.spatial_markov(df, "y", W)
