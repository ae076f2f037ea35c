"""The transformation steps of the panel build on synthetic data with known answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.data import regions as reg
from clusternet.data.panel import apply_derived, interpolate, merge_duplicates, price_level, winsorize
from clusternet.errors import ConfigError, DataError


def _long(rows):
    return pd.DataFrame(rows, columns=["variable", "region_code", "year", "value", "item", "where"])


def test_agreeing_duplicates_are_merged_first_item_wins():
    long = _long([("x", 110000, 2020, 100.0, 0, "a row 1"), ("x", 110000, 2020, 100.004, 1, "b row 7"),
                  ("x", 120000, 2020, 5.0, 0, "a row 2")])
    out = merge_duplicates(long, rtol=1e-4, atol=0.0)
    assert len(out) == 2
    assert out.set_index("region_code")["value"].to_dict() == {110000: 100.0, 120000: 5.0}


def test_conflicting_duplicates_list_every_cell_with_its_sources():
    long = _long([("x", 110000, 2020, 100.0, 0, "a row 1"), ("x", 110000, 2020, 106.0, 1, "b row 7"),
                  ("x", 120000, 2021, 1.0, 0, "a row 2"), ("x", 120000, 2021, 2.0, 1, "b row 8")])
    with pytest.raises(DataError) as err:
        merge_duplicates(long, rtol=1e-4, atol=0.0)
    msg = str(err.value)
    assert "2 conflicting duplicate cell(s)" in msg
    assert "x region 110000 year 2020: 100 (a row 1); 106 (b row 7)" in msg
    assert "x region 120000 year 2021" in msg


def _grid(values_by_region: dict, years):
    idx = pd.MultiIndex.from_product([list(values_by_region), years], names=["region_code", "year"])
    return pd.DataFrame({"v": np.concatenate([np.asarray(v, float) for v in values_by_region.values()])}, index=idx)


def test_interpolation_fills_inside_gaps_only():
    years = range(2010, 2017)
    nan = np.nan
    wide = _grid({1: [nan, 2.0, nan, nan, 8.0, nan, nan], 2: [1.0, nan, nan, nan, nan, 6.0, nan]}, years)
    out, filled = interpolate(wide, max_gap=3, extrapolate=False, method="linear")
    r1 = out.loc[1, "v"].to_numpy()
    np.testing.assert_allclose(r1[1:5], [2.0, 4.0, 6.0, 8.0])  # hand computation on the line 2 -> 8
    assert np.isnan(r1[0]) and np.isnan(r1[5]) and np.isnan(r1[6])  # no extrapolation
    assert out.loc[2, "v"].isna().sum() == 5  # a run of 4 > max_gap 3 stays missing (plus the trailing cell)
    assert sorted(map(tuple, filled[["region_code", "year"]].to_numpy())) == [(1, 2012), (1, 2013)]
    assert set(filled["method"]) == {"linear"}


def test_extrapolation_when_enabled_continues_the_nearest_line():
    wide = _grid({1: [np.nan, 2.0, 4.0, np.nan]}, range(2010, 2014))
    out, filled = interpolate(wide, max_gap=3, extrapolate=True, method="linear")
    np.testing.assert_allclose(out["v"].to_numpy(), [0.0, 2.0, 4.0, 6.0])
    assert set(filled["method"]) == {"linear_extrapolation"}


def test_method_none_changes_nothing():
    wide = _grid({1: [1.0, np.nan, 3.0]}, range(2010, 2013))
    out, filled = interpolate(wide, max_gap=3, extrapolate=False, method="none")
    assert out["v"].isna().sum() == 1 and filled.empty


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=3, max_size=12))
def test_interpolation_keeps_observed_values_and_stays_between_neighbours(values):
    series = [np.nan if v is None else v for v in values]
    wide = _grid({1: series}, range(2000, 2000 + len(series)))
    out, filled = interpolate(wide, max_gap=20, extrapolate=False, method="linear")
    got = out["v"].to_numpy()
    obs = ~np.isnan(series)
    np.testing.assert_array_equal(got[obs], np.asarray(series)[obs])
    idx = np.flatnonzero(obs)
    for j in np.flatnonzero(~obs):
        inside = len(idx) >= 2 and idx[0] < j < idx[-1]
        assert np.isnan(got[j]) != inside
        if inside:
            lo, hi = series[idx[idx < j].max()], series[idx[idx > j].min()]
            assert min(lo, hi) - 1e-9 <= got[j] <= max(lo, hi) + 1e-9
    assert len(filled) == int(np.sum(~np.isnan(got)) - obs.sum())


def _cpi_frame(values_2016_on):
    years = range(2011, 2019)
    rows = []
    for code in reg.codes():
        for t in years:
            rows.append((code, t, values_2016_on.get(t, np.nan)))
    return pd.DataFrame(rows, columns=["region_code", "year", "cpi"]).set_index(["region_code", "year"])


def test_price_level_is_the_chain_linked_index_with_national_fallback():
    deflation = {"base_year": 2011, "price_index": "cpi", "level_variable": "cpi_level",
                 "national_fallback": {"source": "test", "values": {2012: 102.6, 2013: 102.6, 2014: 102.0, 2015: 101.4}}}
    level, used = price_level(_cpi_frame({2016: 101.4, 2017: 101.9, 2018: 102.5}), deflation, 2011, 2018)
    by_hand = 100 * 1.026 * 1.026 * 1.020 * 1.014 * 1.014 * 1.019 * 1.025
    assert level.loc[(110000, 2018)] == pytest.approx(by_hand, rel=1e-12)
    assert level.loc[(110000, 2011)] == 100.0
    assert len(used) == 4 * 31


def test_price_level_backwards_from_a_later_base_year():
    deflation = {"base_year": 2017, "price_index": "cpi", "level_variable": "cpi_level",
                 "national_fallback": {"source": "test", "values": {}}}
    level, _ = price_level(_cpi_frame({2016: 102.0, 2017: 101.0, 2018: 103.0}), deflation, 2011, 2018)
    assert level.loc[(110000, 2016)] == pytest.approx(100 / 1.01)
    assert level.loc[(110000, 2018)] == pytest.approx(103.0)
    assert np.isnan(level.loc[(110000, 2014)])  # no index for 2016 -> 2015 link: missing, not guessed
    with pytest.raises(ConfigError, match="base_year 2030"):
        price_level(_cpi_frame({}), {**deflation, "base_year": 2030}, 2011, 2018)


def test_derived_ops_and_imputation_flags():
    wide = pd.DataFrame({"a": [2.0, 6.0, 0.0, -1.0], "b": [4.0, 3.0, 0.0, 2.0]})
    flags = pd.DataFrame({"a": [False, True, False, False], "b": [False, False, False, False]})
    spec = [{"name": "r", "op": "ratio", "inputs": ["a", "b"], "scale": 100},
            {"name": "l", "op": "log", "inputs": ["a"]},
            {"name": "d", "op": "difference", "inputs": ["a", "b"]},
            {"name": "s", "op": "sum", "inputs": ["a", "b", "d"]}]
    out, notes = apply_derived(wide, spec, flags)
    np.testing.assert_allclose(out["r"].to_numpy(), [50.0, 200.0, np.nan, -50.0])
    np.testing.assert_allclose(out["l"].to_numpy(), [np.log(2), np.log(6), np.nan, np.nan])
    np.testing.assert_allclose(out["d"].to_numpy(), [-2.0, 3.0, 0.0, -3.0])
    np.testing.assert_allclose(out["s"].to_numpy(), [4.0, 12.0, 0.0, -2.0])
    assert flags["r"].tolist() == [False, True, False, False]  # division by zero -> missing, not flagged
    assert notes == [{"variable": "l", "non_positive_cells_set_missing": 2}]
    with pytest.raises(ConfigError, match="not panel variables"):
        apply_derived(wide, [{"name": "z", "op": "ratio", "inputs": ["a", "nope"]}], flags)


def test_winsorize_clips_at_pooled_quantiles():
    wide = pd.DataFrame({"x": np.arange(101, dtype=float)})
    clipped = winsorize(wide, {"enabled": True, "lower": 0.05, "upper": 0.95, "variables": ["x"]})
    assert wide["x"].min() == 5.0 and wide["x"].max() == 95.0
    assert clipped["x"]["cells"] == 10
    untouched = pd.DataFrame({"x": [1.0, 100.0]})
    assert winsorize(untouched, {"enabled": False, "lower": 0.05, "upper": 0.95, "variables": ["x"]}) == {}
