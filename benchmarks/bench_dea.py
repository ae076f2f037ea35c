"""DEA speed: 3,000 DMUs x 10 years x 5 variables (3 inputs, 2 outputs).

Per year: CCR input-oriented scores of all DMUs on that year's frontier with the current solver
(clusternet.efficiency.dea: one warm-started HiGHS model per reference set with exact column
generation). Also BCC and SBM for one year and the contemporaneous Malmquist index (3 CCR
evaluations per DMU and year pair) over the 10 years. Peer, in the same run: the previous solver
(efficient-set search, then ~100 stacked programmes per scipy ``linprog`` call:
``dea.frontier_set`` + ``dea.radial_blocks``) on the first ``--peer-years`` years, with the largest
absolute difference of the scores. Reports wall and CPU (process) time: the machine is shared,
so CPU time is the load-independent figure. Data: log-normal inputs, a Cobb-Douglas CRS frontier
and half-normal inefficiency.

    python benchmarks/bench_dea.py [--quick] [--peer-years 2] [--processes 2]
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


def previous_radial(X, Y, orientation="input", rts="crs"):
    """The solver before 2026-12-02: efficient set, then stacked linprog programmes."""
    keep = dea.frontier_set(X, Y, rts)
    score, _ = dea.radial_blocks(X, Y, X[keep], Y[keep], orientation, rts)
    return score


def _previous_sbm(X, Y, keep=None):
    # the stacked Charnes-Cooper programmes of the previous dea.sbm (its fallback path)
    saved = dea.direct_solver_available
    dea.direct_solver_available = lambda: False
    try:
        return dea.sbm(X, Y).efficiency
    finally:
        dea.direct_solver_available = saved


def _ccr_year(args):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return dea.ccr(*args)


def _children_cpu():
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def parallel_ccr(X, Y, processes):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(processes) as ex:
        return list(ex.map(_ccr_year, [(X[t], Y[t]) for t in range(X.shape[0])]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--peer-years", type=int, default=2)
    ap.add_argument("--processes", type=int, default=2, help="also time the CCR years in this many processes")
    a = ap.parse_args()
    n, years = (300, 3) if a.quick else (3000, 10)
    py = min(a.peer_years, years)
    X, Y = data(n, years)
    print(f"load average before: {os.getloadavg()}")
    with threadpool_limits(1):
        new, w, c = clock(lambda: [dea.ccr(X[t], Y[t]) for t in range(years)])
        print(f"CCR input, {n} DMUs x {years} years x 5 variables: wall {w:.1f} s, cpu {c:.1f} s")
        if a.processes > 1:  # the years are independent: one process per core
            par, w, c = clock(lambda: parallel_ccr(X, Y, a.processes))
            same = all(np.array_equal(u, v) for u, v in zip(new, par))
            print(f"  same in {a.processes} processes: wall {w:.1f} s, cpu (all processes) "
                  f"{c + _children_cpu():.1f} s; identical scores: {same}")
        _, w1, c1 = clock(lambda: [dea.ccr(X[t], Y[t]) for t in range(py)])
        old, w0, c0 = clock(lambda: [previous_radial(X[t], Y[t]) for t in range(py)])
        diff = max(np.abs(a - b).max() for a, b in zip(new[:py], old))
        print(f"CCR input, first {py} years: current wall {w1:.1f} s cpu {c1:.1f} s; previous wall {w0:.1f} s "
              f"cpu {c0:.1f} s; CPU ratio {c0 / c1:.1f}x; max abs difference {diff:.1e}")
        b_new, w1, c1 = clock(lambda: dea.bcc(X[0], Y[0]))
        b_old, w0, c0 = clock(lambda: previous_radial(X[0], Y[0], rts="vrs"))
        print(f"BCC input, one year of {n} DMUs: current wall {w1:.1f} s cpu {c1:.1f} s; previous wall {w0:.1f} s "
              f"cpu {c0:.1f} s; CPU ratio {c0 / c1:.1f}x; max abs difference {np.abs(b_new - b_old).max():.1e}")
        s_new, w1, c1 = clock(lambda: dea.sbm(X[0], Y[0]).efficiency)
        s_old, w0, c0 = clock(lambda: _previous_sbm(X[0], Y[0], None))
        print(f"SBM CRS, one year of {n} DMUs: current wall {w1:.1f} s cpu {c1:.1f} s; previous wall {w0:.1f} s "
              f"cpu {c0:.1f} s; CPU ratio {c0 / c1:.1f}x; max abs difference {np.abs(s_new - s_old).max():.1e}")
        _, w, c = clock(lambda: dea.malmquist(X, Y))
        print(f"Malmquist (contemporaneous), {n} DMUs x {years} years: wall {w:.1f} s, cpu {c:.1f} s")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
