"""Spatial panel ML: agreement with spreg, a brute-force Lee–Yu likelihood, recovery."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from clusternet.errors import ConfigError
from clusternet.spatial.models import (LogDet, demean, effects_table, fit_spatial_panel, lag, lm_tests,
                                       wald_sdm_tests)

from spatial_testdata import simulate


def _spreg_fit(panel, model):
    import libpysal
    import spreg

    w = libpysal.weights.WSP(panel.W).to_W(silence_warnings=True)
    k = panel.X.shape[2]
    # spreg's lag information matrix uses the un-demeaned x in one cross term; feeding
    # already demeaned data (demeaning is idempotent) avoids that quirk.
    yd = demean(panel.y, "individual").reshape(-1, 1)
    xd = demean(panel.X, "individual").reshape(-1, k)
    cls = spreg.Panel_FE_Lag if model == "sar" else spreg.Panel_FE_Error
    return cls(yd, xd, w, epsilon=1e-12)


@pytest.mark.parametrize("model", ["sar", "sem"])
def test_one_way_fe_matches_spreg(model):
    panel = simulate(n=40, t=6, rho=0.4 if model == "sar" else 0.0, lam=0.5 if model == "sem" else 0.0,
                     effects="individual", seed=3)
    ours = fit_spatial_panel(panel, model, "individual", lee_yu=False)
    ref = _spreg_fit(panel, model)
    n = panel.y.size
    np.testing.assert_allclose(ours.params, ref.betas.ravel(), atol=1e-6)
    np.testing.assert_allclose(ours.std_errors, np.sqrt(np.diag(ref.vm)), atol=1e-6)
    assert ours.sigma2 == pytest.approx(float(np.squeeze(ref.sig2)), abs=1e-6)
    # spreg's logll puts SSR (not SSR/NT) inside the log: it is ours - (NT/2) log(NT)
    assert ours.loglik - n / 2 * np.log(n) == pytest.approx(float(np.squeeze(ref.logll)), abs=1e-6)


def test_lee_yu_individual_rescales_sigma2_only(small_panel):
    raw = fit_spatial_panel(small_panel, "sar", "individual", lee_yu=False)
    ly = fit_spatial_panel(small_panel, "sar", "individual", lee_yu=True)
    T = small_panel.y.shape[0]
    np.testing.assert_allclose(ly.params, raw.params, atol=1e-8)
    assert ly.sigma2 == pytest.approx(raw.sigma2 * T / (T - 1), rel=1e-8)


def _orthonormal_complement(m):
    """Eigenvectors of J_m = I - 11'/m for eigenvalue 1 (m x (m-1))."""
    vals, vecs = np.linalg.eigh(np.eye(m) - np.ones((m, m)) / m)
    return vecs[:, vals > 0.5]


@pytest.mark.parametrize("lee_yu", [True, False])
def test_two_way_sdm_against_brute_force_likelihood(lee_yu):
    panel = simulate(n=25, t=5, rho=0.3, beta=(1.0, -0.5), theta=(0.4, 0.2), effects="twoway", seed=7)
    ours = fit_spatial_panel(panel, "sdm", "twoway", lee_yu=lee_yu)
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    WX = np.stack([Wd @ panel.X[t] for t in range(T)])
    Z = np.concatenate([panel.X, WX], axis=2)
    if lee_yu:
        # the Lee–Yu transformation written out: y* = (F_T' ⊗ F_N') y, W* = F_N' W F_N
        FT, FN = _orthonormal_complement(T), _orthonormal_complement(N)
        ys = FT.T @ panel.y @ FN  # (T-1, N-1)
        Zs = np.einsum("ts,tnk,nm->smk", FT, Z, FN)
        Ws = FN.T @ Wd @ FN
        Wys = ys @ Ws.T
        Tn, Nn = T - 1, N - 1
        W_logdet = Ws
    else:
        ys = demean(panel.y, "twoway")
        Zs = demean(Z, "twoway")
        Wys = demean(panel.y @ Wd.T, "twoway")
        Tn, Nn, W_logdet = T, N, Wd

    def negll(p):
        b, rho, s2 = p[:4], p[4], np.exp(p[5])
        r = ys - rho * Wys - Zs @ b
        sign, logdet = np.linalg.slogdet(np.eye(Nn) - rho * W_logdet)
        return -(-Nn * Tn / 2 * np.log(2 * np.pi * s2) + Tn * logdet - (r ** 2).sum() / (2 * s2))

    start = np.r_[np.zeros(4), 0.0, 0.0]
    sol = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-10, "maxiter": 5000})
    sol = optimize.minimize(negll, sol.x, method="Nelder-Mead",
                            options={"xatol": 1e-11, "fatol": 1e-13, "maxiter": 20000})
    np.testing.assert_allclose(ours.params, sol.x[:5], atol=1e-6)
    assert ours.sigma2 == pytest.approx(np.exp(sol.x[5]), abs=1e-6)
    assert ours.loglik == pytest.approx(-sol.fun, abs=1e-6)


def test_recovery_two_way_sdm_lee_yu():
    truth = np.array([1.0, -0.5, 0.4, 0.2, 0.5])
    panel = simulate(n=300, t=8, rho=0.5, beta=truth[:2], theta=truth[2:4], effects="twoway", seed=11)
    res = fit_spatial_panel(panel, "sdm", "twoway", lee_yu=True)
    z = (res.params - truth) / res.std_errors
    assert np.all(np.abs(z) < 4), z
    assert res.sigma2 == pytest.approx(1.0, abs=0.1)


def test_recovery_sem_time_effects():
    panel = simulate(n=300, t=6, rho=0.0, lam=0.6, effects="time", seed=5)
    res = fit_spatial_panel(panel, "sem", "time", lee_yu=True)
    z = (res.params - np.array([1.0, -0.5, 0.6])) / res.std_errors
    assert np.all(np.abs(z) < 4), z


def test_logdet_methods_agree(small_panel):
    W = small_panel.W
    exact = np.linalg.slogdet(np.eye(W.shape[0]) - 0.45 * W.toarray())[1]
    assert LogDet(W, "eigen")(0.45) == pytest.approx(exact, abs=1e-10)
    assert LogDet(W, "lu")(0.45) == pytest.approx(exact, abs=1e-10)
    # Monte Carlo approximation: close, not exact (documented)
    assert LogDet(W, "mc", seed=1, mc_order=60, mc_probes=200)(0.45) == pytest.approx(exact, rel=0.05)


def test_lu_and_eigen_give_same_fit(small_panel):
    a = fit_spatial_panel(small_panel, "sdm", "twoway", logdet="eigen")
    b = fit_spatial_panel(small_panel, "sdm", "twoway", logdet="lu")
    # rtol=0: assert_allclose's default rtol=1e-7 would swamp atol. 1e-11: ρ is the root of the
    # analytic score (exact to ~1e-14, not the ~1e-7 of maximising the likelihood itself); the
    # two log-determinants differ by rounding only (~1e-13 in the score)
    np.testing.assert_allclose(a.params, b.params, rtol=0, atol=1e-11)


def test_effects_point_estimates_by_dense_inverse(small_panel):
    res = fit_spatial_panel(small_panel, "sdm", "twoway")
    eff = effects_table(res, small_panel.W, draws=200, seed=1)
    Wd = small_panel.W.toarray()
    N = Wd.shape[0]
    Sinv = np.linalg.inv(np.eye(N) - res.delta * Wd)
    for j, name in enumerate(res.x_names):
        M = Sinv @ (res.params[j] * np.eye(N) + res.params[2 + j] * Wd)
        direct, total = np.trace(M) / N, M.sum() / N
        row = eff["variables"][name]
        assert row["direct"]["estimate"] == pytest.approx(direct, abs=1e-10)
        assert row["total"]["estimate"] == pytest.approx(total, abs=1e-10)
        assert row["indirect"]["estimate"] == pytest.approx(total - direct, abs=1e-10)
        assert row["direct"]["ci_lower"] < row["direct"]["estimate"] < row["direct"]["ci_upper"]
    # seeded: identical on a rerun
    assert effects_table(res, small_panel.W, draws=200, seed=1) == eff


def test_lm_tests_match_spreg_ols_cross_section():
    import libpysal
    import spreg

    panel = simulate(n=60, t=1, rho=0.3, effects="none", seed=4)
    ours = {r["name"]: r["statistic"] for r in lm_tests(panel, "none")}
    w = libpysal.weights.WSP(panel.W).to_W(silence_warnings=True)
    ols = spreg.OLS(panel.y.reshape(-1, 1), panel.X.reshape(-1, 2), w=w, spat_diag=True)
    assert ours["lm_lag"] == pytest.approx(ols.lm_lag[0], abs=1e-8)
    assert ours["lm_error"] == pytest.approx(ols.lm_error[0], abs=1e-8)
    assert ours["robust_lm_lag"] == pytest.approx(ols.rlm_lag[0], abs=1e-8)
    assert ours["robust_lm_error"] == pytest.approx(ols.rlm_error[0], abs=1e-8)


def test_wald_sdm_vs_sar_rejects_when_theta_nonzero():
    panel = simulate(n=200, t=5, rho=0.3, theta=(0.8, 0.0), effects="twoway", seed=9)
    res = fit_spatial_panel(panel, "sdm", "twoway")
    tests = {t["name"]: t for t in wald_sdm_tests(res)}
    assert tests["wald_sdm_vs_sar"]["p_value"] < 1e-6


def test_lee_yu_time_effects_need_row_standardised_w(small_panel):
    small_panel.W = small_panel.W * 2.0
    with pytest.raises(ConfigError, match="row-standardised"):
        fit_spatial_panel(small_panel, "sar", "twoway", lee_yu=True)


def test_lag_is_per_period(small_panel):
    Wd = small_panel.W.toarray()
    np.testing.assert_allclose(lag(small_panel.W, small_panel.y)[2], Wd @ small_panel.y[2])


def test_monte_carlo_trace_effect_factors_close_to_exact():
    from spatial_testdata import knn_weights

    from clusternet.spatial.models import _effect_factors, _mc_trace_factors

    W = knn_weights(400, 5, seed=3)
    exact = _effect_factors(W, np.array([0.5]), 0, np.linalg.eigvals(W.toarray()))[0]
    a, b = _mc_trace_factors(W, 0.5, seed=1)
    # stochastic trace estimates (50 probes): ~1 % accuracy, documented as an approximation
    assert a == pytest.approx(exact[0], rel=0.01) and b == pytest.approx(exact[1], rel=0.05)


def test_two_way_sdem_lee_yu_against_brute_force_likelihood():
    panel = simulate(n=25, t=5, rho=0.0, lam=0.4, beta=(1.0, -0.5), theta=(0.4, 0.2), effects="twoway", seed=8)
    ours = fit_spatial_panel(panel, "sdem", "twoway", lee_yu=True)
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    Z = np.concatenate([panel.X, np.stack([Wd @ panel.X[t] for t in range(T)])], axis=2)
    FT, FN = _orthonormal_complement(T), _orthonormal_complement(N)
    ys = FT.T @ panel.y @ FN
    Zs = np.einsum("ts,tnk,nm->smk", FT, Z, FN)
    Ws = FN.T @ Wd @ FN

    def negll(p):
        b, lam, s2 = p[:4], p[4], np.exp(p[5])
        u = ys - Zs @ b
        e = u - lam * u @ Ws.T
        logdet = np.linalg.slogdet(np.eye(N - 1) - lam * Ws)[1]
        return -(-(N - 1) * (T - 1) / 2 * np.log(2 * np.pi * s2) + (T - 1) * logdet - (e ** 2).sum() / (2 * s2))

    sol = optimize.minimize(negll, np.zeros(6), method="BFGS", options={"gtol": 1e-10, "maxiter": 5000})
    sol = optimize.minimize(negll, sol.x, method="Nelder-Mead", options={"xatol": 1e-11, "fatol": 1e-13,
                                                                          "maxiter": 20000})
    np.testing.assert_allclose(ours.params, sol.x[:5], atol=1e-6)
    assert ours.sigma2 == pytest.approx(np.exp(sol.x[5]), abs=1e-6)
    assert ours.loglik == pytest.approx(-sol.fun, abs=1e-6)


def test_slx_is_within_ols_on_x_and_wx(small_panel):
    res = fit_spatial_panel(small_panel, "slx", "individual", lee_yu=False)
    T, N = small_panel.y.shape
    Wd = small_panel.W.toarray()
    Z = np.concatenate([small_panel.X, np.stack([Wd @ small_panel.X[t] for t in range(T)])], axis=2)
    Zd = (Z - Z.mean(axis=0)).reshape(-1, 4)
    yd = (small_panel.y - small_panel.y.mean(axis=0)).reshape(-1)
    b, *_ = np.linalg.lstsq(Zd, yd, rcond=None)
    np.testing.assert_allclose(res.params, b, atol=1e-10)
    e = yd - Zd @ b
    np.testing.assert_allclose(res.vcov, e @ e / (N * T) * np.linalg.inv(Zd.T @ Zd), atol=1e-12)


def test_fit_invariant_to_region_order(small_panel):
    import scipy.sparse as sp

    from clusternet.spatial.models import SpatialPanel

    perm = np.random.default_rng(0).permutation(small_panel.y.shape[1])
    W = sp.csr_matrix(small_panel.W.toarray()[np.ix_(perm, perm)])
    shuffled = SpatialPanel(small_panel.y[:, perm], small_panel.X[:, perm], W,
                            tuple(np.array(small_panel.ids)[perm]), small_panel.years, "y", small_panel.x_names)
    a = fit_spatial_panel(small_panel, "sdm", "twoway")
    b = fit_spatial_panel(shuffled, "sdm", "twoway")
    # rtol=0: the default rtol=1e-7 would swamp atol. 1e-11: reordering changes only the order of
    # summation (~1e-15 relative in the score); with ρ the root of the score that moves ρ by
    # ~1e-14, so 1e-11 is a wide margin for any BLAS
    np.testing.assert_allclose(a.params, b.params, rtol=0, atol=1e-11)
    np.testing.assert_allclose(a.std_errors, b.std_errors, rtol=0, atol=1e-11)


def test_transformed_traces_against_explicit_transformation(small_panel):
    from clusternet.spatial.models import transformed_traces

    Wd = small_panel.W.toarray()
    N, rho = Wd.shape[0], 0.35
    G = Wd @ np.linalg.inv(np.eye(N) - rho * Wd)
    FN = _orthonormal_complement(N)
    Gs = FN.T @ G @ FN
    explicit = (np.trace(Gs), np.trace(Gs @ Gs), np.trace(Gs.T @ Gs))
    np.testing.assert_allclose(transformed_traces(G, rho, 1.0), explicit, atol=1e-10)
    np.testing.assert_allclose(transformed_traces(G, rho, 0.0), (np.trace(G), np.trace(G @ G), np.trace(G.T @ G)),
                               atol=1e-10)


def test_regressor_absorbed_by_fixed_effects_is_named(small_panel):
    from clusternet.errors import EstimationError

    small_panel.X[:, :, 1] = np.arange(small_panel.y.shape[1])[None, :]  # constant over time
    small_panel.x_names = ["x1", "area"]
    with pytest.raises(EstimationError, match=r"\['area'\] are absorbed"):
        fit_spatial_panel(small_panel, "sar", "individual")


def test_lee_yu_two_way_sdm_information_matrix_on_transformed_data():
    """The covariance equals the textbook SAR information matrix (Lee & Yu 2010, eq. 7) evaluated
    on the explicitly transformed data (N-1 units, T-1 periods, W* = F_N' W F_N) at our estimates."""
    panel = simulate(n=25, t=5, rho=0.3, beta=(1.0, -0.5), theta=(0.4, 0.2), effects="twoway", seed=7)
    res = fit_spatial_panel(panel, "sdm", "twoway", lee_yu=True)
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    Z = np.concatenate([panel.X, np.stack([Wd @ panel.X[t] for t in range(T)])], axis=2)
    FT, FN = _orthonormal_complement(T), _orthonormal_complement(N)
    Zs = np.einsum("ts,tnk,nm->smk", FT, Z, FN)  # (T-1, N-1, k)
    Ws = FN.T @ Wd @ FN
    rho, b, s2 = res.delta, res.params[:4], res.sigma2
    Gs = Ws @ np.linalg.inv(np.eye(N - 1) - rho * Ws)
    X = Zs.reshape(-1, 4)
    GXb = (Zs @ b) @ Gs.T
    GXb = GXb.reshape(-1)
    n, Tn = (N - 1) * (T - 1), T - 1
    info = np.zeros((6, 6))
    info[:4, :4] = X.T @ X / s2
    info[:4, 4] = info[4, :4] = X.T @ GXb / s2
    info[4, 4] = Tn * (np.trace(Gs @ Gs) + np.trace(Gs.T @ Gs)) + GXb @ GXb / s2
    info[4, 5] = info[5, 4] = Tn * np.trace(Gs) / s2
    info[5, 5] = n / (2 * s2 ** 2)
    V = np.linalg.inv(info)
    np.testing.assert_allclose(res.vcov, V[:5, :5], rtol=1e-8, atol=1e-12)
    assert res.sigma2_se == pytest.approx(np.sqrt(V[5, 5]), rel=1e-8)


def test_lee_yu_two_way_sdem_covariance_on_transformed_data():
    panel = simulate(n=25, t=5, rho=0.0, lam=0.4, beta=(1.0, -0.5), theta=(0.4, 0.2), effects="twoway", seed=8)
    res = fit_spatial_panel(panel, "sdem", "twoway", lee_yu=True)
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    Z = np.concatenate([panel.X, np.stack([Wd @ panel.X[t] for t in range(T)])], axis=2)
    FT, FN = _orthonormal_complement(T), _orthonormal_complement(N)
    Zs = np.einsum("ts,tnk,nm->smk", FT, Z, FN)
    Ws = FN.T @ Wd @ FN
    lam, s2 = res.delta, res.sigma2
    B = np.eye(N - 1) - lam * Ws
    Xf = np.einsum("tnk,mn->tmk", Zs, B).reshape(-1, 4)  # (I - λW*) applied per period
    H = Ws @ np.linalg.inv(B)
    n, Tn = (N - 1) * (T - 1), T - 1
    block = np.array([[Tn * (np.trace(H @ H) + np.trace(H.T @ H)), Tn * np.trace(H) / s2],
                      [Tn * np.trace(H) / s2, n / (2 * s2 ** 2)]])
    np.testing.assert_allclose(res.vcov[:4, :4], s2 * np.linalg.inv(Xf.T @ Xf), rtol=1e-8)
    assert res.vcov[4, 4] == pytest.approx(np.linalg.inv(block)[0, 0], rel=1e-8)
    assert np.all(res.vcov[:4, 4] == 0)


def test_monte_carlo_logdet_fit_close_to_exact():
    panel = simulate(n=200, t=5, rho=0.5, effects="twoway", seed=12)
    exact = fit_spatial_panel(panel, "sar", "twoway", logdet="eigen")
    approx = fit_spatial_panel(panel, "sar", "twoway", logdet="mc", seed=3, mc_order=60, mc_probes=100)
    assert approx.logdet_method == "mc"
    assert abs(approx.delta - exact.delta) < 0.02
