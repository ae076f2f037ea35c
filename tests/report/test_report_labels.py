"""Labels of every name: indicator columns, node metrics, composite terms."""
from __future__ import annotations

from clusternet.report.labels import all_labels, compose, indicator_labels
from clusternet.report.settings import ReportSettings

INDICATORS = {"index": {"name": "dici", "label_en": "Digital Industry Cluster Index", "label_zh": "数字产业集群发展指数",
                        "dimensions": [{"key": "infrastructure", "label_en": "Digital infrastructure",
                                        "label_zh": "数字基础设施"}]},
              "agglomeration": {"location_quotients": [{"name": "digital_revenue", "label_en": "LQ revenue",
                                                        "label_zh": "区位熵"}]}}


def test_indicator_columns_are_labelled():
    assert indicator_labels(INDICATORS, "en") == {"dici": "Digital Industry Cluster Index",
                                                  "dici_infrastructure": "Digital infrastructure",
                                                  "lq_digital_revenue": "LQ revenue"}
    assert indicator_labels(INDICATORS, "zh")["dici_infrastructure"] == "数字基础设施"


def test_composite_terms():
    labels = all_labels("en", codebook={"college": "College students"}, indicators=INDICATORS)
    assert compose("dici:college", labels, "en") == "Digital Industry Cluster Index × College students"
    assert compose("dici[East]", labels, "en") == "Digital Industry Cluster Index (East)"
    assert compose("dici[regime2]", labels, "en") == "Digital Industry Cluster Index, regime 2"
    assert compose("event[-2]", labels, "en") == "Event time −2"
    assert compose("net_degree_centrality", labels, "en") == "Degree centrality (network)"
    assert compose("(Intercept)", labels, "en") == "Constant"
    zh = all_labels("zh", codebook={}, indicators=INDICATORS)
    assert compose("dici[East]", zh, "zh") == "数字产业集群发展指数（东部）"


def test_configured_labels_win():
    labels = all_labels("en", codebook={"dici": "From codebook"}, indicators=INDICATORS,
                        configured={"dici": {"en": "Configured", "zh": "配置"}})
    assert ReportSettings(labels=labels).label("dici") == "Configured"


def test_default_config_labels_every_index_and_centrality_column():
    from pathlib import Path

    from clusternet.config import load_config
    from clusternet.report.build import load_settings

    s = load_settings(load_config(Path(__file__).resolve().parents[2] / "config" / "config.yaml"))
    for name in ("dici", "dici_infrastructure", "dici_application", "net_degree_centrality"):
        assert s.label(name) != name, name
