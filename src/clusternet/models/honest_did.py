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

Relative magnitudes Δ^RM(M̄) (RR section 2.4.1): post-period changes in the trend difference are
at most M̄ times the largest pre-period change, |δ_{t} − δ_{t−1}| ≤ M̄ max_{s≤0} |δ_s − δ_{s−1}|
for t ≥ 1 (HonestDiD's indexing: pre-periods −n_pre..−1, reference 0, post 1..n_post; ours:
reference −1, post 0..). Δ^RM is a finite union of polyhedra Δ^RM_{s,±} (the pre-period change s
is the largest, with sign ±), and the confidence set is the union of the Andrews, Roth & Pakes
(2023, "Inference for linear conditional moment inequalities", REStud) conditional confidence
sets of the pieces (RR section 4.2; HonestDiD ``method = "Conditional"``):

- for θ̄ = l'τ_post, moments Y = Aβ̂ − A_post Γ⁻¹(θ̄, ·): E[Y − Xξ] ≤ 0 for some nuisance ξ,
  X = A_post Γ⁻¹ without its first column (Γ invertible with first row l'; the set does not
  depend on the choice); only the rows that involve post-period coefficients, as HonestDiD does
  with ``postPeriodMomentsOnly`` (all rows with one post-period);
- η̂ = min_{η,ξ} η s.t. Y − Xξ ≤ η σ_Y, solved as its dual max γ'Y, γ ≥ 0, σ_Y'γ = 1, X'γ = 0
  (a simplex vertex γ̂);
- conditional on γ̂ being optimal and on S = Y − Σγ̂(γ̂'Σγ̂)⁻¹γ̂'Y, γ̂'Y is a normal truncated to
  [v_lo, v_up], the interval of c on which V(c) = max_γ γ'(S + bc) equals c; V is convex and
  piecewise linear, so the end points are found by moving from vertex to vertex (the intersection
  of γ'(S + bc) = c), a finite, exact iteration (ARP's Appendix D bisection reaches the same
  points);
- reject when η̂/σ_B exceeds max(0, the 1 − α quantile of N(0, 1) truncated to
  [v_lo/σ_B, v_up/σ_B]), σ_B² = γ̂'Σ_Yγ̂.

The least-favourable hybrid (HonestDiD's default ``C-LF``) is not implemented. Checked against the
HonestDiD R package's published numbers (Benzarti & Carloni 2019 example, reproduced in
stata-honestdid's R/Stata comparison), the closed-form identified set as Σ → 0, and a brute-force
enumeration of the dual vertices (tests/models/test_honest_did.py). Breakdown M̄: the largest M̄
at which every piece rejects θ = 0 (bisection).

The HonestDiD package itself could not be run here (R is not installed; the PyPI port `honestdid`
0.1.1 needs torch and cvxpy). The joint test is Wald against χ²(q) (the did_twfe document also
carries the F form).
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
    out["restrictions"] = ["smoothness (Delta^SD)", "relative magnitudes (Delta^RM)"]
    for label, l_post in (("first_post", None), ("average_post", np.full(len(post), 1.0 / len(post)))):
        out["targets"][label] = {
            "grid": [flci(beta, sigma, times, M, l_post, alpha) for M in grid],
            **breakdown_m(beta, sigma, times, l_post, alpha),
            "relative_magnitudes": relative_magnitudes_summary(beta, sigma, times, l_post, alpha),
        }
    return out


RM_MBAR_GRID = (0.0, 0.5, 1.0, 2.0)
RM_THETA_POINTS = 1001


def relative_magnitudes_summary(beta, sigma, times, l_post=None, alpha: float = 0.05) -> dict:
    """Δ^RM(M̄) conditional confidence sets at M̄ in ``RM_MBAR_GRID`` (grid search over θ: 1,001
    points on l'β̂ ± 20 sd (1 + M̄ n_post); an end at the grid's edge is flagged open) and the
    breakdown M̄."""
    b, S, n_pre, n_post, lp = _rm_setup(beta, sigma, times, l_post)
    std = _std_times(n_pre, n_post)
    centre = float(lp @ b[n_pre:])
    sd = float(np.sqrt(lp @ S[n_pre:, n_pre:] @ lp))
    sets = []
    for mbar in RM_MBAR_GRID:
        width = 20 * sd * (1 + mbar * n_post)
        theta = np.linspace(centre - width, centre + width, RM_THETA_POINTS)
        cs = rm_confidence_set(b, S, std, mbar, theta, lp, alpha)
        cs["open"] = bool(cs["lb"] is not None and (cs["lb"] <= theta[0] or cs["ub"] >= theta[-1]))
        sets.append(cs)
    return {"method": "ARP conditional (Rambachan & Roth 2023, section 4.2; HonestDiD method 'Conditional')",
            "confidence_sets": sets, **rm_breakdown(b, S, std, lp, alpha)}


# ---- relative magnitudes: Δ^RM(M̄) with the ARP conditional test ----------------------------------


def rm_constraints(n_pre: int, n_post: int, s: int, positive: bool, mbar: float) -> np.ndarray:
    """A of Δ^RM_{s,±}(M̄) = {δ : Aδ ≤ 0} over the coefficients (pre −n_pre..−1, post 1..n_post;
    the reference period 0 dropped). ``s`` in −(n_pre − 1)..0 names the pre-period change
    δ_s − δ_{s−1} taken as the largest, with sign + (``positive``) or −."""
    if not -(n_pre - 1) <= s <= 0:
        raise EstimationError(f"relative magnitudes: s = {s} is outside −{n_pre - 1}..0")
    n = n_pre + n_post + 1  # with the reference period (index n_pre)
    diff = np.zeros((n - 1, n))
    for r in range(n - 1):
        diff[r, r], diff[r, r + 1] = -1.0, 1.0
    vmax = np.zeros(n)
    vmax[n_pre + s - 1], vmax[n_pre + s] = -1.0, 1.0
    if not positive:
        vmax = -vmax
    bound = np.vstack([np.tile(vmax, (n_pre, 1)), mbar * np.tile(vmax, (n_post, 1))])
    A = np.vstack([diff - bound, -diff - bound])
    A = A[(A ** 2).sum(axis=1) > 1e-10]
    return np.delete(A, n_pre, axis=1)


def _dual_vertex(y: np.ndarray, X: np.ndarray, sd: np.ndarray):
    """max γ'y s.t. γ ≥ 0, sd'γ = 1, X'γ = 0 (the dual of min η s.t. y − Xξ ≤ η sd): (value, γ),
    or (None, None) when infeasible (the primal is unbounded below: η̂ = −∞)."""
    eq = np.vstack([sd[None, :], X.T]) if X.size else sd[None, :]
    rhs = np.zeros(eq.shape[0])
    rhs[0] = 1.0
    res = optimize.linprog(-y, A_eq=eq, b_eq=rhs, bounds=(0, None), method="highs-ds")
    if res.status == 2:
        return None, None
    if res.status != 0:
        raise EstimationError(f"relative magnitudes: the ARP dual LP failed ({res.message})")
    return float(-res.fun), np.asarray(res.x)


def truncation_interval(S: np.ndarray, b: np.ndarray, X: np.ndarray, sd: np.ndarray, eta: float,
                        sigma_b: float = 1.0, max_steps: int = 200) -> tuple[float, float]:
    """[v_lo, v_up]: the c with V(c) = max_γ γ'(S + bc) = c over the dual polytope (γ̂'S = 0,
    γ̂'b = 1, so V(η̂) = η̂). Vertex-to-vertex iteration from η̂ in each direction."""
    tol = 1e-9 * max(1.0, abs(eta))

    def solve(c):
        return _dual_vertex(S + b * c, X, sd)

    ends = []
    for direction in (-1.0, 1.0):
        # a far point: if γ̂ is still optimal there, the interval is unbounded on that side
        far = eta + direction * max(100.0, 100 * abs(eta), 50 * sigma_b)
        v, g = solve(far)
        if v is None or v <= far + tol * max(1.0, abs(far)):
            ends.append(-np.inf if direction < 0 else np.inf)
            continue
        c = far
        for _ in range(max_steps):
            gb = float(g @ b)
            if abs(1.0 - gb) < 1e-14:
                break
            c_new = float(g @ S) / (1.0 - gb)  # where this vertex's line meets the diagonal
            v, g_new = solve(c_new)
            if v is None:
                break
            if v <= c_new + tol * max(1.0, abs(c_new)) or abs(c_new - c) < 1e-12 * max(1.0, abs(c)):
                c = c_new
                break
            c, g = c_new, g_new
        ends.append(c)
    return ends[0], ends[1]


# γ is normalised by sd'γ = 1, so γ'y is on the scale of a t statistic: a vertex with variance
# below DEGENERATE_VAR is deterministic (e.g. the ± rows of an equality at M̄ = 0), and it rejects
# only when its value exceeds rounding (HonestDiD: σ_B < 1e-10, then η > 0).
DEGENERATE_VAR = 1e-14
DEGENERATE_ETA = 1e-8


def dual_vertices(X: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Every vertex of the ARP dual polytope {γ ≥ 0, sd'γ = 1, X'γ = 0} (rows): basic feasible
    solutions over every support of the equality system's rank (small here: 2 n_post moments)."""
    from itertools import combinations

    m = len(sd)
    E = np.vstack([sd[None, :], X.T]) if X.size else sd[None, :]
    rhs = np.zeros(E.shape[0])
    rhs[0] = 1.0
    u, sv, vt = np.linalg.svd(E, full_matrices=False)
    r = int((sv > 1e-10 * sv[0]).sum())
    Er, rr = u[:, :r].T @ E, u[:, :r].T @ rhs
    if np.linalg.norm(u[:, :r] @ rr - rhs) > 1e-9:
        return np.zeros((0, m))  # inconsistent: the primal is unbounded below
    J = np.array(list(combinations(range(m), r)), dtype=int)  # every support of size r
    B = np.transpose(Er[:, J], (1, 0, 2))  # (supports × r × r)
    regular = np.abs(np.linalg.det(B)) > 1e-12
    J, B = J[regular], B[regular]
    if not len(J):
        return np.zeros((0, m))
    g = np.linalg.solve(B, np.broadcast_to(rr, (len(J), r))[..., None])[..., 0]
    feasible = (g >= -1e-12).all(axis=1)
    J, g = J[feasible], np.clip(g[feasible], 0, None)
    if not len(J):
        return np.zeros((0, m))
    V = np.zeros((len(J), m))
    np.put_along_axis(V, J, g, axis=1)
    return np.unique(np.round(V, 12), axis=0)


def arp_conditional_tests(Y: np.ndarray, sigma_y: np.ndarray, alpha: float, vertices: np.ndarray) -> np.ndarray:
    """ARP conditional test of H0: E[y − Xξ] ≤ 0 for some ξ, for each column y of ``Y`` (the
    dual vertices of X given): True = reject. η̂ = max_v v'y; with γ̂ the maximising vertex,
    b = Σγ̂/γ̂'Σγ̂ and S = y − bγ̂'y, γ̂ stays optimal on c ∈ [v_lo, v_up], v_lo = max over
    vertices with 1 − g'b > 0 of g'S/(1 − g'b), v_up = min over those with 1 − g'b < 0."""
    Y = np.atleast_2d(np.asarray(Y, float).T).T if Y.ndim == 1 else np.asarray(Y, float)
    n = Y.shape[1]
    if vertices.shape[0] == 0:
        return np.zeros(n, bool)
    vals = vertices @ Y  # (vertices × tests)
    best = vals.argmax(axis=0)
    eta = vals[best, np.arange(n)]
    G = vertices[best]  # (tests × m)
    var_b = np.einsum("ij,jk,ik->i", G, sigma_y, G)
    out = np.zeros(n, bool)
    ok = var_b > DEGENERATE_VAR
    out[~ok] = eta[~ok] > DEGENERATE_ETA
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    G, eta, var_b = G[idx], eta[idx], var_b[idx]
    b = (sigma_y @ G.T) / var_b  # (m × tests)
    S = Y[:, idx] - b * eta
    gS = vertices @ S
    gb = vertices @ b
    denom = 1.0 - gb
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = gS / denom
    lo = np.where(denom > 1e-12, ratio, -np.inf).max(axis=0)
    up = np.where(denom < -1e-12, ratio, np.inf).min(axis=0)
    sigma_b = np.sqrt(var_b)
    z, zlo, zup = eta / sigma_b, lo / sigma_b, up / sigma_b
    inside = (zlo - 1e-9 <= z) & (z <= zup + 1e-9)
    cval = np.zeros(len(idx))
    wide = zup - zlo > 1e-12
    with np.errstate(invalid="ignore"):
        cval[wide] = stats.truncnorm.ppf(1 - alpha, zlo[wide], zup[wide])
    cval = np.maximum(0.0, np.nan_to_num(cval, nan=0.0))
    out[idx] = inside & (z > cval)
    return out


def arp_conditional_test(y: np.ndarray, X: np.ndarray, sigma_y: np.ndarray, alpha: float) -> bool:
    """One test by linear programs (the dual vertex from the simplex, the truncation interval by
    :func:`truncation_interval`): the reference the vectorised :func:`arp_conditional_tests` is
    checked against."""
    sd = np.sqrt(np.diag(sigma_y))
    eta, gamma = _dual_vertex(y, X, sd)
    if eta is None:
        return False
    assert gamma is not None
    var_b = float(gamma @ sigma_y @ gamma)
    if var_b <= DEGENERATE_VAR:
        return eta > DEGENERATE_ETA
    sigma_b = np.sqrt(var_b)
    b = sigma_y @ gamma / var_b
    S = y - b * float(gamma @ y)
    vlo, vup = truncation_interval(S, b, X, sd, eta, sigma_b)
    z, zlo, zup = eta / sigma_b, vlo / sigma_b, vup / sigma_b
    if not (zlo - 1e-9 <= z <= zup + 1e-9):
        return False  # numerical: η̂ outside its own conditioning interval (HonestDiD: do not reject)
    if zup - zlo < 1e-12:
        return z > 0
    cval = max(0.0, float(stats.truncnorm.ppf(1 - alpha, zlo, zup)))
    return bool(z > cval)


def _rm_pieces(n_pre: int, n_post: int, mbar: float, l_post: np.ndarray, sigma: np.ndarray):
    """Per piece Δ^RM_{s,±}: (A over the ARP rows, the θ column of A_post Γ⁻¹, Σ_Y, dual vertices)."""
    gamma = np.vstack([l_post[None, :], _null_rows(l_post)]) if n_post > 1 else l_post[None, :]
    ginv = np.linalg.inv(gamma)
    out = []
    for s in range(-(n_pre - 1), 1):
        for positive in (True, False):
            A = rm_constraints(n_pre, n_post, s, positive, mbar)
            rows = np.flatnonzero(np.abs(A[:, n_pre:]).sum(axis=1) > 0) if n_post > 1 else np.arange(len(A))
            A = A[rows]
            AG = A[:, n_pre:] @ ginv
            sy = A @ sigma @ A.T
            out.append((A, AG[:, 0], sy, dual_vertices(AG[:, 1:], np.sqrt(np.diag(sy)))))
    return out


def _null_rows(l_post: np.ndarray) -> np.ndarray:
    return np.linalg.svd(l_post[None, :])[2][1:]


def _rm_setup(beta, sigma, times, l_post):
    times = list(times)
    pre = [i for i, t in enumerate(times) if t < -1]
    post = [i for i, t in enumerate(times) if t >= 0]
    if not pre or not post:
        raise EstimationError("the sensitivity analysis needs pre- and post-period coefficients")
    order = pre + post
    tt = [times[i] for i in order]
    if tt != list(range(min(tt), -1)) + list(range(0, max(tt) + 1)):
        raise EstimationError(f"relative magnitudes need consecutive event times around −1, got {times}")
    b = np.asarray(beta, float)[order]
    S = np.asarray(sigma, float)[np.ix_(order, order)]
    l_post = np.zeros(len(post)) if l_post is None else np.asarray(l_post, float).copy()
    if not l_post.any():
        l_post[0] = 1.0
    return b, S, len(pre), len(post), l_post


def rm_accepts(beta, sigma, times, mbar: float, theta, l_post=None, alpha: float = 0.05) -> np.ndarray:
    """Is θ = l'τ_post in the Δ^RM(M̄) conditional confidence set (some piece accepts)? ``theta``
    may be a vector (a grid); returns a boolean array."""
    b, S, n_pre, n_post, l_post = _rm_setup(beta, sigma, times, l_post)
    theta = np.atleast_1d(np.asarray(theta, float))
    accept = np.zeros(len(theta), bool)
    for A, a_theta, sy, vertices in _rm_pieces(n_pre, n_post, float(mbar), l_post, S):
        Y = (A @ b)[:, None] - np.outer(a_theta, theta)
        accept |= ~arp_conditional_tests(Y, sy, alpha, vertices)
    return accept


def rm_confidence_set(beta, sigma, times, mbar: float, grid, l_post=None, alpha: float = 0.05) -> dict:
    """Accepted θ over ``grid`` (HonestDiD's grid search) and the set's hull [lb, ub]."""
    grid = np.asarray(grid, float)
    keep = rm_accepts(beta, sigma, times, mbar, grid, l_post, alpha)
    acc = grid[keep]
    return {"Mbar": float(mbar), "lb": float(acc.min()) if acc.size else None,
            "ub": float(acc.max()) if acc.size else None, "n_accepted": int(keep.sum())}


def _std_times(n_pre: int, n_post: int) -> list[int]:
    return list(range(-n_pre - 1, -1)) + list(range(0, n_post))


def rm_breakdown(beta, sigma, times, l_post=None, alpha: float = 0.05, mbar_max: float = 20.0,
                 tol: float = 1e-3) -> dict:
    """Largest M̄ at which θ = 0 is rejected (bisection; 0 when accepted at M̄ = 0; ``mbar_max``
    when still rejected there)."""
    b, S, n_pre, n_post, l_post = _rm_setup(beta, sigma, times, l_post)
    std = _std_times(n_pre, n_post)

    def rejects(m):
        return not bool(rm_accepts(b, S, std, m, 0.0, l_post, alpha)[0])

    if not rejects(0.0):
        return {"breakdown_Mbar": 0.0, "significant_at_0": False, "method": "ARP conditional", "alpha": alpha}
    if rejects(mbar_max):
        return {"breakdown_Mbar": float(mbar_max), "significant_at_0": True, "censored": True,
                "method": "ARP conditional", "alpha": alpha}
    lo, hi = 0.0, float(mbar_max)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if rejects(mid) else (lo, mid)
    return {"breakdown_Mbar": lo, "significant_at_0": True, "method": "ARP conditional", "alpha": alpha}
