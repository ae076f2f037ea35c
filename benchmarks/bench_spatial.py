"""Spatial panel ML benchmarks (figures in benchmarks/README.md, section "Spatial panel models").

1. Two-way FE SDM with the Lee-Yu correction, N = 3,000 regions on a 60 x 50 rook lattice
   (sparse, row-standardised), T = 10, sparse-LU log-determinant, effects with 1,000 draws.
2. One-way FE SAR (uncorrected, as spreg) against spreg.Panel_FE_Lag on the same data:
   time and the largest differences of coefficients, standard errors and sigma².
3. Monte Carlo coverage of the 95 % intervals of the direct/indirect/total effects of a
   two-way FE SDM (Lee-Yu) with known parameters.

    python benchmarks/bench_spatial.py [--quick]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import scipy.sparse as sp

from clusternet.spatial.models import SpatialPanel, demean, effects_table, fit_spatial_panel
from clusternet.spatial.weights import knn_matrix, row_standardise


def lattice(rows: int, cols: int) -> sp.csr_matrix:
    """Rook contiguity on a rows x cols grid, row-standardised."""
    n = rows * cols
    idx = np.arange(n).reshape(rows, cols)
    pairs = [(idx[:, :-1].ravel(), idx[:, 1:].ravel()), (idx[:-1, :].ravel(), idx[1:, :].ravel())]
    r = np.concatenate([p[0] for p in pairs] + [p[1] for p in pairs])
    c = np.concatenate([p[1] for p in pairs] + [p[0] for p in pairs])
    return row_standardise(sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, n)))


def simulate(W: sp.csr_matrix, T: int, rho: float, beta, theta, seed: int, effects: str = "twoway"):
    from scipy.sparse.linalg import splu

    rng = np.random.default_rng(seed)
    n = W.shape[0]
    k = len(beta)
    X = rng.normal(size=(T, n, k))
    alpha = rng.normal(size=n)
    gamma = rng.normal(size=T) if effects == "twoway" else np.zeros(T)
    lu = splu((sp.identity(n, format="csc") - rho * W).tocsc())
    y = np.stack([lu.solve(X[t] @ beta + W @ X[t] @ theta + alpha + gamma[t] + rng.normal(size=n)) for t in range(T)])
    return SpatialPanel(y, X, W, tuple(range(n)), tuple(range(T)), "y", [f"x{j + 1}" for j in range(k)])


def bench_sdm(n_rows: int, n_cols: int, T: int) -> None:
    W = lattice(n_rows, n_cols)
    panel = simulate(W, T, 0.4, np.array([1.0, -0.5]), np.array([0.3, 0.2]), seed=1)
    t0 = time.perf_counter()
    res = fit_spatial_panel(panel, "sdm", "twoway", lee_yu=True, logdet="lu")
    t1 = time.perf_counter()
    eff = effects_table(res, W, draws=1000, seed=2)
    t2 = time.perf_counter()
    print(f"SDM two-way FE Lee-Yu N={W.shape[0]} T={T}: fit {t1 - t0:.2f} s, effects (1000 draws, "
          f"{eff['method'][:10]}...) {t2 - t1:.2f} s, total {t2 - t0:.2f} s; rho={res.delta:.4f}, "
          f"beta={np.round(res.params[:4], 4)}")


def bench_large(n_rows: int, n_cols: int, T: int) -> None:
    """Two-way FE SAR and SDM with Lee-Yu, effects and their inference at large N (issue 19):
    the default (auto) path, i.e. sparse LU, two-stage score root, Hutchinson tr(G'G)."""
    import resource

    W = lattice(n_rows, n_cols)
    for model, theta in (("sar", np.zeros(2)), ("sdm", np.array([0.3, 0.2]))):
        panel = simulate(W, T, 0.4, np.array([1.0, -0.5]), theta, seed=5)
        t0 = time.perf_counter()
        res = fit_spatial_panel(panel, model, "twoway", lee_yu=True)
        t1 = time.perf_counter()
        eff = effects_table(res, W, draws=1000, seed=2)
        t2 = time.perf_counter()
        se_rho = res.std_errors[-1]
        print(f"{model.upper()} two-way FE Lee-Yu N={W.shape[0]} T={T} ({res.logdet_method}, traces "
              f"{res.trace_method}, relative MC s.e. of tr(G'G) {res.trace_se:.1e}): fit {t1 - t0:.1f} s, effects "
              f"(1000 draws) {t2 - t1:.1f} s, total {t2 - t0:.1f} s; rho={res.delta:.5f} (s.e. {se_rho:.5f}); "
              f"{eff['method'][-60:]}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process {peak:.0f} MB")


def bench_sar_vs_spreg(n_rows: int, n_cols: int, T: int) -> None:
    import libpysal
    import spreg

    W = lattice(n_rows, n_cols)
    panel = simulate(W, T, 0.4, np.array([1.0, -0.5]), np.array([0.0, 0.0]), seed=3, effects="individual")
    k = panel.X.shape[2]
    yd = demean(panel.y, "individual").reshape(-1, 1)
    xd = demean(panel.X, "individual").reshape(-1, k)
    w = libpysal.weights.WSP(W).to_W(silence_warnings=True)
    times_ours, times_spreg = [], []
    for _ in range(2):
        t0 = time.perf_counter()
        ours = fit_spatial_panel(panel, "sar", "individual", lee_yu=False, logdet="lu")
        t1 = time.perf_counter()
        ref = spreg.Panel_FE_Lag(yd, xd, w, epsilon=1e-10)
        t2 = time.perf_counter()
        times_ours.append(t1 - t0)
        times_spreg.append(t2 - t1)
    d_par = np.max(np.abs(ours.params - ref.betas.ravel()))
    d_se = np.max(np.abs(ours.std_errors - np.sqrt(np.diag(ref.vm))))
    d_s2 = abs(ours.sigma2 - float(np.squeeze(ref.sig2)))
    print(f"SAR one-way FE N={W.shape[0]} T={T}: ours {min(times_ours):.2f} s, spreg {min(times_spreg):.2f} s "
          f"(ratio {min(times_spreg) / min(times_ours):.1f}x); max |diff| params {d_par:.1e}, SE {d_se:.1e}, "
          f"sigma2 {d_s2:.1e}")


def true_effects(W, rho, beta, theta):
    n = W.shape[0]
    Wd = W.toarray()
    Sinv = np.linalg.inv(np.eye(n) - rho * Wd)
    out = []
    for b, t in zip(beta, theta):
        M = Sinv @ (b * np.eye(n) + t * Wd)
        direct, total = np.trace(M) / n, M.sum() / n
        out.append({"direct": direct, "indirect": total - direct, "total": total})
    return out


def coverage(reps: int, n: int, T: int, draws: int) -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(size=(n, 2))
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    W = row_standardise(knn_matrix(d, 5))
    rho, beta, theta = 0.4, np.array([1.0, -0.5]), np.array([0.5, 0.0])
    truth = true_effects(W, rho, beta, theta)
    hits = {k: np.zeros(2) for k in ("direct", "indirect", "total")}
    t0 = time.perf_counter()
    for r in range(reps):
        panel = simulate(W, T, rho, beta, theta, seed=100 + r)
        res = fit_spatial_panel(panel, "sdm", "twoway", lee_yu=True)
        eff = effects_table(res, W, draws=draws, seed=r)["variables"]
        for j, name in enumerate(res.x_names):
            for kind in hits:
                e = eff[name][kind]
                hits[kind][j] += e["ci_lower"] <= truth[j][kind] <= e["ci_upper"]
    print(f"coverage of 95% effect intervals, SDM two-way FE Lee-Yu, N={n} (kNN 5), T={T}, {reps} samples x "
          f"{draws} draws ({time.perf_counter() - t0:.0f} s):")
    for kind, h in hits.items():
        print(f"  {kind:8s} x1 {h[0] / reps:.3f}  x2 {h[1] / reps:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--large", action="store_true", help="only the N = 30,000 SAR/SDM benchmark")
    args = ap.parse_args()
    if args.large:
        bench_large(150, 200, 10)
        return
    if args.quick:
        bench_sdm(20, 15, 10)
        bench_sar_vs_spreg(20, 15, 10)
        coverage(20, 60, 6, 200)
    else:
        bench_sdm(60, 50, 10)
        bench_sar_vs_spreg(60, 50, 10)
        coverage(500, 100, 8, 500)


if __name__ == "__main__":
    main()
