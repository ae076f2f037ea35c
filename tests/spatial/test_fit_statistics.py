"""Elhorst-comparable output: fixed-effect estimates and R² against a least-squares dummy-variable
regression written here (given ρ̂), corr² and the LR tests of the fixed effects by direct fits."""
from __future__ import annotations

import numpy as np
import pytest

from clusternet.spatial.fit_statistics import fe_lr_tests, fit_statistics
from clusternet.spatial.models import fit_spatial_panel

from spatial_testdata import simulate


def _lsdv(panel, rho, effects):
    """(y - ρWy) on X and region (and period) dummies; returns β, region and period dummy
    coefficients (sum-to-zero normalised) and the dummy SEs of the one-way model."""
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    y = (panel.y - rho * panel.y @ Wd.T).reshape(-1)
    X = panel.X.reshape(T * N, -1)
    D = np.kron(np.ones((T, 1)), np.eye(N))
    cols = [X, D]
    if effects == "twoway":
        cols.append(np.kron(np.eye(T), np.ones((N, 1)))[:, 1:])  # drop one period (collinear)
    Z = np.hstack(cols)
    coef, *_ = np.linalg.lstsq(Z, y, rcond=None)
    resid = y - Z @ coef
    k = X.shape[1]
    c = coef[k:k + N]
    d = np.r_[0.0, coef[k + N:]] if effects == "twoway" else None
    return coef[:k], c, d, resid, Z


@pytest.mark.parametrize("effects,lee_yu", [("individual", False), ("twoway", True)])
def test_fixed_effects_and_r2_match_dummy_regression(effects, lee_yu):
    panel = simulate(n=25, t=6, rho=0.4, effects="twoway", seed=61)
    res = fit_spatial_panel(panel, "sar", effects, lee_yu=lee_yu)
    st = fit_statistics(panel, res)
    beta, c, d, resid, Z = _lsdv(panel, res.delta, effects)
    np.testing.assert_allclose(res.params[:2], beta, atol=1e-10)
    alpha = np.array([r["estimate"] for r in st["fixed_effects"]["spatial"]])
    np.testing.assert_allclose(alpha, c - c.mean(), atol=1e-9)
    if effects == "twoway":
        gamma = np.array([r["estimate"] for r in st["fixed_effects"]["time"]])
        np.testing.assert_allclose(gamma, d - d.mean(), atol=1e-9)
    else:
        # his t-value of α_i ignores the error of μ: it is the dummy coefficient's LSDV t at σ̂²
        se = np.sqrt(res.sigma2 * np.diag(np.linalg.inv(Z.T @ Z))[2:])
        t = np.array([r["t"] for r in st["fixed_effects"]["spatial"]])
        np.testing.assert_allclose(t, (c - c.mean()) / se, rtol=1e-9)
    tss = np.sum((panel.y - panel.y.mean()) ** 2)
    assert st["r2"] == pytest.approx(1 - resid @ resid / tss, abs=1e-10)


def test_corr2_by_dense_reduced_form():
    panel = simulate(n=25, t=6, rho=0.4, theta=(0.3, 0.1), effects="twoway", seed=62)
    res = fit_spatial_panel(panel, "sdm", "twoway")
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    Z = np.concatenate([panel.X, np.stack([Wd @ panel.X[t] for t in range(T)])], axis=2)
    Zt = Z - Z.mean(axis=0) - Z.mean(axis=1, keepdims=True) + Z.mean(axis=(0, 1))
    yt = panel.y - panel.y.mean(axis=0) - panel.y.mean(axis=1, keepdims=True) + panel.y.mean()
    big = np.kron(np.eye(T), np.linalg.inv(np.eye(N) - res.delta * Wd))
    fitted = big @ (Zt.reshape(T * N, -1) @ res.params[:4])
    r = np.corrcoef(yt.reshape(-1), fitted)[0, 1]
    assert fit_statistics(panel, res)["corr2"] == pytest.approx(r ** 2, abs=1e-12)


def test_fe_lr_tests_by_direct_fits():
    panel = simulate(n=25, t=6, rho=0.4, effects="twoway", seed=63)
    rows = {r["name"]: r for r in fe_lr_tests(panel, "sar", fit_spatial_panel)}
    ll = {e: fit_spatial_panel(panel, "sar", e, lee_yu=False).loglik for e in ("twoway", "time", "individual")}
    assert rows["lr_spatial_fixed_effects"]["statistic"] == pytest.approx(2 * (ll["twoway"] - ll["time"]), abs=1e-9)
    assert rows["lr_spatial_fixed_effects"]["df"] == 24
    assert rows["lr_time_fixed_effects"]["df"] == 5
    assert rows["lr_spatial_fixed_effects"]["p_value"] < 1e-6  # α_i ~ N(0, 1) in the simulation


def test_fe_lr_tests_report_a_failed_restricted_fit():
    from clusternet.errors import EstimationError

    panel = simulate(n=25, t=6, rho=0.4, effects="twoway", seed=63)

    def fit(panel, model, effects, **kw):
        if effects == "time":
            raise EstimationError("rho at the bound")
        return fit_spatial_panel(panel, model, effects, **kw)

    rows = {r["name"]: r for r in fe_lr_tests(panel, "sar", fit)}
    assert np.isnan(rows["lr_spatial_fixed_effects"]["statistic"])
    assert "time-effects fit failed" in rows["lr_spatial_fixed_effects"]["note"]
    assert np.isfinite(rows["lr_time_fixed_effects"]["statistic"])
