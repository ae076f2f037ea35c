"""DEA scores against published examples, pyDEA (CBC, one LP per DMU) and a brute-force dual.

Fixtures: tests/reference/fixtures/dea_published.json (typed-in published values, each with its
source) and dea_pydea.json (tests/reference/pydea_reference.py). The brute-force check solves each
DMU's *multiplier* (dual) programme one at a time with HiGHS' interior-point method, a different
formulation and algorithm from the stacked envelopment programmes of clusternet.efficiency.dea.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from clusternet.efficiency import dea
from clusternet.errors import DataError

FIX = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
PUB = json.loads((FIX / "dea_published.json").read_text(encoding="utf-8"))
PYDEA = json.loads((FIX / "dea_pydea.json").read_text(encoding="utf-8"))
TOL = 1e-6


def _xy(d):
    return np.asarray(d["X"], float), np.asarray(d["Y"], float)


def test_cst_example_3_1_ccr():
    X, Y = _xy(PUB["cst_example_3_1"])
    np.testing.assert_allclose(dea.ccr(X, Y), PUB["cst_example_3_1"]["ccr_input"], atol=TOL)


def test_fls_ccr_bcc_both_orientations():
    d = PUB["fls"]
    X, Y = _xy(d)
    np.testing.assert_allclose(dea.ccr(X, Y), d["ccr_input"], atol=TOL)
    np.testing.assert_allclose(1 / dea.ccr(X, Y, orientation="output"), d["ccr_output_phi"], atol=TOL)
    np.testing.assert_allclose(dea.bcc(X, Y), d["bcc_input"], atol=TOL)
    np.testing.assert_allclose(1 / dea.bcc(X, Y, orientation="output"), d["bcc_output_phi"], atol=TOL)
    se = dea.scale_efficiency(X, Y)
    np.testing.assert_allclose(se, np.asarray(d["ccr_input"]) / np.asarray(d["bcc_input"]), atol=TOL)


def test_sbm_published_example():
    d = PUB["sbm_8"]
    X, Y = _xy(d)
    np.testing.assert_allclose(dea.sbm(X, Y).efficiency, d["sbm_crs"], atol=TOL)
    np.testing.assert_allclose(dea.sbm(X, Y, rts="vrs").efficiency, d["sbm_vrs"], atol=TOL)


def test_malmquist_published_example():
    d = PUB["malmquist_5x3"]
    X = np.asarray(d["X"], float)[:, :, None]
    Y = np.asarray(d["Y"], float)[:, :, None]
    r = dea.malmquist(X, Y)
    np.testing.assert_allclose(r.malmquist, d["malmquist"], atol=TOL)
    np.testing.assert_allclose(r.efficiency_change, d["efficiency_change"], atol=TOL)
    np.testing.assert_allclose(r.technical_change, d["technical_change"], atol=TOL)


def test_global_malmquist_single_input_output_is_productivity_ratio():
    # With one input and one output under CRS every frontier is the ray of the best ratio y/x,
    # so the global index is the DMU's own productivity ratio and EC the ratio of relative ratios.
    d = PUB["malmquist_5x3"]
    x, y = np.asarray(d["X"], float), np.asarray(d["Y"], float)
    prod = y / x
    r = dea.malmquist(x[:, :, None], y[:, :, None], frontier="global")
    np.testing.assert_allclose(r.malmquist, prod[1:] / prod[:-1], atol=TOL)
    rel = prod / prod.max(axis=1, keepdims=True)
    np.testing.assert_allclose(r.efficiency_change, rel[1:] / rel[:-1], atol=TOL)
    np.testing.assert_allclose(r.technical_change, r.malmquist / r.efficiency_change, atol=TOL)


@pytest.mark.parametrize("key", sorted(PYDEA["datasets"]))
@pytest.mark.parametrize("rts", ["crs", "vrs"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_against_pydea(key, rts, orientation):
    d = PYDEA["datasets"][key]
    X, Y = _xy(d)
    got = dea.radial(X, Y, orientation=orientation, rts=rts).efficiency
    np.testing.assert_allclose(got, d["efficiency"][f"{rts}_{orientation}"], atol=TOL)


def _multiplier(X, Y, o, orientation, rts, Xref=None, Yref=None):
    """Dual (multiplier) programme of one DMU, interior point."""
    Xr = X if Xref is None else Xref
    Yr = Y if Yref is None else Yref
    m, s = X.shape[1], Y.shape[1]
    free = 1 if rts == "vrs" else 0
    # variables: v (m), u (s), [w free]
    A = np.hstack([-Xr, Yr] + ([-np.ones((len(Xr), 1))] if free else []))  # u'y_j - v'x_j - w <= 0
    bounds = [(0, None)] * (m + s) + [(None, None)] * free
    if orientation == "input":
        c = -np.concatenate([np.zeros(m), Y[o], [-1.0] * free])  # max u'y_o - w
        Aeq = np.concatenate([X[o], np.zeros(s), [0.0] * free])[None, :]
        res = linprog(c, A_ub=A, b_ub=np.zeros(len(Xr)), A_eq=Aeq, b_eq=[1.0], bounds=bounds, method="highs-ipm")
        return -res.fun
    c = np.concatenate([X[o], np.zeros(s), [1.0] * free])  # min v'x_o + v0
    Aeq = np.concatenate([np.zeros(m), Y[o], [0.0] * free])[None, :]
    res = linprog(c, A_ub=A, b_ub=np.zeros(len(Xr)), A_eq=Aeq, b_eq=[1.0], bounds=bounds, method="highs-ipm")
    return 1.0 / res.fun


@pytest.mark.parametrize("rts", ["crs", "vrs"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_brute_force_dual_one_dmu_at_a_time(rts, orientation):
    rng = np.random.default_rng(7)
    X = rng.uniform(1, 10, (60, 3))
    Y = rng.uniform(1, 10, (60, 2))
    got = dea.radial(X, Y, orientation=orientation, rts=rts).efficiency
    ref = [_multiplier(X, Y, o, orientation, rts) for o in range(len(X))]
    np.testing.assert_allclose(got, ref, atol=TOL)


def test_brute_force_cross_period_ccr():
    rng = np.random.default_rng(8)
    X, Y = rng.uniform(1, 10, (40, 2)), rng.uniform(1, 10, (40, 2))
    Xr, Yr = rng.uniform(1, 10, (30, 2)), rng.uniform(1, 10, (30, 2))
    got = dea.ccr(X, Y, Xr, Yr)
    ref = [_multiplier(X, Y, o, "input", "crs", Xr, Yr) for o in range(len(X))]
    np.testing.assert_allclose(got, ref, atol=TOL)
    assert (got > 1).any()  # some DMUs lie outside the other technology (super-efficient)


def _sbm_dual(X, Y, o, Xr=None, Yr=None):
    """Tone (2001) dual: max xi s.t. xi + v'x_o - u'y_o = 1, -v'X + u'Y <= 0,
    v >= (1/m)/x_o, u >= (xi/s)/y_o."""
    Xr = X if Xr is None else Xr
    Yr = Y if Yr is None else Yr
    m, s = X.shape[1], Y.shape[1]
    c = np.zeros(1 + m + s)
    c[0] = -1.0
    Aeq = np.concatenate([[1.0], X[o], -Y[o]])[None, :]
    A1 = np.hstack([np.zeros((len(Xr), 1)), -Xr, Yr])
    A2 = np.hstack([(1.0 / (s * Y[o]))[:, None], np.zeros((s, m)), -np.eye(s)])  # xi/(s y) - u <= 0
    bounds = [(None, None)] + [(1.0 / (m * X[o, i]), None) for i in range(m)] + [(0, None)] * s
    res = linprog(c, A_ub=np.vstack([A1, A2]), b_ub=np.zeros(len(Xr) + s), A_eq=Aeq, b_eq=[1.0],
                  bounds=bounds, method="highs-ipm")
    return -res.fun


def test_sbm_brute_force_dual():
    rng = np.random.default_rng(9)
    X, Y = rng.uniform(1, 10, (50, 3)), rng.uniform(1, 10, (50, 2))
    r = dea.sbm(X, Y)
    np.testing.assert_allclose(r.efficiency, [_sbm_dual(X, Y, o) for o in range(len(X))], atol=TOL)
    # the slacks reproduce the objective
    rho = (1 - (r.slack_inputs / X).mean(1)) / (1 + (r.slack_outputs / Y).mean(1))
    np.testing.assert_allclose(rho, r.efficiency, atol=TOL)
    assert (r.efficiency <= dea.ccr(X, Y) + TOL).all()  # SBM never exceeds the radial CCR score


def test_frontier_reduction_is_exact_for_large_reference_sets():
    rng = np.random.default_rng(10)
    X, Y = rng.uniform(1, 10, (400, 3)), rng.uniform(1, 10, (400, 2))
    assert len(dea.nondominated(X, Y)) > dea._EFFICIENT_SET_THRESHOLD  # exercises the two-step path
    sub = np.arange(0, 400, 40)
    for rts in ("crs", "vrs"):
        got = dea.radial(X[sub], Y[sub], X, Y, "input", rts).efficiency
        ref = [_multiplier(X, Y, o, "input", rts) for o in sub]
        np.testing.assert_allclose(got, ref, atol=TOL)
    np.testing.assert_allclose(dea.sbm(X[sub], Y[sub], X, Y).efficiency, [_sbm_dual(X, Y, o) for o in sub], atol=TOL)


def test_known_frontier_recovered():
    # Cobb-Douglas CRS frontier y = x1^0.5 x2^0.5 with efficiencies set by radial input inflation:
    # with many efficient DMUs the DEA frontier converges to the true one; the DEA score of a DMU
    # with known efficiency e is then e (up to the frontier approximation error).
    rng = np.random.default_rng(11)
    n_front, n_ineff = 400, 50
    ang = rng.uniform(0.2, 1.37, n_front + n_ineff)
    x = np.column_stack([np.cos(ang), np.sin(ang)]) * 4
    y = np.sqrt(x[:, 0] * x[:, 1])[:, None]
    e = np.ones(n_front + n_ineff)
    e[n_front:] = rng.uniform(0.4, 0.95, n_ineff)
    X = x / e[:, None]
    got = dea.ccr(X, y)
    assert np.abs(got[n_front:] - e[n_front:]).max() < 2e-3
    np.testing.assert_allclose(got[:n_front], 1.0, atol=1e-6)


def test_bad_input_errors():
    with pytest.raises(DataError, match="negative"):
        dea.ccr([[1.0], [-1.0]], [[1.0], [2.0]])
    with pytest.raises(DataError, match="missing"):
        dea.ccr([[1.0], [np.nan]], [[1.0], [2.0]])
    with pytest.raises(DataError, match="strictly positive"):
        dea.sbm([[1.0], [2.0]], [[0.0], [2.0]])


@pytest.mark.parametrize("rts", ["crs", "vrs"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_column_generation_equals_the_full_programmes(rts, orientation):
    # above dea._FULL_MODEL_MAX reference DMUs the model starts with no intensity column and
    # prices all of them after every solve; compare with the stacked full programmes of
    # dea.radial_blocks (every reference DMU present, a different code path)
    rng = np.random.default_rng(15)
    n = 300
    assert n > dea._FULL_MODEL_MAX
    X, Y = rng.uniform(1, 10, (n, 3)), rng.uniform(1, 10, (n, 2))
    got = dea.radial(X, Y, orientation=orientation, rts=rts).efficiency
    score, _ = dea.radial_blocks(X, Y, X, Y, orientation, rts)
    ref = score if orientation == "input" else 1.0 / score
    np.testing.assert_allclose(got, ref, atol=1e-9)
    # cross-period: evaluated DMUs outside the reference set (no own column to fall back on)
    if rts == "crs":
        X2, Y2 = rng.uniform(1, 10, (50, 3)), rng.uniform(1, 10, (50, 2))
        got2 = dea.radial(X2, Y2, X, Y, orientation=orientation, rts=rts).efficiency
        s2, _ = dea.radial_blocks(X2, Y2, X, Y, orientation, rts)
        np.testing.assert_allclose(got2, s2 if orientation == "input" else 1.0 / s2, atol=1e-9)


def test_linprog_fallback_path_agrees(monkeypatch):
    # without scipy's HiGHS binding the stacked linprog programmes run; same published values
    d = PUB["fls"]
    X, Y = _xy(d)
    direct = [dea.ccr(X, Y), dea.bcc(X, Y, orientation="output"), dea.sbm(X, Y).efficiency]
    monkeypatch.setattr(dea, "direct_solver_available", lambda: False)
    fallback = [dea.ccr(X, Y), dea.bcc(X, Y, orientation="output"), dea.sbm(X, Y).efficiency]
    for a, b in zip(direct, fallback):
        np.testing.assert_allclose(a, b, atol=1e-9)
    np.testing.assert_allclose(fallback[0], d["ccr_input"], atol=TOL)
