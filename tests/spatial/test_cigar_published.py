"""Published numbers on Baltagi's cigarette-demand panel (N = 46 US states, T = 30, 1963-1992) with
the US-states contiguity matrix (Elhorst's Spat-Sym-US, as libpysal ships it), row-standardised.

Reference: the printed output of the vignette "Spatial dynamic panel data modeling" of the R package
SDPDmod 0.0.6 (Simonovska 2025; inst/doc/spatial_model.html of the CRAN release, git commit
9ffbe2e35a8aa44b3addf2c64a0625afad9aed8e of the mirror repository cran/SDPDmod), which runs
``SDPDm`` on plm's Cigar data with logc ~ logp + logy and SDPDmod's usa46 matrix (= Spat-Sym-US):

* ``mod1``: static SAR, individual effects, LYtrans = FALSE (the direct ML of Elhorst's
  sar_panel_FE; SDPDm's information matrix is his, f_SIG);
* ``mod3``: dynamic SAR (y_{t-1}, W y_{t-1}), individual effects, LYtrans = TRUE = the Yu, de Jong &
  Lee (2008) bias-corrected QML;
* ``mod4``: the same with y_{t-1} only (no space-time lag; the lag supplied as a data column).

SDPDm finds ρ by R's ``optimize`` (Brent, tol = eps^0.25) over a log-determinant tabulated on a
0.001 grid and looked up at the nearest grid point, so its ρ̂ is not the exact maximiser: ours
(the score root) differs by 5.8e-4 (static) and 3.1e-3 (dynamic, uncorrected). The tests therefore
(1) reproduce its ρ̂ with that search transcribed here (scipy's bounded Brent is the same
Forsythe-Malcolm-Moler fmin as R's optimize) and check it against the printed ρ, then (2) evaluate
clusternet's functions — Elhorst's information matrix (clusternet.spatial.elhorst) and the
Yu-de Jong-Lee correction and variance (clusternet.spatial.dynamic) — at that ρ̂ and compare with every
printed number at its printed precision (half a unit of the last printed digit), and (3) check that
clusternet's own exact fit lies within the grid's resolution of the printed values.

Not reproduced: the vignette's ``mod5`` (dynamic SDM, two-way effects, LYtrans): our transcription of
SDPDm's two-way path (F_N transformation for the time effects, then within) gives ρ̂ = 0.0766 before
correction where it prints 0.162189 after a correction of order 1e-3; the cause was not found.
Of Elhorst's own published numbers only the LR tests of the fixed effects quoted in the text of his
book (§3.6.2) could be read here (last test); his tables were not available: see docs/spatial.md.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.io as sio
import scipy.sparse as sp
from scipy import optimize

from clusternet.spatial.dynamic import corrected_estimates, fit_dynamic, lagged_panel, transformed_dynamic
from clusternet.spatial.elhorst import elhorst_information
from clusternet.spatial.models import SpatialPanel, demean, fit_spatial_panel, lag

FIXTURE = Path(__file__).parents[1] / "reference" / "fixtures" / "spatial_cigar.csv"


def _weights() -> np.ndarray:
    libpysal = pytest.importorskip("libpysal")
    path = Path(os.path.dirname(libpysal.__file__)) / "examples" / "wmat" / "spat-sym-us.mat"
    if not path.exists():
        pytest.skip(f"libpysal's example matrix {path} is not installed")
    return sio.loadmat(str(path))["spat0x2Dsym0x2Dus"].astype(float)


@pytest.fixture(scope="module")
def cigar() -> SpatialPanel:
    W1 = _weights()
    assert W1.shape == (46, 46) and W1.sum() == 188 and np.array_equal(W1, W1.T)
    d = pd.read_csv(FIXTURE).sort_values(["year", "state"])
    T, N = 30, 46
    y = np.log(d.sales.to_numpy()).reshape(T, N)
    X = np.stack([np.log(d.price / d.cpi), np.log(d.ndi / d.cpi)], axis=1).reshape(T, N, 2)
    W = sp.csr_matrix(W1 / W1.sum(axis=1, keepdims=True))
    return SpatialPanel(y, X, W, tuple(sorted(d.state.unique())), tuple(range(1963, 1993)), "logc", ["logp", "logy"])


def _sdpdm_rho(y, Z, Wy, Wd, n, t, dynamic):
    """SDPDm's ρ̂: lndetfull on seq(1/ω_min + 0.001, 1/ω_max - 0.001, 0.001), f_sar's nearest-grid
    lookup, R's optimize (Brent fmin, tol = .Machine$double.eps^0.25)."""
    ev = np.linalg.eigvals(Wd)
    incr = 0.001
    rmin, rmax = 1 / ev.real.min() + incr, 1 / ev.real.max() - incr
    grid = rmin + incr * np.arange(int(np.floor((rmax - rmin) / incr + 1e-9)) + 1)
    lndet = np.array([np.sum(np.log(np.abs(1 - r * ev))).real for r in grid])
    bo, bd = np.linalg.lstsq(Z, y, rcond=None)[0], np.linalg.lstsq(Z, Wy, rcond=None)[0]
    eo, ed = y - Z @ bo, Wy - Z @ bd

    def f_sar(rho):
        i1 = np.flatnonzero(grid <= rho + incr).max() + 1
        below = np.flatnonzero(grid <= rho - incr)
        ind = int(round((i1 + below.max() + 1) / 2)) if len(below) else 1  # R's round: half to even
        zz = eo @ eo - 2 * rho * (ed @ eo) + rho * rho * (ed @ ed)
        if dynamic:
            zz /= n * t
        return n * t / 2 * np.log(zz) - t * lndet[ind - 1]

    rho = optimize.minimize_scalar(f_sar, bounds=(grid[0], grid[-1]), method="bounded",
                                   options={"xatol": np.finfo(float).eps ** 0.25}).x
    e = eo - rho * ed
    return float(rho), bo - rho * bd, float(e @ e / (n * t))


def _printed(value, printed: str):
    """|value - printed| within half a unit of the printed number's last digit."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert abs(value - float(printed)) <= 0.5 * 10 ** -decimals + 1e-15, (value, printed)


def test_static_sar_individual_effects_sdpdmod_mod1(cigar):
    T, N = cigar.y.shape
    y = demean(cigar.y, "individual").reshape(-1)
    Z = demean(cigar.X, "individual").reshape(-1, 2)
    Wy = demean(lag(cigar.W, cigar.y), "individual").reshape(-1)
    rho, b, s2 = _sdpdm_rho(y, Z, Wy, cigar.W.toarray(), N, T, dynamic=False)
    se = np.sqrt(np.diag(np.linalg.inv(elhorst_information(cigar, "sar", "individual", b, rho, s2))))
    # printed: rho 0.297576 (0.028444); logp -0.5320053 (0.0254445); logy -0.0007088 (0.0152139);
    # mod1$sige 0.006667779
    _printed(rho, "0.297576")
    _printed(se[2], "0.028444")
    _printed(b[0], "-0.5320053")
    _printed(se[0], "0.0254445")
    _printed(b[1], "-0.0007088")
    _printed(se[1], "0.0152139")
    _printed(s2, "0.006667779")
    # clusternet's exact ML (score root) vs SDPDm's grid search: within the 0.001 grid
    ours = fit_spatial_panel(cigar, "sar", "individual", lee_yu=False)
    assert abs(ours.params[-1] - rho) < 1e-3
    np.testing.assert_allclose(ours.std_errors, se[:3], rtol=2e-3)


def _sdpdm_corrected(cigar, spacetime):
    lagged = lagged_panel(cigar, durbin=False, spacetime=spacetime)
    d = transformed_dynamic(lagged, "individual")
    t, n, k = d.Z.shape
    assert (t, n, k) == (29, 46, 4 if spacetime else 3)
    rho, coef, s2 = _sdpdm_rho(d.y.reshape(-1), d.Z.reshape(-1, k), d.Wy.reshape(-1), d.W, n, t, dynamic=True)
    # SDPDmod takes mu4 from y - (I - rho W)^-1 Z b (its "yhat" residual): residuals="reduced"
    theta1, V = corrected_estimates(d, coef, rho, s2, spacetime=spacetime, residuals="reduced")
    return theta1, np.sqrt(np.diag(V))


def test_dynamic_sar_yu_de_jong_lee_sdpdmod_mod4_no_spacetime_lag(cigar):
    theta1, se = _sdpdm_corrected(cigar, spacetime=False)
    printed = {  # summary(mod4): logc(t-1), logp, logy, rho
        0: ("0.920917", "0.013658"), 1: ("-0.051035", "0.014055"), 2: ("-0.031962", "0.008385"),
        3: ("0.095318", "0.016432"),
    }
    for i, (est, std) in printed.items():
        _printed(theta1[i], est)
        _printed(se[i], std)


def test_dynamic_sar_yu_de_jong_lee_sdpdmod_mod3(cigar):
    theta1, se = _sdpdm_corrected(cigar, spacetime=True)
    printed = {  # summary(mod3): logc(t-1), W*logc(t-1), logp, logy, rho
        0: ("0.9287971", "0.0132188"), 1: ("-0.3030634", "0.0350687"), 2: ("-0.0864323", "0.0138446"),
        3: ("-0.0217271", "0.0081269"), 4: ("0.310875", "0.031508"),
    }
    for i, (est, std) in printed.items():
        _printed(theta1[i], est)
        _printed(se[i], std)
    # the bias-corrected fit through clusternet's own (exact) QML: the uncorrected rho differs from
    # SDPDm's by its grid error (3.1e-3 here), which carries over to the corrected estimates
    ours = fit_dynamic(cigar, "sar", "individual", bias_correction=True)
    np.testing.assert_allclose(ours.core.params, theta1[:5], atol=5e-3)
    # the correction moves tau up by about (1 + tau)/T as the theory says (Nickell-type bias)
    raw = fit_dynamic(cigar, "sar", "individual", lee_yu=False)
    assert 0.02 < ours.core.params[0] - raw.core.params[0] < 0.1


def test_fixture_reproduces_elhorst_book_lr_tests_of_the_fixed_effects(cigar):
    """Elhorst (2014), *Spatial Econometrics*, Springer, §3.6.2 "Cigarette Demand" (text beside his
    Table 3.2): LR test of the joint insignificance of the spatial fixed effects 2315.7 (46 df) and of
    the time-period fixed effects 473.1 (30 df), from the non-spatial models with log P and log Y.
    This pins the fixture (data, variable definitions) to his; the likelihoods use the core's
    within transformation and σ² = e'e/NT as his demo code does."""
    T, N = cigar.y.shape

    def loglik(effects):
        X = demean(cigar.X, effects).reshape(-1, 2)
        y = demean(cigar.y, effects).reshape(-1)
        e = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        s2 = e @ e / (N * T)
        return -N * T / 2 * np.log(2 * np.pi * s2) - e @ e / (2 * s2)

    _printed(-2 * (loglik("time") - loglik("twoway")), "2315.7")
    _printed(-2 * (loglik("individual") - loglik("twoway")), "473.1")
