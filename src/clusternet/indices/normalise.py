"""Normalisation of raw indicators before weighting.

For an indicator x with direction d (+1 benefit, -1 cost):

- ``minmax_panel``: z = (x - min) / (max - min) if d = +1, (max - x) / (max - min)
  if d = -1, with min and max over all region-years, so scores compare across years.
- ``minmax_year``: the same with min and max taken within each year.
- ``zscore``: z = d (x - mean) / sd over all region-years (sd with n - 1, as R's
  ``scale``). Scores can be negative, so entropy weights cannot be used with it.

An indicator without variation (max = min, or sd = 0) gets z = 0 everywhere;
the weighting methods give it weight 0.
"""
from __future__ import annotations

import numpy as np

from clusternet.errors import ConfigError

NORMALISATIONS = ("minmax_panel", "minmax_year", "zscore")


def _minmax(X: np.ndarray, directions: np.ndarray) -> np.ndarray:
    lo, hi = X.min(axis=0), X.max(axis=0)
    rng = hi - lo
    safe = np.where(rng > 0, rng, 1.0)
    Z = np.where(directions > 0, (X - lo) / safe, (hi - X) / safe)
    return np.where(rng > 0, Z, 0.0)


def normalise(X, directions, method: str = "minmax_panel", years=None) -> np.ndarray:
    """Normalise the columns of ``X`` (n x m); ``years`` (length n) is needed for ``minmax_year``."""
    X = np.asarray(X, dtype=float)
    d = np.asarray(directions, dtype=float)
    if method == "minmax_panel":
        return _minmax(X, d)
    if method == "minmax_year":
        if years is None:
            raise ConfigError("minmax_year normalisation needs the year of every observation")
        years = np.asarray(years)
        Z = np.empty_like(X)
        for y in np.unique(years):
            rows = years == y
            Z[rows] = _minmax(X[rows], d)
        return Z
    if method == "zscore":
        sd = X.std(axis=0, ddof=1)
        safe = np.where(sd > 0, sd, 1.0)
        return np.where(sd > 0, d * (X - X.mean(axis=0)) / safe, 0.0)
    raise ConfigError(f"indicators.index.normalisation: unknown method {method!r}; "
                      f"choose one of {list(NORMALISATIONS)}")
