"""Delta-method effects inference: against a delta method with a numerical Jacobian of effects
computed from the dense inverse (written here), and against simulated inference with many draws."""
from __future__ import annotations

import numpy as np
import pytest

from clusternet.spatial.effects_inference import add_delta_method, delta_method_effects
from clusternet.spatial.models import effects_table, fit_spatial_panel

from spatial_testdata import simulate


def _effects_dense(params, W, kx, off, durbin, lag):
    """Direct/indirect/total of every regressor from S⁻¹(β I + θ W), S = I - ρW, by dense inversion."""
    N = W.shape[0]
    rho = params[-1] if lag else 0.0
    Sinv = np.linalg.inv(np.eye(N) - rho * W)
    out = []
    for j in range(kx):
        beta = params[off + j]
        theta = params[off + kx + j] if durbin else 0.0
        M = Sinv @ (beta * np.eye(N) + theta * W)
        d, t = np.trace(M) / N, M.sum() / N
        out += [d, t - d, t]
    return np.array(out)


def _numerical_delta(res, W, lag):
    Wd = W.toarray()
    durbin = res.model in ("sdm", "sdem", "slx")
    off = 1 if res.effects == "none" else 0

    def f(p):
        return _effects_dense(p, Wd, res.k_x, off, durbin, lag)

    p0 = res.params
    J = np.empty((3 * res.k_x, len(p0)))
    for i in range(len(p0)):
        h = 1e-6 * max(1.0, abs(p0[i]))
        e = np.zeros_like(p0)
        e[i] = h
        J[:, i] = (f(p0 + e) - f(p0 - e)) / (2 * h)
    return f(p0), np.sqrt(np.einsum("ij,jk,ik->i", J, res.vcov, J))


@pytest.mark.parametrize("model,effects", [("sdm", "twoway"), ("sar", "individual"), ("sdm", "none"),
                                           ("sdem", "twoway"), ("slx", "individual")])
def test_delta_method_matches_numerical_jacobian(model, effects):
    panel = simulate(n=30, t=5, rho=0.4 if model in ("sar", "sdm") else 0.0,
                     lam=0.3 if model == "sdem" else 0.0, theta=(0.3, -0.2), effects=effects, seed=21)
    res = fit_spatial_panel(panel, model, effects)
    lag = model in ("sar", "sdm")
    est, se = _numerical_delta(res, panel.W, lag)
    dm = delta_method_effects(res, panel.W)
    ours_est = np.array([dm[v][k]["estimate"] for v in res.x_names for k in ("direct", "indirect", "total")])
    ours_se = np.array([dm[v][k]["std_error"] for v in res.x_names for k in ("direct", "indirect", "total")])
    np.testing.assert_allclose(ours_est, est, rtol=0, atol=1e-10)
    # central differences of a smooth function with h = 1e-6: ~1e-9 relative error in the Jacobian
    np.testing.assert_allclose(ours_se, se, rtol=1e-6, atol=1e-10)


def test_delta_method_for_non_row_standardised_w():
    panel = simulate(n=30, t=5, rho=0.2, theta=(0.3, -0.2), effects="individual", seed=22)
    panel.W = panel.W * 1.5  # rows sum to 1.5: t0, t1 are no longer 1/(1-ρ)
    res = fit_spatial_panel(panel, "sdm", "individual", lee_yu=False)
    est, se = _numerical_delta(res, panel.W, True)
    dm = delta_method_effects(res, panel.W)
    ours_se = np.array([dm[v][k]["std_error"] for v in res.x_names for k in ("direct", "indirect", "total")])
    np.testing.assert_allclose(ours_se, se, rtol=1e-5)


def test_delta_method_close_to_many_simulation_draws():
    panel = simulate(n=60, t=8, rho=0.5, theta=(0.4, 0.1), effects="twoway", seed=23)
    res = fit_spatial_panel(panel, "sdm", "twoway")
    sim = effects_table(res, panel.W, draws=40000, seed=3)
    dm = delta_method_effects(res, panel.W)
    for v in res.x_names:
        for k in ("direct", "indirect", "total"):
            s, d = sim["variables"][v][k]["std_error"], dm[v][k]["std_error"]
            # Monte Carlo error of an SD from 40000 draws ~0.4 %; the effects are nearly linear in
            # the parameters at this precision, so the two agree to a few per cent
            assert d == pytest.approx(s, rel=0.03), (v, k, s, d)


def test_add_delta_method_primary_switch(small_panel):
    res = fit_spatial_panel(small_panel, "sar", "twoway")
    tab = effects_table(res, small_panel.W, draws=200, seed=1)
    sim_se = tab["variables"]["x1"]["direct"]["std_error"]
    both = add_delta_method(effects_table(res, small_panel.W, draws=200, seed=1), res, small_panel.W)
    assert both["variables"]["x1"]["direct"]["std_error"] == sim_se
    dm_se = both["variables"]["x1"]["direct"]["delta_method"]["std_error"]
    primary = add_delta_method(tab, res, small_panel.W, primary="delta_method")
    assert primary["variables"]["x1"]["direct"]["std_error"] == dm_se
    assert primary["variables"]["x1"]["direct"]["simulation"]["std_error"] == sim_se
    assert primary["method"].startswith("delta method")
