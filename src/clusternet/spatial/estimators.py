"""Spatial models in the estimator registry (``sar``, ``sem``, ``sdm``, ``sdem``, ``slx``), so that
``clusternet fit --model sdm --weights W`` and the spatial-models stage share one code path.

Specification keys (besides name, model, y, x, controls, entity, time, ci_level, sample):

* ``weights``: a weights file (``.npz`` written by ``clusternet weights``) or the name of one in
  ``data/interim/weights/`` (required).
* ``effects``: ``[entity, time]`` (default: both, i.e. two-way fixed effects), ``[entity]``,
  ``[time]`` or ``[]`` (pooled with an intercept).
* ``options``: ``lee_yu`` (default true), ``logdet`` (auto | eigen | lu | mc), ``effects_draws``
  (default 1000), ``mc_order``, ``mc_probes``, ``lm_tests`` (default true), ``effects_inference``
  (``simulation``, the default, or ``delta_method``: which standard errors of the effects are the
  row's own; the other is kept beside, see clusternet.spatial.effects_inference), ``convention``
  (``clusternet``, the default, ``elhorst_bc0`` or ``elhorst_bc1``: Elhorst's direct approach with his
  information matrix, LM tests and log-likelihood, without or with his bias correction; SAR/SDM
  only; overrides ``lee_yu``; clusternet.spatial.elhorst), ``fe_lr_tests`` (default true: two-way
  models add LR tests of the joint significance of the spatial and time fixed effects).
  Every document's ``fit`` has R² and corr², ``extra.spatial.fixed_effect_estimates`` the fixed
  effects with t-values (clusternet.spatial.fit_statistics).
* ``seed``: base seed (the caller passes config.seed); the effects simulation uses
  ``SeedSequence([seed, crc32(name)])``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError
from clusternet.models.specs import as_spec, checked_options
from clusternet.results import coefficient_table, make_result
from clusternet.seeds import required_seed, sub_seed
from clusternet.spatial.effects_inference import add_delta_method
from clusternet.spatial.fit_statistics import fe_lr_tests, fit_statistics
from clusternet.spatial.models import (ERROR_MODELS, LAG_MODELS, SpatialPanelResult, effects_table,
                                       fit_spatial_panel, lm_tests, lr_test, panel_arrays, wald_sdm_tests)
from clusternet.spatial.weights import SpatialWeights, load_weights

WEIGHTS_DIR = Path("data/interim/weights")
OPTION_KEYS = {"lee_yu", "logdet", "effects_draws", "mc_order", "mc_probes", "lm_tests", "effects_inference",
               "convention", "fe_lr_tests"}


def resolve_weights(ref, weights_dir: Path = WEIGHTS_DIR) -> SpatialWeights:
    if isinstance(ref, SpatialWeights):
        return ref
    if not ref:
        raise ConfigError("spatial model: the specification needs `weights` (a weights name or .npz file)")
    path = Path(str(ref))
    if path.suffix != ".npz" and not path.exists():
        path = weights_dir / f"{ref}.npz"
    return load_weights(path)


# the spatial models' labels for the names of the one effects vocabulary (clusternet.models.specs)
SPATIAL_EFFECTS = {"none": "none", "entity": "individual", "time": "time", "twoways": "twoway"}


def effects_kind(spec: dict) -> str:
    """none | individual | time | twoway of ``spec.effects`` (default [entity, time])."""
    return SPATIAL_EFFECTS[as_spec(spec).effects_name(("entity", "time"))]


def spec_seed(spec: dict) -> int:
    """The specification's draws (effects simulation, Monte Carlo log-determinant) use
    ``sub_seed(seed, name)``; a missing seed is an error (no silent default)."""
    return sub_seed(required_seed(spec, spec.get("options"), "the spatial effects simulation"),
                    str(spec.get("name", "")))


def fit_spatial_spec(data: pd.DataFrame, spec: dict, weights=None):
    """Fit one spatial specification: (result, panel arrays, effects table, tests)."""
    opts = checked_options(spec.get("options"), OPTION_KEYS, spec=spec)
    W = resolve_weights(weights if weights is not None else spec.get("weights"))
    x = list(spec["x"]) + list(spec.get("controls") or [])
    panel = panel_arrays(data, spec["y"], x, W, spec.get("entity", "region_code"), spec.get("time", "year"))
    eff = effects_kind(spec)
    seed = spec_seed(spec)
    convention = opts.get("convention", "clusternet")
    if convention == "clusternet":
        res = fit_spatial_panel(panel, spec["model"], eff, lee_yu=bool(opts.get("lee_yu", True)),
                                logdet=opts.get("logdet", "auto"), seed=seed, mc_order=int(opts.get("mc_order", 50)),
                                mc_probes=int(opts.get("mc_probes", 50)))
    else:  # Elhorst's conventions (direct approach, his information matrix and bias correction)
        from clusternet.spatial.elhorst import fit_elhorst

        res, _ = fit_elhorst(panel, spec["model"], eff, convention, logdet=opts.get("logdet", "auto"), seed=seed)
    impacts = effects_table(res, panel.W, draws=int(opts.get("effects_draws", 1000)), seed=seed,
                            ci_level=float(spec.get("ci_level", 0.95)))
    add_delta_method(impacts, res, panel.W, seed=seed, ci_level=float(spec.get("ci_level", 0.95)),
                     primary=opts.get("effects_inference", "simulation"))
    if opts.get("lm_tests", True):
        if convention == "clusternet":
            tests = lm_tests(panel, eff)
        else:
            from clusternet.spatial.elhorst import lm_tests_elhorst

            tests = lm_tests_elhorst(panel, eff)
    else:
        tests = []
    tests += wald_sdm_tests(res)
    return res, panel, impacts, tests, W


def result_document(res: SpatialPanelResult, spec: dict, impacts: dict, tests: list, W: SpatialWeights,
                    extra_tests: list | None = None, statistics: dict | None = None) -> dict:
    ci = float(spec.get("ci_level", 0.95))
    names = res.names
    rows = coefficient_table(names, res.params, res.std_errors, ci_level=ci)
    k = len(res.params) + 1
    fit = {"loglik": res.loglik, "sigma2": res.sigma2, "sigma2_se": res.sigma2_se, "n_effective": res.n_eff,
           "aic": -2 * res.loglik + 2 * k, "bic": -2 * res.loglik + np.log(res.n_eff) * k}
    if res.model in LAG_MODELS:
        fit["rho"] = res.delta
    if res.model in ERROR_MODELS:
        fit["lambda"] = res.delta
    statistics = dict(statistics or {})
    fixed_effect_estimates = statistics.pop("fixed_effects", None)
    fit.update(statistics)  # r2, corr2, intercept (clusternet.spatial.fit_statistics)
    convention = (spec.get("options") or {}).get("convention", "clusternet")
    fit["convention"] = convention
    extra = {"spatial": {"weights": W.meta.get("name", ""), "weights_checks": W.checks(),
                         "fixed_effects": res.effects, "lee_yu": res.lee_yu, "logdet": res.logdet_method,
                         "effects": impacts, "fixed_effect_estimates": fixed_effect_estimates}}
    numerics = trace_numerics(res)
    if numerics is not None:  # only on the stochastic path: exact-trace documents are unchanged
        extra["numerics"] = numerics
    return make_result(
        model=f"spatial.{res.model}", dependent=res.y_name, coefficients=rows,
        covariance={"type": "ml_information", "options": {"lee_yu": res.lee_yu}},
        nobs=res.nobs, n_entities=res.N, n_periods=res.T,
        effects={"entity": res.effects in ("individual", "twoway"), "time": res.effects in ("time", "twoway")},
        fit=fit, tests=tests + list(extra_tests or []),
        extra=extra,
        vcov={"names": names, "matrix": res.vcov.tolist()},
        spec=spec, provenance={}, label=str(spec.get("label", spec.get("name", ""))), ci_level=ci,
    )


def trace_numerics(res: SpatialPanelResult) -> dict | None:
    """``extra.numerics`` of a document whose information matrix used stochastic traces (issue 19):
    tr(G'G) by Hutchinson's estimator (``traces: hutchinson``, the default above
    ``models.EXACT_TRACE_MAX_N`` regions) carries a Monte Carlo error, reported here as its relative
    standard error (``trace_error.gtg_relative_se``: sd of the probes / √probes / estimate), with the
    error of the log-determinant interpolant that gives tr(G) and tr(G²) (absolute, at a check
    point between the outermost nodes). None for exact traces (dense or sparse solves), so those
    documents carry no such block."""
    if res.trace_method != "hutchinson":
        return None
    interp = res.logdet_interp
    return {"traces": "hutchinson",
            "trace_error": {"gtg_relative_se": float(res.trace_se),
                            "logdet_interpolant_abs_error": None if interp is None else float(interp.value_error),
                            "note": "tr(G'G) by seeded Rademacher probes with a Neumann-series control variate "
                                    "(relative Monte Carlo SE); tr(G), tr(G^2) from the derivatives of a Chebyshev "
                                    "interpolant of exact sparse-LU log-determinants"}}


def comparison_tests(data: pd.DataFrame, spec: dict, res: SpatialPanelResult, W: SpatialWeights) -> list[dict]:
    """SDM only (``compare``, default true): LR tests of SDM against SAR and SEM fitted on the
    same sample and weights."""
    if spec["model"] != "sdm" or not spec.get("compare", True):
        return []
    tests = []
    elhorst = (spec.get("options") or {}).get("convention", "clusternet") != "clusternet"
    for restricted in ("sar",) if elhorst else ("sar", "sem"):  # Elhorst's conventions cover lag models only
        r, *_ = fit_spatial_spec(data, dict(spec, model=restricted), weights=W)
        tests.append(lr_test(f"lr_sdm_vs_{restricted}", res, r, df=res.k_x))
    return tests


def _make(model: str):
    def fit(data: pd.DataFrame, spec: dict, weights: SpatialWeights | None = None) -> dict:
        """``weights``: the loaded matrix (the stage passes it); default: ``spec.weights``."""
        spec = dict(spec, model=model)
        res, panel, impacts, tests, W = fit_spatial_spec(data, spec, weights=weights)
        extra_tests = comparison_tests(data, spec, res, W)
        if res.effects == "twoway" and (spec.get("options") or {}).get("fe_lr_tests", True):
            extra_tests += fe_lr_tests(panel, res.model, fit_spatial_panel, logdet=res.logdet_method
                                       if res.logdet_method != "none" else "auto")
        return result_document(res, spec, impacts, tests, W, extra_tests, fit_statistics(panel, res))

    return named_fit(fit, f"fit_{model}", f"Spatial panel {model.upper()} by ML (clusternet.spatial.models).")


def named_fit(fit, name: str, doc: str):
    """``fit`` (a closure made for one model) under the name and docstring of a module-level function."""
    fit.__name__ = name
    fit.__doc__ = doc
    return fit


# One fit function per model, named in clusternet/estimators.py.
fit_sar = _make("sar")
fit_sem = _make("sem")
fit_sdm = _make("sdm")
fit_sdem = _make("sdem")
fit_slx = _make("slx")
