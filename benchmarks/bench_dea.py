"""DEA speed: 3,000 DMUs x 10 years x 5 variables (3 inputs, 2 outputs).

Per year: CCR input-oriented scores of all DMUs on that year's frontier (the frontier reduction
and the stacked HiGHS programmes of clusternet.efficiency.dea). Also times BCC and SBM for one year
and the contemporaneous Malmquist index (3 CCR evaluations per DMU and year pair) over the 10 years.
Reports wall and CPU (process) time: the machine is shared, so CPU time is the load-independent
figure. Data: log-normal inputs, a Cobb-Douglas CRS frontier and half-normal inefficiency.

    python benchmarks/bench_dea.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits

from clusternet.efficiency import dea


def data(n, years, seed=0):
    rng = np.random.default_rng(seed)
    X = np.exp(rng.normal(1.0, 0.5, (years, n, 3)))
    frontier = np.prod(X ** np.array([0.4, 0.3, 0.3]), axis=2)
    Y = np.empty((years, n, 2))
    for t in range(years):
        share = rng.uniform(0.2, 0.8, n)
        eff = np.exp(-np.abs(rng.normal(0, 0.3, n)))
        Y[t, :, 0] = frontier[t] * eff * share * (1.02 ** t)
        Y[t, :, 1] = frontier[t] * eff * (1 - share) * (1.02 ** t)
    return X, Y


def clock(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    n, years = (300, 3) if a.quick else (3000, 10)
    X, Y = data(n, years)
    print(f"load average before: {os.getloadavg()}")
    with threadpool_limits(1):
        _, w, c = clock(lambda: [dea.ccr(X[t], Y[t]) for t in range(years)])
        print(f"CCR input, {n} DMUs x {years} years x 5 variables: wall {w:.1f} s, cpu {c:.1f} s")
        _, w, c = clock(lambda: dea.bcc(X[0], Y[0]))
        print(f"BCC input, one year of {n} DMUs: wall {w:.1f} s, cpu {c:.1f} s")
        _, w, c = clock(lambda: dea.sbm(X[0], Y[0]))
        print(f"SBM CRS, one year of {n} DMUs: wall {w:.1f} s, cpu {c:.1f} s")
        _, w, c = clock(lambda: dea.malmquist(X, Y))
        print(f"Malmquist (contemporaneous), {n} DMUs x {years} years: wall {w:.1f} s, cpu {c:.1f} s")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
