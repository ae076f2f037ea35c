"""Wild cluster bootstrap (WCR): closed-form replicates against a brute-force refit loop with
explicit dummies, and against the `wildboottest` package (a port of Stata's boottest)."""
import numpy as np
import pandas as pd
import pytest

from clusternet.models.wildboot import bootstrap_t, cluster_t, draw_weights, linear_design, wild_pvalue


def _panel(seed=0, n=12, t=6, beta=0.0):
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(1, n + 1) * 10000, t)
    years = np.tile(np.arange(2010, 2010 + t), n)
    a = rng.normal(size=n)[np.repeat(np.arange(n), t)]
    lam = rng.normal(size=t)[np.tile(np.arange(t), n)]
    x = rng.normal(size=n * t) + 0.5 * a
    z = rng.normal(size=n * t)
    e = rng.normal(size=n)[np.repeat(np.arange(n), t)] * 0.5 + rng.standard_t(5, size=n * t)
    y = beta * x + 0.3 * z + a + lam + e
    return pd.DataFrame({"region_code": ids, "year": years, "y": y, "x": x, "z": z})


SPEC = {"name": "t", "model": "twfe", "y": "y", "x": ["x"], "controls": ["z"],
        "cov": {"type": "cluster", "small_sample": "sss"}}


def _brute_force(df, weights, coef="x"):
    """Refit every bootstrap sample by OLS with explicit entity and year dummies."""
    ent = pd.get_dummies(df["region_code"], drop_first=True, dtype=float).to_numpy()
    yr = pd.get_dummies(df["year"], drop_first=True, dtype=float).to_numpy()
    X = np.column_stack([df[["x", "z"]].to_numpy(), np.ones(len(df)), ent, yr])
    y = df["y"].to_numpy()
    cl = pd.factorize(df["region_code"], sort=True)[0]
    G = cl.max() + 1
    n, p = X.shape
    k_slopes = 2  # plm/clusternet count only the slopes in the sss factor (FE absorbed)
    fac = G / (G - 1) * (n - 1) / (n - k_slopes)

    def tstat(yv, beta0=0.0):
        b, *_ = np.linalg.lstsq(X, yv, rcond=None)
        u = yv - X @ b
        XtXi = np.linalg.pinv(X.T @ X)
        s = np.zeros((G, p))
        np.add.at(s, cl, X * u[:, None])
        V = fac * XtXi @ (s.T @ s) @ XtXi
        return (b[0] - beta0) / np.sqrt(V[0, 0])

    Xr = X[:, 1:]
    g, *_ = np.linalg.lstsq(Xr, y, rcond=None)
    fitted, ur = Xr @ g, y - Xr @ g
    t_obs = tstat(y)
    t_star = np.array([tstat(fitted + ur * weights[cl, b]) for b in range(weights.shape[1])])
    return t_obs, t_star


@pytest.mark.parametrize("kind", ["rademacher", "webb"])
def test_closed_form_replicates_equal_brute_force_refits(kind):
    df = _panel(1)
    design = linear_design(df, SPEC)
    w = draw_weights(np.random.default_rng(5), design.n_clusters, 60, kind)
    t_obs, t_star = bootstrap_t(design, "x", w)
    bt_obs, bt_star = _brute_force(df, w)
    assert t_obs == pytest.approx(bt_obs, rel=1e-8)
    np.testing.assert_allclose(t_star, bt_star, rtol=1e-7, atol=1e-9)


def test_observed_t_equals_the_linear_estimator_document():
    from clusternet.models.runner import fit_specification
    df = _panel(2)
    doc = fit_specification(df, SPEC)
    row = next(r for r in doc["coefficients"] if r["name"] == "x")
    est, se, t = cluster_t(linear_design(df, SPEC), "x")
    assert est == pytest.approx(row["estimate"], rel=1e-10)
    assert se == pytest.approx(row["std_error"], rel=1e-10)


def test_against_wildboottest_package():
    wbt = pytest.importorskip("wildboottest.wildboottest")
    df = _panel(3, n=15, t=7, beta=0.2)
    design = linear_design(df, SPEC)
    w = draw_weights(np.random.default_rng(9), design.n_clusters, 400, "webb")
    t_obs, t_star = bootstrap_t(design, "x", w)
    R = np.zeros(design.X.shape[1])
    R[design.index("x")] = 1.0
    wb = wbt.WildboottestCL(X=design.X, Y=design.y, cluster=design.cluster, R=R, B=400, seed=1, parallel=False)
    wb.get_scores(bootstrap_type="11", impose_null=True)
    wb.get_weights(weights_type="webb")
    wb.v, wb.B = w, w.shape[1]  # the same draws
    for step in (wb.get_numer, wb.get_denom, wb.get_tboot, wb.get_vcov, wb.get_tstat, wb.get_pvalue):
        step()
    # The package's small-sample factor counts every column of X (here also the year dummies);
    # clusternet counts the slopes only (plm). The factor is common to the observed and the
    # bootstrap t statistics, so they differ by one constant ratio and the p-values are equal.
    n, p_all = design.X.shape[0], design.X.shape[1]
    ratio = np.sqrt(((n - 1) / (n - p_all)) / ((n - 1) / (n - design.k_ss)))
    assert float(np.ravel(wb.t_stat)[0]) * ratio == pytest.approx(t_obs, rel=1e-8)
    np.testing.assert_allclose(np.ravel(wb.t_boot) * ratio, t_star, rtol=1e-7)
    p = wild_pvalue(design, "x", weights=w)["p_value"]
    assert p == pytest.approx(float(wb.pvalue), abs=1e-12)


def test_seeded_pvalues_are_reproducible_and_null_rejects_rarely():
    df = _panel(4, n=31, t=9, beta=0.0)
    d = linear_design(df, SPEC)
    p1 = wild_pvalue(d, "x", reps=199, rng=np.random.default_rng(1))["p_value"]
    p2 = wild_pvalue(d, "x", reps=199, rng=np.random.default_rng(1))["p_value"]
    assert p1 == p2 and 0 <= p1 <= 1
    strong = _panel(4, n=31, t=9, beta=1.0)
    assert wild_pvalue(linear_design(strong, SPEC), "x", reps=199, rng=np.random.default_rng(1))["p_value"] < 0.01
