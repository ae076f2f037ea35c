"""Bootstrap of DEA scores (Simar & Wilson 1998) and the second stage (Simar & Wilson 2007).

Simar & Wilson (1998), smoothed homogeneous bootstrap of input-oriented scores, in Shephard
distances delta = 1/theta >= 1:

1. delta_hat from the DEA of the data (CCR or BCC).
2. Bandwidth h = 0.9 min(sd, IQR/1.349) (2n)^(-1/5) of the reflected sample {delta_hat, 2 - delta_hat}
   (Silverman's robust normal-reference rule on the 2n reflected values).
3. Each replication: beta_i drawn with replacement from delta_hat; smoothed and variance-corrected
   beta*_i = bbar + (beta_i + h e_i - bbar) / sqrt(1 + h^2 / s^2), e_i ~ N(0, 1), bbar the mean of the
   draws, s^2 the variance of the reflected sample; reflected: delta*_i = beta*_i if >= 1 else 2 - beta*_i.
   Pseudo data x*_i = (delta*_i / delta_hat_i) x_i, y*_i = y_i.
4. delta*_b of every original DMU against the pseudo technology.
5. bias = mean_b delta*_b - delta_hat, delta_bc = delta_hat - bias; basic-bootstrap interval
   [delta_hat - q_(1-a/2), delta_hat - q_(a/2)] of delta*_b - delta_hat. Everything is reported back
   in Farrell scores theta = 1/delta. Simar & Wilson advise using the correction only when
   bias^2 / var > 1/3 (``correction_advised``).

Simar & Wilson (2007), Algorithm 1: truncated normal regression delta_hat_i = z_i beta + e_i,
e_i ~ N(0, sigma^2) left-truncated at 1 - z_i beta, on the DMUs with delta_hat > 1 (ML, Newton steps
on the analytic score), then a parametric bootstrap: e*_i drawn from the truncated normal at the
estimates, delta*_i = z_i beta_hat + e*_i, the model re-estimated; percentile intervals and the
bootstrap standard deviation of each coefficient.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from clusternet.efficiency.dea import as_matrix, radial_blocks
from clusternet.errors import EstimationError

# DMU-replication blocks per batch of stacked LPs (bounds memory).
_BLOCKS_PER_CHUNK = 4000


def silverman_reflected(delta: np.ndarray) -> float:
    r = np.concatenate([delta, 2.0 - delta])
    iqr = np.subtract(*np.percentile(r, [75, 25]))
    spread = min(np.std(r, ddof=1), iqr / 1.349) if iqr > 0 else np.std(r, ddof=1)
    return float(0.9 * spread * len(r) ** (-0.2))


@dataclass
class BootstrapResult:
    theta: np.ndarray            # DEA score (Farrell)
    theta_bc: np.ndarray         # bias-corrected score
    bias: np.ndarray             # bias of delta = 1/theta
    ci_lower: np.ndarray         # interval for theta
    ci_upper: np.ndarray
    correction_advised: np.ndarray
    bandwidth: float
    replications: int


def sw98(X, Y, replications: int, rng: np.random.Generator, rts: str = "crs", ci_level: float = 0.95
         ) -> BootstrapResult:
    X, Y = as_matrix(X, "inputs"), as_matrix(Y, "outputs")
    n = X.shape[0]
    theta, _ = radial_blocks(X, Y, X, Y, "input", rts)
    delta = 1.0 / theta
    h = silverman_reflected(delta)
    s2 = np.var(np.concatenate([delta, 2.0 - delta]), ddof=1)
    draws = np.empty((replications, n))
    reps_per_chunk = max(1, _BLOCKS_PER_CHUNK // n)
    for start in range(0, replications, reps_per_chunk):
        nb = min(reps_per_chunk, replications - start)
        beta = delta[rng.integers(0, n, size=(nb, n))]
        eps = rng.standard_normal((nb, n))
        bbar = beta.mean(axis=1, keepdims=True)
        star = bbar + (beta + h * eps - bbar) / np.sqrt(1.0 + h * h / s2)
        star = np.where(star < 1.0, 2.0 - star, star)
        Xs = X[None, :, :] * (star / delta[None, :])[:, :, None]  # nb x n x m pseudo inputs
        Rx = np.repeat(Xs, n, axis=0)                              # (nb*n) x n x m
        Ry = np.broadcast_to(Y, (nb * n,) + Y.shape)
        th, _ = radial_blocks(np.tile(X, (nb, 1)), np.tile(Y, (nb, 1)), Rx, Ry, "input", rts)
        draws[start:start + nb] = (1.0 / th).reshape(nb, n)
    bias = draws.mean(axis=0) - delta
    delta_bc = delta - bias
    a = 1.0 - ci_level
    dev = draws - delta[None, :]
    lo_d = delta - np.quantile(dev, 1 - a / 2, axis=0)
    hi_d = delta - np.quantile(dev, a / 2, axis=0)
    var = draws.var(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        advised = np.where(var > 0, bias ** 2 / var > 1.0 / 3.0, False)
    return BootstrapResult(theta, 1.0 / delta_bc, bias, 1.0 / hi_d, 1.0 / np.maximum(lo_d, 1e-12), advised, h,
                           replications)


# --- truncated normal regression (left truncation at 1) -----------------------------------------

def _negloglik(params, y, Z, a):
    k = Z.shape[1]
    b, ls = params[:k], params[k]
    sig = np.exp(ls)
    mu = Z @ b
    r = (y - mu) / sig
    c = (a - mu) / sig  # truncation point in standard units
    logS = special.log_ndtr(-c)  # log P(e > a - mu)
    ll = -0.5 * r ** 2 - ls - logS
    lam = np.exp(stats.norm.logpdf(c) - logS)  # inverse Mills ratio phi(c)/(1-Phi(c))
    g_b = Z.T @ (r / sig - lam / sig)
    g_ls = np.sum(r ** 2 - 1 - lam * c)
    return -ll.sum() + 0.5 * len(y) * np.log(2 * np.pi), -np.concatenate([g_b, [g_ls]])


@dataclass
class TruncRegResult:
    params: np.ndarray   # beta
    sigma: float
    converged: bool
    gradient_norm: float


def truncreg(y, Z, lower: float = 1.0) -> TruncRegResult:
    """ML of y = Z b + e, e ~ N(0, s^2) truncated to y > lower (Z includes the constant)."""
    y = np.asarray(y, float)
    Z = np.asarray(Z, float)
    if (y <= lower).any():
        raise EstimationError("truncated regression: every dependent value must exceed the truncation point")
    if len(y) <= Z.shape[1] + 1:
        raise EstimationError(f"truncated regression: {len(y)} observations for {Z.shape[1] + 1} parameters")
    b0, *_ = np.linalg.lstsq(Z, y, rcond=None)
    s0 = np.std(y - Z @ b0) + 1e-6
    x0 = np.concatenate([b0, [np.log(s0)]])
    res = optimize.minimize(_negloglik, x0, args=(y, Z, lower), jac=True, method="BFGS",
                            options={"gtol": 1e-9, "maxiter": 2000})
    # Polish: solve the score equations from the BFGS point (first-order conditions).
    sol = optimize.root(lambda p: _negloglik(p, y, Z, lower)[1], res.x, method="hybr", options={"xtol": 1e-12})
    p = sol.x if sol.success and np.isfinite(sol.x).all() else res.x
    g = _negloglik(p, y, Z, lower)[1]
    return TruncRegResult(p[:-1], float(np.exp(p[-1])), bool(np.linalg.norm(g) < 1e-5), float(np.linalg.norm(g)))


@dataclass
class SecondStageResult:
    names: list
    params: np.ndarray
    std_errors: np.ndarray   # bootstrap standard deviations
    ci_lower: np.ndarray     # percentile intervals
    ci_upper: np.ndarray
    p_values: np.ndarray     # two-sided normal p from params / bootstrap sd
    sigma: float
    nobs: int
    n_truncated: int
    replications: int
    ci_level: float


def sw07(delta, Z, names, replications: int, rng: np.random.Generator, ci_level: float = 0.95,
         tol: float = 1e-9) -> SecondStageResult:
    """Algorithm 1 of Simar & Wilson (2007) on Shephard distances ``delta`` (>= 1)."""
    delta = np.asarray(delta, float)
    Z = np.asarray(Z, float)
    keep = delta > 1.0 + tol
    y, Zk = delta[keep], Z[keep]
    fit = truncreg(y, Zk)
    if not fit.converged:
        raise EstimationError(f"second stage: the truncated regression did not converge (|score| = "
                              f"{fit.gradient_norm:.2e}); check the covariates for collinearity")
    mu = Zk @ fit.params
    a = (1.0 - mu) / fit.sigma
    boot = np.empty((replications, Z.shape[1]))
    for b in range(replications):
        e = stats.truncnorm.rvs(a, np.inf, loc=0.0, scale=fit.sigma, size=len(y), random_state=rng)
        boot[b] = truncreg(mu + e, Zk).params
    se = boot.std(axis=0, ddof=1)
    al = 1.0 - ci_level
    lo, hi = np.quantile(boot, [al / 2, 1 - al / 2], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(fit.params / se))
    return SecondStageResult(list(names), fit.params, se, lo, hi, p, fit.sigma, int(keep.sum()),
                             int((~keep).sum()), replications, ci_level)
