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
from clusternet.models import did_cs
from clusternet.results import coefficient_table, make_result
from clusternet.seeds import required_seed, seed_sequence

TWFE_OPTIONS = {"adoption_years": None, "leads": 4, "lags": 5, "source": None, "missing": "error"}
CS_OPTIONS = {"adoption_years": None, "control": "notyet", "base_period": "varying", "source": None,
              "est_method": "dr", "anticipation": 0, "trim_level": 0.995, "bootstrap_draws": 0, "seed": None,
              "missing": "error"}


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


def staggered_long_sample(data: pd.DataFrame, spec: dict, opts: dict):
    """The long-data inputs shared by the staggered estimators taking one row per entity-period
    (did_sa, did_imputation): ``(frame, dropped, y_name, controls, common, cohort_series, arrays)``
    with ``arrays = (y, entity, time, cohort, X or None)`` in the estimators' argument order."""
    y_name = single_outcome_name(spec)
    controls = as_list(spec.get("controls"))
    common = common_args(spec)
    frame, dropped = prepare_sample(data, spec, [y_name, *controls], opts["missing"])
    cohort = adoption_series(frame, spec, opts)
    arrays = (frame[y_name].to_numpy(float), frame[common["entity"]].to_numpy(), frame[common["time"]].to_numpy(),
              cohort.to_numpy(), frame[controls].to_numpy(float) if controls else None)
    return frame, dropped, y_name, controls, common, cohort, arrays


def balanced_sample(data: pd.DataFrame, spec: dict, columns: list[str], missing: str) -> tuple[pd.DataFrame, list]:
    """The used columns for estimators that need a balanced panel. ``missing: error`` (default)
    stops at a missing value; ``missing: drop_entities`` drops every entity with a missing
    value or period (as R did's ``makeBalancedPanel``), returning the dropped entity codes."""
    if missing not in ("error", "drop_entities"):
        raise ConfigError(f"specification {spec_name(spec)!r}: options.missing must be error or drop_entities "
                          f"(drop every entity with a missing value), got {missing!r}")
    if missing == "error":
        return prepare_sample(data, spec, columns)[0], []
    common = common_args(spec)
    entity, time = common["entity"], common["time"]
    frame, _ = prepare_sample(data, spec, columns, "drop")
    counts = frame.groupby(entity)[time].nunique()
    full = counts.index[counts == data[time].nunique()]
    dropped = sorted(set(data[entity]) - set(full))
    frame = frame[frame[entity].isin(full)]
    if frame.empty:
        raise DataError(f"specification {spec_name(spec)!r}: no entity is complete in {columns}")
    return frame, [int(v) if isinstance(v, (int, np.integer)) else v for v in dropped]


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
        "cohorts": cohort_sizes(frame, g, common["entity"]), "source": opts["source"],
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


def cohort_sizes(frame: pd.DataFrame, g: pd.Series, entity: str) -> dict:
    per_entity = pd.Series(g.to_numpy(), index=frame[entity]).groupby(level=0).first()
    counts = per_entity.fillna(0).astype(int).value_counts().sort_index()
    return {("never" if k == 0 else str(k)): int(v) for k, v in counts.items()}


# ---------------------------------------------------------------- Callaway & Sant'Anna
class CallawaySantAnna:
    """Compatibility wrapper over :func:`clusternet.models.did_cs.att_gt` without covariates
    (``wide``: entities x periods outcome table, ``cohort``: first treated period by entity)."""

    def __init__(self, wide: pd.DataFrame, cohort: pd.Series, *, control: str, base_period: str):
        self.res = did_cs.att_gt(wide.to_numpy(dtype=float), [int(p) for p in wide.columns],
                                 cohort.reindex(wide.index).to_numpy(dtype=float), control=control,
                                 base_period=base_period, est_method="reg")
        self.periods = self.res.periods
        self.n = self.res.n
        self.cells = self.res.cells
        self.att = list(self.res.att)
        self.inf = [self.res.inf[:, k] for k in range(len(self.cells))]
        self.dropped_cohorts = self.res.dropped_cohorts
        self.cohorts = self.res.cohorts

    def se(self, inf: np.ndarray) -> float:
        return float(self.res.se(inf))

    def aggregate(self, keep: list[int]) -> tuple[float, np.ndarray]:
        return self.res.combine(keep)

    def simple(self) -> tuple[float, np.ndarray]:
        agg = self.res.aggregate("simple")
        return agg.overall_att, agg.overall_inf

    def dynamic(self) -> dict[int, tuple[float, np.ndarray]]:
        agg = self.res.aggregate("dynamic")
        return {e: (float(agg.att[k]), agg.inf[:, k]) for k, e in enumerate(agg.labels)}


CS_AGGREGATE_NAMES = {"group": "group", "calendar": "calendar", "dynamic": "event"}


def fit_did_cs(data: pd.DataFrame, spec: dict) -> dict:
    opts = spec_options(spec, CS_OPTIONS)
    y = single_outcome_name(spec)
    controls = as_list(spec.get("controls"))
    common = common_args(spec)
    entity, time = common["entity"], common["time"]
    frame, dropped_entities = balanced_sample(data, spec, [y, *controls], opts["missing"])
    wide = frame.pivot(index=entity, columns=time, values=y)
    if wide.isna().any().any():
        raise DataError(f"specification {spec_name(spec)!r}: did_cs needs a balanced panel of {y!r}")
    X = None
    if controls:
        X = np.stack([frame.pivot(index=entity, columns=time, values=c).reindex(index=wide.index,
                                                                              columns=wide.columns).to_numpy(float)
                      for c in controls], axis=-1)
        if np.isnan(X).any():
            raise DataError(f"specification {spec_name(spec)!r}: did_cs needs the controls {controls} in every "
                            "region-year of the balanced panel")
    g = adoption_series(frame, spec, opts)
    cohort = pd.Series(g.to_numpy(), index=frame[entity]).groupby(level=0).first()
    try:
        cs = did_cs.att_gt(wide.to_numpy(dtype=float), [int(p) for p in wide.columns],
                           cohort.reindex(wide.index).to_numpy(dtype=float), X, control=opts["control"],
                           base_period=opts["base_period"], anticipation=opts["anticipation"],
                           est_method=opts["est_method"], trim_level=float(opts["trim_level"]))
    except ConfigError as exc:
        raise ConfigError(f"specification {spec_name(spec)!r}: {exc}") from exc
    except EstimationError as exc:
        raise EstimationError(f"specification {spec_name(spec)!r}: {exc}") from exc
    level = spec_ci_level(spec)
    alpha = 1 - level
    draws = int(opts["bootstrap_draws"])
    seed = required_seed(spec, opts, "the Callaway-Sant'Anna multiplier bootstrap") if draws else None

    def boot(inf: np.ndarray, task: str) -> did_cs.Bootstrap | None:
        if not draws:
            return None
        assert seed is not None
        return did_cs.multiplier_bootstrap(inf, draws, seed_sequence(seed, f"{spec_name(spec)}:{task}"),
                                           alpha=alpha)

    q = float(stats.norm.ppf(0.5 + level / 2))
    names: list[str] = []
    est: list[float] = []
    se: list[float] = []
    bands: dict[str, dict] = {}
    analytic: dict[str, float] = {}
    for kind in ("simple", "group", "calendar", "dynamic"):
        try:
            agg = cs.aggregate(kind)
        except EstimationError:
            continue
        overall = "att" if kind == "simple" else f"att_{kind}"
        b_overall = boot(agg.overall_inf, overall)
        names.append(overall)
        est.append(agg.overall_att)
        analytic[overall] = float(cs.se(agg.overall_inf))
        se.append(float(b_overall.se[0]) if b_overall else analytic[overall])
        if kind == "simple":
            continue
        label = [f"{CS_AGGREGATE_NAMES[kind]}[{v}]" for v in agg.labels]
        a_se = np.atleast_1d(cs.se(agg.inf))
        b = boot(agg.inf, kind)
        k_se = b.se if b else a_se
        names += label
        est += [float(v) for v in agg.att]
        se += [float(v) for v in k_se]
        analytic.update({n_: float(v) for n_, v in zip(label, a_se)})
        if b:
            crit = max(b.crit_val, q)  # R did falls back to pointwise when the band is narrower
            bands[kind] = {"names": label, "critical_value": crit, "lower": list(agg.att - crit * k_se),
                           "upper": list(agg.att + crit * k_se)}
    rows = coefficient_table(names, est, se, df_resid=None, ci_level=level)
    b_gt = boot(cs.inf, "att_gt")
    gt_se = b_gt.se if b_gt else np.atleast_1d(cs.se(cs.inf))
    gt = [{"cohort": g_, "period": t_, "base_period": b_, "att": float(a), "std_error": float(s),
           "ci_lower": float(a - q * s), "ci_upper": float(a + q * s)}
          for (g_, t_), b_, a, s in zip(cs.cells, cs.base, cs.att, gt_se)]
    if b_gt:
        crit = max(b_gt.crit_val, q)
        bands["att_gt"] = {"critical_value": crit, "lower": list(cs.att - crit * gt_se),
                           "upper": list(cs.att + crit * gt_se)}
    tests = []
    pre = cs.pretest()
    single = [int(c) for c in cs.cohorts if int(np.sum(cs.cohort == c)) == 1]
    if pre:
        warn = (f"; cohort(s) {single} have one unit, whose within-cohort variance the influence function "
                "cannot see: the statistic is then too large" if single else "")
        tests.append({"name": "pretrends_joint_zero", "statistic": pre["statistic"], "df": [pre["df"]],
                      "p_value": pre["p_value"],
                      "note": "H0: every pre-treatment ATT(g,t) = 0; Wald with the analytic covariance "
                              "(R did's W) against chi-square" + warn})
    extra = {"did": {
        "estimator": "callaway_santanna", "control": opts["control"], "base_period": opts["base_period"],
        "est_method": opts["est_method"], "anticipation": int(opts["anticipation"]), "covariates": controls,
        "reference_period": -1 - int(opts["anticipation"]) if opts["base_period"] == "universal" else None,
        "att_gt": gt, "cohorts": cohort_sizes(frame, g, entity), "dropped_cohorts": cs.dropped_cohorts,
        "skipped_cells": cs.skipped, "dropped_entities": dropped_entities, "single_unit_cohorts": single,
        "analytic_std_error": analytic,
        "uniform_bands": bands,
        "inference": (f"multiplier bootstrap, {draws} Rademacher draws, entity level (R did default: 1000)"
                      if draws else "analytic influence function, entity level (normal); R did default is a "
                                    "multiplier bootstrap"),
        "source": opts["source"],
    }}
    return make_result(
        model="did.cs", dependent=y, coefficients=rows,
        covariance={"type": "multiplier_bootstrap" if draws else "influence_function",
                    "options": {"level": entity, "draws": draws}, "n_clusters": cs.n},
        nobs=int(wide.size), n_entities=cs.n, n_periods=len(cs.periods), effects={"entity": True, "time": True},
        tests=tests, extra=extra, spec=spec, provenance={}, ci_level=level, label=spec.get("label", spec_name(spec)),
    )
