"""Blocks of ``extra``: spatial effects, thresholds (Hansen's critical values) and marginal
effects of moderation models, read in the one layout each producer writes (the result schema's
``$defs/extra_<family>``). The marginal effects themselves are the model's, checked against plm
in tests/models/test_mechanisms_reference.py."""
from __future__ import annotations

import pytest

from clusternet.report.extras import (hansen_critical_value, lr_critical_value, lr_curves, marginal_effects,
                                      moderation_terms, spatial_effects, spatial_effects_table, threshold_table,
                                      thresholds, event_study)
from clusternet.report.settings import ReportSettings

from report_fixtures import panel_doc

DIRECT = {"estimate": 0.3, "std_error": 0.1, "p_value": 0.003}


@pytest.mark.parametrize("alpha, expected", [(0.10, 5.94), (0.05, 7.35), (0.01, 10.59)])
def test_hansen_critical_values_match_his_table(alpha, expected):
    # Hansen (1999), Journal of Econometrics 93, p. 352: 5.94, 7.35, 10.59.
    assert hansen_critical_value(alpha) == pytest.approx(expected, abs=0.005)


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
    t = threshold_table({"t": doc}, ReportSettings(), {})
    assert [r[:4] for r in t.body] == [["thr", "1", "1.50", "[1.20, 1.90]"], ["thr", "2", "3.00", "[2.50, 3.10]"]]
    assert [r[6] for r in t.body] == ["300", "300"] and t.body[1][4] == "4.00"
    assert lr_critical_value(doc) == (pytest.approx(0.1), 5.94)


def test_model_marginal_effects_are_used_as_given():
    grid = [0.0, 1.0]
    doc = panel_doc("mod", {"a": 0.1, "b": 0.2, "ab": 0.3}, {"a": 0.1, "b": 0.1, "ab": 0.1},
                    extra={"moderation": {"treatment": "a", "moderator": "b", "interaction": "ab",
                                          "marginal_effects": {"moderator_values": grid, "effect": [0.1, 0.4],
                                                               "std_error": [0.1, 0.2], "ci_lower": [-0.1, 0.0],
                                                               "ci_upper": [0.3, 0.8]}}})
    assert moderation_terms(doc) == ("a", "b", "ab")
    me = marginal_effects(doc)
    assert me["grid"].tolist() == grid and me["effect"].tolist() == [0.1, 0.4]
    assert me["lower"].tolist() == [-0.1, 0.0] and me["upper"].tolist() == [0.3, 0.8]
    assert me["std_error"].tolist() == [0.1, 0.2]


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


def test_report_reads_the_documents_of_a_real_fit():
    """The readers on documents the models write (not hand-made layouts): a threshold and a
    moderation fit on synthetic data."""
    import numpy as np
    import pandas as pd

    from clusternet.estimators import get

    rng = np.random.default_rng(4)
    n, t = 30, 10
    f = pd.DataFrame({"region_code": np.repeat(np.arange(n), t), "year": np.tile(np.arange(2011, 2011 + t), n)})
    f["x"], f["w"], f["q"] = rng.normal(size=n * t), rng.normal(size=n * t), rng.uniform(size=n * t)
    f["y"] = f.x + 0.5 * f.x * f.w + np.where(f.q > 0.5, f.x, 0) + rng.normal(size=n * t)
    thr = get("threshold")(f, {"name": "t", "model": "threshold", "y": "y", "x": ["x"], "seed": 1,
                                "options": {"threshold_variable": "q", "bootstrap_reps": 9, "grid_points": 20}})
    (row,) = thresholds(thr)
    assert row["estimate"] == thr["extra"]["threshold"]["estimates"][0]["estimate"] and row["n_boot"] == 9
    (g, lr), = lr_curves(thr)
    assert g.size == lr.size > 0
    assert lr_critical_value(thr) == (pytest.approx(0.05), pytest.approx(hansen_critical_value(0.05)))
    mod = get("moderation")(f, {"name": "m", "model": "moderation", "y": "y", "x": "x", "options": {"moderator": "w"}})
    assert moderation_terms(mod) == ("x", "w", mod["extra"]["moderation"]["interaction"])
    me = marginal_effects(mod)
    assert me["effect"].size == 25 and np.all(me["lower"] < me["effect"])


def test_report_fixture_documents_are_valid_producer_shapes(tmp_path):
    """The synthetic project the report tests build holds only documents the result schema
    accepts (typed extra per family, enumerated covariance.type)."""
    from clusternet.io import read_json
    from clusternet.results import validate_result
    from report_fixtures import make_project

    make_project(tmp_path)
    docs = [p for p in (tmp_path / "results").rglob("*.json") if read_json(p).get("kind") == "estimation"]
    assert len(docs) >= 6
    for p in docs:
        validate_result(read_json(p), str(p))
