"""Benchmark of the static panel estimators (clusternet.models.linear / iv) and an agreement
check against linearmodels (an independent implementation) on simulated panels.

For each size: two-way FE with entity-clustered, two-way clustered and Driscoll–Kraay
covariances, random effects with the Hausman/Mundlak tests, and FE-2SLS with its diagnostics
(Anderson–Rubin scan over 401 points); linearmodels PanelOLS (two-way, clustered by entity)
timed on the same data, and the max abs difference of coefficients and standard errors.

Run: python benchmarks/bench_linear.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

from clusternet.models.covariance import CovarianceSpec
from clusternet.models.iv import fit_iv
from clusternet.models.linear import PanelData, fit_linear, hausman_tests


def simulate(n: int, t: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ent = np.repeat(np.arange(n), t)
    yr = np.tile(np.arange(2000, 2000 + t), n)
    a = rng.normal(size=n)[ent]
    lam = rng.normal(size=t)[yr - 2000]
    z1, z2 = rng.normal(size=n * t), rng.normal(size=n * t)
    v = rng.normal(size=n * t)
    x1 = 0.6 * z1 + 0.4 * z2 + a + v
    x2, x3 = rng.normal(size=n * t), rng.normal(size=n * t)
    y = 1.0 * x1 - 0.5 * x2 + 0.2 * x3 + a + lam + 0.5 * v + rng.normal(size=n * t)
    return pd.DataFrame({"id": ent, "year": yr, "y": y, "x1": x1, "x2": x2, "x3": x3, "z1": z1, "z2": z2})


def timed(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--pyfixest", action="store_true", help="only the 300,000-row comparison with pyfixest (issue 19)")
    args = ap.parse_args()
    if args.pyfixest:
        bench_pyfixest()
        return
    sizes = [(31, 12), (300, 15)] if args.quick else [(31, 12), (300, 15), (2000, 20)]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    print("| N × T | twfe+cluster | twfe+twoway | twfe+DK | re+Hausman/Mundlak | FE-2SLS+diagnostics "
          "| linearmodels twfe+cluster | max |Δb| | max |Δse| |")
    print("|---|---|---|---|---|---|---|---|---|")
    from linearmodels.panel import PanelOLS

    x = ["x1", "x2", "x3"]
    for n, t in sizes:
        df = simulate(n, t)
        rep = 5 if n * t < 10_000 else 2
        cl = {"type": "cluster", "small_sample": "sss"}
        cl_none = {"type": "cluster", "small_sample": "none"}
        t_cl = timed(lambda: fit_linear(df, y="y", x=x, model="twfe", entity="id", cov=cl), rep)
        t_2w = timed(lambda: fit_linear(df, y="y", x=x, model="twfe", entity="id", cov={"type": "twoway"}), rep)
        t_dk = timed(lambda: fit_linear(df, y="y", x=x, model="twfe", entity="id",
                                        cov={"type": "driscoll_kraay"}), rep)

        def re_h():
            fit_linear(df, y="y", x=x, model="re", entity="id", cov=cl)
            hausman_tests(PanelData.from_frame(df, y="y", x=x, entity="id", time="year"),
                          CovarianceSpec.from_dict(cl))

        t_re = timed(re_h, rep)
        t_iv = timed(lambda: fit_iv(df, y="y", x=x, endogenous=["x1"], instruments=["z1", "z2"],
                                    effects="twoways", entity="id", cov=cl), rep)
        ix = df.set_index(["id", "year"])

        def lm():
            return PanelOLS(ix["y"], ix[x], entity_effects=True, time_effects=True).fit(
                cov_type="clustered", cluster_entity=True)

        t_lm = timed(lm, rep)
        # linearmodels' default clustered covariance (debiased=True, count_effects=True) is the
        # HC0 sandwich times n/(n − k − absorbed effects) — it counts the fixed effects in the df
        # although they are nested in the clusters (plm/Stata do not); compare after applying
        # that factor to our HC0 version.
        ours = fit_linear(df, y="y", x=x, model="twfe", entity="id", cov=cl_none)
        ref = lm()
        db = np.max(np.abs(ours.params - ref.params.to_numpy()))
        nobs, absorbed = len(df), n + t - 1
        dse = np.max(np.abs(ours.std_errors * np.sqrt(nobs / (nobs - len(x) - absorbed)) - ref.std_errors.to_numpy()))
        print(f"| {n} × {t} | {t_cl * 1e3:.1f} ms | {t_2w * 1e3:.1f} ms | {t_dk * 1e3:.1f} ms | "
              f"{t_re * 1e3:.1f} ms | {t_iv * 1e3:.1f} ms | {t_lm * 1e3:.1f} ms | {db:.1e} | {dse:.1e} |")


def bench_pyfixest(n: int = 20_000, t: int = 15, rounds: int = 5) -> None:
    """Two-way FE, entity-clustered SEs, 300,000 rows: ours (from the data frame, all fit
    statistics) against pyfixest's feols on the same frame, alternating, best of ``rounds``."""
    import pyfixest as pf

    df = simulate(n, t)
    x = ["x1", "x2", "x3"]
    cl = {"type": "cluster", "small_sample": "sss"}

    def ours():
        return fit_linear(df, y="y", x=x, model="twfe", entity="id", cov=cl)

    def theirs():
        return pf.feols("y ~ x1 + x2 + x3 | id + year", data=df, vcov={"CRV1": "id"})

    ours(), theirs()  # warm-up (pyfixest compiles its numba kernels on first use)
    t_ours, t_pf = [], []
    for _ in range(rounds):
        t_ours.append(timed(ours, 1))
        t_pf.append(timed(theirs, 1))
    a, b = ours(), theirs()
    db = np.max(np.abs(a.params - b.coef().to_numpy()))
    # pyfixest's default small-sample factor counts the t levels of the (non-nested) time effects
    # in k: (n-1)/(n-k-t) instead of Stata's (n-1)/(n-k); compare after that factor
    nobs = n * t
    se_ours = a.std_errors * np.sqrt((nobs - len(x)) / (nobs - len(x) - t))
    dse = np.max(np.abs(se_ours - b.se().to_numpy()))
    rel = np.max(np.abs(se_ours / b.se().to_numpy() - 1))
    print(f"twfe + entity cluster, {n * t:,} rows: ours {min(t_ours) * 1e3:.0f} ms (median "
          f"{np.median(t_ours) * 1e3:.0f}), pyfixest feols {min(t_pf) * 1e3:.0f} ms (median "
          f"{np.median(t_pf) * 1e3:.0f}); ratio of best {min(t_pf) / min(t_ours):.2f}x, of medians "
          f"{np.median(t_pf) / np.median(t_ours):.2f}x; max |Δb| {db:.1e}, max |Δse| {dse:.1e} (relative {rel:.1e}); "
          f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
