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

from clusternet.efficiency import dea
from clusternet.efficiency.dea import as_matrix
from clusternet.errors import EstimationError

# DMU-replication blocks per batch of random draws (the draws are taken in these chunks: the
# random stream, hence the results, depend on it).
_BLOCKS_PER_CHUNK = 4000


def silverman_reflected(delta: np.ndarray) -> float:
    r = np.concatenate([delta, 2.0 - delta])
    iqr = np.subtract(*np.percentile(r, [75, 25]))
    spread = min(np.std(r, ddof=1), iqr / 1.349) if iqr > 0 else np.std(r, ddof=1)
    return float(0.9 * spread * len(r) ** (-0.2))


def _input_scores(model, X, Y) -> np.ndarray:
    """Input-oriented radial scores of the rows of X, Y against the model's reference technology
    (DMU i's own (pseudo) observation is reference row i), warm-started DMU after DMU."""
    return np.array([model.solve(X[i], Y[i], i, "bootstrap")[1][0] for i in range(len(X))])


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
    direct = dea.direct_solver_available()
    if direct:  # one HiGHS model per call: the replications only change the reference inputs
        model = dea.Envelopment("radial", X, Y, rts, "input")
        theta = _input_scores(model, X, Y)
    else:
        theta = dea.radial_blocks(X, Y, X, Y, "input", rts)[0]
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
        for b in range(nb):
            if direct:
                model.set_reference_inputs(Xs[b])
                draws[start + b] = 1.0 / _input_scores(model, X, Y)
            else:
                draws[start + b] = 1.0 / dea.radial_blocks(X, Y, Xs[b], Y, "input", rts)[0]
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


def _hessian(params, y, Z, a):
    """Analytic Hessian of _negloglik in (b, log s); with lambda' = lambda (lambda - c):
    d2 ll / db db' = sum z z' (lambda' - 1) / s^2, d2 ll / db dls = sum z (lambda' c - 2 r + lambda) / s,
    d2 ll / dls^2 = sum (-2 r^2 + lambda' c^2 + lambda c)."""
    k = Z.shape[1]
    b, ls = params[:k], params[k]
    sig = np.exp(ls)
    mu = Z @ b
    r = (y - mu) / sig
    c = (a - mu) / sig
    lam = np.exp(stats.norm.logpdf(c) - special.log_ndtr(-c))
    dlam = lam * (lam - c)
    H = np.empty((k + 1, k + 1))
    H[:k, :k] = (Z * (dlam - 1.0)[:, None]).T @ Z / sig ** 2
    H[:k, k] = H[k, :k] = Z.T @ (dlam * c - 2.0 * r + lam) / sig
    H[k, k] = np.sum(-2.0 * r ** 2 + dlam * c ** 2 + lam * c)
    return -H


def _newton(p, y, Z, a, max_iter: int = 50):
    """Newton's method on the score from ``p`` with step halving on the negative log-likelihood;
    the root (|score| < 1e-10 or no further decrease with |score| < 1e-5), or None."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f, g = _negloglik(p, y, Z, a)
        for _ in range(max_iter):
            gn = np.linalg.norm(g)
            if gn < 1e-10:
                return p
            try:
                step = np.linalg.solve(_hessian(p, y, Z, a), g)
            except np.linalg.LinAlgError:
                return None
            t = 1.0
            while t > 1e-8:
                q = p - t * step
                fq, gq = _negloglik(q, y, Z, a)
                if np.isfinite(fq) and fq <= f + 1e-12 * abs(f):
                    break
                t *= 0.5
            else:
                return p if gn < 1e-5 else None
            if np.array_equal(q, p):
                return p if gn < 1e-5 else None
            p, f, g = q, fq, gq
    return p if np.linalg.norm(g) < 1e-5 else None


@dataclass
class TruncRegResult:
    params: np.ndarray   # beta
    sigma: float
    converged: bool
    gradient_norm: float


def truncreg(y, Z, lower: float = 1.0, start: np.ndarray | None = None) -> TruncRegResult:
    """ML of y = Z b + e, e ~ N(0, s^2) truncated to y > lower (Z includes the constant).

    The estimate is the root of the score equations (the log-likelihood is concave in Olsen's
    parametrisation b/s, 1/s, so the root is unique). ``start`` (b..., log s), e.g. the estimate on
    the original data in a parametric bootstrap, starts Newton's method (analytic Hessian) there;
    when that does not reach |score| < 1e-5 the default path (BFGS from OLS, then the root) is taken."""
    y = np.asarray(y, float)
    Z = np.asarray(Z, float)
    if (y <= lower).any():
        raise EstimationError("truncated regression: every dependent value must exceed the truncation point")
    if len(y) <= Z.shape[1] + 1:
        raise EstimationError(f"truncated regression: {len(y)} observations for {Z.shape[1] + 1} parameters")
    if start is not None:
        p = _newton(np.asarray(start, float), y, Z, lower)
        if p is not None:
            g = _negloglik(p, y, Z, lower)[1]
            return TruncRegResult(p[:-1], float(np.exp(p[-1])), True, float(np.linalg.norm(g)))
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
    start = np.concatenate([fit.params, [np.log(fit.sigma)]])  # the root finder starts at the estimate
    for b in range(replications):
        e = stats.truncnorm.rvs(a, np.inf, loc=0.0, scale=fit.sigma, size=len(y), random_state=rng)
        boot[b] = truncreg(mu + e, Zk, start=start).params
    se = boot.std(axis=0, ddof=1)
    al = 1.0 - ci_level
    lo, hi = np.quantile(boot, [al / 2, 1 - al / 2], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(fit.params / se))
    return SecondStageResult(list(names), fit.params, se, lo, hi, p, fit.sigma, int(keep.sum()),
                             int((~keep).sum()), replications, ci_level)
