"""Simulated power on the real design's shape: the vectorised pass of
``clusternet.models.power.simulate_power`` against the per-sample loop over
``wildboot.bootstrap_t`` it replaced (same draws; equal rejection counts required).

    python benchmarks/bench_power_speed.py [--outer 99] [--inner 99] [--repeats 3]

Synthetic two-way FE panel, N = 31 provinces x T = 10 years, two regressors, entity clusters,
the default grid of 11 effect sizes. CPU time (process_time), best of ``repeats``, alternating."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "models"))
from test_power import _loop  # noqa: E402  (the reference loop of the test)

from clusternet.models.power import simulate_power  # noqa: E402
from clusternet.models.wildboot import linear_design  # noqa: E402

GRID = np.array([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6])


def panel(n=31, t=10, seed=20241201):
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(1, n + 1) * 10000, t)
    years = np.tile(np.arange(2011, 2011 + t), n)
    a = rng.normal(size=n)[np.repeat(np.arange(n), t)]
    x, z = rng.normal(size=n * t) + 0.5 * a, rng.normal(size=n * t)
    y = 0.1 * x + 0.3 * z + a + rng.normal(size=n * t)
    return pd.DataFrame({"region_code": ids, "year": years, "y": y, "x": x, "z": z})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--outer", type=int, default=99)
    ap.add_argument("--inner", type=int, default=99)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    spec = {"name": "b", "model": "twfe", "y": "y", "x": ["x"], "controls": ["z"],
            "cov": {"type": "cluster", "small_sample": "sss"}}
    design = linear_design(panel(), spec)
    kw = dict(alpha=0.05, outer=a.outer, inner=a.inner, kind="webb", grid_se=GRID, sign=1)
    t_vec, t_loop = [], []
    for _ in range(a.repeats):
        t0 = time.process_time()
        got = simulate_power(design, "x", power=0.8, rng=np.random.default_rng(1), **kw)
        t_vec.append(time.process_time() - t0)
        t0 = time.process_time()
        pt, pw = _loop(design, "x", rng=np.random.default_rng(1), **kw)
        t_loop.append(time.process_time() - t0)
        assert got["power_cluster_t"] == pt.tolist() and got["power_wild"] == pw.tolist()
    print(f"N=31 T=10 twfe, {a.outer} outer x {len(GRID)} effects x {a.inner} inner, load {os.getloadavg()[0]:.1f}")
    print(f"vectorised {min(t_vec):.3f} s CPU, loop {min(t_loop):.3f} s CPU: {min(t_loop) / min(t_vec):.1f}x; "
          "rejection counts equal")


if __name__ == "__main__":
    main()
