"""Spatial random-effects error models by ML: the generalised spatial random-effects model GSPRE
(Baltagi, Egger & Pfaffermayr 2013, *Econometric Reviews* 32) and its special case of Kapoor,
Kelejian & Prucha (2007, *JoE* 140), plus KKP's GM estimator of the error parameters followed by
feasible GLS.

Model (stacked period by period, an intercept)::

    y = X β + ι_T ⊗ u₁ + u₂,   u₁ = λ₁ W u₁ + μ,   u₂,t = λ₂ W u₂,t + ν_t,
    μ ~ N(0, σ_μ² I_N),  ν ~ N(0, σ² I_NT)

``kkp``: λ₁ = λ₂ = λ (the random effect is filtered like the idiosyncratic error: u = λWu + ε,
ε = ι_T ⊗ μ + ν); ``gspre``: λ₁, λ₂ free. (λ₁ = 0 is Baltagi, Song & Koh's SEM-RE, ``sem_re`` in
clusternet.spatial.random_effects.)

Likelihood. With B_j = I - λ_jW, A_j = B_j'B_j, ψ = σ_μ²/σ² and V = Tψ A₁⁻¹ + A₂⁻¹,
Ω/σ² = E_T ⊗ A₂⁻¹ + J̄_T ⊗ V (J̄_T = ιι'/T, E_T = I - J̄_T), so Ω⁻¹σ² = E_T ⊗ A₂ + J̄_T ⊗ V⁻¹ and

    ℓ = -(NT/2) log(2πσ²) + (T - 1) log|B₂| - ½ log|V| - Q/(2σ²),
    Q = Σ_t ẽ_t'A₂ẽ_t + T ē'V⁻¹ē       (e = y - Xβ, ē its time mean, ẽ_t = e_t - ē).

β is GLS and σ² = Q/NT given (λ₁, λ₂, ψ); the profile likelihood in (λ₁, λ₂, log ψ) (or (λ, log ψ))
is maximised by bounded quasi-Newton from several starts and then Nelder–Mead polishing (xatol 1e-10);
its gradient at the estimate is reported (``fit.max_abs_score``). Dense N x N algebra (N ≤ 3000).
Standard errors: inverse of minus the Hessian of ℓ in (β, λ's, σ², ψ) by central second differences.

KKP's GM estimator (their "initial" GM, §3): from the pooled OLS residuals û, ū = (I_T⊗W)û,
ū̄ = (I_T⊗W)ū, Q₀ = E_T ⊗ I_N, Q₁ = J̄_T ⊗ I_N, the six sample moments of ε = u - λū,

    ε'Q₀ε/(N(T-1)) = σ²,           ε̄'Q₀ε̄/(N(T-1)) = σ² tr(W'W)/N,   ε̄'Q₀ε/(N(T-1)) = 0,
    ε'Q₁ε/N = σ₁²,                 ε̄'Q₁ε̄/N = σ₁² tr(W'W)/N,          ε̄'Q₁ε/N = 0,

(σ₁² = Tσ_μ² + σ², ε̄ = ū - λū̄) are linear in α = (λ, λ², σ²) for the first three (γ₀ = G₀α) and in
(λ, λ², σ₁²) for the last three; λ, σ² solve the nonlinear least squares problem of the first three
(unweighted), σ₁² = the fourth moment at λ̂. Then FGLS with Ω(λ̂, σ̂², σ̂_μ²) of the KKP model;
standard errors of β from (X'Ω̂⁻¹X)⁻¹ (λ, σ² are not given SEs: KKP's GM treats them as nuisance).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.spatial.models import LogDet, SpatialPanel, SpatialPanelResult, lag

RESTRICTIONS = ("kkp", "gspre")
STEP = 1e-4


@dataclass
class GSPREResult:
    model: str  # sem_kkp | sem_gspre | sem_kkp_gm
    names: list  # const, x..., lambda (kkp) or lambda_mu, lambda_nu (gspre)
    params: np.ndarray
    vcov: np.ndarray
    sigma2: float
    sigma2_mu: float
    loglik: float | None
    nobs: int
    N: int
    T: int
    k_x: int
    x_names: list
    y_name: str
    max_abs_score: float | None = None
    notes: list = field(default_factory=list)

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    def effects_view(self) -> SpatialPanelResult:
        """As the core's pooled SEM (intercept first; the last parameter is a λ): direct = β."""
        k = len(self.params) - (2 if self.model == "sem_gspre" else 1)
        names = self.names[:k] + ["lambda"]
        params = np.r_[self.params[:k], self.params[-1]]
        idx = list(range(k)) + [len(self.params) - 1]
        V = self.vcov[np.ix_(idx, idx)]
        return SpatialPanelResult("sem", "none", False, names, params, V, self.sigma2, 0.0,
                                  float(self.loglik or 0.0), self.nobs, self.nobs, self.N, self.T,
                                  np.zeros(self.nobs), self.k_x, self.x_names, self.y_name, "eigen")


def _design(panel: SpatialPanel):
    T, N = panel.y.shape
    X = np.concatenate([np.ones((T, N, 1)), panel.X], axis=2)
    if np.linalg.matrix_rank(X.reshape(T * N, -1)) < X.shape[2]:
        raise EstimationError(f"regressors {['const', *panel.x_names]} are collinear")
    return X, ["const"] + list(panel.x_names)


class _Likelihood:
    def __init__(self, panel: SpatialPanel):
        self.T, self.N = panel.y.shape
        if self.T < 2:
            raise DataError(f"random effects need at least two periods (T = {self.T})")
        if self.N > 3000:
            raise ConfigError(f"the spatial random-effects error models use dense N x N algebra; N = {self.N}")
        self.X, self.names = _design(panel)
        self.y = panel.y
        self.W = panel.W.toarray()
        self.k = self.X.shape[2]
        self.ybar, self.Xbar = self.y.mean(axis=0), self.X.mean(axis=0)
        self.yt, self.Xt = self.y - self.ybar, self.X - self.Xbar

    def _mats(self, lam_mu, lam_nu, psi):
        N, T = self.N, self.T
        B1, B2 = np.eye(N) - lam_mu * self.W, np.eye(N) - lam_nu * self.W
        A2 = B2.T @ B2
        V = T * psi * np.linalg.inv(B1.T @ B1) + np.linalg.inv(A2)
        return B2, A2, V

    def profile(self, lam_mu, lam_nu, psi):
        """(β, σ², ℓ) at (λ₁, λ₂, ψ), β by GLS."""
        T, k = self.T, self.k
        B2, A2, V = self._mats(lam_mu, lam_nu, psi)
        Vi = np.linalg.inv(V)
        Xt2 = self.Xt.reshape(-1, k)
        AX = np.einsum("ij,tjk->tik", A2, self.Xt).reshape(-1, k)
        Ay = (A2 @ self.yt.T).T.reshape(-1)
        XX = Xt2.T @ AX + T * self.Xbar.T @ Vi @ self.Xbar
        Xy = Xt2.T @ Ay + T * self.Xbar.T @ Vi @ self.ybar
        b = np.linalg.solve(XX, Xy)
        s2, ll = self._loglik_parts(b, B2, A2, V, Vi)
        return b, s2, ll

    def _loglik_parts(self, b, B2, A2, V, Vi, s2=None):
        N, T = self.N, self.T
        e = self.y - self.X @ b
        ebar = e.mean(axis=0)
        et = e - ebar
        Q = float(np.sum(et * (A2 @ et.T).T) + T * ebar @ Vi @ ebar)
        if s2 is None:
            s2 = Q / (N * T)
        ll = (-N * T / 2 * np.log(2 * np.pi * s2) + (T - 1) * np.linalg.slogdet(B2)[1]
              - 0.5 * np.linalg.slogdet(V)[1] - Q / (2 * s2))
        return s2, float(ll)

    def loglik(self, b, lam_mu, lam_nu, s2, psi) -> float:
        B2, A2, V = self._mats(lam_mu, lam_nu, psi)
        return self._loglik_parts(b, B2, A2, V, np.linalg.inv(V), s2)[1]


def _hessian(f, x: np.ndarray) -> np.ndarray:
    n = len(x)
    h = STEP * np.maximum(1.0, np.abs(x))
    H = np.empty((n, n))
    f0 = f(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = h[i]
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i):
            ej = np.zeros(n)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * h[i] * h[j])
    return H


def _gradient(f, z: np.ndarray, h: float = 1e-6) -> np.ndarray:
    g = np.empty(len(z))
    for i in range(len(z)):
        e = np.zeros(len(z))
        e[i] = h
        g[i] = (f(z + e) - f(z - e)) / (2 * h)
    return g


def _newton(f, z: np.ndarray, steps: int = 8) -> np.ndarray:
    """Newton steps on the (profile) objective with central-difference derivatives: solves the
    first-order conditions far beyond what the quasi-Newton start certifies."""
    for _ in range(steps):
        g = _gradient(f, z)
        if np.abs(g).max() < 1e-9:
            break
        H = _hessian(f, z)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        t = 1.0
        while t > 1e-4 and not f(z - t * step) <= f(z) + 1e-12:
            t /= 2
        if t <= 1e-4:
            break
        z = z - t * step
    return z


def fit_gspre(panel: SpatialPanel, restriction: str = "kkp", logdet: str = "eigen") -> GSPREResult:
    """ML of the KKP or GSPRE spatial random-effects error model (module docstring)."""
    if restriction not in RESTRICTIONS:
        raise ConfigError(f"restriction {restriction!r}: one of {', '.join(RESTRICTIONS)}")
    m = _Likelihood(panel)
    lo, hi = LogDet(panel.W, logdet).bounds()
    lo, hi = lo + 1e-4, hi - 1e-4
    free = restriction == "gspre"

    def unpack(z):
        return (z[0], z[1], np.exp(z[2])) if free else (z[0], z[0], np.exp(z[1]))

    def neg(z):
        lm, ln, psi = unpack(z)
        if not (lo < lm < hi and lo < ln < hi):
            return np.inf
        return -m.profile(lm, ln, psi)[2]

    bounds = [(lo + 1e-3, hi - 1e-3)] * (2 if free else 1) + [(-20.0, 10.0)]
    best = None
    starts = [(0.0, 0.0, 0.0), (0.4 * hi, 0.4 * hi, 0.0)] if free else [(0.0, 0.0), (0.4 * hi, 0.0)]
    for z0 in starts:
        r = optimize.minimize(neg, np.array(z0, float), method="L-BFGS-B", bounds=bounds)
        if best is None or r.fun < best.fun:
            best = r
    assert best is not None
    z = _newton(neg, best.x)
    lm, ln, psi = unpack(z)
    notes: list = []
    if z[-1] <= -19.9:
        raise EstimationError("spatial random-effects error model: sigma_mu^2 is at its bound 0 (no random "
                              "effect); fit the pooled or fixed-effects SEM instead")
    b, s2, ll = m.profile(lm, ln, psi)
    gz = _gradient(neg, z)
    k = m.k
    names = m.names + (["lambda_mu", "lambda_nu"] if free else ["lambda"])

    def full_ll(v):
        lam_mu, lam_nu = (v[k], v[k + 1]) if free else (v[k], v[k])
        j = k + (2 if free else 1)
        return m.loglik(v[:k], lam_mu, lam_nu, v[j], v[j + 1])

    lams = [lm, ln] if free else [lm]
    theta = np.r_[b, lams, s2, psi]
    H = _hessian(full_ll, theta)
    try:
        V = np.linalg.inv(-H)
    except np.linalg.LinAlgError as exc:
        raise EstimationError("the Hessian of the spatial random-effects error likelihood is singular") from exc
    if np.any(np.diag(V) <= 0):
        raise EstimationError("the Hessian of the spatial random-effects error likelihood is not negative definite")
    p = k + len(lams)
    return GSPREResult(f"sem_{restriction}", names, np.r_[b, lams], V[:p, :p], float(s2), float(psi * s2), ll,
                       m.N * m.T, m.N, m.T, len(panel.x_names), list(panel.x_names), panel.y_name,
                       float(np.abs(gz).max()), notes)


# ----------------------------------------------------------------------------- KKP GM + FGLS
def kkp_moments(u: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(G₀, g₀, G₁, g₁): the six sample moments as g_j = G_j (λ, λ², σ_j²) (module docstring).
    u is (T, N)."""
    T, N = u.shape
    ub = (W @ u.T).T
    ubb = (W @ ub.T).T
    trww = np.trace(W.T @ W) / N

    def q0(a, b):
        return float(np.sum((a - a.mean(0)) * (b - b.mean(0)))) / (N * (T - 1))

    def q1(a, b):
        return float(T * a.mean(0) @ b.mean(0)) / N

    out = []
    for q in (q0, q1):
        G = np.array([[2 * q(u, ub), -q(ub, ub), 1.0],
                      [2 * q(ubb, ub), -q(ubb, ubb), trww],
                      [q(ubb, u) + q(ub, ub), -q(ubb, ub), 0.0]])
        g = np.array([q(u, u), q(ub, ub), q(ub, u)])
        out += [G, g]
    return out[0], out[1], out[2], out[3]


def fit_kkp_gm(panel: SpatialPanel) -> GSPREResult:
    """KKP's initial GM for (λ, σ², σ₁²) from pooled OLS residuals, then FGLS for β."""
    m = _Likelihood(panel)
    k, T, N = m.k, m.T, m.N
    X2, y2 = m.X.reshape(-1, k), m.y.reshape(-1)
    b_ols = np.linalg.lstsq(X2, y2, rcond=None)[0]
    u = (y2 - X2 @ b_ols).reshape(T, N)
    G0, g0, G1, g1 = kkp_moments(u, m.W)

    def resid(z):
        lam, s2 = z
        return g0 - G0 @ np.array([lam, lam * lam, s2])

    z0 = np.linalg.lstsq(G0, g0, rcond=None)[0]
    start = np.array([np.clip(z0[0], -0.9, 0.9), max(z0[2], 1e-8)])
    sol = optimize.least_squares(resid, start, xtol=1e-15, ftol=1e-15, gtol=1e-15)
    lam, s2 = float(sol.x[0]), float(sol.x[1])
    s1 = float(g1[0] - G1[0, :2] @ np.array([lam, lam * lam]))
    s2mu = (s1 - s2) / T
    if s2mu <= 0:
        raise EstimationError(f"KKP GM: sigma_1^2 = {s1:.4g} <= sigma_nu^2 = {s2:.4g}, so sigma_mu^2 <= 0 "
                              "(no random effect); fit the pooled or fixed-effects SEM instead")
    psi = s2mu / s2
    B2, A2, V = m._mats(lam, lam, psi)
    Vi = np.linalg.inv(V)
    Xt2 = m.Xt.reshape(-1, k)
    AX = np.einsum("ij,tjk->tik", A2, m.Xt).reshape(-1, k)
    XX = Xt2.T @ AX + T * m.Xbar.T @ Vi @ m.Xbar
    Xy = Xt2.T @ (A2 @ m.yt.T).T.reshape(-1) + T * m.Xbar.T @ Vi @ m.ybar
    b = np.linalg.solve(XX, Xy)
    Vb = s2 * np.linalg.inv(XX)
    vcov = np.zeros((k + 1, k + 1))
    vcov[:k, :k] = Vb
    vcov[k, k] = np.nan
    notes = ["KKP initial GM (unweighted moments) for lambda and the variances, FGLS for beta; lambda has no "
             "standard error"]
    return GSPREResult("sem_kkp_gm", m.names + ["lambda"], np.r_[b, lam], vcov, s2, float(s2mu), None, N * T, N, T,
                       len(panel.x_names), list(panel.x_names), panel.y_name, float(np.abs(sol.grad).max()), notes)


__all__ = ["GSPREResult", "fit_gspre", "fit_kkp_gm", "kkp_moments", "lag"]
