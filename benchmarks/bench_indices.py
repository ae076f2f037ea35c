"""Benchmark of the composite index engine and the Dagum decomposition (clusternet.indices).

- Index engine: 3,000 regions x 20 years x 40 indicators in 4 dimensions (min-max over the
  panel, hierarchical aggregation, weights fixed over the panel), once per method, plus the
  year-by-year entropy variant. Target: < 2 s per method.
- Dagum Gini decomposition (four groups) on 3,000 regions: one year, and 20 years.
  Target: < 5 s. Also the O(n^2) brute-force formula on one year for comparison, with the
  max abs difference of the four components.

Run: python benchmarks/bench_indices.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

from clusternet.indices import disparity
from clusternet.indices.composite import IndexOptions, compute_index
from clusternet.indices.system import parse_system
from clusternet.indices.weighting import SCORE_METHODS

GROUPS = np.array(["East", "Central", "West", "Northeast"])


def simulate(n: int, t: int, m: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.normal(size=n)
    df = pd.DataFrame({"region_code": np.repeat(np.arange(n), t), "year": np.tile(np.arange(2000, 2000 + t), n)})
    base = size[df["region_code"]] + 0.05 * (df["year"] - 2000)
    X = np.exp(base.to_numpy()[:, None] * rng.uniform(0.3, 1.5, m) + rng.normal(scale=0.5, size=(n * t, m)))
    return pd.concat([df, pd.DataFrame(X, columns=[f"x{j}" for j in range(m)])], axis=1)


def system(m: int, dims: int = 4):
    per = m // dims
    return parse_system({"name": "idx", "dimensions": [
        {"key": f"d{d}", "indicators": [{"variable": f"x{j}", "direction": "-" if j % 7 == 6 else "+"}
                                        for j in range(d * per, (d + 1) * per)]} for d in range(dims)]})


def timed(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def brute_dagum(y, g):
    n, mu = y.size, y.mean()
    G = np.abs(y[:, None] - y[None, :]).sum() / (2 * n * n * mu)
    labels = sorted(set(g), key=lambda l: -y[g == l].mean())
    p = {l: (g == l).mean() for l in labels}
    s = {l: y[g == l].sum() / (n * mu) for l in labels}
    Gw = sum(np.abs(y[g == l][:, None] - y[g == l][None, :]).sum() / (2 * (g == l).sum() ** 2 * y[g == l].mean())
             * p[l] * s[l] for l in labels)
    Gnb = Gt = 0.0
    for a, j in enumerate(labels):
        for h in labels[a + 1:]:
            diff = y[g == j][:, None] - y[g == h][None, :]
            nn = diff.size
            Gjh = np.abs(diff).sum() / (nn * (y[g == j].mean() + y[g == h].mean()))
            d, q = diff[diff > 0].sum() / nn, -diff[diff < 0].sum() / nn
            D = (d - q) / (d + q)
            Gnb += Gjh * (p[j] * s[h] + p[h] * s[j]) * D
            Gt += Gjh * (p[j] * s[h] + p[h] * s[j]) * (1 - D)
    return np.array([G, Gw, Gnb, Gt])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    args = ap.parse_args()
    n, t, m = (300, 10, 40) if args.quick else (3000, 20, 40)
    repeat = 1 if args.quick else 3
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    df = simulate(n, t, m)
    sysm = system(m)
    print(f"\nindex engine: {n} regions x {t} years x {m} indicators ({n * t} rows)")
    for method in SCORE_METHODS:
        sec = timed(lambda: compute_index(df, sysm, method), repeat)
        print(f"  {method:<15} hierarchical, panel weights: {sec:7.3f} s")
    sec = timed(lambda: compute_index(df, sysm, "entropy", IndexOptions(scope="year")), repeat)
    print(f"  {'entropy':<15} hierarchical, year-by-year weights: {sec:7.3f} s")
    sec = timed(lambda: compute_index(df, sysm, "entropy", IndexOptions(aggregation="flat")), repeat)
    print(f"  {'entropy':<15} flat, panel weights: {sec:7.3f} s")

    rng = np.random.default_rng(1)
    y = rng.lognormal(size=n)
    g = GROUPS[rng.integers(0, 4, size=n)]
    print(f"\nDagum decomposition, 4 groups, {n} regions")
    sec = timed(lambda: disparity.dagum_gini(y, g), repeat)
    print(f"  one year (sorting, O(n log n)): {sec:7.4f} s")
    panel = pd.DataFrame({"region_code": np.repeat(np.arange(n), t), "year": np.tile(np.arange(t), n),
                          "group": np.repeat(g, t), "v": rng.lognormal(size=n * t)})
    sec = timed(lambda: disparity.by_year(panel, "v"), 1)
    print(f"  {t} years, Dagum + Theil: {sec:7.3f} s")
    t0 = time.perf_counter()
    brute = brute_dagum(y, g)
    brute_sec = time.perf_counter() - t0
    r = disparity.dagum_gini(y, g)
    fast = np.array([r.gini, r.within, r.between, r.transvariation])
    print(f"  one year brute force O(n^2): {brute_sec:7.3f} s; max abs difference {np.abs(fast - brute).max():.2e}")


if __name__ == "__main__":
    main()
