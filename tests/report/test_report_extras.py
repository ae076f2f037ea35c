"""Blocks of ``extra``: spatial effects, thresholds (Hansen's critical values)
and marginal effects of moderation models (against statsmodels' Wald test of
the linear combination b_x + m b_xm)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from clusternet.report.extras import (hansen_critical_value, lr_critical_value, lr_curves, marginal_effects,
                                      moderation_terms, spatial_effects, spatial_effects_table, threshold_table,
                                      thresholds, event_study)
from clusternet.report.settings import ReportSettings
from clusternet.results import coefficient_table, make_result

from report_fixtures import panel_doc

DIRECT = {"estimate": 0.3, "std_error": 0.1, "p_value": 0.003}


@pytest.mark.parametrize("alpha, expected", [(0.10, 5.94), (0.05, 7.35), (0.01, 10.59)])
def test_hansen_critical_values_match_his_table(alpha, expected):
    # Hansen (1999), Journal of Econometrics 93, p. 352: 5.94, 7.35, 10.59.
    assert hansen_critical_value(alpha) == pytest.approx(expected, abs=0.005)


@pytest.mark.parametrize("effects", [
    {"x": {"direct": DIRECT, "indirect": 0.1, "total": {"coef": 0.4, "se": 0.2, "pvalue": 0.04}}},
    {"direct": [{"name": "x", **DIRECT}], "indirect": [{"name": "x", "estimate": 0.1}],
     "total": [{"name": "x", "estimate": 0.4, "std_error": 0.2, "p_value": 0.04}]},
    {"direct": {"x": DIRECT}, "indirect": {"x": 0.1},
     "total": {"x": {"estimate": 0.4, "std_error": 0.2, "p_value": 0.04}}},
    [{"variable": "x", "effect": "Direct", **DIRECT}, {"variable": "x", "effect": "indirect", "estimate": 0.1},
     {"name": "x", "effect": "total", "estimate": 0.4, "std_error": 0.2, "p_value": 0.04}],
])
def test_spatial_effect_layouts_read_alike(effects):
    doc = panel_doc("SDM", {"x": 0.2}, {"x": 0.1}, model="spatial.sdm", extra={"effects": effects})
    parsed = spatial_effects(doc)
    assert parsed == {"x": {"direct": DIRECT, "indirect": {"estimate": 0.1, "std_error": None, "p_value": None},
                            "total": {"estimate": 0.4, "std_error": 0.2, "p_value": 0.04}}}
    t = spatial_effects_table({"sdm": doc}, ReportSettings(), {})
    assert t.body[:2] == [["x", "0.300***", "0.100", "0.400**"], ["", "(0.100)", "", "(0.200)"]]


def test_spatial_stage_layout():
    doc = panel_doc("SDM", {"x": 0.2}, {"x": 0.1}, model="spatial.sdm", extra={"spatial": {"effects": {
        "method": "simulation", "variables": {"x": {"direct": {**DIRECT, "z": 3.0}, "total": DIRECT}}}}})
    assert spatial_effects(doc) == {"x": {"direct": DIRECT, "total": DIRECT}}
    t = spatial_effects_table({"sdm": doc}, ReportSettings(), {})
    assert t.body[0] == ["x", "0.300***", "", "0.300***"]
    assert t.header[0] == ["", "(1)", "(1)", "(1)"]
    assert t.notes[0] == "Models: (1) SDM [simulation]."


def test_documents_without_blocks_give_nothing():
    doc = panel_doc("plain", {"x": 0.2}, {"x": 0.1})
    assert spatial_effects(doc) == {} and thresholds(doc) == [] and lr_curves(doc) == []
    assert moderation_terms(doc) is None and marginal_effects(doc, [0.0]) is None


def test_threshold_rows_and_lr_curve():
    doc = panel_doc("thr", {"x": 0.2}, {"x": 0.1}, model="panel.threshold", extra={
        "thresholds": {"gamma": 1.5, "ci": [1.2, 1.9], "F": 20.0, "p_value": 0.004, "bootstrap_reps": 500},
        "lr_curve": {"gamma": [1, 2, 3], "lr": [4, 0, 9]}})
    assert thresholds(doc) == [{"estimate": 1.5, "ci_lower": 1.2, "ci_upper": 1.9, "f_stat": 20.0,
                                "p_value": 0.004, "n_boot": 500}]
    (g, lr), = lr_curves(doc)
    assert g.tolist() == [1, 2, 3] and lr.tolist() == [4, 0, 9]
    t = threshold_table({"t": doc}, ReportSettings(), {})
    assert t.body == [["thr", "1", "1.50", "[1.20, 1.90]", "20.0***", "0.004", "500"]]


def test_marginal_effects_match_statsmodels_linear_combination():
    rng = np.random.default_rng(11)
    n = 400
    f = pd.DataFrame({"x": rng.normal(size=n), "m": rng.uniform(0, 2, n)})
    f["y"] = 1 + 0.5 * f.x + 0.3 * f.m - 0.4 * f.x * f.m + rng.normal(size=n)
    fit = smf.ols("y ~ x * m", data=f).fit(cov_type="HC1")
    names = list(fit.params.index)
    doc = make_result(model="panel.pooled", dependent="y", nobs=n, spec={"x": ["x"], "moderator": "m"},
                      provenance={"code_version": "t", "inputs": {}},
                      coefficients=coefficient_table(names, fit.params.values, fit.bse.values),
                      covariance={"type": "HC1"}, vcov={"names": names, "matrix": fit.cov_params().values})
    assert moderation_terms(doc) == ("x", "m", "x:m")
    grid = np.array([0.0, 0.5, 1.7])
    me = marginal_effects(doc, grid)
    for i, m in enumerate(grid):
        contrast = np.zeros(len(names))
        contrast[names.index("x")], contrast[names.index("x:m")] = 1, m
        ref = fit.t_test(contrast)
        assert me["effect"][i] == pytest.approx(float(ref.effect[0]), abs=1e-10)
        assert me["std_error"][i] == pytest.approx(float(ref.sd[0, 0]), abs=1e-10)
        lo, hi = fit.t_test(contrast, use_t=False).conf_int(alpha=0.05)[0]
        assert (me["lower"][i], me["upper"][i]) == (pytest.approx(lo, abs=1e-10), pytest.approx(hi, abs=1e-10))


def test_moderation_from_extra_block():
    doc = panel_doc("mod", {"a": 0.1, "b": 0.2, "ab": 0.3}, {"a": 0.1, "b": 0.1, "ab": 0.1},
                    extra={"moderation": {"x": "a", "moderator": "b", "interaction": "ab"}})
    assert moderation_terms(doc) == ("a", "b", "ab")
    assert marginal_effects(doc, [1.0]) is None  # no vcov: no standard errors, so nothing is drawn


def test_threshold_layout_of_the_models_stage():
    doc = panel_doc("thr", {"x": 0.2}, {"x": 0.1}, model="panel.threshold", extra={"threshold": {
        "ci_level": 0.9, "lr_critical_value": 5.94,
        "estimates": [{"threshold": 1, "estimate": 1.5, "ci_lower": 1.2, "ci_upper": 1.9},
                      {"threshold": 2, "estimate": 3.0, "ci_lower": 2.5, "ci_upper": 3.1}],
        "bootstrap": {"reps": 300, "stages": [{"stage": 1, "F": 30.0, "p_value": 0.0},
                                              {"stage": 2, "F": 4.0, "p_value": 0.4}]},
        "lr_curve": [{"threshold": 1, "gamma": [1, 2], "lr": [0, 3]}, {"threshold": 2, "gamma": [3], "lr": [0]}]}})
    assert thresholds(doc) == [
        {"estimate": 1.5, "ci_lower": 1.2, "ci_upper": 1.9, "f_stat": 30.0, "p_value": 0.0, "n_boot": 300},
        {"estimate": 3.0, "ci_lower": 2.5, "ci_upper": 3.1, "f_stat": 4.0, "p_value": 0.4, "n_boot": 300}]
    assert len(lr_curves(doc)) == 2
    assert lr_critical_value(doc) == (pytest.approx(0.1), 5.94)
    assert lr_critical_value(panel_doc("p", {"x": 0.2}, {"x": 0.1})) == (0.05, hansen_critical_value(0.05))


def test_centred_moderation_matches_statsmodels():
    """dy/dx = b_x + b_xz (z - z_mean) when the model centred the moderator in the interaction."""
    rng = np.random.default_rng(5)
    n = 300
    f = pd.DataFrame({"x": rng.normal(size=n), "z": rng.uniform(1, 3, n)})
    c = float(f.z.mean())
    f["xz"] = f.x * (f.z - c)
    f["y"] = 0.2 + 0.7 * f.x + 0.1 * f.z + 0.5 * f.xz + rng.normal(size=n)
    fit = smf.ols("y ~ x + z + xz", data=f).fit()
    names = list(fit.params.index)
    doc = make_result(model="mechanism.moderation", dependent="y", nobs=n, spec={},
                      provenance={"code_version": "t", "inputs": {}},
                      coefficients=coefficient_table(names, fit.params.values, fit.bse.values),
                      covariance={"type": "unadjusted"}, vcov={"names": names, "matrix": fit.cov_params().values},
                      extra={"moderation": {"treatment": "x", "moderator": "z", "interaction": "xz",
                                            "centring": {"z_mean": c}}})
    grid = np.array([1.0, 2.0, 3.0])
    me = marginal_effects(doc, grid)
    for i, z in enumerate(grid):
        ref = fit.t_test(np.array([0, 1, 0, z - c]))
        assert me["effect"][i] == pytest.approx(float(ref.effect[0]), abs=1e-10)
        assert me["std_error"][i] == pytest.approx(float(ref.sd[0, 0]), abs=1e-10)


def test_precomputed_marginal_effects_are_used_as_given():
    grid = [0.0, 1.0]
    doc = panel_doc("mod", {"a": 0.1, "b": 0.2, "ab": 0.3}, {"a": 0.1, "b": 0.1, "ab": 0.1},
                    extra={"moderation": {"treatment": "a", "moderator": "b", "interaction": "ab",
                                          "marginal_effects": {"moderator_values": grid, "effect": [0.1, 0.4],
                                                               "std_error": [0.1, 0.2], "ci_lower": [-0.1, 0.0],
                                                               "ci_upper": [0.3, 0.8]}}})
    me = marginal_effects(doc)
    assert me["grid"].tolist() == grid and me["effect"].tolist() == [0.1, 0.4]
    assert me["lower"].tolist() == [-0.1, 0.0] and me["upper"].tolist() == [0.3, 0.8]


def test_event_study_points_with_reference_period():
    doc = panel_doc("did", {"att": 1.0, "event[-2]": 0.1, "event[0]": 0.5, "event[1]": 0.8},
                    {"att": 0.1, "event[-2]": 0.1, "event[0]": 0.2, "event[1]": 0.2},
                    model="did.twfe", extra={"did": {"reference_period": -1}})
    es = event_study(doc)
    assert es["k"].tolist() == [-2, -1, 0, 1]
    assert es["estimate"].tolist() == [0.1, 0.0, 0.5, 0.8]
    rows = {r["name"]: r for r in doc["coefficients"]}
    assert es["lower"][2] == rows["event[0]"]["ci_lower"] and es["upper"][3] == rows["event[1]"]["ci_upper"]
    assert (es["lower"][1], es["upper"][1]) == (0.0, 0.0)
    assert event_study(panel_doc("p", {"x": 1.0}, {"x": 0.1})) is None
