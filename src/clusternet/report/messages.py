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
        "lr_caption": ("Likelihood-ratio statistic over the threshold grid; dashed line: the critical value, "
                       "below which a threshold value is not rejected (Hansen 1999)."),
        # keys of the data-quality summary (results of the data stage) and mechanism codes of the registry
        "quality_keys": {"regions": "regions", "rows": "rows", "variables": "variables"}, "quality_sep": "; ",
        "mechanisms": {"mode_data": "mode_data", "mode_efficiency": "mode_efficiency"},
        # other stages' figures named by a key (clusternet.artefacts.artefact(key=..., params=...))
        "artefacts": {
            "moran_scatter": {"title": "Moran scatter plot: {variable}, {year}",
                              "caption": "Weights {weights}; {permutations} permutations; alpha {alpha}."},
            "lisa": {"title": "LISA cluster map: {variable}, {year}",
                     "caption": "Weights {weights}; {permutations} permutations; alpha {alpha}."},
            "kde": {"title": "Kernel density evolution of {variable}", "caption": ""},
        },
        "weights_names": {"queen": "queen", "rook": "rook", "invdist": "invdist", "knn": "knn"},
        # the policy-evaluation part of M2 (clusternet.report.policy_section)
        "policy": {
            "att_title": "{id}: ATT across estimators ({key})",
            "att_header": ["specification", "estimator", "outcome", "ATT", "SE", "p", "note"],
            "note_placebo": "p: placebo in space", "note_no_se": "no SE",
            "att_note": ("Treatment: config/policies.yaml policies.{key}. Estimates of the average effect on the "
                         "treated (static TWFE: the policy coefficient; event-study and CS: the simple ATT; "
                         "synthetic control: mean post-period gap). p: the document's own inference (analytic "
                         "unless noted); the verdict's governing p-value is stated below the table."),
            "ri_note": ("Randomisation inference (adoption years permuted across provinces, {reps} draws, "
                        "{n} treated): p = {p} for {spec}."),
            "event_title": "{id}: event studies ({key})", "synth_title": "{id}: synthetic control ({n})",
            "event_legend": "{n} ({model})",
            "event_x": "years since adoption (reference −1; endpoints binned)", "event_y": "effect",
            "event_caption": ("One panel per outcome. Points: estimates with pointwise 95 % CIs; shaded: uniform "
                              "(sup-t) 95 % bands from each document's event-study covariance (simulated, seeded)"),
            "event_caption_cs": ("; for Callaway–Sant'Anna, the multiplier-bootstrap sup-t band of the dynamic "
                                 "aggregation stored in the document."),
            "event_caption_end": ".",
            "pretrend": "Joint pre-trend test ({spec}): χ²({df}) = {stat}, p = {p}.",
            "breakdown": "Rambachan–Roth smoothness (Δ^SD) breakdown M̄ for the {target} effect: {value}.",
            "breakdown_zero": "0 (not significant even under linear trends, M = 0)",
            "breakdown_rm_target": "Relative magnitudes (Δ^RM) breakdown M̄ for the {target} effect: {value}.",
            "event_ri": "Randomisation inference ({spec}, {reps} permutations of adoption years): p = {p}.",
            # the ATT table's sensitivity note (deciding and companion policies, issue 15)
            "breakdown_sd": "Rambachan–Roth smoothness (Δ^SD) breakdown M ({spec}): {parts}.",
            "breakdown_rm": " Relative magnitudes (Δ^RM, ARP conditional) breakdown M̄: {parts}.",
            "breakdown_part": "{target} effect {value}", "part_sep": "; ",
            "sd_zero": "0 (not significant even at M = 0)", "rm_zero": "0 (not significant even at M̄ = 0)",
            "note_sdid_se": "SE: {method} (Arkhangelsky et al.)", "note_dcdh": "DID_M",
            "se_methods": {"placebo": "placebo", "bootstrap": "bootstrap", "jackknife": "jackknife"},
            "companion_note": "policies.{key} is reported beside the deciding policy; it does not enter the verdict.",
            "companion": "policies.{key}: reported beside the deciding policy, outside the verdict.",
            "companion_ri": " Randomisation p = {p} ({spec}, {n} treated clusters).",
            "synth_treated": "treated {unit}", "synth_synthetic": "synthetic", "synth_path": "path",
            "synth_gap": "gap: treated (black) and placebos in space (grey)",
            "synth_caption": ("Synthetic control for {unit} (treated from {year}); donor weights {weights}; "
                              "pre-RMSPE {pre}, post-RMSPE {post}."),
            "synth_test": " Post/pre RMSPE ratio {ratio}; placebo-in-space permutation p = {p}.",
            "governing": ("The verdict ({verdict}) is governed by {spec} ({estimator}, coefficient {coefficient}) "
                          "with {source}: p = {p} before the registry-wide adjustment."),
            "governing_ri": " Randomisation p = {p}", "governing_ri_n": " ({n} treated clusters).",
            "governing_end": ".",
            "sources": {"randomisation": "randomisation inference (adoption years permuted across provinces)",
                        "wild_bootstrap": "the restricted wild cluster bootstrap",
                        "cluster_t": "the cluster-robust t test", "document": "the estimator's own standard error"},
            "sep": ", ",
        },
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
        "lr_caption": "门槛值网格上的似然比统计量；虚线为临界值，低于该值的门槛值不被拒绝（Hansen 1999）。",
        "quality_keys": {"regions": "地区数", "rows": "观测行数", "variables": "变量数"}, "quality_sep": "；",
        "mechanisms": {"mode_data": "数据要素驱动模式", "mode_efficiency": "效率驱动模式"},
        "artefacts": {
            "moran_scatter": {"title": "莫兰散点图：{variable}，{year} 年",
                              "caption": "空间权重：{weights}；{permutations} 次置换；显著性水平 {alpha}。"},
            "lisa": {"title": "LISA 集聚图：{variable}，{year} 年",
                     "caption": "空间权重：{weights}；{permutations} 次置换；显著性水平 {alpha}。"},
            "kde": {"title": "{variable}核密度演进", "caption": ""},
        },
        "weights_names": {"queen": "Queen 邻接", "rook": "Rook 邻接", "invdist": "反距离", "knn": "k 近邻"},
        "policy": {
            "att_title": "{id}：各估计量的 ATT（{key}）",
            "att_header": ["模型设定", "估计量", "被解释变量", "ATT", "标准误", "p 值", "说明"],
            "note_placebo": "p 值：空间安慰剂检验", "note_no_se": "无标准误",
            "att_note": ("处理变量：{key}（定义见 config/policies.yaml）。表中为处理组平均处理效应"
                         "（静态 TWFE：政策变量系数；事件研究与 CS：简单 ATT；合成控制法：处理后各期差距均值）。"
                         "p 值为各结果文件自身的推断（除注明者外为解析推断）；决定结论的 p 值见表下说明。"),
            "ri_note": "随机化推断（在省份间置换政策实施年份，{reps} 次抽样，{n} 个处理聚类）：{spec} 的 p = {p}。",
            "event_title": "{id}：事件研究（{key}）", "synth_title": "{id}：合成控制（{n}）",
            "event_legend": "{n}",
            "event_x": "相对政策实施的年数（参照期 −1；两端合并）", "event_y": "效应",
            "event_caption": ("每个被解释变量一幅子图。点：估计值及逐点 95% 置信区间；阴影：由各结果文件事件研究协方差"
                              "模拟（固定种子）的一致（sup-t）95% 置信带"),
            "event_caption_cs": "；Callaway–Sant'Anna 估计量为结果文件中保存的动态汇总乘数自助法 sup-t 置信带。",
            "event_caption_end": "。",
            "pretrend": "处理前趋势联合检验（{spec}）：χ²({df}) = {stat}，p = {p}。",
            "breakdown": "Rambachan–Roth 平滑性约束（Δ^SD）下{target}效应的临界值 M̄：{value}。",
            "breakdown_zero": "0（即使在线性趋势下 M = 0 也不显著）",
            "breakdown_rm_target": "相对幅度约束（Δ^RM）下{target}效应的临界值 M̄：{value}。",
            "event_ri": "随机化推断（{spec}，政策实施年份置换 {reps} 次）：p = {p}。",
            "breakdown_sd": "Rambachan–Roth 平滑性约束（Δ^SD）下的临界值 M（{spec}）：{parts}。",
            "breakdown_rm": "相对幅度约束（Δ^RM，ARP 条件检验）下的临界值 M̄：{parts}。",
            "breakdown_part": "{target}效应 {value}", "part_sep": "；",
            "sd_zero": "0（即使 M = 0 也不显著）", "rm_zero": "0（即使 M̄ = 0 也不显著）",
            "note_sdid_se": "标准误：{method}（Arkhangelsky 等）", "note_dcdh": "DID_M",
            "se_methods": {"placebo": "安慰剂法", "bootstrap": "自助法", "jackknife": "刀切法"},
            "companion_note": "{key}与决定结论的政策并列报告，不进入结论。",
            "companion": "{key}：与决定结论的政策并列报告，不进入结论。",
            "companion_ri": "随机化推断 p = {p}（{spec}，{n} 个处理聚类）。",
            "synth_treated": "处理单位 {unit}", "synth_synthetic": "合成控制", "synth_path": "路径",
            "synth_gap": "差距：处理单位（黑）与空间安慰剂（灰）",
            "synth_caption": ("地区 {unit} 的合成控制（{year} 年起受处理）；主要对照权重 {weights}；"
                              "处理前 RMSPE {pre}，处理后 RMSPE {post}。"),
            "synth_test": "处理后/处理前 RMSPE 之比 {ratio}；空间安慰剂置换 p = {p}。",
            "governing": ("结论（{verdict}）由 {spec}（{estimator}，系数 {coefficient}）依据{source}决定："
                          "全部假设多重检验校正前 p = {p}。"),
            "governing_ri": "随机化推断 p = {p}", "governing_ri_n": "（{n} 个处理聚类）。", "governing_end": "。",
            "sources": {"randomisation": "随机化推断（在省份间置换政策实施年份）",
                        "wild_bootstrap": "受约束的野聚类自抽样", "cluster_t": "聚类稳健 t 检验",
                        "document": "估计量自身的标准误"},
            "sep": "，",
        },
    },
}


def of(language: str) -> dict:
    """The catalogue of ``language`` (en | zh)."""
    return MESSAGES[language]
