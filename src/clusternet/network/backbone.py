"""Binarisation rules whose density is free to change over time.

``absolute``
    keep i -> j when ``w_ij >= threshold`` (in the weights' own unit: for the flow network,
    100 million yuan at constant prices, the unit of the technology-market series).
``disparity``
    the disparity filter of Serrano, Boguñá & Vespignani (2009, PNAS 106:6483): for a node
    with k > 1 positive ties and strength s, the tie's normalised weight ``p = w / s`` is
    compared with the null model of a uniform random split of s over k ties, under which
    ``P(p' >= p) = (1 - p) ** (k - 1)``. A directed tie i -> j has one such p-value among i's
    outgoing ties and one among j's incoming ties; it is kept when either is below ``alpha``
    (the paper's rule for directed networks). A node with a single tie gives that tie
    p-value 1 from its side (the formula with k = 1), so the tie survives only through
    the other end.

The row-mean rule (``row_mean`` in :mod:`.gravity`) keeps ties above the mean of the row;
on a complete weighted network it keeps a nearly constant share of ties every year, so
network density is fixed by the rule rather than by the data.
"""
from __future__ import annotations

import numpy as np

from clusternet.errors import ConfigError


def disparity_pvalues(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(outgoing, incoming) disparity p-values of every tie; NaN where ``w_ij = 0`` or i = j."""
    w = np.asarray(weights, dtype=float).copy()
    np.fill_diagonal(w, 0.0)
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ConfigError("disparity filter: weights must be finite and non-negative")
    pos = w > 0

    def side(mat: np.ndarray, mask: np.ndarray) -> np.ndarray:
        s = mat.sum(axis=1, keepdims=True)
        k = mask.sum(axis=1, keepdims=True)
        p = np.divide(mat, s, out=np.zeros_like(mat), where=s > 0)
        out = np.where(mask, (1.0 - p) ** np.maximum(k - 1, 0), np.nan)
        return out

    return side(w, pos), side(w.T, pos.T).T


def disparity_backbone(weights: np.ndarray, alpha: float) -> np.ndarray:
    if not 0 < alpha < 1:
        raise ConfigError(f"network.binarize.alpha must be in (0, 1), got {alpha}")
    out_p, in_p = disparity_pvalues(weights)
    keep = (np.nan_to_num(out_p, nan=1.0) < alpha) | (np.nan_to_num(in_p, nan=1.0) < alpha)
    np.fill_diagonal(keep, False)
    return keep


def absolute_threshold(weights: np.ndarray, threshold: float | None) -> np.ndarray:
    if threshold is None or not np.isfinite(threshold) or threshold <= 0:
        raise ConfigError("network.binarize.threshold must be a positive number (the weights' unit) "
                          "for rule: absolute")
    keep = np.asarray(weights, dtype=float) >= threshold
    np.fill_diagonal(keep, False)
    return keep
