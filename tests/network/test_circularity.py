"""Circularity guard for composites (clusternet.network.circularity): the refusals named in
issue 12 (a model of the gravity network on dici, a QAP matrix of dici against a patent-mass
network, the v0.1 M3 mediation with rd_intensity inside dici), contiguity against a geographic
decay, overrides, and no false alarm on the flow network."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from clusternet.errors import ConfigError
from clusternet.network.circularity import check_models, check_qap, composite_components, lineage

ROOT = Path(__file__).resolve().parents[2]


def load(name):
    return yaml.safe_load((ROOT / "config" / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config_sections():
    return {"codebook": load("codebook"), "indicators": load("indicators"), "network": load("network")}


def lin_for(sections, network):
    return lineage(codebook=sections["codebook"], indicators=sections["indicators"], network=network)


def gravity_network(sections, masses=None):
    net = copy.deepcopy(sections["network"])
    net["source"] = "gravity"
    if masses is not None:
        net["gravity"]["masses"] = [{"variable": v, "exponent": 1.0} for v in masses]
    return net


def test_composites_declare_their_indicators(config_sections):
    comps = composite_components(config_sections["indicators"])
    assert {"rd_exp", "rd_intensity", "patent_grant_invention", "dig_patent_grants"} <= comps["dici"]
    assert comps["dici__critic"] == comps["dici"]
    assert comps["dici_infrastructure"] == {"dig_optical_cable", "dig_broadband_ports", "dig_base_stations",
                                            "dig_domain_names", "dig_ipv4", "dig_websites"}
    assert comps["lq_digital_revenue"] == {"dig_software_revenue", "dig_telecom_revenue", "gdp"}


def test_model_of_the_gravity_network_on_dici_is_refused(config_sections):
    net = gravity_network(config_sections)
    spec = {"name": "gravity_on_dici", "model": "twfe", "y": "net_degree_centrality", "x": ["dici"],
            "controls": ["ln_gdp_per_capita"]}
    with pytest.raises(ConfigError) as err:
        check_models([spec], net, lin_for(config_sections, net))
    msg = str(err.value)
    assert "specifications[0] (gravity_on_dici)" in msg
    assert "'dici'" in msg and "net_degree_centrality" in msg
    for comp in ("patent_grant_invention", "dig_patent_grants", "rd_exp"):
        assert comp in msg
    assert "allow_circular" in msg
    assert "ln_gdp_per_capita" not in msg  # GDP and population are scale variables, not shared inputs


def test_gravity_alternative_column_is_guarded_under_the_flow_default(config_sections):
    net = config_sections["network"]
    assert net["source"] == "flow"
    spec = {"name": "alt", "model": "twfe", "y": "net_gravity__degree_centrality", "x": ["patent_grant_per_10k"]}
    with pytest.raises(ConfigError, match=r"specifications\[0\] \(alt\).*'patent_grant_per_10k'.*'patent_grant'.*mass patent_grant"):
        check_models([spec], net, lin_for(config_sections, net))
    # the same regressor against the flow network's outcome shares nothing
    spec = dict(spec, y="net_degree_centrality")
    assert check_models([spec], net, lin_for(config_sections, net)) == []


def test_qap_matrix_of_dici_against_a_patent_mass_network_is_refused(config_sections):
    net = gravity_network(config_sections, masses=["patent_grant"])
    net["qap"]["matrices"] = [{"name": "st_similarity", "kind": "similarity", "variable": "st_spending_share",
                               "source": "panel"},
                              {"name": "digital_index_gap", "kind": "absolute_difference", "variable": "dici",
                               "source": "indices"}]
    with pytest.raises(ConfigError) as err:
        check_qap(net, lin_for(config_sections, net))
    msg = str(err.value)
    assert "qap.matrices[1] (digital_index_gap)" in msg
    assert "['dig_patent_grants', 'patent_grant_invention']" in msg
    assert "mass patent_grant" in msg


def test_the_v01_m3_mediation_is_refused(config_sections):
    # h_m3_med_rd_intensity as it stood in v0.1 config/models.yaml (without an override)
    spec = {"name": "h_m3_med_rd_intensity", "model": "mediation", "y": "ln_techmkt_seller_value_real",
            "x": "dici", "controls": ["ln_gdp_per_capita", "urbanisation", "gov_intervention", "trade_openness"],
            "options": {"missing": "drop", "mediator": "rd_intensity", "bootstrap": 999,
                        "ci_method": "percentile"}}
    net = config_sections["network"]
    with pytest.raises(ConfigError) as err:
        check_models([spec], net, lin_for(config_sections, net))
    msg = str(err.value)
    assert "specifications[0] (h_m3_med_rd_intensity)" in msg
    assert "mediator 'rd_intensity' is a component of the treatment 'dici'" in msg
    # a mediator that is not an indicator of the treatment passes
    ok = copy.deepcopy(spec)
    ok["options"]["mediator"] = "ent_rd_share"
    assert check_models([ok], net, lin_for(config_sections, net)) == []


def test_override_is_returned_with_its_reason(config_sections):
    net = gravity_network(config_sections)
    spec = {"name": "s", "model": "twfe", "y": "net_pagerank", "x": ["dici"], "allow_circular": True,
            "circular_reason": "for comparison with v0.1"}
    out = check_models([spec], net, lin_for(config_sections, net))
    assert out[0]["entry"] == "s" and out[0]["justification"] == "for comparison with v0.1"
    assert "rd_exp" in out[0]["reason"]


def test_contiguity_and_distance_against_a_geographic_decay(config_sections):
    net = copy.deepcopy(config_sections["network"])  # flow network: decays with great-circle distance
    lin = lin_for(config_sections, net)
    net["qap"]["matrices"] = [{"name": "contiguity", "kind": "contiguity"}]
    with pytest.raises(ConfigError, match=r"qap.matrices\[0\] \(contiguity\).*geographic distance decay"):
        check_qap(net, lin)
    net["qap"]["matrices"] = [{"name": "km", "kind": "great_circle"}]
    with pytest.raises(ConfigError, match="same great-circle distances"):
        check_qap(net, lin)
    net["qap"]["matrices"] = [{"name": "contiguity", "kind": "contiguity", "allow_circular": True}]
    assert [o["matrix"] for o in check_qap(net, lin)] == ["contiguity"]
    # a gravity network on economic distance only does not decay with geography
    grav = gravity_network(config_sections)
    grav["gravity"]["distance"] = {"kind": "economic", "economic_variable": "gdp_per_capita"}
    grav["qap"]["matrices"] = [{"name": "contiguity", "kind": "contiguity"}]
    assert check_qap(grav, lin) == []


def test_the_shipped_configuration_passes_with_its_overrides_listed(config_sections):
    net = config_sections["network"]
    lin = lin_for(config_sections, net)
    models = load("models")
    overrides = check_models(models["specifications"], net, lin)
    assert [o["entry"] for o in overrides] == ["h_m3_med_rd_intensity"]
    assert [o["matrix"] for o in check_qap(net, lin)] == ["contiguity"]
