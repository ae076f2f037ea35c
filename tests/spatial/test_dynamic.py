"""Dynamic spatial panel (uncorrected QML) and its short/long-run effects: long-run effects against
the sum of the dynamic multipliers, delta-method SEs against simulation, Monte Carlo recovery."""
from __future__ import annotations

import numpy as np
import pytest

from clusternet.spatial.dynamic import dynamic_effects, fit_dynamic, lagged_panel
from clusternet.spatial.models import SpatialPanel

from spatial_testdata import knn_weights


def simulate_dynamic(n=60, t=30, rho=0.3, tau=0.4, eta=-0.1, beta=(1.0, -0.5), seed=1, burn=20):
    rng = np.random.default_rng(seed)
    W = knn_weights(n, 4, seed)
    Wd = W.toarray()
    Sinv = np.linalg.inv(np.eye(n) - rho * Wd)
    alpha = rng.normal(size=n)
    y_prev = np.zeros(n)
    ys, xs = [], []
    for s in range(t + burn):
        x = rng.normal(size=(n, len(beta)))
        y = Sinv @ (tau * y_prev + eta * Wd @ y_prev + x @ np.array(beta) + alpha + rng.normal(size=n))
        if s >= burn:
            ys.append(y)
            xs.append(x)
        y_prev = y
    return SpatialPanel(np.array(ys), np.array(xs), W, tuple(range(1, n + 1)), tuple(range(t)), "y", ["x1", "x2"])


def test_long_run_effects_equal_the_sum_of_dynamic_multipliers():
    panel = simulate_dynamic(seed=2)
    res = fit_dynamic(panel, "sar", "individual")
    eff = dynamic_effects(res, panel.W)
    p = dict(zip(res.core.names, res.core.params))
    Wd = panel.W.toarray()
    N = Wd.shape[0]
    Sinv = np.linalg.inv(np.eye(N) - p["rho"] * Wd)
    A = Sinv @ (p["y_lag"] * np.eye(N) + p["W*y_lag"] * Wd)
    total = np.zeros((N, N))
    term = Sinv * p["x1"]
    for _ in range(400):  # Σ_s A^s S⁻¹ β
        total += term
        term = A @ term
    assert eff["long_run"]["x1"]["direct"]["estimate"] == pytest.approx(np.trace(total) / N, rel=1e-10)
    assert eff["long_run"]["x1"]["total"]["estimate"] == pytest.approx(total.sum() / N, rel=1e-10)
    short = Sinv * p["x1"]
    assert eff["short_run"]["x1"]["direct"]["estimate"] == pytest.approx(np.trace(short) / N, rel=1e-12)


def test_dynamic_effect_ses_close_to_simulation():
    panel = simulate_dynamic(seed=3)
    res = fit_dynamic(panel, "sar", "individual")
    eff = dynamic_effects(res, panel.W)
    rng = np.random.default_rng(0)
    draws = rng.multivariate_normal(res.core.params, res.core.vcov, size=4000)
    names = res.core.names
    Wd = panel.W.toarray()
    N = Wd.shape[0]
    sims = []
    for d in draws:
        p = dict(zip(names, d))
        M = (1 - p["y_lag"]) * np.eye(N) - (p["rho"] + p["W*y_lag"]) * Wd
        sims.append(np.linalg.solve(M, p["x1"] * np.eye(N)).sum() / N)
    # 4000 draws: Monte Carlo error of the SD ~1.1 %; the long-run total is mildly nonlinear
    assert eff["long_run"]["x1"]["total"]["std_error"] == pytest.approx(np.std(sims, ddof=1), rel=0.06)


def test_monte_carlo_recovery_within_the_order_one_over_t_bias():
    truth = {"y_lag": 0.4, "W*y_lag": -0.1, "x1": 1.0, "x2": -0.5, "rho": 0.3}
    est = []
    for r in range(12):
        res = fit_dynamic(simulate_dynamic(n=50, t=30, seed=100 + r), "sar", "individual").core
        est.append([res.params[res.names.index(k)] for k in truth])
    mean = np.mean(est, axis=0)
    sd = np.std(est, axis=0, ddof=1) / np.sqrt(len(est))
    # uncorrected QML: bias O(1/T) (about (1 + τ)/T = 0.05 in τ at T = 30), documented
    for (k, v), m, s in zip(truth.items(), mean, sd):
        assert abs(m - v) < 2.0 / 30 + 4 * s, (k, m, v)


def test_lagged_panel_layout():
    panel = simulate_dynamic(n=10, t=5, seed=4)
    lp = lagged_panel(panel, durbin=True)
    assert lp.y.shape == (4, 10)
    assert lp.x_names == ["y_lag", "W*y_lag", "x1", "x2", "W*x1", "W*x2"]
    np.testing.assert_array_equal(lp.X[:, :, 0], panel.y[:-1])


def test_yu_de_jong_lee_correction_shrinks_the_bias_monte_carlo():
    """Short panels (T = 8) with individual effects: the uncorrected QML of τ has its O(1/T) bias;
    the Yu-de Jong-Lee correction removes most of it (the rest is O(1/T²) plus Monte Carlo noise)."""
    truth = {"y_lag": 0.4, "W*y_lag": -0.1, "x1": 1.0, "x2": -0.5, "rho": 0.3}
    raw, corr = [], []
    for rep in range(16):
        panel = simulate_dynamic(n=60, t=8, seed=100 + rep)
        r0 = fit_dynamic(panel, "sar", "individual", lee_yu=False)
        r1 = fit_dynamic(panel, "sar", "individual", bias_correction=True)
        raw.append(r0.core.params)
        corr.append(r1.core.params)
    raw, corr = np.array(raw), np.array(corr)
    names = fit_dynamic(simulate_dynamic(n=60, t=8, seed=100), "sar", "individual", bias_correction=True).core.names
    true = np.array([truth[n] for n in names])
    bias_raw, bias_corr = raw.mean(0) - true, corr.mean(0) - true
    mc_se = corr.std(0, ddof=1) / np.sqrt(len(corr))
    tau = names.index("y_lag")
    assert bias_raw[tau] < -0.05  # the Nickell-type bias is there
    assert abs(bias_corr[tau]) < 0.3 * abs(bias_raw[tau])
    assert np.all(np.abs(bias_corr) < 4 * mc_se + 0.02), (bias_corr, mc_se)


def test_bias_correction_two_way_recovers_and_needs_fixed_effects():
    panel = simulate_dynamic(n=60, t=10, seed=7)
    res = fit_dynamic(panel, "sdm", "twoway", bias_correction=True)
    assert res.core.names[:2] == ["y_lag", "W*y_lag"] and res.core.names[-1] == "rho"
    assert np.all(np.isfinite(res.core.std_errors))
    assert "Lee-Yu" in res.notes[-1]
    with pytest.raises(Exception, match="individual or two-way"):
        fit_dynamic(panel, "sar", "time", bias_correction=True)


def test_two_way_correction_shrinks_the_bias_monte_carlo():
    """Two-way effects (Lee-Yu F_N transformation, then the Yu-de Jong-Lee correction): time effects
    c_t added to y are absorbed (W row-standardised), the O(1/T) bias of τ is mostly removed."""
    raw, corr = [], []
    for rep in range(20):
        panel = simulate_dynamic(n=60, t=8, seed=500 + rep)
        panel.y[:] = panel.y + 0.5 * np.arange(panel.y.shape[0])[:, None]
        raw.append(fit_dynamic(panel, "sar", "twoway", lee_yu=True).core.params)
        corr.append(fit_dynamic(panel, "sar", "twoway", bias_correction=True).core.params)
    raw, corr = np.array(raw), np.array(corr)
    true = np.array([0.4, -0.1, 1.0, -0.5, 0.3])  # y_lag, W*y_lag, x1, x2, rho
    bias_raw, bias_corr = raw.mean(0) - true, corr.mean(0) - true
    mc_se = corr.std(0, ddof=1) / np.sqrt(len(corr))
    assert bias_raw[0] < -0.05
    assert abs(bias_corr[0]) < 0.3 * abs(bias_raw[0])
    assert np.all(np.abs(bias_corr) < 4 * mc_se + 0.02), (bias_corr, mc_se)
