"""Fixed words drawn inside the stages' figures, in every report language (issue 13).

The ground floor holds them so every stage may import them (the report's own catalogue,
``clusternet.report.messages``, is on the top floor). A stage draws each figure the report shows
once per language: ``words(lang)["spatial"]["moran_xlabel"]``. English strings are the ones the
figures always baked in, so the English files stay byte-identical; the Chinese figure is saved
next to it as ``<stem>.zh.png`` (``zh_path``) and named in the artefact list (``path_zh``), and the
report's Chinese page shows it. Variable codes (``dici``) and estimator names (Moran, LISA) stay
as they are: they are codes, not words.
"""
from __future__ import annotations

from pathlib import Path

LANGUAGES = ("en", "zh")

WORDS: dict[str, dict[str, dict[str, str]]] = {
    "en": {
        "spatial": {
            "moran_xlabel": "{var} (standardised)",
            "moran_title": "{var}, {year}: Moran's I = {I} (p_sim = {p})",
            "lisa_title": "LISA clusters: {var}, {year}",
            "HH": "HH", "LL": "LL", "HL": "HL", "LH": "LH", "ns": "ns",
        },
        "network": {
            "map_title": "{year}: {ties} strongest ties",
            "in_strength": "in-strength", "out_strength": "out-strength",
            "in_degree": "in-degree", "out_degree": "out-degree",
            "ccdf": "share of regions with value ≥ x", "regions": "regions",
        },
        "indices": {  # the English figures have always carried both languages
            "year": "Year / 年份", "density": "Density / 密度", "group": "{en} / {zh}",
        },
        "modes": {
            "traditional": "traditional", "efficiency": "efficiency", "data": "data", "mixed": "mixed",
            "not_classified": "not classified", "maps_title": "Development mode by province (rule classification)",
            "shares_title": "Share of provinces by mode",
            "criterion_title": "{method}: {criterion} by k (chosen k = {k})",
            "jaccard_title": "Bootstrap Jaccard (ARI rule vs clusters {ari})",
            "gmm": "gmm", "kmeans": "kmeans", "bic": "bic", "silhouette": "silhouette",
        },
        "efficiency": {
            "ccr": "CCR", "bcc": "BCC (input)", "sbm": "SBM", "dea_bc": "CCR, bias-corrected (SW 1998)",
            "eff_title": "Mean innovation efficiency by year", "malmquist": "Malmquist ({frontier})",
            "contemporaneous": "contemporaneous", "global": "global", "ec": "EC", "tc": "TC",
            "malm_title": "Malmquist index (geometric mean over provinces)",
        },
        "data": {"coverage_title": "Share of provinces observed (before interpolation)"},
    },
    "zh": {
        "spatial": {
            "moran_xlabel": "{var}（标准化）",
            "moran_title": "{var}，{year}年：莫兰指数 I = {I}（置换 p = {p}）",
            "lisa_title": "LISA 聚类：{var}，{year}年",
            "HH": "高-高", "LL": "低-低", "HL": "高-低", "LH": "低-高", "ns": "不显著",
        },
        "network": {
            "map_title": "{year}年：最强的 {ties} 条联系",
            "in_strength": "入强度", "out_strength": "出强度",
            "in_degree": "入度", "out_degree": "出度",
            "ccdf": "取值 ≥ x 的地区占比", "regions": "地区数",
        },
        "indices": {
            "year": "年份", "density": "密度", "group": "{zh}",
        },
        "modes": {
            "traditional": "传统型", "efficiency": "效率型", "data": "数据型", "mixed": "混合型",
            "not_classified": "未分类", "maps_title": "各省发展模式（规则分类）",
            "shares_title": "各模式省份占比",
            "criterion_title": "{method}：各 k 的{criterion}（选定 k = {k}）",
            "jaccard_title": "自助法 Jaccard 系数（规则与聚类的调整兰德指数 {ari}）",
            "gmm": "高斯混合模型", "kmeans": "K 均值聚类", "bic": "贝叶斯信息准则", "silhouette": "轮廓系数",
        },
        "efficiency": {
            "ccr": "CCR", "bcc": "BCC（投入导向）", "sbm": "SBM", "dea_bc": "CCR，偏差校正（Simar-Wilson 1998）",
            "eff_title": "创新效率年度均值", "malmquist": "Malmquist 指数（{frontier}）",
            "contemporaneous": "当期前沿", "global": "全局前沿", "ec": "效率变化", "tc": "技术变化",
            "malm_title": "Malmquist 指数（各省几何平均）",
        },
        "data": {"coverage_title": "有观测值的省份比例（插值前）"},
    },
}


def words(lang: str, stage: str) -> dict[str, str]:
    """The figure words of ``stage`` in ``lang`` (an unknown language is an error, not English)."""
    if lang not in WORDS:
        raise ValueError(f"figure words: unknown language {lang!r}; known: {sorted(WORDS)}")
    return WORDS[lang][stage]


def zh_path(path) -> Path:
    """``results/x/maps.png`` -> ``results/x/maps.zh.png``: the Chinese variant of a figure file."""
    p = Path(path)
    return p.with_name(f"{p.stem}.zh{p.suffix}")
