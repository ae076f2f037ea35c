"""Objective weighting methods for composite indices, and entropy-TOPSIS scores.

Every function takes a normalised matrix ``Z`` (n observations x m indicators,
all indicators already oriented so that larger is better) and returns a weight
vector of length m that is non-negative and sums to 1.

Shared convention: an indicator with no variation (all values equal) carries no
information; every method gives it weight 0 (and it is excluded from the
correlation/PCA computations), so a constant column never produces NaN.

Methods and references
----------------------
entropy
    Shannon entropy weights (textbook form, e.g. Zou, Yun & Sun 2006, *J. Environ.
    Sci.* 18(5)): p_ij = z_ij / sum_i z_ij over all n observations,
    e_j = -k sum_i p_ij ln p_ij with k = 1 / ln n, d_j = 1 - e_j, w_j = d_j / sum d.
    Zeros: ``zero="limit"`` uses the limit 0 ln 0 = 0 (min-max scores contain a
    0 for every indicator); ``zero="shift"`` adds ``shift`` (e.g. 1e-4, as many
    applied papers do) to every z before computing p. Needs z >= 0.
critic
    CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995, *Comput. Oper. Res.* 22(7)):
    C_j = s_j sum_k (1 - r_jk), w_j = C_j / sum C, with s_j the sample standard
    deviation (denominator n - 1, as R's ``sd``) and r the Pearson correlation.
pca_first
    Squared loadings of the first principal component of the correlation matrix
    of Z: w_j = u_1j^2 where u_1 is the unit-length leading eigenvector (OECD/JRC
    2008, *Handbook on Constructing Composite Indicators*, sec. 6.1: weights from
    squared loadings scaled to unity sum). The weights are invariant to the
    arbitrary sign of the eigenvector; for reporting, eigenvectors are oriented so
    that the sum of their entries is non-negative.
pca_variance
    Variance-weighted components: w_j = sum_{k<=K} (lambda_k / sum_{l<=K} lambda_l) u_kj^2,
    with K the smallest number of components whose cumulative share of variance
    reaches ``variance_share`` (default 0.85). Each u_k^2 sums to 1, so w sums to 1.
equal
    w_j = 1 / m' over the m' non-constant indicators.
entropy_topsis (``topsis_scores``)
    Hwang & Yoon (1981) TOPSIS on the weighted normalised matrix v_ij = w_j z_ij
    with entropy weights: v+_j = max_i v_ij, v-_j = min_i v_ij,
    D+_i = ||v_i - v+||, D-_i = ||v_i - v-||, score_i = D-_i / (D+_i + D-_i).
    Since Z is already oriented, the ideal is the column maximum for every
    indicator. An observation equal to both ideals (all constant) scores 0.
"""
from __future__ import annotations

import numpy as np

from clusternet.errors import ConfigError, DataError, EstimationError

WEIGHT_METHODS = ("entropy", "critic", "pca_first", "pca_variance", "equal")
SCORE_METHODS = WEIGHT_METHODS + ("entropy_topsis",)


def _as_matrix(Z) -> np.ndarray:
    Z = np.asarray(Z, dtype=float)
    if Z.ndim != 2 or Z.shape[0] < 2 or Z.shape[1] < 1:
        raise DataError(f"weighting needs at least 2 observations and 1 indicator, got shape {Z.shape}")
    if not np.isfinite(Z).all():
        raise DataError("weighting got missing or non-finite normalised values; impute or drop them first")
    return Z


def varying(Z: np.ndarray) -> np.ndarray:
    """Boolean mask of columns with any variation (range > 1e-12 times the scale)."""
    rng = Z.max(axis=0) - Z.min(axis=0)
    scale = np.maximum(np.abs(Z).max(axis=0), 1.0)
    return rng > 1e-12 * scale


def _normalise(raw: np.ndarray, mask: np.ndarray) -> np.ndarray:
    w = np.where(mask, raw, 0.0)
    w = np.clip(w, 0.0, None)
    total = w.sum()
    if not total > 0:
        raise DataError("every indicator is constant (or carries no information): no weights can be formed")
    return w / total


def entropy_weights(Z, zero: str = "limit", shift: float = 1e-4, names=None) -> np.ndarray:
    Z = _as_matrix(Z)
    if (Z < 0).any():
        j = int(np.where((Z < 0).any(axis=0))[0][0])
        name = names[j] if names is not None else f"column {j}"
        raise DataError(
            f"entropy weights need non-negative normalised values, but {name} has negatives; "
            "use a min-max normalisation (indicators.index.normalisation) with entropy weights")
    mask = varying(Z)
    if zero == "shift":
        Z = Z + shift
    elif zero != "limit":
        raise ConfigError(f"entropy zero handling must be 'limit' or 'shift', got {zero!r}")
    n = Z.shape[0]
    col = Z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        P = np.where(col > 0, Z / col, 0.0)
        plogp = np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    e = np.where(mask, e, 1.0)
    return _normalise(1.0 - e, mask)


def critic_weights(Z) -> np.ndarray:
    Z = _as_matrix(Z)
    mask = varying(Z)
    s = Z.std(axis=0, ddof=1)
    R = np.zeros((Z.shape[1], Z.shape[1]))
    if mask.any():
        R_sub = np.corrcoef(Z[:, mask], rowvar=False)
        R[np.ix_(mask, mask)] = np.atleast_2d(R_sub)
    conflict = (1.0 - R)[:, mask].sum(axis=1)
    # Rounding leaves 1 - r ~ 1e-16 for perfectly correlated pairs: treat as no conflict.
    info = np.where(mask & (conflict > 1e-10), s * conflict, 0.0)
    if mask.sum() > 1 and not info.sum() > 0:
        raise EstimationError("CRITIC weights are undefined: every pair of indicators is perfectly positively "
                              "correlated (r = 1), so no indicator carries conflicting information; drop the "
                              "redundant indicators or use another method")
    return _normalise(info, mask)


def pca_components(Z) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues (descending) and unit eigenvectors (columns, oriented so that
    each sums to >= 0) of the correlation matrix of the varying columns, plus the mask."""
    Z = _as_matrix(Z)
    mask = varying(Z)
    if mask.sum() == 0:
        raise DataError("every indicator is constant: no principal components")
    if mask.sum() == 1:
        return np.array([1.0]), np.array([[1.0]]), mask
    R = np.corrcoef(Z[:, mask], rowvar=False)
    vals, vecs = np.linalg.eigh(R)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    signs = np.where(vecs.sum(axis=0) < 0, -1.0, 1.0)
    return np.clip(vals, 0.0, None), vecs * signs, mask


def pca_first_weights(Z) -> np.ndarray:
    vals, vecs, mask = pca_components(Z)
    w = np.zeros(mask.size)
    w[mask] = vecs[:, 0] ** 2
    return _normalise(w, mask)


def pca_variance_weights(Z, variance_share: float = 0.85) -> np.ndarray:
    if not 0 < variance_share <= 1:
        raise ConfigError(f"pca variance_share must be in (0, 1], got {variance_share}")
    vals, vecs, mask = pca_components(Z)
    share = np.cumsum(vals) / vals.sum()
    K = int(np.searchsorted(share, variance_share - 1e-12) + 1)
    K = min(K, vals.size)
    lam = vals[:K] / vals[:K].sum()
    w = np.zeros(mask.size)
    w[mask] = (vecs[:, :K] ** 2) @ lam
    return _normalise(w, mask)


def equal_weights(Z) -> np.ndarray:
    Z = _as_matrix(Z)
    mask = varying(Z)
    return _normalise(np.ones(Z.shape[1]), mask)


def weights(method: str, Z, *, entropy_zero: str = "limit", entropy_shift: float = 1e-4,
            variance_share: float = 0.85, names=None) -> np.ndarray:
    """Dispatch by method name; ``entropy_topsis`` uses entropy weights.

    A single varying column gets weight 1 whatever the method (CRITIC's conflict
    term and PCA's correlation matrix are degenerate for one column)."""
    Z = _as_matrix(Z)
    mask = varying(Z)
    if mask.sum() == 1 and method in SCORE_METHODS:
        return mask.astype(float)
    if method in ("entropy", "entropy_topsis"):
        return entropy_weights(Z, zero=entropy_zero, shift=entropy_shift, names=names)
    if method == "critic":
        return critic_weights(Z)
    if method == "pca_first":
        return pca_first_weights(Z)
    if method == "pca_variance":
        return pca_variance_weights(Z, variance_share)
    if method == "equal":
        return equal_weights(Z)
    raise ConfigError(f"unknown weighting method {method!r}; choose one of {list(SCORE_METHODS)}")


def topsis_scores(Z, w) -> np.ndarray:
    """Relative closeness to the ideal solution (see module docstring)."""
    Z = _as_matrix(Z)
    V = Z * np.asarray(w, dtype=float)
    best, worst = V.max(axis=0), V.min(axis=0)
    d_plus = np.sqrt(((V - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((V - worst) ** 2).sum(axis=1))
    total = d_plus + d_minus
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, d_minus / total, 0.0)
