"""Monte Carlo coverage of the 95 % intervals of the LeSage–Pace effects: delta method
(clusternet.spatial.effects_inference) and simulation (effects_table's percentile intervals).

    python benchmarks/bench_spatial_effects.py [--reps 500] [--draws 500] [--quick]

Design: two-way fixed-effects SDM, y = ρWy + Xβ + WXθ + α_i + γ_t + ε on a row-standardised
5-nearest-neighbour W of N random points, x ~ N(0, 1), ε ~ N(0, 1), β = (1, -0.5), θ = (0.5, 0),
ρ = 0.5; Lee–Yu estimator. The true effects come from the true parameters by dense inversion.
Also SAR-RE (random individual effects, σ_μ = 1) with the same β and ρ.
Prints a Markdown table: coverage per effect and method, mean SE ratio delta/simulation.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from clusternet.spatial.effects_inference import delta_method_effects  # noqa: E402
from clusternet.spatial.models import SpatialPanel, effects_table, fit_spatial_panel  # noqa: E402
from clusternet.spatial.random_effects import fit_spatial_re  # noqa: E402
from clusternet.spatial.weights import knn_matrix, row_standardise  # noqa: E402

KINDS = ("direct", "indirect", "total")


def weights(n, seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(size=(n, 2))
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return row_standardise(knn_matrix(d, 5))


def true_effects(W, rho, beta, theta):
    n = W.shape[0]
    Sinv = np.linalg.inv(np.eye(n) - rho * W)
    out = {}
    for j in range(len(beta)):
        M = Sinv @ (beta[j] * np.eye(n) + theta[j] * W)
        d, t = np.trace(M) / n, M.sum() / n
        out[f"x{j + 1}"] = {"direct": d, "indirect": t - d, "total": t}
    return out


def draw(W, n, t, rho, beta, theta, rng, random_effects):
    Wd = W.toarray()
    X = rng.normal(size=(t, n, 2))
    alpha = rng.normal(size=n)
    gamma = np.zeros(t) if random_effects else rng.normal(size=t)
    A = np.linalg.inv(np.eye(n) - rho * Wd)
    y = np.stack([A @ (X[s] @ beta + Wd @ X[s] @ theta + alpha + gamma[s] + rng.normal(size=n)) for s in range(t)])
    return SpatialPanel(y, X, W, tuple(range(1, n + 1)), tuple(range(t)), "y", ["x1", "x2"])


def run(design, reps, draws, n, t, seed):
    rho, beta = 0.5, np.array([1.0, -0.5])
    theta = np.array([0.5, 0.0]) if design == "sdm_fe" else np.zeros(2)
    W = weights(n, seed)
    truth = true_effects(W.toarray(), rho, beta, theta)
    rng = np.random.default_rng(seed)
    hits = {m: {(v, k): 0 for v in truth for k in KINDS} for m in ("delta", "simulation")}
    ratio = {(v, k): [] for v in truth for k in KINDS}
    t0 = time.perf_counter()
    for r in range(reps):
        panel = draw(W, n, t, rho, beta, theta, rng, design == "sar_re")
        if design == "sdm_fe":
            res = fit_spatial_panel(panel, "sdm", "twoway")
        else:
            res = fit_spatial_re(panel, "sar").effects_view()
        sim = effects_table(res, W, draws=draws, seed=r)["variables"]
        dm = delta_method_effects(res, W)
        for v in truth:
            for k in KINDS:
                true = truth[v][k]
                d, s = dm[v][k], sim[v][k]
                hits["delta"][(v, k)] += d["ci_lower"] <= true <= d["ci_upper"]
                hits["simulation"][(v, k)] += s["ci_lower"] <= true <= s["ci_upper"]
                if s["std_error"] > 0:
                    ratio[(v, k)].append(d["std_error"] / s["std_error"])
    secs = time.perf_counter() - t0
    return truth, hits, ratio, secs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--draws", type=int, default=500)
    ap.add_argument("--n", type=int, default=49)
    ap.add_argument("--t", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.draws = 50, 200
    print(f"N={args.n}, T={args.t}, {args.reps} replications, {args.draws} simulation draws, nominal 95 %\n")
    print("| design | variable | effect | coverage delta | coverage simulation | mean SE ratio delta/sim |")
    print("|---|---|---|---|---|---|")
    for design in ("sdm_fe", "sar_re"):
        truth, hits, ratio, secs = run(design, args.reps, args.draws, args.n, args.t, args.seed)
        for v in truth:
            for k in KINDS:
                if design == "sar_re" and v == "x2" and k != "direct":
                    continue
                print(f"| {design} | {v} | {k} | {hits['delta'][(v, k)] / args.reps:.3f} | "
                      f"{hits['simulation'][(v, k)] / args.reps:.3f} | {np.mean(ratio[(v, k)]):.4f} |")
        print(f"| {design} | | time | {secs:.1f} s | | |")
    mc = 1.96 * np.sqrt(0.95 * 0.05 / args.reps)
    print(f"\nMonte Carlo standard band for 0.95 coverage at {args.reps} replications: ±{mc:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
