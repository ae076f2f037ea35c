"""Pre-trends of an event study: the joint test of the pre-period coefficients, and the
Rambachan & Roth (2023, REStud 90(5)) sensitivity analysis under the smoothness restriction
Δ^SD(M) with its breakdown value.

Event-study coefficients β̂ on event times τ (reference period −1 omitted, its δ normalised to
0), β = τ_post + δ with τ_pre = 0. Δ^SD(M) = {δ : |δ_{t+1} − 2δ_t + δ_{t−1}| ≤ M for every
interior t}: the difference in trends may change its slope by at most M per period (M = 0:
linear trends).

Fixed-length confidence interval (FLCI; RR section 4.1, Armstrong & Kolesár 2018) for
θ = l'τ_post: affine estimators θ̂ = v'β̂ with v_post = l; writing δ = c·(τ+1) + Σ_u s_u φ_u
(φ_u the kink at interior period u, |s_u| ≤ M), the worst-case bias is
``b(v) = M Σ_u |v'φ_u|`` when ``Σ_τ v_τ (τ+1) = 0`` (else infinite: a linear trend would bias
it without bound), and the interval is ``v'β̂ ± σ_v cv_α(b/σ_v)``, cv_α(t) the 1−α quantile of
|N(t, 1)|, σ_v² = v'Σv. v_pre minimises the half-length (a low-dimensional problem, solved by
Nelder–Mead from declared starts; deterministic). The closed-form bias is checked against a
linear program over δ in tests/models/test_honest_did.py.

Breakdown value M̄: the largest M at which the FLCI still excludes 0 (bisection; 0 when the
interval at M = 0 covers 0).

Not implemented: the relative-magnitudes restriction Δ^RM(M̄) (its conditional / hybrid
ARP test needs the moment-inequality machinery of the HonestDiD package), and the HonestDiD
package itself could not be used as a reference here (the PyPI port `honestdid` 0.1.1 needs torch
and cvxpy). The joint test is Wald against χ²(q) (the did_twfe document also carries the F form).
Binned endpoint coefficients (``event[-leads]``, ``event[lags]``) are treated as sitting at their
nominal event time: a caveat the report states.
"""
from __future__ import annotations

import re

import numpy as np
from scipy import optimize, stats

from clusternet.errors import EstimationError

EVENT = re.compile(r"^event\[(-?\d+)\]$")


def event_times(names: list[str]) -> list[int]:
    out = []
    for n in names:
        m = EVENT.match(n)
        if not m:
            raise EstimationError(f"{n!r} is not an event-time coefficient name event[k]")
        out.append(int(m.group(1)))
    return out


def joint_pretrend_test(beta: np.ndarray, sigma: np.ndarray, times: list[int]) -> dict:
    pre = [i for i, t in enumerate(times) if t < -1]
    if not pre:
        return {"statistic": None, "df": 0, "p_value": None}
    b = beta[pre]
    S = sigma[np.ix_(pre, pre)]
    w = float(b @ np.linalg.solve(S, b))
    return {"statistic": w, "df": len(pre), "p_value": float(stats.chi2.sf(w, len(pre))),
            "note": "Wald test that every pre-period coefficient is zero, chi2(q)"}


def kink_basis(times: list[int]) -> np.ndarray:
    """φ_u(τ) for the coefficient times (rows) and every interior period u of the full range
    (columns); the reference period −1 is part of the range."""
    full = list(range(min(min(times), -1), max(max(times), -1) + 1))
    interior = full[1:-1]
    tt = np.asarray(times, float)
    cols = []
    for u in interior:
        cols.append(np.clip(tt - u, 0, None) if u >= -1 else np.clip(u - tt, 0, None))
    return np.column_stack(cols) if cols else np.zeros((len(times), 0))


def worst_case_bias(v: np.ndarray, times: list[int], M: float) -> float:
    trend = float(v @ (np.asarray(times, float) + 1))
    if abs(trend) > 1e-9 * max(1.0, float(np.abs(v).sum())):
        return np.inf
    return float(M * np.abs(kink_basis(times).T @ v).sum())


def cv_alpha(t: float, alpha: float) -> float:
    """1−α quantile of |N(t, 1)|."""
    t = abs(float(t))
    if t < 1e-12:
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(np.sqrt(stats.ncx2.ppf(1 - alpha, 1, t * t)))


def flci(beta: np.ndarray, sigma: np.ndarray, times: list[int], M: float, l_post: np.ndarray | None = None,
         alpha: float = 0.05) -> dict:
    """FLCI for l'τ_post under Δ^SD(M)."""
    times = list(times)
    pre = [i for i, t in enumerate(times) if t < -1]
    post = [i for i, t in enumerate(times) if t >= 0]
    if not pre or not post:
        raise EstimationError("the sensitivity analysis needs pre- and post-period coefficients")
    l_post = np.zeros(len(post)) if l_post is None else np.asarray(l_post, float)
    if l_post.sum() == 0:
        l_post[0] = 1.0
    tt = np.asarray(times, float) + 1
    target = float(l_post @ tt[post])
    a = tt[pre]  # constraint a'v_pre = −target
    # v_pre = v0 + N z: a particular solution plus the null space of a'
    v0 = -target * a / float(a @ a)
    null = np.linalg.svd(a[None, :])[2][1:].T  # (pre × pre−1)

    def full(z):
        v = np.zeros(len(times))
        v[pre] = v0 + (null @ z if null.size else 0.0)
        v[post] = l_post
        return v

    def half_length(z):
        v = full(z)
        s = float(np.sqrt(v @ sigma @ v))
        b = worst_case_bias(v, times, M)
        return s * cv_alpha(b / s, alpha) if np.isfinite(b) else np.inf

    dim = null.shape[1] if null.size else 0
    best_z = np.zeros(dim)
    best = half_length(best_z)
    if dim:
        starts = [np.zeros(dim)]
        last = np.zeros(len(pre))  # all weight on the last pre-period (−2)
        last[int(np.argmax(np.asarray(times)[pre]))] = -target / a[int(np.argmax(np.asarray(times)[pre]))]
        starts.append(np.linalg.lstsq(null, last - v0, rcond=None)[0])
        for z0 in starts:
            res = optimize.minimize(half_length, z0, method="Nelder-Mead",
                                    options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
            if res.fun < best:
                best, best_z = float(res.fun), np.asarray(res.x)
    v = full(best_z)
    est = float(v @ beta)
    return {"M": float(M), "lower": est - best, "upper": est + best, "center": est, "half_length": best,
            "weights": v.tolist(), "bias_bound": worst_case_bias(v, times, M),
            "sd": float(np.sqrt(v @ sigma @ v))}


def breakdown_m(beta, sigma, times, l_post=None, alpha=0.05, m_max: float | None = None, tol: float = 1e-4) -> dict:
    """Largest M at which the FLCI excludes zero (0 if it covers zero at M = 0)."""
    def excludes(M):
        ci = flci(beta, sigma, times, M, l_post, alpha)
        return ci["lower"] > 0 or ci["upper"] < 0

    if not excludes(0.0):
        return {"breakdown_M": 0.0, "significant_at_0": False}
    hi = m_max if m_max is not None else max(1e-6, float(np.abs(beta).max()))
    while excludes(hi):
        hi *= 2
        if hi > 1e6:
            return {"breakdown_M": np.inf, "significant_at_0": True}
    lo = 0.0
    while hi - lo > tol * max(1.0, hi):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if excludes(mid) else (lo, mid)
    return {"breakdown_M": lo, "significant_at_0": True}


def sensitivity_from_document(doc: dict, grid: list[float] | None = None, alpha: float = 0.05) -> dict:
    """Joint pre-trend test, FLCIs over ``grid`` and the breakdown value for the first post-period
    effect and for the average post-period effect of an event-study result document (``vcov``)."""
    names = list(doc["vcov"]["names"])
    sigma = np.asarray(doc["vcov"]["matrix"], float)
    est = {r["name"]: r["estimate"] for r in doc["coefficients"]}
    beta = np.array([est[n] for n in names], float)
    times = event_times(names)
    post = [t for t in times if t >= 0]
    sd = float(np.sqrt(np.mean(np.diag(sigma))))
    grid = grid if grid is not None else [round(sd * k, 12) for k in (0, 0.1, 0.25, 0.5, 1.0)]
    out: dict = {"joint_pretrend": joint_pretrend_test(beta, sigma, times), "restriction": "smoothness (Delta^SD)",
           "method": "FLCI (Rambachan & Roth 2023, section 4.1)", "alpha": alpha, "targets": {}}
    for label, l_post in (("first_post", None), ("average_post", np.full(len(post), 1.0 / len(post)))):
        out["targets"][label] = {
            "grid": [flci(beta, sigma, times, M, l_post, alpha) for M in grid],
            **breakdown_m(beta, sigma, times, l_post, alpha),
        }
    return out
