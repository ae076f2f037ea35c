"""Gravity linkage networks between regions.

The regional-innovation literature (e.g. Liu & Gu's "modified gravity model"
used for Chinese provincial innovation networks) builds a directed weighted
linkage network per year as

    T_ij = k_ij * M_i * M_j * f(D_ij),        i != j,  T_ii = 0

with

- a composite mass ``M_i = prod_v x_{v,i} ** e_v`` (e.g. ``sqrt(patents * R&D)``
  with exponents 0.5/0.5), all ``x_{v,i} > 0``;
- a direction weight ``k_ij = M_i / (M_i + M_j)`` (``share``: a bigger sender
  pulls more of the flow), or ``k_ij = 1`` (``none``, a symmetric network);
- a distance ``D_ij``: great-circle km between centroids (``geographic``), the
  absolute gap of an economic variable ``|g_i - g_j|`` (``economic``), their
  product (``geographic_times_economic``), or the ratio
  ``d_ij / |g_i - g_j|`` (``geographic_over_economic``, the form used in the
  Chinese literature, where a larger development gap shortens the distance);
- a distance decay ``f(D) = D ** -theta`` (``power``) or ``exp(-D / theta)``
  (``exponential``; theta is in the units of D).

A binarisation rule turns T into the 0/1 graph that degree, path and
structural measures need: ``row_mean`` (i -> j kept if T_ij exceeds the mean of
row i over j != i, the usual rule in this literature), ``quantile`` (kept if
T_ij exceeds the q-quantile of all off-diagonal cells of that year),
``top_k`` (each sender keeps its k strongest targets; ties broken by the lower
column index) or ``nonzero`` (T_ij > 0; for observed edge lists).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clusternet.errors import ConfigError, DataError

DIRECTION_WEIGHTS = ("share", "none")
DISTANCE_KINDS = ("geographic", "economic", "geographic_times_economic", "geographic_over_economic")
DECAY_FORMS = ("power", "exponential")
BINARY_RULES = ("row_mean", "quantile", "top_k", "nonzero", "absolute", "disparity")


@dataclass(frozen=True)
class GravitySpec:
    """A gravity model as declared in ``config/network.yaml`` (``gravity:``)."""

    masses: tuple[tuple[str, float], ...]  # (variable, exponent)
    direction_weight: str = "share"
    distance: str = "geographic"
    economic_variable: str | None = None
    decay_form: str = "power"
    decay_parameter: float = 2.0

    @classmethod
    def from_config(cls, section: dict, source: str = "network.gravity") -> "GravitySpec":
        masses = tuple((m["variable"], float(m.get("exponent", 1.0))) for m in section["masses"])
        dist = section.get("distance", {})
        decay = section.get("decay", {})
        spec = cls(
            masses=masses,
            direction_weight=section.get("direction_weight", "share"),
            distance=dist.get("kind", "geographic"),
            economic_variable=dist.get("economic_variable"),
            decay_form=decay.get("form", "power"),
            decay_parameter=float(decay.get("parameter", 2.0)),
        )
        if spec.distance != "geographic" and not spec.economic_variable:
            raise ConfigError(f"{source}.distance.economic_variable must be set when distance.kind is "
                              f"{spec.distance!r}; name the panel column of the economic distance (e.g. GDP per capita)")
        return spec

    @property
    def variables(self) -> list[str]:
        """Every panel variable the network is built from (masses and economic distance)."""
        out = [v for v, _ in self.masses]
        if self.distance != "geographic" and self.economic_variable:
            out.append(self.economic_variable)
        return out

    @property
    def uses_geographic_distance(self) -> bool:
        return self.distance.startswith("geographic")


def composite_mass(values: np.ndarray, exponents, *, labels=None, where: str = "") -> np.ndarray:
    """``M_i = prod_v x_{v,i} ** e_v`` for an (n, V) array of positive values."""
    values = np.asarray(values, dtype=float)
    exps = np.asarray(exponents, dtype=float)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        i, v = map(int, np.argwhere(bad)[0])
        who = labels[i] if labels is not None else i
        raise DataError(f"{where}gravity mass must be positive and not missing: region {who}, "
                        f"mass #{v + 1} has value {values[i, v]!r}; fix or impute the panel, or choose another mass")
    return np.exp(np.log(values) @ exps)


def economic_gap(values: np.ndarray, *, labels=None, where: str = "") -> np.ndarray:
    """``|g_i - g_j|`` with a clear error when a pair has no gap (infinite gravity)."""
    g = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(g)):
        i = int(np.flatnonzero(~np.isfinite(g))[0])
        raise DataError(f"{where}economic distance variable is missing for region "
                        f"{labels[i] if labels is not None else i}; fix or impute the panel")
    gap = np.abs(g[:, None] - g[None, :])
    off = ~np.eye(len(g), dtype=bool)
    if np.any(gap[off] == 0):
        i, j = map(int, np.argwhere((gap == 0) & off)[0])
        a, b = (labels[i], labels[j]) if labels is not None else (i, j)
        raise DataError(f"{where}regions {a} and {b} have the same economic distance variable value, so the "
                        "economic distance is 0 and gravity is infinite; use distance.kind: geographic")
    return gap


def gravity_matrix(masses: np.ndarray, distance: np.ndarray, spec: GravitySpec) -> np.ndarray:
    """T_ij = k_ij M_i M_j f(D_ij) with zero diagonal (see module docstring)."""
    m = np.asarray(masses, dtype=float)
    d = np.asarray(distance, dtype=float)
    n = len(m)
    off = ~np.eye(n, dtype=bool)
    if np.any(~np.isfinite(d[off])) or np.any(d[off] <= 0):
        raise DataError("gravity distance must be positive and finite between distinct regions")
    if spec.decay_form == "power":
        decay = np.zeros_like(d)
        decay[off] = d[off] ** (-spec.decay_parameter)
    elif spec.decay_form == "exponential":
        decay = np.exp(-d / spec.decay_parameter)
    else:  # pragma: no cover - the schema enumerates the forms
        raise ConfigError(f"network.gravity.decay.form must be one of {DECAY_FORMS}")
    if spec.direction_weight == "share":
        k = m[:, None] / (m[:, None] + m[None, :])
    else:
        k = np.ones((n, n))
    t = k * np.outer(m, m) * decay
    t[~off] = 0.0
    return t


def combined_distance(kind: str, geographic: np.ndarray | None, gap: np.ndarray | None) -> np.ndarray:
    if kind == "geographic":
        return geographic
    if kind == "economic":
        return gap
    if kind == "geographic_times_economic":
        return geographic * gap
    if kind == "geographic_over_economic":
        with np.errstate(divide="ignore", invalid="ignore"):  # the diagonal is 0/0
            out = geographic / gap
        np.fill_diagonal(out, 0.0)
        return out
    raise ConfigError(f"network.gravity.distance.kind must be one of {DISTANCE_KINDS}, got {kind!r}")


def binarize(weights: np.ndarray, rule: str, *, quantile: float = 0.75, k: int = 3,
             threshold: float | None = None, alpha: float = 0.05) -> np.ndarray:
    """0/1 adjacency from a weighted matrix by one of ``BINARY_RULES`` (diagonal always 0);
    ``absolute`` and ``disparity`` are in :mod:`clusternet.network.backbone`."""
    w = np.asarray(weights, dtype=float)
    n = w.shape[0]
    off = ~np.eye(n, dtype=bool)
    if rule == "row_mean":
        row_mean = np.where(off, w, 0.0).sum(axis=1) / max(n - 1, 1)
        a = w > row_mean[:, None]
    elif rule == "quantile":
        a = w > np.quantile(w[off], quantile)
    elif rule == "top_k":
        if not 1 <= k <= n - 1:
            raise ConfigError(f"network.binarize.k must be between 1 and n-1 = {n - 1}, got {k}")
        masked = np.where(off, w, -np.inf)
        # stable sort on the negated weights: equal weights keep column order
        order = np.argsort(-masked, axis=1, kind="stable")[:, :k]
        a = np.zeros((n, n), dtype=bool)
        np.put_along_axis(a, order, True, axis=1)
        a &= w > 0
    elif rule == "nonzero":
        a = w > 0
    elif rule == "absolute":
        from clusternet.network.backbone import absolute_threshold
        a = absolute_threshold(w, threshold)
    elif rule == "disparity":
        from clusternet.network.backbone import disparity_backbone
        a = disparity_backbone(w, alpha)
    else:
        raise ConfigError(f"network.binarize.rule must be one of {BINARY_RULES}, got {rule!r}")
    a = a & off
    return a.astype(np.int8)
