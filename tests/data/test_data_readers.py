"""Readers: every real upstream file reads; synthetic files exercise each layout and each error."""
from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pyreadr
import pytest
import yaml
from data_helpers import ROOT

from clusternet.data.readers import read_nbs_csv, read_rda, read_source, read_xlsx
from clusternet.errors import DataError

NBS_YEARS = ("\ufeff数据库：分省年度数据 \n时间： \n地区\t,2022年\t,2021年\t,\n"
             "北京市\t,101.8\t,101.1\t,\n天津市\t,\t,101.3\t,\n"
             "注：1. 说明。\n数据来源：国家统计局")
NBS_CROSS = ("\ufeff数据库：分省年度数据 \n时间：2020年 \n地区\t,地区生产总值 (亿元) \t,工业增加值 (亿元) \t,\n"
             "北京市\t,38503.6\t,4519.0\t,\n上海市\t,38700.6\t,9656.5\t,\n数据来源：国家统计局")


def _manifest():
    return yaml.safe_load((ROOT / "config" / "sources.yaml").read_text(encoding="utf-8"))["files"]


def test_every_configured_reader_reads_its_real_file(acquired_raw):
    items = yaml.safe_load((ROOT / "config" / "items.yaml").read_text(encoding="utf-8"))
    by_id = {f["id"]: f for f in _manifest()}
    for sid, spec in items["readers"].items():
        f = by_id[sid]
        path = acquired_raw / "upstream" / f["repo"].replace("/", "__") / f["path"]
        codes = sorted({it["code"] for it in items["items"] if it["source"] == sid and it.get("code")}) or None
        df = read_source(path, spec, codes)
        assert len(df) > 0, sid
        assert df["year"].between(2000, 2025).all(), sid
        assert df["value"].notna().mean() >= 0.85, sid  # e.g. the GDP index has an empty 2025 column


def test_every_raw_data_file_reads(acquired_raw):
    """Also the files the panel does not use: all .rda objects, all .xlsx sheets, all NBS exports."""
    for f in _manifest():
        path = acquired_raw / "upstream" / f["repo"].replace("/", "__") / f["path"]
        if path.suffix == ".rda":
            objects = pyreadr.read_r(str(path))
            assert objects and all(len(df) > 0 for df in objects.values()), f["id"]
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            assert all(next(ws.iter_rows(values_only=True), None) for ws in wb.worksheets), f["id"]
            wb.close()
        elif path.suffix == ".csv":
            df = read_nbs_csv(path)
            assert len(df) >= 7 * 7 and df["year"].between(2016, 2025).all(), f["id"]
        else:
            assert path.read_bytes(), f["id"]


def test_nbs_years_as_columns(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(NBS_YEARS, encoding="utf-8")
    df = read_nbs_csv(p)
    assert len(df) == 4
    got = {(r.region, r.year): r.value for r in df.itertuples()}
    assert got[("北京市", 2022)] == 101.8 and got[("天津市", 2021)] == 101.3
    assert math.isnan(got[("天津市", 2022)])  # empty cell = missing
    assert set(df["code"]) == {""}


def test_nbs_cross_section_takes_year_from_preamble(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(NBS_CROSS, encoding="utf-8")
    df = read_nbs_csv(p, codes=["地区生产总值 (亿元)"])
    assert list(df["year"].unique()) == [2020]
    assert df.set_index("region")["value"].to_dict() == {"北京市": 38503.6, "上海市": 38700.6}


def test_nbs_non_numeric_cell_names_line_and_column(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(NBS_YEARS.replace("101.1", "1O1.1"), encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_nbs_csv(p)
    assert "x.csv" in str(err.value) and "row 4" in str(err.value) and "'2021年'" in str(err.value)
    assert "1O1.1" in str(err.value)


def test_nbs_missing_requested_column(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(NBS_CROSS, encoding="utf-8")
    with pytest.raises(DataError, match="no column 'GDP'.*available columns"):
        read_nbs_csv(p, codes=["GDP"])


def test_nbs_cross_section_without_time_line_is_an_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(NBS_CROSS.replace("时间：2020年", "时间："), encoding="utf-8")
    with pytest.raises(DataError, match="year of the cross-section is unknown"):
        read_nbs_csv(p)


def test_nbs_ragged_line_is_an_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text(NBS_YEARS.replace("北京市\t,101.8\t,101.1\t,", "北京市\t,101.8\t,"), encoding="utf-8")
    with pytest.raises(DataError, match="line 4 has 2 cells"):
        read_nbs_csv(p)


def _workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    for r in rows:
        ws.append(r)
    wb.save(path)


XLSX_SPEC = {"format": "xlsx", "sheet": "data", "header_row": 3, "region_column": "province",
             "year_column": "year", "code_column": "id"}
XLSX_ROWS = [
    [None, None, "Primary", "Digital Infrastructure", None],
    [None, None, "Secondary", "Hardware", "Software"],
    ["year", "id", "province", "Optical Cable\n(km)", "Domain Names (10,000 units)"],
    [2013, 340000, "安徽省", 28367, None],
    [2014, 340000, "安徽省", 29536.8, "35.6011"],
    [None, None, None, None, None],
    [None, None, None, 12345, None],  # a stray cell below the table
]


def test_xlsx_multirow_header_and_whitespace_in_headers(tmp_path):
    p = tmp_path / "x.xlsx"
    _workbook(p, XLSX_ROWS)
    df = read_xlsx(p, XLSX_SPEC, codes=["Optical Cable (km)", "Domain Names (10,000 units)"])
    got = {(r.code, r.year): r.value for r in df.itertuples()}
    assert got[("Optical Cable (km)", 2014)] == 29536.8
    assert got[("Domain Names (10,000 units)", 2014)] == 35.6011  # numeric text is accepted
    assert math.isnan(got[("Domain Names (10,000 units)", 2013)])
    assert set(df["geo_code"]) == {340000}
    assert df.attrs["ignored_rows"] == [7]


def test_xlsx_missing_column_lists_available(tmp_path):
    p = tmp_path / "x.xlsx"
    _workbook(p, XLSX_ROWS)
    with pytest.raises(DataError) as err:
        read_xlsx(p, XLSX_SPEC, codes=["Mobile Base Stations"])
    assert "no column 'Mobile Base Stations'" in str(err.value) and "'Optical Cable (km)'" in str(err.value)


def test_xlsx_non_numeric_cell_names_row_and_column(tmp_path):
    rows = [list(r) for r in XLSX_ROWS]
    rows[4][3] = "n/a"
    p = tmp_path / "x.xlsx"
    _workbook(p, rows)
    with pytest.raises(DataError) as err:
        read_xlsx(p, XLSX_SPEC, codes=["Optical Cable (km)"])
    assert "row 5" in str(err.value) and "'Optical Cable (km)'" in str(err.value) and "'n/a'" in str(err.value)


def test_xlsx_unknown_sheet(tmp_path):
    p = tmp_path / "x.xlsx"
    _workbook(p, XLSX_ROWS)
    with pytest.raises(DataError, match="no sheet 'other'"):
        read_xlsx(p, {**XLSX_SPEC, "sheet": "other"})


RDA_SPEC = {"format": "rda", "object": "T", "region_column": "province", "year_column": "year",
            "value_column": "value", "code_column": "variables", "unit_column": "units"}


def test_rda_long_table(tmp_path):
    p = tmp_path / "t.rda"
    df = pd.DataFrame({"province": ["北京", "天津", "北京"], "year": ["2020", "2020", "2021"],
                       "variables": ["a", "a", "b"], "value": [1.5, float("nan"), 3.0], "units": ["万元"] * 3})
    pyreadr.write_rdata(str(p), df, df_name="T")
    out = read_rda(p, RDA_SPEC, codes=["a"])
    assert list(out["region"]) == ["北京", "天津"] and list(out["year"]) == [2020, 2020]
    assert out["value"].iloc[0] == 1.5 and math.isnan(out["value"].iloc[1])
    assert list(out["row"]) == [1, 2]


def test_rda_non_numeric_year_and_missing_object(tmp_path):
    p = tmp_path / "t.rda"
    df = pd.DataFrame({"province": ["北京"], "year": ["20x0"], "variables": ["a"], "value": [1.0], "units": ["万元"]})
    pyreadr.write_rdata(str(p), df, df_name="T")
    with pytest.raises(DataError, match=r"row 1, column 'year': year '20x0' is not a number"):
        read_rda(p, RDA_SPEC)
    with pytest.raises(DataError, match="no R object 'U'"):
        read_rda(p, {**RDA_SPEC, "object": "U"})


def test_missing_file_says_to_run_acquire(tmp_path):
    with pytest.raises(DataError, match="clusternet acquire"):
        read_source(tmp_path / "absent.rda", RDA_SPEC)
