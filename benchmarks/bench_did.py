"""Monte Carlo of the staggered-DID estimators on synthetic panels with heterogeneous dynamic
effects (issue 15): bias, RMSE and 95% coverage of the overall ATT and of the event-time effects
e = 0..3 for static TWFE, Callaway-Sant'Anna (DR, not-yet-treated controls), Sun-Abraham, the BJS
imputation estimator (BJS and Gardner SEs) and DID_M (target: the effect at e = 0), plus timings.

    python benchmarks/bench_did.py [--reps 300] [--quick]

Designs:
  A  N = 200 units, 2010-2021, cohorts 2013/2016/2019 (40 units each) + 80 never treated;
  B  the pilot-zone design of the real panel: 31 units, 2013-2022, one unit adopting in 2016,
     nine in 2017, 21 never treated.
Effects tau(g, t) = a_g (1 + 0.6 (t - g)) for t >= g (a_g rising with g; growing with exposure),
unit effects N(0,1), common year effects, i.i.d. N(0,1) errors (AR(1) rho = 0.5 in design B).
Prints a Markdown table per design.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from clusternet.models import did_bacon, did_cs, did_dcdh, did_imputation, did_sa  # noqa: E402

Z = 1.959963984540054


def design(name: str):
    if name == "A":
        years = np.arange(2010, 2022)
        g = np.concatenate([np.full(40, 2013.0), np.full(40, 2016.0), np.full(40, 2019.0), np.full(80, np.nan)])
        rho = 0.0
    else:
        years = np.arange(2013, 2023)
        g = np.concatenate([[2016.0], np.full(9, 2017.0), np.full(21, np.nan)])
        rho = 0.5
    return years, g, rho


def tau(g: np.ndarray, years: np.ndarray) -> np.ndarray:
    a = 1.0 + 0.5 * (np.nan_to_num(g, nan=0) - 2013) / 3
    e = years[None, :] - np.nan_to_num(g, nan=1e9)[:, None]
    return np.where(e >= 0, a[:, None] * (1 + 0.6 * e), 0.0)


def simulate(years, g, rho, rng):
    n, T = len(g), len(years)
    eps = rng.normal(size=(n, T))
    for t in range(1, T):
        eps[:, t] = rho * eps[:, t - 1] + np.sqrt(1 - rho ** 2) * eps[:, t]
    return rng.normal(size=(n, 1)) + 0.2 * (years - years[0])[None, :] + tau(g, years) + eps


def truths(years, g):
    eff = tau(g, years)
    treated = eff != 0
    out = {"att": eff[treated].mean()}
    e = years[None, :] - np.nan_to_num(g, nan=1e9)[:, None]
    for k in range(4):
        out[f"event[{k}]"] = eff[e == k].mean()
    return out


def one(Y, years, g):
    n, T = Y.shape
    res: dict[str, dict[str, tuple[float, float]]] = {}
    ent = np.repeat(np.arange(n), T)
    tim = np.tile(years, n)
    coh = np.repeat(g, T)
    y = Y.ravel()
    bac = did_bacon.bacon_decomposition(Y, list(years), g)
    res["TWFE (static)"] = {"att": (bac.twfe, np.nan)}
    cs = did_cs.att_gt(Y, list(years), g, control="notyet", est_method="dr")
    simple = cs.aggregate("simple")
    dyn = cs.aggregate("dynamic")
    r = {"att": (simple.overall_att, float(cs.se(simple.overall_inf)))}
    ses = np.atleast_1d(cs.se(dyn.inf))
    for k, a, s in zip(dyn.labels, dyn.att, ses):
        if 0 <= k <= 3:
            r[f"event[{k}]"] = (float(a), float(s))
    res["Callaway-Sant'Anna (DR, not yet)"] = r
    sa = did_sa.sun_abraham(y, ent, tim, coh)
    r = {"att": (sa.att, sa.att_se)}
    for k, a, s in zip(sa.event_times, sa.iw, sa.iw_se):
        if 0 <= k <= 3:
            r[f"event[{k}]"] = (float(a), float(s))
    res["Sun-Abraham"] = r
    bjs = did_imputation.imputation(y, ent, tim, coh)
    res["BJS imputation (BJS SE)"] = {nm: (float(a), float(s)) for nm, a, s in zip(bjs.names, bjs.estimates,
                                                                                   bjs.se_bjs)
                                      if nm == "att" or nm in {f"event[{k}]" for k in range(4)}}
    res["BJS imputation (Gardner SE)"] = {nm: (float(a), float(s)) for nm, a, s in zip(bjs.names, bjs.estimates,
                                                                                       bjs.se_gardner)
                                          if nm == "att" or nm in {f"event[{k}]" for k in range(4)}}
    D = (tau(g, years) != 0).astype(float)
    res["DID_M (target event[0])"] = {"event[0]": (did_dcdh.did_multiple(Y, D, placebo=False).did_m, np.nan)}
    return res


def run(name: str, reps: int, seed: int) -> None:
    years, g, rho = design(name)
    truth = truths(years, g)
    rng = np.random.default_rng(seed)
    acc: dict[str, dict[str, list[tuple[float, float]]]] = {}
    t0 = time.perf_counter()
    for _ in range(reps):
        Y = simulate(years, g, rho, rng)
        for est, vals in one(Y, years, g).items():
            for k, v in vals.items():
                acc.setdefault(est, {}).setdefault(k, []).append(v)
    elapsed = time.perf_counter() - t0
    print(f"\n### Design {name}: N = {len(g)}, T = {len(years)}, {reps} replications "
          f"({elapsed / reps * 1000:.0f} ms per replication for all estimators)\n")
    print("| estimator | target | truth | bias | RMSE | 95% coverage |")
    print("|---|---|---|---|---|---|")
    for est, d in acc.items():
        for k in ["att", *[f"event[{j}]" for j in range(4)]]:
            if k not in d:
                continue
            arr = np.array(d[k])
            err = arr[:, 0] - truth[k]
            cov = np.mean(np.abs(err) <= Z * arr[:, 1]) if np.isfinite(arr[:, 1]).all() else np.nan
            cov_s = "–" if np.isnan(cov) else f"{cov:.3f}"
            print(f"| {est} | {k} | {truth[k]:.3f} | {err.mean():+.3f} | {np.sqrt(np.mean(err ** 2)):.3f} | {cov_s} |")


def timings() -> None:
    years, g, rho = design("B")
    Y = simulate(years, g, rho, np.random.default_rng(0))
    n, T = Y.shape
    ent, tim, coh = np.repeat(np.arange(n), T), np.tile(years, n), np.repeat(g, T)
    cs = did_cs.att_gt(Y, list(years), g, control="notyet", est_method="dr")
    items = {
        "CS att_gt (DR, not yet), design B": lambda: did_cs.att_gt(Y, list(years), g, control="notyet"),
        "CS multiplier bootstrap, 9,999 draws, all ATT(g,t)": lambda: did_cs.multiplier_bootstrap(cs.inf, 9999, 1),
        "Sun-Abraham": lambda: did_sa.sun_abraham(Y.ravel(), ent, tim, coh),
        "BJS imputation": lambda: did_imputation.imputation(Y.ravel(), ent, tim, coh, pretrend_leads=3),
        "Bacon decomposition": lambda: did_bacon.bacon_decomposition(Y, list(years), g),
    }
    print("\n| operation (design B, 31 x 10) | best of 3 |\n|---|---|")
    for label, f in items.items():
        best = min(_time(f) for _ in range(3))
        print(f"| {label} | {best * 1000:.1f} ms |")


def _time(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    reps = 30 if args.quick else args.reps
    for i, name in enumerate(("A", "B")):
        run(name, reps, seed=20261202 + i)
    timings()


if __name__ == "__main__":
    main()
