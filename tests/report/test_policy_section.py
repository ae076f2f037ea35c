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


def _doc(key, model="did.twfe", names=("event[-2]", "event[0]"), bands=None):
    d = {"model": model, "spec": {"options": {"source": f"config/policies.yaml: policies.{key}"}},
         "coefficients": [{"name": n, "estimate": 0.1, "ci_lower": 0.0, "ci_upper": 0.2} for n in names]}
    if bands is not None:
        d["extra"] = {"did": {"uniform_bands": {"dynamic": bands}}}
    return d


def test_policy_evidence_separates_the_deciding_policy_from_a_companion():
    from clusternet.report.policy_section import policy_evidence

    docs = {"big_did": {"spec": {"policy_dummy": {"policy": "big"}}}, "big_es": _doc("big"),
            "dez_did": {"spec": {"policy_dummy": {"policy": "dez"}}}, "dez_es": _doc("dez")}
    h = {"evidence": [{"specification": "big_did"}], "p_randomisation": 0.75,
         "randomisation": {"reps": 5000, "n_treated_clusters": 8}, "pretrends": {"specification": "big_es"},
         "companions": {"randomisation": {"dez_did": {"p_value": 0.31, "reps": 5000, "n_treated_clusters": 6}},
                        "pretrends": {"specification": "dez_es", "targets": {}}}}
    big = policy_evidence(h, "big", "big", docs)
    assert big["deciding"] and big["ri"]["p_value"] == 0.75 and big["ri"]["specification"] == "big_did"
    assert big["pretrends"]["specification"] == "big_es"
    dez = policy_evidence(h, "dez", "big", docs)
    assert not dez["deciding"] and dez["ri"]["p_value"] == 0.31 and dez["ri"]["specification"] == "dez_did"
    assert dez["pretrends"]["specification"] == "dez_es"
    # a companion block for a third policy finds neither
    docs["bb"] = _doc("bb")
    other = policy_evidence(h, "bb", "big", docs)
    assert other["ri"] is None and other["pretrends"] == {}


def test_cs_uniform_band_is_read_from_the_document():
    from clusternet.report.policy_section import cs_uniform_band

    band = {"names": ["event[-1]", "event[0]"], "critical_value": 2.6, "lower": [-0.5, -0.2], "upper": [0.5, 0.9]}
    names, lo, hi = cs_uniform_band(_doc("big", "did.cs", band["names"], band))
    assert names == band["names"] and list(lo) == band["lower"] and list(hi) == band["upper"]
    assert cs_uniform_band(_doc("big", "did.cs")) is None


def test_event_figure_has_one_panel_per_outcome_with_bands():
    from types import SimpleNamespace

    from clusternet.report.policy_section import _event_figure

    names = ["event[-2]", "event[0]", "event[1]"]

    def doc(model, outcome, vcov=True):
        d = _doc("big", model, names)
        d["dependent"] = outcome
        if vcov:
            d["vcov"] = {"names": names, "matrix": (np.eye(3) * 0.01).tolist()}
        return d

    band = {"names": names, "critical_value": 2.5, "lower": [-0.3, -0.2, -0.1], "upper": [0.3, 0.4, 0.5]}
    cs = doc("did.cs", "y1", vcov=False)
    cs["extra"] = {"did": {"uniform_bands": {"dynamic": band}}}
    es = {"a": doc("did.twfe", "y1"), "b": cs, "c": doc("did.dcdh", "y2")}
    b = SimpleNamespace(config=SimpleNamespace(seed=1), settings=SimpleNamespace(language="en"))
    fig, caption = _event_figure(b, {}, es, {"pretrends": {}, "ri": {"specification": "a", "reps": 99, "p_value": 0.5}})
    axes = fig.get_axes()
    assert [ax.get_title() for ax in axes] == ["y1", "y2"]
    from matplotlib.collections import PolyCollection

    bands = [sum(isinstance(c, PolyCollection) for c in ax.collections) for ax in axes]
    assert bands == [2, 1]  # the sup-t band of the twfe vcov and the stored CS band; DID_l's vcov band
    assert "multiplier-bootstrap" in caption and "p = 0.500" in caption
