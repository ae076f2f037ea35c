"""Descriptive statistics and correlations against independent implementations:
Python's ``statistics`` module (N-1 SD, median) and ``scipy.stats.pearsonr``
on the pairwise-complete rows."""
from __future__ import annotations

import statistics as pystats

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from clusternet.errors import DataError
from clusternet.report.numbers import NumberFormat, NumberFormats
from clusternet.report.settings import ReportSettings
from clusternet.report.statistics import (artefact_table, correlation_table, correlations, describe,
                                          descriptive_table, numeric_variables)


@pytest.fixture
def frame():
    rng = np.random.default_rng(3)
    f = pd.DataFrame({"region_code": np.repeat([1, 2, 3, 4, 5], 6), "year": np.tile(range(2011, 2017), 5),
                      "a": rng.normal(size=30), "b": rng.normal(size=30), "c": rng.normal(size=30),
                      "region_en": "x"})
    f.loc[[2, 7, 11], "a"] = np.nan
    f.loc[[7, 20], "b"] = np.nan
    f["c"] = f["c"] + 2 * f["a"].fillna(0)
    return f


def test_describe_matches_statistics_module(frame):
    d = describe(frame, ["a", "b"]).set_index("variable")
    for v in ("a", "b"):
        x = frame[v].dropna().tolist()
        assert d.loc[v, "n"] == len(x)
        assert d.loc[v, "mean"] == pytest.approx(pystats.fmean(x), abs=1e-12)
        assert d.loc[v, "sd"] == pytest.approx(pystats.stdev(x), abs=1e-12)
        assert d.loc[v, "median"] == pytest.approx(pystats.median(x), abs=1e-12)
        assert (d.loc[v, "min"], d.loc[v, "max"]) == (min(x), max(x))


def test_correlations_match_scipy_pairwise(frame):
    r, p = correlations(frame, ["a", "b", "c"])
    for x in ("a", "b", "c"):
        for y in ("a", "b", "c"):
            if x == y:
                continue
            pair = frame[[x, y]].dropna()
            ref = stats.pearsonr(pair[x], pair[y])
            assert r.loc[x, y] == pytest.approx(ref.statistic, abs=1e-12)
            assert p.loc[x, y] == pytest.approx(ref.pvalue, abs=1e-10)


@hsettings(max_examples=40, deadline=None)
@given(arrays(np.float64, (12, 3), elements=st.floats(-1e3, 1e3, allow_nan=False)))
def test_correlation_matrix_is_symmetric_and_bounded(values):
    f = pd.DataFrame(values, columns=["a", "b", "c"])
    r, p = correlations(f, ["a", "b", "c"])
    m = r.to_numpy()
    finite = ~np.isnan(m)
    assert np.array_equal(finite, finite.T)
    assert np.allclose(m[finite], m.T[finite])
    assert np.all(np.abs(m[finite]) <= 1.0)
    assert np.all((p.to_numpy()[finite] >= 0) & (p.to_numpy()[finite] <= 1))


def test_tables_render_rounded_values_and_lower_triangle(frame):
    s = ReportSettings(numbers=NumberFormats(NumberFormat("fixed", 2)))
    t = descriptive_table(frame, ["a"], s, {})
    x = frame["a"].dropna()
    assert t.body == [["a", "27", f"{x.mean():.2f}", f"{x.std():.2f}", f"{x.min():.2f}", f"{x.median():.2f}",
                       f"{x.max():.2f}"]]
    c = correlation_table(frame, ["a", "c"], s, {})
    assert c.body[0][1:] == ["1.00", ""]
    assert c.body[1][1].startswith(f"{frame[['a', 'c']].dropna().corr().iat[0, 1]:.2f}***")


def test_default_variables_are_numeric_non_id_columns(frame):
    assert numeric_variables(frame, (), "report.yaml") == ["a", "b", "c"]


def test_unknown_or_text_variables_name_the_config_key(frame):
    with pytest.raises(DataError, match=r"report\.descriptive\.variables names column\(s\) \['zz'\]"):
        numeric_variables(frame, ["a", "zz"], "config/report.yaml")
    with pytest.raises(DataError, match=r"config/report\.yaml: column\(s\) \['region_en'\] are not numeric"):
        numeric_variables(frame, ["region_en"], "config/report.yaml")


def test_artefact_table_reads_csv_and_reports_bad_file(tmp_path):
    good = tmp_path / "w.csv"
    good.write_text("indicator,weight\nx,0.25\ny,0.75\n")
    t = artefact_table(good, "w", "Weights", ReportSettings(), {})
    assert t.header == [["indicator", "weight"]] and t.body == [["x", "0.250"], ["y", "0.750"]]
    empty = tmp_path / "e.csv"
    empty.write_text("")
    with pytest.raises(DataError, match=r"e\.csv: cannot read the table"):
        artefact_table(empty, "e", "E", ReportSettings(), {})


def test_against_r_reference_fixture(repo_root):
    """R's summary statistics and cor.test on airquality (tests/reference/report_statistics.R)."""
    import json

    ref = json.loads((repo_root / "tests/reference/fixtures/report_statistics.json").read_text())
    frame = pd.DataFrame({k: pd.array(v, dtype="Float64") for k, v in ref["data"].items()}).astype(float)
    variables = list(ref["data"])
    d = describe(frame, variables).set_index("variable")
    for row in ref["describe"]:
        assert d.loc[row["variable"], "n"] == row["n"]
        for stat in ("mean", "sd", "min", "median", "max"):
            assert d.loc[row["variable"], stat] == pytest.approx(row[stat], abs=1e-9), (row["variable"], stat)
    r, p = correlations(frame, variables)
    for pair in ref["correlations"]:
        assert r.loc[pair["x"], pair["y"]] == pytest.approx(pair["r"], abs=1e-12)
        assert p.loc[pair["x"], pair["y"]] == pytest.approx(pair["p_value"], abs=1e-12)
