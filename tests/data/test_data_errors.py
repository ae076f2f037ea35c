"""Bad input through `clusternet panel`: each case is a clear error (exit code 2, message naming
the file / row / column / key) and leaves no partial output. A small configuration (CPI and
fiscal revenue from the NBS exports, 2016-2022) keeps these runs fast."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml
from data_helpers import ROOT, make_project, mini_edit, repin

from clusternet.cli.app import main
from clusternet.config import load_config
from clusternet.data.outputs import output_paths

NBS_DIR = ("upstream", "Liushenwuzhu-Alpaca__province-economy", "data", "raw", "nbs_exports")
CPI_FILE = "居民消费价格指数分省.csv"


@pytest.fixture
def raw_copy(tmp_path, acquired_raw):
    """A writable copy of the NBS exports only (the mini configuration reads nothing else)."""
    target = tmp_path / "raw"
    shutil.copytree(acquired_raw.joinpath(*NBS_DIR), target.joinpath(*NBS_DIR))
    for p in target.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return target


def _edit_file(raw, name, old, new):
    path = raw.joinpath(*NBS_DIR, name)
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text("\ufeff" + text.replace(old, new, 1), encoding="utf-8")
    return path


def _run(cfg, capsys, pinned=False):
    """`clusternet panel`; the edited raw copies are re-pinned unless ``pinned`` (so that each
    fault reaches the check under test rather than the sha256 check)."""
    if not pinned:
        repin(cfg)
    rc = main(["panel", "--config", str(cfg)])
    return rc, capsys.readouterr().err


def _no_outputs(cfg):
    return not any(p.exists() for p in output_paths(load_config(cfg)).values())


def test_mini_configuration_builds(tmp_path, raw_copy, capsys):
    cfg = make_project(tmp_path, raw=raw_copy, edit=mini_edit())
    rc, err = _run(cfg, capsys)
    assert rc == 0, err
    assert all(p.exists() for p in output_paths(load_config(cfg)).values())


def test_failure_leaves_previous_outputs_untouched(tmp_path, raw_copy, capsys):
    cfg = make_project(tmp_path, raw=raw_copy, edit=mini_edit())
    assert _run(cfg, capsys)[0] == 0
    paths = output_paths(load_config(cfg))
    before = {k: p.read_bytes() for k, p in paths.items()}
    _edit_file(raw_copy, CPI_FILE, "101.7", "abc")
    assert _run(cfg, capsys)[0] == 2
    assert {k: p.read_bytes() for k, p in paths.items()} == before
    assert not [p for p in paths["panel"].parent.iterdir() if p.name.startswith(".")]  # no temp files left


def test_non_numeric_cell(tmp_path, raw_copy, capsys):
    path = _edit_file(raw_copy, CPI_FILE, "北京市\t,100.1", "北京市\t,10O.1")
    cfg = make_project(tmp_path, raw=raw_copy, edit=mini_edit())
    rc, err = _run(cfg, capsys)
    assert rc == 2
    assert str(path) in err and "row 4" in err and "'2024年'" in err and "non-numeric cell '10O.1'" in err
    assert _no_outputs(cfg)


def test_unknown_province_name(tmp_path, raw_copy, capsys):
    _edit_file(raw_copy, CPI_FILE, "河北省\t,", "河壁省\t,")
    cfg = make_project(tmp_path, raw=raw_copy, edit=mini_edit())
    rc, err = _run(cfg, capsys)
    assert rc == 2
    assert "unknown province name" in err and "'河壁省'" in err and CPI_FILE in err and "row(s) 6" in err
    suggestions = err.split("closest registry names: ")[1].split("\n")[0].split(", ")
    assert "河北" in suggestions
    assert _no_outputs(cfg)


def test_year_outside_the_plausible_range(tmp_path, raw_copy, capsys):
    _edit_file(raw_copy, CPI_FILE, "2016年", "2106年")
    cfg = make_project(tmp_path, raw=raw_copy, edit=mini_edit())
    rc, err = _run(cfg, capsys)
    assert rc == 2
    assert "year 2106 is outside the plausible range 1978-2030" in err and CPI_FILE in err
    assert _no_outputs(cfg)


def test_missing_column(tmp_path, raw_copy, acquired_raw, capsys):
    item = {"variable": "gdp", "source": "nbs_gdp_2020", "code": "地区总产值 (亿元)", "unit": "亿元", "scale": 1}

    def edit(docs):
        mini_edit([item])(docs)
        docs["items"]["readers"]["nbs_gdp_2020"] = {"format": "nbs_csv"}

    cfg = make_project(tmp_path, raw=raw_copy, edit=edit)
    rc, err = _run(cfg, capsys)
    assert rc == 2
    assert "分省年度数据2020.csv" in err and "no column '地区总产值 (亿元)'" in err and "'地区生产总值 (亿元)'" in err
    assert _no_outputs(cfg)


def test_conflicting_duplicate_gdp_vintages(tmp_path, acquired_raw, capsys):
    """GDP 2020 from control V.xlsx and from the NBS export (revised after the 5th economic
    census) disagree: declaring both as `gdp` must stop the build and list the cells."""
    items = [{"variable": "gdp", "source": "ugthesis_control_v", "code": "地区生产总值(亿元) gdp", "unit": "亿元", "scale": 1},
             {"variable": "gdp", "source": "nbs_gdp_2020", "code": "地区生产总值 (亿元)", "unit": "亿元", "scale": 1}]

    def edit(docs):
        mini_edit(items)(docs)
        docs["items"]["readers"]["nbs_gdp_2020"] = {"format": "nbs_csv"}

    cfg = make_project(tmp_path, raw=acquired_raw, edit=edit)
    rc, err = _run(cfg, capsys)
    assert rc == 2
    assert "conflicting duplicate cell(s)" in err and "gdp region 110000 year 2020" in err
    assert "control V.xlsx row" in err and "分省年度数据2020.csv row" in err
    assert _no_outputs(cfg)


def test_agreeing_duplicate_is_merged(tmp_path, raw_copy, capsys):
    twice = {"variable": "fiscal_revenue", "source": "nbs_local_fiscal_revenue", "unit": "亿元", "scale": 1}
    cfg = make_project(tmp_path, raw=raw_copy, edit=mini_edit([twice]))
    rc, err = _run(cfg, capsys)
    assert rc == 0, err


def test_unknown_config_key(tmp_path, raw_copy, capsys):
    def edit(docs):
        mini_edit()(docs)
        docs["panel"]["interpolation"]["maxgap"] = 2

    cfg = make_project(tmp_path, raw=raw_copy, edit=edit)
    rc, err = _run(cfg, capsys)
    assert rc == 2
    assert "panel.yaml" in err and "interpolation" in err and "unknown key(s): 'maxgap'" in err
    assert _no_outputs(cfg)


def test_unit_mismatch_is_an_error(tmp_path, acquired_raw, capsys):
    item = {"variable": "rd_exp", "source": "techme_RDSource", "code": "v4_zh_nbzc_hj", "unit": "亿元", "scale": 1}
    cfg = make_project(tmp_path, raw=acquired_raw, edit=mini_edit([item]))
    rc, err = _run(cfg, capsys)
    assert rc == 2 and "published in ['万元']" in err and "declares unit '亿元'" in err


def test_codebook_must_match_the_panel(tmp_path, raw_copy, capsys):
    def edit(docs):
        mini_edit()(docs)
        del docs["codebook"]["variables"]["fiscal_revenue_real"]

    cfg = make_project(tmp_path, raw=raw_copy, edit=edit)
    rc, err = _run(cfg, capsys)
    assert rc == 2 and "missing from" in err and "fiscal_revenue_real" in err
    assert _no_outputs(cfg)


def test_years_without_any_data_are_a_config_error(tmp_path, raw_copy, capsys):
    def edit(docs):
        mini_edit()(docs)
        docs["main"]["years"] = {"first": 2016, "last": 2029}

    cfg = make_project(tmp_path, raw=raw_copy, edit=edit)
    rc, err = _run(cfg, capsys)
    assert rc == 2 and "no upstream item has any data" in err and "2029" in err


def test_item_year_range_restricts_and_is_validated(tmp_path, raw_copy, capsys):
    from clusternet.data.panel import build_panel

    def restrict(docs):
        mini_edit()(docs)
        for it in docs["items"]["items"]:
            if it["variable"] == "fiscal_revenue":
                it["years"] = {"first": 2018, "last": 2020}

    build = build_panel(load_config(make_project(tmp_path / "a", raw=raw_copy, edit=restrict)))
    observed_years = set(build.panel.loc[build.panel["fiscal_revenue"].notna(), "year"])
    assert observed_years == {2018, 2019, 2020}

    def reversed_range(docs):
        restrict(docs)
        for it in docs["items"]["items"]:
            if it["variable"] == "fiscal_revenue":
                it["years"] = {"first": 2020, "last": 2018}

    rc, err = _run(make_project(tmp_path / "b", raw=raw_copy, edit=reversed_range), capsys)
    assert rc == 2 and "years.first 2020 is after years.last 2018" in err


# --------------------------------------------------------------------------- implausible values
# Population, land area and urban population from control V.xlsx (2013-2022), with urbanisation
# and population density derived, as in the full configuration.

CONTROL = ("upstream", "airuimeng1__UG_thesis_code_repository", "control V.xlsx")
CONTROL_SHEET = "Control Variables(originaldata)"
POPULATION, LAND, URBAN = ("年末常住人口(万人) population", "土地面积（万平方公里) land_area",
                           "城镇人口（万人）urban_pop")


@pytest.fixture
def control_copy(raw_copy, acquired_raw):
    target = raw_copy.joinpath(*CONTROL)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(acquired_raw.joinpath(*CONTROL), target)
    target.chmod(0o644)
    return raw_copy


def _control_edit(docs):
    mini_edit()(docs)
    cb = yaml.safe_load((ROOT / "config" / "codebook.yaml").read_text(encoding="utf-8"))["variables"]
    docs["main"]["years"] = {"first": 2013, "last": 2022}
    docs["items"]["items"] += [
        {"variable": "population", "source": "ugthesis_control_v", "code": POPULATION, "unit": "万人", "scale": 1},
        {"variable": "land_area", "source": "ugthesis_control_v", "code": LAND, "unit": "万平方公里", "scale": 1},
        {"variable": "urban_population", "source": "ugthesis_control_v", "code": URBAN, "unit": "万人", "scale": 1}]
    docs["panel"]["derived"] = [{"name": "urbanisation", "op": "ratio", "inputs": ["urban_population", "population"]},
                                {"name": "pop_density", "op": "ratio", "inputs": ["population", "land_area"]}]
    for v in ("population", "land_area", "urban_population", "urbanisation", "pop_density"):
        docs["codebook"]["variables"][v] = cb[v]


def _edit_control(raw, change):
    """Apply ``change(year, region_code, column, value) -> value`` to every data cell of the sheet."""
    import openpyxl

    path = raw.joinpath(*CONTROL)
    wb = openpyxl.load_workbook(path)
    ws = wb[CONTROL_SHEET]
    header = [c.value for c in ws[1]]
    iy, ic = header.index("year"), header.index("id")
    for row in ws.iter_rows(min_row=2):
        if row[iy].value is None:
            continue
        for j, cell in enumerate(row):
            new = change(row[iy].value, row[ic].value, header[j], cell.value)
            if new is not cell.value:
                cell.value = new
    wb.save(path)
    return path


def _cell(year, code, column, fn):
    return lambda y, c, col, v: fn(v) if (y, c, col) == (year, code, column) else v


IMPLAUSIBLE = {
    "negative population": (_cell(2014, 340000, POPULATION, lambda v: -v),
                            ["population, Anhui (340000), 2014: value -5997", "range 0 to 100000",
                             "variables.population.min/max", "control V.xlsx row"]),
    "one population cell x1000": (_cell(2015, 340000, POPULATION, lambda v: v * 1000),
                                  ["population, Anhui (340000), 2015: value 6.011e+06",
                                   "isolated log change beyond 0.7 against both neighbours",
                                   "variables.population.change", "control V.xlsx row"]),
    "whole population column x1000": (lambda y, c, col, v: v * 1000 if col == POPULATION and v is not None else v,
                                      ["population: the median of |value|", "outside the expected magnitude 100-100000",
                                       "a unit slip of the whole column", "scale"]),
    "negative urban population (urbanisation -0.49)": (
        _cell(2014, 340000, URBAN, lambda v: -v),
        ["urbanisation, Anhui (340000), 2014: value -0.493", "range 0 to 1", "urban_population = -2957",
         "urban_population, Anhui (340000), 2014: value -2957"]),
    "urban population column x1000 (urbanisation 847 instead of 0.847)": (
        lambda y, c, col, v: v * 1000 if col == URBAN and v is not None else v,
        ["urban_population: the median of |value|", "outside the expected magnitude",
         "urbanisation: the median of |value| over 310 cells is 5"]),
    "negative land area (density -428)": (
        _cell(2014, 340000, LAND, lambda v: -v),
        ["pop_density, Anhui (340000), 2014: value -428", "land_area = -14.01", "control V.xlsx row"]),
}


@pytest.mark.parametrize("fault", sorted(IMPLAUSIBLE))
def test_implausible_values_stop_the_panel(fault, tmp_path, control_copy, capsys):
    change, expected = IMPLAUSIBLE[fault]
    _edit_control(control_copy, change)
    cfg = make_project(tmp_path, raw=control_copy, edit=_control_edit)
    rc, err = _run(cfg, capsys)
    assert rc == 2, err
    for text in expected:
        assert text in err, (text, err)
    assert "plausibility_exceptions" in err and _no_outputs(cfg)


def test_clean_control_variables_pass_the_plausibility_rules(tmp_path, control_copy, capsys):
    rc, err = _run(make_project(tmp_path, raw=control_copy, edit=_control_edit), capsys)
    assert rc == 0, err


def test_an_exception_keeps_the_cell_and_flags_it(tmp_path, control_copy, capsys):
    _edit_control(control_copy, _cell(2015, 340000, POPULATION, lambda v: v * 3))

    def edit(docs):
        _control_edit(docs)
        docs["panel"]["plausibility_exceptions"] = [
            {"variable": "population", "region_code": 340000, "year": 2015, "reason": "test: kept on purpose"}]

    cfg = make_project(tmp_path, raw=control_copy, edit=edit)
    rc, err = _run(cfg, capsys)
    assert rc == 0, err
    paths = output_paths(load_config(cfg))
    flagged = json.loads(paths["quality_json"].read_text(encoding="utf-8"))["notes"]["plausibility_exceptions"]
    # the cell and the two cells derived from it (urbanisation, density), each with the reason
    assert sorted((c["variable"], c["region_code"], c["year"]) for c in flagged) == [
        ("pop_density", 340000, 2015), ("population", 340000, 2015), ("urbanisation", 340000, 2015)]
    by_var = {c["variable"]: c for c in flagged}
    assert by_var["population"]["value"] == 18033.0 and "isolated log change" in by_var["population"]["rules"][0]
    assert by_var["urbanisation"]["reason"].startswith("derived from the excepted cell population 340000 2015")
    assert "| population | 340000 | 2015 | 18033 |" in paths["quality_md"].read_text(encoding="utf-8")


@pytest.mark.parametrize("entry, message", [
    ({"variable": "population", "region_code": 340000, "year": 2015, "reason": "breaks nothing at all"},
     "breaks no rule; remove it"),
    ({"variable": "populaton", "region_code": 340000, "year": 2015, "reason": "a misspelt variable"},
     "'populaton' is not a codebook variable"),
    ({"variable": "population", "region_code": 340001, "year": 2015, "reason": "no such province"},
     "no panel cell for region_code 340001"),
])
def test_bad_exception_entries_are_config_errors(entry, message, tmp_path, control_copy, capsys):
    def edit(docs):
        _control_edit(docs)
        docs["panel"]["plausibility_exceptions"] = [entry]

    rc, err = _run(make_project(tmp_path, raw=control_copy, edit=edit), capsys)
    assert rc == 2 and message in err and "plausibility_exceptions[0]" in err, err


# --------------------------------------------------------------------------- sha256 pins


def test_raw_copy_edited_after_acquisition_is_refused(tmp_path, control_copy, capsys):
    """Anhui 2016 population +5 % in data/raw/upstream: the panel stage re-verifies the pin."""
    path = _edit_control(control_copy, _cell(2016, 340000, POPULATION, lambda v: round(v * 1.05)))
    cfg = make_project(tmp_path, raw=control_copy, edit=_control_edit)
    rc, err = _run(cfg, capsys, pinned=True)
    assert rc == 2
    assert str(path) in err and "does not match its pin" in err and "ugthesis_control_v" in err
    assert "re-run `clusternet acquire" in err and "Delete it" in err
    assert _no_outputs(cfg)


# --------------------------------------------------------------------------- upstream bytes, per reader
# Each fault in each format, read from the file and from already-verified bytes (the panel stage's
# path): a DataError naming the file and what is wrong.

_NBS = ("\ufeff数据库：分省年度数据 \n时间： \n地区\t,2022年\t,2021年\t,\n"
        "北京市\t,101.8\t,101.1\t,\n天津市\t,\t,101.3\t,\n注：1. 说明。\n数据来源：国家统计局")
_XLSX_SPEC = {"format": "xlsx", "sheet": "data", "header_row": 1, "region_column": "province",
              "year_column": "year", "code_column": "id"}
_XLSX_ROWS = [["year", "id", "province", "gdp"], [2020, 110000, "北京市", 36102.6], [2021, 110000, "北京市", 40269.6]]
_RDA_SPEC = {"format": "rda", "object": "T", "region_column": "province", "year_column": "year",
             "value_column": "value", "code_column": "variables", "unit_column": "units"}


def _xlsx_bytes(rows):
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rda_bytes(tmp_path, **columns):
    import pandas as pd
    import pyreadr

    df = pd.DataFrame({"province": ["北京", "天津"], "year": [2020, 2020], "variables": ["a", "a"],
                       "value": [1.5, 2.5], "units": ["万元", "万元"]})
    for k, v in columns.items():
        if v is None:
            df = df.drop(columns=k)
        else:
            df[k] = v
    p = tmp_path / "build.rda"
    pyreadr.write_rdata(str(p), df, df_name="T")
    return p.read_bytes()


READER_FAULTS = {
    # category: corrupt / empty bytes
    "nbs corrupt": ("nbs_csv", lambda t: b"\x00\xff\xfe\x81garbage", "not UTF-8 text"),
    "nbs empty": ("nbs_csv", lambda t: b"", "no table found"),
    "xlsx corrupt": ("xlsx", lambda t: b"PK\x03\x04 not a zip archive", "cannot be read as an .xlsx workbook"),
    "xlsx empty": ("xlsx", lambda t: b"", "cannot be read as an .xlsx workbook"),
    "rda corrupt": ("rda", lambda t: b"RDX3\nnot an R file", "cannot be read as an R data file"),
    "rda empty": ("rda", lambda t: b"", "cannot be read as an R data file"),
    # wrong encoding
    "nbs in GBK": ("nbs_csv", lambda t: _NBS.lstrip("\ufeff").encode("gbk"), "not UTF-8 text"),
    # extra header rows
    "nbs header repeated inside the table": (
        "nbs_csv", lambda t: _NBS.replace("天津市", "地区\t,2022年\t,2021年\t,\n天津市").encode(),
        "non-numeric cell '2022年'"),
    "xlsx extra row above the header": ("xlsx", lambda t: _xlsx_bytes([["数据来源：统计年鉴"], *_XLSX_ROWS]),
                                        "has no column 'province' (the region column), 'year' (the year column)"),
    # relabelled names
    "nbs year headers relabelled": ("nbs_csv", lambda t: _NBS.replace("2022年", "2022").encode(),
                                    "columns are not years"),
    "xlsx region column relabelled": (
        "xlsx", lambda t: _xlsx_bytes([["year", "id", "Province", "gdp"], *_XLSX_ROWS[1:]]),
        "has no column 'province' (the region column)"),
    "rda value column missing": ("rda", lambda t: _rda_bytes(t, value=None), "has no column 'value' (the value column)"),
    # non-numeric values
    "xlsx non-numeric year": ("xlsx", lambda t: _xlsx_bytes([*_XLSX_ROWS, ["2O22", 110000, "北京市", 1.0]]),
                              "row 4, column 'year': year '2O22' is not a number"),
    "xlsx empty region": ("xlsx", lambda t: _xlsx_bytes([*_XLSX_ROWS, [2022, 110000, None, 1.0]]),
                          "row 4: the region column 'province' is empty"),
    "rda non-numeric value": ("rda", lambda t: _rda_bytes(t, value=["1.5", "2,5x"]),
                              "row 2, column 'value': non-numeric cell '2,5x'"),
}


@pytest.mark.parametrize("fault", sorted(READER_FAULTS))
@pytest.mark.parametrize("via", ["file", "verified bytes"])
def test_each_reader_refuses_each_upstream_fault(fault, via, tmp_path):
    from clusternet.data.readers import read_source
    from clusternet.errors import DataError

    fmt, make, message = READER_FAULTS[fault]
    data = make(tmp_path)
    path = tmp_path / f"upstream.{ {'nbs_csv': 'csv'}.get(fmt, fmt) }"
    path.write_bytes(data)
    spec = {"nbs_csv": {"format": "nbs_csv"}, "xlsx": _XLSX_SPEC, "rda": _RDA_SPEC}[fmt]
    codes = {"xlsx": ["gdp"], "rda": ["a"]}.get(fmt)
    with pytest.raises(DataError) as err:
        read_source(path, spec, codes, data=data if via == "verified bytes" else None)
    assert str(path) in str(err.value) and message in str(err.value), str(err.value)


# --------------------------------------------------------------------------- upstream files through the panel


def test_missing_raw_file_says_to_run_acquire(tmp_path, raw_copy, capsys):
    raw_copy.joinpath(*NBS_DIR, CPI_FILE).unlink()
    cfg = make_project(tmp_path, raw=raw_copy, edit=mini_edit())
    rc, err = _run(cfg, capsys)
    assert rc == 2 and CPI_FILE in err and "upstream file is missing; run `clusternet acquire" in err


def test_conflicting_duplicate_rows_in_one_file(tmp_path, raw_copy, capsys):
    """The same province twice in one export (one printed as 北京, one as 北京市) with other numbers."""
    path = raw_copy.joinpath(*NBS_DIR, CPI_FILE)
    text = path.read_text(encoding="utf-8-sig")
    line = next(ln for ln in text.splitlines() if ln.startswith("北京市\t,"))
    twin = "北京\t," + "\t,".join("99.9" if c.strip() else c for c in line.split("\t,")[1:])
    path.write_text("\ufeff" + text.replace(line, line + "\n" + twin, 1), encoding="utf-8")
    cfg = make_project(tmp_path, raw=raw_copy, edit=mini_edit())
    rc, err = _run(cfg, capsys)
    assert rc == 2 and "conflicting duplicate cell(s)" in err and "cpi region 110000" in err and CPI_FILE in err


# --------------------------------------------------------------------------- config: dangling references


def _dangling(docs, change):
    mini_edit()(docs)
    change(docs)


DANGLING = {
    "item source not in sources.yaml": (
        lambda d: d["items"]["items"][0].update(source="nbs_nope"), "items[0].source 'nbs_nope' is not an id"),
    "reader for an unknown source": (
        lambda d: d["items"]["readers"].update(nbs_nope={"format": "nbs_csv"}), "readers.nbs_nope is not an id"),
    "item source without a reader": (
        lambda d: d["items"]["readers"].pop("nbs_cpi_province"), "has no entry under `readers`"),
    "derived input that is no variable": (
        lambda d: d["panel"]["derived"].append({"name": "x_ratio", "op": "ratio", "inputs": ["cpi", "gdpp"]}),
        "derived 'x_ratio': input(s) ['gdpp'] are not panel variables"),
    "deflated variable that is no item": (
        lambda d: d["panel"]["deflation"]["variables"].append("gdpp"), "deflation.variables: 'gdpp' is not an item"),
    "invalidated cell that does not exist": (
        lambda d: d["panel"]["invalidate"].append({"variable": "gdpp", "year": 2018, "reason": "x"}),
        "invalidate[0]: no panel cell gdpp"),
    "winsorised variable that does not exist": (
        lambda d: d["panel"]["winsorize"].update(enabled=True, variables=["gdpp"]),
        "winsorize.variables: 'gdpp' is not a panel variable"),
    "price index that is no item": (
        lambda d: d["panel"]["deflation"].update(price_index="cpi_x"), "deflation.price_index 'cpi_x'"),
}


@pytest.mark.parametrize("case", sorted(DANGLING))
def test_dangling_references_in_the_data_config(case, tmp_path, raw_copy, capsys):
    change, message = DANGLING[case]
    cfg = make_project(tmp_path, raw=raw_copy, edit=lambda d: _dangling(d, change))
    rc, err = _run(cfg, capsys)
    assert rc == 2 and message in err, err
    assert _no_outputs(cfg)
