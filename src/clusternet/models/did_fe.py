"""Two-way fixed-effects least squares for the event-study estimators (Sun & Abraham,
Goodman-Bacon, the imputation estimator): entity effects swept out by demeaning, time
effects as dummies (exact on unbalanced panels, by Frisch-Waugh-Lovell), and the
entity-clustered covariance with fixest's default small-sample factor

    V = G/(G-1) * (N-1)/(N-K) * (X'X)^-1 (sum_g X_g'u_g u_g'X_g) (X'X)^-1,

K = regressors + time effects (fixest ``ssc(fixef.K = "nested")``: the entity effects are
nested in the clusters and not counted), t tests with G - 1 degrees of freedom.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from clusternet.errors import EstimationError


@dataclass
class TWFEFit:
    beta: np.ndarray        # coefficients of the regressors (time effects not returned)
    vcov: np.ndarray        # their clustered covariance
    resid: np.ndarray
    n_clusters: int
    nobs: int
    df_k: int

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))


def codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    levels, inv = np.unique(np.asarray(values), return_inverse=True)
    return levels, inv


def group_sum(values: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of ``values`` (n x k) within groups 0..n_groups-1 (a sparse product,
    much faster than ``np.add.at``)."""
    values = np.asarray(values, dtype=float)
    ind = sparse.csr_matrix((np.ones(len(group)), (group, np.arange(len(group)))), shape=(n_groups, len(group)))
    return np.asarray(ind @ values.reshape(len(group), -1))


def demean_by(a: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    a2 = a.reshape(len(a), -1)
    sums = group_sum(a2, group, n_groups)
    counts = np.bincount(group, minlength=n_groups)[:, None]
    out = a2 - (sums / counts)[group]
    return out.reshape(a.shape)


def twfe_ols(y: np.ndarray, X: np.ndarray, entity: np.ndarray, time: np.ndarray,
             cluster: np.ndarray | None = None) -> TWFEFit:
    """OLS of y on X with entity and time effects; covariance clustered by ``cluster``
    (default the entity)."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float).reshape(len(y), -1)
    _, e = codes(entity)
    t_levels, t = codes(time)
    n_e = int(e.max()) + 1
    T = np.zeros((len(y), len(t_levels) - 1))
    if len(t_levels) > 1:
        T[np.arange(len(y)), t - 1] = 1.0
        T[t == 0] = 0.0
    Z = demean_by(np.column_stack([X, T]), e, n_e)
    yw = demean_by(y, e, n_e)
    k = X.shape[1]
    ztz = Z.T @ Z
    scale = np.sqrt(np.diag(ztz))
    if np.any(scale == 0) or np.linalg.cond(ztz / np.outer(scale, scale)) > 1e12:
        raise EstimationError("two-way fixed-effects design is collinear (an event-time or cohort dummy is "
                              "absorbed by the fixed effects)")
    inv = np.linalg.inv(ztz)
    coef = inv @ (Z.T @ yw)
    u = yw - Z @ coef
    cl = e if cluster is None else codes(cluster)[1]
    n_g = int(cl.max()) + 1
    scores = group_sum(Z * u[:, None], cl, n_g)
    meat = scores.T @ scores
    N = len(y)
    df_k = k + len(t_levels)  # regressors + time effects (entity effects nested in the clusters)
    if cluster is not None and np.any(np.bincount(e, minlength=n_e) > 0):
        per_entity: dict[int, set[int]] = {int(a): set() for a in range(n_e)}
        for a, b in zip(e, cl):
            per_entity[int(a)].add(int(b))
        if any(len(v) > 1 for v in per_entity.values()):
            df_k += n_e - 1  # entity effects not nested in the clusters: fixest counts them
    factor = n_g / (n_g - 1) * (N - 1) / (N - df_k)
    V = factor * inv @ meat @ inv
    return TWFEFit(coef[:k], V[:k, :k], u, n_g, N, df_k)
