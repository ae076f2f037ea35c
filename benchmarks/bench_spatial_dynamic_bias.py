"""Monte Carlo bias of the dynamic spatial SAR with individual effects: the uncorrected QML versus the
Yu, de Jong & Lee (2008) bias-corrected QML (clusternet.spatial.dynamic), and the coverage of 95 %
intervals of τ. Design: tests/spatial/test_dynamic.py's simulate_dynamic (k-nearest-neighbour W, k = 4,
N = 60, ρ = 0.3, τ = 0.4, η = -0.1, β = (1, -0.5), 20 burn-in periods).

Usage: python benchmarks/bench_spatial_dynamic_bias.py [replications]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "spatial"))
from test_dynamic import simulate_dynamic  # noqa: E402

from clusternet.spatial.dynamic import fit_dynamic  # noqa: E402


def main(reps: int = 200) -> None:
    truth = {"y_lag": 0.4, "W*y_lag": -0.1, "rho": 0.3}
    t0 = time.perf_counter()
    print("| T | estimator | bias τ | bias η | bias ρ | coverage τ (95 %) |")
    print("|---|---|---|---|---|---|")
    for T in (5, 10, 20):
        out = {"uncorrected": [], "Yu-de Jong-Lee": []}
        cover = {"uncorrected": 0, "Yu-de Jong-Lee": 0}
        for rep in range(reps):
            panel = simulate_dynamic(n=60, t=T, seed=10_000 + rep)
            for label, kw in (("uncorrected", {"lee_yu": False}), ("Yu-de Jong-Lee", {"bias_correction": True})):
                core = fit_dynamic(panel, "sar", "individual", **kw).core
                p = dict(zip(core.names, core.params))
                se = dict(zip(core.names, core.std_errors))
                out[label].append([p[n] - truth[n] for n in truth])
                cover[label] += abs(p["y_lag"] - truth["y_lag"]) <= 1.96 * se["y_lag"]
        for label, rows in out.items():
            b = np.mean(rows, axis=0)
            print(f"| {T} | {label} | {b[0]:+.4f} | {b[1]:+.4f} | {b[2]:+.4f} | {cover[label] / reps:.3f} |")
    print(f"\n{reps} replications per T, {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
