"""Benchmark of clusternet.models.mechanisms and clusternet.models.did.

1. Mediation cluster bootstrap (N=31, T=12, B=999) with the entity-demeaned fast path
   against re-fitting each draw with the project's FE estimator (same draws; ratio).
2. Heterogeneity permutation test (4 groups, 499 permutations); one permutation by the
   shortcut (GroupPermutation) against a full re-fit (same statistic; ratio);
   Callaway-Sant'Anna on the provincial shape (31 x 12) and on N=1000, T=20.
3. Monte Carlo: coverage of the percentile and BC bootstrap CIs of the indirect effect;
   size of the permutation and Wald tests of equal slopes (no heterogeneity), power at a
   slope gap of 0.5.

Run: python benchmarks/bench_mechanisms.py [--quick]
"""
from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd

from clusternet.models import did
from clusternet.models import mechanisms as M


def panel(n, t, seed, a=0.5, b=0.8, slopes=(1.0, 1.0, 1.0, 1.0)):
    rng = np.random.default_rng(seed)
    ent = np.repeat(np.arange(n), t)
    yr = np.tile(np.arange(2011, 2011 + t), n)
    alpha = rng.normal(size=n)[ent]
    lam = rng.normal(size=t)[yr - 2011]
    group = np.array(["East", "Central", "West", "Northeast"])[ent % 4]
    slope = np.asarray(slopes)[ent % 4]
    x = rng.normal(size=n * t) + alpha
    m = a * x + alpha + lam + rng.normal(size=n * t)
    y = 0.3 * x + b * m + alpha + lam + rng.normal(size=n * t)
    yh = slope * x + alpha + lam + rng.normal(size=n * t)
    return pd.DataFrame({"region_code": ent, "year": yr, "x": x, "m": m, "y": y, "yh": yh, "group": group})


def naive_bootstrap(df, reps, seed):
    """Each draw re-fitted with the project's FE estimator (fit_fe), entities relabelled."""
    rng = np.random.default_rng(seed)
    ids = np.sort(df.region_code.unique())
    groups = {k: g for k, g in df.groupby("region_code")}
    out = []
    for _ in range(reps):
        pick = rng.integers(0, len(ids), size=len(ids))
        sample = pd.concat([groups[ids[k]].assign(region_code=i) for i, k in enumerate(pick)], ignore_index=True)
        a = M.fit_fe(sample, "m", ["x"]).params["x"]
        b = M.fit_fe(sample, "y", ["x", "m"]).params["m"]
        out.append(a * b)
    return np.array(out)


def fast_bootstrap(df, reps, seed):
    rng = np.random.default_rng(seed)
    boot = M.EntityBootstrap(df, ["y", "x", "m"], entity="region_code", time="year", effects=("entity", "time"))
    out = []
    for _ in range(reps):
        rows = boot.draw_rows(rng)
        out.append(boot.slopes(rows, "m", ["x"])[0] * boot.slopes(rows, "y", ["x", "m"])[1])
    return np.array(out)


def timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small Monte Carlo sizes")
    args = parser.parse_args()
    mc = 40 if args.quick else 300
    mc_het = 20 if args.quick else 100  # each panel: 100 FE fits (99 permutations)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")

    df = panel(31, 12, seed=1)
    spec = {"name": "bench", "model": "mediation", "y": "y", "x": "x",
            "options": {"mediator": "m", "bootstrap": 999, "seed": 1}}
    _, t_full = timed(M.fit_mediation, df, spec)
    fast, t_fast = timed(fast_bootstrap, df, 50, 7)
    slow, t_slow = timed(naive_bootstrap, df, 50, 7)
    print(f"[1] mediation, N=31 T=12 B=999 (whole estimator): {t_full:.2f} s")
    print(f"    50 draws: fast path {t_fast:.3f} s, re-fit per draw {t_slow:.2f} s, ratio {t_slow / t_fast:.0f}x; "
          f"max |difference| of the draws {np.max(np.abs(fast - slow)):.2e}")

    het = {"name": "bench", "model": "heterogeneity", "y": "yh", "x": "x", "options": {"permutations": 499, "seed": 1}}
    _, t_het = timed(M.fit_heterogeneity, df, het)
    print(f"[2] heterogeneity, 4 groups, 499 permutations: {t_het:.2f} s")
    groups = sorted(df.group.unique())
    ent = df.groupby("region_code")["group"].first()
    labels = [pd.Series(np.random.default_rng(r).permutation(ent.to_numpy()), index=ent.index) for r in range(20)]
    fast = M.GroupPermutation(df, "yh", ["x"], entity="region_code", time="year", effects=("entity", "time"),
                              cov=None, groups=groups)
    w_fast, t_fast = timed(lambda: [fast.wald(lab) for lab in labels])

    def refit():
        out = []
        for lab in labels:
            inter, cols = M._interacted(df, df["region_code"].map(lab), "x", [], groups)
            f = M.fit_fe(inter, "yh", cols)
            out.append(M.wald_equal(f.params, f.vcov, [f"x[{g}]" for g in groups])[0])
        return out

    w_slow, t_slow = timed(refit)
    print(f"    20 permutations: shortcut {t_fast:.3f} s, full re-fit {t_slow:.3f} s, ratio {t_slow / t_fast:.1f}x; "
          f"max relative difference of W {np.max(np.abs(np.array(w_fast) / np.array(w_slow) - 1)):.1e}")
    for n, t in ((31, 12), (1000, 20)):
        rng = np.random.default_rng(3)
        years = np.arange(2000, 2000 + t)
        g = rng.choice([2005.0, 2008.0, 2012.0, np.nan], size=n)
        y = pd.DataFrame(rng.normal(size=(n, t)), columns=years)
        _, t_cs = timed(lambda: did.CallawaySantAnna(y, pd.Series(g), control="notyet", base_period="varying")
                        .dynamic())
        print(f"    Callaway-Sant'Anna ATT(g,t) + dynamic aggregation, N={n} T={t}: {t_cs:.3f} s")

    # 3. Monte Carlo.
    cover = {"percentile": 0, "bc": 0}
    for r in range(mc):
        d = panel(31, 12, seed=1000 + r)
        res = M.mediation(d, {**spec, "options": {"mediator": "m", "bootstrap": 199, "seed": r}})
        for k in cover:
            lo, hi = res.intervals[k]
            cover[k] += lo <= 0.4 <= hi
    print(f"[3] indirect effect 0.4, N=31 T=12, B=199, {mc} panels: coverage of 95% CIs "
          f"percentile {cover['percentile'] / mc:.3f}, BC {cover['bc'] / mc:.3f}")
    for label, slopes in (("size (equal slopes)", (1.0, 1.0, 1.0, 1.0)), ("power (gap 0.5)", (1.0, 1.0, 1.0, 1.5))):
        rej = {"perm": 0, "wald": 0}
        for r in range(mc_het):
            d = panel(31, 12, seed=5000 + r, slopes=slopes)
            doc = M.fit_heterogeneity(d, {**het, "options": {"permutations": 99, "seed": r}})
            tests = {t["name"]: t["p_value"] for t in doc["tests"]}
            rej["perm"] += tests["permutation_equal_slopes"] < 0.05
            rej["wald"] += tests["wald_equal_slopes"] < 0.05
        print(f"    heterogeneity {label}, {mc_het} panels, 5% level: permutation {rej['perm'] / mc_het:.3f}, "
              f"Wald chi2 {rej['wald'] / mc_het:.3f}")


if __name__ == "__main__":
    main()
