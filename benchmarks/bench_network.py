"""Speed and Monte Carlo checks of the network stage (see benchmarks/README.md).

    python benchmarks/bench_network.py            # full sizes
    python benchmarks/bench_network.py --quick    # small sizes, for a smoke run

1. All node and network metrics for 300 nodes x 20 years of gravity networks
   (complete weighted graphs, row-mean binarisation). Target < 10 s.
2. MRQAP (double semi-partialling) with 1,000 permutations on 300 nodes and
   4 explanatory matrices (89,700 dyads). Target < 60 s.
3. Size and power of the DSP test on synthetic 31-node networks with sender and
   receiver effects (the provinces' size), many replications.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from clusternet.network.gravity import GravitySpec, binarize, gravity_matrix
from clusternet.network.metrics import network_metrics
from clusternet.network.qap import mrqap, size_and_power
from timing import best_of


def gravity_years(n: int, years: int, rng) -> list[tuple[np.ndarray, np.ndarray]]:
    spec = GravitySpec(masses=(("m", 1.0),))
    lon, lat = rng.uniform(80, 130, n), rng.uniform(20, 50, n)
    d = np.hypot(lon[:, None] - lon[None, :], lat[:, None] - lat[None, :]) * 100 + 1
    out = []
    for _ in range(years):
        w = gravity_matrix(rng.lognormal(0, 1, n), d, spec)
        out.append((w, binarize(w, "row_mean")))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(20240501)
    n_nodes, n_years, perms, reps = (60, 4, 99, 40) if args.quick else (300, 20, 1000, 1000)

    nets = gravity_years(n_nodes, n_years, rng)
    t = best_of(lambda: [network_metrics(w, a, seed=1) for w, a in nets], 1 if args.quick else 3)
    print(f"metrics: {n_nodes} nodes x {n_years} years: {t:.2f} s (target < 10 s)")

    xs = {f"x{k}": rng.normal(size=(n_nodes, n_nodes)) for k in range(4)}
    y = 0.05 * xs["x0"] + rng.normal(size=(n_nodes, n_nodes))
    t0 = time.perf_counter()
    fit = mrqap(y, xs, permutations=perms, seed=2)
    print(f"MRQAP DSP: {n_nodes} nodes, 4 matrices, {perms} permutations: {time.perf_counter() - t0:.2f} s "
          f"(target < 60 s); p-values {np.round(fit.p_value[1:], 3).tolist()}")

    v = rng.normal(size=31)
    gap = np.abs(v[:, None] - v[None, :])
    for res in size_and_power(gap, effects=[0.0, 0.1, 0.25, 0.5], replications=reps,
                              permutations=199 if not args.quick else 49, seed=3):
        print(f"size/power: effect {res['effect']:.2f}: rejection {res['rejection_rate']:.3f} "
              f"(MC se {res['mc_standard_error']:.3f}, {res['replications']} replications)")


if __name__ == "__main__":
    main()
