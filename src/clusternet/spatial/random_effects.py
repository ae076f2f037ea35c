"""Random-effects spatial panels by ML: SAR-RE, SDM-RE, SEM-RE (Elhorst 2014, *Spatial
Econometrics* §3.4; Baltagi, Song & Koh 2003 for the error model) and the spatial Hausman test
of fixed against random effects (as xsmle's ``hausman``).

Models (stacked period by period, μ_i ~ N(0, σ_μ²) independent of ε ~ N(0, σ²), an intercept)::

    SAR-RE   y = ρ W y + X β + ι_T ⊗ μ + ε
    SDM-RE   y = ρ W y + X β + W X θ + ι_T ⊗ μ + ε
    SEM-RE   y = X β + ι_T ⊗ μ + u,  u = λ W u + ε      (the random effect is not spatially filtered)

Lag models. With φ² = σ²/(Tσ_μ² + σ²) and the quasi-demeaning z* = z - (1 - φ)·z̄_i (z̄_i the
time mean of region i) the exact log-likelihood is

    ℓ = -(NT/2) log(2πσ²) + N log φ + T log|I - ρW| - e*'e*/(2σ²),    e* = y* - ρ(Wy)* - X*β

(the quasi-demeaning commutes with W). For fixed φ this is the pooled SAR likelihood of the
transformed data, so ρ is the root of the concentrated score (the core's ``score_root``); φ is
the root of the envelope score ∂ℓ/∂φ = N/φ - Tφ Σ_i ē_i²/σ² (ē_i the time mean of the
untransformed residual y - ρWy - Xβ), found by Brent's method on (0, 1]. A score still positive at
φ = 1 means σ_μ² = 0 at the bound: the fit reports φ = 1 (pooled SAR) and says so.

Error model. With B = I - λW, A = B'B, ψ = σ_μ²/σ² and V = TψI + A⁻¹, Ω/σ² = J̄_T⊗V + E_T⊗A⁻¹
(J̄_T = ιι'/T, E_T = I - J̄_T), so Ω⁻¹σ² = J̄_T⊗V⁻¹ + E_T⊗A and

    ℓ = -(NT/2) log(2πσ²) - ½ log|V| + (T-1) log|B| - Q/(2σ²),  Q = T ē'V⁻¹ē + Σ_t ẽ_t'A ẽ_t

(e = y - Xβ, ē its time mean, ẽ_t = e_t - ē). β is GLS and σ² = Q/NT given (λ, ψ); (λ, ψ) solve the
two analytic first-order conditions (a bounded quasi-Newton search gives the start, a root finder
on the analytic score the solution).

Standard errors: the inverse of the observed information, i.e. minus the Hessian of the
log-likelihood in (β, θ, δ, σ², φ or ψ), formed by central differences of the analytic score (as
xsmle and splm, which use the numerical Hessian of the likelihood). The (β, θ, δ) block does not
depend on how the variance parameters are parametrised.

Effects: as for the fixed-effects models (LeSage & Pace), with the intercept skipped.

Hausman test (FE vs RE): H = d'(V_FE - V_RE)⁻¹d over the coefficients both models share (the
regressors, their spatial lags and ρ/λ), d = b_FE - b_RE; the FE model is the same spatial model
with individual fixed effects. If V_FE - V_RE is not positive definite (common in finite samples)
the statistic uses the generalised inverse on the eigenspace of its positive eigenvalues,
Σ_{ω_j>0} (v_j'd)²/ω_j, with that many degrees of freedom (said in the test's note), so it is
never negative.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.models.inference import test_row, chi2_p_value
from clusternet.spatial.models import LogDet, SpatialPanel, SpatialPanelResult, lag, ols, score_root

RE_MODELS = ("sar", "sdm", "sem")
HESSIAN_STEP = 1e-5


@dataclass
class SpatialREResult:
    model: str  # sar | sdm | sem
    names: list  # const, x, [W*x], rho|lambda
    params: np.ndarray
    vcov: np.ndarray  # of params
    sigma2: float
    sigma2_mu: float
    phi: float  # φ = sqrt(σ²/(Tσ_μ² + σ²)) (1 = no random effect)
    variance_names: list
    variance_params: np.ndarray  # (σ², φ) for lag models, (σ², ψ) for SEM
    variance_se: np.ndarray
    loglik: float
    nobs: int
    N: int
    T: int
    k_x: int
    x_names: list
    y_name: str
    logdet_method: str
    resid: np.ndarray
    boundary: bool = False
    notes: list = field(default_factory=list)
    effects: str = "random"
    lee_yu: bool = False

    @property
    def delta(self) -> float:
        return float(self.params[-1])

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    def effects_view(self) -> SpatialPanelResult:
        """The result as the core's pooled model (intercept first), for ``effects_table``."""
        return SpatialPanelResult(self.model, "none", False, self.names, self.params, self.vcov, self.sigma2, 0.0,
                                  self.loglik, self.nobs, self.nobs, self.N, self.T, self.resid, self.k_x,
                                  self.x_names, self.y_name, self.logdet_method)


def _design(panel: SpatialPanel, model: str):
    T, N = panel.y.shape
    X = np.concatenate([np.ones((T, N, 1)), panel.X], axis=2)
    names = ["const"] + list(panel.x_names)
    if model == "sdm":
        X = np.concatenate([X, lag(panel.W, panel.X)], axis=2)
        names += [f"W*{n}" for n in panel.x_names]
    if np.linalg.matrix_rank(X.reshape(T * N, -1)) < X.shape[2]:
        raise EstimationError(f"regressors {names} are collinear (a constant regressor besides the intercept?)")
    return X, names


def _quasi(a: np.ndarray, phi: float) -> np.ndarray:
    """z* = z - (1 - φ) z̄_i over periods (axis 0)."""
    return a - (1 - phi) * a.mean(axis=0, keepdims=True)


def hessian_of_score(grad, x: np.ndarray) -> np.ndarray:
    """Central differences of an analytic gradient, symmetrised."""
    n = len(x)
    H = np.empty((n, n))
    for i in range(n):
        h = HESSIAN_STEP * max(1.0, abs(x[i]))
        e = np.zeros(n)
        e[i] = h
        H[:, i] = (grad(x + e) - grad(x - e)) / (2 * h)
    return (H + H.T) / 2


def vcov_from_hessian(H: np.ndarray, what: str) -> np.ndarray:
    try:
        V = np.linalg.inv(-H)
    except np.linalg.LinAlgError as exc:
        raise EstimationError(f"the Hessian of the {what} log-likelihood is singular at the estimate") from exc
    if np.any(np.diag(V) <= 0):
        raise EstimationError(f"the Hessian of the {what} log-likelihood is not negative definite at the "
                              "estimate (not a maximum; the random-effect variance may be at its bound)")
    return V


# ----------------------------------------------------------------------------- lag models
def _fit_lag_re(panel: SpatialPanel, model: str, ld: LogDet, tol: float) -> SpatialREResult:
    y, W = panel.y, panel.W
    T, N = y.shape
    n = T * N
    X, names = _design(panel, model)
    k = X.shape[2]
    Wy = lag(W, y)
    lo, hi = ld.bounds()

    def inner(phi):
        ys, wys, xs = _quasi(y, phi).reshape(-1), _quasi(Wy, phi).reshape(-1), _quasi(X, phi).reshape(-1, k)
        b0, _ = ols(xs, ys)
        b1, _ = ols(xs, wys)
        e0, e1 = ys - xs @ b0, wys - xs @ b1
        const = -n / 2 * (1 + np.log(2 * np.pi)) + N * np.log(phi)

        def ssr(d):
            r = e0 - d * e1
            return r @ r

        def loglik(d):
            return const - n / 2 * np.log(ssr(d) / n) + T * ld(d)

        def score(d):
            return n * (e1 @ (e0 - d * e1)) / ssr(d) + T * ld.derivative(d)

        rho = score_root(score, loglik, lo, hi, tol, name="rho")
        beta = b0 - rho * b1
        return rho, beta, ssr(rho) / n, loglik(rho)

    def phi_score(phi):
        rho, beta, s2, _ = inner(phi)
        e = y - rho * Wy - np.einsum("tnk,k->tn", X, beta)
        return N / phi - T * phi * np.sum(e.mean(axis=0) ** 2) / s2

    boundary = phi_score(1.0) >= 0
    if boundary:
        phi = 1.0
    else:
        a = 1e-3
        while phi_score(a) <= 0:
            a /= 10
            if a < 1e-12:
                raise EstimationError("the random-effect score has no root: the individual effects dominate "
                                      "(σ_μ²/σ² beyond 1e24); fit fixed effects instead")
        phi = optimize.brentq(phi_score, a, 1.0, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500)
    rho, beta, s2, ll = inner(phi)

    def grad(p):  # analytic score of the full log-likelihood in (β, ρ, σ², φ)
        b, d, sg, ph = p[:k], p[k], p[k + 1], p[k + 2]
        e = y - d * Wy - np.einsum("tnk,k->tn", X, b)
        es = _quasi(e, ph)
        xs, wys = _quasi(X, ph).reshape(-1, k), _quasi(Wy, ph).reshape(-1)
        ev = es.reshape(-1)
        g_phi = N / ph - np.sum(es * e.mean(axis=0, keepdims=True)) / sg
        return np.r_[xs.T @ ev / sg, wys @ ev / sg + T * ld.derivative(d), -n / (2 * sg) + ev @ ev / (2 * sg ** 2),
                     g_phi]

    full = np.r_[beta, rho, s2, phi]
    H = hessian_of_score(grad, full)
    if boundary:  # φ is at its bound: the information of the remaining parameters only
        V = np.zeros((k + 3, k + 3))
        V[: k + 2, : k + 2] = vcov_from_hessian(H[: k + 2, : k + 2], f"{model.upper()}-RE")
    else:
        V = vcov_from_hessian(H, f"{model.upper()}-RE")
    resid = (_quasi(y - rho * Wy - np.einsum("tnk,k->tn", X, beta), phi)).reshape(-1)
    s2mu = (s2 / phi ** 2 - s2) / T
    notes = ["sigma_mu^2 = 0 at the bound (phi = 1): the random-effects model reduces to the pooled one"] \
        if boundary else []
    return SpatialREResult(model, names + ["rho"], np.r_[beta, rho], V[: k + 1, : k + 1], float(s2), float(s2mu),
                           float(phi), ["sigma2", "phi"], np.array([s2, phi]),
                           np.sqrt(np.maximum(np.diag(V)[k + 1:], 0)), float(ll), n, N, T, len(panel.x_names),
                           list(panel.x_names), panel.y_name, ld.method, resid, bool(boundary), notes)


# ----------------------------------------------------------------------------- error model
class _SEMRE:
    """Pieces of the SEM-RE likelihood at (λ, ψ): V⁻¹, A, ∂A, ∂V, with dense N x N algebra."""

    def __init__(self, panel: SpatialPanel, ld: LogDet):
        self.y, self.W = panel.y, panel.W.toarray()
        self.T, self.N = panel.y.shape
        self.X, self.names = _design(panel, "sem")
        self.k = self.X.shape[2]
        self.ld = ld
        self.ybar, self.Xbar = self.y.mean(axis=0), self.X.mean(axis=0)
        self.yt, self.Xt = self.y - self.ybar, self.X - self.Xbar

    def parts(self, lam, psi):
        N, T, Wd = self.N, self.T, self.W
        B = np.eye(N) - lam * Wd
        A = B.T @ B
        Ainv = np.linalg.inv(A)
        V = T * psi * np.eye(N) + Ainv
        Vinv = np.linalg.inv(V)
        dA = -(Wd.T @ B + B.T @ Wd)
        dV = -Ainv @ dA @ Ainv
        return A, Vinv, dA, dV, np.linalg.slogdet(V)[1]

    def gls(self, lam, psi):
        A, Vinv, dA, dV, logdetV = self.parts(lam, psi)
        T = self.T
        XtAX = np.einsum("tnk,nm,tml->kl", self.Xt, A, self.Xt)
        XtAy = np.einsum("tnk,nm,tm->k", self.Xt, A, self.yt)
        M = T * self.Xbar.T @ Vinv @ self.Xbar + XtAX
        b = np.linalg.solve(M, T * self.Xbar.T @ Vinv @ self.ybar + XtAy)
        return b, (A, Vinv, dA, dV, logdetV)

    def pieces(self, b, lam, psi, parts=None):
        A, Vinv, dA, dV, logdetV = parts if parts is not None else self.parts(lam, psi)
        e = self.y - np.einsum("tnk,k->tn", self.X, b)
        eb = e.mean(axis=0)
        et = e - eb
        Q = self.T * eb @ Vinv @ eb + np.einsum("tn,nm,tm->", et, A, et)
        return e, eb, et, Q, (A, Vinv, dA, dV, logdetV)

    def loglik(self, b, lam, s2, psi, parts=None):
        n = self.N * self.T
        _, _, _, Q, (_, _, _, _, logdetV) = self.pieces(b, lam, psi, parts)
        return -n / 2 * np.log(2 * np.pi * s2) - logdetV / 2 + (self.T - 1) * self.ld(lam) - Q / (2 * s2)

    def grad(self, p):
        k, T, N = self.k, self.T, self.N
        b, lam, s2, psi = p[:k], p[k], p[k + 1], p[k + 2]
        e, eb, et, Q, (A, Vinv, dA, dV, _) = self.pieces(b, lam, psi)
        g_b = (T * self.Xbar.T @ Vinv @ eb + np.einsum("tnk,nm,tm->k", self.Xt, A, et)) / s2
        dQ_lam = -T * eb @ Vinv @ dV @ Vinv @ eb + np.einsum("tn,nm,tm->", et, dA, et)
        g_lam = -np.sum(Vinv * dV.T) / 2 + (T - 1) * self.ld.derivative(lam) - dQ_lam / (2 * s2)
        g_s2 = -N * T / (2 * s2) + Q / (2 * s2 ** 2)
        g_psi = -T / 2 * np.trace(Vinv) + T ** 2 * eb @ Vinv @ Vinv @ eb / (2 * s2)
        return np.r_[g_b, g_lam, g_s2, g_psi]

    def profile(self, lam, psi):
        b, parts = self.gls(lam, psi)
        _, _, _, Q, _ = self.pieces(b, lam, psi, parts)
        s2 = Q / (self.N * self.T)
        return b, s2, self.loglik(b, lam, s2, psi, parts)

    def profile_grad(self, lam, psi):  # envelope: the partial derivatives at the concentrated β, σ²
        b, s2, _ = self.profile(lam, psi)
        g = self.grad(np.r_[b, lam, s2, psi])
        return g[self.k], g[self.k + 2]


def _fit_sem_re(panel: SpatialPanel, ld: LogDet, tol: float) -> SpatialREResult:
    m = _SEMRE(panel, ld)
    lo, hi = ld.bounds()
    k, T, N = m.k, m.T, m.N

    def negprof(z):
        lam, psi = z[0], np.exp(z[1])
        return -m.profile(lam, psi)[2]

    best = None
    for lam0 in (0.0, 0.5 * hi, 0.5 * lo):
        for lpsi0 in (-2.0, 0.0, 2.0):
            r = optimize.minimize(negprof, np.r_[lam0, lpsi0], method="L-BFGS-B",
                                  bounds=[(lo + 1e-6, hi - 1e-6), (-30, 15)])
            if best is None or r.fun < best.fun:
                best = r
    assert best is not None
    lam, psi = float(best.x[0]), float(np.exp(best.x[1]))
    boundary = bool(best.x[1] <= -29.9) or (psi < 1e-10)
    if boundary:
        psi = 0.0
        lam = optimize.brentq(lambda v: m.profile_grad(v, 0.0)[0], lo + 1e-6, hi - 1e-6, xtol=1e-14) \
            if np.sign(m.profile_grad(lo + 1e-6, 0.0)[0]) != np.sign(m.profile_grad(hi - 1e-6, 0.0)[0]) else lam
    else:
        sol = optimize.root(lambda z: np.array(m.profile_grad(z[0], z[1])), np.r_[lam, psi], method="hybr",
                            options={"xtol": 1e-13})
        # hybr's own flag also fails when xtol is below what it can certify; judge by the score itself
        # (ℓ is O(NT), so a score below 1e-7·NT leaves an error far below the standard errors)
        g = np.abs(m.profile_grad(sol.x[0], sol.x[1])) if lo < sol.x[0] < hi and sol.x[1] > 0 else np.inf
        if not np.all(g < 1e-7 * N * T):
            raise EstimationError(f"SEM-RE: the first-order conditions in (lambda, psi) were not solved "
                                  f"({sol.message}); start ({lam:.4g}, {psi:.4g})")
        lam, psi = float(sol.x[0]), float(sol.x[1])
    b, s2, ll = m.profile(lam, psi)
    full = np.r_[b, lam, s2, psi]
    H = hessian_of_score(m.grad, full)
    if boundary:
        V = np.zeros((k + 3, k + 3))
        V[: k + 2, : k + 2] = vcov_from_hessian(H[: k + 2, : k + 2], "SEM-RE")
    else:
        V = vcov_from_hessian(H, "SEM-RE")
    s2mu = psi * s2
    phi = float(np.sqrt(s2 / (T * s2mu + s2)))
    resid = (panel.y - np.einsum("tnk,k->tn", m.X, b)).reshape(-1)
    notes = ["sigma_mu^2 = 0 at the bound: the random-effects model reduces to the pooled one"] if boundary else []
    return SpatialREResult("sem", m.names + ["lambda"], np.r_[b, lam], V[: k + 1, : k + 1], float(s2), float(s2mu),
                           phi, ["sigma2", "psi"], np.array([s2, psi]), np.sqrt(np.maximum(np.diag(V)[k + 1:], 0)),
                           float(ll), N * T, N, T, len(panel.x_names), list(panel.x_names), panel.y_name, ld.method,
                           resid, boundary, notes)


def fit_spatial_re(panel: SpatialPanel, model: str, logdet: str = "auto", seed: int = 0,
                   tol: float = 1e-14) -> SpatialREResult:
    """Random-effects spatial panel by ML (see the module docstring)."""
    if model not in RE_MODELS:
        raise ConfigError(f"random-effects spatial model {model!r}: one of {', '.join(RE_MODELS)}")
    T, N = panel.y.shape
    if T < 2:
        raise DataError(f"random effects need at least two periods (T = {T})")
    ld = LogDet(panel.W, logdet, seed=seed)
    if model == "sem":
        if N > 3000:
            raise ConfigError(f"SEM-RE uses dense N x N algebra; N = {N} is too large (use the FE SEM)")
        return _fit_sem_re(panel, ld, tol)
    return _fit_lag_re(panel, model, ld, tol)


def hausman_test(fe: SpatialPanelResult, re: SpatialREResult) -> dict:
    """Spatial Hausman test of FE against RE over their shared coefficients (see the module docstring)."""
    common = [nm for nm in fe.names if nm in re.names and nm != "const"]
    i_fe = [fe.names.index(c) for c in common]
    i_re = [re.names.index(c) for c in common]
    d = fe.params[i_fe] - re.params[i_re]
    D = fe.vcov[np.ix_(i_fe, i_fe)] - re.vcov[np.ix_(i_re, i_re)]
    evals, vecs = np.linalg.eigh((D + D.T) / 2)
    note = f"H0: random effects consistent; FE ({fe.effects}) vs RE over {', '.join(common)}"
    keep = evals > 1e-10 * max(abs(evals).max(), 1e-300)
    proj = vecs[:, keep].T @ d
    stat, df = float(np.sum(proj ** 2 / evals[keep])), int(keep.sum())
    if df < len(common):
        note += (f"; V_FE - V_RE not positive definite (eigenvalues {np.round(evals, 12).tolist()}): generalised "
                 f"inverse on its positive eigenspace, df = {df}")
    return test_row("hausman_fe_vs_re", stat, df, chi2_p_value(max(stat, 0.0), df) if df else float("nan"), note)
