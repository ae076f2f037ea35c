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
        "year": "Year (linear trend)", "initial": "Initial level", "mode_data": "Data-driven mode (dummy)",
        "1{mode = data}": "Data-driven mode (dummy)", "net_upward_rate": "Net upward switch rate",
        "net upward switch rate": "Net upward switch rate",
        "shephard_distance_ccr_input": "Shephard input distance (CCR)",
        "dici_x_data": "Innovation index × data-driven mode",
        # policy variables (config/policies.yaml) and DID / synthetic-control terms (issue 15)
        "pilot_zone": "Big-data pilot zone (dummy)", "dez_zone": "Digital-economy pilot zone (dummy)",
        "broadband_share": "Broadband China: share of prefectures", "att_group": "ATT by adoption cohort",
        "att_calendar": "ATT by calendar year", "att_twfe": "ATT (static TWFE)",
        "did_m": "DID_M (switchers)", "placebo": "Placebo (pre-period)",
        "bacon": "Goodman-Bacon comparison",
        # tests named by the registry (config/hypotheses.yaml)
        "permutation_equal_slopes": "equal slopes across regions (permutation)",
        "wald_equal_slopes": "equal slopes across regions (Wald)",
        "threshold_F1": "single threshold (bootstrap F)", "threshold_F2": "second threshold (bootstrap F)",
        "threshold_F3": "third threshold (bootstrap F)",
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
        "year": "年份（线性趋势）", "initial": "初始水平", "mode_data": "数据驱动模式（虚拟变量）",
        "1{mode = data}": "数据驱动模式（虚拟变量）", "net_upward_rate": "净向上转换率",
        "net upward switch rate": "净向上转换率", "shephard_distance_ccr_input": "Shephard 投入距离（CCR）",
        "dici_x_data": "创新指数 × 数据驱动模式",
        "pilot_zone": "国家大数据综合试验区（虚拟变量）", "dez_zone": "数字经济创新发展试验区（虚拟变量）",
        "broadband_share": "“宽带中国”示范城市占地级市比重", "att_group": "ATT（按处理批次）",
        "att_calendar": "ATT（按日历年）", "att_twfe": "ATT（静态 TWFE）",
        "did_m": "DID_M（处理状态转换者）", "placebo": "安慰剂（处理前期）",
        "bacon": "Goodman-Bacon 分解",
        "permutation_equal_slopes": "各区域斜率相等（置换检验）", "wald_equal_slopes": "各区域斜率相等（Wald 检验）",
        "threshold_F1": "单一门槛（自抽样 F 检验）", "threshold_F2": "第二门槛（自抽样 F 检验）",
        "threshold_F3": "第三门槛（自抽样 F 检验）",
    },
}
# Model names (``<family>.<name>`` of result documents) for column labels of the Chinese report,
# whose result documents carry English labels only: "<outcome>（<model>）".
MODEL_NAMES = {
    "zh": {"panel.pooled": "混合 OLS", "panel.fe": "个体固定效应", "panel.fe_time": "时间固定效应",
           "panel.twfe": "双向固定效应", "panel.re": "随机效应", "panel.fd": "一阶差分", "panel.iv": "面板工具变量",
           "panel.gmm_difference": "差分 GMM", "panel.gmm_system": "系统 GMM", "panel.threshold": "面板门槛模型",
           "mechanism.mediation": "中介效应模型", "mechanism.moderation": "调节效应模型",
           "mechanism.heterogeneity": "异质性分析", "did.twfe": "双向固定效应双重差分",
           "did.cs": "Callaway–Sant'Anna 双重差分", "spatial.sar": "空间滞后模型 SAR",
           "spatial.sem": "空间误差模型 SEM", "spatial.sdm": "空间杜宾模型 SDM",
           "spatial.sdem": "空间杜宾误差模型 SDEM",
           "spatial.slx": "空间滞后解释变量模型 SLX", "network.mrqap": "MRQAP 网络回归",
           "efficiency.sw07": "Simar–Wilson 两阶段效率模型", "convergence.beta_absolute": "绝对 β 收敛",
           "convergence.beta_conditional": "条件 β 收敛", "modes.twfe_by_mode": "分发展模式双向固定效应",
           "modes.upgrading": "模式升级率", "modes.share_trend": "模式份额趋势",
           "spatial.sac": "空间自回归组合模型 SAC", "spatial.sdm_re": "随机效应空间杜宾模型 SDM",
           "spatial.sar_re": "随机效应空间滞后模型 SAR", "spatial.sem_re": "随机效应空间误差模型 SEM",
           "did.bacon": "Goodman-Bacon 分解", "did.imputation": "插补法双重差分（BJS）",
           "did.dcdh": "dCDH 双重差分（DID_M）", "did.sa": "Sun–Abraham 事件研究",
           "did.twfe_event": "双向固定效应事件研究",
           "synth.adh": "合成控制法（Abadie 等）", "synth.sdid": "合成双重差分 SDID"},
}


FAMILIES = {"zh": {"panel": "面板模型", "mechanism": "机制检验", "spatial": "空间计量模型", "did": "双重差分",
                   "synth": "合成控制法",
                   "network": "网络回归", "efficiency": "效率分析", "convergence": "收敛分析", "modes": "发展模式"}}


def family_name(family: str, language: str) -> str:
    """Name of a model family (the part of ``model`` before the dot) in ``language``."""
    return FAMILIES.get(language, {}).get(family, family)


def document_label(doc: dict, key: str, labels: dict, language: str) -> str:
    """Column label of a result document: its own ``label`` (English) in an English report; in
    another language ``label_<lang>`` when the document has one, else "<outcome label>（<model
    name>）" built from the dependent variable's label and ``MODEL_NAMES`` (never English text)."""
    if language == "en":
        return str(doc.get("label") or key)
    own = doc.get(f"label_{language}") or (doc.get("extra") or {}).get(f"label_{language}")
    if own:
        return str(own)
    model = MODEL_NAMES.get(language, {}).get(str(doc.get("model")), str(doc.get("model", "")))
    return f"{compose(str(doc.get('dependent', '')), labels, language)}（{model}）"


GROUPS = {"en": {"East": "East", "Central": "Central", "West": "West", "Northeast": "Northeast"},
          "zh": {"East": "东部", "Central": "中部", "West": "西部", "Northeast": "东北",
                 # Goodman-Bacon comparison types (bacon[<type>])
                 "treated_vs_untreated": "处理组对从未处理组", "earlier_vs_later": "早处理组对晚处理组（以晚者为对照）",
                 "later_vs_earlier": "晚处理组对早处理组（以早者为对照）"}}


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
    if name.startswith(("W*", "W_")):
        base = compose(name[2:], labels, language)
        return name if base == name[2:] else "W×" + base
    if name.startswith("growth of "):
        base = compose(name[len("growth of "):], labels, language)
        return base + "增长" if language == "zh" else "Growth of " + base

    if ":" in name:
        return " × ".join(compose(part, labels, language) for part in name.split(":"))
    m = _INDEXED.match(name)
    if m:
        base, index = m.group(1), m.group(2)
        if base in ("group", "calendar") and re.fullmatch(r"\d{4}", index):  # CS aggregations (did.cs)
            if language == "zh":
                return f"处理批次 {index}" if base == "group" else f"{index} 年"
            return f"Cohort {index}" if base == "group" else f"Calendar year {index}"
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
