"""Estimator-table entries of the spatial models beyond the core five: random-effects SAR/SDM/SEM
(``sar_re``, ``sdm_re``, ``sem_re``; clusternet.spatial.random_effects) and SAC/SARAR with fixed
effects (``sac``; clusternet.spatial.sac). They share the core's specification keys
(clusternet.spatial.estimators) and write the same result-document layout, so the report's spatial
tables read them unchanged.

Random-effects specifications: ``effects`` must be ``[entity]`` (random individual effects; an
intercept is added); time effects are not supported by the random-effects likelihood here.
Options: ``logdet``, ``effects_draws``, ``effects_inference``, ``lee_yu`` (of the FE model the
Hausman test compares with), ``hausman`` (default true: also fit the FE model with individual
effects and add the spatial Hausman test FE vs RE).

SAC specifications: ``effects`` as for the core models (default two-way); options ``lee_yu``,
``logdet``, ``effects_draws``, ``effects_inference``.

Spatial random-effects error models (``sem_kkp``, ``sem_gspre`` by ML, ``sem_kkp_gm`` by KKP's GM +
FGLS; clusternet.spatial.gspre): ``effects`` must be ``[entity]`` (random individual effects, an
intercept); options ``logdet``, ``effects_draws``, ``effects_inference``. The error models' effects are
direct = β, indirect = 0.

Dynamic specifications (``sar_dynamic``, ``sdm_dynamic``; clusternet.spatial.dynamic): ``effects``
as for the core models; options ``lee_yu``, ``logdet``, ``spacetime_lag`` (default true: W y_{t-1}
besides y_{t-1}), ``bias_correction`` (default false: the uncorrected QML; true: the Yu, de Jong &
Lee 2008 bias-corrected QML, individual or two-way effects, ``lee_yu`` then unused).
``extra.spatial.effects.variables`` holds the short-run effects (what the report's table shows),
``extra.spatial.long_run_effects`` the long-run ones.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError
from clusternet.models.specs import checked_options
from clusternet.results import coefficient_table, make_result
from clusternet.spatial.effects_inference import add_delta_method
from clusternet.spatial.estimators import effects_kind, named_fit, resolve_weights, spec_seed
from clusternet.spatial.models import effects_table, fit_spatial_panel, panel_arrays
from clusternet.spatial.random_effects import fit_spatial_re, hausman_test
from clusternet.spatial.sac import fit_sac
from clusternet.spatial.weights import SpatialWeights

RE_OPTION_KEYS = {"logdet", "effects_draws", "effects_inference", "lee_yu", "hausman"}
SAC_OPTION_KEYS = {"lee_yu", "logdet", "effects_draws", "effects_inference"}
GSPRE_OPTION_KEYS = {"logdet", "effects_draws", "effects_inference"}
DYNAMIC_OPTION_KEYS = {"lee_yu", "logdet", "spacetime_lag", "bias_correction"}
# every key of the extended models (tests/models/test_specs.py: with the core keys = the schema)
OPTION_KEYS = RE_OPTION_KEYS | SAC_OPTION_KEYS | DYNAMIC_OPTION_KEYS | GSPRE_OPTION_KEYS


def _panel(data: pd.DataFrame, spec: dict, weights):
    W = resolve_weights(weights if weights is not None else spec.get("weights"))
    x = list(spec["x"]) + list(spec.get("controls") or [])
    return panel_arrays(data, spec["y"], x, W, spec.get("entity", "region_code"), spec.get("time", "year")), W


def _effects(view, W, opts: dict, seed: int, ci: float) -> dict:
    impacts = effects_table(view, W, draws=int(opts.get("effects_draws", 1000)), seed=seed, ci_level=ci)
    return add_delta_method(impacts, view, W, seed=seed, ci_level=ci,
                            primary=opts.get("effects_inference", "simulation"))


def _random_effects_setup(data: pd.DataFrame, spec: dict, weights, name: str, hint: str = ""):
    """(panel, W, seed, ci level) of a model with random individual effects (RE and GSPRE/KKP):
    any other ``effects`` is a config error naming the specification."""
    eff = effects_kind(dict(spec, effects=spec.get("effects", ["entity"])))
    if eff != "individual":
        raise ConfigError(f"specification {spec.get('name')!r}: model {name} has random individual effects; "
                          f"set effects: [entity] (got {spec.get('effects')}){hint}")
    panel, W = _panel(data, spec, weights)
    return panel, W, spec_seed(spec), float(spec.get("ci_level", 0.95))


def _random_effects_document(res, spec: dict, W: SpatialWeights, *, model: str, ci: float, rows: list,
                             covariance: dict,
                             fit_block: dict, tests: list, spatial: dict, vcov: np.ndarray) -> dict:
    """The result document of a random-effects spatial model: no fixed effects (the random ones and
    the model's own fields, ``spatial``, go into extra.spatial)."""
    return make_result(
        model=f"spatial.{model}", dependent=res.y_name, coefficients=rows, covariance=covariance,
        nobs=res.nobs, n_entities=res.N, n_periods=res.T,
        effects={"entity": False, "time": False},  # no fixed effects; random ones: extra.spatial
        fit=fit_block, tests=tests,
        extra={"spatial": {"weights": W.meta.get("name", ""), "weights_checks": W.checks(),
                           "fixed_effects": "none", "random_effects": "individual", "lee_yu": False, **spatial}},
        vcov={"names": res.names, "matrix": vcov.tolist()},
        spec=spec, provenance={}, label=str(spec.get("label", spec.get("name", ""))), ci_level=ci,
    )


def _make_re(model: str):
    def fit(data: pd.DataFrame, spec: dict, weights: SpatialWeights | None = None) -> dict:
        spec = dict(spec, model=f"{model}_re")
        opts = checked_options(spec.get("options"), RE_OPTION_KEYS, spec=spec)
        panel, W, seed, ci = _random_effects_setup(data, spec, weights, f"{model}_re",
                                                   "; for time effects use the fixed-effects models")
        res = fit_spatial_re(panel, model, logdet=opts.get("logdet", "auto"), seed=seed)
        impacts = _effects(res.effects_view(), panel.W, opts, seed, ci)
        tests = []
        if opts.get("hausman", True):
            fe = fit_spatial_panel(panel, model, "individual", lee_yu=bool(opts.get("lee_yu", True)),
                                   logdet=opts.get("logdet", "auto"), seed=seed)
            tests.append(hausman_test(fe, res))
        rows = coefficient_table(res.names, res.params, res.std_errors, ci_level=ci)
        k = len(res.params) + 2
        fit_block = {"loglik": res.loglik, "sigma2": res.sigma2, "sigma2_se": float(res.variance_se[0]),
                     "sigma2_mu": res.sigma2_mu, "phi": res.phi, "n_effective": res.nobs,
                     "aic": -2 * res.loglik + 2 * k, "bic": -2 * res.loglik + np.log(res.nobs) * k,
                     "random_effect_at_bound": "yes" if res.boundary else "no"}
        fit_block["rho" if model != "sem" else "lambda"] = res.delta
        return _random_effects_document(
            res, spec, W, model=f"{model}_re", ci=ci, rows=rows,
            covariance={"type": "ml_information",
                        "options": {"information": "observed (Hessian of the analytic score)"}},
            fit_block=fit_block, tests=tests, vcov=res.vcov,
            spatial={"logdet": res.logdet_method, "effects": impacts, "notes": res.notes,
                     "variance_parameters": {n: float(v) for n, v in zip(res.variance_names, res.variance_params)}})

    return named_fit(fit, f"fit_{model}_re",
                     f"Random-effects spatial panel {model.upper()}-RE by ML (clusternet.spatial.random_effects).")


fit_sar_re = _make_re("sar")
fit_sdm_re = _make_re("sdm")
fit_sem_re = _make_re("sem")


def _make_gspre(model: str):
    def fit(data: pd.DataFrame, spec: dict, weights: SpatialWeights | None = None) -> dict:
        from clusternet.spatial.gspre import fit_gspre, fit_kkp_gm

        spec = dict(spec, model=model)
        opts = checked_options(spec.get("options"), GSPRE_OPTION_KEYS, spec=spec)
        panel, W, seed, ci = _random_effects_setup(data, spec, weights, model)
        logdet = opts.get("logdet", "auto")
        logdet = "eigen" if logdet == "auto" else logdet
        res = fit_kkp_gm(panel) if model == "sem_kkp_gm" else fit_gspre(panel, model.split("_")[1], logdet=logdet)
        impacts = _effects(res.effects_view(), panel.W, opts, seed, ci)
        se = res.std_errors
        rows = coefficient_table(res.names, res.params, np.where(np.isfinite(se), se, np.nan), ci_level=ci)
        k = len(res.params) + 2
        fit_block = {"sigma2": res.sigma2, "sigma2_mu": res.sigma2_mu, "n_effective": res.nobs,
                     "max_abs_score": res.max_abs_score}
        if res.loglik is not None:
            fit_block.update(loglik=res.loglik, aic=-2 * res.loglik + 2 * k, bic=-2 * res.loglik + np.log(res.nobs) * k)
        ml = model != "sem_kkp_gm"
        return _random_effects_document(
            res, spec, W, model=model, ci=ci, rows=rows,
            covariance={"type": "ml_information" if ml else "unadjusted",
                        "options": {"information": "observed (numerical Hessian of the log-likelihood)"} if ml
                        else {"estimator": "KKP initial GM, then FGLS"}},
            fit_block=fit_block, tests=[], vcov=np.where(np.isfinite(res.vcov), res.vcov, 0.0),
            spatial={"logdet": logdet, "effects": impacts, "notes": res.notes})

    return named_fit(fit, f"fit_{model}", f"Spatial random-effects error model {model} (clusternet.spatial.gspre).")


fit_sem_kkp = _make_gspre("sem_kkp")
fit_sem_gspre = _make_gspre("sem_gspre")
fit_sem_kkp_gm = _make_gspre("sem_kkp_gm")


def fit_sac_spec(data: pd.DataFrame, spec: dict, weights: SpatialWeights | None = None) -> dict:
    """SAC/SARAR with fixed effects by ML (clusternet.spatial.sac)."""
    spec = dict(spec, model="sac")
    opts = checked_options(spec.get("options"), SAC_OPTION_KEYS, spec=spec)
    panel, W = _panel(data, spec, weights)
    eff = effects_kind(spec)
    seed = spec_seed(spec)
    ci = float(spec.get("ci_level", 0.95))
    res = fit_sac(panel, eff, lee_yu=bool(opts.get("lee_yu", True)), logdet=opts.get("logdet", "auto"), seed=seed)
    impacts = _effects(res.effects_view(), panel.W, opts, seed, ci)
    rows = coefficient_table(res.names, res.params, res.std_errors, ci_level=ci)
    k = len(res.params) + 1
    fit_block = {"loglik": res.loglik, "sigma2": res.sigma2, "sigma2_se": res.sigma2_se, "n_effective": res.n_eff,
                 "aic": -2 * res.loglik + 2 * k, "bic": -2 * res.loglik + np.log(res.n_eff) * k,
                 "rho": float(res.params[-2]), "lambda": float(res.params[-1])}
    return make_result(
        model="spatial.sac", dependent=res.y_name, coefficients=rows,
        covariance={"type": "ml_information",
                    "options": {"lee_yu": res.lee_yu, "information": "observed (Hessian of the analytic score)"}},
        nobs=res.nobs, n_entities=res.N, n_periods=res.T,
        effects={"entity": eff in ("individual", "twoway"), "time": eff in ("time", "twoway")},
        fit=fit_block, tests=[],
        extra={"spatial": {"weights": W.meta.get("name", ""), "weights_checks": W.checks(), "fixed_effects": eff,
                           "lee_yu": res.lee_yu, "logdet": res.logdet_method, "effects": impacts}},
        vcov={"names": res.names, "matrix": res.vcov.tolist()},
        spec=spec, provenance={}, label=str(spec.get("label", spec.get("name", ""))), ci_level=ci,
    )


def _make_dynamic(model: str):
    def fit(data: pd.DataFrame, spec: dict, weights: SpatialWeights | None = None) -> dict:
        from clusternet.spatial.dynamic import dynamic_effects, fit_dynamic

        spec = dict(spec, model=f"{model}_dynamic")
        opts = checked_options(spec.get("options"), DYNAMIC_OPTION_KEYS, spec=spec)
        panel, W = _panel(data, spec, weights)
        eff = effects_kind(spec)
        seed = spec_seed(spec)
        ci = float(spec.get("ci_level", 0.95))
        spacetime = bool(opts.get("spacetime_lag", True))
        dyn = fit_dynamic(panel, model, eff, lee_yu=bool(opts.get("lee_yu", True)), logdet=opts.get("logdet", "auto"),
                          seed=seed, spacetime=spacetime, bias_correction=bool(opts.get("bias_correction", False)))
        res = dyn.core
        effects = dynamic_effects(dyn, panel.W, ci_level=ci, spacetime=spacetime)
        rows = coefficient_table(res.names, res.params, res.std_errors, ci_level=ci)
        k = len(res.params) + 1
        fit_block = {"loglik": res.loglik, "sigma2": res.sigma2, "sigma2_se": res.sigma2_se,
                     "n_effective": res.n_eff, "aic": -2 * res.loglik + 2 * k,
                     "bic": -2 * res.loglik + np.log(res.n_eff) * k, "rho": res.delta,
                     "stable": "yes" if dyn.stable else "no", "max_eigenvalue_modulus": dyn.max_modulus}
        return make_result(
            model=f"spatial.{model}_dynamic", dependent=res.y_name, coefficients=rows,
            covariance={"type": "ml_information",
                        "options": {"lee_yu": res.lee_yu,
                                    **({"bias_correction": "yu_de_jong_lee"} if opts.get("bias_correction") else {})}},
            nobs=res.nobs, n_entities=res.N, n_periods=res.T,
            effects={"entity": eff in ("individual", "twoway"), "time": eff in ("time", "twoway")},
            fit=fit_block, tests=[],
            extra={"spatial": {"weights": W.meta.get("name", ""), "weights_checks": W.checks(), "fixed_effects": eff,
                               "lee_yu": res.lee_yu, "logdet": res.logdet_method, "notes": dyn.notes,
                               "effects": {"method": "short-run effects (Debarsy, Ertur & LeSage 2012), delta "
                                                     "method with a numerical gradient",
                                           "variables": effects["short_run"]},
                               "long_run_effects": {"variables": effects["long_run"]}}},
            vcov={"names": res.names, "matrix": res.vcov.tolist()},
            spec=spec, provenance={}, label=str(spec.get("label", spec.get("name", ""))), ci_level=ci,
        )

    return named_fit(fit, f"fit_{model}_dynamic",
                     f"Dynamic spatial panel {model.upper()} with fixed effects, QML, optionally Yu-de Jong-Lee "
                     "bias-corrected (clusternet.spatial.dynamic).")


fit_sar_dynamic = _make_dynamic("sar")
fit_sdm_dynamic = _make_dynamic("sdm")
