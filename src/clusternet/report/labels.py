"""Labels of every name a table or figure shows, in English or Chinese.

Sources, later ones winning: the fixed names below (network node metrics, model terms such
as the intercept and the mediation paths); the indicator system of config/indicators.yaml
(the index, ``<index>_<dimension>`` and ``lq_<name>`` columns); the codebook
(config/codebook.yaml); ``report.labels`` in config/report.yaml. Composite terms are labelled
from their parts by ``compose`` (``x:m`` -> "x × m", ``x[East]`` -> "x (East)", ``x[regime1]``
-> "x, regime 1", ``event[-2]`` -> "Event time −2", ``W*x`` -> "W×x").
"""
from __future__ import annotations

import re

FIXED = {
    "en": {
        "(Intercept)": "Constant", "const": "Constant", "rho": "ρ (spatial lag)", "lambda": "λ (spatial error)",
        "att": "ATT", "att_dynamic": "ATT (average over event times)", "total_effect": "Total effect",
        "direct_effect": "Direct effect", "indirect_effect": "Indirect effect (a×b)",
        "a_path": "a path (treatment → mediator)", "b_path": "b path (mediator → outcome)",
        "net_in_degree": "In-degree", "net_out_degree": "Out-degree", "net_in_strength": "In-strength",
        "net_out_strength": "Out-strength", "net_degree_centrality": "Degree centrality (network)",
        "net_in_degree_centrality": "In-degree centrality", "net_out_degree_centrality": "Out-degree centrality",
        "net_betweenness": "Betweenness centrality", "net_closeness_in": "Closeness centrality (in)",
        "net_closeness_out": "Closeness centrality (out)", "net_harmonic_in": "Harmonic centrality (in)",
        "net_harmonic_out": "Harmonic centrality (out)", "net_eigenvector": "Eigenvector centrality",
        "net_pagerank": "PageRank", "net_clustering": "Clustering coefficient",
        "net_effective_size": "Effective size (structural holes)", "net_efficiency": "Efficiency (structural holes)",
        "net_constraint": "Burt's constraint", "net_core_number": "Core number", "net_coreness_be": "Coreness",
        "net_community": "Community",
    },
    "zh": {
        "(Intercept)": "常数项", "const": "常数项", "rho": "ρ（空间滞后）", "lambda": "λ（空间误差）",
        "att": "平均处理效应 ATT", "att_dynamic": "ATT（各事件期平均）", "total_effect": "总效应",
        "direct_effect": "直接效应", "indirect_effect": "间接效应（a×b）",
        "a_path": "a 路径（处理 → 中介）", "b_path": "b 路径（中介 → 结果）",
        "net_in_degree": "入度", "net_out_degree": "出度", "net_in_strength": "入强度", "net_out_strength": "出强度",
        "net_degree_centrality": "网络度数中心度", "net_in_degree_centrality": "入度中心度",
        "net_out_degree_centrality": "出度中心度", "net_betweenness": "中介中心度",
        "net_closeness_in": "接近中心度（入）", "net_closeness_out": "接近中心度（出）",
        "net_harmonic_in": "调和中心度（入）", "net_harmonic_out": "调和中心度（出）",
        "net_eigenvector": "特征向量中心度", "net_pagerank": "PageRank", "net_clustering": "聚类系数",
        "net_effective_size": "有效规模（结构洞）", "net_efficiency": "效率（结构洞）", "net_constraint": "约束系数",
        "net_core_number": "核数", "net_coreness_be": "核心度", "net_community": "社群",
    },
}
GROUPS = {"en": {"East": "East", "Central": "Central", "West": "West", "Northeast": "Northeast"},
          "zh": {"East": "东部", "Central": "中部", "West": "西部", "Northeast": "东北"}}


def indicator_labels(indicators: dict | None, language: str) -> dict:
    """Labels of the index columns the indices stage writes (see config/indicators.yaml)."""
    out: dict = {}
    if not isinstance(indicators, dict):
        return out
    key = f"label_{language}"
    index = indicators.get("index") or {}
    name = index.get("name")
    if name and index.get(key):
        out[name] = str(index[key])
    for dim in index.get("dimensions") or []:
        if isinstance(dim, dict) and name and dim.get("key") and dim.get(key):
            out[f"{name}_{dim['key']}"] = str(dim[key])
    for lq in (indicators.get("agglomeration") or {}).get("location_quotients") or []:
        if isinstance(lq, dict) and lq.get("name") and lq.get(key):
            out[f"lq_{lq['name']}"] = str(lq[key])
    return out


def configured_labels(block: dict | None, language: str) -> dict:
    """``report.labels``: {name: {en: ..., zh: ...}}."""
    return {str(k): str(v[language]) for k, v in (block or {}).items() if isinstance(v, dict) and v.get(language)}


_INDEXED = re.compile(r"^(.*)\[([^\]]+)\]$")
_REGIME = re.compile(r"^regime(\d+)$")


def compose(name: str, labels: dict, language: str) -> str:
    """The label of ``name``: its own, else one built from its parts, else ``name``."""
    if name in labels:
        return labels[name]
    if name.startswith("W*"):
        base = compose(name[2:], labels, language)
        return name if base == name[2:] else "W×" + base
    if ":" in name:
        return " × ".join(compose(part, labels, language) for part in name.split(":"))
    m = _INDEXED.match(name)
    if m:
        base, index = m.group(1), m.group(2)
        if base == "event" and re.fullmatch(r"-?\d+", index):
            k = index.replace("-", "−")
            return f"事件期 {k}" if language == "zh" else f"Event time {k}"
        regime = _REGIME.match(index)
        if regime:
            r = regime.group(1)
            return (f"{compose(base, labels, language)}（区制 {r}）" if language == "zh"
                    else f"{compose(base, labels, language)}, regime {r}")
        group = GROUPS.get(language, {}).get(index, index)
        return (f"{compose(base, labels, language)}（{group}）" if language == "zh"
                else f"{compose(base, labels, language)} ({group})")
    return name


def all_labels(language: str, *, codebook: dict, indicators: dict | None = None,
               configured: dict | None = None) -> dict:
    return {**FIXED.get(language, {}), **indicator_labels(indicators, language), **codebook,
            **configured_labels(configured, language)}
