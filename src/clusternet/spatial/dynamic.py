"""Dynamic spatial panels with fixed effects (time lag and space-time lag) by quasi-ML, with
short- and long-run direct/indirect/total effects (Debarsy, Ertur & LeSage 2012).

Model (Yu, de Jong & Lee 2008; Elhorst 2014 ch. 4), periods t = 2..T::

    y_t = ρ W y_t + τ y_{t-1} + η W y_{t-1} + X_t β + W X_t θ (SDM only) + α + γ_t + ε_t

Estimation: the likelihood conditional on the first period, i.e. the core's fixed-effects SAR
(clusternet.spatial.models.fit_spatial_panel, ρ as the root of the concentrated score, Lee–Yu
transformation by default) with y_{t-1}, W y_{t-1} (and W X) as regressors. This QML has an O(1/T)
(Nickell-type) bias with individual effects (about (1 + τ)/T in τ for small ρ, η).

Bias correction (``bias_correction=True``; Yu, de Jong & Lee 2008, JoE 146, eq. (10)-(12) and
Theorem 3; for two-way effects Lee & Yu 2010, Econometric Theory 26, the time effects removed first
by the orthonormal F_N transformation y*_t = F_N'y_t, W* = F_N'WF_N, n = N - 1): with n units and t
periods after the transformations, θ = (τ, η, β, θ_W, ρ, σ²), Σ the information matrix divided by nt
(``information``) and the bias vector b(θ) (``bias_vector``):

    b_τ = tr((I - A)⁻¹ S⁻¹)/n,   b_η = tr(W(I - A)⁻¹ S⁻¹)/n,
    b_ρ = τ·tr(G(I - A)⁻¹S⁻¹)/n + η·tr(GW(I - A)⁻¹S⁻¹)/n + tr(G)/n,   b_σ² = 1/(2σ²),

A = S⁻¹(τI + ηW), G = WS⁻¹ (all with W* for two-way effects); the corrected estimator is
θ¹ = θ̂ + Σ̂⁻¹b̂/t, and its variance (Σ⁻¹ + Σ⁻¹ΩΣ⁻¹)/(nt) at θ¹, Ω the fourth-moment term of
Yu et al. (μ₄ - 3σ⁴)/σ⁴ · [[diag(G)'diag(G)/n, tr(G)/(2σ²n)], [·, 1/(4σ⁴)]] in (ρ, σ²), μ₄ the mean of
the fourth power of the residuals. σ̂² = SSR/(nt) (no degrees-of-freedom factor, as in the paper).
Eigenvalues of A above 1 - 1/n (a unit root, Yu et al.'s "spatial cointegration" case) stop the
correction with an error: that case is not implemented. ``residuals="structural"`` (default) takes
μ₄ from ε̂ = ỹ - ρWỹ - Z̃θ̂; ``residuals="reduced"`` from ỹ - (I - ρW)⁻¹Z̃θ̂ as SDPDmod 0.0.6 does
(its ``yhat``), only to reproduce its printed standard errors.

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


@dataclass
class TransformedDynamic:
    """The data of the bias-corrected estimator after its transformations: y (t, n), Z (t, n, k)
    with columns [y_{t-1}, (W y_{t-1}), X, (W X)], Wy (t, n) and W (n x n; F_N'WF_N for two-way)."""

    y: np.ndarray
    Z: np.ndarray
    Wy: np.ndarray
    W: np.ndarray


def transformed_dynamic(lagged: SpatialPanel, effects: str) -> TransformedDynamic:
    """Two-way: F_N' per period (F_N the orthonormal eigenvectors of I - J/N with eigenvalue 1;
    needs a row-standardised W), then for both the within (time-demeaning) transformation."""
    Wd = lagged.W.toarray()
    y, Z = lagged.y, lagged.X
    if effects == "twoway":
        N = Wd.shape[0]
        if not np.allclose(Wd.sum(axis=1), 1.0, atol=1e-10):
            raise ConfigError("the bias-corrected two-way dynamic model needs a row-standardised W (Lee & Yu 2010)")
        vals, vecs = np.linalg.eigh(np.eye(N) - np.ones((N, N)) / N)
        F = vecs[:, vals > 0.5]
        y, Z, Wd = y @ F, np.einsum("tnk,nm->tmk", Z, F), F.T @ Wd @ F
    y = y - y.mean(axis=0)
    Z = Z - Z.mean(axis=0)
    return TransformedDynamic(y, Z, (Wd @ y.T).T, Wd)


def information(d: TransformedDynamic, coef: np.ndarray, rho: float, s2: float) -> np.ndarray:
    """Σ: the information matrix in (coef, ρ, σ²) divided by nt (Yu, de Jong & Lee 2008, eq. (8))."""
    t, n, k = d.Z.shape
    S_inv = np.linalg.inv(np.eye(n) - rho * d.W)
    G = d.W @ S_inv
    Z2 = d.Z.reshape(-1, k)
    Gzb = (G @ (d.Z @ coef).T).T.reshape(-1)
    m = np.zeros((k + 2, k + 2))
    m[:k, :k] = Z2.T @ Z2 / s2
    m[:k, k] = m[k, :k] = Z2.T @ Gzb / s2
    m[k, k] = Gzb @ Gzb / s2 + t * (np.sum(G * G) + np.sum(G * G.T))
    m[k, k + 1] = m[k + 1, k] = t * np.trace(G) / s2
    m[k + 1, k + 1] = n * t / (2 * s2 ** 2)
    return m / (n * t)


def bias_vector(d: TransformedDynamic, coef: np.ndarray, rho: float, s2: float, spacetime: bool) -> np.ndarray:
    """b(θ) of Yu, de Jong & Lee (2008) (module docstring); raises for a unit root of A."""
    t, n, k = d.Z.shape
    eye = np.eye(n)
    S_inv = np.linalg.inv(eye - rho * d.W)
    G = d.W @ S_inv
    tau, eta = coef[0], (coef[1] if spacetime else 0.0)
    A = S_inv @ (tau * eye + eta * d.W)
    big = np.linalg.eigvals(A).real
    if np.any(big > 1 - 1 / n):
        raise DataError(f"the dynamic process has an eigenvalue of S^-1(tau I + eta W) of {big.max():.4f} > 1 - 1/n: "
                        "the unit-root (spatial cointegration) case of the Yu-de Jong-Lee correction is not "
                        "implemented; use bias_correction: false")
    M = np.linalg.solve(eye - A, S_inv)  # (I - A)⁻¹ S⁻¹
    b = np.zeros(k + 2)
    b[0] = np.trace(M) / n
    b[k] = tau * np.trace(G @ M) / n + np.trace(G) / n
    if spacetime:
        b[1] = np.trace(d.W @ M) / n
        b[k] += eta * np.trace(G @ d.W @ M) / n
    b[k + 1] = 1 / (2 * s2)
    return b


def corrected_estimates(d: TransformedDynamic, coef: np.ndarray, rho: float, s2: float, spacetime: bool,
                        residuals: str = "structural") -> tuple[np.ndarray, np.ndarray]:
    """(θ¹, its covariance) from the uncorrected θ̂ = (coef, ρ, σ²); see the module docstring."""
    if residuals not in ("structural", "reduced"):
        raise ConfigError(f"residuals {residuals!r}: structural or reduced")
    t, n, k = d.Z.shape
    theta = np.r_[coef, rho, s2]
    theta1 = theta + np.linalg.solve(information(d, coef, rho, s2), bias_vector(d, coef, rho, s2, spacetime)) / t
    c1, r1, s21 = theta1[:k], float(theta1[k]), float(theta1[k + 1])
    Sig_inv = np.linalg.inv(information(d, c1, r1, s21))
    zb = d.Z @ c1
    if residuals == "structural":
        e = d.y - r1 * d.Wy - zb
    else:
        e = d.y - np.linalg.solve(np.eye(n) - r1 * d.W, zb.T).T
    mu4 = float(np.mean(e ** 4))
    G = d.W @ np.linalg.inv(np.eye(n) - r1 * d.W)
    omega = np.zeros((k + 2, k + 2))
    omega[k, k] = np.diag(G) @ np.diag(G) / n
    omega[k, k + 1] = omega[k + 1, k] = np.trace(G) / (2 * s21 * n)
    omega[k + 1, k + 1] = 1 / (4 * s21 ** 2)
    omega *= (mu4 - 3 * s21 ** 2) / s21 ** 2
    return theta1, (Sig_inv + Sig_inv @ omega @ Sig_inv) / (n * t)


def fit_dynamic(panel: SpatialPanel, model: str = "sar", effects: str = "individual", lee_yu: bool = True,
                logdet: str = "auto", seed: int = 0, spacetime: bool = True,
                bias_correction: bool = False) -> DynamicResult:
    if model not in ("sar", "sdm"):
        raise ConfigError(f"dynamic spatial model {model!r}: sar or sdm")
    lagged = lagged_panel(panel, model == "sdm", spacetime)
    if bias_correction:
        return _fit_corrected(panel, lagged, model, effects, logdet, seed, spacetime)
    core = fit_spatial_panel(lagged, "sar", effects, lee_yu=lee_yu, logdet=logdet, seed=seed)
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


def _stability(panel: SpatialPanel, rho: float, tau: float, eta: float) -> float:
    Wd = panel.W.toarray()
    N = Wd.shape[0]
    A = np.linalg.solve(np.eye(N) - rho * Wd, tau * np.eye(N) + eta * Wd)
    return float(np.abs(np.linalg.eigvals(A)).max())


def _fit_corrected(panel, lagged, model, effects, logdet, seed, spacetime) -> DynamicResult:
    """Yu-de Jong-Lee (individual) / Lee-Yu (two-way) bias-corrected QML (module docstring)."""
    if effects not in ("individual", "twoway"):
        raise ConfigError(f"bias_correction of the dynamic model needs individual or two-way effects (got {effects})")
    # the uncorrected QML: for individual effects the direct within likelihood (T periods), for two-way
    # the F_N-transformed one; both have the core's ρ̂ and β̂ (same concentrated likelihood up to scale)
    core = fit_spatial_panel(lagged, "sar", effects, lee_yu=effects == "twoway", logdet=logdet, seed=seed)
    d = transformed_dynamic(lagged, effects)
    t, n, k = d.Z.shape
    rho = float(core.params[-1])
    coef = core.params[:-1]
    e = d.y - rho * d.Wy - d.Z @ coef
    s2 = float(np.sum(e ** 2) / (n * t))
    theta1, V = corrected_estimates(d, coef, rho, s2, spacetime)
    c1, r1, s21 = theta1[:k], float(theta1[k]), float(theta1[k + 1])
    e1 = d.y - r1 * d.Wy - d.Z @ c1
    logdet_ = np.linalg.slogdet(np.eye(n) - r1 * d.W)[1]
    ll = float(-n * t / 2 * np.log(2 * np.pi * s21) + t * logdet_ - np.sum(e1 ** 2) / (2 * s21))
    from dataclasses import replace

    corrected = replace(core, params=np.r_[c1, r1], vcov=V[: k + 1, : k + 1], sigma2=s21,
                        sigma2_se=float(np.sqrt(V[k + 1, k + 1])), loglik=ll, resid=e1.reshape(-1), n_eff=n * t)
    modulus = _stability(panel, r1, c1[0], c1[1] if spacetime else 0.0)
    notes = [] if modulus < 1 else [f"not stable: the largest eigenvalue modulus of S^-1 (tau I + eta W) is "
                                    f"{modulus:.4f} >= 1; long-run effects are not defined"]
    notes.append("Yu-de Jong-Lee (2008) bias-corrected QML" + (" with the Lee-Yu (2010) F_N transformation for the "
                                                               "time effects" if effects == "twoway" else "")
                 + f"; uncorrected rho {rho:.6g}, tau {coef[0]:.6g}")
    return DynamicResult(corrected, model == "sdm", modulus < 1, modulus, notes)


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
