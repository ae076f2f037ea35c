"""Elhorst-comparable output of the fixed-effects spatial models (as his sar_panel_FE /
sem_panel_FE and prt_sp print it): R², corr², the fixed-effect estimates with t-values and LR tests
of the joint significance of the spatial and the time fixed effects.

* R² = 1 - e'e / Σ(y - ȳ)², e the residual of the model in levels including the fixed effects
  (= the demeaned residual), ȳ the grand mean.
* corr² = squared correlation of ỹ and its fitted value without the residual: (I-ρW)⁻¹X̃β period
  by period for lag models, X̃β otherwise (Elhorst's "corr-squared").
* Fixed effects (Elhorst's formulas): intercept μ = ȳ - ρ·mean(Wy) - x̄'β; spatial effects
  α_i = ȳ_i - ρ·(Wy)̄_i - x̄_i'β - μ with t = α_i / sqrt(σ²/T + σ²·x̄_i'(X̃'X̃)⁻¹x̄_i), time effects
  γ_t likewise with σ²/N and the period means (two-way: both, each net of μ). The variance ignores
  the sampling error of ρ and of μ, as his code does.
* LR tests (two-way models only): the same spatial model fitted by the uncorrected likelihood
  (``lee_yu: false``, so that the three likelihoods are comparable) with two-way, time-only and
  individual-only effects; LR(spatial FE) = 2(ℓ_twoway - ℓ_time) with N - 1 degrees of freedom,
  LR(time FE) = 2(ℓ_twoway - ℓ_individual) with T - 1.
"""
from __future__ import annotations

import numpy as np

from clusternet.errors import EstimationError
from clusternet.models.inference import chi2_p_value, test_row
from clusternet.spatial.models import LAG_MODELS, SpatialPanel, SpatialPanelResult, demean, lag, regressors


def fit_statistics(panel: SpatialPanel, res: SpatialPanelResult) -> dict:
    """{"r2", "corr2"} and the fixed-effect estimates {"intercept", "spatial", "time"} (lists of
    {id, estimate, t}) where the model has them."""
    T, N = panel.y.shape
    X = regressors(panel, res.model, res.effects)
    k = X.shape[2]
    lagged = res.model in LAG_MODELS
    b = res.params[:k]
    rho = float(res.params[k]) if lagged else 0.0
    Wy = lag(panel.W, panel.y)
    y_t, Wy_t, X_t = demean(panel.y, res.effects), demean(Wy, res.effects), demean(X, res.effects)
    e = y_t - rho * Wy_t - X_t @ b
    if res.model in ("sem", "sdem"):  # the error models' residual in levels is u = y - Xβ - FE
        e = y_t - X_t @ b
    tss = float(np.sum((panel.y - panel.y.mean()) ** 2))
    fitted = X_t @ b
    if lagged:
        Wd = panel.W.toarray()
        fitted = np.linalg.solve(np.eye(N) - rho * Wd, fitted.T).T
    r = np.corrcoef(y_t.reshape(-1), fitted.reshape(-1))[0, 1]
    out: dict = {"r2": 1 - float(np.sum(e ** 2)) / tss, "corr2": float(r ** 2)}
    if res.effects == "none":
        return out
    s2 = res.sigma2
    XtX_inv = np.linalg.inv(X_t.reshape(-1, k).T @ X_t.reshape(-1, k))
    mu = float(panel.y.mean() - rho * Wy.mean() - X.reshape(-1, k).mean(axis=0) @ b)
    out["intercept"] = mu
    fe: dict = {}
    if res.effects in ("individual", "twoway"):
        xm = X.mean(axis=0)  # (N, k)
        est = panel.y.mean(axis=0) - rho * Wy.mean(axis=0) - xm @ b - mu
        se = np.sqrt(s2 / T + s2 * np.einsum("nk,kl,nl->n", xm, XtX_inv, xm))
        fe["spatial"] = [{"id": int(i), "estimate": float(a), "t": float(a / s)} for i, a, s in zip(panel.ids, est, se)]
    if res.effects in ("time", "twoway"):
        xm = X.mean(axis=1)  # (T, k)
        est = panel.y.mean(axis=1) - rho * Wy.mean(axis=1) - xm @ b - mu
        se = np.sqrt(s2 / N + s2 * np.einsum("tk,kl,tl->t", xm, XtX_inv, xm))
        fe["time"] = [{"id": int(t), "estimate": float(g), "t": float(g / s)} for t, g, s in zip(panel.years, est, se)]
    out["fixed_effects"] = fe
    return out


def fe_lr_tests(panel: SpatialPanel, model: str, fit, **fit_args) -> list[dict]:
    """LR tests of the joint significance of the spatial and of the time fixed effects (two-way
    models; ``fit(panel, model, effects, lee_yu=False, **fit_args)`` is the core fit)."""
    T, N = panel.y.shape
    ll, failed = {}, {}
    for eff in ("twoway", "time", "individual"):
        try:
            ll[eff] = fit(panel, model, eff, lee_yu=False, **fit_args).loglik
        except EstimationError as exc:  # e.g. the spatial parameter at a bound without one set of effects
            failed[eff] = str(exc)
    rows = []
    for name, restricted, df in (("lr_spatial_fixed_effects", "time", N - 1),
                                 ("lr_time_fixed_effects", "individual", T - 1)):
        note = f"LR two-way vs {restricted} effects, {model.upper()}, uncorrected likelihoods"
        bad = [e for e in ("twoway", restricted) if e in failed]
        if bad:  # reported, not guessed: the statistic is missing and the note says why
            rows.append(test_row(name, float("nan"), df, float("nan"),
                                 f"{note}: not computed, the {bad[0]}-effects fit failed ({failed[bad[0]][:200]})"))
            continue
        lr = 2 * (ll["twoway"] - ll[restricted])
        rows.append(test_row(name, float(lr), df, chi2_p_value(max(lr, 0.0), df), note))
    return rows
