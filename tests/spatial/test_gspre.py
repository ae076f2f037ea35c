"""Spatial random-effects error models (clusternet.spatial.gspre): GSPRE and KKP by ML against the
brute-force NT x NT Gaussian likelihood (value, first-order conditions, Hessian); the special case
λ_mu = 0 against the Baltagi-Song-Koh SEM-RE; KKP's GM moments against explicit Q0/Q1 matrices;
recovery of known parameters."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from clusternet.errors import ConfigError
from clusternet.spatial.gspre import fit_gspre, fit_kkp_gm, kkp_moments
from clusternet.spatial.models import SpatialPanel
from clusternet.spatial.random_effects import fit_spatial_re

from spatial_testdata import knn_weights


def simulate_re(n=50, t=5, lam_mu=0.3, lam_nu=0.5, s2mu=1.0, s2=1.0, seed=1):
    rng = np.random.default_rng(seed)
    W = knn_weights(n, 4, seed)
    Wd = W.toarray()
    X = rng.normal(size=(t, n, 2))
    u1 = np.linalg.solve(np.eye(n) - lam_mu * Wd, rng.normal(scale=np.sqrt(s2mu), size=n))
    u2 = np.linalg.solve(np.eye(n) - lam_nu * Wd, rng.normal(scale=np.sqrt(s2), size=(t, n)).T).T
    y = 1.0 + X @ np.array([1.0, -0.5]) + u1 + u2
    return SpatialPanel(y, X, W, tuple(range(1, n + 1)), tuple(range(t)), "y", ["x1", "x2"])


def brute_loglik(panel, b, lam_mu, lam_nu, s2, psi):
    """log N(y; Xβ, Ω) with Ω = σ²[J_T ⊗ ψ(B₁'B₁)⁻¹ + I_T ⊗ (B₂'B₂)⁻¹] formed explicitly."""
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    B1, B2 = np.eye(N) - lam_mu * Wd, np.eye(N) - lam_nu * Wd
    Om = s2 * (np.kron(np.ones((T, T)), psi * np.linalg.inv(B1.T @ B1)) + np.kron(np.eye(T), np.linalg.inv(B2.T @ B2)))
    X = np.concatenate([np.ones((T, N, 1)), panel.X], axis=2).reshape(T * N, -1)
    return stats.multivariate_normal(X @ b, Om).logpdf(panel.y.reshape(-1))


def _theta(res):
    k = len(res.names) - (2 if res.model == "sem_gspre" else 1)
    b = res.params[:k]
    lams = res.params[k:]
    lam_mu, lam_nu = (lams[0], lams[1]) if len(lams) == 2 else (lams[0], lams[0])
    return b, lam_mu, lam_nu, res.sigma2, res.sigma2_mu / res.sigma2


def _num_grad(f, x, h=1e-5):
    g = np.empty(len(x))
    for i in range(len(x)):
        e = np.zeros(len(x))
        e[i] = h * max(1.0, abs(x[i]))
        g[i] = (f(x + e) - f(x - e)) / (2 * e[i])
    return g


@pytest.mark.parametrize("restriction", ["gspre", "kkp"])
def test_ml_equals_the_brute_force_likelihood_and_solves_its_first_order_conditions(restriction):
    panel = simulate_re(n=30, t=4, lam_mu=0.3 if restriction == "gspre" else 0.4, lam_nu=0.4, seed=3)
    res = fit_gspre(panel, restriction)
    b, lm, ln, s2, psi = _theta(res)
    assert res.loglik == pytest.approx(brute_loglik(panel, b, lm, ln, s2, psi), rel=1e-10)
    k = len(b)
    free = restriction == "gspre"

    def f(v):
        lam_mu, lam_nu = (v[k], v[k + 1]) if free else (v[k], v[k])
        j = k + (2 if free else 1)
        return brute_loglik(panel, v[:k], lam_mu, lam_nu, v[j], v[j + 1])

    theta = np.r_[b, [lm, ln] if free else [lm], s2, psi]
    g = _num_grad(f, theta)
    assert np.abs(g).max() < 1e-4, g  # ℓ ≈ -200 here: the FOCs hold far below the standard errors
    # standard errors: numerical Hessian of the brute-force likelihood
    n = len(theta)
    H = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = 1e-4 * max(1.0, abs(theta[i]))
        H[:, i] = (_num_grad(f, theta + e) - _num_grad(f, theta - e)) / (2 * e[i])
    se = np.sqrt(np.diag(np.linalg.inv(-(H + H.T) / 2)))[: len(res.params)]
    np.testing.assert_allclose(res.std_errors, se, rtol=1e-3)


def test_lambda_mu_zero_is_the_baltagi_song_koh_sem_re():
    panel = simulate_re(n=30, t=4, lam_mu=0.0, lam_nu=0.4, seed=4)
    bsk = fit_spatial_re(panel, "sem")
    b, lam = bsk.params[:-1], bsk.params[-1]
    psi = bsk.sigma2_mu / bsk.sigma2
    assert brute_loglik(panel, b, 0.0, lam, bsk.sigma2, psi) == pytest.approx(bsk.loglik, rel=1e-10)
    gs = fit_gspre(panel, "gspre")
    assert gs.loglik >= bsk.loglik - 1e-8  # GSPRE nests SEM-RE
    kkp = fit_gspre(panel, "kkp")
    assert gs.loglik >= kkp.loglik - 1e-8  # and KKP


def test_kkp_moments_equal_explicit_quadratic_forms():
    panel = simulate_re(n=20, t=4, lam_mu=0.4, lam_nu=0.4, seed=5)
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    u = np.random.default_rng(0).normal(size=(T, N))
    G0, g0, G1, g1 = kkp_moments(u, Wd)
    JT = np.ones((T, T)) / T
    Q0, Q1 = np.kron(np.eye(T) - JT, np.eye(N)), np.kron(JT, np.eye(N))
    WW = np.kron(np.eye(T), Wd)
    uv = u.reshape(-1)
    for lam in (0.0, 0.3, -0.2):
        for s2 in (0.5, 1.3):
            eps, epsb = uv - lam * WW @ uv, WW @ uv - lam * WW @ WW @ uv
            alpha = np.array([lam, lam * lam, s2])
            expect0 = np.array([eps @ Q0 @ eps - s2 * N * (T - 1), epsb @ Q0 @ epsb - s2 * np.trace(Wd.T @ Wd) * (T - 1),
                                epsb @ Q0 @ eps]) / (N * (T - 1))
            expect1 = np.array([eps @ Q1 @ eps - s2 * N, epsb @ Q1 @ epsb - s2 * np.trace(Wd.T @ Wd),
                                epsb @ Q1 @ eps]) / N
            np.testing.assert_allclose(g0 - G0 @ alpha, expect0, atol=1e-12)
            np.testing.assert_allclose(g1 - G1 @ alpha, expect1, atol=1e-12)


def test_recovery_ml_and_gm():
    """Mean estimate within 4 standard errors of the mean of the truth. λ_mu is identified by one
    cross-section of N random effects only (SE ≈ 0.35 at N = 50), so the reported SEs, not the spread
    of a handful of replications, set the scale (λ of the GM estimator has no SE: its spread does)."""
    est = {"gspre": [], "kkp": [], "gm": []}
    ses = {"gspre": [], "kkp": [], "gm": []}
    for rep in range(4):
        p1 = simulate_re(n=50, t=6, lam_mu=0.2, lam_nu=0.5, seed=20 + rep)
        p2 = simulate_re(n=50, t=6, lam_mu=0.4, lam_nu=0.4, seed=40 + rep)
        for key, res in (("gspre", fit_gspre(p1, "gspre")), ("kkp", fit_gspre(p2, "kkp")), ("gm", fit_kkp_gm(p2))):
            est[key].append(res.params)
            ses[key].append(res.std_errors)
    truth = {"gspre": [1.0, 1.0, -0.5, 0.2, 0.5], "kkp": [1.0, 1.0, -0.5, 0.4], "gm": [1.0, 1.0, -0.5, 0.4]}
    for key, rows in est.items():
        rows, se = np.array(rows), np.array(ses[key])
        spread = rows.std(0, ddof=1)
        finite = np.isfinite(se).all(0)
        scale = spread.copy()
        scale[finite] = np.sqrt(np.mean(se[:, finite] ** 2, axis=0))
        scale /= np.sqrt(len(rows))
        assert np.all(np.abs(rows.mean(0) - truth[key]) < 4 * scale + 0.02), (key, rows.mean(0), scale)


def test_bad_restriction_and_no_random_effect():
    panel = simulate_re(n=20, t=3, seed=6)
    with pytest.raises(ConfigError, match="restriction"):
        fit_gspre(panel, "bsk")
