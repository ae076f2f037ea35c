import numpy as np
from scipy import optimize, stats

from clusternet.efficiency import bootstrap as bs
from clusternet.efficiency import dea


def test_truncreg_first_order_conditions_and_recovery():
    rng = np.random.default_rng(3)
    n = 3000
    z = rng.normal(size=n)
    Z = np.column_stack([np.ones(n), z])
    beta, sigma = np.array([1.2, 0.3]), 0.4
    mu = Z @ beta
    e = stats.truncnorm.rvs((1 - mu) / sigma, np.inf, scale=sigma, random_state=rng)
    y = mu + e
    fit = bs.truncreg(y, Z)
    assert fit.converged
    np.testing.assert_allclose(fit.params, beta, atol=0.05)
    assert abs(fit.sigma - sigma) < 0.03
    # independent optimiser on the same likelihood (derivative free), written out here
    def nll(p):
        b, s = p[:2], np.exp(p[2])
        m = Z @ b
        return -(stats.norm.logpdf(y, m, s) - stats.norm.logsf(1.0, m, s)).sum()
    ref = optimize.minimize(nll, np.r_[fit.params, np.log(fit.sigma)] + 0.05, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
    np.testing.assert_allclose(fit.params, ref.x[:2], atol=1e-5)


def test_sw98_reduces_bias_on_known_frontier():
    # Known CRS Cobb-Douglas frontier y = (x1 x2 x3)^(1/3), true efficiency e by radial input
    # inflation. DEA scores are biased upwards (the estimated frontier lies inside the true one);
    # the bias-corrected scores must be less biased. (Interval coverage of the homogeneous
    # bootstrap is known to fall short of nominal in small samples; not asserted here.)
    rng = np.random.default_rng(4)
    n = 40
    x = rng.dirichlet([2, 2, 2], n) * 3
    y = np.prod(x ** (1 / 3), axis=1)
    e = np.exp(-np.abs(rng.normal(0, 0.3, n)))
    X, Y = x / e[:, None], y[:, None]
    r = bs.sw98(X, Y, 200, np.random.default_rng(5))
    np.testing.assert_allclose(r.theta, dea.ccr(X, Y), atol=1e-9)
    assert (r.theta >= e - 1e-9).all()                  # DEA never below the truth here
    assert (r.theta_bc <= r.theta + 1e-12).all()        # the correction lowers the scores
    assert abs(np.mean(r.theta_bc - e)) < 0.6 * np.mean(r.theta - e)
    assert (r.ci_lower <= r.ci_upper).all() and (r.ci_upper <= r.theta + 1e-9).all()


def test_sw98_deterministic():
    rng = np.random.default_rng(6)
    X, Y = rng.uniform(1, 5, (15, 2)), rng.uniform(1, 5, (15, 1))
    a = bs.sw98(X, Y, 30, np.random.default_rng(1))
    b = bs.sw98(X, Y, 30, np.random.default_rng(1))
    np.testing.assert_array_equal(a.theta_bc, b.theta_bc)


def test_sw07_recovers_slope():
    rng = np.random.default_rng(0)
    n = 400
    z = rng.normal(size=n)
    Z = np.column_stack([np.ones(n), z])
    mu = Z @ np.array([1.3, 0.25])
    delta = mu + stats.truncnorm.rvs((1 - mu) / 0.3, np.inf, scale=0.3, random_state=rng)
    r = bs.sw07(delta, Z, ["const", "z"], 100, np.random.default_rng(8))
    assert abs(r.params[1] - 0.25) < 3 * r.std_errors[1]
    assert r.ci_lower[1] < r.params[1] < r.ci_upper[1]
    assert r.p_values[1] < 0.01
    assert r.nobs == n and r.n_truncated == 0
