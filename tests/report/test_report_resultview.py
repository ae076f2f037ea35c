"""The result object (summary, tidy, renderings) and `clusternet table`, on one synthetic
document of each kind the pipeline writes (panel, IV, GMM, threshold, mechanism, DID,
spatial) and, in the e2e run, on every document of the default run."""
from __future__ import annotations

import io
from pathlib import Path

import docx
import pandas as pd
import pytest

from clusternet.cli.app import main
from clusternet.report.resultview import load, side_by_side
from clusternet.results import coefficient_table, make_result, write_result

ROOT = Path(__file__).resolve().parents[2]
PROV = {"code_version": "test", "inputs": {}}
CLUSTER = {"type": "cluster", "options": {"cluster_by": "entity", "small_sample": "sss"}, "n_clusters": 31}


def mk(model, est, se, **kw):
    names = list(est)
    base = dict(model=model, dependent="innov", label=model,
                coefficients=coefficient_table(names, list(est.values()), [se[n] for n in names], df_resid=30),
                covariance=CLUSTER, nobs=310, n_entities=31, n_periods=10, spec={}, provenance=PROV,
                effects={"entity": True, "time": True}, fit={"r2_within": 0.41})
    base.update(kw)
    return make_result(**base)


def kinds() -> dict[str, dict]:
    return {
        "panel": mk("panel.re", {"(Intercept)": 1.0, "dici": 0.00449}, {"(Intercept)": 0.5, "dici": 0.000829},
                    effects={"entity": "random", "time": False},
                    tests=[{"name": "hausman", "statistic": 3.0, "df": 1, "p_value": 0.0832}]),
        # extra blocks in the layouts their producers write (the result schema's $defs/extra_<family>)
        "iv": mk("panel.iv", {"dici": 0.3}, {"dici": 0.1},
                 extra={"endogenous": ["dici"], "instruments": ["z"], "exogenous": [], "effects": "twoways",
                        "first_stage": {}},
                 tests=[{"name": "kleibergen_paap_rk_wald_f", "statistic": 23.4, "df": [1, 30], "p_value": None}]),
        "gmm": mk("panel.gmm_system", {"L1.innov": 0.6, "dici": 0.2}, {"L1.innov": 0.1, "dici": 0.1},
                  extra={"gmm": {"estimator": "system", "steps": 2, "n_instruments": 20, "first_period": 2013,
                                 "coefficients_onestep": {"L1.innov": 0.55, "dici": 0.21}, "instruments": [],
                                 "exogenous": ["dici"], "notes": []}},
                  tests=[{"name": "ar2", "statistic": 0.5, "df": None, "p_value": 0.62},
                         {"name": "hansen_j", "statistic": 20.0, "df": 18, "p_value": 0.33}]),
        "threshold": mk("panel.threshold", {"dici[regime1]": 0.0101, "dici[regime2]": -0.142},
                        {"dici[regime1]": 0.0759, "dici[regime2]": 0.0326}, effects={"entity": True, "time": False},
                        extra={"threshold": {"variable": "dici", "ci_level": 0.95, "lr_critical_value": 7.35,
                                             "lr_curve": [{"threshold": 1, "gamma": [0.19, 0.2089, 0.25],
                                                           "lr": [9.0, 0.0, 8.0]}],
                                             "estimates": [{"threshold": 1, "estimate": 0.2089, "ci_lower": 0.1921,
                                                            "ci_upper": 0.2433}],
                                             "bootstrap": {"reps": 300, "stages": [{"stage": 1, "F": 14.87,
                                                                                    "p_value": 0.49}]}}}),
        "mechanism": mk("mechanism.mediation", {"total_effect": 0.5, "a_path": 0.3, "b_path": 0.2,
                                                "direct_effect": 0.44, "indirect_effect": 0.06},
                        {k: 0.1 for k in ("total_effect", "a_path", "b_path", "direct_effect", "indirect_effect")},
                        extra={"mediation": {"treatment": "dici", "mediator": "m", "sobel": {"z": 0.27},
                                             "bootstrap": {"replications": 999}}},
                        tests=[{"name": "sobel", "statistic": 0.27, "df": None, "p_value": 0.78}]),
        "did": mk("did.twfe", {"event[6]": 0.1, "event[-4]": 0.2, "event[0]": 0.3},
                  {"event[6]": 0.1, "event[-4]": 0.1, "event[0]": 0.1},
                  extra={"did": {"estimator": "twfe", "reference_period": -1}}),
        "spatial": mk("spatial.sdm", {"dici": 0.2, "W*dici": 0.1, "rho": 0.3}, {"dici": 0.05, "W*dici": 0.05,
                                                                               "rho": 0.05},
                      covariance={"type": "ml_information", "options": {"lee_yu": True}, "n_clusters": None},
                      fit={"rho": 0.3, "loglik": -120.5},
                      extra={"spatial": {"weights": "queen", "fixed_effects": "twoway", "effects": {
                          "method": "simulation", "variables": {"dici": {
                          "direct": {"estimate": 0.21, "std_error": 0.05, "p_value": 0.0001},
                          "indirect": {"estimate": 0.00004, "std_error": 0.2, "p_value": 0.88},
                          "total": {"estimate": 0.3, "std_error": 0.2, "p_value": 0.13}}}}}}),
    }


@pytest.fixture
def documents(tmp_path) -> dict[str, Path]:
    out = {}
    for kind, doc in kinds().items():
        out[kind] = tmp_path / f"{kind}.json"
        write_result(out[kind], doc)
    return out


@pytest.mark.parametrize("kind", list(kinds()))
def test_summary_tidy_and_renderings_of_every_kind(kind, documents):
    r = load(documents[kind])
    text = r.summary()
    assert r.doc["model"] in text and "Std. Err." in text and "Observations:" in text
    tidy = r.tidy()
    assert list(tidy.columns) == ["term", "component", "estimate", "std_error", "statistic", "p_value",
                                  "conf_low", "conf_high"]
    coefs = tidy[tidy.component == "coefficient"]
    assert coefs.term.tolist() == [c["name"] for c in r.doc["coefficients"]]
    assert coefs.estimate.tolist() == [c["estimate"] for c in r.doc["coefficients"]]
    for render in (r.to_latex(), r.to_markdown(), r.to_html()):
        assert render
    assert str(r) == text


def test_model_specific_blocks(documents):
    thr = load(documents["threshold"])
    assert "Thresholds" in thr.summary() and "[0.192, 0.243]" in thr.summary()
    row = thr.tidy().query("component == 'threshold'").iloc[0]
    assert (row.term, row.estimate, row.conf_low, row.p_value) == ("gamma1", 0.2089, 0.1921, 0.49)
    sp = load(documents["spatial"])
    eff = sp.tidy().query("component == 'indirect'").iloc[0]
    assert (eff.term, eff.estimate, eff.p_value) == ("dici", 0.00004, 0.88)
    assert "Spatial effects" in sp.summary() and "0.0000400" in sp.summary()
    gmm = load(documents["gmm"]).summary()
    assert "hansen_j" in gmm and "0.330" in gmm
    re_ = load(documents["panel"]).summary()
    assert "entity: random" in re_ and "0.00449***" in re_ and "(0.000829)" not in re_ and "0.000829" in re_


def test_side_by_side_and_duplicate_names(documents):
    rs = [load(documents["panel"]), load(documents["spatial"]), load(documents["panel"])]
    t = side_by_side(rs)
    assert t.header[0] == ["", "(1)", "(2)", "(3)"]
    assert any(row[0] == "Region effects" and row[1:] == ["Random", "Fixed", "Random"] for row in t.body)


@pytest.mark.parametrize("fmt", ["md", "tex", "html", "csv"])
def test_table_command_formats(fmt, documents, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no config/config.yaml here: default settings
    paths = [str(documents[k]) for k in kinds()]
    assert main(["table", *paths, "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert "(7)" in out
    if fmt == "csv":
        frame = pd.read_csv(io.StringIO(out), comment="#", header=None, keep_default_na=False, dtype=str)
        assert frame.iloc[0].tolist() == ["", "(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"]
    if fmt == "tex":
        assert r"\begin{threeparttable}" in out


def test_table_command_docx_stats_and_summary(documents, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "t.docx"
    assert main(["table", str(documents["gmm"]), str(documents["threshold"]), "--format", "docx", "-o", str(out),
                 "--stats", "nobs", "ar2", "hansen_j", "threshold", "threshold_ci"]) == 0
    cells = [[c.text for c in row.cells] for row in docx.Document(str(out)).tables[0].rows]
    labels = [row[0] for row in cells]
    assert labels[-5:] == ["Observations", "AR(2) test, p-value", "Hansen J test, p-value", "Threshold γ̂",
                           "95% CI of γ̂"]
    assert main(["table", str(documents["did"]), "--summary"]) == 0
    assert "did.twfe" in capsys.readouterr().out
    assert main(["table", str(documents["did"]), "--format", "docx"]) == 2  # docx needs --output


@pytest.mark.e2e
def test_every_document_of_the_default_run(snakemake_run):
    run = snakemake_run[0]
    paths = sorted((run / "results/models").glob("*.json")) + sorted((run / "results/spatial/models").glob("*.json"))
    paths = [p for p in paths if p.name != "index.json"]
    assert paths, "the default run wrote no result documents"
    for p in paths:
        r = load(p)
        assert r.summary() and len(r.tidy()) >= len(r.doc["coefficients"])
        assert r.to_latex() and r.to_markdown()
    assert side_by_side([load(p) for p in paths]).ncols == len(paths) + 1
