"""SAC/SARAR fixed effects: against brute-force likelihoods maximised here (the demeaned model and
the Lee–Yu orthogonal transformation written out), and recovery."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from clusternet.spatial.models import demean
from clusternet.spatial.sac import fit_sac

from spatial_testdata import simulate


def _orthonormal_complement(m):
    vals, vecs = np.linalg.eigh(np.eye(m) - np.ones((m, m)) / m)
    return vecs[:, vals > 0.5]


def _numgrad(f, x, h=1e-6):
    g = np.empty_like(x)
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def _brute_fit(ys, Xs, Ws, start):
    """Maximise ℓ = -(n/2)log(2πσ²) + T(log|I-ρW| + log|I-λW|) - Σ_t‖(I-λW)((I-ρW)y_t - X_tβ)‖²/(2σ²)
    over (β, ρ, λ, log σ²) for transformed data ys (T, N), Xs (T, N, k) and matrix Ws."""
    Tn, Nn, k = Xs.shape
    I = np.eye(Nn)

    def negll(p):
        b, rho, lam, s2 = p[:k], p[k], p[k + 1], np.exp(p[k + 2])
        S, B = I - rho * Ws, I - lam * Ws
        r = (ys @ S.T - Xs @ b) @ B.T
        ld = np.linalg.slogdet(S)[1] + np.linalg.slogdet(B)[1]
        return -(-Nn * Tn / 2 * np.log(2 * np.pi * s2) + Tn * ld - (r ** 2).sum() / (2 * s2))

    sol = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-6, "maxiter": 5000})
    root = optimize.root(lambda p: _numgrad(negll, p), sol.x, method="hybr", options={"xtol": 1e-13})
    return root.x, negll


@pytest.mark.parametrize("effects,lee_yu", [("individual", False), ("twoway", True), ("time", True)])
def test_sac_matches_brute_force_likelihood(effects, lee_yu):
    panel = simulate(n=20, t=5, rho=0.4, lam=0.3, effects=effects, seed=41)
    ours = fit_sac(panel, effects, lee_yu=lee_yu, logdet="eigen")
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    if lee_yu:
        FT = _orthonormal_complement(T) if effects in ("individual", "twoway") else np.eye(T)
        FN = _orthonormal_complement(N) if effects in ("time", "twoway") else np.eye(N)
        ys = FT.T @ panel.y @ FN
        Xs = np.einsum("ts,tnk,nm->smk", FT, panel.X, FN)
        Ws = FN.T @ Wd @ FN
    else:
        ys, Xs, Ws = demean(panel.y, effects), demean(panel.X, effects), Wd
    x, negll = _brute_fit(ys, Xs, Ws, np.r_[0.0, 0.0, 0.1, 0.1, 0.0])
    np.testing.assert_allclose(ours.params, x[:4], rtol=0, atol=1e-6)
    assert ours.sigma2 == pytest.approx(np.exp(x[4]), abs=1e-6)
    assert ours.loglik == pytest.approx(-negll(x), abs=1e-7)
    H = np.empty((5, 5))
    for i in range(5):
        e = np.zeros(5)
        e[i] = 1e-4
        H[:, i] = (_numgrad(negll, x + e, 1e-5) - _numgrad(negll, x - e, 1e-5)) / 2e-4
    V = np.linalg.inv((H + H.T) / 2)
    np.testing.assert_allclose(ours.std_errors, np.sqrt(np.diag(V))[:4], rtol=1e-4)


def test_sac_recovery_two_way():
    truth = np.array([1.0, -0.5, 0.5, 0.3])
    panel = simulate(n=300, t=6, rho=0.5, lam=0.3, beta=truth[:2], effects="twoway", seed=42)
    res = fit_sac(panel, "twoway")
    z = (res.params - truth) / res.std_errors
    assert np.all(np.abs(z) < 4), z
    assert res.sigma2 == pytest.approx(1.0, abs=0.1)
