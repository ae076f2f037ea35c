"""SAC / SARAR panel model (spatial lag and spatial error together) with fixed effects, by ML.

Model (one W for both, as xsmle's ``sac`` and Elhorst's SAC)::

    y = ρ W y + X β + α + γ + u,    u = λ W u + ε,    ε ~ N(0, σ²I)

Fixed effects are removed as in the core (clusternet.spatial.models): demeaning, spatial lags
formed before demeaning, and with the Lee–Yu correction (default) n* = N*·T*, T* and the
c·log(1-δ) terms for time effects (W row-standardised), now for both ρ and λ. With S = I - ρW,
B = I - λW, the residual r = B(Sy - Xβ) (of the demeaned data) and

    ℓ = -(n*/2) log(2πσ²) + T*[log|S| - c log(1-ρ) + log|B| - c log(1-λ)] - r'r/(2σ²).

Given (ρ, λ), β is OLS of By - ρBWy on BX and σ² = r'r/n*; the profile likelihood in (ρ, λ) has
the analytic gradient (envelope theorem)

    ∂ℓ/∂ρ = n*·r'(BWy)/r'r + T*[-tr(S⁻¹W) + c/(1-ρ)]
    ∂ℓ/∂λ = n*·r'W(Sy - Xβ)/r'r + T*[-tr(B⁻¹W) + c/(1-λ)]

and (ρ, λ) solve these two first-order conditions: the best point of a grid over the admissible
square starts a bounded quasi-Newton search, whose end starts Powell's hybrid root finder on the
analytic gradient; the solution is accepted when the gradient is below 1e-7·n*. (ρ, λ) are not
identified when X has no explanatory power and can have two local maxima when W is the same for
both; the grid picks the global one.

Standard errors: inverse observed information, central differences of the analytic score of
the full likelihood in (β, ρ, λ, σ²). Effects: those of the SAR part, S⁻¹β (the error process
does not enter the impact matrix).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from clusternet.errors import EstimationError
from clusternet.spatial.models import (LogDet, SpatialPanel, SpatialPanelResult, demean, design_with_constant,
                                       effective_sample, lag, ols)
from clusternet.spatial.random_effects import hessian_of_score, vcov_from_hessian

GRID = 15


@dataclass
class SACResult:
    effects: str
    lee_yu: bool
    names: list  # regressors, then rho, lambda
    params: np.ndarray
    vcov: np.ndarray
    sigma2: float
    sigma2_se: float
    loglik: float
    nobs: int
    n_eff: int
    N: int
    T: int
    resid: np.ndarray
    k_x: int
    x_names: list
    y_name: str
    logdet_method: str
    model: str = "sac"

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    def effects_view(self) -> SpatialPanelResult:
        """The SAR part (β, ρ) as a core result, for ``effects_table`` (λ does not enter the effects)."""
        keep = list(range(len(self.params) - 1))  # drop lambda
        return SpatialPanelResult("sar", self.effects, self.lee_yu, [self.names[i] for i in keep],
                                  self.params[keep], self.vcov[np.ix_(keep, keep)], self.sigma2, self.sigma2_se,
                                  self.loglik, self.nobs, self.n_eff, self.N, self.T, self.resid, self.k_x,
                                  self.x_names, self.y_name, self.logdet_method)


def fit_sac(panel: SpatialPanel, effects: str = "individual", lee_yu: bool = True, logdet: str = "auto",
            seed: int = 0) -> SACResult:
    """Fit the SAC/SARAR fixed-effects panel model by ML (see the module docstring)."""
    W = panel.W
    T, N = panel.y.shape
    sample = effective_sample(W, effects, lee_yu, T, N)
    corr, T_eff, c, n_eff = sample.corr, sample.T_eff, sample.c, sample.n_eff
    X, names = design_with_constant(panel, effects)
    k = X.shape[2]
    Wy_raw = lag(W, panel.y)
    yt = demean(panel.y, effects).reshape(-1)
    Wy = demean(Wy_raw, effects).reshape(-1)
    WWy = demean(lag(W, Wy_raw), effects).reshape(-1)
    Xt = demean(X, effects).reshape(-1, k)
    WX = demean(lag(W, X), effects).reshape(-1, k)
    if np.linalg.matrix_rank(Xt) < k:
        raise EstimationError(f"regressors {names} are collinear (or absorbed) after removing the {effects} "
                              "fixed effects")
    ld = LogDet(W, logdet, seed=seed)
    lo, hi = ld.bounds()
    if c:
        hi = min(hi, 1 - 1e-7)
    const = -n_eff / 2 * (1 + np.log(2 * np.pi))

    def jac(d):
        return ld(d) - (c * np.log(1 - d) if c else 0.0)

    def djac(d):
        return ld.derivative(d) + (c / (1 - d) if c else 0.0)

    def filtered(rho, lam):
        yf = yt - rho * Wy - lam * (Wy - rho * WWy)
        return yf, Xt - lam * WX

    def solve_beta(rho, lam):
        yf, xf = filtered(rho, lam)
        b, _ = ols(xf, yf)
        return b, yf - xf @ b

    def profile(z):
        rho, lam = z
        _, r = solve_beta(rho, lam)
        return const - n_eff / 2 * np.log(r @ r / n_eff) + T_eff * (jac(rho) + jac(lam))

    def profile_grad(z):
        rho, lam = z
        b, r = solve_beta(rho, lam)
        ssr = r @ r
        g_rho = n_eff * (r @ (Wy - lam * WWy)) / ssr + T_eff * djac(rho)
        g_lam = n_eff * (r @ (Wy - rho * WWy - WX @ b)) / ssr + T_eff * djac(lam)
        return np.array([g_rho, g_lam])

    inner = np.linspace(lo, hi, GRID + 2)[1:-1]
    grid = [(a, b) for a in inner for b in inner]
    vals = [profile(z) for z in grid]
    start = np.array(grid[int(np.argmax(vals))])
    box = [(lo + 1e-6, hi - 1e-6)] * 2
    opt = optimize.minimize(lambda z: -profile(z), start, jac=lambda z: -profile_grad(z), method="L-BFGS-B",
                            bounds=box)
    sol = optimize.root(profile_grad, opt.x, method="hybr", options={"xtol": 1e-13})
    z = sol.x
    inside = lo < z[0] < hi and lo < z[1] < hi
    if not inside or not np.all(np.abs(profile_grad(z)) < 1e-7 * n_eff) or profile(z) < profile(opt.x) - 1e-8:
        raise EstimationError(f"SAC: the first-order conditions in (rho, lambda) were not solved inside the "
                              f"admissible square ({lo:.4f}, {hi:.4f})² (search ended at {opt.x.round(6).tolist()}, "
                              f"{sol.message}); the maximum may lie on a bound or the model may be unidentified")
    rho, lam = float(z[0]), float(z[1])
    b, r = solve_beta(rho, lam)
    s2 = float(r @ r / n_eff)
    ll = float(profile(z))

    def grad(p):
        bb, d, lm, sg = p[:k], p[k], p[k + 1], p[k + 2]
        yf, xf = filtered(d, lm)
        rr = yf - xf @ bb
        return np.r_[xf.T @ rr / sg, rr @ (Wy - lm * WWy) / sg + T_eff * djac(d),
                     rr @ (Wy - d * WWy - WX @ bb) / sg + T_eff * djac(lm), -n_eff / (2 * sg) + rr @ rr / (2 * sg ** 2)]

    V = vcov_from_hessian(hessian_of_score(grad, np.r_[b, rho, lam, s2]), "SAC")
    return SACResult(effects, corr, names + ["rho", "lambda"], np.r_[b, rho, lam], V[: k + 2, : k + 2], s2,
                     float(np.sqrt(V[k + 2, k + 2])), ll, T * N, n_eff, N, T, r, len(panel.x_names),
                     list(panel.x_names), panel.y_name, ld.method)
