"""Quadratic assignment procedure (QAP) tests on dyadic (n x n) matrices.

Only off-diagonal cells enter (n(n-1) ordered dyads). A QAP permutation
relabels the nodes of a matrix, ``X[perm][:, perm]``, which keeps the row/column
dependence of dyadic data that makes ordinary OLS p-values wrong
(Krackhardt 1988).

- :func:`qap_correlation`: Pearson correlation of Y and X; the reference
  distribution permutes X.
- :func:`mrqap`: OLS of Y on X_1..X_K (with intercept) and Dekker, Krackhardt &
  Snijders' (2007) double semi-partialling (DSP): for each k, X_k is regressed
  on the other regressors, its residual matrix E_k is permuted, and Y is
  regressed on the others plus the permuted E_k; the statistic is the OLS
  t-value of that coefficient (pivotal, hence robust to collinearity and skew).
  By Frisch–Waugh–Lovell the observed t equals the t of X_k in the full model.
  This is ``sna::netlm(nullhyp = "qapspp")`` in R.

p-values are two-sided, ``(1 + #{|T_perm| >= |T_obs|}) / (1 + P)`` (Phipson &
Smyth 2010), so a p-value is never 0. UCINET and ``sna`` report the share
``#{|T_perm| >= |T_obs|} / P`` without the +1; with 1,000 permutations the two
differ by less than 0.001. One-sided shares are reported as well. Permutations
come from ``numpy.random.Generator(PCG64(seed))``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clusternet.errors import EstimationError

PERMUTATION_BLOCK = 32  # permutations gathered together (32 x n² cells) for one matrix product
TOL_T = 1e-12  # |T_perm| >= |T_obs| - TOL_T: ties by rounding count as "as extreme"


def offdiag(mat: np.ndarray) -> np.ndarray:
    m = np.asarray(mat, dtype=float)
    return m[~np.eye(m.shape[0], dtype=bool)]


def _check(mats: dict[str, np.ndarray]) -> int:
    n = None
    for name, m in mats.items():
        m = np.asarray(m)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise EstimationError(f"QAP matrix {name!r} must be square, got shape {m.shape}")
        if n is not None and m.shape[0] != n:
            raise EstimationError(f"QAP matrix {name!r} has {m.shape[0]} nodes, the others {n}")
        n = m.shape[0]
        if not np.all(np.isfinite(offdiag(m))):
            raise EstimationError(f"QAP matrix {name!r} has missing or infinite off-diagonal cells; "
                                  "fix the variable it is built from for every region")
    if n is None or n < 4:
        raise EstimationError(f"QAP needs at least 4 nodes, got {n}")
    return n


def _p_values(obs: float, perm: np.ndarray) -> dict[str, float]:
    p = len(perm)
    return {
        "p_value": (1 + np.sum(np.abs(perm) >= abs(obs) - TOL_T)) / (1 + p),
        "p_greater": (1 + np.sum(perm >= obs - TOL_T)) / (1 + p),
        "p_less": (1 + np.sum(perm <= obs + TOL_T)) / (1 + p),
    }


@dataclass
class QAPCorrelation:
    correlation: float
    p_value: float
    p_greater: float
    p_less: float
    permutations: int
    null_mean: float
    null_sd: float


def qap_correlation(y: np.ndarray, x: np.ndarray, *, permutations: int, seed) -> QAPCorrelation:
    n = _check({"y": y, "x": x})
    off = ~np.eye(n, dtype=bool)
    yv = offdiag(y)
    yc = (yv - yv.mean()) / yv.std()
    x = np.asarray(x, dtype=float)
    if yv.std() == 0 or offdiag(x).std() == 0:
        raise EstimationError("QAP correlation is undefined: a matrix is constant off the diagonal")

    def corr(xm):
        xv = xm[off]
        return float(np.mean(yc * (xv - xv.mean()) / xv.std()))

    obs = corr(x)
    rng = np.random.default_rng(seed)
    null = np.empty(permutations)
    for b in range(permutations):
        perm = rng.permutation(n)
        null[b] = corr(x[np.ix_(perm, perm)])
    return QAPCorrelation(correlation=obs, permutations=permutations, null_mean=float(null.mean()),
                          null_sd=float(null.std(ddof=1)) if permutations > 1 else float("nan"),
                          **_p_values(obs, null))


@dataclass
class MRQAPResult:
    names: list[str]
    coef: np.ndarray  # intercept first
    std_error: np.ndarray
    t: np.ndarray
    p_value: np.ndarray  # DSP permutation p-values (NaN for the intercept)
    p_greater: np.ndarray
    p_less: np.ndarray
    p_ols: np.ndarray  # classical OLS p-values, for comparison only
    r2: float
    adj_r2: float
    nobs: int
    n_nodes: int
    permutations: int


def _ols(y: np.ndarray, x: np.ndarray):
    q, r = np.linalg.qr(x)
    if np.min(np.abs(np.diag(r))) < 1e-10 * max(1.0, np.max(np.abs(np.diag(r)))):
        raise EstimationError("MRQAP regressors are perfectly collinear (including the intercept); "
                              "drop one of the matrices from qap.matrices")
    beta = np.linalg.solve(r, q.T @ y)
    resid = y - x @ beta
    df = len(y) - x.shape[1]
    sigma2 = resid @ resid / df
    rinv = np.linalg.inv(r)
    se = np.sqrt(sigma2 * np.sum(rinv ** 2, axis=1))
    return beta, se, resid, df


def mrqap(y: np.ndarray, xs: dict[str, np.ndarray], *, permutations: int, seed) -> MRQAPResult:
    """OLS with Dekker double semi-partialling permutation p-values (module docstring)."""
    from scipy import stats

    if not xs:
        raise EstimationError("MRQAP needs at least one explanatory matrix")
    n = _check({"y": y, **xs})
    off = ~np.eye(n, dtype=bool)
    names = list(xs)
    yv = offdiag(y)
    xmats = [np.asarray(xs[k], dtype=float) for k in names]
    design = np.column_stack([np.ones(len(yv))] + [m[off] for m in xmats])
    beta, se, resid, df = _ols(yv, design)
    t_obs = beta / se
    tss = np.sum((yv - yv.mean()) ** 2)
    r2 = 1 - resid @ resid / tss
    k = design.shape[1]
    rng = np.random.default_rng(seed)
    # the permutations themselves (P x n), drawn in the same order as ever; the permuted cells are
    # gathered block by block, never as a P x dyads table
    perms = (np.stack([rng.permutation(n) for _ in range(permutations)]) if permutations
             else np.empty((0, n), dtype=np.intp))
    flat_off = np.flatnonzero(off.ravel())
    partials = []
    for j in range(1, k):
        others = np.delete(design, j, axis=1)
        qz, _ = np.linalg.qr(others)
        e_off = design[:, j] - qz @ (qz.T @ design[:, j])  # residual of X_j on the other regressors
        y_res = yv - qz @ (qz.T @ yv)
        e_flat = np.zeros(n * n)  # as an n x n matrix with a zero diagonal (a permutation keeps it zero)
        e_flat[flat_off] = e_off
        proj = np.zeros((n * n, 1 + qz.shape[1]))  # [y_res, Q_z] on the same cells
        proj[flat_off, 0] = y_res
        proj[flat_off, 1:] = qz
        partials.append((e_flat, proj, float(e_off @ e_off), float(y_res @ y_res)))
    nulls = np.empty((k - 1, permutations))
    for start in range(0, permutations, PERMUTATION_BLOCK):
        block = perms[start:start + PERMUTATION_BLOCK]  # intp: np.take converts any other index type
        cells = (block[:, :, None] * n + block[:, None, :]).reshape(len(block), n * n)  # E[perm][:, perm]
        for j, (e_flat, proj, ee_all, yy) in enumerate(partials):
            # FWL: with e the permuted residual and M = I - Q_z Q_z', e'My = e'y_res (y_res ⟂ Q_z) and
            # e'Me = e'e - ‖Q_z'e‖², where e'e is the same for every permutation
            ep = np.take(e_flat, cells) @ proj
            ee = ee_all - np.sum(ep[:, 1:] ** 2, axis=1)
            coef = ep[:, 0] / ee
            rss = yy - coef * coef * ee
            nulls[j, start:start + len(block)] = coef / np.sqrt(rss / df / ee)
    pv = np.full(k, np.nan)
    pg = np.full(k, np.nan)
    pl = np.full(k, np.nan)
    for j in range(1, k):
        res = _p_values(t_obs[j], nulls[j - 1])
        pv[j], pg[j], pl[j] = res["p_value"], res["p_greater"], res["p_less"]
    return MRQAPResult(
        names=["intercept"] + names, coef=beta, std_error=se, t=t_obs, p_value=pv, p_greater=pg, p_less=pl,
        p_ols=2 * stats.t(df).sf(np.abs(t_obs)), r2=float(r2), adj_r2=float(1 - (1 - r2) * (len(yv) - 1) / df),
        nobs=len(yv), n_nodes=n, permutations=permutations,
    )


def size_and_power(x: np.ndarray, *, effects, replications: int, permutations: int, seed,
                   alpha: float = 0.05, node_sd: float = 1.0) -> list[dict]:
    """Rejection rates of the DSP test of ``y = b x + a_i + c_j + u_ij`` for each ``b`` in ``effects``.

    Sender/receiver effects ``a_i, c_j ~ N(0, node_sd^2)`` create the row/column
    dependence QAP guards against, plus a nuisance regressor ``z = x + node-level
    noise`` correlated with x (to exercise the semi-partialling). ``b = 0`` gives
    the size, ``b != 0`` the power."""
    n = np.asarray(x).shape[0]
    x = np.asarray(x, dtype=float)
    xo = offdiag(x)
    x = (x - xo.mean()) / xo.std()
    out = []
    for e_idx, b in enumerate(effects):
        rng = np.random.default_rng(np.random.SeedSequence([int(seed), e_idx]))
        rejections = 0
        for _ in range(replications):
            a = rng.normal(0, node_sd, int(n))
            c = rng.normal(0, node_sd, int(n))
            z = x + rng.normal(0, 1, (n, 1)) + rng.normal(0, 1, (1, n))
            y = b * x + a[:, None] + c[None, :] + rng.normal(0, 1, (n, n))
            res = mrqap(y, {"x": x, "z": z}, permutations=permutations, seed=rng.integers(2**32))
            rejections += bool(res.p_value[1] <= alpha)
        rate = rejections / replications
        out.append({"effect": float(b), "rejection_rate": rate, "replications": replications,
                    "permutations": permutations, "alpha": alpha,
                    "mc_standard_error": float(np.sqrt(rate * (1 - rate) / replications))})
    return out
