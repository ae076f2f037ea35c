"""Static linear panel estimators: pooled OLS, one-/two-way fixed effects (within),
random effects (Swamy–Arora) and first differences, with the covariances of
``clusternet.models.covariance``; Hausman and Mundlak tests.

Model i = 1..N entities, t = 1..T periods: ``y_it = x_it'β + α_i + λ_t + ε_it``.

- ``pooled``: OLS of y on [1, x].
- ``fe`` (entity), ``fe_time`` (time), ``twfe`` (both): OLS on within-transformed data.
  One-way: ``ỹ_it = y_it − ȳ_i``. Two-way: entity demeaning, then the residual from
  projecting on entity-demeaned period dummies — exact for unbalanced panels too (equals
  ``y_it − ȳ_i − ȳ_t + ȳ`` when balanced). ``df_resid = n − N − (T−1) − k`` (two-way),
  as plm.
- ``re``: Swamy & Arora (1972) as plm's ``random.method = "swar"``:
  ``σ²_ε = RSS_within/(n − N − K)``; between regression of ȳ_i on z̄_i = [1, x̄_i] weighted by
  T_i with residuals ê_i → ``σ²_α = (Σ_i T_i ê²_i − (N − K − 1) σ²_ε) / (n − tr[(Σ T_i z̄_i z̄_i')^{-1}
  Σ T_i² z̄_i z̄_i'])`` (= ``/(T (N − K − 1))`` when balanced; plm's unbalanced formula);
  ``θ_i = 1 − sqrt(σ²_ε / (T_i σ²_α + σ²_ε))``; OLS of ``y − θ_i ȳ_i`` on ``[1−θ_i, x − θ_i x̄_i]``.
  A negative σ²_α is set to 0 (pooled OLS) and reported.
- ``fd``: OLS of Δy on [1, Δx] (plm keeps the intercept, i.e. a linear trend in levels;
  ``options.intercept: false`` drops it). Needs consecutive periods within each entity.

Fit statistics: ``r2`` is plm's ``r.squared`` (1 − RSS/TSS of the transformed model,
TSS centred when there is an intercept); ``adj_r2`` as plm; ``r2_within``,
``r2_between``, ``r2_overall`` as Stata's ``xtreg`` (squared correlations of x'β̂ with y
after entity demeaning, between entity means, and overall). ``f_stat`` is the Wald test
that all slopes are zero with the model's covariance, divided by q, against F(q, df2) with
df2 = df_resid, or G − 1 for clustered covariances (plm ``pwaldtest`` with df2adj).

References: Baltagi (2021) Econometric Analysis of Panel Data, ch. 2–4; Wooldridge (2010)
ch. 10; Croissant & Millo (2008) J. Stat. Softw. 27(2).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from clusternet.errors import ConfigError, EstimationError
from clusternet.models.covariance import CovarianceSpec, sandwich_covariance
from clusternet.models import panel as panel_kernel
from clusternet.models.inference import chi2_test, wald_statistic
from clusternet.models.panel import COLLINEARITY_TOL, INTERCEPT, check_rank
from clusternet.models.specs import as_spec, checked_options
from clusternet.data.analysis import prepare_frame
from clusternet.results import coefficient_table, make_result

MODELS: dict[str, dict[str, bool | str]] = {
    "pooled": {"entity": False, "time": False},
    "fe": {"entity": True, "time": False},
    "fe_time": {"entity": False, "time": True},
    "twfe": {"entity": True, "time": True},
    "re": {"entity": "random", "time": False},
    "fd": {"entity": "differenced", "time": False},
}
# the shared kernel (models/panel.py); the private aliases keep this module's call sites
_demean = panel_kernel.demean
_group_means = panel_kernel.group_means
_ols = panel_kernel.ols


@dataclass
class PanelData:
    """Arrays of one estimation sample, sorted by entity then time."""

    y: np.ndarray
    X: np.ndarray
    names: list[str]
    entity: np.ndarray  # labels
    time: np.ndarray  # labels (sortable)
    entity_codes: np.ndarray
    time_codes: np.ndarray
    n_entities: int
    n_periods: int
    cluster: np.ndarray | None = None
    n_dropped_missing: int = 0

    @property
    def nobs(self) -> int:
        return self.y.shape[0]

    @property
    def balanced(self) -> bool:
        return self.nobs == self.n_entities * self.n_periods

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        *,
        y: str,
        x: list[str],
        entity: str,
        time: str,
        cluster_by: str | None = None,
        missing: str = "error",
        source: str = "data",
    ) -> PanelData:
        if not x:
            raise ConfigError(f"{source}: no regressors given (x is empty)")
        if y in x:
            raise ConfigError(f"{source}: dependent variable {y!r} is also listed as a regressor")
        dups = sorted({v for v in x if x.count(v) > 1})
        if dups:
            raise ConfigError(f"{source}: regressor(s) {dups} listed more than once")
        extra = (cluster_by,) if cluster_by and cluster_by not in (entity, time) else ()
        frame, dropped = prepare_frame(
            data, entity=entity, time=time, columns=[y, *x], missing=missing, source=source, extra_columns=extra
        )
        ent_labels, ent_codes = np.unique(frame[entity].to_numpy(), return_inverse=True)
        time_labels, time_codes = np.unique(frame[time].to_numpy(), return_inverse=True)
        cluster = frame[cluster_by].to_numpy() if cluster_by else None
        return cls(
            y=frame[y].to_numpy(dtype=float),
            X=frame[x].to_numpy(dtype=float),
            names=list(x),
            entity=frame[entity].to_numpy(),
            time=frame[time].to_numpy(),
            entity_codes=ent_codes,
            time_codes=time_codes,
            n_entities=ent_labels.size,
            n_periods=time_labels.size,
            cluster=cluster,
            n_dropped_missing=dropped,
        )


@dataclass
class LinearPanelResult:
    """Estimates of one linear panel model; ``to_document`` gives the result document."""

    model: str
    dependent: str
    names: list[str]
    params: np.ndarray
    vcov: np.ndarray
    cov: CovarianceSpec
    cov_info: dict
    nobs: int
    n_entities: int
    n_periods: int
    df_resid: int
    fit: dict
    tests: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    @property
    def inference_df(self) -> int:
        """Degrees of freedom of t tests: df_resid, or G − 1 with clustered covariances
        (Stata's convention for cluster-robust t tests; plm uses df_resid throughout —
        set ``options.t_df: residual`` to reproduce it)."""
        return self.extra.get("t_df", self.df_resid)

    def coefficient(self, name: str) -> float:
        return float(self.params[self.names.index(name)])

    def to_document(self, spec: dict, ci_level: float = 0.95) -> dict:
        cov_doc = self.cov.document(self.cov_info)
        return make_result(
            model=f"panel.{self.model}",
            label=str(spec.get("label", spec.get("name", ""))),
            dependent=self.dependent,
            coefficients=coefficient_table(
                self.names, self.params, self.std_errors, df_resid=self.inference_df, ci_level=ci_level
            ),
            covariance=cov_doc,
            vcov={"names": list(self.names), "matrix": self.vcov},
            nobs=self.nobs,
            n_entities=self.n_entities,
            n_periods=self.n_periods,
            effects=dict(MODELS[self.model]),
            fit=self.fit,
            tests=self.tests,
            extra=self.extra,
            spec=spec,
            provenance={"code_version": "", "inputs": {}},
            ci_level=ci_level,
        )


def within_transform(pd_: PanelData, model: str, values: np.ndarray) -> np.ndarray:
    if model == "fe":
        return _demean(values, pd_.entity_codes, pd_.n_entities)
    if model == "fe_time":
        return _demean(values, pd_.time_codes, pd_.n_periods)
    # twfe: entity-demean, then partial out entity-demeaned period dummies (exact when unbalanced)
    return panel_kernel.two_way_demean(values, pd_.entity_codes, pd_.n_entities, pd_.time_codes, pd_.n_periods,
                                       pd_.balanced)


def _show(value) -> str:
    """A data label for messages (numpy scalars shown as plain Python values)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def swamy_arora(pd_: PanelData) -> dict:
    """Variance components and θ_i of the one-way individual RE model (plm "swar")."""
    n, K = pd_.nobs, pd_.X.shape[1]
    N = pd_.n_entities
    yw = within_transform(pd_, "fe", pd_.y[:, None])[:, 0]
    Xw = within_transform(pd_, "fe", pd_.X)
    _, uw = _ols(Xw, yw)
    df_w = n - N - K
    if df_w <= 0:
        raise EstimationError(f"random effects need n − N − K > 0 (n={n}, N={N}, K={K})")
    s2_e = float(uw @ uw) / df_w
    ybar = _group_means(pd_.y[:, None], pd_.entity_codes, N)[:, 0]
    zbar = np.column_stack([np.ones(N), _group_means(pd_.X, pd_.entity_codes, N)])
    df_b = N - K - 1
    if df_b <= 0:
        raise EstimationError(f"random effects need more entities than regressors + 1 (N={N}, K={K})")
    # Between regression on entity means weighted by T_i (plm's "Between" model).
    t_i = np.bincount(pd_.entity_codes, minlength=N).astype(float)
    w = np.sqrt(t_i)
    _, eb_w = _ols(zbar * w[:, None], ybar * w)
    quad = float(eb_w @ eb_w)
    m_ze = np.linalg.solve((zbar * t_i[:, None]).T @ zbar, (zbar * (t_i**2)[:, None]).T @ zbar)
    s2_a = (quad - df_b * s2_e) / (n - np.trace(m_ze))
    note = ""
    if s2_a < 0:
        note = "estimated entity variance negative; set to 0 (random effects reduce to pooled OLS)"
        s2_a = 0.0
    theta = 1 - np.sqrt(s2_e / (t_i * s2_a + s2_e))
    return {"sigma2_idiosyncratic": s2_e, "sigma2_entity": s2_a, "theta": theta, "note": note}


@dataclass
class _Transformed:
    y: np.ndarray
    X: np.ndarray
    raw: np.ndarray
    names: list[str]
    entity: np.ndarray
    time: np.ndarray
    cluster: np.ndarray | None
    df_resid: int
    intercept: bool
    extra: dict


def transform(pd_: PanelData, model: str, *, intercept: bool = True) -> _Transformed:
    n, k = pd_.X.shape
    names = list(pd_.names)
    extra: dict = {}
    if model == "pooled":
        X = np.column_stack([np.ones(n), pd_.X])
        return _Transformed(pd_.y, X, X, [INTERCEPT, *names], pd_.entity, pd_.time, pd_.cluster, n - k - 1, True, extra)
    if model in ("fe", "fe_time", "twfe"):
        yX = within_transform(pd_, model, np.column_stack([pd_.y, pd_.X]))
        absorbed = {"fe": pd_.n_entities, "fe_time": pd_.n_periods, "twfe": pd_.n_entities + pd_.n_periods - 1}[model]
        return _Transformed(yX[:, 0], yX[:, 1:], pd_.X, names, pd_.entity, pd_.time, pd_.cluster, n - absorbed - k,
                            False, extra)
    if model == "re":
        comp = swamy_arora(pd_)
        th = comp["theta"][pd_.entity_codes]
        ybar = _group_means(pd_.y[:, None], pd_.entity_codes, pd_.n_entities)[pd_.entity_codes, 0]
        xbar = _group_means(pd_.X, pd_.entity_codes, pd_.n_entities)[pd_.entity_codes]
        X = np.column_stack([1 - th, pd_.X - th[:, None] * xbar])
        y = pd_.y - th * ybar
        theta = comp["theta"]
        extra["variance_components"] = {
            "method": "swamy_arora",
            "sigma2_idiosyncratic": comp["sigma2_idiosyncratic"],
            "sigma2_entity": comp["sigma2_entity"],
            "theta": float(theta[0]) if np.allclose(theta, theta[0]) else
            {"min": float(theta.min()), "median": float(np.median(theta)), "max": float(theta.max())},
        }
        if comp["note"]:
            extra["variance_components"]["note"] = comp["note"]
        raw = np.column_stack([np.ones(n), pd_.X])
        return _Transformed(y, X, raw, [INTERCEPT, *names], pd_.entity, pd_.time, pd_.cluster, n - k - 1, True, extra)
    if model == "fd":
        same = pd_.entity_codes[1:] == pd_.entity_codes[:-1]
        gap = same & (pd_.time_codes[1:] != pd_.time_codes[:-1] + 1)
        if gap.any():
            j = int(np.flatnonzero(gap)[0]) + 1
            raise EstimationError(
                f"first differences need consecutive periods within each entity; entity {_show(pd_.entity[j])} "
                f"jumps from {_show(pd_.time[j - 1])} to {_show(pd_.time[j])}. Fill the gap or use 'fe'"
            )
        keep = np.flatnonzero(same) + 1
        dy = pd_.y[keep] - pd_.y[keep - 1]
        dX = pd_.X[keep] - pd_.X[keep - 1]
        cl = pd_.cluster[keep] if pd_.cluster is not None else None
        m = keep.size
        if intercept:
            dX = np.column_stack([np.ones(m), dX])
            names = [INTERCEPT, *names]
        return _Transformed(dy, dX, dX, names, pd_.entity[keep], pd_.time[keep], cl, m - dX.shape[1], intercept, extra)
    raise ConfigError(f"unknown linear panel model {model!r}; use one of {sorted(MODELS)}")


def build_panel_data(
    data: pd.DataFrame, *, y: str, x: list[str], entity: str, time: str, cov: CovarianceSpec,
    missing: str = "error", source: str = "data",
) -> PanelData:
    """PanelData with the cluster labels ``cov`` needs (a column other than entity/time)."""
    cluster_by = cov.cluster_by if cov.type == "cluster" else None
    panel = PanelData.from_frame(
        data, y=y, x=list(x), entity=entity, time=time,
        cluster_by=cluster_by if cluster_by not in (None, entity) else None, missing=missing, source=source,
    )
    if cluster_by == time:
        panel.cluster = panel.time
    return panel


def _wald(params: np.ndarray, vcov: np.ndarray, idx: list[int]) -> float:
    """``b' V^{-1} b`` over ``idx``; NaN (null in documents) when V is singular there, e.g.
    more tested coefficients than clusters."""
    return wald_statistic(params[idx], vcov[np.ix_(idx, idx)], singular_is_nan=True)


def fit_linear(
    data: pd.DataFrame | PanelData,
    *,
    y: str,
    x: list[str],
    model: str = "twfe",
    entity: str = "region_code",
    time: str = "year",
    cov: CovarianceSpec | dict | str | None = None,
    missing: str = "error",
    intercept: bool = True,
    t_df: str = "cluster",
    source: str = "data",
) -> LinearPanelResult:
    """Fit one linear panel model (see module docstring for the estimators).

    ``t_df``: degrees of freedom of coefficient t tests and CIs — ``"cluster"`` (G − 1
    under clustered covariances, Stata's convention; df_resid otherwise) or
    ``"residual"`` (df_resid always, as plm's ``coeftest``).
    """
    if model not in MODELS:
        raise ConfigError(f"unknown linear panel model {model!r}; use one of {sorted(MODELS)}")
    if t_df not in ("cluster", "residual"):
        raise ConfigError(f"options.t_df: {t_df!r} must be 'cluster' or 'residual'")
    cov = cov if isinstance(cov, CovarianceSpec) else CovarianceSpec.from_dict(cov)
    cluster_by = cov.cluster_by if cov.type == "cluster" else None
    if isinstance(data, PanelData):
        pd_ = data
    else:
        pd_ = build_panel_data(data, y=y, x=list(x), entity=entity, time=time, cov=cov, missing=missing, source=source)
    tr = transform(pd_, model, intercept=intercept)
    if tr.df_resid <= 0:
        raise EstimationError(
            f"{model}: no residual degrees of freedom (n={tr.y.size}, parameters incl. absorbed effects exceed it)"
        )
    check_rank(tr.X, tr.raw, tr.names, model)
    if np.ptp(tr.y) <= COLLINEARITY_TOL * max(1.0, float(np.max(np.abs(pd_.y)))):
        raise EstimationError(
            f"the dependent variable {y!r} has no variation after the {model} transformation (e.g. it is "
            "time-invariant and the model has entity effects); nothing to explain"
        )
    params, resid = _ols(tr.X, tr.y)
    vcov, info = sandwich_covariance(
        tr.X, resid, cov, df_resid=tr.df_resid, entity=tr.entity, time=tr.time, cluster=tr.cluster,
        cluster_name=cluster_by or entity,
    )
    rss = float(resid @ resid)
    ty = tr.y - tr.y.mean() if tr.intercept else tr.y
    tss = float(ty @ ty)
    n = tr.y.size
    k = tr.X.shape[1]
    r2 = 1 - rss / tss if tss > 0 else float("nan")
    # plm counts one df for the mean in TSS also for within models (the effects absorb it)
    adj_r2 = 1 - (1 - r2) * (n - int(tr.intercept or model in ("fe", "fe_time", "twfe"))) / tr.df_resid
    slope_idx = [i for i, nm in enumerate(tr.names) if nm != INTERCEPT]
    wald = _wald(params, vcov, slope_idx)
    q = len(slope_idx)
    g: Any = info.get("n_clusters")
    df2 = (g - 1) if cov.type == "cluster" else (min(g.values()) - 1 if cov.type == "twoway" else tr.df_resid)
    f_stat = wald / q
    fit = {
        "r2": r2,
        "adj_r2": adj_r2,
        "rss": rss,
        "tss": tss,
        "sigma2": rss / tr.df_resid,
        "df_resid": tr.df_resid,
        "df_model": k,
        "f_stat": f_stat,
        "f_df1": q,
        "f_df2": df2,
        "f_pvalue": float(stats.f.sf(f_stat, q, df2)),
        "wald_chi2": wald,
        "wald_pvalue": float(stats.chi2.sf(wald, q)),
        **_stata_r2(pd_, params, tr.names),
    }
    extra = dict(tr.extra)
    if pd_.n_dropped_missing:
        extra["n_dropped_missing"] = pd_.n_dropped_missing
    if model == "fd":
        extra["differenced_nobs"] = n
    if t_df == "cluster" and cov.type in ("cluster", "twoway"):
        extra["t_df"] = df2
    return LinearPanelResult(
        model=model, dependent=y, names=tr.names, params=params, vcov=vcov, cov=cov, cov_info=info,
        nobs=pd_.nobs, n_entities=pd_.n_entities, n_periods=pd_.n_periods, df_resid=tr.df_resid,
        fit=fit, extra=extra,
    )


def _corr2(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1] ** 2)


def _stata_r2(pd_: PanelData, params: np.ndarray, names: list[str]) -> dict:
    slopes = np.array([params[names.index(v)] for v in pd_.names])
    xb = pd_.X @ slopes
    N = pd_.n_entities
    ent = pd_.entity_codes
    return {
        "r2_within": _corr2(_demean(xb[:, None], ent, N)[:, 0], _demean(pd_.y[:, None], ent, N)[:, 0]),
        "r2_between": _corr2(_group_means(xb[:, None], ent, N)[:, 0], _group_means(pd_.y[:, None], ent, N)[:, 0]),
        "r2_overall": _corr2(xb, pd_.y),
    }


# ---------------------------------------------------------------------------
# Specification tests: FE versus RE.


def hausman_classic(panel: PanelData) -> dict:
    """Hausman (1978): ``H = (b_FE − b_RE)' [V_FE − V_RE]^{-1} (b_FE − b_RE)`` ~ χ²(K), with the
    conventional (non-robust) covariances of both fits (plm ``phtest``, Stata ``hausman fe re``).
    The difference of covariances need not be positive definite in finite samples; a negative
    statistic is reported as computed (as plm does) and flagged in the note."""
    fe = fit_linear(panel, y="", x=[], model="fe", cov="unadjusted")
    re = fit_linear(panel, y="", x=[], model="re", cov="unadjusted")
    idx = [re.names.index(n) for n in fe.names]
    d = fe.params - re.params[idx]
    dv = fe.vcov - re.vcov[np.ix_(idx, idx)]
    h = wald_statistic(d, dv)
    note = "classic: H0 RE consistent and efficient; non-robust covariances (plm phtest)"
    if h < 0:
        note += "; negative statistic: V_FE − V_RE not positive definite, use the robust form"
    return chi2_test("hausman", h, len(idx), note)


def hausman_auxiliary(panel: PanelData, cov: CovarianceSpec) -> dict:
    """Regression-based Hausman test (Wooldridge 2010, eq. 10.88; plm ``phtest(method = "aux")``):
    pooled OLS of the RE quasi-demeaned y on [1, quasi-demeaned x, within-demeaned x]; Wald
    test that the coefficients on the within-demeaned x are zero using ``cov`` (robust to
    heteroskedasticity and serial correlation when ``cov`` is clustered by entity)."""
    re = transform(panel, "re")
    fe = transform(panel, "fe")
    X = np.column_stack([np.ones(panel.nobs), re.X[:, 1:], fe.X])
    params, resid = _ols(X, re.y)
    vcov, _ = sandwich_covariance(
        X, resid, cov, df_resid=panel.nobs - X.shape[1], entity=panel.entity, time=panel.time, cluster=panel.cluster
    )
    k = fe.X.shape[1]
    idx = list(range(X.shape[1] - k, X.shape[1]))
    return chi2_test("hausman_auxiliary", _wald(params, vcov, idx), k,
                 f"Wooldridge (2010) eq. 10.88 with {cov.type} covariance")


def mundlak(panel: PanelData, cov: CovarianceSpec) -> dict:
    """Mundlak (1978) / Chamberlain: pooled OLS of y on [1, x, x̄_i] (x̄_i entity means); Wald
    test that the coefficients on x̄_i are zero with ``cov``. Rejection means the regressors
    are correlated with the entity effects (RE inconsistent)."""
    xbar = _group_means(panel.X, panel.entity_codes, panel.n_entities)[panel.entity_codes]
    X = np.column_stack([np.ones(panel.nobs), panel.X, xbar])
    check_rank(X, X, [INTERCEPT, *panel.names, *[f"mean_{v}" for v in panel.names]], "pooled")
    params, resid = _ols(X, panel.y)
    vcov, _ = sandwich_covariance(
        X, resid, cov, df_resid=panel.nobs - X.shape[1], entity=panel.entity, time=panel.time, cluster=panel.cluster
    )
    k = panel.X.shape[1]
    idx = list(range(1 + k, 1 + 2 * k))
    return chi2_test("mundlak", _wald(params, vcov, idx), k, f"Wald test on entity means, {cov.type} covariance")


def hausman_tests(panel: PanelData, cov: CovarianceSpec) -> list[dict]:
    return [hausman_classic(panel), hausman_auxiliary(panel, cov), mundlak(panel, cov)]


# ---------------------------------------------------------------------------
# Estimator-table adapter: spec dict -> result document body (see clusternet/estimators.py).

OPTION_KEYS = {"missing", "intercept", "t_df", "hausman"}
# `effects` a specification may state for each linear model (the model name decides them).
IMPLIED_EFFECTS = {"pooled": set(), "fe": {"entity"}, "fe_time": {"time"}, "twfe": {"entity", "time"},
                   "re": {"entity"}, "fd": {"entity"}}


def spec_regressors(spec: Mapping) -> list[str]:
    """``x`` followed by ``controls`` (a specification's full regressor list)."""
    return as_spec(spec).regressors


def fit_linear_spec(data: pd.DataFrame, spec: Mapping) -> dict:
    """Fit a linear panel specification and return its result document."""
    s = as_spec(spec)
    model = s.model
    opts = checked_options(s.options, OPTION_KEYS, spec=dict(spec, name=s.raw.get("name", "?")))
    name = s.name
    if s.effects is not None and set(s.effects) != IMPLIED_EFFECTS[model]:
        raise ConfigError(
            f"specification {name!r}: effects {sorted(s.effects)} contradict model {model!r}, which "
            f"implies {sorted(IMPLIED_EFFECTS[model])}; drop `effects` or choose the model "
            "(pooled, fe, fe_time, twfe) that has the effects you want"
        )
    cov = CovarianceSpec.from_dict(s.cov, source=f"specification {name!r}: cov")
    panel = build_panel_data(
        data, y=s.y, x=s.regressors, entity=s.entity, time=s.time, cov=cov,
        missing=opts.get("missing", "error"), source=f"specification {name!r}",
    )
    result = fit_linear(
        panel, y=s.y, x=panel.names, model=model, cov=cov,
        intercept=bool(opts.get("intercept", True)), t_df=opts.get("t_df", "cluster"),
    )
    if model == "re" and opts.get("hausman", True):
        result.tests.extend(hausman_tests(panel, cov))
    return result.to_document(s.raw, ci_level=s.ci_level)
