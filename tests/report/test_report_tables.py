"""Regression tables and their renderings. Expected strings are written by hand
from the documents' numbers (estimate 0.5, SE 0.1 -> "0.500***", "(0.100)")."""
from __future__ import annotations

import io
import zipfile

import docx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.errors import ConfigError
from clusternet.report.regression import regression_table
from clusternet.report.settings import ReportSettings, codebook_labels
from clusternet.report.tables import FIXED_ZIP_TIME, Table, to_csv, to_docx, to_html, to_latex, to_markdown

from report_fixtures import panel_doc

PROV = {"code_version": "0.1.0+gabc", "config_sha256": "f" * 64, "inputs": {"results/models/a.json": "0" * 64}}
LABELS = {"innov": "Innovation output", "digital": "Digital endowment"}


def docs():
    return {
        "a": panel_doc("Baseline", {"digital": 0.5, "policy": 0.2, "gdp": 1.0},
                       {"digital": 0.1, "policy": 0.15, "gdp": 0.5}, controls=["gdp"]),
        "b": panel_doc("No year FE", {"digital": 0.3}, {"digital": 0.2}, time=False, r2w=0.25, clusters=None),
    }


@pytest.mark.parametrize("p, stars", [(0.005, "***"), (0.0099, "***"), (0.01, "**"), (0.03, "**"),
                                      (0.05, "*"), (0.07, "*"), (0.1, ""), (0.5, ""), (None, "")])
def test_stars_use_strict_thresholds(p, stars):
    assert ReportSettings().stars_for(p) == stars


@settings(deadline=None)  # no timed assertions in unit tests
@given(st.floats(0, 1), st.floats(0, 1))
def test_stars_never_decrease_as_p_falls(p1, p2):
    s = ReportSettings()
    lo, hi = sorted((p1, p2))
    assert len(s.stars_for(lo)) >= len(s.stars_for(hi))


def test_star_thresholds_must_decrease():
    with pytest.raises(ConfigError, match=r"config/report\.yaml: stars: thresholds must be listed .*got \[0\.01, 0\.05\]"):
        ReportSettings.from_section({"stars": [{"p": 0.01, "symbol": "*"}, {"p": 0.05, "symbol": "**"}]})


def test_regression_table_layout():
    t = regression_table(docs(), ReportSettings(labels=LABELS), name="main", title="Main", provenance=PROV)
    assert t.header == [["", "(1)", "(2)"], ["Dependent variable", "Innovation output", "Innovation output"],
                        ["", "Baseline", "No year FE"]]
    # p-values: t(20) of 5.0 is < 0.01; 0.2/0.15 = 1.33 is > 0.1; 0.3/0.2 = 1.5 is > 0.1.
    assert t.body == [
        ["Digital endowment", "0.500***", "0.300"],
        ["", "(0.100)", "(0.200)"],
        ["policy", "0.200", ""],
        ["", "(0.150)", ""],
        ["Controls", "Yes", "No"],
        ["Region effects", "Fixed", "Fixed"],
        ["Year effects", "Fixed", "No"],
        ["Observations", "24", "24"],
        ["R² (within)", "0.400", "0.250"],
        ["Clusters (region)", "6", ""],
    ]
    assert t.rules_before == [4]
    assert "(1) clustered by region (6 clusters)" in t.notes[1]


def test_controls_shown_when_configured_and_coefficient_order():
    s = ReportSettings(show_controls=True)
    t = regression_table(docs(), s, name="m", title="M")
    assert [r[0] for r in t.body[::2]][:3] == ["digital", "policy", "gdp"]
    assert "Controls" not in [r[0] for r in t.body]
    t = regression_table(docs(), s, name="m", title="M", coefficients=["policy", "digital"])
    assert [t.body[0][0], t.body[2][0]] == ["policy", "digital"]


def test_spatial_lag_labels():
    s = ReportSettings(labels={"digital": "Digital endowment"})
    assert (s.label("W*digital"), s.label("W*other"), s.label("rho")) == ("W×Digital endowment", "W*other", "rho")


def test_chinese_labels_from_codebook():
    codebook = {"variables": [{"name": "digital", "label_en": "Digital", "label_zh": "数字资源禀赋"},
                              {"name": "innov", "label": {"en": "Innovation", "zh": "创新产出"}}]}
    labels = codebook_labels(codebook, "zh")
    assert labels == {"digital": "数字资源禀赋", "innov": "创新产出"}
    s = ReportSettings.from_section({"language": "zh"}, labels)
    t = regression_table(docs(), s, name="m", title="M")
    assert t.body[0][0] == "数字资源禀赋"
    assert [r[0] for r in t.body[4:8]] == ["控制变量", "地区效应", "年份效应", "观测值"]
    assert t.body[4][1:] == ["是", "否"] and t.body[5][1:] == ["固定", "固定"]


def table():
    return Table(name="t_1", title="A & B", header=[["", "(1)"]], body=[["x_1", "0.500***"], ["", "(0.100)"],
                                                                       ["N", "24"]],
                 notes=["50% note"], rules_before=[2], provenance=PROV)


def test_latex_booktabs_threeparttable_and_escaping():
    tex = to_latex(table())
    for token in (r"\begin{threeparttable}", r"\toprule", r"\midrule", r"\bottomrule", r"\begin{tablenotes}",
                  r"\caption{A \& B}", r"x\_1 & 0.500$^{***}$ \\", r"\item 50\% note", "% Provenance: code 0.1.0+gabc, config sha256 " + "f" * 64,
                  "%   input results/models/a.json sha256 " + "0" * 64):
        assert token in tex
    assert tex.count(r"\midrule") == 2  # under the header and before the N row


def test_markdown_html_csv_carry_the_same_cells_and_provenance():
    t = table()
    md = to_markdown(t)
    assert "| x_1 | 0.500\\*\\*\\* |" in md and "Provenance: code 0.1.0+gabc" in md
    html = to_html(t)
    assert "<td>0.500***</td>" in html and "A &amp; B" in html and "Provenance" in html
    frame = pd.read_csv(io.StringIO(to_csv(t)), comment="#", header=None, keep_default_na=False, dtype=str)
    assert frame.values.tolist() == [["", "(1)"], ["x_1", "0.500***"], ["", "(0.100)"], ["N", "24"]]
    assert to_csv(t).splitlines()[-1].startswith("# Provenance: code 0.1.0+gabc")


def test_docx_cells_notes_and_fixed_timestamps():
    data = to_docx(table())
    document = docx.Document(io.BytesIO(data))
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert cells == [["", "(1)"], ["x_1", "0.500***"], ["", "(0.100)"], ["N", "24"]]
    assert any(p.text.startswith("Provenance: code 0.1.0+gabc") for p in document.paragraphs)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {FIXED_ZIP_TIME}
    assert document.core_properties.modified.year == 2000
    assert to_docx(table()) == data
