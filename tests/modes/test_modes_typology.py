"""Development-mode typology: recovery on synthetic provinces with known modes, transitions
(reusing indices.dynamics) and the cluster-robust / wild-bootstrap estimator."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from clusternet.modes import (
    MODES,
    STATES,
    classification,
    heterogeneity,
    intensities,
    transitions,
)


def _synthetic(n_regions=60, n_years=6, seed=0, noise=0.35):
    """Provinces with a known mode per year: the mode's own variables are high (+1.5 SD)."""
    rng = np.random.default_rng(seed)
    true = rng.integers(0, 3, size=(n_regions, n_years))
    rows = []
    for i in range(n_regions):
        for t in range(n_years):
            m = true[i, t]
            base = {mode: (1.5 if k == m else 0.0) for k, mode in enumerate(MODES)}
            rows.append({"region_code": 100 + i, "year": 2010 + t,
                         "cap": np.exp(base["traditional"] + rng.normal(0, noise)),
                         "wage": -base["traditional"] + rng.normal(0, noise),   # lower cost = traditional
                         "eff1": base["efficiency"] + rng.normal(0, noise),
                         "eff2": base["efficiency"] + rng.normal(0, noise),
                         "dat": base["data"] + rng.normal(0, noise),
                         "true": MODES[m]})
    return pd.DataFrame(rows)


SPEC = {"standardise": "pooled", "variables": {
    "traditional": [{"variable": "cap", "log": True, "direction": 1}, {"variable": "wage", "direction": -1}],
    "efficiency": [{"variable": "eff1"}, {"variable": "eff2"}],
    "data": [{"variable": "dat", "direction": 1}]}}


def test_rule_recovers_known_modes():
    df = _synthetic()
    I = intensities.mode_intensities(df, SPEC)
    Z = I[[f"intensity_{m}" for m in MODES]].to_numpy()
    lab = classification.rule_classify(Z, margin=0.0)
    accuracy = np.mean(lab == df["true"].to_numpy())
    assert accuracy > 0.95, accuracy
    lab_m = classification.rule_classify(Z, margin=0.25)
    decided = lab_m != "mixed"
    assert np.mean(lab_m[decided] == df["true"].to_numpy()[decided]) > 0.97


@pytest.mark.parametrize("method", ["gmm", "kmeans"])
def test_clustering_recovers_known_modes_and_is_stable(method):
    df = _synthetic(seed=1)
    I = intensities.mode_intensities(df, SPEC)
    Z = I[[f"intensity_{m}" for m in MODES]].to_numpy()
    fit = classification.choose_and_fit(Z, method, [2, 3, 4], seed=5, n_init=5)
    assert fit.k == 3
    named = np.array(fit.names, dtype=object)[fit.labels]
    assert np.mean(named == df["true"].to_numpy()) > 0.95
    assert classification.rand_agreement(fit.labels, df["true"]) > 0.85
    jac = classification.bootstrap_jaccard(Z, fit.labels, fit.k, method, 20, np.random.default_rng(2), n_init=2)
    assert (jac > 0.85).all()


def test_jaccard_low_for_structureless_data():
    Z = np.random.default_rng(3).normal(size=(300, 3))
    fit = classification.choose_and_fit(Z, "kmeans", [5], seed=0, n_init=3)
    jac = classification.bootstrap_jaccard(Z, fit.labels, fit.k, "kmeans", 20, np.random.default_rng(4), n_init=1)
    assert jac.mean() < 0.85


def test_transitions_counts_by_hand():
    # region 1: trad -> eff -> data ; region 2: data -> trad -> (missing) ; region 3: mixed, mixed, eff
    lab = pd.DataFrame({"region_code": [1, 1, 1, 2, 2, 2, 3, 3, 3], "year": [1, 2, 3] * 3,
                        "mode": ["traditional", "efficiency", "data", "data", "traditional", "",
                                 "mixed", "mixed", "efficiency"]})
    counts, probs = transitions.markov(lab, [1, 2, 3], [1, 2, 3])
    T, E, D, M = (STATES.index(s) for s in ("traditional", "efficiency", "data", "mixed"))
    expected = np.zeros((4, 4))
    expected[T, E] = expected[E, D] = expected[D, T] = expected[M, M] = expected[M, E] = 1
    np.testing.assert_array_equal(counts, expected)
    assert probs[M, M] == 0.5 and probs[M, E] == 0.5
    up = transitions.upgrading(lab, [1, 2, 3], [1, 2, 3])
    # region 1: +2 of 2 pairs -> 1; region 2: -1 of 1 pair -> -1; region 3: 0 of 2 -> 0
    assert up["estimate"] == pytest.approx(0.0)
    assert up["upward"] == 2 and up["downward"] == 1
    assert up["std_error"] == pytest.approx(np.std([1, -1, 0], ddof=1) / np.sqrt(3))


def test_spatial_markov_conditions_on_neighbour_mode():
    # a chain 1 - 2 - 3; region 2's neighbours (1 and 3) are both "data" in year 1
    lab = pd.DataFrame({"region_code": [1, 1, 2, 2, 3, 3], "year": [1, 2] * 3,
                        "mode": ["data", "data", "traditional", "data", "data", "data"]})
    W = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], float)
    counts, _ = transitions.spatial_markov(lab, [1, 2, 3], [1, 2], W)
    T, D = STATES.index("traditional"), STATES.index("data")
    assert counts[D, T, D] == 1          # region 2 with data neighbours: traditional -> data
    assert counts[T, D, D] == 2          # regions 1 and 3 with a traditional neighbour: data -> data
    assert counts.sum() == 3


def test_cluster_se_matches_statsmodels_and_wild_bootstrap_sane():
    rng = np.random.default_rng(5)
    G, T = 30, 8
    g = np.repeat(np.arange(G), T)
    x = rng.normal(size=G * T) + rng.normal(size=G)[g]
    y = 0.5 * x + rng.normal(size=G)[g] + rng.normal(size=G * T)
    X = np.column_stack([np.ones_like(x), x])
    b, V = heterogeneity.ols_cluster(y, X, g)
    ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": g})
    np.testing.assert_allclose(b, ref.params, rtol=1e-10)
    np.testing.assert_allclose(np.sqrt(np.diag(V)), ref.bse, rtol=1e-10)
    p_alt = heterogeneity.wild_cluster_p(y, X, g, 1, 199, np.random.default_rng(6))
    assert p_alt < 0.01
    y0 = rng.normal(size=G)[g] + rng.normal(size=G * T)  # no effect
    ps = [heterogeneity.wild_cluster_p(y0 + 0 * x, X, g, 1, 99, np.random.default_rng(s)) for s in range(3)]
    assert all(0 <= p <= 1 for p in ps)


def test_wild_cluster_p_vectorised_equals_one_fit_per_replication():
    # reference: the replications refitted one at a time with ols_cluster (same Rademacher draws)
    rng = np.random.default_rng(17)
    G, T = 25, 6
    g = np.repeat(np.arange(G), T)
    x = rng.normal(size=G * T) + rng.normal(size=G)[g]
    X = np.column_stack([np.ones_like(x), x, rng.normal(size=G * T)])
    for beta in (0.0, 0.15):
        y = beta * x + rng.normal(size=G)[g] + rng.normal(size=G * T)
        b, V = heterogeneity.ols_cluster(y, X, g)
        t0 = b[1] / np.sqrt(V[1, 1])
        Xr = np.delete(X, 1, axis=1)
        fit_r = Xr @ np.linalg.lstsq(Xr, y, rcond=None)[0]
        draws = np.random.default_rng(3)
        exceed = 0
        for _ in range(199):
            v = draws.choice([-1.0, 1.0], size=G)
            bs, Vs = heterogeneity.ols_cluster(fit_r + (y - fit_r) * v[g], X, g)
            exceed += abs(bs[1] / np.sqrt(Vs[1, 1])) >= abs(t0)
        assert heterogeneity.wild_cluster_p(y, X, g, 1, 199, np.random.default_rng(3)) == exceed / 199
