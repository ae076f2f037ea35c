"""Doubly constrained flow network (Furness/IPF), its calibration, and the binarisation rules
whose density can change: each checked against an independent computation written here
(root-finding on the balancing equations, a closed form, statsmodels' Poisson GLM, numerical
integration of Serrano et al.'s null distribution, hand-computed values)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize

from clusternet.errors import ConfigError, DataError
from clusternet.network import flow
from clusternet.network.backbone import absolute_threshold, disparity_backbone, disparity_pvalues
from clusternet.network.gravity import binarize


def small_distances(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 2000, size=(n, 2))
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, 0.0)
    return d


# ---------------------------------------------------------------------------------------------
# Furness balancing
# ---------------------------------------------------------------------------------------------

def test_furness_matches_a_root_finding_solution_of_the_balancing_equations():
    rng = np.random.default_rng(3)
    n = 5
    k = rng.uniform(0.1, 2.0, size=(n, n))
    o = rng.uniform(1, 10, n)
    d = rng.uniform(1, 10, n)
    d *= o.sum() / d.sum()
    res = flow.furness(k, o, d, tolerance=1e-14)

    # brute force: solve a_i sum_j K_ij b_j = O_i, b_j sum_i a_i K_ij = D_j in logs with b_0 = 1
    def equations(z):
        la, lb = z[:n], np.concatenate([[0.0], z[n:]])
        t = np.exp(la)[:, None] * k * np.exp(lb)[None, :]
        return np.concatenate([np.log(t.sum(1) / o), np.log(t.sum(0)[1:] / d[1:])])

    sol = optimize.root(equations, np.zeros(2 * n - 1), method="hybr", tol=1e-13)
    assert np.max(np.abs(equations(sol.x))) < 1e-12
    a, b = np.exp(sol.x[:n]), np.exp(np.concatenate([[0.0], sol.x[n:]]))
    brute = a[:, None] * k * b[None, :]
    np.testing.assert_allclose(res.flows, brute, rtol=1e-9)
    np.testing.assert_allclose(res.flows.sum(1), o, rtol=1e-12)
    np.testing.assert_allclose(res.flows.sum(0), d, rtol=1e-12)


def test_furness_on_a_rank_one_kernel_gives_the_independence_closed_form():
    rng = np.random.default_rng(4)
    u, v = rng.uniform(0.5, 3, 6), rng.uniform(0.5, 3, 6)
    o = rng.uniform(1, 5, 6)
    d = rng.uniform(1, 5, 6)
    d *= o.sum() / d.sum()
    res = flow.furness(np.outer(u, v), o, d)
    np.testing.assert_allclose(res.flows, np.outer(o, d) / o.sum(), rtol=1e-12)


def test_furness_refuses_unequal_totals_and_unreachable_targets():
    k = np.ones((3, 3))
    with pytest.raises(DataError, match="differ"):
        flow.furness(k, [1, 2, 3], [1, 2, 4])
    k = np.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(DataError, match="no admissible partner"):
        flow.furness(k, [1.0, 0.0], [1.0, 0.0])  # province 0 can only sell to 1, which buys nothing


def year_inputs(n=6, seed=5, gap=0.0):
    rng = np.random.default_rng(seed)
    o = rng.lognormal(3, 1, n)
    d = rng.lognormal(3, 1, n)
    d *= (o.sum() - gap) / d.sum()
    return o, d, small_distances(n, seed)


@pytest.mark.parametrize("gap", [25.0, -25.0, 0.0])
def test_rest_of_world_keeps_both_observed_margins_exact(gap):
    o, d, dist = year_inputs(gap=gap)
    spec = flow.FlowSpec(decay_parameter=1.2)
    internal = flow.internal_distances(np.full(len(o), 5e4), spec.internal_distance_factor)
    kernel = flow.deterrence_matrix(dist, internal, spec)
    fy = flow.balance_year(o, d, kernel, spec)
    np.testing.assert_allclose(fy.flows.sum(1) + fy.abroad_out, o, rtol=1e-12)
    np.testing.assert_allclose(fy.flows.sum(0) + fy.abroad_in, d, rtol=1e-12)
    assert fy.gap == pytest.approx(gap, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(fy.abroad_out.sum(), max(gap, 0.0), atol=1e-9)
    np.testing.assert_allclose(fy.abroad_in.sum(), max(-gap, 0.0), atol=1e-9)
    assert np.all(np.diag(fy.flows) > 0)  # intra-provincial contracts are modelled


def test_abroad_node_is_a_balanced_destination_with_a_constant_deterrence():
    # The abroad column of T is a_i * c * b_ROW: proportional to the row factors, for any constant c
    o, d, dist = year_inputs(gap=40.0)
    spec = flow.FlowSpec(diagonal="exclude")
    fy = flow.balance_year(o, d, flow.deterrence_matrix(dist, None, spec), spec)
    assert np.all(np.diag(fy.flows) == 0)
    # brute-force check of the stated rule: build the (n+1) system with abroad deterrence 7 and balance
    k = np.zeros((7, 7))
    k[:6, :6] = flow.deterrence_matrix(dist, None, spec)
    k[:6, 6] = 7.0
    k[6, :6] = 7.0
    ref = flow.furness(k, np.append(o, 0.0), np.append(d, 40.0)).flows
    np.testing.assert_allclose(fy.flows, ref[:6, :6], rtol=1e-10)
    np.testing.assert_allclose(fy.abroad_out, ref[:6, 6], rtol=1e-10)


def test_scale_inflow_rule_keeps_rows_and_proportional_columns():
    o, d, dist = year_inputs(gap=30.0)
    spec = flow.FlowSpec(balance="scale_inflow")
    fy = flow.balance_year(o, d, flow.deterrence_matrix(dist, np.full(6, 50.0), spec), spec)
    np.testing.assert_allclose(fy.flows.sum(1), o, rtol=1e-12)
    np.testing.assert_allclose(fy.flows.sum(0), d * o.sum() / d.sum(), rtol=1e-12)


def test_missing_totals_rule():
    o, d, dist = year_inputs()
    o[2] = np.nan
    spec = flow.FlowSpec(diagonal="exclude")
    k = flow.deterrence_matrix(dist, None, spec)
    fy = flow.balance_year(o, d, k, spec, year=2015, nodes=[11, 12, 13, 14, 15, 16])
    assert fy.missing == [(13, "techmkt_seller_value_real")]
    assert fy.flows[2].sum() == 0
    with pytest.raises(DataError, match="2015.*techmkt_seller_value_real.*13"):
        flow.balance_year(o, d, k, flow.FlowSpec(diagonal="exclude", missing="error"), year=2015,
                          nodes=[11, 12, 13, 14, 15, 16])


def test_internal_distance_is_two_thirds_of_the_disc_radius():
    # mean distance from a uniform point of a disc to its centre = 2R/3, checked by integration
    area = 16410.0
    r = np.sqrt(area / np.pi)
    mean, _ = integrate.quad(lambda s: s * 2 * s / r ** 2, 0, r)
    assert flow.internal_distances([area], 2 / 3)[0] == pytest.approx(mean, rel=1e-10)


# ---------------------------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------------------------

def synthetic_flows(n, beta, seed_dist, seed_draw, form="power", scale=50.0):
    """Poisson flows with origin and destination effects and a known decay (diagonal left out)."""
    dist = small_distances(n, seed_dist)
    dist = (dist / 100.0 if form == "power" else dist) + np.eye(n)  # diagonal placeholder
    rng = np.random.default_rng(seed_draw)
    mu = scale * np.exp(rng.normal(0, 0.6, n)[:, None] + rng.normal(0, 0.6, n)[None, :]) \
        * flow.deterrence(dist, form, beta)
    t = rng.poisson(mu).astype(float)
    np.fill_diagonal(t, np.nan)
    return t, dist


@pytest.mark.parametrize("form,beta", [("power", 1.3), ("exponential", 800.0)])
def test_ppml_decay_agrees_with_statsmodels_poisson_glm(form, beta):
    sm = pytest.importorskip("statsmodels.api")
    n = 8
    mats = [synthetic_flows(n, beta, 7, s, form)[0] for s in (11, 12)]
    dist = synthetic_flows(n, beta, 7, 11, form)[1]
    est = flow.ppml_decay(mats, dist, form)
    rows = []
    for p, t in enumerate(mats):
        for i in range(n):
            for j in range(n):
                if i != j:
                    rows.append({"y": t[i, j], "o": f"{p}_{i}", "d": f"{p}_{j}",
                                 "x": -np.log(dist[i, j]) if form == "power" else -dist[i, j]})
    df = pd.DataFrame(rows)
    X = pd.get_dummies(df[["o", "d"]], drop_first=False).astype(float)
    # one destination dummy per period is collinear with that period's origin dummies
    X = X.drop(columns=["d_0_0", "d_1_0"])
    X["x"] = df["x"]
    fit = sm.GLM(df["y"], X, family=sm.families.Poisson()).fit(tol=1e-14, maxiter=300)
    ref = fit.params["x"] if form == "power" else 1.0 / fit.params["x"]
    assert est == pytest.approx(ref, rel=1e-6)


def test_ppml_decay_recovers_a_known_parameter_on_a_large_sample():
    mats = [synthetic_flows(30, 1.1, 40, s, scale=400.0)[0] for s in (1, 2, 3)]
    dist = synthetic_flows(30, 1.1, 40, 1)[1]
    assert flow.ppml_decay(mats, dist, "power") == pytest.approx(1.1, abs=0.03)


def test_mean_trip_length_calibration_recovers_the_parameter_that_produced_it():
    o, d, dist = year_inputs(n=8, seed=9, gap=10.0)
    internal = flow.internal_distances(np.full(8, 4e4), 2 / 3)
    spec = flow.FlowSpec(decay_parameter=1.37)
    fy = flow.balance_year(o, d, flow.deterrence_matrix(dist, internal, spec), spec)
    dd = dist.copy()
    np.fill_diagonal(dd, internal)
    target = float((fy.flows * dd).sum() / fy.flows.sum())  # computed here, not by the module
    est = flow.mean_trip_length_decay(target, o, d, dist, internal, spec)
    assert est == pytest.approx(1.37, rel=1e-8)
    with pytest.raises(Exception, match="no decay parameter"):
        flow.mean_trip_length_decay(1e6, o, d, dist, internal, spec)


# ---------------------------------------------------------------------------------------------
# Binarisation whose density can change
# ---------------------------------------------------------------------------------------------

def test_disparity_pvalues_match_the_hand_computed_formula_and_the_null_integral():
    w = np.zeros((5, 5))
    w[0, 1:] = [6.0, 2.0, 1.0, 1.0]   # s = 10, k = 4
    out_p, in_p = disparity_pvalues(w)
    # Serrano et al. (2009) eq. 2: alpha_ij = 1 - (k-1) int_0^p (1-x)^(k-2) dx = (1-p)^(k-1)
    assert out_p[0, 1] == pytest.approx(0.4 ** 3)
    assert out_p[0, 2] == pytest.approx(0.8 ** 3)
    assert out_p[0, 3] == pytest.approx(0.9 ** 3)
    for j, p in ((1, 0.6), (2, 0.2), (3, 0.1)):
        integral, _ = integrate.quad(lambda x: 3 * (1 - x) ** 2, 0, p)
        assert out_p[0, j] == pytest.approx(1 - integral, rel=1e-10)
    # each receiver has a single incoming tie: p-value 1 from its side
    assert np.all(in_p[0, 1:] == 1.0)
    assert np.isnan(out_p[1, 0])


def test_disparity_backbone_keeps_a_tie_significant_at_either_end():
    w = np.array([[0, 50, 1, 1, 1],
                  [1, 0, 1, 1, 1],
                  [1, 1, 0, 1, 30],
                  [1, 1, 1, 0, 1],
                  [1, 1, 1, 1, 0]], dtype=float)
    keep = disparity_backbone(w, 0.05)
    # brute force: p-values from first principles for every tie
    expected = np.zeros_like(keep)
    for i in range(5):
        for j in range(5):
            if i == j:
                continue
            out = (1 - w[i, j] / w[i].sum()) ** (np.count_nonzero(w[i]) - 1)
            inn = (1 - w[i, j] / w[:, j].sum()) ** (np.count_nonzero(w[:, j]) - 1)
            expected[i, j] = out < 0.05 or inn < 0.05
    np.testing.assert_array_equal(keep, expected)
    assert keep[0, 1] and keep[2, 4] and keep.sum() == 2
    # scale-free: multiplying every weight by a constant changes nothing
    np.testing.assert_array_equal(disparity_backbone(w * 1e4, 0.05), keep)
    np.testing.assert_array_equal(binarize(w, "disparity", alpha=0.05), keep.astype(np.int8))


def test_absolute_threshold_density_follows_the_level_of_the_flows():
    w = np.array([[0, 5, 20], [12, 0, 1], [3, 10, 0]], dtype=float)
    np.testing.assert_array_equal(absolute_threshold(w, 10.0),
                                  np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=bool))
    assert binarize(w * 2, "absolute", threshold=10.0).sum() > binarize(w, "absolute", threshold=10.0).sum()
    with pytest.raises(ConfigError, match="threshold"):
        binarize(w, "absolute")


def test_two_way_residuals_equal_least_squares_on_dummies_for_an_unbalanced_panel():
    from clusternet.network.validity import two_way_residuals

    rng = np.random.default_rng(8)
    rows = [(e, t) for e in range(7) for t in range(5) if rng.uniform() > 0.2]
    df = pd.DataFrame(rows, columns=["region_code", "year"])
    df["a"] = rng.normal(size=len(df)) + df["region_code"] * 0.5 + df["year"] * 0.3
    df["b"] = rng.normal(size=len(df))
    got = two_way_residuals(df, ["a", "b"])
    x = np.column_stack([pd.get_dummies(df["region_code"]).to_numpy(float),
                         pd.get_dummies(df["year"], drop_first=True).to_numpy(float)])
    coef, *_ = np.linalg.lstsq(x, df[["a", "b"]].to_numpy(float), rcond=None)
    np.testing.assert_allclose(got, df[["a", "b"]].to_numpy(float) - x @ coef, atol=1e-10)
