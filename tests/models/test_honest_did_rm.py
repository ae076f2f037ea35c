"""Rambachan-Roth relative magnitudes Δ^RM(M̄) with the ARP conditional test.

References:
- published numbers: the HonestDiD R package on the Benzarti & Carloni (2019) example, as printed
  in stata-honestdid's R/Stata comparison (github.com/mcaceresb/stata-honestdid, file
  doc/.. "R vs Stata Comparison", section "Compare Relative Magnitudes"); betahat and sigma typed
  in from stata-honestdid src/mata/utilities.mata (_honestExampleBCBeta/_honestExampleBCSigma),
  which are HonestDiD's data(BCdata_EventStudy): 4 pre-periods, 4 post-periods;
- the identified set in closed form as Σ → 0;
- a brute-force formulation of the ARP dual: every vertex's value by a linear program (simplex),
  and the truncation interval by linear programs along the line S + bc.
"""
import numpy as np
import pytest

from clusternet.models import honest_did as hd

BC_BETA = np.array([0.006696352, 0.029345034, -0.006472972, 0.073014989,
                    0.195961118, 0.312063903, 0.239541546, 0.126042500])
BC_SIGMA = np.array([
    [8.428358e-04, 4.768687e-04, 2.618051e-04, 0.0002354220, 0.0001676371, 0.0001128708, 1.992816e-05, -1.368265e-04],
    [4.768687e-04, 6.425420e-04, 3.987425e-04, 0.0002435515, 0.0002201960, 0.0001804591, 3.843765e-05, -2.960422e-05],
    [2.618051e-04, 3.987425e-04, 5.229950e-04, 0.0002117686, 0.0001840722, 0.0001458528, 7.005197e-05, 5.952995e-05],
    [2.354220e-04, 2.435515e-04, 2.117686e-04, 0.0003089595, 0.0001197866, 0.0001334081, 1.016335e-04, 1.079052e-04],
    [1.676371e-04, 2.201960e-04, 1.840722e-04, 0.0001197866, 0.0003599704, 0.0002478819, 1.749579e-04, 1.654257e-04],
    [1.128708e-04, 1.804591e-04, 1.458528e-04, 0.0001334081, 0.0002478819, 0.0004263950, 2.171438e-04, 2.892748e-04],
    [1.992816e-05, 3.843765e-05, 7.005197e-05, 0.0001016335, 0.0001749579, 0.0002171438, 4.886698e-04, 3.805322e-04],
    [-1.368265e-04, -2.960422e-05, 5.952995e-05, 0.0001079052, 0.0001654257, 0.0002892748, 3.805322e-04, 7.617394e-04]])
BC_TIMES = [-5, -4, -3, -2, 0, 1, 2, 3]  # HonestDiD's pre −4..−1 / reference 0 / post 1..4, in our indexing

# HonestDiD, method "Conditional" (and "C-LF": the same there), gridPoints = 100 on [−1, 1],
# Mbarvec = 0, 0.5, ..., 2: (Mbar, lb, ub) as printed (3 significant digits).
PUBLISHED_E1 = [(0.0, 0.172, 0.232), (0.5, 0.131, 0.253), (1.0, 0.0707, 0.313), (1.5, 0.0303, 0.354),
                (2.0, -0.0303, 0.414)]
PUBLISHED_E3 = [(0.0, 0.212, 0.273), (0.5, 0.0707, 0.414), (1.0, -0.0909, 0.576), (1.5, -0.253, 0.737),
                (2.0, -0.434, 0.919)]
# HonestDiD defaults (method C-LF, 1,000 grid points on ±20 sd, Mbarvec = seq(0, 2, length = 10)), l = e1.
PUBLISHED_DEFAULT = [(0.0, 0.159, 0.233), (0.2222, 0.143, 0.248), (0.4444, 0.123, 0.267), (0.6667, 0.101, 0.288),
                     (0.8889, 0.0786, 0.309), (1.1111, 0.0551, 0.330), (1.3333, 0.0308, 0.352),
                     (1.5556, 0.00722, 0.376), (1.7778, -0.0171, 0.379), (2.0, -0.0414, 0.379)]


@pytest.mark.parametrize("index, table", [(0, PUBLISHED_E1), (2, PUBLISHED_E3)])
def test_benzarti_carloni_matches_honestdid_conditional(index, table):
    """Same grid as the published call: the accepted grid points' hull must round to the printed
    values (the grid step is 0.0202, so this pins every acceptance decision at the ends)."""
    grid = np.linspace(-1, 1, 100)
    l_post = np.eye(4)[index]
    for mbar, lb, ub in table:
        cs = hd.rm_confidence_set(BC_BETA, BC_SIGMA, BC_TIMES, mbar, grid, l_post)
        assert float(f"{cs['lb']:.3g}") == pytest.approx(lb, abs=1e-12), (mbar, cs)
        assert float(f"{cs['ub']:.3g}") == pytest.approx(ub, abs=1e-12), (mbar, cs)


def test_benzarti_carloni_default_call_within_the_hybrid_difference():
    """The default call uses the least-favourable hybrid (not implemented): the conditional set is
    within 0.0025 of the printed ends (printed to 3 significant digits, ±0.0005; grid step 0.00076;
    the rest is the hybrid's different first stage), and the breakdown M̄ falls where the published
    lower bound changes sign (between 1.5556 and 1.7778)."""
    sd = np.sqrt(BC_SIGMA[4, 4])
    grid = np.linspace(-20 * sd, 20 * sd, 1000)
    for mbar, lb, ub in PUBLISHED_DEFAULT:
        cs = hd.rm_confidence_set(BC_BETA, BC_SIGMA, BC_TIMES, mbar, grid)
        assert abs(cs["lb"] - lb) < 0.0025 and abs(cs["ub"] - ub) < 0.0025, (mbar, cs)
    bd = hd.rm_breakdown(BC_BETA, BC_SIGMA, BC_TIMES)
    assert bd["significant_at_0"] and 1.5556 < bd["breakdown_Mbar"] < 1.7778


def test_identified_set_in_closed_form_as_sigma_vanishes():
    """With Σ → 0 the set is the identified set: for θ = τ_k (k-th post period, 1-based),
    δ_k ∈ [−k M̄ m, k M̄ m], m = max |Δδ_pre| (δ_0 = 0), so θ ∈ β_k ∓ k M̄ m."""
    beta = np.array([0.3, -0.1, 0.2, 1.0, 1.5, 0.7])  # pre −3..−1 (ours −4..−2), post 1..3
    times = [-4, -3, -2, 0, 1, 2]
    pre = np.concatenate([beta[:3], [0.0]])
    m = np.abs(np.diff(pre)).max()
    sigma = 1e-12 * (np.eye(6) + 0.3)
    for k in (1, 2, 3):
        for mbar in (0.0, 0.5, 1.3):
            lo, hi = beta[2 + k] - k * mbar * m, beta[2 + k] + k * mbar * m
            theta = [lo - 1e-3, lo, 0.5 * (lo + hi), hi, hi + 1e-3]  # sd of θ̂ is about 1e-6
            acc = hd.rm_accepts(beta, sigma, times, mbar, theta, np.eye(3)[k - 1])
            assert acc.tolist() == [False, True, True, True, False], (k, mbar)


def test_vectorised_arp_test_equals_the_linear_programs():
    rng = np.random.default_rng(3)
    for n_post in (2, 3):
        for mbar in (0.3, 1.0):
            A = hd.rm_constraints(3, n_post, -1, True, mbar)
            rows = np.flatnonzero(np.abs(A[:, 3:]).sum(axis=1) > 0)
            A = A[rows]
            l_post = np.eye(n_post)[0]
            gamma = np.vstack([l_post, np.linalg.svd(l_post[None, :])[2][1:]])
            AG = A[:, 3:] @ np.linalg.inv(gamma)
            X = AG[:, 1:]
            L = rng.normal(size=(3 + n_post, 3 + n_post))
            S = L @ L.T / 5 + 0.05 * np.eye(3 + n_post)
            sy = A @ S @ A.T
            V = hd.dual_vertices(X, np.sqrt(np.diag(sy)))
            for _ in range(25):
                y = rng.normal(size=len(A)) * 0.8 + rng.normal() * 0.5
                fast = bool(hd.arp_conditional_tests(y[:, None], sy, 0.05, V)[0])
                # the LP route: simplex vertex and vertex-to-vertex truncation interval
                assert fast == hd.arp_conditional_test(y, X, sy, 0.05)
                # η̂ by the primal LP equals the maximum over the enumerated vertices
                eta_lp, _ = hd._dual_vertex(y, X, np.sqrt(np.diag(sy)))
                assert (V @ y).max() == pytest.approx(eta_lp, abs=1e-9)


def test_relative_magnitudes_in_the_sensitivity_document_block():
    rng = np.random.default_rng(5)
    names = ["event[-4]", "event[-3]", "event[-2]", "event[0]", "event[1]", "event[2]"]
    beta = np.array([0.02, -0.01, 0.01, 0.5, 0.6, 0.55])
    L = rng.normal(size=(6, 6))
    S = (L @ L.T / 6 + np.eye(6)) * 0.002
    doc = {"vcov": {"names": names, "matrix": S.tolist()},
           "coefficients": [{"name": n, "estimate": float(b)} for n, b in zip(names, beta)]}
    out = hd.sensitivity_from_document(doc)
    rm = out["targets"]["first_post"]["relative_magnitudes"]
    assert rm["significant_at_0"] and rm["breakdown_Mbar"] > 1  # a large effect, flat pre-trends
    sets = {c["Mbar"]: c for c in rm["confidence_sets"]}
    assert sets[0.0]["lb"] > 0 and sets[2.0]["lb"] < sets[0.0]["lb"]
    # the breakdown separates rejection from acceptance of θ = 0
    m = rm["breakdown_Mbar"]
    assert not hd.rm_accepts(beta, S, [-4, -3, -2, 0, 1, 2], m * 0.98, 0.0)[0]
    assert hd.rm_accepts(beta, S, [-4, -3, -2, 0, 1, 2], m * 1.02 + 1e-3, 0.0)[0]


def test_gaps_in_event_time_are_refused():
    with pytest.raises(Exception, match="consecutive"):
        hd.rm_breakdown(np.zeros(4), np.eye(4), [-4, -2, 0, 1])
