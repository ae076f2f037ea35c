"""Bring your own panel (issue 17): every supported layout and format goes through the panel stage's
validation; a prefecture panel with renamed and merged units is mapped through the crosswalk."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from clusternet.config import load_config
from clusternet.data import regions
from clusternet.data.panel import build_panel
from clusternet.errors import ConfigError, DataError

from data_helpers import make_project

# Hefei, Wuhu, Jinan, Zibo, Nagqu (那曲: 那曲地区 542400 up to 2017)
CODES = [340100, 340200, 370100, 370300, 540600]
NAMES = {340100: "合肥市", 340200: "芜湖市", 370100: "济南市", 370300: "淄博市", 540600: "那曲市"}
YEARS = list(range(2016, 2021))


def _values():
    """Known raw values: fiscal revenue in 万元 and the CPI (previous year = 100)."""
    rng = np.random.default_rng(7)
    rows = []
    for code in CODES:
        base = rng.uniform(2e5, 9e6)
        for t in YEARS:
            rows.append({"code": code, "year": t, "revenue_wan": float(np.round(base * rng.uniform(1.0, 1.15) ** (t - 2016))),
                         "cpi": float(np.round(rng.uniform(100.5, 103.5), 1))})
    return pd.DataFrame(rows)


def _project(tmp_path, files, crosswalk=None, codebook_edit=None):
    def edit(docs):
        docs["main"]["years"] = {"first": 2016, "last": 2020}
        docs["main"]["regions"] = {"level": "prefecture", "codes": CODES}
        docs["main"]["sections"]["user_panel"] = "user_panel.yaml"
        cb = docs["codebook"]["variables"]
        keep = {"cpi", "cpi_level", "fiscal_revenue", "fiscal_revenue_real"}
        docs["codebook"]["variables"] = {k: v for k, v in cb.items() if k in keep}
        for k in ("fiscal_revenue", "fiscal_revenue_real"):  # prefecture magnitudes: 1-1,000 (100 million yuan)
            docs["codebook"]["variables"][k]["magnitude"] = {"min": 1, "max": 1000}
        if codebook_edit:
            codebook_edit(docs["codebook"]["variables"])
        docs["panel"].update(derived=[], invalidate=[], plausibility_exceptions=[])
        docs["panel"]["deflation"]["variables"] = ["fiscal_revenue"]
        docs["panel"]["deflation"]["base_year"] = 2016

    cfg = make_project(tmp_path, edit=edit)
    up = {"files": files}
    if crosswalk:
        up["crosswalk"] = crosswalk
    (cfg.parent / "user_panel.yaml").write_text(yaml.safe_dump(up, allow_unicode=True), encoding="utf-8")
    return load_config(cfg)


@pytest.fixture(autouse=True)
def _province_level_afterwards():
    yield
    regions.use("province")  # building a prefecture panel activates that level for the process


REVENUE = {"variable": "fiscal_revenue", "unit": "万元", "scale": 1.0e-4, "aggregate": "sum"}
CPI = {"variable": "cpi", "unit": "上年=100"}


def _write(frame: pd.DataFrame, path):
    suffix = path.suffix
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    elif suffix == ".dta":
        frame.to_stata(path, write_index=False, version=118)
    else:
        frame.to_parquet(path, index=False)
    return path


def _check(build, v):
    p = build.panel.set_index(["region_code", "year"])
    assert sorted(p.index.get_level_values(0).unique()) == CODES
    exp = v.set_index(["code", "year"])
    np.testing.assert_allclose(p["fiscal_revenue"].to_numpy(), exp["revenue_wan"].to_numpy() * 1e-4, rtol=1e-12)
    # cpi_level chained from 2016 = 100, by hand
    h = exp.loc[340100]["cpi"]
    level = [100.0]
    for t in YEARS[1:]:
        level.append(level[-1] * h.loc[t] / 100)
    np.testing.assert_allclose(p.loc[340100]["cpi_level"].to_numpy(), level, rtol=1e-12)
    assert set(build.panel["group"]) == {"Central", "East", "West"}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".dta", ".parquet"])
def test_region_year_layout_in_every_format(tmp_path, suffix):
    v = _values()
    frame = pd.DataFrame({"city": v["code"].map(NAMES), "year": v["year"], "revenue": v["revenue_wan"],
                          "cpi": v["cpi"]})
    path = _write(frame, tmp_path / f"panel{suffix}")
    config = _project(tmp_path, [{"path": str(path), "layout": "region_year", "region": {"column": "city"},
                                  "year": {"column": "year"}, "columns": {"revenue": REVENUE, "cpi": CPI}}])
    build = build_panel(config)
    _check(build, v)
    files = build.notes["user_panel"]["files"]
    import hashlib

    assert files[0]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_long_layout_by_code(tmp_path):
    v = _values()
    long = pd.concat([
        pd.DataFrame({"adcode": v["code"], "year": v["year"], "item": "财政收入", "value": v["revenue_wan"]}),
        pd.DataFrame({"adcode": v["code"], "year": v["year"], "item": "CPI", "value": v["cpi"]}),
        pd.DataFrame({"adcode": v["code"], "year": v["year"], "item": "备注", "value": 0.0}),
    ])
    path = _write(long, tmp_path / "long.xlsx")
    config = _project(tmp_path, [{"path": str(path), "layout": "long", "region": {"column": "adcode", "by": "code"},
                                  "year": {"column": "year"}, "variable_column": "item", "value_column": "value",
                                  "variables": {"财政收入": REVENUE, "CPI": CPI}, "ignore_variables": ["备注"]}])
    _check(build_panel(config), v)


def test_one_table_per_variable_wide_and_long(tmp_path, monkeypatch):
    v = _values()
    wide = v.pivot(index="code", columns="year", values="revenue_wan")
    wide.columns = [f"{c}年" for c in wide.columns]
    wide.insert(0, "地区", [NAMES[c] for c in wide.index])
    monkeypatch.setenv("PRIVATE_PANEL_DIR", str(tmp_path))
    _write(wide.reset_index(drop=True), tmp_path / "revenue.parquet")
    _write(pd.DataFrame({"name": v["code"].map(NAMES), "yr": v["year"], "v": v["cpi"]}), tmp_path / "cpi.dta")
    config = _project(tmp_path, [
        {"path": "${PRIVATE_PANEL_DIR}/revenue.parquet", "layout": "variable_wide", "region": {"column": "地区"},
         **REVENUE},
        {"path": "${PRIVATE_PANEL_DIR}/cpi.dta", "layout": "variable_long", "region": {"column": "name"},
         "year": {"column": "yr"}, "value_column": "v", **CPI}])
    _check(build_panel(config), v)


def _with_former_units(v):
    """Rows as a yearbook of each year prints them: 莱芜 separate up to 2018 (merged into 济南 in 2019)
    and 那曲地区 up to 2017 (那曲市 from 2018)."""
    frame = pd.DataFrame({"city": v["code"].map(NAMES), "year": v["year"], "revenue": v["revenue_wan"],
                          "cpi": v["cpi"]})
    frame.loc[(frame["city"] == "那曲市") & (frame["year"] <= 2017), "city"] = "那曲地区"
    laiwu = pd.DataFrame({"city": "莱芜市", "year": [2016, 2017, 2018], "revenue": [1.0e6, 1.1e6, 1.2e6],
                          "cpi": [np.nan] * 3})
    return pd.concat([frame, laiwu], ignore_index=True), laiwu


def test_prefecture_panel_with_renamed_and_merged_units_through_the_crosswalk(tmp_path):
    v = _values()
    frame, laiwu = _with_former_units(v)
    path = _write(frame, tmp_path / "city.csv")
    config = _project(tmp_path, [{"path": str(path), "layout": "region_year", "region": {"column": "city"},
                                  "year": {"column": "year"}, "columns": {"revenue": REVENUE, "cpi": CPI}}])
    build = build_panel(config)
    p = build.panel.set_index(["region_code", "year"])["fiscal_revenue"]
    exp = v.set_index(["code", "year"])["revenue_wan"] * 1e-4
    for t, extra in zip([2016, 2017, 2018], laiwu["revenue"]):  # Jinan's series covers today's area
        assert p.loc[(370100, t)] == pytest.approx(exp.loc[(370100, t)] + extra * 1e-4, rel=1e-12)
    for t in (2019, 2020):
        assert p.loc[(370100, t)] == pytest.approx(exp.loc[(370100, t)], rel=1e-12)
    for t in YEARS:  # 那曲地区 (542400) -> 那曲市 (540600) one to one
        assert p.loc[(540600, t)] == pytest.approx(exp.loc[(540600, t)], rel=1e-12)
    mapped = {(m["former_code"], m["kind"], m["successor"]) for m in build.notes["user_panel"]["crosswalk"]}
    assert mapped == {(371200, "merge", 370100), (542400, "recode", 540600)}


def test_merged_unit_needs_aggregate_sum(tmp_path):
    v = _values()
    frame, _ = _with_former_units(v)
    path = _write(frame, tmp_path / "city.csv")
    revenue = {k: x for k, x in REVENUE.items() if k != "aggregate"}
    config = _project(tmp_path, [{"path": str(path), "layout": "region_year", "region": {"column": "city"},
                                  "year": {"column": "year"}, "columns": {"revenue": revenue, "cpi": CPI}}])
    with pytest.raises(DataError, match=r"(?s)city\.csv row \d+, column 'revenue'.*莱芜市 \(371200, 2016\).*aggregate: sum"):
        build_panel(config)


def test_former_unit_after_it_ceased_is_an_error(tmp_path):
    v = _values()
    frame, _ = _with_former_units(v)
    frame = pd.concat([frame, pd.DataFrame({"city": ["莱芜市"], "year": [2019], "revenue": [1.0e6]})])
    path = _write(frame, tmp_path / "city.csv")
    config = _project(tmp_path, [{"path": str(path), "layout": "region_year", "region": {"column": "city"},
                                  "year": {"column": "year"}, "columns": {"revenue": REVENUE, "cpi": CPI}}])
    with pytest.raises(DataError, match=r"(?s)ceased to exist after 2018.*successor"):
        build_panel(config)


def test_errors_name_file_row_and_column(tmp_path):
    v = _values()
    frame = pd.DataFrame({"city": v["code"].map(NAMES), "year": v["year"], "revenue": v["revenue_wan"].astype(object),
                          "cpi": v["cpi"]})
    frame.loc[3, "revenue"] = "n.a."
    path = _write(frame, tmp_path / "bad.csv")
    files = [{"path": str(path), "layout": "region_year", "region": {"column": "city"},
              "year": {"column": "year"}, "columns": {"revenue": REVENUE, "cpi": CPI}}]
    with pytest.raises(DataError, match=r"bad\.csv: row 5, column 'revenue': non-numeric cell 'n\.a\.'"):
        build_panel(_project(tmp_path, files))
    frame.loc[3, "revenue"] = 1.0
    frame.loc[4, "city"] = "合肥肥市"
    _write(frame, path)
    with pytest.raises(DataError, match=r"(?s)unknown prefecture name.*合肥肥市.*bad\.csv row\(s\) 6, column 'city'"):
        build_panel(_project(tmp_path, files))
    frame.loc[4, "city"] = "合肥市"
    frame = frame.rename(columns={"cpi": "CPI"})
    _write(frame, path)
    with pytest.raises(DataError, match=r"(?s)no column 'cpi'.*available columns"):
        build_panel(_project(tmp_path, files))


def test_plausibility_applies_to_user_files(tmp_path):
    v = _values()
    frame = pd.DataFrame({"city": v["code"].map(NAMES), "year": v["year"], "revenue": v["revenue_wan"],
                          "cpi": v["cpi"]})
    path = _write(frame, tmp_path / "city.csv")
    files = [{"path": str(path), "layout": "region_year", "region": {"column": "city"},
              "year": {"column": "year"}, "columns": {"revenue": {**REVENUE, "scale": 1.0}, "cpi": CPI}}]  # 万元 as 亿元
    with pytest.raises(DataError, match="fiscal_revenue"):
        build_panel(_project(tmp_path, files))


def test_config_errors(tmp_path):
    files = [{"path": "x.csv", "layout": "region_year", "region": {"column": "city"}, "columns": {"a": CPI}}]
    with pytest.raises(ConfigError, match="year"):
        _project(tmp_path, files).section("user_panel")
    files = [{"path": "${NOT_SET_ANYWHERE_17}/x.csv", "layout": "variable_wide", "region": {"column": "c"}, **CPI}]
    with pytest.raises(ConfigError, match="NOT_SET_ANYWHERE_17"):
        build_panel(_project(tmp_path, files))


def test_region_outside_the_configured_codes_is_named(tmp_path):
    v = _values()
    frame = pd.DataFrame({"city": v["code"].map(NAMES), "year": v["year"], "revenue": v["revenue_wan"],
                          "cpi": v["cpi"]})
    frame = pd.concat([frame, pd.DataFrame({"city": ["蚌埠市"], "year": [2016], "revenue": [1.0e6], "cpi": [101.0]})])
    path = _write(frame, tmp_path / "city.csv")
    config = _project(tmp_path, [{"path": str(path), "layout": "region_year", "region": {"column": "city"},
                                  "year": {"column": "year"}, "columns": {"revenue": REVENUE, "cpi": CPI}}])
    with pytest.raises(DataError, match=r"region 340300 is not among the configured regions"):
        build_panel(config)
