"""Bad input through `clusternet panel`: each case is a clear error (exit code 2, message naming
the file / row / column / key) and leaves no partial output. A small configuration (CPI and
fiscal revenue from the NBS exports, 2016-2022) keeps these runs fast."""
from __future__ import annotations

import shutil

import pytest
from data_helpers import make_project, mini_edit

from clusternet.cli.main import main
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


def _run(cfg, capsys):
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
