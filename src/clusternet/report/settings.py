"""Report settings (``config/report.yaml``) with their defaults, plus the labels
used in tables and figures: variable labels from the codebook and the fixed
words of a regression table, in English or Chinese."""
from __future__ import annotations

from dataclasses import dataclass, field

from clusternet.errors import ConfigError
from clusternet.report.numbers import NumberFormats, format_number

DEFAULT_STARS = ((0.10, "*"), (0.05, "**"), (0.01, "***"))

# Fixed words of tables and the report, per language.
WORDS = {
    "en": {
        "entity_fe": "Region FE", "time_fe": "Year FE", "controls": "Controls", "yes": "Yes", "no": "No",
        "nobs": "Observations", "r2_within": "R² (within)", "r2": "R²", "clusters": "Clusters",
        "dependent": "Dependent variable", "covariance": "Standard errors", "variable": "Variable",
        "n": "N", "mean": "Mean", "sd": "SD", "min": "Min", "median": "Median", "max": "Max",
        "direct": "Direct", "indirect": "Indirect", "total": "Total",
        "threshold": "Threshold", "estimate": "Estimate", "ci": "95% CI", "f_stat": "F statistic",
        "boot_p": "Bootstrap p-value", "boot_reps": "Bootstrap replications",
        "se_note": "Standard errors in parentheses.",
        "provenance": "Provenance",
        "descriptive_title": "Descriptive statistics",
        "correlation_title": "Correlation matrix (Pearson, pairwise complete observations)",
        "spatial_title": "Spatial effects: direct, indirect (spillover) and total",
        "threshold_title": "Threshold estimates",
        "all_models_title": "All specifications",
        "coefplot": "Coefficient estimates with confidence intervals",
        "lr_curve": "Likelihood-ratio statistic over the threshold",
        "marginal": "Marginal effect",
        "event_time": "Periods relative to treatment",
        "event_study": "Event study",
    },
    "zh": {
        "entity_fe": "地区固定效应", "time_fe": "年份固定效应", "controls": "控制变量", "yes": "是", "no": "否",
        "nobs": "观测值", "r2_within": "组内 R²", "r2": "R²", "clusters": "聚类数",
        "dependent": "被解释变量", "covariance": "标准误", "variable": "变量",
        "n": "样本量", "mean": "均值", "sd": "标准差", "min": "最小值", "median": "中位数", "max": "最大值",
        "direct": "直接效应", "indirect": "间接效应", "total": "总效应",
        "threshold": "门槛", "estimate": "估计值", "ci": "95% 置信区间", "f_stat": "F 统计量",
        "boot_p": "自抽样 p 值", "boot_reps": "自抽样次数",
        "se_note": "括号内为标准误。",
        "provenance": "来源信息",
        "descriptive_title": "描述性统计",
        "correlation_title": "相关系数矩阵（Pearson，成对完整观测）",
        "spatial_title": "空间效应分解：直接效应、间接效应（溢出）与总效应",
        "threshold_title": "门槛估计结果",
        "all_models_title": "全部模型",
        "coefplot": "系数估计值及置信区间",
        "lr_curve": "门槛值的似然比统计量",
        "marginal": "边际效应",
        "event_time": "相对处理时点的期数",
        "event_study": "事件研究",
    },
}


@dataclass(frozen=True)
class ReportSettings:
    language: str = "en"
    digits: int = 3
    stars: tuple = DEFAULT_STARS
    table_formats: tuple = ("tex", "docx", "html", "md", "csv")
    figure_formats: tuple = ("png", "pdf")
    regression_tables: tuple = ()
    show_controls: bool = False
    descriptive_variables: tuple = ()
    map_variables: tuple = ()
    map_years: tuple = ()
    colormap: str = "viridis"
    map_width_cm: float = 16.0  # report.maps.width_cm (print width)
    map_dpi: int = 300  # report.maps.dpi
    artefact_max_rows: int = 60
    labels: dict = field(default_factory=dict)  # variable -> label in `language`
    numbers: NumberFormats = field(default_factory=NumberFormats)  # report.number_format
    latex_fragment: bool = False  # report.latex.fragment
    word_paper: str = "a4"  # report.word.paper
    word_east_asian_font: str = "SimSun"  # report.word.east_asian_font

    @classmethod
    def from_section(cls, section: dict, labels: dict | None = None, source: str = "config/report.yaml"):
        stars = tuple((float(s["p"]), str(s["symbol"])) for s in section.get("stars", [])) or DEFAULT_STARS
        ps = [p for p, _ in stars]
        if any(a <= b for a, b in zip(ps, ps[1:])):
            raise ConfigError(f"{source}: stars: thresholds must be listed from the most lenient to the "
                              f"strictest (p strictly decreasing), got {ps}")
        maps = section.get("maps", {})
        return cls(
            language=section.get("language", "en"),
            digits=int(section.get("digits", 3)),
            stars=stars,
            table_formats=tuple(section.get("table_formats", cls.table_formats)),
            figure_formats=tuple(section.get("figure_formats", cls.figure_formats)),
            regression_tables=tuple(section.get("regression_tables", [])),
            show_controls=bool(section.get("show_controls", False)),
            descriptive_variables=tuple(section.get("descriptive", {}).get("variables", [])),
            map_variables=tuple(maps.get("variables", [])),
            map_years=tuple(maps.get("years", [])),
            colormap=maps.get("colormap", "viridis"),
            map_width_cm=float(maps.get("width_cm", 16.0)),
            map_dpi=int(maps.get("dpi", 300)),
            artefact_max_rows=int(section.get("artefact_max_rows", 60)),
            labels=dict(labels or {}),
            numbers=NumberFormats.from_config(section.get("number_format"), section.get("digits")),
            latex_fragment=bool(section.get("latex", {}).get("fragment", False)),
            word_paper=str(section.get("word", {}).get("paper", "a4")),
            word_east_asian_font=str(section.get("word", {}).get("east_asian_font", "SimSun")),
        )

    def word(self, key: str) -> str:
        return WORDS[self.language][key]

    def label(self, name: str) -> str:
        """Label of ``name`` (``clusternet.report.labels.compose``: its own label, else one built
        from its parts: ``W*x`` -> ``W×<label of x>``, ``x:m``, ``x[East]``, ``event[k]``)."""
        from clusternet.report.labels import compose

        return compose(name, self.labels, self.language)

    def doc_label(self, doc: dict, key: str = "") -> str:
        """Label of a result document in this report's language (``labels.document_label``)."""
        from clusternet.report.labels import document_label

        return document_label(doc, key, self.labels, self.language)

    def stars_for(self, p_value) -> str:
        """Symbol of the strictest threshold that ``p_value`` is below ('' if none or missing)."""
        if p_value is None:
            return ""
        symbol = ""
        for threshold, sym in self.stars:
            if p_value < threshold:
                symbol = sym
        return symbol

    def star_note(self) -> str:
        parts = [f"{sym} p<{p:g}" for p, sym in self.stars]
        return ", ".join(parts) + "."

    def fmt(self, value, digits: int | None = None, statistic: str | None = None) -> str:
        """``value`` in the configured format of ``statistic`` (``report.number_format``; see
        ``clusternet.report.numbers``); ``digits`` forces that many digits in the same mode."""
        if digits is not None:
            return format_number(value, self.numbers.of(statistic).mode, digits)
        return self.numbers.format(value, statistic)

    def fmt_p(self, p) -> str:
        """A p-value: ``<0.001`` below the configured precision."""
        return self.numbers.format(p, "p_value")

    def with_numbers(self, block: dict | None) -> ReportSettings:
        """These settings with a table's own ``number_format`` laid over the report's."""
        if not block:
            return self
        from dataclasses import replace

        return replace(self, numbers=NumberFormats.from_config(block, base=self.numbers))


def codebook_labels(codebook: dict | None, language: str) -> dict:
    """Variable -> label from a codebook section.

    Accepts ``variables`` as a mapping ``name -> entry`` or a list of entries
    with ``name``; an entry's label is ``label_<lang>``, or ``label`` given as
    ``{en, zh}`` or as a string (English). Missing labels fall back to the name.
    """
    if not codebook:
        return {}
    variables = codebook.get("variables", codebook)
    if isinstance(variables, list):
        entries = {str(v.get("name")): v for v in variables if isinstance(v, dict) and v.get("name")}
    elif isinstance(variables, dict):
        entries = {str(k): v for k, v in variables.items() if isinstance(v, dict)}
    else:
        return {}
    out = {}
    for name, entry in entries.items():
        label = entry.get(f"label_{language}")
        if label is None and isinstance(entry.get("label"), dict):
            label = entry["label"].get(language)
        if label is None and language == "en" and isinstance(entry.get("label"), str):
            label = entry["label"]
        if label:
            out[name] = str(label)
    return out
