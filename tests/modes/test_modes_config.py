"""config/modes.yaml validates against its strict schema; unknown keys and bad values are errors."""
import copy
from pathlib import Path

import pytest

from clusternet.config import read_yaml, validate
from clusternet.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "config" / "schemas" / "modes.schema.yaml"


def test_shipped_config_is_valid():
    validate(read_yaml(ROOT / "config" / "modes.yaml"), SCHEMA, "config/modes.yaml")


@pytest.mark.parametrize("mutate, message", [
    (lambda c: c["modes"]["rule"].update(margn=0.2), "unknown key"),
    (lambda c: c["efficiency"]["capital"].update(depreciation=1.5), "depreciation"),
    (lambda c: c["modes"]["clustering"].update(method="dbscan"), "method"),
    (lambda c: c["modes"]["intensities"]["variables"]["data"][0].update(direction=2), "direction"),
])
def test_bad_config_is_rejected(mutate, message):
    cfg = copy.deepcopy(read_yaml(ROOT / "config" / "modes.yaml"))
    mutate(cfg)
    with pytest.raises(ConfigError, match=message):
        validate(cfg, SCHEMA, "config/modes.yaml")
