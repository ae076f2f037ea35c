"""Few-cluster inference for the policy DID (issue 15): speed on the real panel and size by
simulation.

1. Speed: randomisation inference with 5,000 permutations of the adoption years and the
   restricted wild cluster bootstrap with 9,999 Webb draws, for the static TWFE DID of the
   National Big Data Comprehensive Pilot Zones (`h_m2_pilot_did`) and the 9 event-study
   coefficients of `h_m2_pilot_twfe`, on the real analysis panel (needs `data/processed/`;
   run the pipeline up to `models` first). Best of --repeats.
2. Size with 31 clusters and 10 treated: N = 31 provinces x T = 10 years, staggered adoption of
   10 provinces (4 in year 4, 6 in year 5, as the big-data zones), no effect; errors with a
   province effect, within-province AR(1) 0.5 and province-specific scale; rejection rate at 5 %
   and 10 % of the nominal CR1 t test (t(G-1)), the WCR bootstrap (Webb, Rademacher; --boot
   draws) and randomisation inference (--perms permutations) over --size-reps samples.

Run: python benchmarks/bench_policy_inference.py [--size-reps 1000 --boot 399 --perms 399]
"""
from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import pandas as pd
from scipy import stats

from timing import best_of

from clusternet.models.randomisation import randomisation_pvalue
from clusternet.models.wildboot import (
    bootstrap_t, cluster_t, draw_weights, event_study_design, linear_design, precompute, wild_pvalues,
)


def real_speed(repeats: int) -> None:
    from clusternet.config import load_config
    from clusternet.data.analysis import load_analysis_panel
    from clusternet.models.runner import specifications

    cfg = load_config("config/config.yaml")
    data, _ = load_analysis_panel(cfg)
    specs = {s["name"]: s for s in specifications(cfg)}
    spec = specs["h_m2_pilot_did"]
    from clusternet.data.analysis import select_sample
    from clusternet.models.policy import add_policy_dummy
    frame = select_sample(add_policy_dummy(data, spec), spec)
    design = linear_design(frame, spec)
    adoption = spec["policy_dummy"]["adoption_years"]
    rng = np.random.default_rng(1)
    ri_t = best_of(lambda: randomisation_pvalue(design, "pilot_zone", np.random.default_rng(1), 5000, adoption),
                   repeats)
    ri = randomisation_pvalue(design, "pilot_zone", np.random.default_rng(1), 5000, adoption)
    w = draw_weights(rng, design.n_clusters, 9999, "webb")
    wb_t = best_of(lambda: wild_pvalues(design, ["pilot_zone"], w), repeats)
    wb = wild_pvalues(design, ["pilot_zone"], w)["pilot_zone"]
    es, terms, _ = event_study_design(data, specs["h_m2_pilot_twfe"])
    we = draw_weights(rng, es.n_clusters, 9999, "webb")
    es_t = best_of(lambda: wild_pvalues(es, terms, we), repeats)
    print(f"real panel: n={design.X.shape[0]}, G={design.n_clusters}, p={design.X.shape[1]}")
    print(f"RI 5,000 permutations (static DID): {ri_t:.3f} s, p = {ri['p_value']:.4f}")
    print(f"WCR 9,999 Webb draws (static DID):  {wb_t:.3f} s, p = {wb['p_value']:.4f}")
    print(f"WCR 9,999 Webb draws, {len(terms)} event-study coefficients: {es_t:.3f} s")


def simulate(rng, n=31, t=10):
    codes = 100000 + np.arange(n) * 10000
    ids, years = np.repeat(codes, t), np.tile(np.arange(2010, 2010 + t), n)
    order = rng.permutation(n)
    adoption = {int(codes[i]): 2014 for i in order[:4]} | {int(codes[i]): 2015 for i in order[4:10]}
    e = np.zeros((n, t))
    shock = rng.normal(size=(n, t))
    for j in range(t):
        e[:, j] = (0.5 * e[:, j - 1] if j else 0) + shock[:, j]
    scale = np.exp(rng.normal(scale=0.5, size=n))
    y = (rng.normal(size=n)[:, None] + e * scale[:, None] + rng.normal(size=t)[None, :]).ravel()
    g = np.array([adoption.get(int(c), np.inf) for c in ids])
    return pd.DataFrame({"region_code": ids, "year": years, "y": y, "d": (years >= g).astype(float)}), adoption


def size(reps: int, boot: int, perms: int, seed: int = 20240501) -> None:
    spec = {"name": "size", "model": "twfe", "y": "y", "x": ["d"], "cov": {"type": "cluster", "small_sample": "sss"}}
    rng = np.random.default_rng(seed)
    p = {"nominal": [], "webb": [], "rademacher": [], "ri": []}
    for _ in range(reps):
        df, adoption = simulate(rng)
        design = linear_design(df, spec)
        G = design.n_clusters
        _, _, t_obs = cluster_t(design, "d")
        p["nominal"].append(2 * stats.t.sf(abs(t_obs), G - 1))
        pre = precompute(design)
        for kind in ("webb", "rademacher"):
            _, ts = bootstrap_t(design, "d", draw_weights(rng, G, boot, kind), pre=pre)
            p[kind].append(float(np.mean(np.abs(ts) >= abs(t_obs) * (1 - 1e-9))))
        p["ri"].append(randomisation_pvalue(design, "d", rng, perms, adoption)["p_value"])
    print(f"size, 31 clusters / 10 treated, {reps} samples (boot {boot}, perms {perms}):")
    for k, v in p.items():
        v = np.asarray(v)
        r5, r10 = np.mean(v < 0.05), np.mean(v < 0.10)
        print(f"  {k:11s} rejection 5 %: {r5:.3f} (MC se {np.sqrt(0.05 * 0.95 / reps):.3f})  10 %: {r10:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--size-reps", type=int, default=1000)
    ap.add_argument("--boot", type=int, default=399)
    ap.add_argument("--perms", type=int, default=399)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-size", action="store_true")
    a = ap.parse_args()
    print(f"{platform.machine()} {platform.python_version()} cpus={os.cpu_count()} load={os.getloadavg()}")
    if not a.skip_real:
        real_speed(a.repeats)
    if not a.skip_size:
        size(a.size_reps, a.boot, a.perms)


if __name__ == "__main__":
    main()
