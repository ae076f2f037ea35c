"""Random-effects spatial panels: against a brute-force full-covariance Gaussian likelihood
(the NT x NT covariance written out, maximised here independently), recovery, Hausman test."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from clusternet.spatial.models import fit_spatial_panel
from clusternet.spatial.random_effects import fit_spatial_re, hausman_test

from spatial_testdata import knn_weights
from clusternet.spatial.models import SpatialPanel


def simulate_re(n=20, t=5, rho=0.0, lam=0.0, beta=(1.0, -0.5), theta=(0.0, 0.0), sigma_mu=1.0, const=0.5,
                seed=1, corr=0.0):
    """y = ρWy + c + Xβ + WXθ + μ_i + u, u = λWu + ε; corr > 0 correlates μ with x1 (FE consistent, RE not)."""
    rng = np.random.default_rng(seed)
    W = knn_weights(n, 4, seed)
    Wd = W.toarray()
    mu = sigma_mu * rng.normal(size=n)
    X = rng.normal(size=(t, n, len(beta))) + corr * mu[None, :, None] * np.r_[1.0, np.zeros(len(beta) - 1)]
    A = np.linalg.inv(np.eye(n) - rho * Wd)
    B = np.linalg.inv(np.eye(n) - lam * Wd)
    y = np.stack([A @ (const + X[s] @ np.array(beta) + Wd @ X[s] @ np.array(theta) + mu + B @ rng.normal(size=n))
                  for s in range(t)])
    names = [f"x{j + 1}" for j in range(len(beta))]
    return SpatialPanel(y, X, W, tuple(range(1, n + 1)), tuple(range(2000, 2000 + t)), "y", names)


def _brute(panel, model):
    """Negative full log-likelihood in (coefficients, δ, log σ², log σ_μ²) with the NT x NT Ω."""
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    Xs = [np.ones((T, N, 1)), panel.X]
    if model == "sdm":
        Xs.append(np.stack([Wd @ panel.X[t] for t in range(T)]))
    Z = np.concatenate(Xs, axis=2).reshape(T * N, -1)
    y = panel.y.reshape(-1)
    IT, JT = np.eye(T), np.ones((T, T))
    k = Z.shape[1]

    def negll(p):
        b, d, s2, s2mu = p[:k], p[k], np.exp(p[k + 1]), np.exp(p[k + 2])
        S = np.eye(N) - d * Wd
        if model == "sem":
            e = y - Z @ b
            Binv = np.linalg.inv(S)
            Omega = s2mu * np.kron(JT, np.eye(N)) + s2 * np.kron(IT, Binv @ Binv.T)
            jac = 0.0
        else:
            e = np.kron(IT, S) @ y - Z @ b
            Omega = s2mu * np.kron(JT, np.eye(N)) + s2 * np.eye(T * N)
            jac = T * np.linalg.slogdet(S)[1]
        _, logdet = np.linalg.slogdet(Omega)
        return -(-T * N / 2 * np.log(2 * np.pi) - logdet / 2 + jac - e @ np.linalg.solve(Omega, e) / 2)

    return negll, k


def _numgrad(f, x, h=1e-6):
    g = np.empty_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("model", ["sar", "sdm", "sem"])
def test_re_matches_brute_force_likelihood(model):
    panel = simulate_re(n=16, t=4, rho=0.4 if model != "sem" else 0.0, lam=0.4 if model == "sem" else 0.0,
                        theta=(0.3, 0.0) if model == "sdm" else (0.0, 0.0), seed=31)
    ours = fit_spatial_re(panel, model, logdet="eigen")
    negll, k = _brute(panel, model)
    start = np.r_[np.zeros(k), 0.1, 0.0, 0.0]  # not our estimate: an independent search
    sol = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-6, "maxiter": 5000})
    # polish: solve the (numerical) first-order conditions of the brute-force likelihood
    root = optimize.root(lambda p: _numgrad(negll, p), sol.x, method="hybr", options={"xtol": 1e-13})
    x = root.x
    np.testing.assert_allclose(ours.params, x[: k + 1], rtol=0, atol=1e-6)
    assert ours.sigma2 == pytest.approx(np.exp(x[k + 1]), abs=1e-6)
    assert ours.sigma2_mu == pytest.approx(np.exp(x[k + 2]), abs=1e-6)
    assert ours.loglik == pytest.approx(-negll(x), abs=1e-7)
    # standard errors: numerical Hessian of the brute-force likelihood (second differences, ~1e-5)
    H = np.empty((k + 3, k + 3))
    for i in range(k + 3):
        e = np.zeros(k + 3)
        e[i] = 1e-4
        H[:, i] = (_numgrad(negll, x + e, 1e-5) - _numgrad(negll, x - e, 1e-5)) / 2e-4
    V = np.linalg.inv((H + H.T) / 2)
    np.testing.assert_allclose(ours.std_errors, np.sqrt(np.diag(V))[: k + 1], rtol=1e-4)


def test_re_recovery_and_effects_of_sdm():
    truth = np.array([0.5, 1.0, -0.5, 0.3, 0.1, 0.4])
    panel = simulate_re(n=150, t=8, rho=0.4, beta=truth[1:3], theta=truth[3:5], sigma_mu=0.8, seed=32)
    res = fit_spatial_re(panel, "sdm")
    z = (res.params - truth) / res.std_errors
    assert np.all(np.abs(z) < 4), z
    assert res.sigma2 == pytest.approx(1.0, abs=0.1)
    assert res.sigma2_mu == pytest.approx(0.64, abs=0.3)


def test_re_at_zero_variance_bound_reports_it():
    panel = simulate_re(n=40, t=5, rho=0.3, sigma_mu=0.0, seed=33)
    res = fit_spatial_re(panel, "sar")
    if res.boundary:
        assert res.phi == 1.0 and res.sigma2_mu == 0.0 and res.notes
    else:  # an interior estimate must then be small
        assert res.sigma2_mu < 0.2


def test_hausman_rejects_correlated_effects_and_not_random_ones():
    rand = simulate_re(n=120, t=6, rho=0.3, sigma_mu=1.0, seed=34)
    corr = simulate_re(n=120, t=6, rho=0.3, sigma_mu=1.0, seed=34, corr=0.3)
    p = {}
    for name, panel in (("random", rand), ("correlated", corr)):
        fe = fit_spatial_panel(panel, "sar", "individual")
        re = fit_spatial_re(panel, "sar")
        p[name] = hausman_test(fe, re)["p_value"]
    assert p["correlated"] < 1e-4
    assert p["random"] > 0.001
