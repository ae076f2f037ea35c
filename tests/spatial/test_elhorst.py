"""Elhorst's conventions (clusternet.spatial.elhorst): his information matrix, LM tests,
log-likelihood and bias-corrected direct estimator, each checked against a transcription of his
MATLAB formulas (sar_panel_FE.m, LMsarsem_panel.m, f2_sarpanel.m of his spatial panel code) in
stacked NT-vector form written here, and against the core where the conventions coincide.

Published numbers on the cigarette-demand panel (SDPDmod's printout, which uses his information
matrix) are in test_cigar_published.py; his own printed tables are not reproduced: see docs/spatial.md."""
from __future__ import annotations

import numpy as np
import pytest

from clusternet.spatial.elhorst import fit_elhorst, lm_tests_elhorst
from clusternet.spatial.models import demean, fit_spatial_panel, lm_tests

from spatial_testdata import simulate


def _stacked(panel, effects, durbin):
    T, N = panel.y.shape
    Wd = panel.W.toarray()
    X = panel.X
    if durbin:
        X = np.concatenate([X, np.stack([Wd @ X[t] for t in range(T)])], axis=2)
    xw = demean(X, effects).reshape(T * N, -1)
    yw = demean(panel.y, effects).reshape(-1)
    wyw = demean(np.stack([Wd @ panel.y[t] for t in range(T)]), effects).reshape(-1)
    return xw, yw, wyw, np.kron(np.eye(T), Wd), Wd


def _his_fit(panel, effects, durbin, bc):
    """sar_panel_FE: concentrated ML on (ywith, wywith), his sige, xpx and bias correction."""
    T, N = panel.y.shape
    xw, yw, wyw, Wbig, Wd = _stacked(panel, effects, durbin)
    nobs, nvar = xw.shape
    b0 = np.linalg.lstsq(xw, yw, rcond=None)[0]
    bd = np.linalg.lstsq(xw, wyw, rcond=None)[0]
    e0, ed = yw - xw @ b0, wyw - xw @ bd
    eig = np.linalg.eigvals(Wd)  # complex for a non-symmetric W
    grid = np.linspace(-0.99, 0.99, 200001)  # his fminbnd; a fine grid then a local refinement
    conc = [-nobs / 2 * np.log((e0 - p * ed) @ (e0 - p * ed)) + T * np.sum(np.log(1 - p * eig)).real for p in grid[::100]]
    p0 = grid[::100][int(np.argmax(conc))]
    from scipy import optimize

    p = optimize.minimize_scalar(lambda r: -(-nobs / 2 * np.log((e0 - r * ed) @ (e0 - r * ed))
                                             + T * np.sum(np.log(1 - r * eig)).real),
                                 bounds=(p0 - 0.02, p0 + 0.02), method="bounded",
                                 options={"xatol": 1e-12}).x
    beta = b0 - p * bd
    sige = (e0 - p * ed) @ (e0 - p * ed) / nobs
    if bc and effects == "individual":
        sige *= T / (T - 1)
    if bc and effects == "time":
        sige *= N / (N - 1)

    def xpx_at(beta, p, sige):
        B = np.eye(N) - p * Wd
        WB = Wd @ np.linalg.inv(B)
        WBbig = np.kron(np.eye(T), WB)
        pterm = np.trace(WB @ WB + WB.T @ WB)
        m = np.zeros((nvar + 2, nvar + 2))
        m[:nvar, :nvar] = xw.T @ xw / sige
        m[:nvar, nvar] = m[nvar, :nvar] = xw.T @ WBbig @ xw @ beta / sige
        m[nvar, nvar] = (WBbig @ xw @ beta) @ (WBbig @ xw @ beta) / sige + T * pterm
        m[nvar + 1, nvar + 1] = nobs / (2 * sige ** 2)
        m[nvar, nvar + 1] = m[nvar + 1, nvar] = T / sige * np.trace(WB)
        return m

    e = yw - xw @ beta - p * (Wbig @ yw)
    lik = -(N * T / 2) * np.log(2 * np.pi * sige) + T * np.linalg.slogdet(np.eye(N) - p * Wd)[1] - e @ e / (2 * sige)
    if bc and effects == "twoway":
        parm = np.r_[beta, p, sige]
        xpx = xpx_at(beta, p, sige)
        parm_bc = parm + np.linalg.inv(xpx / nobs) @ np.r_[np.zeros(nvar), 1 / (1 - p), 1 / (2 * sige)] / N
        beta, p, sige = parm_bc[:nvar], parm_bc[nvar], T / (T - 1) * parm_bc[nvar + 1]
    cov = np.linalg.inv(xpx_at(beta, p, sige))
    return np.r_[beta, p], np.sqrt(np.diag(cov))[: nvar + 1], sige, lik


@pytest.mark.parametrize("model", ["sar", "sdm"])
@pytest.mark.parametrize("effects", ["individual", "time", "twoway"])
@pytest.mark.parametrize("convention", ["elhorst_bc0", "elhorst_bc1"])
def test_conventions_match_his_formulas(model, effects, convention):
    panel = simulate(n=30, t=6, rho=0.4, theta=(0.3, 0.0) if model == "sdm" else (0.0, 0.0), effects="twoway",
                     seed=51)
    ours, extra = fit_elhorst(panel, model, effects, convention, logdet="eigen")
    params, se, sige, lik = _his_fit(panel, effects, model == "sdm", convention == "elhorst_bc1")
    # his ρ comes from a bounded scalar search here (xatol 1e-12, ~1e-9 in ρ); ours is the score root
    np.testing.assert_allclose(ours.params, params, rtol=0, atol=1e-7)
    np.testing.assert_allclose(ours.std_errors, se, rtol=1e-6)
    assert ours.sigma2 == pytest.approx(sige, rel=1e-7)
    assert ours.loglik == pytest.approx(lik, abs=1e-6)


def test_bc0_information_equals_the_core_for_individual_effects():
    panel = simulate(n=30, t=6, rho=0.4, effects="individual", seed=52)
    ours, _ = fit_elhorst(panel, "sar", "individual", "elhorst_bc0")
    core = fit_spatial_panel(panel, "sar", "individual", lee_yu=False)
    np.testing.assert_allclose(ours.std_errors, core.std_errors, rtol=1e-10)
    assert ours.loglik == pytest.approx(core.loglik, abs=1e-8)


def test_bc0_information_differs_from_the_core_with_time_effects():
    panel = simulate(n=30, t=6, rho=0.4, effects="twoway", seed=53)
    ours, _ = fit_elhorst(panel, "sar", "twoway", "elhorst_bc0")
    core = fit_spatial_panel(panel, "sar", "twoway", lee_yu=False)
    np.testing.assert_allclose(ours.params, core.params, rtol=0, atol=1e-12)
    rel = np.abs(ours.std_errors / core.std_errors - 1)
    assert rel.max() > 1e-6 and rel.max() < 0.05


def test_lm_tests_elhorst_equal_core_for_individual_effects_and_his_formula_for_two_way():
    panel = simulate(n=30, t=6, rho=0.3, effects="twoway", seed=54)
    ours = {r["name"]: r["statistic"] for r in lm_tests_elhorst(panel, "individual")}
    core = {r["name"]: r["statistic"] for r in lm_tests(panel, "individual")}
    for key in core:
        assert ours[key] == pytest.approx(core[key], rel=1e-10)
    # two-way: his LMsarsem_panel with stacked matrices
    T, N = panel.y.shape
    xw, yw, _, Wbig, Wd = _stacked(panel, "twoway", False)
    beta = np.linalg.lstsq(xw, yw, rcond=None)[0]
    res = yw - xw @ beta
    nobs = len(yw)
    sige = res @ res / nobs
    WXB = Wbig @ xw @ beta
    MWXB = WXB - xw @ np.linalg.solve(xw.T @ xw, xw.T @ WXB)
    Ttr = T * np.trace((Wd.T + Wd) @ Wd)
    J = (WXB @ MWXB + Ttr * sige) / sige
    EWE, EWY = res @ Wbig @ res, res @ Wbig @ yw
    his = {"lm_error": (EWE / sige) ** 2 / Ttr, "lm_lag": (EWY / sige) ** 2 / J,
           "robust_lm_error": (EWE - (Ttr / J) * EWY) ** 2 / (sige ** 2 * (Ttr * (1 - Ttr / J))),
           "robust_lm_lag": (EWY - EWE) ** 2 / (sige ** 2 * (J - Ttr))}
    ours2 = {r["name"]: r["statistic"] for r in lm_tests_elhorst(panel, "twoway")}
    for key in his:
        assert ours2[key] == pytest.approx(his[key], rel=1e-10)


def test_bc1_two_way_rho_close_to_lee_yu():
    """Both remove the O(1/N) bias of ρ with time effects; they differ at higher order."""
    panel = simulate(n=200, t=8, rho=0.5, effects="twoway", seed=55)
    bc1, extra = fit_elhorst(panel, "sar", "twoway", "elhorst_bc1")
    ly = fit_spatial_panel(panel, "sar", "twoway", lee_yu=True)
    raw = fit_spatial_panel(panel, "sar", "twoway", lee_yu=False)
    assert abs(bc1.delta - ly.delta) < 0.1 * abs(raw.delta - ly.delta) + 1e-3
    assert "bias_correction" in extra
