"""Simulated power (clusternet.models.power.simulate_power): the vectorised rejection counts
equal a plain loop that builds every simulated sample and tests it with the one-sample code
(:func:`clusternet.models.wildboot.bootstrap_t`, which is itself checked against brute-force
refits and the wildboottest package in test_wildboot.py)."""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from clusternet.models.power import simulate_power
from clusternet.models.wildboot import bootstrap_t, cluster_t, draw_weights, linear_design


def _panel(seed=0, n=15, t=7, beta=0.2):
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(1, n + 1) * 10000, t)
    years = np.tile(np.arange(2010, 2010 + t), n)
    a = rng.normal(size=n)[np.repeat(np.arange(n), t)]
    x = rng.normal(size=n * t) + 0.5 * a
    z = rng.normal(size=n * t)
    e = rng.normal(size=n)[np.repeat(np.arange(n), t)] * 0.5 + rng.standard_t(5, size=n * t)
    y = beta * x + 0.3 * z + a + e
    return pd.DataFrame({"region_code": ids, "year": years, "y": y, "x": x, "z": z})


def _loop(design, coef, *, alpha, outer, inner, kind, rng, grid_se, sign):
    """The per-sample loop (one bootstrap_t call per simulated sample and effect size)."""
    k = design.index(coef)
    G = design.n_clusters
    _, se, _ = cluster_t(design, k)
    deltas = sign * grid_se * se
    X = design.X
    beta, *_ = np.linalg.lstsq(X, design.y, rcond=None)
    u = design.y - X @ beta
    base = X @ beta - beta[k] * X[:, k]
    v_outer = draw_weights(rng, G, outer, kind)
    v_inner = draw_weights(rng, G, inner, kind)
    crit = float(stats.t.ppf(1 - alpha / 2, G - 1))
    rej_t, rej_w = np.zeros(deltas.size), np.zeros(deltas.size)
    for r in range(outer):
        noise = u * v_outer[design.cluster, r]
        for j, d in enumerate(deltas):
            t_obs, t_star = bootstrap_t(design.with_y(base + d * X[:, k] + noise), k, v_inner)
            rej_t[j] += abs(t_obs) > crit
            rej_w[j] += np.mean(np.abs(t_star) >= abs(t_obs)) < alpha
    return rej_t / outer, rej_w / outer


@pytest.mark.parametrize("model,kind,sign", [("twfe", "webb", 1), ("fe", "rademacher", -1), ("pooled", "webb", 1)])
def test_vectorised_counts_equal_the_loop(model, kind, sign):
    spec = {"name": "t", "model": model, "y": "y", "x": ["x"], "controls": ["z"],
            "cov": {"type": "cluster", "small_sample": "sss"}}
    design = linear_design(_panel(), spec)
    grid = np.array([0, 0.5, 1, 2, 3, 4])
    got = simulate_power(design, "x", alpha=0.05, power=0.8, outer=40, inner=49, kind=kind,
                         rng=np.random.default_rng(7), grid_se=grid, sign=sign)
    pt, pw = _loop(design, "x", alpha=0.05, outer=40, inner=49, kind=kind, rng=np.random.default_rng(7),
                   grid_se=grid, sign=sign)
    assert got["power_cluster_t"] == pt.tolist()
    assert got["power_wild"] == pw.tolist()
    # the counts move with the effect (the test can fail): power grows from size to near one
    assert got["power_cluster_t"][-1] > got["power_cluster_t"][0]
    assert got["power_wild"][-1] >= 0.8


def test_chunks_do_not_change_counts():
    from clusternet.models import power

    spec = {"name": "t", "model": "twfe", "y": "y", "x": ["x"], "controls": ["z"]}
    design = linear_design(_panel(seed=3), spec)
    k = design.index("x")
    rng = np.random.default_rng(1)
    G = design.n_clusters
    vo, vi = draw_weights(rng, G, 23, "webb"), draw_weights(rng, G, 31, "webb")
    u = rng.normal(size=design.y.size)
    deltas = np.array([0.0, 0.3, 0.9])
    a = power._rejections(design, k, design.y * 0, u, deltas, vo, vi, 2.1, 0.05, chunk=7)
    b = power._rejections(design, k, design.y * 0, u, deltas, vo, vi, 2.1, 0.05, chunk=1000)
    assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
