"""Each family's option keys agree with the config schema; unknown options have one message."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clusternet import estimators
from clusternet.errors import ConfigError
from clusternet.models import gmm, iv, linear, threshold
from clusternet.models.specs import checked_options
from clusternet.spatial import estimators as spatial_estimators

SCHEMAS = Path(__file__).resolve().parents[2] / "config" / "schemas"


def _defs(name: str) -> dict:
    return yaml.safe_load((SCHEMAS / f"{name}.schema.yaml").read_text(encoding="utf-8"))["$defs"]


@pytest.mark.parametrize("module,definition", [(linear, "linear_options"), (iv, "iv_options"),
                                               (gmm, "gmm_options"), (threshold, "threshold_options")])
def test_model_option_keys_are_the_schema_properties(module, definition):
    assert set(module.OPTION_KEYS) == set(_defs("models")[definition]["properties"])


def test_spatial_option_keys_are_the_schema_properties():
    # one options schema for every spatial model: the union of the core's and the extended models' keys
    from clusternet.spatial import estimators_extended

    keys = set(spatial_estimators.OPTION_KEYS) | set(estimators_extended.OPTION_KEYS)
    assert keys == set(_defs("spatial")["options"]["properties"])


def test_estimator_rows_name_existing_option_schemas():
    defs = _defs("models")
    for row in estimators.ESTIMATORS.values():
        assert row.options is None or row.options in defs, row


def test_unknown_option_message():
    with pytest.raises(ConfigError, match=r"^specification 's': unknown option\(s\) \['b'\] for model 'fe'; "
                                          r"allowed: \['a'\]$"):
        checked_options({"a": 1, "b": 2}, {"a"}, spec={"name": "s", "model": "fe"})
    assert checked_options(None, {"a"}) == {}
