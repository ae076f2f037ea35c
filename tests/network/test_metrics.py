"""Node and network indices against networkx, R sna (fixture) and textbook examples."""
from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clusternet.network.metrics import (NETWORK_METRICS, NODE_METRICS, borgatti_everett_coreness, burt_measures,
                                        communities, network_metrics)

TOL = 1e-6


def random_network(seed, n=14, p=0.3):
    rng = np.random.default_rng(seed)
    w = rng.gamma(1.0, 1.0, (n, n)) * (rng.random((n, n)) < p)
    np.fill_diagonal(w, 0.0)
    a = (w > 0.4).astype(np.int8)
    return w, a


def digraph(mat, weighted=True):
    g = nx.DiGraph()
    g.add_nodes_from(range(mat.shape[0]))
    for i, j in zip(*np.nonzero(mat)):
        if weighted:
            g.add_edge(int(i), int(j), weight=float(mat[i, j]))
        else:
            g.add_edge(int(i), int(j))
    return g


def as_array(d, n):
    return np.array([d[i] for i in range(n)], dtype=float)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_node_metrics_match_networkx(seed):
    w, a = random_network(seed)
    n = len(w)
    nodes, _ = network_metrics(w, a, seed=7)
    assert list(nodes.columns) == list(NODE_METRICS)
    gb, gw, gt = digraph(a, weighted=False), digraph(w), digraph(w * a)
    np.testing.assert_allclose(nodes.in_degree, as_array(dict(gb.in_degree()), n))
    np.testing.assert_allclose(nodes.out_strength, as_array(dict(gw.out_degree(weight="weight")), n), atol=TOL)
    np.testing.assert_allclose(nodes.in_strength, as_array(dict(gw.in_degree(weight="weight")), n), atol=TOL)
    np.testing.assert_allclose(nodes.degree_centrality, as_array(nx.degree_centrality(gb), n), atol=TOL)
    np.testing.assert_allclose(nodes.in_degree_centrality, as_array(nx.in_degree_centrality(gb), n), atol=TOL)
    np.testing.assert_allclose(nodes.betweenness, as_array(nx.betweenness_centrality(gb), n), atol=TOL)
    # networkx harmonic_centrality sums 1/d(v, u) over incoming paths; normalise by n-1
    np.testing.assert_allclose(nodes.harmonic_in, as_array(nx.harmonic_centrality(gb), n) / (n - 1), atol=TOL)
    np.testing.assert_allclose(nodes.harmonic_out, as_array(nx.harmonic_centrality(gb.reverse()), n) / (n - 1),
                               atol=TOL)
    np.testing.assert_allclose(nodes.clustering, as_array(nx.clustering(gb), n), atol=TOL)
    np.testing.assert_allclose(nodes.core_number, as_array(nx.core_number(gb.to_undirected()), n))
    np.testing.assert_allclose(nodes.pagerank, as_array(nx.pagerank(gw, alpha=0.85, tol=1e-13, max_iter=10_000), n),
                               atol=TOL)
    eff = nx.effective_size(gt, weight="weight")
    con = nx.constraint(gt, weight="weight")
    np.testing.assert_allclose(nodes.effective_size, as_array(eff, n), atol=TOL)
    np.testing.assert_allclose(nodes.constraint, as_array(con, n), atol=TOL)
    degree = np.array([len(set(nx.all_neighbors(gt, i))) for i in range(n)], dtype=float)
    np.testing.assert_allclose(nodes.efficiency, as_array(eff, n) / degree, atol=TOL)


def test_closeness_on_a_strongly_connected_graph_matches_networkx_and_is_nan_otherwise():
    # a directed cycle plus chords is strongly connected
    n = 9
    a = np.zeros((n, n), dtype=np.int8)
    for i in range(n):
        a[i, (i + 1) % n] = 1
    a[0, 4] = a[5, 2] = a[7, 3] = 1
    nodes, level = network_metrics(a.astype(float), a, seed=1)
    g = digraph(a, weighted=False)
    # networkx closeness_centrality on a DiGraph uses incoming distances (in-closeness)
    np.testing.assert_allclose(nodes.closeness_in, as_array(nx.closeness_centrality(g), n), atol=TOL)
    np.testing.assert_allclose(nodes.closeness_out, as_array(nx.closeness_centrality(g.reverse()), n), atol=TOL)
    assert level["average_path_length"] == pytest.approx(nx.average_shortest_path_length(g), abs=TOL)
    a[8, 0] = 0  # now node 0 is not reached by 8's path through the cycle: not strongly connected
    nodes, _ = network_metrics(a.astype(float), a, seed=1)
    assert nodes.closeness_in.isna().any() and nodes.harmonic_in.notna().all()
    assert nodes.eigenvector.isna().all()  # leading eigenvector not unique without strong connectivity


def test_eigenvector_matches_networkx_scaled_to_max_one():
    w, a = random_network(5, n=10, p=1.0)  # complete weighted graph: Perron vector is unique
    nodes, _ = network_metrics(w, a, seed=1)
    ref = as_array(nx.eigenvector_centrality_numpy(digraph(w), weight="weight"), len(w))
    np.testing.assert_allclose(nodes.eigenvector, ref / ref.max(), atol=TOL)


def test_network_level_matches_networkx():
    w, a = random_network(11)
    _, level = network_metrics(w, a, seed=1)
    g = digraph(a, weighted=False)
    assert list(level) == list(NETWORK_METRICS)
    assert level["density"] == pytest.approx(nx.density(g), abs=TOL)
    assert level["reciprocity"] == pytest.approx(nx.overall_reciprocity(g), abs=TOL)
    lengths = [d for s, dd in nx.shortest_path_length(g) for t, d in dd.items() if s != t]
    assert level["average_path_length"] == pytest.approx(np.mean(lengths), abs=TOL)


def test_modularity_matches_networkx_for_the_same_partition_and_is_seeded():
    w, _ = random_network(21, n=20, p=0.5)
    labels, q = communities(w, seed=3)
    s = w + w.T
    g = nx.Graph()
    g.add_nodes_from(range(len(w)))
    for i, j in zip(*np.nonzero(np.triu(s, 1))):
        g.add_edge(int(i), int(j), weight=float(s[i, j]))
    parts = [set(np.flatnonzero(labels == k).tolist()) for k in range(labels.max() + 1)]
    assert q == pytest.approx(nx.community.modularity(g, parts, weight="weight"), abs=TOL)
    again, q2 = communities(w, seed=3)
    np.testing.assert_array_equal(labels, again)
    assert labels[0] == 0  # labels numbered by first appearance


def test_two_weakly_joined_cliques_are_found():
    w = np.zeros((8, 8))
    w[:4, :4] = 1.0
    w[4:, 4:] = 1.0
    w[0, 4] = 0.05
    np.fill_diagonal(w, 0)
    labels, q = communities(w, seed=1)
    assert labels.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert q > 0.45


def load_sna():
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "reference" / "fixtures" / "network_sna.json"
    return json.loads(path.read_text())


@pytest.mark.parametrize("case", [0, 1, 2])
def test_krackhardt_density_reciprocity_betweenness_match_r_sna(case):
    ref = load_sna()["graphs"][case]
    a = np.asarray(ref["adjacency"], dtype=np.int8)
    n = len(a)
    nodes, level = network_metrics(a.astype(float), a, seed=1)
    for key in ("density", "connectedness", "hierarchy", "efficiency"):
        assert level[key] == pytest.approx(ref[key], abs=TOL), key
    assert level["reciprocity"] == pytest.approx(ref["reciprocity_edgewise"], abs=TOL)
    np.testing.assert_allclose(nodes.betweenness * (n - 1) * (n - 2), ref["betweenness"], atol=TOL)


def test_krackhardt_by_hand():
    # out-star 0 -> 1, 2, 3: connected, perfectly hierarchical, no redundant tie
    a = np.zeros((4, 4), dtype=np.int8)
    a[0, 1:] = 1
    _, level = network_metrics(a.astype(float), a, seed=1)
    assert (level["connectedness"], level["hierarchy"], level["efficiency"]) == (1.0, 1.0, 1.0)
    # complete digraph: every pair mutually reachable, every tie beyond n-1 redundant
    full = 1 - np.eye(4, dtype=np.int8)
    _, level = network_metrics(full.astype(float), full, seed=1)
    assert (level["connectedness"], level["hierarchy"], level["efficiency"]) == (1.0, 0.0, 0.0)
    # two mutual pairs {0,1}, {2,3}: 2 of 6 pairs joined; each component has n_c - 1 = 1 required
    # tie and 2 directed ties, max redundant 2*1 - 1 = 1 per component -> efficiency 1 - 2/2 = 0
    two = np.zeros((4, 4), dtype=np.int8)
    two[0, 1] = two[1, 0] = two[2, 3] = two[3, 2] = 1
    _, level = network_metrics(two.astype(float), two, seed=1)
    assert level["connectedness"] == pytest.approx(2 / 6)
    assert level["hierarchy"] == 0.0 and level["efficiency"] == 0.0


def test_burt_measures_on_borgatti_textbook_example():
    # Borgatti (1997) "Structural holes: unpacking Burt's redundancy measures",
    # Connections 20(1): ego G has effective size 4.67 and constraint 0.400, A 2.50 and 0.595, C 1 and 1.
    names = list("ABCDEFG")
    ties = ["AB", "AF", "AG", "AE", "EG", "FG", "BG", "BD", "DG", "GC"]
    a = np.zeros((7, 7))
    for s, t in ties:
        a[names.index(s), names.index(t)] = a[names.index(t), names.index(s)] = 1
    eff, efficiency, con = burt_measures(a)
    got = {k: (eff[names.index(k)], con[names.index(k)]) for k in "GAC"}
    assert got["G"] == pytest.approx((14 / 3, 0.400), abs=1e-3)
    assert got["A"] == pytest.approx((2.50, 0.595), abs=1e-3)
    assert got["C"] == pytest.approx((1.0, 1.0), abs=1e-3)
    assert efficiency[names.index("G")] == pytest.approx(14 / 3 / 6)


def test_burt_isolates_are_nan():
    w = np.zeros((3, 3))
    w[0, 1] = 1
    eff, efficiency, con = burt_measures(w)
    assert np.isnan(eff[2]) and np.isnan(efficiency[2]) and np.isnan(con[2])
    assert con[0] == pytest.approx(1.0) and eff[0] == pytest.approx(1.0)


def test_core_periphery_recovers_an_ideal_structure():
    a = np.zeros((10, 10))
    a[:4, :] = 1
    a[:, :4] = 1
    np.fill_diagonal(a, 0)
    c, fit = borgatti_everett_coreness(a)
    assert np.allclose(c[:4], 1.0) and np.all(c[4:] < 0.7)
    assert fit > 0.6


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_core_periphery_solution_is_a_stationary_point(seed):
    # d/dc_i sum_{i != j} (a_ij - c_i c_j)^2 = 0  <=>  sum_j a_ij c_j = c_i sum_{j != i} c_j^2 ;
    # scaling c by 1/max keeps the ratio constant across i
    rng = np.random.default_rng(seed)
    a = (rng.random((9, 9)) < 0.5).astype(float)
    a = np.triu(a, 1)
    a = a + a.T
    if a.sum(axis=1).min() == 0:
        return
    c, _ = borgatti_everett_coreness(a)
    # a star-like graph has no attained minimum (the hub's coreness diverges): the
    # function says so with NaN, and there is no stationary point to check
    assume(np.all(np.isfinite(c)))
    # written as a product, because a node in a small separate component has
    # coreness 0 at the optimum and the ratio form would be 0/0 there
    sq = (c ** 2).sum() - c ** 2
    hub = int(np.argmax(c))
    scale = (a @ c)[hub] / (c[hub] * sq[hub])
    np.testing.assert_allclose(a @ c, scale * c * sq, rtol=1e-6, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.permutations(list(range(8))))
def test_node_metrics_are_equivariant_under_relabelling(seed, perm):
    w, a = random_network(seed, n=8, p=0.6)
    perm = np.asarray(perm)
    base, level = network_metrics(w, a, seed=1)
    moved, level2 = network_metrics(w[np.ix_(perm, perm)], a[np.ix_(perm, perm)], seed=1)
    cols = [c for c in NODE_METRICS if c != "community"]
    np.testing.assert_allclose(moved[cols].to_numpy(), base[cols].to_numpy()[perm], atol=1e-8)
    for key in NETWORK_METRICS:
        if key not in ("modularity", "n_communities"):
            assert level2[key] == pytest.approx(level[key], abs=1e-9, nan_ok=True), key


def test_pagerank_with_dangling_nodes_matches_networkx():
    from clusternet.network.metrics import pagerank

    w = np.zeros((6, 6))
    w[0, 1], w[1, 2], w[2, 0], w[3, 0], w[0, 4] = 1.0, 2.0, 0.5, 3.0, 1.5  # 4 and 5 have no out-ties
    g = digraph(w)
    for damping in (0.5, 0.85):
        ref = as_array(nx.pagerank(g, alpha=damping, tol=1e-14, max_iter=10_000), 6)
        np.testing.assert_allclose(pagerank(w, damping), ref, atol=TOL)
