"""Bad input gives a clear error naming the column/row/option, never a silent NaN."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet import estimators
from clusternet.models.linear import fit_linear


@pytest.fixture
def df():
    rng = np.random.default_rng(0)
    n_ent, n_t = 12, 6
    d = pd.DataFrame({"id": np.repeat(np.arange(n_ent), n_t), "year": np.tile(np.arange(2010, 2010 + n_t), n_ent)})
    d["x1"] = rng.normal(size=len(d))
    d["x2"] = rng.normal(size=len(d))
    d["y"] = d["x1"] - d["x2"] + rng.normal(size=len(d))
    d["region_size"] = np.repeat(rng.normal(size=n_ent), n_t)  # time-invariant
    d["trend"] = d["year"] - 2010.0  # common to all entities
    return d


def fit(df, **kw):
    args = {"y": "y", "x": ["x1", "x2"], "model": "twfe", "entity": "id", "cov": {"type": "cluster"}}
    args.update(kw)
    return fit_linear(df, **args)


def test_time_invariant_regressor_with_entity_effects(df):
    with pytest.raises(EstimationError, match=r"\['region_size'\].*absorbed by the entity effects"):
        fit(df, x=["x1", "region_size"], model="fe")
    fit(df, x=["x1", "region_size"], model="re")  # fine without entity effects


def test_regressor_absorbed_by_time_effects(df):
    with pytest.raises(EstimationError, match=r"\['trend'\].*absorbed by the entity or time"):
        fit(df, x=["x1", "trend"], model="twfe")


def test_constant_regressor(df):
    df["c"] = 3.0
    with pytest.raises(EstimationError, match=r"\['c'\]"):
        fit(df, x=["x1", "c"], model="fe")


def test_collinear_regressors_named(df):
    df["x3"] = 2 * df["x1"] - df["x2"]
    with pytest.raises(EstimationError, match=r"'x3' is a linear combination"):
        fit(df, x=["x1", "x2", "x3"], model="pooled")


def test_missing_values_error_names_column_and_row(df):
    df.loc[7, "x2"] = np.nan
    with pytest.raises(DataError, match=r"x2: 1.*row 7.*options.missing"):
        fit(df)


def test_missing_values_dropped_when_asked_and_recorded(df):
    df.loc[[3, 9], "y"] = np.nan
    res = fit(df, missing="drop")
    assert res.nobs == len(df) - 2 and res.extra["n_dropped_missing"] == 2
    assert np.all(np.isfinite(res.params)) and np.all(np.isfinite(res.vcov))


def test_missing_column_lists_available(df):
    with pytest.raises(DataError, match=r"\['x9'\] not found; available columns"):
        fit(df, x=["x1", "x9"])


def test_non_numeric_column(df):
    df["x2"] = df["x2"].astype(str)
    df.loc[4, "x2"] = "n/a"
    with pytest.raises(DataError, match=r"'x2' is not numeric \(row 4"):
        fit(df)


def test_duplicate_entity_period(df):
    df = pd.concat([df, df.iloc[[5]]])
    with pytest.raises(DataError, match=r"duplicate \(id, year\)"):
        fit(df)


def test_fd_needs_consecutive_periods(df):
    df = df.drop(index=2)  # entity 0 jumps 2011 -> 2013
    with pytest.raises(EstimationError, match=r"entity 0 jumps from 2011 to 2013"):
        fit(df, model="fd")
    fit(df, model="fe")  # the within estimator handles the unbalanced panel


def test_too_few_clusters(df):
    with pytest.raises(EstimationError, match=r"only 6 clusters.*'year'"):
        fit(df, cov={"type": "cluster", "cluster_by": "year"})


def test_dependent_among_regressors_and_duplicates(df):
    with pytest.raises(ConfigError, match="also listed as a regressor"):
        fit(df, x=["x1", "y"])
    with pytest.raises(ConfigError, match="more than once"):
        fit(df, x=["x1", "x1"])


def test_unknown_model_and_option(df):
    with pytest.raises(ConfigError, match="unknown model 'within'"):
        estimators.get("within")
    spec = {"name": "s", "model": "twfe", "y": "y", "x": ["x1"], "entity": "id", "options": {"robust": True}}
    with pytest.raises(ConfigError, match=r"specification 's': unknown option\(s\) \['robust'\]"):
        estimators.get("twfe")(df, spec)


def test_dependent_without_variation_after_transformation(df):
    df["y"] = np.repeat(np.arange(12.0), 6)  # time-invariant outcome with entity effects
    spec = {"name": "s", "model": "fe", "y": "y", "x": ["x1", "x2"], "entity": "id",
            "cov": {"type": "unadjusted"}}
    with pytest.raises(EstimationError, match="'y' has no variation after the fe transformation"):
        estimators.get("fe")(df, spec)


def test_singular_wald_is_null_not_nan():
    # 3 clusters, 4 slopes: the clustered covariance has rank <= 2, so the joint F is undefined
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"id": np.repeat([1, 2, 3], 10), "year": np.tile(np.arange(10), 3)})
    for v in ("a", "b", "c", "e"):
        d[v] = rng.normal(size=30)
    d["y"] = rng.normal(size=30)
    spec = {"name": "s", "model": "pooled", "y": "y", "x": ["a", "b", "c", "e"], "entity": "id",
            "cov": {"type": "cluster", "min_clusters": 2}}
    doc = estimators.get("pooled")(d, spec)
    assert doc["fit"]["f_stat"] is None and doc["fit"]["f_pvalue"] is None


def test_effects_must_agree_with_linear_model(df):
    spec = {"name": "s", "model": "fe", "y": "y", "x": ["x1"], "entity": "id", "effects": ["entity", "time"]}
    with pytest.raises(ConfigError, match=r"effects \['entity', 'time'\] contradict model 'fe'"):
        estimators.get("fe")(df, spec)
    spec["model"] = "twfe"
    assert estimators.get("twfe")(df, spec)["effects"] == {"entity": True, "time": True}


def test_cluster_by_a_label_column(df):
    # cluster labels need not be numeric; 12 entities fall into 3 regions of 4
    df["region"] = np.array(["north", "south", "west"])[df["id"] % 3]
    res = fit(df, cov={"type": "cluster", "cluster_by": "region", "min_clusters": 2})
    assert res.cov_info["n_clusters"] == 3
    groups = df["id"] % 3
    num = fit(df.assign(region=groups), cov={"type": "cluster", "cluster_by": "region", "min_clusters": 2})
    assert np.allclose(res.vcov, num.vcov, rtol=1e-12)
