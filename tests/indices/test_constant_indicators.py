"""A zero-variance indicator is refused by default, or dropped with a warning (issue 11, item 6).

Before the fix every method gave a constant indicator weight 0 silently: the refusal tests
failed (no error) and the warning tests failed (no ``dropped`` list, no caption note)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from clusternet.config import validate
from clusternet.errors import DataError
from clusternet.indices import weighting
from clusternet.indices.composite import IndexOptions, compute_index
from clusternet.indices.system import parse_system

from test_errors import SCHEMA


def _frame(constant_in_2012_only=False):
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"region_code": np.repeat([110000, 120000, 130000, 140000], 2), "year": [2011, 2012] * 4})
    for v in ("a", "b", "c"):
        df[v] = rng.uniform(1, 2, size=len(df))
    if constant_in_2012_only:
        df.loc[df["year"] == 2012, "c"] = 5.0
    else:
        df["c"] = 5.0
    return df


SPEC = {"name": "i", "dimensions": [
    {"key": "d1", "indicators": [{"variable": "a", "direction": "+"}, {"variable": "b", "direction": "-"}]},
    {"key": "d2", "indicators": [{"variable": "c", "direction": "+"}, {"variable": "a", "direction": "+"}]}]}


def _system():
    spec = {"name": "i", "dimensions": [
        {"key": "d1", "indicators": [{"variable": "a", "direction": "+"}]},
        {"key": "d2", "indicators": [{"variable": "b", "direction": "-"}, {"variable": "c", "direction": "+"}]}]}
    return parse_system(spec, "config/indicators.yaml")


@pytest.mark.parametrize("method", list(weighting.SCORE_METHODS))
@pytest.mark.parametrize("aggregation", ["hierarchical", "flat"])
def test_constant_indicator_is_refused_by_default_in_every_method(method, aggregation):
    assert len(weighting.SCORE_METHODS) == 6  # entropy, critic, pca_first, pca_variance, equal, entropy_topsis
    with pytest.raises(DataError, match=r"indicator 'c' \(config/indicators.yaml: index.dimensions\[1\]"
                                        r".*zero variance over the whole panel.*index.constant_indicators: drop"):
        compute_index(_frame(), _system(), method, IndexOptions(aggregation=aggregation))


@pytest.mark.parametrize("method", list(weighting.SCORE_METHODS))
def test_dropped_with_a_warning_when_configured(method):
    res = compute_index(_frame(), _system(), method, IndexOptions(constant_indicators="drop"))
    assert len(res.dropped) == 1 and "'c'" in res.dropped[0] and "zero variance" in res.dropped[0]
    w = res.weights.set_index("item")["weight"]
    assert w["c"] == 0.0 and w["b"] == pytest.approx(1.0)
    assert np.isfinite(res.scores.to_numpy()).all()


def test_year_scope_names_the_year():
    df = _frame(constant_in_2012_only=True)
    with pytest.raises(DataError, match=r"'c'.*zero variance in 2012"):
        compute_index(df, _system(), "critic", IndexOptions(scope="year"))
    compute_index(df, _system(), "critic")  # over the panel it varies: accepted
    res = compute_index(df, _system(), "critic", IndexOptions(scope="year", constant_indicators="drop"))
    assert len(res.dropped) == 1 and "in 2012" in res.dropped[0]


def test_schema_knows_the_option():
    validate({"index": {**SPEC, "constant_indicators": "drop"}}, SCHEMA, "config/indicators.yaml")
    from clusternet.errors import ConfigError

    with pytest.raises(ConfigError, match="constant_indicators"):
        validate({"index": {**SPEC, "constant_indicators": "ignore"}}, SCHEMA, "config/indicators.yaml")
