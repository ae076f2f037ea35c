"""Bad input gives clear errors naming the config key or the variable."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from clusternet.config import validate
from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.indices import agglomeration, disparity, weighting
from clusternet.indices.composite import IndexOptions, compute_index
from clusternet.indices.system import parse_system

SCHEMA = Path(__file__).resolve().parents[2] / "config" / "schemas" / "indicators.schema.yaml"


def frame():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"region_code": np.repeat([110000, 120000, 130000], 2), "year": [2011, 2012] * 3})
    for v in ("a", "b", "c"):
        df[v] = rng.uniform(1, 2, size=6)
    return df


def spec(*indicators, key="d"):
    return {"name": "i", "dimensions": [{"key": key, "indicators": list(indicators)}]}


def test_unknown_indicator_names_key_and_suggests():
    system = parse_system(spec({"variable": "a", "direction": "+"}, {"variable": "bb", "direction": "+"}))
    with pytest.raises(ConfigError, match=r"index\.dimensions\[0\]\.indicators\[1\]\.variable: unknown indicator 'bb'"
                                          r".*did you mean b"):
        compute_index(frame(), system, "entropy")


def test_indicator_without_direction():
    with pytest.raises(ConfigError, match=r"index\.dimensions\[0\]\.indicators\[0\]\.direction is missing"):
        parse_system(spec({"variable": "a"}))
    with pytest.raises(ConfigError, match=r"indicators\[0\].*'direction' is a required property"):
        validate({"index": spec({"variable": "a"})}, SCHEMA, "config/indicators.yaml")


def test_dimension_with_no_indicators():
    with pytest.raises(ConfigError, match=r"index\.dimensions\[0\] \(d\) has no indicators"):
        parse_system({"name": "i", "dimensions": [{"key": "d", "indicators": []}]})


def test_duplicate_indicator():
    with pytest.raises(ConfigError, match="already used at index.dimensions"):
        parse_system(spec({"variable": "a", "direction": "+"}, {"variable": "a", "direction": "-"}))


def test_unknown_key_rejected_by_schema():
    with pytest.raises(ConfigError, match=r"x\.yaml: at index: unknown key\(s\): 'weigths'"):
        validate({"index": {**spec({"variable": "a", "direction": "+"}), "weigths": "entropy"}}, SCHEMA, "x.yaml")


def test_all_missing_indicator():
    df = frame()
    df["b"] = np.nan
    system = parse_system(spec({"variable": "a", "direction": "+"}, {"variable": "b", "direction": "+"}))
    with pytest.raises(DataError, match="'b'.*missing for every region-year"):
        compute_index(df, system, "entropy")


def test_partly_missing_indicator_names_first_row():
    df = frame()
    df.loc[3, "b"] = np.nan
    system = parse_system(spec({"variable": "a", "direction": "+"}, {"variable": "b", "direction": "+"}))
    with pytest.raises(DataError, match="1 missing values, first at row 3 region_code=120000 year=2012"):
        compute_index(df, system, "entropy")


def test_log_transform_of_non_positive_value():
    df = frame()
    df.loc[2, "a"] = -1.0
    system = parse_system(spec({"variable": "a", "direction": "+", "transform": "log"},
                               {"variable": "b", "direction": "+"}))
    with pytest.raises(DataError, match=r"'a' has a non-positive value -1.0 at row 2 region_code=120000.*'log'"):
        compute_index(df, system, "entropy")


def test_entropy_needs_non_negative_values():
    with pytest.raises(ConfigError, match="entropy weights need non-negative values.*zscore"):
        compute_index(frame(), parse_system(spec({"variable": "a", "direction": "+"})), "entropy",
                      IndexOptions(normalisation="zscore"))
    with pytest.raises(DataError, match="x2 has negatives"):
        weighting.entropy_weights(np.array([[0.1, 0.2, 0.3], [0.4, 0.5, -0.6]]), names=["x0", "x1", "x2"])


def test_every_indicator_constant():
    df = frame()
    df["a"] = 1.0
    df["b"] = 2.0
    system = parse_system(spec({"variable": "a", "direction": "+"}, {"variable": "b", "direction": "+"}))
    with pytest.raises(DataError, match="every indicator is constant"):  # when dropping is allowed
        compute_index(df, system, "critic", IndexOptions(constant_indicators="drop"))


def test_critic_with_perfectly_correlated_indicators():
    Z = np.column_stack([np.arange(5.0), 2 * np.arange(5.0)])
    with pytest.raises(EstimationError, match="perfectly positively correlated"):
        weighting.critic_weights(Z)


def test_unknown_method_and_options():
    system = parse_system(spec({"variable": "a", "direction": "+"}))
    with pytest.raises(ConfigError, match="unknown method 'ahp'"):
        compute_index(frame(), system, "ahp")
    with pytest.raises(ConfigError, match=r"indicators\.index\.aggregation: 'geometric'"):
        compute_index(frame(), system, "equal", IndexOptions(aggregation="geometric"))


def test_inequality_needs_non_negative_values():
    with pytest.raises(DataError, match="dici in 2015: negative values"):
        disparity.dagum_gini([1.0, -2.0, 3.0], ["East", "West", "West"], "dici in 2015")
    with pytest.raises(DataError, match="all values are zero"):
        disparity.theil([0.0, 0.0], ["East", "West"])


def test_location_quotient_bad_denominator():
    df = frame()
    df.loc[4, "c"] = 0.0
    with pytest.raises(DataError, match=r"denominator \(c\) is 0.0 at region_code=130000 year=2011"):
        agglomeration.location_quotient(df, ["a"], ["c"])
    with pytest.raises(ConfigError, match="unknown variable 'gdp'"):
        agglomeration.location_quotient(df, ["a"], ["gdp"])


def test_complete_years_equals_index_on_the_complete_years():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"region_code": np.repeat(np.arange(6), 4), "year": np.tile([2011, 2012, 2013, 2014], 6)})
    for v in ("a", "b", "c"):
        df[v] = rng.uniform(1, 2, size=len(df))
    df.loc[df["year"] == 2011, "a"] = np.nan
    df.loc[(df["year"] == 2012) & (df["region_code"] == 3), "b"] = np.nan
    system = parse_system(spec({"variable": "a", "direction": "+"}, {"variable": "b", "direction": "-"},
                               {"variable": "c", "direction": "+"}))
    with pytest.raises(DataError, match="index.missing: complete_years"):
        compute_index(df, system, "entropy")
    res = compute_index(df, system, "entropy", IndexOptions(missing="complete_years"))
    sub = compute_index(df[df["year"] >= 2013], system, "entropy")
    assert res.scores.loc[df["year"] <= 2012].isna().all().all()
    np.testing.assert_array_equal(res.scores.loc[df["year"] >= 2013], sub.scores)
    df.loc[df["region_code"] == 0, "c"] = np.nan
    with pytest.raises(DataError, match="no year has every indicator"):
        compute_index(df, system, "entropy", IndexOptions(missing="complete_years"))
