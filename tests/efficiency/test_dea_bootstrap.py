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


def _trunc_sample(seed, n=300):
    rng = np.random.default_rng(seed)
    Z = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    beta, sigma = np.array([1.1, 0.3, -0.2]), 0.5
    mu = Z @ beta
    return mu + stats.truncnorm.rvs((1 - mu) / sigma, np.inf, scale=sigma, random_state=rng), Z, beta, sigma


def test_truncreg_hessian_matches_finite_differences_of_the_score():
    y, Z, beta, sigma = _trunc_sample(12)
    p = np.r_[beta + 0.05, np.log(sigma) - 0.1]
    H = bs._hessian(p, y, Z, 1.0)
    eps = 1e-6
    num = np.column_stack([(bs._negloglik(p + eps * e, y, Z, 1.0)[1] - bs._negloglik(p - eps * e, y, Z, 1.0)[1])
                           / (2 * eps) for e in np.eye(len(p))])
    np.testing.assert_allclose(H, num, rtol=1e-6, atol=1e-6 * np.abs(H).max())


def test_truncreg_newton_from_a_start_reaches_the_same_root():
    # the parametric bootstrap starts Newton at the original estimate; its root must be the one
    # the default path (BFGS from OLS, then the score root) finds, with a smaller score
    y, Z, beta, sigma = _trunc_sample(13)
    ref = bs.truncreg(y, Z)
    got = bs.truncreg(y, Z, start=np.r_[beta, np.log(sigma)])
    assert got.converged and got.gradient_norm < 1e-8
    np.testing.assert_allclose(got.params, ref.params, atol=1e-7)
    assert abs(got.sigma - ref.sigma) < 1e-7


def test_sw98_model_reuse_equals_fresh_programmes():
    # the bootstrap's one model per call (reference inputs replaced per replication) against the
    # stacked programmes of dea.radial_blocks, one fresh LP per DMU and pseudo technology
    rng = np.random.default_rng(14)
    X, Y = rng.uniform(1, 10, (25, 2)), rng.uniform(1, 10, (25, 2))
    model = dea.Envelopment("radial", X, Y, "crs", "input")
    for _ in range(3):
        Xs = X * rng.uniform(1.0, 1.5, (25, 1))
        model.set_reference_inputs(Xs)
        got = bs._input_scores(model, X, Y)
        np.testing.assert_allclose(got, dea.radial_blocks(X, Y, Xs, Y, "input", "crs")[0], atol=1e-9)
