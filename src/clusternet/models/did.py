"""Staggered difference-in-differences: TWFE event study and Callaway & Sant'Anna.

Treatment is absorbing: entity i is treated from its adoption year G_i on
(``options.adoption_years``: {region_code: first treated year}; entities not
listed are never treated).

``did_twfe`` (model ``did.twfe``)
    Static:  y_it = alpha_i + lambda_t + beta D_it + e_it,  D_it = 1[t >= G_i]
             (coefficient ``att``).
    Event study: y_it = alpha_i + lambda_t + sum_{k != -1} beta_k 1[t - G_i = k] + e_it,
             relative times binned at ``-leads`` and ``+lags`` (coefficients
             ``event[k]``); entity-clustered covariance (see ``mechanisms.fit_fe``).
    With staggered adoption and effects that change over time these weights can
    be negative (Goodman-Bacon 2021; Sun & Abraham 2021); use ``did_cs``.

``did_cs`` (model ``did.cs``), Callaway & Sant'Anna (2021), no covariates
    ATT(g,t) = E[Y_t - Y_b | G=g] - E[Y_t - Y_b | C],  base b = g-1 for t >= g;
    for t < g b = t-1 ("varying", the R ``did`` default) or g-1 ("universal").
    Controls C: never treated (``control: never``) or not yet treated by
    max(t, b) (``control: notyet``), excluding cohort g itself.
    Influence function per entity (n entities in total):
        IF_i = (n/n_g) 1[G_i=g] (dY_i - mean_g dY) - (n/n_C) 1[i in C] (dY_i - mean_C dY),
    SE = sqrt(sum_i IF_i^2) / n (equal to the HC0 standard error of the 2x2 DiD
    regression).  Aggregations as in R ``did::aggte``: ``att`` (simple: post cells
    weighted by cohort share p_g), ``event[e]`` (dynamic, cells with t-g=e
    weighted by p_g) and ``att_dynamic`` (average of event[e], e >= 0); their
    influence functions include the estimation of the weights (``wif``).
    Inference is analytic (normal); R ``did`` uses a multiplier bootstrap by default.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.models.mechanisms import (
    as_list, common_args, effects_document, fit_fe, prepare_sample, single_outcome_name, spec_ci_level, spec_cov,
    spec_name, spec_options, wald_zero,
)
from clusternet.results import coefficient_table, make_result

TWFE_OPTIONS = {"adoption_years": None, "leads": 4, "lags": 5, "source": None, "missing": "error"}
CS_OPTIONS = {"adoption_years": None, "control": "notyet", "base_period": "varying", "source": None}


def event_name(k: int) -> str:
    return f"event[{k}]"


def adoption_series(frame: pd.DataFrame, spec: dict, opts: dict) -> pd.Series:
    """First treated year per row (NaN = never treated), from options.adoption_years."""
    years = opts["adoption_years"]
    if not years:
        raise ConfigError(f"specification {spec_name(spec)!r}: options.adoption_years is required "
                          "({region_code: first treated year})")
    entity = common_args(spec)["entity"]
    try:
        mapping = {int(k): int(v) for k, v in years.items()}
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"specification {spec_name(spec)!r}: options.adoption_years must map entity codes "
                          f"to integer years: {exc}") from exc
    unknown = sorted(set(mapping) - set(frame[entity].astype(int)))
    if unknown:
        raise DataError(f"specification {spec_name(spec)!r}: options.adoption_years names entities {unknown} "
                        f"that are not in the data (column {entity!r})")
    return frame[entity].astype(int).map(mapping).astype(float)


# ---------------------------------------------------------------- TWFE
def fit_did_twfe(data: pd.DataFrame, spec: dict) -> dict:
    opts = spec_options(spec, TWFE_OPTIONS)
    y = single_outcome_name(spec)
    controls = as_list(spec.get("controls"))
    common = common_args(spec)
    frame, dropped = prepare_sample(data, spec, [y, *controls], opts["missing"])
    g = adoption_series(frame, spec, opts)
    t = frame[common["time"]].astype(int)
    treated = g.notna()
    frame["att"] = ((t >= g) & treated).astype(float)
    if frame["att"].std() == 0:
        raise EstimationError(f"specification {spec_name(spec)!r}: no variation in treatment over the sample")
    cov = spec_cov(spec)
    static = fit_fe(frame, y, ["att", *controls], cov=cov, **common)

    leads, lags = int(opts["leads"]), int(opts["lags"])
    rel = (t - g).clip(lower=-leads, upper=lags)
    event_terms, pre = [], []
    for k in range(-leads, lags + 1):
        if k == -1:
            continue  # reference period
        col = event_name(k)
        frame[col] = (treated & (rel == k)).astype(float)
        if frame[col].any():
            event_terms.append(col)
            if k < -1:
                pre.append(col)
    dyn = fit_fe(frame, y, [*event_terms, *controls], cov=cov, **common)
    level = spec_ci_level(spec)
    rows = coefficient_table(["att"], [static.params["att"]], [static.se("att")], df_resid=static.df_resid,
                             ci_level=level)
    rows += coefficient_table(event_terms, dyn.params[event_terms], [dyn.se(c) for c in event_terms],
                              df_resid=dyn.df_resid, ci_level=level)
    tests = []
    if pre:
        w, q = wald_zero(dyn.params, dyn.vcov, pre)
        tests.append({"name": "pretrends_joint_zero", "statistic": w / q, "df": [q, dyn.df_resid],
                      "p_value": float(stats.f.sf(w / q, q, dyn.df_resid)),
                      "note": f"H0: {', '.join(pre)} all zero; Wald/q against F"})
    extra = {"did": {
        "estimator": "twfe", "n_dropped_missing": dropped, "reference_period": -1, "leads": leads,
        "lags": lags, "binned_endpoints": True,
        "cohorts": _cohort_sizes(frame, g, common["entity"]), "source": opts["source"],
        "warning": "TWFE weights can be negative under staggered adoption with dynamic effects; "
                   "compare with did_cs",
    }}
    return make_result(
        model="did.twfe", dependent=y, coefficients=rows, covariance=dyn.covariance, nobs=dyn.nobs,
        n_entities=dyn.n_entities, n_periods=dyn.n_periods, effects=effects_document(spec), fit=static.fit,
        tests=tests, extra=extra,
        vcov={"names": event_terms, "matrix": dyn.vcov.loc[event_terms, event_terms].to_numpy()}, spec=spec,
        provenance={}, ci_level=level, label=spec.get("label", spec_name(spec)),
    )


def _cohort_sizes(frame: pd.DataFrame, g: pd.Series, entity: str) -> dict:
    per_entity = pd.Series(g.to_numpy(), index=frame[entity]).groupby(level=0).first()
    counts = per_entity.fillna(0).astype(int).value_counts().sort_index()
    return {("never" if k == 0 else str(k)): int(v) for k, v in counts.items()}


# ---------------------------------------------------------------- Callaway & Sant'Anna
class CallawaySantAnna:
    """ATT(g,t) with influence functions on a balanced panel (wide form)."""

    def __init__(self, wide: pd.DataFrame, cohort: pd.Series, *, control: str, base_period: str):
        if control not in ("never", "notyet"):
            raise ConfigError(f"options.control must be never or notyet, got {control!r}")
        if base_period not in ("varying", "universal"):
            raise ConfigError(f"options.base_period must be varying or universal, got {base_period!r}")
        self.Y = wide.to_numpy(dtype=float)  # n entities x T periods
        self.periods = [int(p) for p in wide.columns]
        self.G = cohort.reindex(wide.index).to_numpy(dtype=float)  # NaN never treated
        self.n = self.Y.shape[0]
        self.control = control
        self.base_period = base_period
        first = self.periods[0]
        cohorts = sorted({int(v) for v in self.G[~np.isnan(self.G)]})
        # cohorts treated in the first period have no pre-period: R did drops them too
        self.dropped_cohorts = [c for c in cohorts if c <= first]
        self.cohorts = [c for c in cohorts if c > first]
        if not self.cohorts:
            raise EstimationError("no treated cohort has a pre-treatment period in the sample")
        self.Gf = np.where(np.isnan(self.G), np.inf, self.G)
        self.pg = {g: float(np.mean(self.Gf == g)) for g in self.cohorts}
        self.cells: list[tuple[int, int]] = []
        self.att: list[float] = []
        self.inf: list[np.ndarray] = []
        self._estimate()

    def _col(self, year: int) -> int:
        return self.periods.index(year)

    def _estimate(self) -> None:
        for g in self.cohorts:
            for t in self.periods:
                if t >= g:
                    b = g - 1
                elif self.base_period == "varying":
                    b = t - 1
                else:
                    b = g - 1
                    if t == b:
                        continue  # the universal base period itself (ATT = 0 by construction)
                if b not in self.periods:
                    continue
                treat = self.Gf == g
                if self.control == "never":
                    ctrl = np.isinf(self.Gf)
                else:
                    ctrl = (self.Gf > max(t, b)) & ~treat
                if not ctrl.any():
                    continue  # no comparison units left (e.g. the last cohort under notyet)
                dy = self.Y[:, self._col(t)] - self.Y[:, self._col(b)]
                mg, mc = dy[treat].mean(), dy[ctrl].mean()
                inf = np.zeros(self.n)
                inf[treat] = (self.n / treat.sum()) * (dy[treat] - mg)
                inf[ctrl] = -(self.n / ctrl.sum()) * (dy[ctrl] - mc)
                self.cells.append((g, t))
                self.att.append(mg - mc)
                self.inf.append(inf)

    def se(self, inf: np.ndarray) -> float:
        return float(np.sqrt(np.sum(inf**2)) / self.n)

    def aggregate(self, keep: list[int]) -> tuple[float, np.ndarray]:
        """Cohort-share weighted average of the cells ``keep`` and its influence
        function, including the estimated-weight term (R did's ``wif``)."""
        pg = np.array([self.pg[self.cells[k][0]] for k in keep])
        w = pg / pg.sum()
        att = np.array([self.att[k] for k in keep])
        inf = np.column_stack([self.inf[k] for k in keep]) @ w
        ind = np.column_stack([(self.Gf == self.cells[k][0]).astype(float) for k in keep])
        if1 = (ind - pg) / pg.sum()
        if2 = np.outer((ind - pg).sum(axis=1), pg / pg.sum() ** 2)
        inf = inf + (if1 - if2) @ att
        return float(w @ att), inf

    def simple(self) -> tuple[float, np.ndarray]:
        return self.aggregate([k for k, (g, t) in enumerate(self.cells) if t >= g])

    def dynamic(self) -> dict[int, tuple[float, np.ndarray]]:
        out = {}
        for e in sorted({t - g for g, t in self.cells}):
            out[e] = self.aggregate([k for k, (g, t) in enumerate(self.cells) if t - g == e])
        return out


def fit_did_cs(data: pd.DataFrame, spec: dict) -> dict:
    opts = spec_options(spec, CS_OPTIONS)
    y = single_outcome_name(spec)
    if as_list(spec.get("controls")):
        raise ConfigError(f"specification {spec_name(spec)!r}: did_cs is implemented without covariates; "
                          "remove `controls`")
    common = common_args(spec)
    entity, time = common["entity"], common["time"]
    frame, _ = prepare_sample(data, spec, [y])
    wide = frame.pivot(index=entity, columns=time, values=y)
    if wide.isna().any().any():
        raise DataError(f"specification {spec_name(spec)!r}: did_cs needs a balanced panel of {y!r}")
    g = adoption_series(frame, spec, opts)
    cohort = pd.Series(g.to_numpy(), index=frame[entity]).groupby(level=0).first()
    cs = CallawaySantAnna(wide, cohort, control=opts["control"], base_period=opts["base_period"])
    level = spec_ci_level(spec)
    names, est, se = [], [], []
    att, inf = cs.simple()
    names.append("att"), est.append(att), se.append(cs.se(inf))
    dyn = cs.dynamic()
    post = [e for e in dyn if e >= 0]
    if post:
        inf_dyn = np.mean([dyn[e][1] for e in post], axis=0)
        names.append("att_dynamic"), est.append(float(np.mean([dyn[e][0] for e in post]))), se.append(cs.se(inf_dyn))
    for e, (a, i) in dyn.items():
        names.append(event_name(e)), est.append(a), se.append(cs.se(i))
    rows = coefficient_table(names, est, se, df_resid=None, ci_level=level)
    q = stats.norm.ppf(0.5 + level / 2)
    gt = [{"cohort": g_, "period": t_, "att": a, "std_error": cs.se(i), "ci_lower": a - q * cs.se(i),
           "ci_upper": a + q * cs.se(i)} for (g_, t_), a, i in zip(cs.cells, cs.att, cs.inf)]
    extra = {"did": {
        "estimator": "callaway_santanna", "control": opts["control"], "base_period": opts["base_period"],
        "att_gt": gt, "cohorts": _cohort_sizes(frame, g, entity), "dropped_cohorts": cs.dropped_cohorts,
        "inference": "analytic influence function, entity level (normal); R did default is a multiplier "
                     "bootstrap",
        "source": opts["source"],
    }}
    return make_result(
        model="did.cs", dependent=y, coefficients=rows,
        covariance={"type": "influence_function", "options": {"level": entity}, "n_clusters": cs.n},
        nobs=int(wide.size), n_entities=cs.n, n_periods=len(cs.periods), effects={"entity": True, "time": True},
        extra=extra, spec=spec, provenance={}, ci_level=level, label=spec.get("label", spec_name(spec)),
    )
