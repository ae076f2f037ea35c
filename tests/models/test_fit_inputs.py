"""Bad `clusternet fit` inputs (issue 11, item 7): missing, duplicate, non-numeric, infinite,
collinear, constant and empty data each end in exit code 2 and a message naming the file, the
data row (1-based, header not counted: data row 1 is the first line below the header), the
column, and what to do; never a traceback or numpy reprs such as ``np.int64(1938)``.

Before the fix: +inf ended in ``numpy.linalg.LinAlgError: SVD did not converge`` (a traceback),
a header-only CSV said "the sample {} selects no rows", rows were 0-based pandas positions
printed as ``np.int64(...)``, messages named the specification but not the file, and an unknown
variable listed every column instead of a suggestion."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusternet.cli.app import main

ROOT = Path(__file__).resolve().parents[2]
GRUNFELD = pd.read_csv(ROOT / "tests" / "reference" / "fixtures" / "panel_linear_data_grunfeld.csv")


def fit(tmp_path, frame_or_path, *x, model="twfe", extra=(), suffix=".csv"):
    if isinstance(frame_or_path, pd.DataFrame):
        path = tmp_path / f"data{suffix}"
        if suffix == ".csv":
            frame_or_path.to_csv(path, index=False)
        else:
            frame_or_path.to_parquet(path, index=False)
    else:
        path = frame_or_path
    args = ["fit", "--data", str(path), "--entity", "firm", "--y", "inv", "--x", *(x or ("value", "capital")),
            "--model", model, "--out", str(tmp_path / "r.json"), "--config", str(tmp_path / "none.yaml"), *extra]
    return main(args), path


def refused(capsys, tmp_path, code, *needles):
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and "np.int64" not in err and "np.float64" not in err, err
    for n in needles:
        assert n in err, err
    assert not (tmp_path / "r.json").exists()
    return err


def test_missing_file(tmp_path, capsys):
    code, path = fit(tmp_path, tmp_path / "nope.csv")
    refused(capsys, tmp_path, code, "nope.csv", "does not exist")


def test_unknown_variable_suggests_the_close_name_and_points_to_the_codebook(tmp_path, capsys):
    wide = pd.DataFrame(0.0, index=GRUNFELD.index, columns=[f"extra_{i}" for i in range(180)])
    frame = pd.concat([GRUNFELD, wide], axis=1)  # a wide file like the panel
    code, path = fit(tmp_path, frame, "valeu", "capital")
    err = refused(capsys, tmp_path, code, str(path), "'valeu'", "did you mean 'value'", "codebook")
    assert "extra_17" not in err and len(err) < 600  # no dump of ~180 column names


@pytest.mark.parametrize("model", ["twfe", "gmm_system", "threshold"])
def test_infinite_regressor_names_file_row_and_column(tmp_path, capsys, model):
    frame = GRUNFELD.copy()
    frame.loc[5, "value"] = np.inf  # data row 6: firm 1, year 1940
    extra = ("--option", "threshold=value") if model == "threshold" else ()
    code, path = fit(tmp_path, frame, model=model, extra=extra)
    refused(capsys, tmp_path, code, str(path), "column 'value'", "infinite", "data row 6", "firm=1", "year=1940")


def test_minus_infinity_in_a_control_and_in_parquet(tmp_path, capsys):
    frame = GRUNFELD.copy()
    frame.loc[199, "capital"] = -np.inf  # last data row
    code, path = fit(tmp_path, frame, "value", suffix=".parquet", extra=("--controls", "capital"))
    refused(capsys, tmp_path, code, "data.parquet", "column 'capital'", "-inf", "data row 200", "year=1954")


def test_missing_value_row_is_the_files_data_row(tmp_path, capsys):
    frame = GRUNFELD.copy()
    frame.loc[7, "capital"] = np.nan
    code, path = fit(tmp_path, frame)
    refused(capsys, tmp_path, code, str(path), "missing values", "data row 8 (firm=1, year=1942)", "'capital'",
            "options.missing")


def test_duplicate_entity_period_names_both_rows_as_plain_values(tmp_path, capsys):
    frame = pd.concat([GRUNFELD, GRUNFELD.iloc[[3]]], ignore_index=True)
    code, path = fit(tmp_path, frame)
    refused(capsys, tmp_path, code, str(path), "data row 201", "duplicate (firm, year) pair (1, 1938)",
            "first seen at data row 4")


def test_non_numeric_value(tmp_path, capsys):
    frame = GRUNFELD.copy()
    frame["value"] = frame["value"].astype(object)
    frame.loc[9, "value"] = "abc"
    code, path = fit(tmp_path, frame)
    refused(capsys, tmp_path, code, str(path), "column 'value' is not numeric", "data row 10", "'abc'")


def test_collinear_regressors(tmp_path, capsys):
    code, path = fit(tmp_path, GRUNFELD.assign(twice=2 * GRUNFELD["value"]), "value", "twice")
    refused(capsys, tmp_path, code, str(path), "collinear", "'twice'")


@pytest.mark.parametrize("model", ["pooled", "twfe"])
def test_constant_regressor(tmp_path, capsys, model):
    code, path = fit(tmp_path, GRUNFELD.assign(const=3.0), "value", "const", model=model)
    refused(capsys, tmp_path, code, str(path), "'const'")


def test_empty_file(tmp_path, capsys):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    code, _ = fit(tmp_path, path)
    refused(capsys, tmp_path, code, "empty.csv", "empty (no header, no data rows)")


def test_header_only_csv_says_it_has_no_data_rows(tmp_path, capsys):
    code, path = fit(tmp_path, GRUNFELD.iloc[:0])
    err = refused(capsys, tmp_path, code, str(path), "header", "no data rows")
    assert "selects no rows" not in err


def test_good_file_still_fits(tmp_path, capsys):
    code, _ = fit(tmp_path, GRUNFELD)
    assert code == 0 and (tmp_path / "r.json").exists()
