"""Wild cluster bootstrap for the TWFE and event-study coefficients against the `wildboottest`
package: exact with enumerated Rademacher weights, within Monte Carlo error with independent
seeded draws (Rademacher and Webb); the event-study design reproduces the did_twfe document."""
import numpy as np
import pandas as pd
import pytest

from clusternet.models.wildboot import (
    bootstrap_t, draw_weights, enumerated_rademacher, event_study_design, linear_design, wild_pvalue, wild_pvalues,
)

wbt = pytest.importorskip("wildboottest.wildboottest")


def _staggered(seed=0, n=10, t=8, effect=0.3):
    rng = np.random.default_rng(seed)
    codes = (np.arange(1, n + 1) * 10000 + 100000).astype(int)
    ids = np.repeat(codes, t)
    years = np.tile(np.arange(2010, 2010 + t), n)
    adoption = {int(codes[0]): 2013, int(codes[1]): 2013, int(codes[2]): 2014, int(codes[3]): 2015}
    g = np.array([adoption.get(int(c), np.inf) for c in ids])
    d = (years >= g).astype(float)
    a = rng.normal(size=n)[np.repeat(np.arange(n), t)]
    lam = rng.normal(size=t)[np.tile(np.arange(t), n)]
    y = effect * d * (1 + 0.2 * np.clip(years - g, 0, None)) + a + lam + rng.normal(size=n * t)
    return pd.DataFrame({"region_code": ids, "year": years, "y": y, "d": d}), adoption


def _package(design, coef, B, weights=None, kind="rademacher", seed=1):
    R = np.zeros(design.X.shape[1])
    R[design.index(coef)] = 1.0
    wb = wbt.WildboottestCL(X=design.X, Y=design.y, cluster=design.cluster, R=R, B=B, seed=seed, parallel=False)
    wb.get_scores(bootstrap_type="11", impose_null=True)
    wb.get_weights(weights_type=kind)
    if weights is not None:
        wb.v, wb.B = weights, weights.shape[1]
    for step in (wb.get_numer, wb.get_denom, wb.get_tboot, wb.get_vcov, wb.get_tstat):
        step()
    wb.get_pvalue(pval_type="two-tailed")
    return wb


def test_enumerated_rademacher_exact_for_static_twfe():
    df, adoption = _staggered(1)
    spec = {"name": "s", "model": "twfe", "y": "y", "x": ["d"], "cov": {"type": "cluster", "small_sample": "sss"}}
    design = linear_design(df, spec)
    w = enumerated_rademacher(design.n_clusters)
    assert w.shape == (10, 1024) and np.unique(w, axis=1).shape[1] == 1024
    t_obs, t_star = bootstrap_t(design, "d", w)
    # the package enumerates the same 2^G vectors itself when B > 2^G
    wb = _package(design, "d", B=5000)
    assert wb.full_enumeration
    ties = int(np.sum(np.isclose(np.abs(t_star), abs(t_obs), rtol=1e-10)))
    assert ties == 2  # v = ±1 reproduces the sample: |t*| = |t|
    strict = int(np.sum(np.abs(t_star) > abs(t_obs) * (1 + 1e-9)))
    # clusternet counts the ties as hits; the package counts |t*| > |t| in floating point, so
    # each of the two ties falls either way: its p-value is strict/2^G plus 0, 1 or 2 ties
    p = wild_pvalue(design, "d", weights=w)["p_value"]
    assert p == pytest.approx((strict + ties) / 1024, abs=1e-15)
    assert round(float(wb.pvalue) * 1024) - strict in (0, 1, 2)
    n, p_all = design.X.shape
    ratio = np.sqrt(((n - 1) / (n - p_all)) / ((n - 1) / (n - design.k_ss)))
    np.testing.assert_allclose(np.sort(np.ravel(wb.t_boot)) * ratio, np.sort(t_star), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("kind", ["rademacher", "webb"])
def test_independent_draws_within_monte_carlo_error(kind):
    df, adoption = _staggered(2, n=31, t=8, effect=0.15)
    spec = {"name": "s", "model": "twfe", "y": "y", "x": ["d"], "cov": {"type": "cluster", "small_sample": "sss"}}
    design = linear_design(df, spec)
    B = 9999
    p = wild_pvalue(design, "d", reps=B, kind=kind, rng=np.random.default_rng(20240501))["p_value"]
    wb = _package(design, "d", B=B, kind=kind, seed=20240501)
    p_ref = float(wb.pvalue)
    se = np.sqrt(2 * max(p_ref * (1 - p_ref), 1e-4) / B)  # two independent Monte Carlo estimates
    assert abs(p - p_ref) < 4 * se, (p, p_ref, se)


def test_event_study_design_equals_the_did_document():
    from clusternet.models.runner import fit_specification
    df, adoption = _staggered(3)
    spec = {"name": "es", "model": "did_twfe", "y": "y", "cov": {"type": "cluster", "small_sample": "sss"},
            "options": {"adoption_years": adoption, "leads": 3, "lags": 3}}
    doc = fit_specification(df.drop(columns="d"), spec)
    design, terms, pre = event_study_design(df.drop(columns="d"), spec)
    rows = {r["name"]: r for r in doc["coefficients"]}
    from clusternet.models.wildboot import cluster_t
    for c in terms:
        est, se, _ = cluster_t(design, c)
        assert est == pytest.approx(rows[c]["estimate"], rel=1e-9, abs=1e-12)
        assert se == pytest.approx(rows[c]["std_error"], rel=1e-8)
    assert pre == ["event[-3]", "event[-2]"]


def test_event_study_pvalues_match_the_package_with_common_draws():
    df, adoption = _staggered(4)
    spec = {"name": "es", "model": "did_twfe", "y": "y", "options": {"adoption_years": adoption, "leads": 2, "lags": 2}}
    design, terms, _ = event_study_design(df.drop(columns="d"), spec)
    w = draw_weights(np.random.default_rng(7), design.n_clusters, 999, "webb")
    ours = wild_pvalues(design, terms, w)
    for c in terms:
        wb = _package(design, c, B=999, weights=w, kind="webb")
        # no ties with continuous (Webb) draws: the p-values are equal
        assert ours[c]["p_value"] == pytest.approx(float(wb.pvalue), abs=1e-12)
