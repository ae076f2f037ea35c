"""QAP correlation and MRQAP (double semi-partialling) against R sna, statsmodels,
a brute-force re-implementation, and synthetic size/power checks."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.errors import EstimationError
from clusternet.network.qap import mrqap, offdiag, qap_correlation, size_and_power

FIXTURE = Path(__file__).resolve().parents[1] / "reference" / "fixtures" / "network_sna.json"


def sna():
    return json.loads(FIXTURE.read_text())


def test_mrqap_coefficients_and_ols_statistics_match_r_sna():
    ref = sna()["mrqap"]
    y, x1, x2 = (np.asarray(ref[k]) for k in ("y", "x1", "x2"))
    fit = mrqap(y, {"x1": x1, "x2": x2}, permutations=99, seed=1)
    np.testing.assert_allclose(fit.coef, ref["coefficients"], atol=1e-8)
    np.testing.assert_allclose(fit.std_error, ref["std_errors"], atol=1e-8)
    np.testing.assert_allclose(fit.t, ref["t"], atol=1e-8)
    assert fit.r2 == pytest.approx(ref["r2"], abs=1e-10)


def test_mrqap_dsp_p_values_agree_with_r_sna_within_monte_carlo_error():
    # Both sides draw their own random permutations (R's and numpy's generators), so
    # p-values agree only up to Monte Carlo error: with 5,000 permutations on each side
    # the sd of the difference is at most sqrt(2 * 0.25 / 5000) = 0.01; allow 4 sd.
    ref = sna()["mrqap"]
    y, x1, x2 = (np.asarray(ref[k]) for k in ("y", "x1", "x2"))
    fit = mrqap(y, {"x1": x1, "x2": x2}, permutations=ref["reps"], seed=2024)
    np.testing.assert_allclose(fit.p_value[1:], ref["p_two_sided"][1:], atol=0.04)
    np.testing.assert_allclose(fit.p_greater[1:], ref["p_greater"][1:], atol=0.04)


def test_qap_correlation_agrees_with_r_sna():
    ref = sna()
    y = np.asarray(ref["mrqap"]["y"])
    x3 = np.asarray(ref["qap_correlation"]["x3"])
    res = qap_correlation(y, x3, permutations=ref["qap_correlation"]["reps"], seed=5)
    assert res.correlation == pytest.approx(ref["qap_correlation"]["correlation"], abs=1e-10)
    assert res.p_greater == pytest.approx(ref["qap_correlation"]["p_greater"], abs=0.04)


def brute_force_dsp(y, xs, permutations, seed):
    """Dekker's DSP written out literally: residualise X_k on the others (full OLS), permute the
    residual matrix, refit the full regression and take the t-value of that column."""
    n = y.shape[0]
    off = ~np.eye(n, dtype=bool)
    names = list(xs)
    design = np.column_stack([np.ones(off.sum())] + [xs[k][off] for k in names])
    yv = y[off]
    obs = sm.OLS(yv, design).fit().tvalues
    rng = np.random.default_rng(seed)
    perms = [rng.permutation(n) for _ in range(permutations)]
    pvals = []
    for j in range(1, design.shape[1]):
        others = np.delete(design, j, axis=1)
        resid = sm.OLS(design[:, j], others).fit().resid
        e = np.zeros((n, n))
        e[off] = resid
        null = []
        for perm in perms:
            ep = e[np.ix_(perm, perm)][off]
            t = sm.OLS(yv, np.column_stack([others, ep])).fit().tvalues[-1]
            null.append(t)
        null = np.asarray(null)
        pvals.append((1 + np.sum(np.abs(null) >= np.abs(obs[j]) - 1e-12)) / (1 + permutations))
    return obs, np.asarray(pvals)


def test_fast_dsp_equals_brute_force_and_statsmodels():
    rng = np.random.default_rng(3)
    n = 9
    v = rng.normal(size=n)
    x1 = np.abs(v[:, None] - v[None, :])
    x2 = x1 + rng.normal(size=(n, n))
    x3 = rng.normal(size=(n, n))
    y = 0.5 * x1 + rng.normal(size=(n, n))
    xs = {"x1": x1, "x2": x2, "x3": x3}
    fit = mrqap(y, xs, permutations=150, seed=11)
    t_ref, p_ref = brute_force_dsp(y, xs, permutations=150, seed=11)
    np.testing.assert_allclose(fit.t, t_ref, atol=1e-8)
    np.testing.assert_allclose(fit.p_value[1:], p_ref, atol=1e-12)
    ols = sm.OLS(offdiag(y), np.column_stack([np.ones(n * (n - 1))] + [offdiag(x) for x in xs.values()])).fit()
    np.testing.assert_allclose(fit.coef, ols.params, atol=1e-10)
    np.testing.assert_allclose(fit.p_ols, ols.pvalues, atol=1e-10)
    assert fit.adj_r2 == pytest.approx(ols.rsquared_adj, abs=1e-10)


def test_permutation_results_are_deterministic_given_the_seed():
    rng = np.random.default_rng(0)
    y, x = rng.normal(size=(2, 8, 8))
    a = mrqap(y, {"x": x}, permutations=99, seed=42)
    b = mrqap(y, {"x": x}, permutations=99, seed=42)
    np.testing.assert_array_equal(a.p_value, b.p_value)
    assert qap_correlation(y, x, permutations=99, seed=4) == qap_correlation(y, x, permutations=99, seed=4)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.permutations(list(range(7))))
def test_qap_correlation_is_invariant_to_relabelling_both_matrices(seed, perm):
    rng = np.random.default_rng(seed)
    y, x = rng.normal(size=(2, 7, 7))
    perm = np.asarray(perm)
    r1 = qap_correlation(y, x, permutations=19, seed=1)
    r2 = qap_correlation(y[np.ix_(perm, perm)], x[np.ix_(perm, perm)], permutations=19, seed=1)
    assert r1.correlation == pytest.approx(r2.correlation, abs=1e-12)
    assert r1.correlation == pytest.approx(np.corrcoef(offdiag(y), offdiag(x))[0, 1], abs=1e-12)
    assert 1 / 20 <= r1.p_value <= 1


def test_bad_inputs_raise_clear_errors():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(6, 6))
    with pytest.raises(EstimationError, match="perfectly collinear"):
        mrqap(y, {"a": y * 0 + 1}, permutations=19, seed=1)
    with pytest.raises(EstimationError, match="'x' has 5 nodes"):
        mrqap(y, {"x": rng.normal(size=(5, 5))}, permutations=19, seed=1)
    bad = y.copy()
    bad[0, 1] = np.nan
    with pytest.raises(EstimationError, match="'x' has missing"):
        mrqap(y, {"x": bad}, permutations=19, seed=1)
    with pytest.raises(EstimationError, match="at least 4 nodes"):
        qap_correlation(np.ones((3, 3)), np.ones((3, 3)), permutations=19, seed=1)
    with pytest.raises(EstimationError, match="at least one explanatory matrix"):
        mrqap(y, {}, permutations=19, seed=1)


def test_size_and_power_on_synthetic_networks():
    # Small Monte Carlo (benchmarks/bench_network.py runs the large one). With 120
    # replications the size estimate has sd ~0.02 at 0.05: accept up to 0.11.
    rng = np.random.default_rng(8)
    v = rng.normal(size=16)
    x = np.abs(v[:, None] - v[None, :])
    res = size_and_power(x, effects=[0.0, 1.0], replications=120, permutations=49, seed=3)
    size, power = res[0]["rejection_rate"], res[1]["rejection_rate"]
    assert size <= 0.11
    assert power >= 0.8
