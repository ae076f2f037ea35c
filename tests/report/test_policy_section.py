"""Uniform (sup-t) critical values of the policy section's event-study bands, and the policy key
of a document."""
import numpy as np
import pytest
from scipy import stats

from clusternet.report.policy_section import policy_key, uniform_critical_value


def test_sup_t_critical_value_limits():
    # one coefficient: the pointwise normal quantile; k independent: the Šidák quantile
    assert uniform_critical_value(np.eye(1), 0.95, 1) == pytest.approx(stats.norm.ppf(0.975), abs=0.05)
    k = 6
    sidak = stats.norm.ppf(1 - (1 - 0.95 ** (1 / k)) / 2)
    assert uniform_critical_value(np.eye(k) * 4.0, 0.95, 1) == pytest.approx(sidak, abs=0.05)
    # perfectly correlated: back to the pointwise quantile
    assert uniform_critical_value(np.ones((k, k)) + 1e-12 * np.eye(k), 0.95, 1) == pytest.approx(1.96, abs=0.05)


def test_policy_key_from_spec_or_source():
    assert policy_key({"spec": {"policy_dummy": {"policy": "bigdata_pilot_zones"}}}) == "bigdata_pilot_zones"
    src = "config/policies.yaml: policies.digital_economy_pilot_zones — NDRC"
    assert policy_key({"spec": {"options": {"source": src}}}) == "digital_economy_pilot_zones"
    assert policy_key({"spec": {}}) is None
