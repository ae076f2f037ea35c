"""The self-contained HTML report (``results/report/index.html``), rendered
with Jinja2 from ``templates/report.html.j2``. Images are embedded as base64
PNG, tables as HTML, so the single file can be mailed to a reviewer."""
from __future__ import annotations

import jinja2

from clusternet.report import messages
from clusternet.report.settings import ReportSettings
from clusternet.report.verdict_table import VERDICT_WORDS

HEADINGS = {
    "en": {"data": "Data and coverage", "indices": "Indices", "network": "Innovation networks",
           "spatial": "Spatial analysis", "models": "All models", "hypotheses": "Hypotheses",
           "evidence": "Evidence", "robustness": "Robustness checks", "verdict": "Verdict",
           "mechanism": "Mechanism", "skipped": "Skipped (inputs absent)", "provenance": "Provenance",
           "title": "clusternet: formation mechanisms of digital-industry-cluster innovation networks",
           "files": "Files", "none_skipped": "Nothing was skipped.", "no_hypotheses":
           "No hypothesis verdicts were found (results/hypotheses/verdicts.json).",
           "code_version": "Code version", "config_sha256": "Config sha256", "input": "Input file",
           "downgraded": "downgraded: robustness checks disagree", "agree": "with the expected sign",
           "significant": "also significant", "package": "Replication package",
           "package_entry": "entry in the replication package's list", "package_id": "id",
           "contents": "Contents", "version": "version", "language_en": "English", "language_zh": "中文版"},
    "zh": {"data": "数据与覆盖范围", "indices": "指数", "network": "创新网络", "spatial": "空间分析",
           "models": "全部模型", "hypotheses": "研究假设", "evidence": "证据", "robustness": "稳健性检验",
           "verdict": "结论", "mechanism": "机制", "skipped": "未生成的内容（输入缺失）", "provenance": "来源信息",
           "title": "clusternet：数字产业集群创新网络的形成机制", "files": "文件",
           "none_skipped": "全部内容均已生成。",
           "no_hypotheses": "未找到研究假设检验结论（results/hypotheses/verdicts.json）。",
           "code_version": "代码版本", "config_sha256": "配置哈希", "input": "输入文件",
           "downgraded": "因稳健性检验不一致而降级", "agree": "符号与预期一致", "significant": "同时显著",
           "package": "复现包", "package_entry": "复现包图表清单条目", "package_id": "标识",
           "contents": "目录", "version": "版本", "language_en": "English", "language_zh": "中文"},
}


def heading(settings: ReportSettings, key: str) -> str:
    return HEADINGS[settings.language].get(key, key)


def verdict_class(verdict: str) -> str:
    v = verdict.lower()
    if "contradict" in v or "reject" in v or "相反" in v:
        return "verdict-no"
    if "not" in v or "不支持" in v:
        return "verdict-open"
    if "partly" in v or "partial" in v or "mixed" in v or "部分" in v:
        return "verdict-partial"
    if "support" in v or "支持" in v:
        return "verdict-yes"
    return "verdict-open"


_ENV = jinja2.Environment(loader=jinja2.PackageLoader("clusternet.report", "templates"),
                          autoescape=jinja2.select_autoescape(["html", "j2"]), keep_trailing_newline=True,
                          undefined=jinja2.StrictUndefined)


def render(settings: ReportSettings, sections, skipped, prov: dict, inputs, package: dict | None = None,
           alternates=()) -> str:
    """The page; ``alternates``: (language, its name, relative link) of the same report in other languages."""
    lang = settings.language
    hypotheses = [s for s in sections if s.hypothesis is not None]
    others = [s for s in sections if s.hypothesis is None]
    models = [s for s in others if s.id == "models"]
    before = [s for s in others if s.id != "models"]
    return _ENV.get_template("report.html.j2").render(
        lang=lang, h=HEADINGS[lang], before=before, hypotheses=hypotheses, after=models,
        have_verdicts=inputs.verdicts is not None, skipped=skipped, prov=prov, verdict_class=verdict_class,
        package=package, alternates=list(alternates),
        verdict_word=lambda v: VERDICT_WORDS[lang].get(v, v.replace("_", " ")),
        mechanism_word=lambda v: messages.of(lang)["mechanisms"].get(v, v),
    )
