"""Callaway & Sant'Anna with covariates against independent implementations on their own
example data (mpdta, 500 counties 2003-2007, covariate lpop):

* csdid 0.4.3 (Python port of R did): reg / ipw / dr, never- and not-yet-treated controls,
  varying and universal base periods, anticipation 1; ATT(g,t), analytic SEs, the four
  aggregations and R did's pre-test W (tests/reference/did_cs_mpdta.py -> did_cs_mpdta.json);
* R did itself (the csdid repository's R reference run, did_cs_r_did_*.csv);
* differences 0.3.0 for the improved doubly robust estimator (IPT propensity score);
* the csdid multiplier bootstrap (20,000 draws) within Monte Carlo error.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusternet.models import did, did_cs

FIX = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
TOL = 1e-6
CONTROL = {"nevertreated": "never", "notyettreated": "notyet"}


@pytest.fixture(scope="module")
def mpdta():
    d = pd.read_csv(FIX / "did_mpdta.csv")
    wide = d.pivot(index="countyreal", columns="year", values="lemp")
    X = d.pivot(index="countyreal", columns="year", values="lpop").to_numpy()[:, :, None]
    g = d.groupby("countyreal")["first.treat"].first().reindex(wide.index).replace(0, np.nan).to_numpy()
    return wide.to_numpy(), list(wide.columns), g, X


@pytest.fixture(scope="module")
def ref():
    return json.loads((FIX / "did_cs_mpdta.json").read_text(encoding="utf-8"))


def cells_of(res):
    return {c: (a, s) for c, a, s in zip(res.cells, res.att, np.atleast_1d(res.se(res.inf)))}


def check_cells(res, att_gt, tol_att=TOL, tol_se=TOL, base_period="varying"):
    ours = cells_of(res)
    seen = 0
    for c in att_gt:
        key = (c["cohort"], c["period"])
        if key not in ours:  # the universal base period itself: listed by csdid with ATT 0
            assert base_period == "universal" and c["att"] == 0, key
            continue
        seen += 1
        assert ours[key][0] == pytest.approx(c["att"], abs=tol_att), key
        assert ours[key][1] == pytest.approx(c["std_error"], abs=tol_se), key
    assert seen == len(ours)


@pytest.mark.parametrize("case", range(14))
def test_cs_with_covariates_matches_csdid(mpdta, ref, case):
    c = ref["cases"][case]
    Y, periods, g, X = mpdta
    res = did_cs.att_gt(Y, periods, g, X, control=CONTROL[c["control"]], base_period=c["base_period"],
                        anticipation=c["anticipation"], est_method=c["est_method"])
    check_cells(res, c["att_gt"], base_period=c["base_period"])
    for kind, a in c["aggregations"].items():
        agg = res.aggregate(kind)
        assert agg.overall_att == pytest.approx(a["overall_att"], abs=TOL), kind
        assert res.se(agg.overall_inf) == pytest.approx(a["overall_se"], abs=TOL), kind
        if kind == "simple":
            continue
        ours = dict(zip(agg.labels, zip(agg.att, np.atleast_1d(res.se(agg.inf)))))
        for lab, att, se in zip(a["labels"], a["att"], a["se"]):
            if lab not in ours:  # event time -1 under a universal base: ATT 0 by construction
                assert c["base_period"] == "universal" and att == 0, (kind, lab)
                continue
            assert ours[lab][0] == pytest.approx(att, abs=TOL), (kind, lab)
            assert ours[lab][1] == pytest.approx(se, abs=TOL), (kind, lab)
    if c["pretest"] is not None:
        pre = res.pretest()
        assert pre["statistic"] == pytest.approx(c["pretest"]["W"], rel=1e-8)
        assert pre["p_value"] == pytest.approx(c["pretest"]["p_value"], abs=1e-5)  # R rounds Wpval


R_SCENARIOS = {"mpdta_nev_dr": ("never", "dr", None), "mpdta_nyt_dr": ("notyet", "dr", None),
               "mpdta_nev_reg_cov": ("never", "reg", "lpop"), "mpdta_nev_ipw": ("never", "ipw", None)}


@pytest.mark.parametrize("scenario", sorted(R_SCENARIOS))
def test_cs_matches_r_did(mpdta, scenario):
    """R did's own numbers (no covariates for dr/ipw, lpop for reg), ATT(g,t) and aggregations."""
    control, method, cov = R_SCENARIOS[scenario]
    Y, periods, g, X = mpdta
    res = did_cs.att_gt(Y, periods, g, X if cov else None, control=control, est_method=method)
    gt = pd.read_csv(FIX / "did_cs_r_did_attgt.csv").query("scenario == @scenario")
    check_cells(res, [{"cohort": int(r.group), "period": int(r.t), "att": r.att, "std_error": r.se}
                      for r in gt.itertuples()])
    agg_ref = pd.read_csv(FIX / "did_cs_r_did_aggte.csv").query("scenario == @scenario")
    for kind, rows in agg_ref.groupby("type"):
        agg = res.aggregate(str(kind))
        assert agg.overall_att == pytest.approx(rows.overall_att.iloc[0], abs=TOL)
        assert res.se(agg.overall_inf) == pytest.approx(rows.overall_se.iloc[0], abs=TOL)
        if kind != "simple":
            ours = dict(zip(agg.labels, zip(agg.att, np.atleast_1d(res.se(agg.inf)))))
            for r in rows.itertuples():
                assert ours[int(r.egt)][0] == pytest.approx(r.att_egt, abs=TOL)
                assert ours[int(r.egt)][1] == pytest.approx(r.se_egt, abs=TOL)


@pytest.mark.parametrize("case", range(2))
def test_improved_dr_matches_differences(mpdta, ref, case):
    """ATT to 1e-6; SEs to 2e-6: differences stops its trust-region IPT solve at scipy's default
    gradient tolerance (its SEs move by ~5e-7 from the exact root), this module solves the
    first-order conditions to 1e-12 (checked below)."""
    c = ref["differences"][case]
    Y, periods, g, X = mpdta
    res = did_cs.att_gt(Y, periods, g, X, control=c["control"], est_method="dr_improved")
    check_cells(res, c["att_gt"], tol_se=2e-6)


def test_ipt_solves_its_balancing_conditions(mpdta):
    """IPT reweights the comparison units to the treated covariate totals exactly."""
    Y, periods, g, X = mpdta
    rows = (g == 2006) | np.isnan(g)
    D = (g[rows] == 2006).astype(float)
    Z = np.column_stack([np.ones(rows.sum()), X[rows, 2, 0]])
    gamma = did_cs.ipt_propensity(D, Z)
    w = np.exp(Z @ gamma) * (1 - D)
    assert np.max(np.abs(Z.T @ D - Z.T @ w)) < 1e-9


def test_multiplier_bootstrap_agrees_with_csdid_within_monte_carlo_error(mpdta, ref):
    """20,000 draws each: the IQR-based bootstrap SE has a Monte Carlo relative SD of about
    1.17/sqrt(20000) = 0.8% per run, so two independent runs differ by more than 5% with
    probability < 1e-5; the uniform critical value (a 95% quantile of a maximum) likewise."""
    b = ref["bootstrap"]
    Y, periods, g, X = mpdta
    res = did_cs.att_gt(Y, periods, g, X, control="never", est_method="dr")
    boot = did_cs.multiplier_bootstrap(res.inf, 20000, seed=7)
    ours = dict(zip(res.cells, boot.se))
    for c in b["att_gt"]:
        assert ours[(c["cohort"], c["period"])] == pytest.approx(c["std_error"], rel=0.05)
    assert boot.crit_val == pytest.approx(b["att_gt_crit_val"], rel=0.05)
    dyn = res.aggregate("dynamic")
    bd = did_cs.multiplier_bootstrap(dyn.inf, 20000, seed=8)
    a = b["aggregations"]["dynamic"]
    assert list(dyn.labels) == a["labels"]
    assert bd.se == pytest.approx(np.array(a["se"]), rel=0.05)
    assert bd.crit_val == pytest.approx(a["crit_val"], rel=0.05)
    # and the bootstrap SE estimates the analytic SE
    assert boot.se == pytest.approx(np.atleast_1d(res.se(res.inf)), rel=0.05)


def test_bootstrap_is_deterministic_given_the_seed(mpdta):
    Y, periods, g, X = mpdta
    res = did_cs.att_gt(Y, periods, g, None, control="never", est_method="reg")
    a = did_cs.multiplier_bootstrap(res.inf, 200, seed=3)
    b = did_cs.multiplier_bootstrap(res.inf, 200, seed=3)
    assert np.array_equal(a.se, b.se) and a.crit_val == b.crit_val


def test_fit_did_cs_with_covariates_and_bootstrap_document(ref):
    """The estimator as models.yaml runs it: covariates, DR, bootstrap, uniform bands."""
    d = pd.read_csv(FIX / "did_mpdta.csv")
    cohorts = d[d["first.treat"] > 0].groupby("countyreal")["first.treat"].first().to_dict()
    doc = did.fit_did_cs(d, {"name": "cs", "model": "did_cs", "y": "lemp", "controls": ["lpop"],
                             "entity": "countyreal", "time": "year", "seed": 11,
                             "options": {"adoption_years": cohorts, "control": "never", "est_method": "dr",
                                         "bootstrap_draws": 2000}})
    rows = {r["name"]: r for r in doc["coefficients"]}
    c = ref["cases"][4]
    assert (c["control"], c["est_method"], c["base_period"], c["anticipation"]) == ("nevertreated", "dr",
                                                                                    "varying", 0)
    assert rows["att"]["estimate"] == pytest.approx(c["aggregations"]["simple"]["overall_att"], abs=TOL)
    assert doc["extra"]["did"]["analytic_std_error"]["att"] == pytest.approx(
        c["aggregations"]["simple"]["overall_se"], abs=TOL)
    assert rows["att"]["std_error"] == pytest.approx(c["aggregations"]["simple"]["overall_se"], rel=0.15)
    band = doc["extra"]["did"]["uniform_bands"]["dynamic"]
    assert band["critical_value"] > 1.96
    for name, lo, hi in zip(band["names"], band["lower"], band["upper"]):
        assert lo < rows[name]["ci_lower"] and hi > rows[name]["ci_upper"]
