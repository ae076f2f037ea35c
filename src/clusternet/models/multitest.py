"""Multiple-testing adjustments across the hypothesis registry.

``holm``: Holm (1979) step-down family-wise error control; ``bh``: Benjamini & Hochberg
(1995) step-up false-discovery-rate control. Both return adjusted p-values in the input
order, capped at 1, and leave missing p-values (None/NaN) out of the family (they stay None);
they equal ``statsmodels.stats.multitest.multipletests(p, method="holm" | "fdr_bh")``
on the non-missing entries (tests/models/test_multitest.py checks it).
"""
from __future__ import annotations

import math

import numpy as np

from clusternet.errors import ConfigError

METHODS = ("holm", "bh", "none")


def _clean(pvalues) -> tuple[np.ndarray, np.ndarray]:
    vals = np.array([np.nan if p is None else float(p) for p in pvalues], dtype=float)
    ok = np.isfinite(vals)
    if np.any((vals[ok] < 0) | (vals[ok] > 1)):
        raise ConfigError(f"p-values must lie in [0, 1]; got {vals[ok].tolist()}")
    return vals, ok


def _restore(vals: np.ndarray, ok: np.ndarray, adj: np.ndarray) -> list[float | None]:
    out: list[float | None] = [None] * vals.size
    for i, v in zip(np.flatnonzero(ok), adj):
        out[int(i)] = float(v)
    return out


def holm(pvalues) -> list[float | None]:
    vals, ok = _clean(pvalues)
    p = vals[ok]
    m = p.size
    if m == 0:
        return [None] * vals.size
    order = np.argsort(p, kind="mergesort")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adj = np.empty(m)
    adj[order] = np.minimum(stepped, 1.0)
    return _restore(vals, ok, adj)


def benjamini_hochberg(pvalues) -> list[float | None]:
    vals, ok = _clean(pvalues)
    p = vals[ok]
    m = p.size
    if m == 0:
        return [None] * vals.size
    order = np.argsort(p, kind="mergesort")[::-1]  # largest first
    ranks = m - np.arange(m)  # rank of each p in ascending order
    stepped = np.minimum.accumulate(m / ranks * p[order])
    adj = np.empty(m)
    adj[order] = np.minimum(stepped, 1.0)
    return _restore(vals, ok, adj)


def adjust(pvalues, method: str) -> list[float | None]:
    if method == "holm":
        return holm(pvalues)
    if method == "bh":
        return benjamini_hochberg(pvalues)
    if method == "none":
        return [None if (p is None or (isinstance(p, float) and math.isnan(p))) else float(p) for p in pvalues]
    raise ConfigError(f"multiple-testing adjustment {method!r} is not one of {list(METHODS)}")
