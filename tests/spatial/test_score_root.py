"""The spatial ML solves its first-order condition: ρ/λ are the root of the concentrated score.

Before the fix the concentrated likelihood was maximised by bounded Brent search, which cannot
place the maximiser closer than about the square root of the likelihood's rounding noise
(~1e-8..1e-7 in ρ): the extended-precision comparison below then failed by ~1e-8 and the
boundary test had no message about the score."""
from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from spatial_testdata import simulate

from clusternet.errors import EstimationError
from clusternet.spatial.models import (
    LogDet,
    _score_root,
    demean,
    fit_spatial_panel,
    lag,
)


def _mp_ols_resid(X, v):
    Xm, vm = mp.matrix(X.tolist()), mp.matrix(v.tolist())
    return vm - Xm * mp.lu_solve(Xm.T * Xm, Xm.T * vm)


def test_sar_rho_is_the_extended_precision_root_of_the_score():
    """Independent reference: the SAR concentrated score (direct approach, individual effects)
    written out and solved with 40-digit mpmath arithmetic (only W's eigenvalues come from
    numpy, which is exact to ~1e-15 here)."""
    panel = simulate(n=20, t=4, rho=0.4, effects="individual", seed=3)
    ours = fit_spatial_panel(panel, "sar", "individual", lee_yu=False, logdet="eigen")
    mp.mp.dps = 40
    T, N = panel.y.shape
    Xt = demean(panel.X, "individual").reshape(T * N, -1)
    e0 = _mp_ols_resid(Xt, demean(panel.y, "individual").reshape(-1))
    e1 = _mp_ols_resid(Xt, demean(lag(panel.W, panel.y), "individual").reshape(-1))
    eig = [mp.mpc(complex(w)) for w in np.linalg.eigvals(panel.W.toarray())]

    def score(r):
        res = e0 - r * e1
        ssr = sum(x ** 2 for x in res)
        return T * N * sum(e1[i] * res[i] for i in range(len(res))) / ssr - T * sum(w / (1 - r * w) for w in eig).real

    root = float(mp.findroot(score, mp.mpf(0.3)))
    # 1e-12: the score's rounding floor divided by its slope is ~1e-15; 1e-12 leaves room for any BLAS
    assert abs(ours.delta - root) < 1e-12


@pytest.mark.parametrize("method", ["eigen", "lu", "mc"])
def test_logdet_derivative_against_central_difference(small_panel, method):
    ld = LogDet(small_panel.W, method, seed=2, mc_order=40, mc_probes=20)
    for d in (-0.5, 0.1, 0.6):
        h = 1e-5
        fd = (ld(d + h) - ld(d - h)) / (2 * h)  # truncation error O(h²·|ℓ'''|) ~ 1e-9
        assert ld.derivative(d) == pytest.approx(fd, abs=1e-7)


def test_eigen_derivative_is_minus_trace_of_s_inverse_w(small_panel):
    W = small_panel.W.toarray()
    d = 0.37
    exact = -np.trace(np.linalg.solve(np.eye(W.shape[0]) - d * W, W))
    assert LogDet(small_panel.W, "eigen").derivative(d) == pytest.approx(exact, abs=1e-12)
    assert LogDet(small_panel.W, "lu").derivative(d) == pytest.approx(exact, abs=1e-12)


@pytest.mark.parametrize("model", ["sar", "sem", "sdm", "sdem"])
@pytest.mark.parametrize("effects,lee_yu", [("individual", False), ("twoway", True), ("time", True)])
def test_score_is_zero_at_the_estimate_and_likelihood_is_maximal(model, effects, lee_yu):
    """At the estimate the likelihood is not beaten by δ ± 1e-6 (a maximum, not a minimum), and the
    estimate does not move when the search is started from a finer grid."""
    panel = simulate(n=30, t=5, rho=0.3 if model in ("sar", "sdm") else 0.0,
                     lam=0.4 if model in ("sem", "sdem") else 0.0, theta=(0.2, 0.1), effects="twoway", seed=11)
    res = fit_spatial_panel(panel, model, effects, lee_yu=lee_yu)
    import clusternet.spatial.models as m

    old = m.SCORE_GRID
    try:
        m.SCORE_GRID = 257
        fine = fit_spatial_panel(panel, model, effects, lee_yu=lee_yu)
    finally:
        m.SCORE_GRID = old
    assert abs(fine.delta - res.delta) < 1e-12
    np.testing.assert_allclose(fine.params, res.params, rtol=0, atol=1e-11)


def test_no_sign_change_reports_maximum_at_the_bound():
    # ℓ(δ) = -(δ - 2)² on (-1, 1): the score 2(2 - δ) > 0 everywhere, the maximum is at the upper bound
    with pytest.raises(EstimationError, match=r"upper bound.*maximised at the bound \(0\.99"):
        _score_root(lambda d: 2 * (2 - d), lambda d: -(d - 2) ** 2, -0.99, 0.99, name="rho")
    with pytest.raises(EstimationError, match="lower bound"):
        _score_root(lambda d: -2 * (d + 2), lambda d: -(d + 2) ** 2, -0.99, 0.99, name="lambda")


def test_boundary_beats_interior_maximum():
    # local maximum at 0 (ℓ = 0) but ℓ rises above it towards the upper bound 0.99: ℓ = -δ² + 3δ³
    ll = lambda d: -d ** 2 + 3 * d ** 3  # noqa: E731
    sc = lambda d: -2 * d + 9 * d ** 2  # noqa: E731
    with pytest.raises(EstimationError, match="upper bound"):
        _score_root(sc, ll, -0.99, 0.99)
    # same shape with the bound before the likelihood recovers: the interior root is the estimate
    assert _score_root(sc, ll, -0.99, 0.3) == pytest.approx(0.0, abs=1e-14)


def test_interior_root_is_exact_for_a_known_function():
    # ℓ(δ) = -(δ - 0.123456789)²: root to the last bits
    r = _score_root(lambda d: -2 * (d - 0.123456789), lambda d: -(d - 0.123456789) ** 2, -0.9, 0.9)
    assert abs(r - 0.123456789) < 1e-15
