"""Regression-table conventions: effects rows from the model, cluster counts only for
clustered covariances, SE type in words, fit/test rows per table, rename/keep/drop and
event-study order. Expected strings are written by hand from the documents' numbers."""
from __future__ import annotations

import pytest

from clusternet.errors import ConfigError
from clusternet.report.regression import coefficient_order, regression_table
from clusternet.report.settings import ReportSettings
from clusternet.results import coefficient_table, make_result

PROV = {"code_version": "test", "inputs": {}}


def doc(label, est, se, *, model="panel.twfe", effects=None, cov=None, fit=None, tests=None, extra=None,
        dependent="innov"):
    names = list(est)
    return make_result(model=model, dependent=dependent, label=label,
                       coefficients=coefficient_table(names, list(est.values()), [se[n] for n in names],
                                                      df_resid=30),
                       covariance=cov or {"type": "cluster", "options": {"cluster_by": "entity",
                                                                         "small_sample": "sss"}, "n_clusters": 31},
                       nobs=310, n_entities=31, n_periods=10, effects=effects or {"entity": True, "time": True},
                       fit=fit or {"r2_within": 0.4}, tests=tests, extra=extra, spec={}, provenance=PROV)


def rows(t):
    return {r[0]: r[1:] for r in t.body if r[0]}


def test_random_effects_and_driscoll_kraay_columns():
    docs = {"fe": doc("FE", {"x": 0.5}, {"x": 0.1}),
            "re": doc("RE", {"x": 0.4}, {"x": 0.1}, effects={"entity": "random", "time": False},
                      fit={"r2_within": 0.3, "r2_overall": 0.5},
                      tests=[{"name": "hausman", "statistic": 3.0, "df": 1, "p_value": 0.0832},
                             {"name": "mundlak", "statistic": 20.0, "df": 1, "p_value": 7.7e-6}]),
            "dk": doc("DK", {"x": 0.5}, {"x": 0.2},
                      cov={"type": "driscoll_kraay", "options": {"bandwidth": 1, "kernel": "bartlett",
                                                                 "small_sample": "none"}, "n_clusters": 10})}
    t = regression_table(docs, ReportSettings(), name="m", title="M")
    r = rows(t)
    assert r["Region effects"] == ["Fixed", "Random", "Fixed"]
    assert r["Year effects"] == ["Fixed", "No", "Fixed"]
    # DK stores T = 10 in n_clusters: not a cluster count, so the cell stays empty.
    assert r["Clusters (region)"] == ["31", "31", ""]
    assert r["Hausman test, p-value"] == ["", "0.083", ""]
    assert r["Mundlak test, p-value"] == ["", "<0.001", ""]
    assert "Region FE" not in r
    assert t.notes[1] == ("Standard errors: (1)–(2) clustered by region (31 clusters, small-sample correction "
                          "G/(G-1)(N-1)/(N-K)); (3) Driscoll–Kraay (Bartlett kernel, bandwidth 1).")


def test_zh_effects_and_se_words():
    docs = {"re": doc("RE", {"x": 0.4}, {"x": 0.1}, effects={"entity": "random", "time": False})}
    t = regression_table(docs, ReportSettings(language="zh"), name="m", title="M")
    r = rows(t)
    assert r["地区效应"] == ["随机"] and r["年份效应"] == ["否"]
    assert t.notes[1].startswith("标准误：按地区聚类（31 个聚类")


def test_event_study_rows_in_numeric_order():
    est = {"event[6]": 0.1, "event[-4]": 0.2, "event[0]": 0.3, "x": 1.0, "event[-10]": 0.0}
    d = doc("ES", est, {k: 0.1 for k in est})
    assert coefficient_order({"a": d}) == ["event[-10]", "event[-4]", "event[0]", "event[6]", "x"]


def test_small_estimates_never_print_as_zero():
    d = doc("small", {"x": -0.0000412, "z": 0.0}, {"x": 0.000873, "z": 0.01})
    t = regression_table({"a": d}, ReportSettings(), name="m", title="M")
    assert t.body[0][1] == "-0.0000412" and t.body[1][1] == "(0.000873)"
    assert t.body[2][1] == "0" and t.body[3][1] == "(0.0100)"


def test_stats_rows_chosen_per_table_and_threshold_gmm_iv_spatial_rows():
    thr = doc("thr", {"x": 0.2}, {"x": 0.1}, model="panel.threshold", effects={"entity": True, "time": False},
              extra={"threshold": {"estimates": [{"threshold": 1, "estimate": 0.2089, "ci_lower": 0.1921,
                                                  "ci_upper": 0.2433}],
                                   "bootstrap": {"reps": 300, "stages": [{"stage": 1, "F": 14.87, "p_value": 0.49}]}}})
    gmm = doc("gmm", {"x": 0.3}, {"x": 0.1}, model="panel.gmm_system",
              tests=[{"name": "ar1", "statistic": -3.1, "p_value": 0.002}, {"name": "ar2", "statistic": 0.5,
                                                                              "p_value": 0.62},
                     {"name": "hansen_j", "statistic": 20.1, "df": 18, "p_value": 0.33}])
    iv = doc("iv", {"x": 0.3}, {"x": 0.1}, model="panel.iv",
             tests=[{"name": "kleibergen_paap_rk_wald_f", "statistic": 23.456, "p_value": None}])
    sar = doc("sar", {"x": 0.3}, {"x": 0.1}, model="spatial.sar", fit={"rho": 0.312, "loglik": -123.456},
              cov={"type": "ml_information", "options": {"lee_yu": True}, "n_clusters": None})
    docs = {"thr": thr, "gmm": gmm, "iv": iv, "sar": sar}
    t = regression_table(docs, ReportSettings(), name="m", title="M",
                         stats=["nobs", "entities", "periods", "threshold", "threshold_ci", "threshold_f",
                                "threshold_p", "ar1", "ar2", "hansen_j", "first_stage_f", "rho", "loglik"])
    r = rows(t)
    assert list(r)[1:] == ["Observations", "Regions", "Years", "Threshold γ̂", "95% CI of γ̂",
                           "Threshold F statistic", "Threshold F, bootstrap p-value", "AR(1) test, p-value",
                           "AR(2) test, p-value", "Hansen J test, p-value", "First-stage F (Kleibergen–Paap)",
                           "ρ (spatial lag)", "Log likelihood"]
    assert r["Regions"] == ["31"] * 4 and r["Years"] == ["10"] * 4
    assert r["Threshold γ̂"] == ["0.209", "", "", ""]
    assert r["95% CI of γ̂"] == ["[0.192, 0.243]", "", "", ""]
    assert r["Threshold F statistic"] == ["14.9", "", "", ""]
    assert r["Threshold F, bootstrap p-value"] == ["0.490", "", "", ""]
    assert r["AR(2) test, p-value"] == ["", "0.620", "", ""]
    assert r["Hansen J test, p-value"] == ["", "0.330", "", ""]
    assert r["First-stage F (Kleibergen–Paap)"] == ["", "", "23.5", ""]
    assert r["ρ (spatial lag)"] == ["", "", "", "0.312"] and r["Log likelihood"] == ["", "", "", "-123"]
    assert "from the ML information matrix (Lee–Yu bias correction)" in t.notes[1]
    # Default stats: every row with a value somewhere, here including the threshold and GMM rows.
    default = rows(regression_table(docs, ReportSettings(), name="m", title="M"))
    assert {"Threshold γ̂", "AR(2) test, p-value", "Hansen J test, p-value", "ρ (spatial lag)"} <= set(default)


def test_rename_keep_drop_and_unknown_names_are_errors():
    d = doc("a", {"x": 0.5, "w": 0.1, "event[1]": 0.2}, {"x": 0.1, "w": 0.1, "event[1]": 0.1})
    t = regression_table({"a": d}, ReportSettings(labels={"x": "Codebook x"}), name="m", title="M",
                         drop=["event[[]*"], rename={"w": "Renamed w"})
    assert [r[0] for r in t.body[:4:2]] == ["Codebook x", "Renamed w"]
    t = regression_table({"a": d}, ReportSettings(), name="m", title="M", coefficients=["w"])
    assert t.body[0][0] == "w" and t.body[2][0] != "x"
    with pytest.raises(ConfigError, match=r"coefficients \['nope'\] are in none"):
        regression_table({"a": d}, ReportSettings(), name="m", title="M", coefficients=["nope"])
    with pytest.raises(ConfigError, match=r"stats row 'r3' is unknown"):
        regression_table({"a": d}, ReportSettings(), name="m", title="M", stats=["r3"])


def test_table_number_format_overrides_report():
    d = doc("a", {"x": 0.51234}, {"x": 0.1})
    t = regression_table({"a": d}, ReportSettings(), name="m", title="M",
                         number_format={"mode": "fixed", "digits": 2})
    assert t.body[0][1] == "0.51***" and t.body[1][1] == "(0.10)"
