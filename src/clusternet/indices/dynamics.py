"""Distribution dynamics of an index: sigma- and beta-convergence, Markov chains.

sigma-convergence (Barro & Sala-i-Martin 1992): the cross-regional dispersion
per year, reported as the standard deviation (n - 1 denominator) and the
coefficient of variation sd / mean; dispersion falling over time is
sigma-convergence.

beta-convergence, with g_it = f(y_i,t+1) - f(y_it) and f = ln (``transform="log"``,
the default) or the identity (``"level"``):

- absolute: g_it = a + beta f(y_it) + e_it, pooled OLS;
- conditional: g_it = beta f(y_it) + gamma' x_it + u_i + v_t + e_it, two-way
  fixed effects (within estimator, linearmodels ``PanelOLS``).

beta < 0 means convergence; the implied speed is lambda = -ln(1 + beta) per year
and the half-life ln 2 / lambda. Standard errors are clustered by region with
the small-sample factor G/(G-1) (N-1)/(N-K), K counting the absorbed effects
(= Stata ``regress ... i.region i.year, vce(cluster region)``; Stata's
``xtreg, fe vce(cluster)`` does not count the region effects in K and so gives
slightly smaller standard errors).

Markov chains (Quah 1993; Rey 2001 for the spatial version; the conventions of PySAL giddy):
region-years are put in k classes by quantiles of the pooled values (the class
bounds are fixed over the whole panel, so moving up a class is real progress),
and P[a, b] is the share of regions in class a in year t that are in class b in
t + 1. The spatial Markov chain conditions P on the class of the region's
spatial lag (sum_j w_ij y_jt with row-standardised weights) in year t.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError, EstimationError


def sigma_convergence(df: pd.DataFrame, variable: str) -> pd.DataFrame:
    g = df.groupby("year")[variable]
    out = pd.DataFrame({"sd": g.std(ddof=1), "mean": g.mean()})
    out["cv"] = out["sd"] / out["mean"]
    return out.reset_index()


def _transform(y: pd.Series, transform: str, variable: str, df: pd.DataFrame) -> pd.Series:
    if transform == "level":
        return y
    if transform != "log":
        raise ConfigError(f"config/indicators.yaml: disparity.convergence.transform is {transform!r}; "
                          "use 'log' or 'level'")
    if (y <= 0).any():
        i = int(np.argmax((y <= 0).to_numpy()))
        raise DataError(f"{variable} is {y.iloc[i]} at region_code={df['region_code'].iloc[i]} "
                        f"year={df['year'].iloc[i]}: its log is undefined; set "
                        "disparity.convergence.transform: level in config/indicators.yaml")
    return np.log(y)


def growth_frame(df: pd.DataFrame, variable: str, transform: str = "log", controls=()) -> pd.DataFrame:
    """Rows (region_code, year t) with f(y_t), growth f(y_t+1) - f(y_t) and controls at t."""
    d = df.sort_values(["region_code", "year"]).reset_index(drop=True)
    f = _transform(d[variable].astype(float), transform, variable, d)
    nxt = f.groupby(d["region_code"]).shift(-1)
    year_next = d.groupby("region_code")["year"].shift(-1)
    out = pd.DataFrame({"region_code": d["region_code"], "year": d["year"], "initial": f,
                        "growth": nxt - f})
    for c in controls:
        if c not in d.columns:
            raise ConfigError(f"config/indicators.yaml: disparity.convergence.controls: unknown variable {c!r}")
        out[c] = d[c].astype(float)
    out = out[(year_next == d["year"] + 1)]
    return out.dropna().reset_index(drop=True)


@dataclass
class BetaResult:
    kind: str  # absolute | conditional
    names: list
    params: np.ndarray
    std_errors: np.ndarray
    nobs: int
    n_entities: int
    n_periods: int
    df_resid: float
    r2: float

    @property
    def beta(self) -> float:
        return float(self.params[self.names.index("initial")])

    @property
    def speed(self) -> float:
        b = self.beta
        return float(-np.log1p(b)) if b > -1 else float("nan")

    @property
    def half_life(self) -> float:
        s = self.speed
        return float(np.log(2) / s) if s > 0 else float("nan")


def beta_convergence(df: pd.DataFrame, variable: str, kind: str = "absolute", transform: str = "log",
                     controls=()) -> BetaResult:
    from linearmodels.panel import PanelOLS

    g = growth_frame(df, variable, transform, controls if kind == "conditional" else ())
    if g["region_code"].nunique() < 3:
        raise EstimationError(f"beta-convergence of {variable} needs at least 3 regions with consecutive years")
    data = g.set_index(["region_code", "year"])
    exog_names = ["initial"] + (list(controls) if kind == "conditional" else [])
    exog = data[exog_names]
    if kind == "absolute":
        exog = exog.assign(const=1.0)[["const"] + exog_names]
        model = PanelOLS(data["growth"], exog)
    elif kind == "conditional":
        model = PanelOLS(data["growth"], exog, entity_effects=True, time_effects=True)
    else:
        raise ConfigError(f"beta-convergence kind must be 'absolute' or 'conditional', got {kind!r}")
    res = model.fit(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    return BetaResult(kind, list(res.params.index), res.params.to_numpy(), res.std_errors.to_numpy(),
                      int(res.nobs), int(res.entity_info["total"]), int(res.time_info["total"]),
                      float(res.df_resid), float(res.rsquared))


def quantile_classes(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Class ids 0..k-1 by pooled quantiles (upper bounds inclusive, as mapclassify/giddy) and the bounds."""
    values = np.asarray(values, dtype=float)
    bounds = np.quantile(values, np.linspace(0, 1, k + 1)[1:])
    return np.searchsorted(bounds, values, side="left").clip(0, k - 1), bounds


def wide(df: pd.DataFrame, variable: str) -> pd.DataFrame:
    """region_code x year matrix; the panel must be balanced."""
    w = df.pivot(index="region_code", columns="year", values=variable).sort_index()
    if w.isna().any().any():
        raise DataError(f"{variable}: the panel is not balanced or has missing values; Markov chains need every "
                        "region in every year")
    return w


def _probabilities(counts: np.ndarray) -> np.ndarray:
    """Row-normalised counts; a class never left from (empty row) gets probabilities 0."""
    rows = counts.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rows > 0, counts / np.where(rows > 0, rows, 1.0), 0.0)


def _transition_counts(classes: np.ndarray, k: int, condition: np.ndarray | None = None, m: int = 1) -> np.ndarray:
    """counts[c, a, b] = number of (region, t) with class a at t, b at t + 1 and condition class c at t."""
    a = classes[:, :-1].ravel()
    b = classes[:, 1:].ravel()
    c = np.zeros_like(a) if condition is None else condition[:, :-1].ravel()
    counts = np.zeros(m * k * k)
    np.add.at(counts, (c * k + a) * k + b, 1.0)
    return counts.reshape(m, k, k)


def markov_matrix(df: pd.DataFrame, variable: str, k: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(transition counts, transition probabilities, class upper bounds) of pooled-quantile classes.

    Same conventions as ``giddy.markov.Markov`` on ``mapclassify.Quantiles`` classes of the
    pooled values (checked in the tests); computed directly because importing giddy costs
    ~20 s of numba compilation."""
    y = wide(df, variable).to_numpy()
    classes, bounds = quantile_classes(y.ravel(), k)
    counts = _transition_counts(classes.reshape(y.shape), k)[0]
    return counts, _probabilities(counts), bounds


def spatial_markov(df: pd.DataFrame, variable: str, W: np.ndarray, k: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Counts and probabilities (k lag classes x k x k) of the spatial Markov chain.

    ``W`` is a dense n x n weight matrix in ``region_code`` order; it is
    row-standardised here. The lag classes are pooled quantiles of the spatial
    lag over all region-years, as ``giddy.markov.Spatial_Markov(fixed=True)``."""
    y = wide(df, variable).to_numpy()
    W = np.asarray(W, dtype=float)
    if W.shape != (y.shape[0], y.shape[0]):
        raise DataError(f"spatial weights are {W.shape}, but there are {y.shape[0]} regions")
    rs = W.sum(1)
    if (rs <= 0).any():
        raise DataError(f"{int((rs <= 0).sum())} region(s) have no neighbours in the spatial weights "
                        "(islands); the spatial lag is undefined for them — use kNN weights")
    lag = (W / rs[:, None]) @ y
    classes, _ = quantile_classes(y.ravel(), k)
    lag_classes, _ = quantile_classes(lag.ravel(), k)
    counts = _transition_counts(classes.reshape(y.shape), k, lag_classes.reshape(y.shape), k)
    return counts, _probabilities(counts)


def class_transitions(classes: np.ndarray, k: int, valid: np.ndarray | None = None,
                      condition: np.ndarray | None = None, m: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Counts and probabilities (m x k x k) of given class sequences (regions x periods, ids 0..k-1).

    For categorical states (e.g. development modes) instead of pooled quantile classes.
    ``valid[i, t]`` (regions x periods) marks the pairs (t, t+1) to count (default: all);
    ``condition`` (ids 0..m-1 at t) gives the spatial-Markov conditioning class."""
    classes = np.asarray(classes, dtype=int)
    c = np.zeros_like(classes) if condition is None else np.asarray(condition, dtype=int).copy()
    if valid is not None:
        # invalid pairs go to an extra conditioning slice that is dropped
        c = np.where(np.asarray(valid, dtype=bool), c, m)
    counts = _transition_counts(classes, k, c, m + 1)[:m]
    return counts, _probabilities(counts)
