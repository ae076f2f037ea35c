"""The report's message catalogue: fixed words of hypothesis sections, notes and captions in
English and Chinese (``of(language)``). Every key exists in both languages
(tests/report/test_report_messages.py checks it), so a Chinese report never falls back to
English. Variable labels are not here: they come from the codebook, the indicator system and
``clusternet.report.labels``.

Helpers adding a report section (docs/report.md, "Extension points") add their words here, in
their own block, in both languages."""
from __future__ import annotations

MESSAGES: dict[str, dict] = {
    "en": {
        # hypothesis sections (clusternet.report.hypothesis)
        "deciding_title": "deciding estimand", "quantity": "Quantity", "value": "Value",
        "estimand": "Estimand", "specification": "Specification", "outcome": "Outcome",
        "estimate": "Estimate", "statistic": "Test statistic", "estimate_sd": "Estimate (within-SD units)",
        "std_error": "Standard error", "ci": "{level}% CI", "ci_sd": "{level}% CI (within-SD units)",
        "p_governing": "Governing p-value", "p_adjusted": "Adjusted p-value ({method})",
        "p_source": {"document": "as reported by the model", "wild_bootstrap": "wild cluster bootstrap",
                     "randomisation": "randomisation inference", "cluster_t": "cluster-robust t"},
        "mde": "Minimum detectable effect at {power}% power ({kind})", "simulated": "simulated on the design",
        "analytic": "analytic", "sd_units": "SD", "tost": "Equivalence test against ±{sesoi} SD, p-value",
        "clusters": "Clusters", "size": "Simulated size of the nominal test", "wild": "wild bootstrap",
        "gamma": "Threshold γ̂", "gamma_ci": "{level}% CI of γ̂", "f_stat": "F statistic",
        "boot_p": "Bootstrap p-value", "boot_reps": "Bootstrap replications",
        "verdict": "Verdict", "downgraded": "downgraded: robustness checks disagree",
        "test": "Test", "sep": ", ", "true_value": "True value (simulation)", "true_in_ci": "inside the CI",
        "effect_direct": "direct effect", "effect_indirect": "indirect effect (spillover)",
        "effect_total": "total effect",
        "deciding_note": ("The verdict is read from this estimand: governing p-value after the multiplicity "
                          "adjustment, minimum detectable effect and equivalence test as in docs/hypotheses.md."),
        "effect_note": ("A spatial effect (LeSage & Pace 2009) is a function of the model's coefficients: the "
                        "regression table below shows the coefficients, not this effect."),
        "deciding_figure": "deciding estimand across specifications",
        "deciding_caption": ("Filled marker: the estimand the verdict is read from; hollow markers: robustness "
                             "estimands; one panel per outcome."),
        "further_evidence": "further evidence", "spec_curve": "specification curve",
        "spec_curve_caption": ("Sorted estimates (within-SD units) with CIs; choices below "
                               "(Simonsohn, Simmons & Nelson 2020)."),
        "files_note": "Result documents: ",
        "columns": {"specification": "Specification", "coefficient": "Term", "effect": "Effect", "test": "Test",
                    "estimate": "Estimate", "std_error": "SE", "p_value": "p-value", "ci": "95% CI",
                    "verdict": "Verdict", "sign_agrees": "Expected sign"},
        "record_verdicts": {"not_supported": "not significant"},
        # notes and fixed text of other tables (build, extras, statistics, tables, verdict_table)
        "provenance": "Provenance: {parts}.", "prov_code": "code {v}", "prov_config": "config sha256 {v}",
        "prov_inputs": "inputs {v}",
        "data_quality": "Data quality: {v}.",
        "first_rows": "First {cap} of {n} rows; the full table is {path}.",
        "circularity_header": ["Specification", "Shared components", "Justification"],
        "spatial_models": "Models: {v}.",
        "spatial_effects_note": ("Effects follow LeSage & Pace (2009): direct = mean diagonal, indirect = mean "
                                 "off-diagonal row sum of the impact matrix."),
        "threshold_note": ("Hansen (1999) fixed-effect panel threshold model; p-values from the bootstrap of "
                           "the F statistic."),
        "descriptive_note": "SD uses the N-1 denominator; N counts non-missing region-years.",
        "verdict_note": ("p adjusted across the registry ({adj}); MDE at 80% power, simulated on the real design "
                         "where available (analytic otherwise); SD = within-province standard deviations; "
                         "r = raw units; ↓ = downgraded (see docs/hypotheses.md)."),
        "no_data": "No data",
    },
    "zh": {
        "deciding_title": "决定结论的估计量", "quantity": "项目", "value": "数值",
        "estimand": "估计量", "specification": "模型设定", "outcome": "被解释变量",
        "estimate": "估计值", "statistic": "检验统计量", "estimate_sd": "估计值（组内标准差单位）",
        "std_error": "标准误", "ci": "{level}% 置信区间", "ci_sd": "{level}% 置信区间（组内标准差单位）",
        "p_governing": "决定性 p 值", "p_adjusted": "多重检验校正 p 值（{method}）",
        "p_source": {"document": "模型报告值", "wild_bootstrap": "野聚类自抽样", "randomisation": "随机化推断",
                     "cluster_t": "聚类稳健 t 检验"},
        "mde": "{power}% 检验功效下的最小可检测效应（{kind}）", "simulated": "基于实际设计模拟",
        "analytic": "解析计算", "sd_units": "标准差", "tost": "相对 ±{sesoi} 标准差的等价性检验 p 值",
        "clusters": "聚类数", "size": "名义检验的模拟检验水平", "wild": "野自抽样",
        "gamma": "门槛值 γ̂", "gamma_ci": "γ̂ 的 {level}% 置信区间", "f_stat": "F 统计量",
        "boot_p": "自抽样 p 值", "boot_reps": "自抽样次数",
        "verdict": "结论", "downgraded": "因稳健性检验不一致而降级",
        "test": "检验", "sep": "，", "true_value": "真实值（模拟）", "true_in_ci": "落在置信区间内",
        "effect_direct": "直接效应", "effect_indirect": "间接效应（溢出）", "effect_total": "总效应",
        "deciding_note": ("结论依据该估计量：经多重检验校正的决定性 p 值、最小可检测效应与等价性检验，"
                          "见 docs/hypotheses.md。"),
        "effect_note": "空间效应（LeSage & Pace 2009）是模型系数的函数：下方回归表列示的是系数而非该效应。",
        "deciding_figure": "决定结论的估计量在各设定下的估计",
        "deciding_caption": "实心点：决定结论的估计量；空心点：稳健性检验估计量；每个被解释变量一个分图。",
        "further_evidence": "其他证据", "spec_curve": "设定曲线",
        "spec_curve_caption": ("按大小排序的估计值（组内标准差单位）及置信区间；"
                               "下方为设定选择（Simonsohn、Simmons 与 Nelson 2020）。"),
        "files_note": "结果文件：",
        "columns": {"specification": "模型设定", "coefficient": "变量", "effect": "效应", "test": "检验",
                    "estimate": "估计值", "std_error": "标准误", "p_value": "p 值", "ci": "95% 置信区间",
                    "verdict": "结论", "sign_agrees": "符号符合预期"},
        "record_verdicts": {"not_supported": "不显著"},
        "provenance": "来源信息：{parts}。", "prov_code": "代码版本 {v}", "prov_config": "配置 sha256 {v}",
        "prov_inputs": "输入文件 {v}",
        "data_quality": "数据质量：{v}。",
        "first_rows": "仅列示 {n} 行中的前 {cap} 行；完整表格见 {path}。",
        "circularity_header": ["模型设定", "共用成分", "理由"],
        "spatial_models": "模型：{v}。",
        "spatial_effects_note": ("效应分解依据 LeSage 与 Pace（2009）：直接效应为影响矩阵对角元均值，"
                                 "间接效应为非对角元行和均值。"),
        "threshold_note": "Hansen（1999）固定效应面板门槛模型；p 值由 F 统计量的自抽样得到。",
        "descriptive_note": "标准差以 N−1 为分母；N 为非缺失的地区-年份观测数。",
        "verdict_note": ("p 值在全部假设间校正（{adj}）；最小可检测效应按 80% 检验功效计算，能模拟时基于实际设计模拟"
                         "（否则解析计算）；SD = 省内标准差；r = 原始单位；↓ = 降级（见 docs/hypotheses.md）。"),
        "no_data": "无数据",
    },
}


def of(language: str) -> dict:
    """The catalogue of ``language`` (en | zh)."""
    return MESSAGES[language]
