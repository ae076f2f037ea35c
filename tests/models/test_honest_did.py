"""Rambachan-Roth smoothness sensitivity: the closed-form worst-case bias against a linear
program over δ, the FLCI at M = 0 against the analytic interval, and the breakdown value."""
import numpy as np
import pytest
from scipy import optimize, stats

from clusternet.models.honest_did import breakdown_m, flci, joint_pretrend_test, worst_case_bias

TIMES = [-4, -3, -2, 0, 1, 2]


def _lp_bias(v, times, M):
    """max v'δ over Δ^SD(M), δ_{-1} = 0, by linprog on the full period range."""
    full = list(range(min(times), max(times) + 1))
    n = len(full)
    D2 = np.zeros((n - 2, n))
    for i in range(n - 2):
        D2[i, i:i + 3] = [1, -2, 1]
    c = np.zeros(n)
    for vi, t in zip(v, times):
        c[full.index(t)] = vi
    A_eq = np.zeros((1, n))
    A_eq[0, full.index(-1)] = 1
    res = optimize.linprog(-c, A_ub=np.vstack([D2, -D2]), b_ub=np.full(2 * (n - 2), M), A_eq=A_eq, b_eq=[0],
                           bounds=[(None, None)] * n, method="highs")
    return -res.fun if res.status == 0 else np.inf


def test_closed_form_bias_equals_the_linear_program():
    rng = np.random.default_rng(0)
    tt = np.array(TIMES, float) + 1
    for _ in range(20):
        v = rng.normal(size=len(TIMES))
        v -= tt * (v @ tt) / (tt @ tt)  # trend-orthogonal: finite bias
        assert worst_case_bias(v, TIMES, 0.7) == pytest.approx(_lp_bias(v, TIMES, 0.7), rel=1e-7, abs=1e-9)
    v = rng.normal(size=len(TIMES))
    assert worst_case_bias(v, TIMES, 0.7) == np.inf and _lp_bias(v, TIMES, 0.7) == np.inf


def test_flci_at_zero_is_linear_trend_extrapolation_with_minimal_variance():
    """At M = 0 the bias is zero for every trend-orthogonal v, so the FLCI is the normal interval of
    the minimum-variance unbiased-under-linear-trends estimator: checked by a direct QP."""
    rng = np.random.default_rng(1)
    A = rng.normal(size=(6, 6))
    S = A @ A.T / 6 + np.eye(6) * 0.1
    beta = rng.normal(size=6)
    ci = flci(beta, S, TIMES, 0.0)
    tt = np.array(TIMES, float) + 1
    # min v'Sv s.t. v_post = e_0, tt'v = 0  (Lagrange)
    pre, post = [0, 1, 2], [3, 4, 5]
    lpost = np.array([1.0, 0, 0])
    Spp = S[np.ix_(pre, pre)]
    Spq = S[np.ix_(pre, post)]
    a = tt[pre]
    K = np.block([[2 * Spp, a[:, None]], [a[None, :], np.zeros((1, 1))]])
    rhs = np.concatenate([-2 * Spq @ lpost, [-(tt[post] @ lpost)]])
    vpre = np.linalg.solve(K, rhs)[:3]
    v = np.concatenate([vpre, lpost])
    sd = np.sqrt(v @ S @ v)
    z = stats.norm.ppf(0.975)
    assert ci["center"] == pytest.approx(v @ beta, abs=1e-6)
    assert ci["half_length"] == pytest.approx(z * sd, rel=1e-6)


def test_breakdown_and_joint_test():
    S = np.eye(6) * 0.01
    beta = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    out = breakdown_m(beta, S, TIMES)
    assert out["significant_at_0"] and out["breakdown_M"] > 0
    M = out["breakdown_M"]
    assert flci(beta, S, TIMES, M * 0.99)["lower"] > 0
    assert flci(beta, S, TIMES, M * 1.02)["lower"] <= 0
    assert breakdown_m(np.zeros(6), S, TIMES)["breakdown_M"] == 0.0
    jt = joint_pretrend_test(np.array([0.1, -0.2, 0.05, 1, 1, 1]), S, TIMES)
    assert jt["statistic"] == pytest.approx((0.01 + 0.04 + 0.0025) / 0.01) and jt["df"] == 3
