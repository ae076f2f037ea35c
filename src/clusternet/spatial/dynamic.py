"""Dynamic spatial panels with fixed effects (time lag and space-time lag) by quasi-ML, with
short- and long-run direct/indirect/total effects (Debarsy, Ertur & LeSage 2012).

Model (Yu, de Jong & Lee 2008; Elhorst 2014 ch. 4), periods t = 2..T::

    y_t = ρ W y_t + τ y_{t-1} + η W y_{t-1} + X_t β + W X_t θ (SDM only) + α + γ_t + ε_t

Estimation: the likelihood conditional on the first period, i.e. the core's fixed-effects SAR
(clusternet.spatial.models.fit_spatial_panel, ρ as the root of the concentrated score, Lee–Yu
transformation by default) with y_{t-1}, W y_{t-1} (and W X) as regressors. *This is the
uncorrected QML*: with individual effects it has the O(1/T) (Nickell-type) bias that Yu, de Jong &
Lee (2008) remove by an analytic bias correction, which is NOT implemented here; use it for
moderate-to-long T (the bias is about (1 + τ)/T in τ for small ρ, η).

Effects of regressor k (B_k = β_k I + θ_k W, S = I - ρW):

    short run:  S⁻¹ B_k
    long run:   ((1 - τ) I - (ρ + η) W)⁻¹ B_k          (needs a stable process)

direct = mean diagonal, total = mean row sum, indirect = total - direct; standard errors by the
delta method with the gradient in (β_k, θ_k, ρ, τ, η) by central differences of these
dense-inverse expressions (smooth in the parameters; step 1e-6). Stability (Debarsy et al. 2012):
every eigenvalue of S⁻¹(τI + ηW) must have modulus below 1; otherwise the long-run effects are
reported as null with a note.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from clusternet.errors import ConfigError, DataError
from clusternet.spatial.models import SpatialPanel, SpatialPanelResult, fit_spatial_panel, lag

KINDS = ("direct", "indirect", "total")
FD = 1e-6


@dataclass
class DynamicResult:
    core: SpatialPanelResult  # the fit on periods 2..T with the lagged regressors
    durbin: bool
    stable: bool
    max_modulus: float
    notes: list = field(default_factory=list)


def lagged_panel(panel: SpatialPanel, durbin: bool, spacetime: bool = True) -> SpatialPanel:
    """Periods 2..T with regressors [y_{t-1}, W y_{t-1}, X_t, (W X_t)]."""
    T, N = panel.y.shape
    if T < 3:
        raise DataError(f"a dynamic panel needs at least three periods (T = {T})")
    ylag = panel.y[:-1]
    cols = [ylag[..., None]]
    names = [f"{panel.y_name}_lag"]
    if spacetime:
        cols.append(lag(panel.W, ylag)[..., None])
        names.append(f"W*{panel.y_name}_lag")
    cols.append(panel.X[1:])
    names += list(panel.x_names)
    if durbin:
        cols.append(lag(panel.W, panel.X[1:]))
        names += [f"W*{n}" for n in panel.x_names]
    return SpatialPanel(panel.y[1:], np.concatenate(cols, axis=2), panel.W, panel.ids, panel.years[1:],
                        panel.y_name, names)


def fit_dynamic(panel: SpatialPanel, model: str = "sar", effects: str = "individual", lee_yu: bool = True,
                logdet: str = "auto", seed: int = 0, spacetime: bool = True) -> DynamicResult:
    if model not in ("sar", "sdm"):
        raise ConfigError(f"dynamic spatial model {model!r}: sar or sdm")
    core = fit_spatial_panel(lagged_panel(panel, model == "sdm", spacetime), "sar", effects, lee_yu=lee_yu,
                             logdet=logdet, seed=seed)
    off = 1 if effects == "none" else 0
    tau = core.params[off]
    eta = core.params[off + 1] if spacetime else 0.0
    Wd = panel.W.toarray()
    N = Wd.shape[0]
    A = np.linalg.solve(np.eye(N) - core.delta * Wd, tau * np.eye(N) + eta * Wd)
    modulus = float(np.abs(np.linalg.eigvals(A)).max())
    notes = [] if modulus < 1 else [f"not stable: the largest eigenvalue modulus of S^-1 (tau I + eta W) is "
                                    f"{modulus:.4f} >= 1; long-run effects are not defined"]
    notes.append("uncorrected QML (no Yu-de Jong-Lee bias correction): O(1/T) bias with individual effects")
    return DynamicResult(core, model == "sdm", modulus < 1, modulus, notes)


def _effects(params, idx, Wd, long_run):
    """(direct, indirect, total) of one regressor from the parameter vector."""
    N = Wd.shape[0]
    beta = params[idx["beta"]]
    theta = params[idx["theta"]] if idx["theta"] is not None else 0.0
    rho, tau = params[idx["rho"]], params[idx["tau"]]
    eta = params[idx["eta"]] if idx["eta"] is not None else 0.0
    Bk = beta * np.eye(N) + theta * Wd
    M = (1 - tau) * np.eye(N) - (rho + eta) * Wd if long_run else np.eye(N) - rho * Wd
    E = np.linalg.solve(M, Bk)
    d, t = np.trace(E) / N, E.sum() / N
    return np.array([d, t - d, t])


def dynamic_effects(res: DynamicResult, W, ci_level: float = 0.95, spacetime: bool = True) -> dict:
    """{"short_run"|"long_run": {variable: {kind: {estimate, std_error, z, p_value, ci_lower, ci_upper}}}}."""
    core = res.core
    off = 1 if core.effects == "none" else 0
    Wd = W.toarray()
    names = core.names
    q = stats.norm.ppf(0.5 + ci_level / 2)
    x_names = [n for n in names[off + (2 if spacetime else 1):] if not n.startswith("W*") and n not in ("rho",)]
    out: dict = {"short_run": {}, "long_run": {}}
    p0 = core.params
    for name in x_names:
        idx = {"beta": names.index(name), "theta": names.index(f"W*{name}") if f"W*{name}" in names else None,
               "rho": len(names) - 1, "tau": off, "eta": off + 1 if spacetime else None}
        for horizon, long_run in (("short_run", False), ("long_run", True)):
            if long_run and not res.stable:
                out[horizon][name] = {k: {"estimate": None, "std_error": None, "z": None, "p_value": None,
                                          "ci_lower": None, "ci_upper": None} for k in KINDS}
                continue
            est = _effects(p0, idx, Wd, long_run)
            J = np.empty((3, len(p0)))
            for i in range(len(p0)):
                h = FD * max(1.0, abs(p0[i]))
                e = np.zeros(len(p0))
                e[i] = h
                J[:, i] = (_effects(p0 + e, idx, Wd, long_run) - _effects(p0 - e, idx, Wd, long_run)) / (2 * h)
            se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", J, core.vcov, J), 0))
            row = {}
            for j, kind in enumerate(KINDS):
                z = est[j] / se[j] if se[j] > 0 else float("nan")
                row[kind] = {"estimate": float(est[j]), "std_error": float(se[j]), "z": float(z),
                             "p_value": float(2 * stats.norm.sf(abs(z))) if se[j] > 0 else float("nan"),
                             "ci_lower": float(est[j] - q * se[j]), "ci_upper": float(est[j] + q * se[j])}
            out[horizon][name] = row
    return out
