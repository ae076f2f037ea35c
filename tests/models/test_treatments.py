"""Policy treatments of config/policies.yaml: schema, cross-checks, resolution into specifications,
and the province-year intensity computed by hand."""
import copy

import numpy as np
import pandas as pd
import pytest

from clusternet.config import load_config, read_yaml, validate
from clusternet.errors import ConfigError
from clusternet.models.policy import add_policy_dummy
from clusternet.models.treatments import parse_policies, resolve_specification

CONFIG = "config/config.yaml"
POLICIES = "config/policies.yaml"
SCHEMA = "config/schemas/policies.schema.yaml"

# The adoption years the specifications carried inline before config/policies.yaml (models.yaml
# of v0.1): the default results must not change.
V01_BIGDATA = {520000: 2016, 110000: 2017, 120000: 2017, 130000: 2017, 440000: 2017, 310000: 2017,
               410000: 2017, 500000: 2017, 210000: 2017, 150000: 2017}


@pytest.fixture(scope="module")
def section():
    data = read_yaml(POLICIES)
    validate(data, SCHEMA, POLICIES)
    return data


def test_declared_policies_and_default_years_unchanged(section):
    pols = parse_policies(section)
    assert pols["bigdata_pilot_zones"].adoption_years() == V01_BIGDATA
    assert pols["digital_economy_pilot_zones"].adoption_years() == {
        130000: 2020, 330000: 2020, 350000: 2020, 440000: 2020, 500000: 2020, 510000: 2020}
    for p in pols.values():
        assert p.block["verification"] and p.block["documents"]


def test_models_specifications_read_the_policies():
    from clusternet.models.runner import specifications

    specs = {s["name"]: s for s in specifications(load_config(CONFIG))}
    assert specs["h_m2_pilot_did"]["policy_dummy"]["adoption_years"] == V01_BIGDATA
    assert specs["h_m2_pilot_cs"]["options"]["adoption_years"] == V01_BIGDATA
    assert specs["h_m2_pilot_twfe"]["options"]["adoption_years"] == V01_BIGDATA
    assert "policy" not in specs["h_m2_pilot_cs"]["options"]


def test_broadband_intensity_by_hand(section):
    pol = parse_policies(section)["broadband_china"]
    share = pol.intensity(range(2013, 2019))
    # Beijing: the municipality itself, 2014 batch -> treated from 2015
    assert share[110000][2014] == 0 and share[110000][2015] == 1
    # Hunan: Chang-Zhu-Tan (3 prefectures, 2014), Yueyang (2015), Hengyang + Yiyang (2016) of 14
    assert share[430000][2015] == pytest.approx(3 / 14)
    assert share[430000][2016] == pytest.approx(4 / 14)
    assert share[430000][2017] == pytest.approx(6 / 14)
    # Jiangsu: Kunshan is a county-level city inside Suzhou and adds nothing
    assert share[320000][2015] == pytest.approx(3 / 13)
    # Chongqing: two districts of 38 county-level divisions (2016 batch)
    assert share[500000][2017] == pytest.approx(2 / 38)
    # a province with no listed unit
    assert share[230000][2013] == 0
    assert all(0 <= v <= 1 for by in share.values() for v in by.values())


def test_intensity_column_equals_the_step_table(section):
    pol = parse_policies(section)["broadband_china"]
    spec = {"name": "b", "policy_dummy": {"name": "bb", "policy": "broadband_china"}}
    resolved = resolve_specification(spec, {"broadband_china": pol})
    frame = pd.DataFrame({"region_code": np.repeat([430000, 650000, 110000], 4),
                          "year": np.tile([2014, 2015, 2016, 2017], 3)})
    out = add_policy_dummy(frame, resolved)
    expected = pol.intensity(range(2014, 2018))
    want = [expected[c][t] for c, t in zip(frame.region_code, frame.year)]
    np.testing.assert_allclose(out["bb"].to_numpy(), want)


def test_prefecture_counts_must_add_up(section):
    bad = copy.deepcopy(section)
    bad["prefecture_counts"]["counts"][130000] = 12
    with pytest.raises(ConfigError, match="national_total"):
        parse_policies(bad)


def test_unknown_policy_and_unknown_code_are_errors(section):
    pols = parse_policies(section)
    with pytest.raises(ConfigError, match="not declared"):
        resolve_specification({"name": "x", "options": {"policy": "nope"}}, pols)
    with pytest.raises(ConfigError, match="intensity"):
        resolve_specification({"name": "x", "options": {"policy": "broadband_china"}}, pols)
    bad = copy.deepcopy(section)
    bad["policies"]["bigdata_pilot_zones"]["adoption_years"][990000] = 2017
    with pytest.raises(ConfigError, match="990000"):
        parse_policies(bad)
    bad = copy.deepcopy(section)
    bad["policies"]["broadband_china"]["units"][0]["batch"] = 2013
    with pytest.raises(ConfigError, match="batch 2013"):
        parse_policies(bad)


def test_schema_rejects_unknown_keys(section):
    bad = copy.deepcopy(section)
    bad["policies"]["bigdata_pilot_zones"]["years"] = {}
    with pytest.raises(ConfigError, match="years"):
        validate(bad, SCHEMA, POLICIES)
    bad = copy.deepcopy(section)
    del bad["policies"]["digital_economy_pilot_zones"]["verification"]
    with pytest.raises(ConfigError, match="verification"):
        validate(bad, SCHEMA, POLICIES)
