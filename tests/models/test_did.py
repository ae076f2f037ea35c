"""Staggered DID: a hand-computable noise-free panel with known cohort/period
effects, TWFE against a dummy-variable OLS in statsmodels (independent), the
Callaway-Sant'Anna standard error against the HC0 standard error of the 2x2
regression, and bad-input errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.errors import ConfigError, DataError
from clusternet.models import did
from clusternet.results import validate_result

YEARS = list(range(2011, 2019))  # 8 periods
COHORTS = {1: 2014, 2: 2014, 3: 2014, 4: 2016, 5: 2016, 6: 2016}  # entities 7..12 never treated


def tau(g, t):
    """Known effects: cohort 2014 gets 2(1 + e), cohort 2016 gets 1 + e, e = t - g >= 0."""
    if g is None or t < g:
        return 0.0
    return (2.0 if g == 2014 else 1.0) * (1 + t - g)


def hand_panel(noise=0.0, seed=0, effect=tau, n=12):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(1, n + 1):
        for t in YEARS:
            g = COHORTS.get(i)
            rows.append({"region_code": i, "year": t,
                         "y": 0.3 * i + 0.1 * (t - 2011) ** 2 + effect(g, t) + noise * rng.normal()})
    return pd.DataFrame(rows)


def cs_spec(**opts):
    return {"name": "cs", "model": "did_cs", "y": "y", "x": [], "options": {"adoption_years": COHORTS, **opts}}


def rows_of(doc):
    return {r["name"]: r for r in doc["coefficients"]}


@pytest.mark.parametrize("control", ["never", "notyet"])
def test_cs_recovers_every_att_gt_exactly(control):
    doc = did.fit_did_cs(hand_panel(), cs_spec(control=control))
    validate_result({**doc, "provenance": {"code_version": "t", "inputs": {}}})
    cells = doc["extra"]["did"]["att_gt"]
    assert cells, "no ATT(g,t) estimated"
    for c in cells:
        expected = tau(c["cohort"], c["period"]) if c["period"] >= c["cohort"] else 0.0
        assert c["att"] == pytest.approx(expected, abs=1e-10), c
    r = rows_of(doc)
    # event time e: cohorts of equal size (3 each) -> plain average over cohorts observed at e
    assert r["event[0]"]["estimate"] == pytest.approx((2 + 1) / 2, abs=1e-10)
    assert r["event[2]"]["estimate"] == pytest.approx((6 + 3) / 2, abs=1e-10)
    assert r["event[4]"]["estimate"] == pytest.approx(10.0, abs=1e-10)  # only cohort 2014 reaches e = 4
    # simple ATT: post cells weighted by cohort share; here equal shares -> mean of post cells
    post = [tau(g, t) for g in (2014, 2016) for t in YEARS if t >= g]
    if control == "notyet":
        assert len(cells) == 2 * 7  # varying base: t = 2012..2018 for both cohorts
    assert r["att"]["estimate"] == pytest.approx(np.mean(post), abs=1e-10)


def test_cs_notyet_excludes_cohorts_once_treated():
    """Under notyet, ATT(2014, 2016) compares with never-treated only (cohort 2016 is
    treated by then): moving cohort 2016's outcomes in 2015 and 2016 leaves ATT(2014, 2016)
    (years 2013 and 2016) unchanged but changes ATT(2014, 2015), where cohort 2016 is a control."""
    base = hand_panel()
    moved = base.copy()
    moved.loc[(moved.region_code.isin([4, 5, 6])) & (moved.year.isin([2015, 2016])), "y"] += 100.0
    a = {(c["cohort"], c["period"]): c["att"] for c in did.fit_did_cs(base, cs_spec())["extra"]["did"]["att_gt"]}
    b = {(c["cohort"], c["period"]): c["att"] for c in did.fit_did_cs(moved, cs_spec())["extra"]["did"]["att_gt"]}
    assert b[(2014, 2016)] == pytest.approx(a[(2014, 2016)], abs=1e-10)
    assert b[(2014, 2015)] - a[(2014, 2015)] == pytest.approx(-100.0 * 3 / 9, abs=1e-10)  # 3 of 9 controls


def test_cs_standard_error_equals_hc0_of_the_2x2_regression():
    df = hand_panel(noise=1.0, seed=4)
    doc = did.fit_did_cs(df, cs_spec(control="never"))
    cell = next(c for c in doc["extra"]["did"]["att_gt"] if (c["cohort"], c["period"]) == (2016, 2017))
    wide = df.pivot(index="region_code", columns="year", values="y")
    dy = (wide[2017] - wide[2015]).rename("dy").to_frame()
    dy["treated"] = [1.0 if COHORTS.get(i) == 2016 else 0.0 for i in dy.index]
    sample = dy[[COHORTS.get(i) in (None, 2016) for i in dy.index]]
    ols = smf.ols("dy ~ treated", data=sample).fit(cov_type="HC0")
    assert cell["att"] == pytest.approx(ols.params["treated"], abs=1e-10)
    assert cell["std_error"] == pytest.approx(ols.bse["treated"], abs=1e-10)


def test_cs_weight_influence_vanishes_with_one_cohort():
    """With one cohort the aggregation weights are fixed, so the simple ATT's
    influence function is the plain average of the cells' influence functions."""
    df = hand_panel(noise=1.0, seed=2)
    wide = df.pivot(index="region_code", columns="year", values="y")
    cohort = pd.Series({i: 2016.0 if i in (4, 5, 6) else np.nan for i in wide.index})
    cs = did.CallawaySantAnna(wide, cohort, control="never", base_period="varying")
    att, inf = cs.simple()
    post = [k for k, (g, t) in enumerate(cs.cells) if t >= g]
    assert att == pytest.approx(np.mean([cs.att[k] for k in post]), abs=1e-12)
    assert inf == pytest.approx(np.mean([cs.inf[k] for k in post], axis=0), abs=1e-12)


def test_twfe_static_matches_dummy_variable_ols():
    df = hand_panel(noise=0.5, seed=1)
    doc = did.fit_did_twfe(df, {"name": "tw", "model": "did_twfe", "y": "y", "x": [],
                                "options": {"adoption_years": COHORTS}})
    validate_result({**doc, "provenance": {"code_version": "t", "inputs": {}}})
    d = df.assign(D=[1.0 if COHORTS.get(i) and t >= COHORTS[i] else 0.0 for i, t in zip(df.region_code, df.year)])
    ref = smf.ols("y ~ D + C(region_code) + C(year)", data=d).fit()
    assert rows_of(doc)["att"]["estimate"] == pytest.approx(ref.params["D"], abs=1e-9)


def test_twfe_event_study_recovers_homogeneous_dynamic_effects():
    """With effects that depend on event time only, the event-study TWFE is exact
    (no noise) when every relative time has its own dummy."""
    doc = did.fit_did_twfe(hand_panel(effect=lambda g, t: 0.0 if g is None or t < g else 1.0 + 0.5 * (t - g)),
                           {"name": "tw", "model": "did_twfe", "y": "y", "x": [],
                            "options": {"adoption_years": COHORTS, "leads": 5, "lags": 4}})
    r = rows_of(doc)
    for e in range(0, 5):
        assert r[f"event[{e}]"]["estimate"] == pytest.approx(1.0 + 0.5 * e, abs=1e-8)
    for e in (-5, -4, -3, -2):
        assert r[f"event[{e}]"]["estimate"] == pytest.approx(0.0, abs=1e-8)
    assert "event[-1]" not in r


def test_twfe_is_biased_under_heterogeneous_dynamic_effects_while_cs_is_not():
    df = hand_panel()
    tw = rows_of(did.fit_did_twfe(df, {"name": "tw", "model": "did_twfe", "y": "y", "x": [],
                                       "options": {"adoption_years": COHORTS}}))["att"]["estimate"]
    cs = rows_of(did.fit_did_cs(df, cs_spec()))["att"]["estimate"]
    post = np.mean([tau(g, t) for g in (2014, 2016) for t in YEARS if t >= g])
    assert cs == pytest.approx(post, abs=1e-10)
    assert abs(tw - post) > 0.5


def test_did_errors():
    df = hand_panel()
    with pytest.raises(ConfigError, match="adoption_years is required"):
        did.fit_did_cs(df, {"name": "cs", "model": "did_cs", "y": "y", "x": []})
    with pytest.raises(DataError, match=r"names entities \[99\]"):
        did.fit_did_cs(df, cs_spec(adoption_years={99: 2015}))
    with pytest.raises(DataError, match="'z' not found"):
        did.fit_did_cs(df, {**cs_spec(), "controls": ["z"]})
    with pytest.raises(ConfigError, match="est_method must be one of"):
        did.fit_did_cs(df, cs_spec(est_method="ols"))
    with pytest.raises(ConfigError, match="needs a seed"):
        did.fit_did_cs(df, cs_spec(bootstrap_draws=99))
    with pytest.raises(ConfigError, match="control must be never or notyet"):
        did.fit_did_cs(df, cs_spec(control="later"))
    with pytest.raises(DataError, match="balanced panel"):
        did.fit_did_cs(df.iloc[1:], cs_spec())


def test_cs_aggregate_standard_errors_match_monte_carlo_spread():
    """The analytic SE of the aggregated ATTs (influence functions incl. the
    estimated cohort weights) should match the sampling spread of the estimates:
    400 panels with random cohort sizes, mean SE within 10% of the empirical SD
    (Monte Carlo error of the SD ~3.5%). The cohort effects differ (4 vs 0), so
    leaving out the weight term would understate the simple ATT's SE by ~33%."""
    rng = np.random.default_rng(42)
    years = np.arange(2011, 2017)
    n = 90
    atts, ses, dyn, dyn_se = [], [], [], []
    for _ in range(400):
        g = rng.choice([2013.0, 2015.0, np.nan], size=n, p=[0.3, 0.3, 0.4])
        e = years[None, :] - g[:, None]
        effect = np.where(np.nan_to_num(e, nan=-1) >= 0, np.where(g[:, None] == 2013, 4.0, 0.0), 0.0)
        y = rng.normal(size=(n, 1)) + 0.2 * years[None, :] + effect + rng.normal(size=(n, years.size))
        cs = did.CallawaySantAnna(pd.DataFrame(y, columns=years), pd.Series(g), control="never",
                                  base_period="varying")
        a, inf = cs.simple()
        atts.append(a), ses.append(cs.se(inf))
        d0, inf0 = cs.dynamic()[0]
        dyn.append(d0), dyn_se.append(cs.se(inf0))
    assert np.mean(ses) == pytest.approx(np.std(atts, ddof=1), rel=0.10)
    assert np.mean(dyn_se) == pytest.approx(np.std(dyn, ddof=1), rel=0.10)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=12, max_size=12),
       st.lists(st.floats(-50, 50), min_size=len(YEARS), max_size=len(YEARS)),
       st.sampled_from(["never", "notyet"]), st.sampled_from(["varying", "universal"]))
def test_cs_att_gt_invariant_to_unit_and_period_shifts(unit_shift, period_shift, control, base):
    """Adding any alpha_i + lambda_t (parallel trends hold exactly) leaves every
    ATT(g,t) and its standard error unchanged."""
    df = hand_panel(noise=1.0, seed=3)
    shifted = df.assign(y=df.y + np.array(unit_shift)[df.region_code - 1]
                        + np.array(period_shift)[df.year - YEARS[0]])
    spec = cs_spec(control=control, base_period=base)
    a = did.fit_did_cs(df, spec)["extra"]["did"]["att_gt"]
    b = did.fit_did_cs(shifted, spec)["extra"]["did"]["att_gt"]
    assert [(c["cohort"], c["period"]) for c in a] == [(c["cohort"], c["period"]) for c in b]
    for ca, cb in zip(a, b):
        assert cb["att"] == pytest.approx(ca["att"], abs=1e-9)
        assert cb["std_error"] == pytest.approx(ca["std_error"], abs=1e-9)


def test_twfe_pretrend_test_is_the_joint_wald_of_the_leads():
    doc = did.fit_did_twfe(hand_panel(noise=1.0, seed=6), {"name": "tw", "model": "did_twfe", "y": "y", "x": [],
                                                            "options": {"adoption_years": COHORTS, "leads": 3}})
    names = doc["vcov"]["names"]
    idx = [names.index("event[-3]"), names.index("event[-2]")]
    V = np.array(doc["vcov"]["matrix"])[np.ix_(idx, idx)]
    b = np.array([rows_of(doc)[n]["estimate"] for n in ("event[-3]", "event[-2]")])
    test = {t["name"]: t for t in doc["tests"]}["pretrends_joint_zero"]
    assert test["statistic"] == pytest.approx(b @ np.linalg.solve(V, b) / 2, rel=1e-10)
    assert test["df"] == [2, 11]  # q and G - 1 (12 entities)


def test_cs_missing_drop_entities_balances_the_panel_like_r_did():
    """options.missing: drop_entities drops every entity with a gap (R did's makeBalancedPanel);
    the result equals the fit on the panel without that entity."""
    df = hand_panel(noise=1.0, seed=8)
    gappy = df.copy()
    gappy.loc[(gappy.region_code == 9) & (gappy.year == 2013), "y"] = np.nan
    with pytest.raises(DataError, match="missing values"):
        did.fit_did_cs(gappy, cs_spec())
    a = did.fit_did_cs(gappy, cs_spec(missing="drop_entities"))
    b = did.fit_did_cs(df[df.region_code != 9], cs_spec())
    assert a["extra"]["did"]["dropped_entities"] == [9]
    assert [r["estimate"] for r in a["coefficients"]] == pytest.approx([r["estimate"] for r in b["coefficients"]])
