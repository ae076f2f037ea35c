"""Sun & Abraham and the imputation / two-stage DID against pyfixest 0.60.0 on pyfixest's own
example data (df_het, every fifth unit; tests/reference/did_pyfixest.py -> did_pyfixest.json),
the BJS standard error against a brute-force computation of its weights, and the BJS pre-trend
test against a dummy-variable OLS in statsmodels."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from clusternet.models import did_imputation, did_sa
from clusternet.results import validate_result

FIX = Path(__file__).resolve().parents[1] / "reference" / "fixtures"
TOL = 1e-6


@pytest.fixture(scope="module")
def het():
    d = pd.read_csv(FIX / "did_df_het_sub.csv.gz")
    return d.assign(cohort=d.g.replace(0, np.nan))


@pytest.fixture(scope="module")
def ref():
    return json.loads((FIX / "did_pyfixest.json").read_text(encoding="utf-8"))


def test_sun_abraham_matches_pyfixest_saturated_event_study(het, ref):
    res = did_sa.sun_abraham(het.dep_var.to_numpy(), het.unit.to_numpy(), het.year.to_numpy(), het.cohort.to_numpy())
    ours = dict(zip(res.cells, zip(res.catt, np.sqrt(np.diag(res.catt_vcov)))))
    theirs = {(c["cohort"], c["event_time"]): c for c in ref["sun_abraham"]["catt"]}
    assert set(ours) == set(theirs)
    for key, c in theirs.items():
        assert ours[key][0] == pytest.approx(c["estimate"], abs=TOL), key
        assert ours[key][1] == pytest.approx(c["std_error"], abs=TOL), key
    iw = dict(zip(res.event_times, zip(res.iw, res.iw_se)))
    assert sorted(iw) == sorted(r["event_time"] for r in ref["sun_abraham"]["iw"])
    for r in ref["sun_abraham"]["iw"]:
        assert iw[r["event_time"]][0] == pytest.approx(r["estimate"], abs=TOL), r
        assert iw[r["event_time"]][1] == pytest.approx(r["std_error"], abs=TOL), r


@pytest.fixture(scope="module", params=["unit", "state"])
def imputed(request, het):
    cl = request.param
    res = did_imputation.imputation(het.dep_var.to_numpy(), het.unit.to_numpy(), het.year.to_numpy(),
                                    het.cohort.to_numpy(), cluster=None if cl == "unit" else het.state.to_numpy())
    return cl, res


def test_imputation_matches_pyfixest_did2s(imputed, ref):
    """Point estimates (BJS = two-stage DID) and Gardner's GMM standard errors."""
    cl, res = imputed
    ours = dict(zip(res.names, zip(res.estimates, res.se_gardner)))
    static = ref["did2s"][cl]["static"][0]
    assert ours["att"][0] == pytest.approx(static["estimate"], abs=TOL)
    assert ours["att"][1] == pytest.approx(static["std_error"], abs=TOL)
    post = [r for r in ref["did2s"][cl]["event"] if float(r["name"].split("::")[1]) >= 0]
    assert len(post) == len(res.names) - 1
    for r in post:
        k = int(float(r["name"].split("::")[1]))
        assert ours[f"event[{k}]"][0] == pytest.approx(r["estimate"], abs=TOL), k
        assert ours[f"event[{k}]"][1] == pytest.approx(r["std_error"], abs=TOL), k


def small_panel(seed=0, n=24, years=range(2010, 2018)):
    rng = np.random.default_rng(seed)
    cohorts = {i: (2013 if i < 6 else 2015 if i < 12 else np.nan) for i in range(n)}
    rows = []
    for i in range(n):
        a = rng.normal()
        for t in years:
            g = cohorts[i]
            eff = 0.0 if np.isnan(g) or t < g else 1.0 + 0.5 * (t - g) + (0.5 if g == 2013 else 0.0)
            rows.append({"id": i, "year": t, "cohort": g, "y": a + 0.1 * (t - 2010) + eff + rng.normal()})
    return pd.DataFrame(rows)


def test_bjs_standard_error_equals_brute_force():
    """The estimator is linear in y: its weights v_it are the estimates at y = unit vectors;
    then Var = sum_i (sum_t v_it e_it)^2 with e the untreated residual / treated tau minus the
    v-weighted cohort-period mean (BJS Theorem 3), computed here from scratch."""
    d = small_panel()
    args = (d.id.to_numpy(), d.year.to_numpy(), d.cohort.to_numpy())
    res = did_imputation.imputation(d.y.to_numpy(), *args)
    n = len(d)
    V = np.array([did_imputation.imputation(np.eye(n)[j], *args).estimates for j in range(n)])
    assert V.T @ d.y.to_numpy() == pytest.approx(res.estimates, abs=1e-10)
    treated = d.cohort.notna() & (d.year >= d.cohort)
    # untreated residuals from a dummy-variable OLS on the untreated rows
    design = pd.get_dummies(d[["id", "year"]].astype(str), drop_first=True).astype(float)
    design.insert(0, "const", 1.0)
    ols = sm.OLS(d.y[~treated], design[~treated]).fit()
    y0 = design @ ols.params
    tau = d.y - y0
    for j, name in enumerate(res.names):
        v = pd.Series(V[:, j], index=d.index)
        e = (d.y - y0).where(~treated, 0.0)
        cells = d[treated & (v != 0)].groupby(["cohort", "year"])
        for _, idx in cells.groups.items():
            tbar = (v[idx] * tau[idx]).sum() / v[idx].sum()
            e[idx] = tau[idx] - tbar
        se = np.sqrt(((v * e).groupby(d.id).sum() ** 2).sum())
        assert res.se_bjs[j] == pytest.approx(se, rel=1e-8), name


def test_bjs_pretrend_test_matches_dummy_variable_ols():
    d = small_panel(seed=3)
    res = did_imputation.imputation(d.y.to_numpy(), d.id.to_numpy(), d.year.to_numpy(), d.cohort.to_numpy(),
                                    pretrend_leads=2)
    u = d[~(d.cohort.notna() & (d.year >= d.cohort))].copy()
    for k in (1, 2):
        u[f"lead{k}"] = ((u.year - u.cohort) == -k).astype(float)
    X = pd.concat([u[["lead1", "lead2"]], pd.get_dummies(u[["id", "year"]].astype(str), drop_first=True).astype(float)],
                  axis=1)
    X.insert(0, "const", 1.0)
    ols = sm.OLS(u.y, X).fit(cov_type="cluster", cov_kwds={"groups": u.id, "use_correction": False})
    b = ols.params[["lead1", "lead2"]].to_numpy()
    assert res.pretest["coefficients"] == pytest.approx(list(b), abs=1e-10)
    G, N = u.id.nunique(), len(u)
    factor = G / (G - 1) * (N - 1) / (N - 2 - u.year.nunique())  # fixest: leads + time effects
    Vb = factor * ols.cov_params().loc[["lead1", "lead2"], ["lead1", "lead2"]].to_numpy()
    assert res.pretest["statistic"] == pytest.approx(b @ np.linalg.solve(Vb, b) / 2, rel=1e-8)
    assert res.pretest["df"] == [2, G - 1]


def test_sa_and_imputation_documents_validate():
    d = small_panel()
    years = d.dropna(subset=["cohort"]).groupby("id").cohort.first().astype(int).to_dict()
    for fit in (did_sa.fit_did_sa, did_imputation.fit_did_imputation):
        doc = fit(d, {"name": "x", "model": "m", "y": "y", "entity": "id", "time": "year",
                      "options": {"adoption_years": years}})
        validate_result({**doc, "provenance": {"code_version": "t", "inputs": {}}})
        names = [r["name"] for r in doc["coefficients"]]
        assert "att" in names and "event[0]" in names


def test_bjs_leave_out_standard_error_equals_brute_force():
    """BJS (2024) sec. 4.3 leave-out residuals: tau minus the v-weighted mean of its cohort-period
    cell over the other units, recomputed from scratch with explicit loops; undefined (NaN) when a
    cell has a single unit."""
    d = small_panel()
    args = (d.id.to_numpy(), d.year.to_numpy(), d.cohort.to_numpy())
    res = did_imputation.imputation(d.y.to_numpy(), *args)
    n = len(d)
    V = np.array([did_imputation.imputation(np.eye(n)[j], *args).estimates for j in range(n)])
    treated = d.cohort.notna() & (d.year >= d.cohort)
    design = pd.get_dummies(d[["id", "year"]].astype(str), drop_first=True).astype(float)
    design.insert(0, "const", 1.0)
    y0 = design @ sm.OLS(d.y[~treated], design[~treated]).fit().params
    tau = d.y - y0
    for j, name in enumerate(res.names):
        v = pd.Series(V[:, j], index=d.index)
        e = (d.y - y0).where(~treated, 0.0)
        single = False
        for r in d.index[treated & (v != 0)]:
            same = d.index[treated & (v != 0) & (d.cohort == d.cohort[r]) & (d.year == d.year[r]) & (d.id != d.id[r])]
            if len(same) == 0:
                single = True
                break
            e[r] = tau[r] - (v[same] * tau[same]).sum() / v[same].sum()
        if single:
            assert np.isnan(res.se_bjs_leaveout[j]), name
            continue
        se = np.sqrt(((v * e).groupby(d.id).sum() ** 2).sum())
        assert res.se_bjs_leaveout[j] == pytest.approx(se, rel=1e-8), name
        assert res.se_bjs_leaveout[j] >= res.se_bjs[j] * 0.5  # same order as the plain version
    assert np.isfinite(res.se_bjs_leaveout).any()


def test_bjs_leave_out_is_undefined_with_a_one_unit_cohort():
    d = small_panel()
    d.loc[d.id == 0, "cohort"] = 2012.0  # unit 0 alone in its cohort (as Guizhou in 2016)
    res = did_imputation.imputation(d.y.to_numpy(), d.id.to_numpy(), d.year.to_numpy(), d.cohort.to_numpy())
    assert np.isnan(res.se_bjs_leaveout[0])  # att uses every treated cell, one of them single-unit
    assert np.isfinite(res.se_bjs[0])
