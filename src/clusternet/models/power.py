"""Power of a hypothesis test: minimum detectable effects (MDE), simulated size, TOST bounds.

Units. Effects are shown in *within-province standard deviations*: with ``sd_w(v)`` the
standard deviation (ddof 1) of ``v`` after subtracting each province's mean over the estimation
sample, a slope β becomes ``β · sd_w(x) / sd_w(y)`` (the change in y, in its within-SDs, for a
within-SD change of x); a 0/1 regressor (a policy dummy) becomes ``β / sd_w(y)``.

Analytic MDE at power 1 − κ and two-sided level α (Bloom 1995, Evaluation Review 19(5)):
``MDE = (t_{1−α/2, df} + t_{1−κ, df}) · SE`` with the df of the estimand's t test (G − 1 for
clustered covariances; the normal quantiles when there is none).

Simulated MDE on the real design (:func:`simulate_power`): outer samples
``y^(r) = X_{−k} β̂_{−k} + δ x_k + û ∘ v^(r)`` (β̂, û from the real fit, the coefficient of
interest replaced by the imposed δ; v one Webb/Rademacher weight per cluster: the wild bootstrap
of the real residuals), each tested by
the nominal cluster-robust t test against t(G − 1) and by the restricted wild cluster bootstrap
(inner replicates); power(δ) is the rejection rate, the MDE the smallest δ on the grid (linear
interpolation) with power ≥ 1 − κ, the simulated size the rejection rate at δ = 0.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from clusternet.models.wildboot import LinearDesign, bootstrap_t, cluster_t, draw_weights, precompute


def within_sd(values: np.ndarray, entity_codes: np.ndarray) -> float:
    v = np.asarray(values, dtype=float)
    g = int(entity_codes.max()) + 1
    means = np.bincount(entity_codes, weights=v, minlength=g) / np.bincount(entity_codes, minlength=g)
    d = v - means[entity_codes]
    return float(np.std(d, ddof=1)) if d.size > 1 else float("nan")


def is_binary(values: np.ndarray) -> bool:
    u = np.unique(np.asarray(values, dtype=float))
    return u.size <= 2 and set(u.tolist()) <= {0.0, 1.0}


def effect_scale(x: np.ndarray | None, y: np.ndarray, entity_codes: np.ndarray) -> dict:
    """Factor turning a raw effect into within-SD units, and how it was computed."""
    sd_y = within_sd(y, entity_codes)
    if x is None or is_binary(x):
        return {"factor": 1.0 / sd_y if sd_y > 0 else None, "sd_within_y": sd_y, "sd_within_x": None,
                "unit": "within-province SD of y" + (" (binary regressor)" if x is not None else "")}
    sd_x = within_sd(x, entity_codes)
    factor = sd_x / sd_y if sd_y > 0 and sd_x > 0 else None
    return {"factor": factor, "sd_within_y": sd_y, "sd_within_x": sd_x,
            "unit": "within-province SD of y per within-province SD of x"}


def critical_values(alpha: float, power: float, df: float | None) -> tuple[float, float]:
    if df is None or not np.isfinite(df):
        return float(stats.norm.ppf(1 - alpha / 2)), float(stats.norm.ppf(power))
    return float(stats.t.ppf(1 - alpha / 2, df)), float(stats.t.ppf(power, df))


def analytic_mde(se: float | None, *, alpha: float, power: float, df: float | None) -> float | None:
    if se is None or not np.isfinite(se) or se <= 0:
        return None
    a, b = critical_values(alpha, power, df)
    return float((a + b) * se)


def tost_t(estimate: float, se: float, bound: float, df: float | None, sign: int) -> float | None:
    """One-sided p-value of ``H0: sign·β ≥ bound`` (bound > 0) against ``sign·β < bound``:
    small when effects at least as large as the bound in the expected direction are rejected."""
    if se is None or not np.isfinite(se) or se <= 0 or bound is None:
        return None
    t = (sign * estimate - bound) / se
    return float(stats.t.cdf(t, df) if df is not None and np.isfinite(df) else stats.norm.cdf(t))


def tost_wild(design: LinearDesign, coef: str, bound: float, sign: int, weights: np.ndarray) -> float:
    """Wild-bootstrap version of :func:`tost_t`: WCR with ``β0 = sign·bound`` imposed,
    p = P*(sign·t* ≤ sign·t)."""
    t_obs, t_star = bootstrap_t(design, coef, weights, beta0=sign * bound)
    return float(np.mean(sign * t_star <= sign * t_obs))


def _interpolate_mde(grid: np.ndarray, power: np.ndarray, target: float) -> float | None:
    above = np.flatnonzero(power >= target)
    if above.size == 0:
        return None
    j = int(above[0])
    if j == 0:
        return float(grid[0])
    x0, x1, p0, p1 = grid[j - 1], grid[j], power[j - 1], power[j]
    return float(x0 + (target - p0) * (x1 - x0) / (p1 - p0)) if p1 > p0 else float(x1)


def _rejections(design: LinearDesign, k: int, base: np.ndarray, u: np.ndarray, deltas: np.ndarray,
                v_outer: np.ndarray, v_inner: np.ndarray, crit: float, alpha: float,
                chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Rejection counts over the grid (``deltas``) of the nominal cluster t test and of the WCR
    test for the samples ``y = base + δ x_k + û ∘ v_outer[g(i), r]``, all samples at once.

    The arithmetic of :func:`clusternet.models.wildboot.bootstrap_t`, written for a matrix of
    samples: the fit, the restricted fit and the cluster scores are linear in y, so with
    ``z = X (X'X)^{-1} e_k`` the observed cluster scores of β_k are ``c_g = Σ_{i∈g} z_i û_i``, the
    bootstrap's ``a_g`` the same sum over the restricted residuals, and its
    ``q_g'(X'X)^{-1} S'`` the G × G matrix ``P H_ũ`` with ``P = Q (X'X)^{-1} X'`` (``Q`` the rows
    ``q_g``), so every replicate costs one G × G by G × B product instead of a refit.
    tests/models/test_power.py checks the counts against the loop over :func:`bootstrap_t`."""
    X, cl = design.X, design.cluster
    G, n = design.n_clusters, X.shape[0]
    pre = precompute(design)
    h = pre.XtXi[:, k]
    z = X @ h  # n
    others = [j for j in range(X.shape[1]) if j != k]
    Xr = X[:, others]
    # residual maker of the restricted regression (β_k = 0 imposed): M_r = I − Xr Xr⁺
    proj = np.linalg.pinv(Xr) if others else np.zeros((0, n))
    q = pre.Xg_blocks @ h  # G × p
    P = q @ pre.XtXi @ X.T  # G × n
    order = np.argsort(cl, kind="stable")
    bounds = np.searchsorted(cl[order], np.arange(G + 1))
    xk = X[:, k]
    n_delta, outer = deltas.size, v_outer.shape[1]
    rej_t = np.zeros(n_delta)
    rej_w = np.zeros(n_delta)
    pairs = [(r, j) for r in range(outer) for j in range(n_delta)]
    for lo in range(0, len(pairs), chunk):
        block = pairs[lo:lo + chunk]
        rs = np.array([r for r, _ in block])
        js = np.array([j for _, j in block])
        Y = base[:, None] + xk[:, None] * deltas[js][None, :] + u[:, None] * v_outer[cl][:, rs]  # n × m
        # observed cluster t of β_k
        bk = z @ Y
        U = Y - X @ (pre.XtXi @ (X.T @ Y))
        c = np.zeros((G, len(block)))
        np.add.at(c, cl, z[:, None] * U)
        se = np.sqrt(pre.factor * np.einsum("gm,gm->m", c, c))
        t_obs = bk / se
        # restricted residuals and the bootstrap's cluster terms
        Ur = Y - Xr @ (proj @ Y) if others else Y
        a = np.zeros((G, len(block)))
        np.add.at(a, cl, z[:, None] * Ur)
        Uo = Ur[order]
        Qm = np.empty((len(block), G, G))  # Qm[m, g, g'] = Σ_{i∈g'} P[g, i] ũ_im
        for g2 in range(G):
            sl = order[bounds[g2]:bounds[g2 + 1]]
            Qm[:, :, g2] = (P[:, sl] @ Uo[bounds[g2]:bounds[g2 + 1]]).T
        dk = a.T @ v_inner  # m × B (Δβ_k of each replicate)
        C = a.T[:, :, None] * v_inner[None, :, :] - Qm @ v_inner  # m × G × B
        se_star = np.sqrt(pre.factor * np.einsum("mgb,mgb->mb", C, C))
        t_star = dk / se_star
        hit_t = np.abs(t_obs) > crit
        hit_w = np.mean(np.abs(t_star) >= np.abs(t_obs)[:, None], axis=1) < alpha
        np.add.at(rej_t, js, hit_t)
        np.add.at(rej_w, js, hit_w)
    return rej_t, rej_w


def simulate_power(design: LinearDesign, coef: str, *, alpha: float, power: float, outer: int, inner: int,
                   kind: str, rng: np.random.Generator, grid_se: np.ndarray | None = None,
                   sign: int = 1) -> dict:
    """Power curves of the nominal cluster t test and of the WCR wild bootstrap on the real design
    (module docstring). ``grid_se``: effect sizes in multiples of the estimate's cluster SE
    (default 0, 0.5, ..., 5), imposed in the expected direction ``sign``."""
    k = design.index(coef)
    G = design.n_clusters
    _, se, _ = cluster_t(design, k)
    grid_se = np.arange(0, 5.01, 0.5) if grid_se is None else np.asarray(grid_se, float)
    deltas = sign * grid_se * se
    X = design.X
    # residuals of the full fit (those of a fit with β_k = 0 imposed would carry any true effect of
    # x_k into the noise and inflate the MDE); the systematic part keeps every other coefficient
    beta, *_ = np.linalg.lstsq(X, design.y, rcond=None)
    u = design.y - X @ beta
    base = X @ beta - beta[k] * X[:, k]
    v_outer = draw_weights(rng, G, outer, kind)
    v_inner = draw_weights(rng, G, inner, kind)  # common inner draws: smooth curves, same cost
    crit = float(stats.t.ppf(1 - alpha / 2, G - 1))
    rej_t, rej_w = _rejections(design, k, base, u, deltas, v_outer, v_inner, crit, alpha)
    pt, pw = rej_t / outer, rej_w / outer
    return {
        "grid_raw": deltas.tolist(), "grid_se_multiples": grid_se.tolist(),
        "power_cluster_t": pt.tolist(), "power_wild": pw.tolist(),
        "mde_cluster_t": _interpolate_mde(grid_se, pt, power), "mde_wild": _interpolate_mde(grid_se, pw, power),
        "size_cluster_t": float(pt[0]) if grid_se[0] == 0 else None,
        "size_wild": float(pw[0]) if grid_se[0] == 0 else None,
        "se": se, "outer": int(outer), "inner": int(inner), "weights": kind,
        "note": "MDEs here are in multiples of the cluster SE; multiply by se for raw units",
    }
