"""Linear estimands of the typology, with cluster-robust and wild-cluster-bootstrap inference.

- ``share_trend``: linear probability model 1{mode = m}_it = a + b year_t + e_it, pooled; b is the
  yearly change of the share of province-years in mode m.
- ``by_mode``: two-way fixed effects (region and year dummies, = the within estimator)
  y_it = b x_it + sum_m g_m (x_it D_m,it) + d_m D_m,it + controls + FE + e_it with the reference
  mode(s) omitted; g_m is the difference of the digital slope in mode m from the reference.

Standard errors are clustered by region with Stata's small-sample factor
G/(G-1) (N-1)/(N-K) (= statsmodels ``cov_type="cluster"``, checked in the tests); t tests use
G - 1 degrees of freedom. The wild cluster bootstrap is the restricted (null imposed)
Rademacher version (WCR; Cameron, Gelbach & Miller 2008) of the t statistic, B replications,
seeded; its p-value is the share of |t*| >= |t|.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from clusternet.errors import EstimationError


def ols_cluster(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OLS coefficients and CR1 cluster-robust covariance."""
    n, k = X.shape
    XtX_inv = np.linalg.inv(X.T @ X)
    b = XtX_inv @ X.T @ y
    u = y - X @ b
    _, g_idx = np.unique(groups, return_inverse=True)
    G = g_idx.max() + 1
    S = np.zeros((G, k))
    np.add.at(S, g_idx, X * u[:, None])
    c = G / (G - 1) * (n - 1) / (n - k)  # full column rank is checked by fit()
    V = c * XtX_inv @ (S.T @ S) @ XtX_inv
    return b, V


def wild_cluster_p(y, X, groups, j: int, replications: int, rng: np.random.Generator) -> float:
    """WCR Rademacher wild cluster bootstrap p-value of H0: b_j = 0 (two-sided, symmetric).

    All replications at once (the same draws, one ``rng.choice`` per replication as before): with
    A = (X'X)^-1 X' and w = (X'X)^-1 e_j, b*_j = A_j y*, and the CR1 variance of b*_j is
    c sum_g (sum_{i in g} (X w)_i u*_i)^2 with u* = y* - X A y* (the j-th diagonal element of the
    sandwich of ols_cluster). The original t is computed by the same formula, so that a replication
    that reproduces the data (all weights equal) ties exactly as it did one fit at a time."""
    y, X = np.asarray(y, float), np.asarray(X, float)
    n, k = X.shape
    XtX_inv = np.linalg.inv(X.T @ X)
    A = XtX_inv @ X.T
    q = X @ XtX_inv[:, j]
    Xr = np.delete(X, j, axis=1)
    br = np.linalg.lstsq(Xr, y, rcond=None)[0]
    fit_r = Xr @ br
    u_r = y - fit_r
    _, g_idx = np.unique(groups, return_inverse=True)
    G = g_idx.max() + 1
    c = G / (G - 1) * (n - 1) / (n - k)
    V = np.empty((replications, G))
    for b in range(replications):
        V[b] = rng.choice([-1.0, 1.0], size=G)
    Ys = np.vstack([y[None, :], fit_r[None, :] + u_r[None, :] * V[:, g_idx]])   # row 0: the data
    Bs = Ys @ A.T
    U = Ys - Bs @ X.T
    E = np.zeros((len(Ys), G))
    np.add.at(E.T, g_idx, (U * q[None, :]).T)
    t = Bs[:, j] / np.sqrt(c * (E ** 2).sum(axis=1))
    return float(np.sum(np.abs(t[1:]) >= np.abs(t[0])) / replications)


@dataclass
class LinearEstimate:
    names: list
    params: np.ndarray
    std_errors: np.ndarray
    p_values: np.ndarray
    df: int
    nobs: int
    n_clusters: int
    wild_p: dict


def fit(y, X, names, groups, *, wild_for=(), replications: int = 999, rng=None) -> LinearEstimate:
    y, X = np.asarray(y, float), np.asarray(X, float)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise EstimationError(f"the design of {names[:3]}... is rank deficient (a mode has no province-years "
                              "or a regressor is collinear with the fixed effects)")
    b, V = ols_cluster(y, X, groups)
    se = np.sqrt(np.diag(V))
    G = len(np.unique(groups))
    p = 2 * stats.t.sf(np.abs(b / se), G - 1)
    wild = {}
    for name in wild_for:
        wild[name] = wild_cluster_p(y, X, groups, names.index(name), replications, rng)
    return LinearEstimate(list(names), b, se, p, G - 1, len(y), G, wild)


def dummies(values, prefix: str, drop_first: bool = True):
    levels = sorted(set(values))
    if drop_first:
        levels = levels[1:]
    values = np.asarray(values)
    return np.column_stack([(values == lv).astype(float) for lv in levels]) if levels else np.empty((len(values), 0)), \
        [f"{prefix}{lv}" for lv in levels]
