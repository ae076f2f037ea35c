"""Borusyak, Jaravel & Spiess (2024) imputation estimator (model ``did.imputation``), with
Gardner's (2022) two-stage DID standard errors as an alternative and BJS's pre-trend test.

1. On the untreated observations (never treated, and eventually treated ones before
   G_i - anticipation) fit y_it = alpha_i + lambda_t (+ x_it'b) by OLS.
2. Impute Y_it(0) = alpha_i + lambda_t (+ x_it'b) for every treated observation (t >= G_i)
   and take tau_it = y_it - Y_it(0).
3. Estimands: ``att`` the mean of tau_it over all treated observations, ``event[e]`` the mean
   over treated observations with t - G_i = e (e >= 0).  These point estimates are exactly
   those of Gardner's two-stage DID (R did2s, pyfixest ``did2s``) with the matching second
   stage.
Treated observations whose entity has no untreated observation, or whose period has none,
cannot be imputed and are left out (listed in ``n_not_imputable``).

Standard errors (``se``):
* ``bjs`` (default) BJS Theorem 3's conservative estimator: every estimate is linear in y,
  tau_w = sum_it v_it y_it with v_it = w_it on treated observations and
  v_0 = -Z_0 (Z_0'Z_0)^-1 Z_1'w on untreated ones; Var = sum_clusters (sum v_it e_it)^2 with e the
  first-stage residual on untreated observations and tau_it - tau_bar_{g,t} on treated ones
  (tau_bar the v-weighted mean of the cohort-period cell; no leave-one-out correction, BJS's
  default in Stata ``did_imputation`` uses the leave-out version only with few units per cell).
  The leave-out version (BJS 2024 sec. 4.3, Stata ``did_imputation, leaveout``) is reported beside it
  (``extra.did.std_error_bjs_leaveout``): the cell mean is taken without the observation's own
  cluster; undefined (null) for an estimand with a cell of one cluster (the Guizhou cohort).
* ``gardner`` the GMM-corrected two-stage covariance of Gardner (2022) / Butts & Gardner,
  as R did2s and pyfixest compute it (no small-sample factor).
Both are clustered by entity; normal inference.

``pretrend_leads`` K > 0 adds BJS's Test 1: on the untreated observations only, regress y on
the fixed effects (and covariates) and dummies for t - G_i = -1..-K; the Wald/F test that the
K lead coefficients are zero (entity-clustered, fixest small-sample factor, F(K, G-1)).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from clusternet.errors import ConfigError, EstimationError
from clusternet.models.did_fe import codes, group_sum, twfe_ols


@dataclass
class ImputationResult:
    names: list[str]
    estimates: np.ndarray
    se_bjs: np.ndarray
    se_gardner: np.ndarray
    n_treated: int
    n_not_imputable: int
    n_clusters: int
    nobs: int
    pretest: dict | None = None
    tau: np.ndarray = field(default_factory=lambda: np.empty(0))
    se_bjs_leaveout: np.ndarray = field(default_factory=lambda: np.empty(0))


def _design(entity: np.ndarray, time: np.ndarray, X: np.ndarray | None) -> np.ndarray:
    _, e = codes(entity)
    _, t = codes(time)
    E = np.zeros((len(e), int(e.max()) + 1))
    E[np.arange(len(e)), e] = 1.0
    T = np.zeros((len(t), max(int(t.max()), 0)))
    rows = t > 0
    T[np.flatnonzero(rows), t[rows] - 1] = 1.0
    parts = [E, T] if X is None else [E, T, X]
    return np.column_stack(parts)


def imputation(y: np.ndarray, entity: np.ndarray, time: np.ndarray, cohort: np.ndarray,
               X: np.ndarray | None = None, *, anticipation: int = 0, pretrend_leads: int = 0,
               cluster: np.ndarray | None = None) -> ImputationResult:
    """The imputation estimator on long data (``cohort`` per row, NaN = never treated)."""
    if int(anticipation) != anticipation or anticipation < 0:
        raise ConfigError(f"options.anticipation must be a non-negative integer, got {anticipation!r}")
    y = np.asarray(y, dtype=float)
    time = np.asarray(time).astype(int)
    entity = np.asarray(entity)
    g = np.asarray(cohort, dtype=float)
    Xa = None if X is None else np.asarray(X, dtype=float).reshape(len(y), -1)
    cl = entity if cluster is None else np.asarray(cluster)
    has_g = ~np.isnan(g)
    gz = np.nan_to_num(g, nan=np.inf)
    treated = has_g & (time >= gz)
    untreated = ~has_g | (time < gz - anticipation)
    if not treated.any():
        raise EstimationError("no treated observation in the sample")
    Z = _design(entity, time, Xa)
    Z0 = Z[untreated]
    ztz = Z0.T @ Z0
    # columns without untreated support (an entity or a period never untreated) are not identified
    support = np.diag(ztz) > 0
    imputable = treated & np.all((Z[:, ~support] == 0), axis=1)
    Zs, Z0s = Z[:, support], Z0[:, support]
    ztz = Z0s.T @ Z0s
    try:
        np.linalg.cholesky(ztz)
        inv = np.linalg.inv(ztz)
    except np.linalg.LinAlgError as exc:
        raise EstimationError("first-stage design (fixed effects and covariates on the untreated observations) "
                              "is collinear") from exc
    theta = inv @ (Z0s.T @ y[untreated])
    fitted = Zs @ theta
    u1 = np.where(untreated, y - fitted, 0.0)
    tau = np.where(imputable, y - fitted, np.nan)
    e = np.where(has_g, time - np.nan_to_num(g), np.nan)
    horizons = sorted({int(v) for v in e[imputable]})
    names = ["att", *[f"event[{k}]" for k in horizons]]
    masks = [imputable, *[imputable & (e == k) for k in horizons]]
    W = np.column_stack([m / m.sum() for m in masks])          # n x m estimand weights on treated rows
    est = np.nansum(W * np.nan_to_num(tau)[:, None], axis=0)
    # BJS conservative variance
    V = W.copy()
    V[untreated] = -Z0s @ (inv @ (Zs[imputable].T @ W[imputable]))
    _, gcode = codes(np.where(has_g, g, -1))
    _, tcode = codes(time)
    cell = gcode * (int(tcode.max()) + 1) + tcode
    se_bjs = np.zeros(len(names))
    se_lo = np.full(len(names), np.nan)
    _, clc = codes(cl)
    n_cl = int(clc.max()) + 1
    for j in range(len(names)):
        v = V[:, j]
        resid = u1.copy()
        resid_lo = u1.copy()
        on = imputable & (v != 0)
        lo_ok = True
        if on.any():
            cells, inv_c = np.unique(cell[on], return_inverse=True)
            num = np.bincount(inv_c, weights=v[on] * tau[on], minlength=len(cells))
            den = np.bincount(inv_c, weights=v[on], minlength=len(cells))
            resid[on] = tau[on] - (num / den)[inv_c]
            # leave-out: the cell mean without the observation's own cluster (BJS 2024, sec. 4.3)
            pair = inv_c * n_cl + clc[on]
            pairs, inv_p = np.unique(pair, return_inverse=True)
            num_p = np.bincount(inv_p, weights=v[on] * tau[on], minlength=len(pairs))
            den_p = np.bincount(inv_p, weights=v[on], minlength=len(pairs))
            den_out = den[inv_c] - den_p[inv_p]
            lo_ok = bool(np.all(np.abs(den_out) > 1e-12 * np.abs(den[inv_c])))
            if lo_ok:
                resid_lo[on] = tau[on] - (num[inv_c] - num_p[inv_p]) / den_out
        s = np.bincount(clc, weights=v * resid, minlength=n_cl)
        se_bjs[j] = np.sqrt(np.sum(s ** 2))
        if lo_ok:
            s_lo = np.bincount(clc, weights=v * resid_lo, minlength=n_cl)
            se_lo[j] = np.sqrt(np.sum(s_lo ** 2))
    # Gardner two-stage GMM covariance, separately for the static and the event-study second stage
    se_g = np.zeros(len(names))
    ytilde = y - fitted
    X10 = np.where(untreated[:, None], Zs, 0.0)
    x10 = ztz  # X10'X10: the first-stage normal matrix
    for cols in ([0], list(range(1, len(names)))):
        if not cols:
            continue
        X2 = np.column_stack([masks[c].astype(float) for c in cols])
        b2 = est[cols]
        u2 = np.where(X2.any(axis=1), ytilde - X2 @ b2, 0.0)
        x2x2_inv = np.linalg.inv(X2.T @ X2)
        A = np.linalg.solve(x10, (X2.T @ Zs).T).T    # (X2'X1)(X10'X10)^-1
        s2 = group_sum(X2 * u2[:, None], clc, n_cl)
        s1 = group_sum(X10 * u1[:, None], clc, n_cl)
        Wg = s2 - s1 @ A.T
        cov = x2x2_inv @ (Wg.T @ Wg) @ x2x2_inv
        se_g[cols] = np.sqrt(np.diag(cov))
    pre = None
    if pretrend_leads:
        K = int(pretrend_leads)
        lead = [(untreated & has_g & (e == -k)).astype(float) for k in range(1 + anticipation, K + 1 + anticipation)]
        live = [k for k, col in enumerate(lead) if col.any()]
        if live:
            design = np.column_stack([lead[k] for k in live])
            Xd = design[untreated] if Xa is None else np.column_stack([design[untreated], Xa[untreated]])
            fit = twfe_ols(y[untreated], Xd, entity[untreated], time[untreated],
                           cluster=None if cluster is None else cl[untreated])
            q = len(live)
            b = fit.beta[:q]
            f = float(b @ np.linalg.solve(fit.vcov[:q, :q], b) / q)
            dfd = fit.n_clusters - 1
            pre = {"statistic": f, "df": [q, dfd], "p_value": float(stats.f.sf(f, q, dfd)),
                   "leads": [-(k + 1 + anticipation) for k in live], "coefficients": [float(v) for v in b]}
    return ImputationResult(names=names, estimates=est, se_bjs=se_bjs, se_gardner=se_g,
                            n_treated=int(treated.sum()), n_not_imputable=int((treated & ~imputable).sum()),
                            n_clusters=n_cl, nobs=len(y), pretest=pre, tau=tau, se_bjs_leaveout=se_lo)


IMPUTATION_OPTIONS = {"adoption_years": None, "anticipation": 0, "se": "bjs", "pretrend_leads": 3,
                      "source": None, "missing": "error"}


def fit_did_imputation(data: pd.DataFrame, spec: dict) -> dict:
    """The ``did_imputation`` estimator of config/models.yaml (options: adoption_years,
    anticipation, se bjs|gardner, pretrend_leads, missing, source)."""
    from clusternet.models.did import cohort_sizes, staggered_long_sample
    from clusternet.models.mechanisms import spec_ci_level, spec_name, spec_options
    from clusternet.results import coefficient_table, make_result

    opts = spec_options(spec, IMPUTATION_OPTIONS)
    if opts["se"] not in ("bjs", "gardner"):
        raise ConfigError(f"specification {spec_name(spec)!r}: options.se must be bjs or gardner, got {opts['se']!r}")
    frame, dropped, yname, controls, common, gser, arrays = staggered_long_sample(data, spec, opts)
    try:
        res = imputation(*arrays, anticipation=opts["anticipation"], pretrend_leads=int(opts["pretrend_leads"]))
    except (ConfigError, EstimationError) as exc:
        raise type(exc)(f"specification {spec_name(spec)!r}: {exc}") from exc
    level = spec_ci_level(spec)
    se = res.se_bjs if opts["se"] == "bjs" else res.se_gardner
    rows = coefficient_table(res.names, res.estimates, se, df_resid=None, ci_level=level)
    tests = []
    if res.pretest:
        p = res.pretest
        tests.append({"name": "pretrends_joint_zero", "statistic": p["statistic"], "df": p["df"],
                      "p_value": p["p_value"],
                      "note": f"BJS Test 1: leads {p['leads']} on the untreated observations all zero; "
                              "Wald/q against F(q, G-1)"})
    extra = {"did": {
        "estimator": "imputation", "se": opts["se"], "anticipation": int(opts["anticipation"]),
        "std_error_bjs": dict(zip(res.names, map(float, res.se_bjs))),
        "std_error_gardner": dict(zip(res.names, map(float, res.se_gardner))),
        "std_error_bjs_leaveout": {n: (float(v) if np.isfinite(v) else None)
                                   for n, v in zip(res.names, res.se_bjs_leaveout)},
        "n_treated_obs": res.n_treated, "n_not_imputable": res.n_not_imputable,
        "cohorts": cohort_sizes(frame, gser, common["entity"]), "n_dropped_missing": dropped,
        "covariates": controls, "pretest": res.pretest, "source": opts["source"],
    }}
    return make_result(
        model="did.imputation", dependent=yname, coefficients=rows,
        covariance={"type": "cluster", "options": {"level": common["entity"], "estimator": opts["se"]},
                    "n_clusters": res.n_clusters},
        nobs=res.nobs, n_entities=int(frame[common["entity"]].nunique()),
        n_periods=int(frame[common["time"]].nunique()), effects={"entity": True, "time": True},
        tests=tests, extra=extra, spec=spec, provenance={}, ci_level=level, label=spec.get("label", spec_name(spec)),
    )
