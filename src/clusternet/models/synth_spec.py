"""Synthetic control and synthetic DID as specifications (models ``synth`` and ``synth_did``):
one treated province, a declared predictor set, placebo-in-space inference.

Options (``synth``; ``synth_did`` takes ``treated``, ``treatment_year``/``adoption_years``,
``exclude``, ``source``, and ``se: none | placebo | bootstrap | jackknife`` with ``se_replications``
(200) and ``seed``: Arkhangelsky et al.'s standard errors, :func:`clusternet.models.synth_did.synthdid_se`,
normal intervals; with one treated unit only ``placebo`` is defined)::

    treated: 520000                    # the treated unit (Guizhou)
    adoption_years: {...}              # or `policy: bigdata_pilot_zones` (resolved by the runner):
                                       # the treated unit's first treated year, and the donor pool
                                       # = units never treated by the policy
    treatment_year: 2016               # instead of adoption_years (then every other unit is a donor)
    exclude: [330000, ...]             # further units left out of the donor pool (e.g. other pilots)
    predictors:                        # the declared predictor set, each the mean over its years
      - {variable: ln_techmkt_seller_value_real, years: [2011, 2013, 2015]}
      - {variable: ln_gdp_per_capita, years: {first: 2013, last: 2015}}
    loss_years: {first: 2011, last: 2015}   # default: every pre-treatment year
    placebo: true                      # placebo in space over the donor pool
    source: text

The outcome is ``y``; the document's coefficient ``att`` is the mean post-period gap (no
standard error: inference is the placebo permutation p-value, test ``placebo_rmspe_ratio``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from clusternet.errors import ConfigError, DataError
from clusternet.models.mechanisms import common_args, single_outcome_name, spec_name, spec_options
from clusternet.results import make_result

SYNTH_OPTIONS: dict[str, object] = {"treated": None, "adoption_years": None, "treatment_year": None, "exclude": [],
                                    "predictors": None, "loss_years": None, "placebo": True, "source": None}
SDID_OPTIONS: dict[str, object] = {"treated": None, "adoption_years": None, "treatment_year": None, "exclude": [],
                                   "source": None, "se": "none", "se_replications": 200, "seed": None}


def _years(block, available: list[int], where: str) -> list[int]:
    if isinstance(block, dict):
        ys = [y for y in available if block.get("first", -10**9) <= y <= block.get("last", 10**9)]
    else:
        ys = [int(y) for y in block]
    missing = sorted(set(ys) - set(available))
    if missing or not ys:
        raise ConfigError(f"{where}: years {missing or ys} are not in the sample years {available}")
    return ys


def _setup(data: pd.DataFrame, spec: dict, opts: dict):
    name = spec_name(spec)
    common = common_args(spec)
    entity, time = common["entity"], common["time"]
    treated = opts["treated"]
    if treated is None:
        raise ConfigError(f"specification {name!r}: options.treated (the treated unit's code) is required")
    treated = int(treated)
    adoption = {int(k): int(v) for k, v in (opts["adoption_years"] or {}).items()}
    if opts["treatment_year"] is not None:
        t0 = int(opts["treatment_year"])
    elif treated in adoption:
        t0 = adoption[treated]
    else:
        raise ConfigError(f"specification {name!r}: the treated unit {treated} has no adoption year; set "
                          "options.treatment_year or a policy that treats it")
    units = sorted(int(u) for u in data[entity].unique())
    if treated not in units:
        raise DataError(f"specification {name!r}: treated unit {treated} is not in the data (column {entity!r})")
    excluded = {int(u) for u in opts["exclude"] or []}
    donors = [u for u in units if u != treated and u not in adoption and u not in excluded]
    if len(donors) < 2:
        raise ConfigError(f"specification {name!r}: the donor pool has {len(donors)} units; relax options.exclude")
    return name, entity, time, treated, t0, donors


def _wide(data, entity, time, var, units, name):
    w = data.pivot_table(index=time, columns=entity, values=var, aggfunc="first")
    w.columns = [int(c) for c in w.columns]
    missing = [u for u in units if u not in w.columns]
    if missing:
        raise DataError(f"specification {name!r}: no {var!r} values for units {missing}")
    return w[units]


def fit_synth_spec(data: pd.DataFrame, spec: dict) -> dict:
    from clusternet.models.synth import fit_synth, placebo_in_space, rmspe

    opts = spec_options(spec, SYNTH_OPTIONS)
    y = single_outcome_name(spec)
    name, entity, time, treated, t0, donors = _setup(data, spec, opts)
    units = [treated, *donors]
    Y = _wide(data, entity, time, y, units, name)
    years = [int(t) for t in Y.index]
    if Y.isna().any().any():
        bad = Y.columns[Y.isna().any()].tolist()
        raise DataError(f"specification {name!r}: {y!r} is missing for units {bad}; synth needs a balanced outcome")
    pre_years = [t for t in years if t < t0]
    if len(pre_years) < 2 or t0 > years[-1]:
        raise ConfigError(f"specification {name!r}: treatment year {t0} leaves {len(pre_years)} pre-period(s) "
                          f"in the sample years {years[0]}-{years[-1]}")
    preds = opts["predictors"]
    if not preds:
        raise ConfigError(f"specification {name!r}: options.predictors (the declared predictor set) is required")
    rows, labels = [], []
    for i, p in enumerate(preds):
        where = f"specification {name!r}: options.predictors[{i}]"
        if not isinstance(p, dict) or set(p) - {"variable", "years"} or "variable" not in p:
            raise ConfigError(f"{where}: each predictor is {{variable, years}}")
        ys = _years(p.get("years", {"first": pre_years[0], "last": pre_years[-1]}), pre_years, where)
        W = _wide(data, entity, time, p["variable"], units, name).loc[ys]
        if W.isna().any().any():
            raise DataError(f"{where}: {p['variable']!r} is missing in {ys} for units "
                            f"{W.columns[W.isna().any()].tolist()}")
        rows.append(W.mean(axis=0).to_numpy())
        labels.append(f"{p['variable']} mean {ys[0]}-{ys[-1]}" if len(ys) > 1 else f"{p['variable']} {ys[0]}")
    X = np.vstack(rows)
    loss = _years(opts["loss_years"] or {"first": pre_years[0], "last": pre_years[-1]}, pre_years,
                  f"specification {name!r}: options.loss_years")
    Z = Y.loc[loss].to_numpy()
    Yall = Y.to_numpy()
    pre = np.array([t < t0 for t in years])
    fit = fit_synth(X[:, 1:], X[:, 0], Z[:, 1:], Z[:, 0])
    synthetic = Yall[:, 1:] @ fit.weights
    gap = Yall[:, 0] - synthetic
    att = float(gap[~pre].mean())
    tests, placebo_rows = [], []
    if opts["placebo"]:
        pl = placebo_in_space(X, Z, Yall, pre, treated=0)
        for j, u in enumerate(units):
            placebo_rows.append({"unit": int(u), "ratio": float(pl["ratios"][j]),
                                 "pre_rmspe": rmspe(pl["gaps"][pre, j]), "post_rmspe": rmspe(pl["gaps"][~pre, j]),
                                 "gaps": [float(g) for g in pl["gaps"][:, j]]})
        tests.append({"name": "placebo_rmspe_ratio", "statistic": float(pl["ratios"][0]), "p_value": pl["p_value"],
                      "note": f"post/pre RMSPE ratio of the treated unit; p = share of the {len(units)} units "
                              "(treated + placebos in space) with a ratio at least as large (ADH 2010)"})
    rows_out = [{"name": "att", "estimate": att, "std_error": None, "statistic": None, "p_value":
                 tests[0]["p_value"] if tests else None, "ci_lower": None, "ci_upper": None}]
    extra = {"synth": {
        "treated": treated, "treatment_year": t0, "donors": donors, "weights": dict(zip(map(str, donors),
                                                                                      map(float, fit.weights))),
        "V": dict(zip(labels, map(float, fit.V))), "loss_v": fit.loss_v, "start": fit.start, "tried": fit.tried,
        "pre_rmspe": rmspe(gap[pre]), "post_rmspe": rmspe(gap[~pre]), "loss_years": loss,
        "path": [{"year": t, "treated": float(a), "synthetic": float(b), "gap": float(a - b)}
                 for t, a, b in zip(years, Yall[:, 0], synthetic)],
        "placebo": placebo_rows, "source": opts["source"],
        "inference": "placebo in space (permutation p-value of the post/pre RMSPE ratio); no standard error",
    }}
    return make_result(model="synth.adh", dependent=y, coefficients=rows_out,
                       covariance={"type": "placebo_permutation", "options": {}}, nobs=int(Yall.size),
                       n_entities=len(units), n_periods=len(years), tests=tests, extra=extra, spec=spec, provenance={},
                       label=spec.get("label", name))


def fit_synth_did_spec(data: pd.DataFrame, spec: dict) -> dict:
    from clusternet.models.synth_did import synthdid_estimate

    opts = spec_options(spec, SDID_OPTIONS)
    y = single_outcome_name(spec)
    name, entity, time, treated, t0, donors = _setup(data, spec, opts)
    Y = _wide(data, entity, time, y, [*donors, treated], name)
    if Y.isna().any().any():
        raise DataError(f"specification {name!r}: {y!r} is missing for units {Y.columns[Y.isna().any()].tolist()}")
    years = [int(t) for t in Y.index]
    T0 = sum(t < t0 for t in years)
    fit = synthdid_estimate(Y.to_numpy().T, len(donors), T0)
    se_block = None
    if opts["se"] != "none":
        from clusternet.models.synth_did import SE_METHODS, synthdid_se
        from clusternet.seeds import required_seed, seed_sequence

        if opts["se"] not in SE_METHODS:
            raise ConfigError(f"specification {name!r}: options.se must be none or one of {list(SE_METHODS)}, "
                              f"got {opts['se']!r}")
        rng = None
        if opts["se"] != "jackknife":
            rng = np.random.default_rng(seed_sequence(required_seed(spec, opts, "the synthetic-DID standard error"),
                                                      f"{name}:sdid_se"))
        se_block = synthdid_se(Y.to_numpy().T, len(donors), T0, fit, str(opts["se"]), int(opts["se_replications"]),
                               rng)
    se = se_block["std_error"] if se_block else None
    z = 1.959963984540054
    rows = [{"name": "att", "estimate": fit.estimate, "std_error": se,
             "statistic": None if not se else fit.estimate / se,
             "p_value": None if not se else float(2 * stats.norm.sf(abs(fit.estimate / se))),
             "ci_lower": None if not se else fit.estimate - z * se,
             "ci_upper": None if not se else fit.estimate + z * se}]
    extra = {"synth_did": {"treated": treated, "treatment_year": t0, "donors": donors,
                           "unit_weights": dict(zip(map(str, donors), map(float, fit.omega))),
                           "time_weights": dict(zip(map(str, years[:T0]), map(float, fit.lam))),
                           "noise_level": fit.noise_level, "zeta_omega": fit.zeta_omega, "source": opts["source"],
                           "inference": "none (options.se: placebo | bootstrap | jackknife)" if se_block is None else
                           f"{se_block['method']} standard error (Arkhangelsky et al. 2021), "
                           f"{se_block['replications']} replications, normal intervals"}}
    if se_block is not None:
        extra["synth_did"]["se"] = {k: v for k, v in se_block.items() if k != "draws"}
    cov = {"type": "none", "options": {}} if se_block is None else \
        {"type": "placebo_permutation" if se_block["method"] == "placebo" else "clustered",
         "options": {"method": f"synthdid {se_block['method']}", "replications": se_block["replications"]}}
    return make_result(model="synth.sdid", dependent=y, coefficients=rows, covariance=cov,
                       nobs=int(Y.size), n_entities=Y.shape[1], n_periods=len(years), extra=extra, spec=spec,
                       provenance={}, label=spec.get("label", name))
