"""Elhorst's conventions for the fixed-effects SAR and SDM, as options (``convention``), so that
results can be checked against his MATLAB routines (sar_panel_FE, LMsarsem_panel; Elhorst 2014,
*Spatial Econometrics*, ch. 3, and the code distributed with it).

``convention: clusternet`` (default) is the core (clusternet.spatial.models): the Lee–Yu (2010)
transformation approach when ``lee_yu: true``, with spatial lags formed before demeaning and
every term of the information matrix computed from transformed (demeaned) quantities.

``convention: elhorst_bc0`` — his direct approach without correction:

* the estimates are the uncorrected ML estimates (the core with ``lee_yu: false``);
* (a) the information matrix does not re-demean W·X̃β: with G = W(I-ρW)⁻¹ applied period by
  period to X̃β (X̃ the demeaned regressors),
  I_ββ = X̃'X̃/σ², I_βρ = X̃'(I_T⊗G)X̃β/σ², I_ρρ = ‖(I_T⊗G)X̃β‖²/σ² + T·tr(G² + G'G),
  I_ρσ² = T·tr(G)/σ², I_σ²σ² = NT/(2σ⁴). For individual effects only this equals the core's
  (G commutes with the time demeaning); with time effects it does not;
* the LM tests use W applied to the demeaned y and X̃β (e'Wỹ, W X̃β) instead of the demeaned
  spatial lags;
* (c) the log-likelihood is his ``f2_sarpanel``: -(NT/2)log(2πσ²) + T log|I-ρW| - e'e/(2σ²) with
  e = ỹ - ρWỹ - X̃β (W applied to the demeaned y; with time effects e'e exceeds the core's SSR by the
  squared period means of Wỹ).

``convention: elhorst_bc1`` — his bias-corrected direct approach (``info.bc = 1``, after Lee & Yu
2010): individual effects: σ² ← T/(T-1)·σ²; time effects: σ² ← N/(N-1)·σ² (β, ρ unchanged, so ρ keeps
its O(1/N) bias, unlike the transformation approach); two-way effects:
θ_bc = θ̂ + (I(θ̂)/NT)⁻¹·(0, 1/(1-ρ̂), 1/(2σ̂²))'/N and then σ² ← T/(T-1)·σ²_bc, with I his information
matrix above; the standard errors are those of his information matrix at the corrected
parameters, the log-likelihood his f2_sarpanel at the parameters before the two-way correction (as
his code reports it).

Only the lag models (SAR, SDM) are covered.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from clusternet.errors import ConfigError
from clusternet.models.inference import chi2_test
from clusternet.spatial.models import (LogDet, SpatialPanel, SpatialPanelResult, demean,
                                       fit_spatial_panel, lag, ols, regressors)

CONVENTIONS = ("clusternet", "elhorst_bc0", "elhorst_bc1")


def _design(panel: SpatialPanel, model: str, effects: str):
    return demean(regressors(panel, model, effects), effects), demean(panel.y, effects)


def elhorst_information(panel: SpatialPanel, model: str, effects: str, b: np.ndarray, rho: float,
                        s2: float) -> np.ndarray:
    """His information matrix in (β, ρ, σ²) (see the module docstring)."""
    Xt, _ = _design(panel, model, effects)
    T, N, k = Xt.shape
    Wd = panel.W.toarray()
    G = Wd @ np.linalg.inv(np.eye(N) - rho * Wd)
    xb = Xt @ b  # (T, N)
    Gxb = (G @ xb.T).T.reshape(-1)
    X2 = Xt.reshape(-1, k)
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = X2.T @ X2 / s2
    info[:k, k] = info[k, :k] = X2.T @ Gxb / s2
    info[k, k] = Gxb @ Gxb / s2 + T * (np.sum(G * G.T) + np.sum(G * G))
    info[k, k + 1] = info[k + 1, k] = T * np.trace(G) / s2
    info[k + 1, k + 1] = N * T / (2 * s2 ** 2)
    return info


def elhorst_loglik(panel: SpatialPanel, model: str, effects: str, b: np.ndarray, rho: float, s2: float,
                   ld: LogDet | None = None) -> float:
    """His f2_sarpanel log-likelihood (W applied to the demeaned y)."""
    Xt, yt = _design(panel, model, effects)
    T, N, _ = Xt.shape
    e = yt - rho * lag(panel.W, yt) - Xt @ b
    ld = ld or LogDet(panel.W, "auto")
    return float(-N * T / 2 * np.log(2 * np.pi * s2) + T * ld(rho) - np.sum(e ** 2) / (2 * s2))


def fit_elhorst(panel: SpatialPanel, model: str, effects: str, convention: str, logdet: str = "auto",
                seed: int = 0) -> tuple[SpatialPanelResult, dict]:
    """The core's direct (uncorrected) fit with Elhorst's σ²/bias correction, information matrix and
    log-likelihood. Returns the result and a dict of extra fit statistics."""
    if convention not in CONVENTIONS[1:]:
        raise ConfigError(f"convention {convention!r}: one of {', '.join(CONVENTIONS)}")
    if model not in ("sar", "sdm"):
        raise ConfigError(f"convention {convention!r} covers the lag models sar and sdm only (got {model})")
    res = fit_spatial_panel(panel, model, effects, lee_yu=False, logdet=logdet, seed=seed)
    T, N = res.T, res.N
    k = len(res.params) - 1
    b, rho, s2 = res.params[:k].copy(), float(res.params[k]), float(res.sigma2)
    ld = LogDet(panel.W, logdet, seed=seed)
    bc = convention == "elhorst_bc1"
    if bc and effects == "individual":
        s2 *= T / (T - 1)
    elif bc and effects == "time":
        s2 *= N / (N - 1)
    loglik = elhorst_loglik(panel, model, effects, b, rho, s2, ld)
    correction = None
    if bc and effects == "twoway":
        info = elhorst_information(panel, model, effects, b, rho, s2)
        parm = np.r_[b, rho, s2]
        step = np.linalg.solve(info / (N * T), np.r_[np.zeros(k), 1 / (1 - rho), 1 / (2 * s2)]) / N
        new = parm + step
        b, rho, s2 = new[:k], float(new[k]), float(T / (T - 1) * new[k + 1])
        correction = (np.r_[b, rho, s2] - parm).tolist()
    info = elhorst_information(panel, model, effects, b, rho, s2)
    V = np.linalg.inv(info)
    out = replace(res, params=np.r_[b, rho], vcov=V[: k + 1, : k + 1], sigma2=s2,
                  sigma2_se=float(np.sqrt(V[k + 1, k + 1])), loglik=loglik, lee_yu=False)
    extra = {"convention": convention, "loglik_convention": "elhorst f2_sarpanel (W applied to the demeaned y)"}
    if correction is not None:
        extra["bias_correction"] = correction
    return out, extra


def lm_tests_elhorst(panel: SpatialPanel, effects: str = "individual") -> list[dict]:
    """His LMsarsem_panel on the demeaned data: W applied to the demeaned y and X̃β."""
    T, N = panel.y.shape
    X = panel.X
    if effects == "none":
        X = np.concatenate([np.ones((T, N, 1)), X], axis=2)
    k = X.shape[2]
    Xt = demean(X, effects)
    yt = demean(panel.y, effects)
    X2, y2 = Xt.reshape(-1, k), yt.reshape(-1)
    b, XtX = ols(X2, y2)
    e = y2 - X2 @ b
    s2 = e @ e / (N * T)
    W = panel.W
    Wy = lag(W, yt).reshape(-1)
    We = lag(W, e.reshape(T, N)).reshape(-1)
    WXb = lag(W, (X2 @ b).reshape(T, N)).reshape(-1)
    MWXb = WXb - X2 @ np.linalg.solve(XtX, X2.T @ WXb)
    Ttr = T * (W.multiply(W).sum() + W.multiply(W.T).sum())
    J = (WXb @ MWXb + Ttr * s2) / s2
    ewe, ewy = e @ We, e @ Wy
    stats_ = {"lm_lag": (ewy / s2) ** 2 / J, "lm_error": (ewe / s2) ** 2 / Ttr,
              "robust_lm_lag": (ewy - ewe) ** 2 / (s2 ** 2 * (J - Ttr)),
              "robust_lm_error": (ewe - Ttr / J * ewy) ** 2 / (s2 ** 2 * Ttr * (1 - Ttr / J))}
    return [chi2_test(n, float(v), 1, f"Elhorst LMsarsem_panel convention, {effects} effects")
            for n, v in stats_.items()]
