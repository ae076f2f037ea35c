"""Covariance estimators for linear panel models, written against plm's ``vcovG`` family.

All estimators are sandwiches ``V = B M B`` with bread ``B = (X'X)^{-1}`` of the
*transformed* regressors ``X`` (within-demeaned, quasi-demeaned, differenced...)
and residuals ``u`` of the transformed model, ``n`` observations, ``k`` columns of X:

- ``unadjusted``: ``V = s² B`` with ``s² = u'u / df_resid`` (df_resid counts absorbed effects).
- ``robust`` (White, heteroskedasticity only): ``M = Σ_it u²_it x_it x_it'``
  (plm ``vcovHC(method = "white1")``).
- ``cluster`` (Arellano/Liang–Zeger, one-way): ``M = Σ_g (X_g'u_g)(X_g'u_g)'``; clusters are
  entities (default), time periods, or any column (``cluster_by``).
- ``twoway`` (Cameron–Gelbach–Miller 2011; Thompson 2011): ``V = V_entity + V_time − V_white``
  (plm ``vcovDC``).
- ``driscoll_kraay`` (Driscoll & Kraay 1998): with ``h_t = Σ_i x_it u_it``,
  ``M = Γ_0 + Σ_{l=1}^{L} w_l (Γ_l + Γ_l')``, ``Γ_l = Σ_t h_t h_{t−l}'``, Bartlett weights
  ``w_l = 1 − l/(L+1)`` (plm ``vcovSCC``). Bandwidth ``L``: ``"plm"`` = ⌊T^{1/4}⌋ (plm's default),
  ``"newey_west"`` = ⌊4 (T/100)^{2/9}⌋ (Stata ``xtscc``'s default), or an integer.

Small-sample corrections (``small_sample``; multiply the meat of each component):

- ``none``: no correction (plm's default ``type = "HC0"``).
- ``hc1``: ``n/(n−k)`` (plm ``type = "HC1"``).
- ``sss``: ``G/(G−1)·(n−1)/(n−k)`` with G the number of clusters of that component
  (plm ``type = "sss"``; Stata's cluster-robust convention). For ``robust`` G = n, so it
  equals ``n/(n−k)``; for ``driscoll_kraay`` G = T. In ``twoway``, ``twoway_df = "each"``
  uses each component's own G (plm ``vcovDC(type = "sss")``); ``"min"`` uses
  G = min(G_entity, G_time) for both cluster components (reghdfe/fixest convention).

k is the number of columns of the transformed X: it excludes absorbed fixed effects (as plm
does; Stata's ``xtreg, fe`` counts the constant too, so its sss factor differs by one in k).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clusternet.errors import ConfigError, EstimationError
from clusternet.models.panel import group_sums

COV_TYPES = ("unadjusted", "robust", "cluster", "twoway", "driscoll_kraay")
SMALL_SAMPLE = ("none", "hc1", "sss")
KERNELS = ("bartlett",)


@dataclass(frozen=True)
class CovarianceSpec:
    """A validated covariance choice (see the module docstring for formulas)."""

    type: str = "cluster"
    small_sample: str = "sss"
    cluster_by: str | None = None  # None: the entity column
    twoway_df: str = "each"
    bandwidth: int | str = "plm"
    kernel: str = "bartlett"
    min_clusters: int = 10

    @classmethod
    def from_dict(cls, spec: dict | str | None, source: str = "cov") -> CovarianceSpec:
        if spec is None:
            return cls()
        if isinstance(spec, str):
            spec = {"type": spec}
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(spec) - known)
        if unknown:
            raise ConfigError(f"{source}: unknown covariance option(s) {unknown}; allowed: {sorted(known)}")
        out = cls(**spec)
        if out.type not in COV_TYPES:
            raise ConfigError(f"{source}.type: {out.type!r} is not one of {list(COV_TYPES)}")
        if out.small_sample not in SMALL_SAMPLE:
            raise ConfigError(f"{source}.small_sample: {out.small_sample!r} is not one of {list(SMALL_SAMPLE)}")
        if out.twoway_df not in ("each", "min"):
            raise ConfigError(f"{source}.twoway_df: {out.twoway_df!r} is not 'each' or 'min'")
        if out.kernel not in KERNELS:
            raise ConfigError(f"{source}.kernel: {out.kernel!r} is not one of {list(KERNELS)}")
        bw = out.bandwidth
        if not (bw in ("plm", "newey_west") or (isinstance(bw, int) and not isinstance(bw, bool) and bw >= 0)):
            raise ConfigError(f"{source}.bandwidth: {bw!r} must be 'plm', 'newey_west' or an integer >= 0")
        if not isinstance(out.min_clusters, int) or out.min_clusters < 2:
            raise ConfigError(f"{source}.min_clusters: must be an integer >= 2, got {out.min_clusters!r}")
        return out

    def options(self) -> dict:
        """The options recorded in the result document (only those that apply)."""
        opts: dict = {"small_sample": self.small_sample}
        if self.type in ("cluster", "twoway"):
            opts["min_clusters"] = self.min_clusters
        if self.type == "cluster":
            opts["cluster_by"] = self.cluster_by or "entity"
        if self.type == "twoway":
            opts["twoway_df"] = self.twoway_df
        if self.type == "driscoll_kraay":
            opts["kernel"] = self.kernel
        return opts

    def document(self, info: dict) -> dict:
        """The ``covariance`` block of a result document, from the ``info`` that
        :func:`sandwich_covariance` / :func:`score_meat` return (cluster counts and
        the Driscoll–Kraay bandwidth actually used)."""
        opts = self.options()
        if "bandwidth" in info:
            opts["bandwidth"] = info["bandwidth"]
        return {"type": self.type, "options": opts, "n_clusters": info.get("n_clusters")}


def _group_scores(scores: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, int]:
    """Sum rows of ``scores`` within each group; returns (G × k sums, G)."""
    codes, inverse = np.unique(groups, return_inverse=True)
    return group_sums(scores, inverse, codes.size), codes.size


def _factor(small_sample: str, n: int, k: int, g: int) -> float:
    if small_sample == "none":
        return 1.0
    if small_sample == "hc1":
        return n / (n - k)
    return g / (g - 1) * (n - 1) / (n - k)


def bandwidth_for(spec: CovarianceSpec, n_periods: int) -> int:
    if spec.bandwidth == "plm":
        return int(np.floor(n_periods ** 0.25))
    if spec.bandwidth == "newey_west":
        return int(np.floor(4 * (n_periods / 100) ** (2 / 9)))
    return int(spec.bandwidth)


def _check_clusters(g: int, spec: CovarianceSpec, what: str) -> None:
    if g < spec.min_clusters:
        raise EstimationError(
            f"only {g} clusters in {what}; cluster-robust inference needs many clusters "
            f"(cov.min_clusters = {spec.min_clusters}). Cluster by a unit with more groups, use cov "
            "type 'driscoll_kraay' or 'robust', or lower cov.min_clusters knowingly"
        )


def score_meat(
    scores: np.ndarray,
    spec: CovarianceSpec,
    *,
    k: int,
    entity: np.ndarray,
    time: np.ndarray,
    cluster: np.ndarray | None = None,
    cluster_name: str = "entity",
) -> tuple[np.ndarray, dict]:
    """The meat ``M`` for ``spec`` (not ``unadjusted``) from per-observation scores
    (n × p, e.g. ``x_it u_it``); ``k`` is the parameter count in the small-sample factor.
    Returns (M, info) with info as in :func:`sandwich_covariance`."""
    n = scores.shape[0]
    info: dict = {"n_clusters": None}
    if spec.type == "robust":
        meat = scores.T @ scores * _factor(spec.small_sample, n, k, n)
    elif spec.type == "cluster":
        groups = entity if cluster is None else cluster
        sums, g = _group_scores(scores, groups)
        _check_clusters(g, spec, f"cluster variable {cluster_name!r}")
        meat = sums.T @ sums * _factor(spec.small_sample, n, k, g)
        info["n_clusters"] = g
    elif spec.type == "twoway":
        s_e, g_e = _group_scores(scores, entity)
        s_t, g_t = _group_scores(scores, time)
        _check_clusters(g_e, spec, "entities")
        _check_clusters(g_t, spec, "time periods")
        if spec.twoway_df == "each":
            f_e = _factor(spec.small_sample, n, k, g_e)
            f_t = _factor(spec.small_sample, n, k, g_t)
            f_w = _factor(spec.small_sample, n, k, n)
        else:
            f_e = f_t = f_w = _factor(spec.small_sample, n, k, min(g_e, g_t))
        meat = f_e * (s_e.T @ s_e) + f_t * (s_t.T @ s_t) - f_w * (scores.T @ scores)
        info["n_clusters"] = {"entity": g_e, "time": g_t}
    elif spec.type == "driscoll_kraay":
        periods, inverse = np.unique(time, return_inverse=True)
        h = group_sums(scores, inverse, periods.size)
        n_t = periods.size
        lag = bandwidth_for(spec, n_t)
        if lag >= n_t:
            raise EstimationError(f"Driscoll–Kraay bandwidth {lag} must be below the number of periods {n_t}")
        meat = h.T @ h
        for l in range(1, lag + 1):
            gamma = h[l:].T @ h[:-l]
            meat = meat + (1 - l / (lag + 1)) * (gamma + gamma.T)
        meat = meat * _factor(spec.small_sample, n, k, n_t)
        info["n_clusters"] = n_t
        info["bandwidth"] = lag
    else:
        raise ValueError(f"score_meat: covariance type {spec.type!r} has no meat")
    return meat, info


def sandwich_covariance(
    X: np.ndarray,
    resid: np.ndarray,
    spec: CovarianceSpec,
    *,
    df_resid: int,
    entity: np.ndarray,
    time: np.ndarray,
    cluster: np.ndarray | None = None,
    cluster_name: str = "entity",
) -> tuple[np.ndarray, dict]:
    """Covariance of OLS coefficients on transformed data; returns (V, info).

    ``entity``/``time`` are the row labels of X (time must be sortable: periods are
    ordered by value for Driscoll–Kraay lags); ``cluster`` overrides the one-way
    cluster labels. ``info`` has ``n_clusters`` (int, dict or None) and, for
    Driscoll–Kraay, the bandwidth used.
    """
    bread = np.linalg.inv(X.T @ X)
    if spec.type == "unadjusted":
        sigma2 = float(resid @ resid) / df_resid
        return sigma2 * bread, {"n_clusters": None}
    meat, info = score_meat(X * resid[:, None], spec, k=X.shape[1], entity=entity, time=time, cluster=cluster,
                            cluster_name=cluster_name)
    return bread @ meat @ bread, info
