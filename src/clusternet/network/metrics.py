"""Node- and network-level indices of a directed network.

Inputs are a weighted matrix ``W`` (``W[i, j]`` = tie i -> j, zero diagonal)
and its 0/1 binarisation ``A``. Which graph each index uses:

binary ``A`` (directed unless stated)
    in/out degree; degree centrality (networkx convention: ``(k_in + k_out)/(n-1)``,
    and in/out versions ``k/(n-1)``); betweenness (shortest paths, normalised
    by ``(n-1)(n-2)`` as networkx does for directed graphs); closeness;
    clustering; core number; every network-level index except modularity.
weighted ``W``
    in/out strength (row/column sums); eigenvector centrality (left
    eigenvector: a region is central when central regions send it ties,
    scaled to max 1 like igraph; NaN when the weighted graph is not strongly
    connected, where the leading eigenvector is not unique); PageRank (damping from config; dangling
    nodes jump uniformly, as networkx and igraph do; numpy power iteration); modularity and
    communities (Louvain on the undirected ``W + W'``).
tie-weighted ``A * W``
    Burt's structural holes (Burt 1992, formulas as in networkx):
    ``p_ij = (w_ij + w_ji) / sum_k (w_ik + w_ki)``,
    constraint ``c_i = sum_{j in N(i)} (p_ij + sum_{q != i,j} p_iq p_qj)^2``,
    effective size ``e_i = sum_{j in N(i)} (1 - sum_{q in N(i), q != j} p_iq m_jq)``
    with ``m_jq = (w_jq + w_qj) / max_k (w_jk + w_kj)``, efficiency ``e_i / |N(i)|``;
    ``N(i)`` = in- or out-neighbours. Isolates get NaN.

Closeness: ``closeness_out_i = (n-1) / sum_j d(i, j)`` (and ``_in`` on
incoming paths) is defined only when i reaches (is reached by) every node; it
is NaN otherwise. The harmonic version ``(1/(n-1)) sum_{j != i} 1/d(i, j)``
(Marchiori & Latora 2000; 1/inf = 0) is always defined and is reported next to
it, so disconnected years keep a closeness measure.

Clustering is Fagiolo's (2007) directed binary coefficient
``C_i = [(A + A')^3]_ii / (2 [k_i^tot (k_i^tot - 1) - 2 k_i^<->])`` (networkx
``clustering`` on a DiGraph); 0 where the denominator is 0, as networkx.
Core number: k-core index on the undirected projection (tie in either direction).

Network level (Krackhardt 1994 graph-theoretical dimensions of informal
organisations, on the reachability of ``A``):
``connectedness = 1 - V / (n(n-1)/2)`` with V the unordered pairs not joined
in the underlying undirected graph (weak components); ``hierarchy = 1 - K / max K`` with K the
unordered pairs reachable both ways and max K the pairs reachable at least one
way; ``efficiency = 1 - M / max M`` with M = directed ties - sum_c (n_c - 1) over the
weakly connected components c and max M = sum_c [n_c (n_c - 1) - (n_c - 1)] (the
directed form of R ``sna::efficiency``; UCINET's undirected form counts edges of
the symmetrised graph instead). All three agree with ``sna`` (tests/reference).
``average_path_length`` averages the directed distances over ordered pairs
joined by a path. ``reciprocity`` = share of ties that are reciprocated.
Core–periphery: Borgatti & Everett's (1999) continuous model on the undirected
projection: coreness ``c`` minimising ``sum_{i != j} (a_ij - c_i c_j)^2``
(fitted by the damped MINRES fixed point ``c_i = sum_{j != i} a_ij c_j / sum_{j != i} c_j^2``;
NaN when it does not converge),
reported per node (scaled to max 1) with the fit ``corr(a_ij, c_i c_j)`` over i != j.
"""
from __future__ import annotations

import random

import igraph as ig
import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

NODE_METRICS = (
    "in_degree", "out_degree", "in_strength", "out_strength", "degree_centrality",
    "in_degree_centrality", "out_degree_centrality", "betweenness", "closeness_in", "closeness_out",
    "harmonic_in", "harmonic_out", "eigenvector", "pagerank", "clustering", "effective_size",
    "efficiency", "constraint", "core_number", "coreness_be", "community",
)
NETWORK_METRICS = (
    "n_nodes", "n_ties", "density", "reciprocity", "connectedness", "hierarchy", "efficiency",
    "average_path_length", "modularity", "n_communities", "core_periphery_fit",
)


def _graph(adj: np.ndarray, weights: np.ndarray | None = None, directed: bool = True) -> ig.Graph:
    src, dst = np.nonzero(adj)
    g = ig.Graph(n=adj.shape[0], edges=list(zip(src.tolist(), dst.tolist())), directed=directed)
    if weights is not None:
        g.es["weight"] = weights[src, dst].astype(float).tolist()
    return g


def eigenvector_in(w: np.ndarray) -> np.ndarray:
    """Left Perron eigenvector of W (x_j proportional to sum_i w_ij x_i), scaled to max 1.

    ARPACK (scipy) started from the all-ones vector rather than igraph's eigenvector
    centrality, whose random ARPACK start makes the last digits differ between runs
    (outputs must be byte-identical); dense LAPACK for tiny graphs."""
    from scipy.sparse.linalg import eigs

    wt = np.asarray(w, dtype=float).T
    n = wt.shape[0]
    if n < 4:
        vals, vecs = np.linalg.eig(wt)
        vec = vecs[:, np.argmax(np.real(vals))]
    else:
        _, vecs = eigs(wt, k=1, which="LR", v0=np.ones(n), tol=0, maxiter=100 * n)
        vec = vecs[:, 0]
    vec = np.abs(np.real(vec))
    return vec / vec.max()


def pagerank(w: np.ndarray, damping: float = 0.85, *, tol: float = 1e-13, max_iter: int = 10_000) -> np.ndarray:
    """Weighted PageRank by power iteration: ``x <- d x P + (d * dangling mass + 1 - d) / n``
    with ``P`` the row-normalised weights; rows without out-weight (dangling nodes)
    jump uniformly, as in networkx and igraph. Dense numpy: the gravity networks are
    complete, and a fixed start (uniform) keeps the result deterministic."""
    w = np.asarray(w, dtype=float).copy()
    np.fill_diagonal(w, 0.0)
    n = w.shape[0]
    out = w.sum(axis=1)
    dangling = out == 0
    p = np.divide(w, out[:, None], out=np.zeros_like(w), where=~dangling[:, None])
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        new = damping * (x @ p) + (damping * x[dangling].sum() + 1 - damping) / n
        if np.abs(new - x).sum() < n * tol:
            return new / new.sum()
        x = new
    return x / x.sum()


def burt_measures(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Effective size, efficiency and constraint for a non-negative weight matrix (see module docstring)."""
    w = np.asarray(w, dtype=float).copy()
    np.fill_diagonal(w, 0.0)
    s = w + w.T
    neigh = s > 0
    deg = neigh.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = s / s.sum(axis=1, keepdims=True)
        m = s / s.max(axis=1, keepdims=True)
    p = np.nan_to_num(p)
    m = np.nan_to_num(m)
    indirect = p @ p  # p_ii = p_jj = 0, so q = i, j drop out of the sum
    constraint = np.where(neigh, (p + indirect) ** 2, 0.0).sum(axis=1)
    redundancy = np.where(neigh, p @ m, 0.0).sum(axis=1)
    effective = deg - redundancy
    isolate = deg == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        efficiency = effective / deg
    for arr in (effective, efficiency, constraint):
        arr[isolate] = np.nan
    return effective, efficiency, constraint


def fagiolo_clustering(adj: np.ndarray) -> np.ndarray:
    a = (np.asarray(adj) > 0).astype(float)
    np.fill_diagonal(a, 0.0)
    s = a + a.T
    cycles = ((s @ s) * s.T).sum(axis=1)  # diag(s^3) without forming s^3
    k_tot = a.sum(axis=0) + a.sum(axis=1)
    k_bi = np.diag(a @ a)
    denom = 2.0 * (k_tot * (k_tot - 1) - 2 * k_bi)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(denom > 0, cycles / denom, 0.0)
    return c


def borgatti_everett_coreness(adj: np.ndarray, *, tol: float = 1e-10,
                              max_iter: int = 10_000) -> tuple[np.ndarray, float]:
    """Continuous core–periphery coreness (max 1) and the fit corr(a_ij, c_i c_j), i != j."""
    a = ((np.asarray(adj) + np.asarray(adj).T) > 0).astype(float)
    np.fill_diagonal(a, 0.0)
    n = a.shape[0]
    off = ~np.eye(n, dtype=bool)
    if a.sum() == 0:
        return np.full(n, np.nan), float("nan")
    c = a.sum(axis=1) / np.sqrt(a.sum())  # degree start: deterministic
    for _ in range(max_iter):
        sq = (c ** 2).sum() - c ** 2
        # the plain fixed-point map oscillates; averaging with the previous
        # iterate has the same fixed point and converges in a few dozen steps
        new = 0.5 * c + 0.5 * (a @ c) / sq
        if np.max(np.abs(new - c)) < tol:
            c = new
            break
        c = new
    else:
        return np.full(n, np.nan), float("nan")
    c = c / c.max()
    pattern = np.outer(c, c)[off]
    obs = a[off]
    fit = float(np.corrcoef(obs, pattern)[0, 1]) if obs.std() > 0 and pattern.std() > 0 else float("nan")
    return c, fit


def _krackhardt(adj: np.ndarray, dist: np.ndarray, graph: ig.Graph) -> dict[str, float]:
    n = adj.shape[0]
    reach = np.isfinite(dist)
    np.fill_diagonal(reach, False)
    iu = np.triu_indices(n, 1)
    either = (reach | reach.T)[iu]
    both = (reach & reach.T)[iu]
    pairs = n * (n - 1) / 2
    sizes = np.asarray(graph.connected_components(mode="weak").sizes(), dtype=float)
    connectedness = float(np.sum(sizes * (sizes - 1) / 2) / pairs) if pairs else float("nan")
    hierarchy = float(1 - both.sum() / either.sum()) if either.any() else float("nan")
    redundant = adj.sum() - np.sum(sizes - 1)
    max_redundant = np.sum(sizes * (sizes - 1) - (sizes - 1))
    efficiency = float(1 - redundant / max_redundant) if max_redundant > 0 else float("nan")
    return {"connectedness": connectedness, "hierarchy": hierarchy, "efficiency": efficiency}


def communities(w: np.ndarray, seed: int, resolution: float = 1.0) -> tuple[np.ndarray, float]:
    """Louvain communities of the undirected ``W + W'`` with a seeded igraph RNG.

    Labels are renumbered by each community's first node, so they do not
    depend on the algorithm's internal order. Returns (labels, modularity)."""
    s = np.asarray(w, dtype=float) + np.asarray(w, dtype=float).T
    np.fill_diagonal(s, 0.0)
    g = _graph(np.triu(s > 0, 1), s, directed=False)
    if g.ecount() == 0:
        return np.arange(s.shape[0]), float("nan")
    ig.set_random_number_generator(random.Random(seed))
    try:
        part = g.community_multilevel(weights="weight", resolution=resolution)
    finally:
        ig.set_random_number_generator(random)
    raw = np.asarray(part.membership)
    relabel: dict[int, int] = {}
    for lab in raw:
        relabel.setdefault(int(lab), len(relabel))
    labels = np.array([relabel[int(lab)] for lab in raw])
    q = g.modularity(labels.tolist(), weights="weight", resolution=resolution)
    return labels, float(q)


def network_metrics(weights: np.ndarray, adjacency: np.ndarray, *, seed: int,
                    damping: float = 0.85, resolution: float = 1.0) -> tuple[pd.DataFrame, dict]:
    """Node table (columns ``NODE_METRICS``, rows in node order) and network-level dict."""
    w = np.asarray(weights, dtype=float)
    a = (np.asarray(adjacency) > 0).astype(np.int8)
    np.fill_diagonal(a, 0)
    n = w.shape[0]
    gb = _graph(a)
    k_out = a.sum(axis=1).astype(float)
    k_in = a.sum(axis=0).astype(float)
    dist = np.asarray(gb.distances(mode="out"), dtype=float)  # dist[i, j]: i -> j
    with np.errstate(divide="ignore"):
        inv = np.where(np.eye(n, dtype=bool), 0.0, 1.0 / dist)
    sum_out = np.where(np.eye(n, dtype=bool), 0.0, dist).sum(axis=1)
    sum_in = np.where(np.eye(n, dtype=bool), 0.0, dist).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        closeness_out = np.where(np.isfinite(sum_out), (n - 1) / sum_out, np.nan)
        closeness_in = np.where(np.isfinite(sum_in), (n - 1) / sum_in, np.nan)
    norm_b = (n - 1) * (n - 2)
    betweenness = np.asarray(gb.betweenness(directed=True), dtype=float) / norm_b if norm_b else np.zeros(n)
    positive = w > 0
    np.fill_diagonal(positive, False)
    strongly_connected = positive.any() and connected_components(positive, connection="strong")[0] == 1
    eig = eigenvector_in(w) if strongly_connected else np.full(n, np.nan)
    rank = pagerank(w, damping)
    effective, efficiency, constraint = burt_measures(w * a)
    core = np.asarray(_graph(np.triu((a + a.T) > 0, 1), directed=False).coreness(), dtype=float)
    coreness_be, cp_fit = borgatti_everett_coreness(a)
    labels, modularity = communities(w, seed=seed, resolution=resolution)
    nodes = pd.DataFrame({
        "in_degree": k_in, "out_degree": k_out,
        "in_strength": w.sum(axis=0) - np.diag(w), "out_strength": w.sum(axis=1) - np.diag(w),
        "degree_centrality": (k_in + k_out) / (n - 1),
        "in_degree_centrality": k_in / (n - 1), "out_degree_centrality": k_out / (n - 1),
        "betweenness": betweenness, "closeness_in": closeness_in, "closeness_out": closeness_out,
        "harmonic_in": inv.sum(axis=0) / (n - 1), "harmonic_out": inv.sum(axis=1) / (n - 1),
        "eigenvector": eig, "pagerank": rank, "clustering": fagiolo_clustering(a),
        "effective_size": effective, "efficiency": efficiency, "constraint": constraint,
        "core_number": core, "coreness_be": coreness_be, "community": labels.astype("int64"),
    })
    m = int(a.sum())
    mutual = int((a & a.T).sum())
    finite = np.isfinite(dist) & ~np.eye(n, dtype=bool)
    level = {
        "n_nodes": n, "n_ties": m,
        "density": m / (n * (n - 1)),
        "reciprocity": mutual / m if m else float("nan"),
        **_krackhardt(a, dist, gb),
        "average_path_length": float(dist[finite].mean()) if finite.any() else float("nan"),
        "modularity": modularity, "n_communities": int(labels.max() + 1),
        "core_periphery_fit": cp_fit,
    }
    return nodes, level
