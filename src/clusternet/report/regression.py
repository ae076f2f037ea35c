"""Regression tables from result documents (and nothing else), with the
conventions of esttab / modelsummary / pyfixest's etable.

Layout (one column per specification)::

                      (1)         (2)
                      y label     y label
    x label           0.123***    0.101**
                      (0.031)     (0.045)
    ---------------------------------------
    Controls          Yes         Yes
    Region effects    Fixed       Random
    Year effects      Fixed       No
    Observations      372         372
    R² (within)       0.412       0.455
    Clusters (region) 31          31

Coefficients: the configured ``coefficients`` list (order and keep), else every
coefficient in order of first appearance with groups ``name[k]`` (event-study
terms) in numeric order of k; ``drop`` removes names matching its glob patterns;
``rename`` maps names to labels, over the codebook labels. Stars come from each
coefficient's ``p_value`` as stored in the document, with the thresholds of
``report.stars``.

Fit and test rows (``stats``, ``STAT_ROWS``): chosen per table; the default
(``DEFAULT_STATS``) shows each row that has a value in some column. Effects
rows are read from the document's ``effects`` (``True`` = fixed, ``"random"`` =
random). The cluster count appears only for clustered covariances, with the
clustering dimension; the notes state each column's standard errors in words.
"""
from __future__ import annotations

import fnmatch
import re

from clusternet.errors import ConfigError
from clusternet.report.settings import ReportSettings
from clusternet.report.tables import Table

WORDS = {
    "en": {
        "entity_effects": "Region effects", "time_effects": "Year effects", "fixed": "Fixed", "random": "Random",
        "entities": "Regions", "periods": "Years", "r2_overall": "R² (overall)", "r2_between": "R² (between)",
        "adj_r2": "Adjusted R²", "f_stat": "F statistic", "loglik": "Log likelihood", "aic": "AIC",
        "clusters_entity": "Clusters (region)", "clusters_time": "Clusters (year)", "clusters": "Clusters",
        "rho": "ρ (spatial lag)", "lambda": "λ (spatial error)",
        "hausman": "Hausman test, p-value", "hausman_auxiliary": "Robust Hausman test, p-value",
        "mundlak": "Mundlak test, p-value", "ar1": "AR(1) test, p-value", "ar2": "AR(2) test, p-value",
        "hansen_j": "Hansen J test, p-value", "sargan": "Sargan test, p-value",
        "first_stage_f": "First-stage F (Kleibergen–Paap)", "cragg_donald_f": "First-stage F (Cragg–Donald)",
        "threshold": "Threshold γ̂", "threshold_ci": "95% CI of γ̂", "threshold_f": "Threshold F statistic",
        "threshold_p": "Threshold F, bootstrap p-value", "pretrends": "Pre-trends joint test, p-value",
        "sobel": "Sobel test, p-value", "equal_slopes": "Equal slopes F test, p-value",
        "n_instruments": "Instruments",
        "se_words": {
            "cluster_entity": "clustered by region", "cluster_time": "clustered by year",
            "twoway": "two-way clustered by region and year", "robust": "heteroskedasticity-robust",
            "unadjusted": "conventional (homoskedastic)", "driscoll_kraay": "Driscoll–Kraay",
            "ml_information": "from the ML information matrix",
            "influence_function": "from the influence function, clustered by region",
            "bartlett": "Bartlett kernel", "bandwidth": "bandwidth", "clusters": "clusters",
            "sss": "small-sample correction G/(G-1)(N-1)/(N-K)", "hc1": "small-sample correction N/(N-K)",
            "lee_yu": "Lee–Yu bias correction",
            "multiplier_bootstrap": "multiplier bootstrap", "parametric_bootstrap": "parametric bootstrap",
            "placebo_permutation": "placebo-in-space permutation", "none": "none (point estimate only)",
            "draws": "draws", "replications": "replications", "level_region": "clustered by region",
        },
    },
    "zh": {
        "entity_effects": "地区效应", "time_effects": "年份效应", "fixed": "固定", "random": "随机",
        "entities": "地区数", "periods": "年份数", "r2_overall": "总体 R²", "r2_between": "组间 R²",
        "adj_r2": "调整 R²", "f_stat": "F 统计量", "loglik": "对数似然值", "aic": "AIC",
        "clusters_entity": "聚类数（地区）", "clusters_time": "聚类数（年份）", "clusters": "聚类数",
        "rho": "ρ（空间滞后）", "lambda": "λ（空间误差）",
        "hausman": "Hausman 检验 p 值", "hausman_auxiliary": "稳健 Hausman 检验 p 值",
        "mundlak": "Mundlak 检验 p 值", "ar1": "AR(1) 检验 p 值", "ar2": "AR(2) 检验 p 值",
        "hansen_j": "Hansen J 检验 p 值", "sargan": "Sargan 检验 p 值",
        "first_stage_f": "第一阶段 F（Kleibergen–Paap）", "cragg_donald_f": "第一阶段 F（Cragg–Donald）",
        "threshold": "门槛值 γ̂", "threshold_ci": "γ̂ 的 95% 置信区间", "threshold_f": "门槛 F 统计量",
        "threshold_p": "门槛 F 自抽样 p 值", "pretrends": "事前趋势联合检验 p 值",
        "sobel": "Sobel 检验 p 值", "equal_slopes": "斜率相等 F 检验 p 值",
        "n_instruments": "工具变量数",
        "se_words": {
            "cluster_entity": "按地区聚类", "cluster_time": "按年份聚类", "twoway": "按地区和年份双向聚类",
            "robust": "异方差稳健", "unadjusted": "常规（同方差）", "driscoll_kraay": "Driscoll–Kraay",
            "ml_information": "由极大似然信息矩阵计算", "influence_function": "由影响函数计算，按地区聚类",
            "bartlett": "Bartlett 核", "bandwidth": "带宽", "clusters": "个聚类",
            "sss": "小样本校正 G/(G-1)(N-1)/(N-K)", "hc1": "小样本校正 N/(N-K)", "lee_yu": "Lee–Yu 偏误校正",
            "multiplier_bootstrap": "乘数自抽样", "parametric_bootstrap": "参数自抽样",
            "placebo_permutation": "空间安慰剂置换", "none": "无（仅点估计）",
            "draws": "次抽样", "replications": "次重复", "level_region": "按地区聚类",
        },
    },
}

# Row keys a table's ``stats`` may list, in the order of the default.
STAT_ROWS = ("controls", "effects", "nobs", "entities", "periods", "r2_within", "r2", "r2_overall", "r2_between",
             "adj_r2", "f_stat", "clusters", "rho", "lambda", "loglik", "aic", "hausman", "hausman_auxiliary",
             "mundlak", "ar1", "ar2", "hansen_j", "sargan", "first_stage_f", "cragg_donald_f", "n_instruments",
             "threshold", "threshold_ci", "threshold_f", "threshold_p", "pretrends", "sobel", "equal_slopes")
# Shown when a table sets no ``stats``, each only when some column has a value. R² (overall)
# only where no within R² exists (RE/pooled tables); see ``default_stats``.
DEFAULT_STATS = ("controls", "effects", "nobs", "r2_within", "r2", "clusters", "rho", "lambda", "loglik",
                 "hausman", "mundlak", "ar1", "ar2", "hansen_j", "first_stage_f", "threshold", "threshold_ci",
                 "threshold_f", "threshold_p", "pretrends", "sobel", "equal_slopes")
# Test rows: row key -> test names in the document's ``tests`` (first found wins).
TEST_ROWS = {"hausman": ("hausman",), "hausman_auxiliary": ("hausman_auxiliary",), "mundlak": ("mundlak",),
             "ar1": ("ar1",), "ar2": ("ar2",), "hansen_j": ("hansen_j",), "sargan": ("sargan",),
             "pretrends": ("pretrends_joint_zero",), "sobel": ("sobel",), "equal_slopes": ("f_equal_slopes",)}
STATISTIC_TESTS = {"first_stage_f": "kleibergen_paap_rk_wald_f", "cragg_donald_f": "cragg_donald_f"}
CLUSTERED = ("cluster", "clustered", "twoway", "influence_function")


def words(settings: ReportSettings) -> dict:
    return WORDS[settings.language]


def n_clusters(doc: dict):
    """Cluster count from ``covariance.n_clusters`` (an int, or {dimension: int} for multiway);
    None when the covariance is not clustered (Driscoll–Kraay documents store T there)."""
    cov = doc.get("covariance", {})
    if cov.get("type") not in CLUSTERED:
        return None
    value = cov.get("n_clusters")
    if isinstance(value, dict):
        return ", ".join(f"{v}" for _, v in sorted(value.items())) or None
    return value


def cluster_dimension(doc: dict) -> str | None:
    """'entity' or 'time' for one-way clustering, None otherwise."""
    cov = doc.get("covariance", {})
    if cov.get("type") == "influence_function":
        return "entity"
    if cov.get("type") not in ("cluster", "clustered"):
        return None
    options = cov.get("options") or {}
    by = str(options.get("cluster_by", options.get("cluster", "entity")))
    return "time" if by in ("time", "year") else "entity"


def covariance_note(doc: dict) -> str:
    """The covariance type and options as stored (machine words), e.g. 'cluster (cluster_by=entity)'."""
    cov = doc.get("covariance", {})
    options = cov.get("options") or {}
    opts = ", ".join(f"{k}={v}" for k, v in sorted(options.items()))
    return cov.get("type", "?") + (f" ({opts})" if opts else "")


def covariance_words(doc: dict, settings: ReportSettings) -> str:
    """The standard errors of ``doc`` in words: 'clustered by region (31 clusters, small-sample correction ...)'."""
    w = words(settings)["se_words"]
    cov = doc.get("covariance", {})
    kind, opts = cov.get("type", "?"), cov.get("options") or {}
    details = []
    if kind in ("cluster", "clustered"):
        text = w["cluster_time" if cluster_dimension(doc) == "time" else "cluster_entity"]
    elif kind in w:
        text = w[kind]
    else:
        text = covariance_note(doc)
    if kind in CLUSTERED and isinstance(cov.get("n_clusters"), int):
        details.append(f"{cov['n_clusters']} {w['clusters']}")
    if kind == "driscoll_kraay":
        if opts.get("kernel"):
            details.append(w.get(str(opts["kernel"]), str(opts["kernel"])))
        if opts.get("bandwidth") is not None:
            details.append(f"{w['bandwidth']} {opts['bandwidth']}")
    if opts.get("small_sample") in ("sss", "hc1"):
        details.append(w[opts["small_sample"]])
    if opts.get("lee_yu"):
        details.append(w["lee_yu"])
    if kind in ("multiplier_bootstrap", "parametric_bootstrap"):
        # options in words: draws / replications, the cluster level, the algorithm (a proper name)
        for key in ("draws", "replications"):
            if opts.get(key) is not None:
                details.append(f"{opts[key]} {w[key]}")
        if opts.get("level") in ("region_code", "entity"):
            details.append(w["level_region"])
        if opts.get("algorithm"):
            details.append(str(opts["algorithm"]))
    if not details:
        return text
    if settings.language == "zh":
        return text + "（" + "，".join(details) + "）"
    return text + " (" + ", ".join(details) + ")"


def controls_of(doc: dict) -> list[str]:
    return [str(c) for c in (doc.get("spec", {}).get("controls") or [])]


_INDEXED = re.compile(r"^(.*)\[(-?\d+)\]$")


def coefficient_order(docs: dict[str, dict], *, show_controls: bool = True) -> list[str]:
    """Names in order of first appearance; each group ``prefix[k]`` sorted by the integer k and
    placed where its first member appeared (so ``event[-4]`` comes before ``event[6]``)."""
    all_controls = {c for d in docs.values() for c in controls_of(d)}
    seen: list[str] = []
    for d in docs.values():
        for row in d["coefficients"]:
            if row["name"] not in seen and (show_controls or row["name"] not in all_controls):
                seen.append(row["name"])
    out: list[str] = []
    for name in seen:
        if name in out:
            continue
        m = _INDEXED.match(name)
        if m is None:
            out.append(name)
            continue
        group = [n for n in seen if (g := _INDEXED.match(n)) and g.group(1) == m.group(1)]
        out += sorted(group, key=lambda n: int(_INDEXED.match(n).group(2)))  # type: ignore[union-attr]  # matched above
    return out


def _test(doc: dict, names) -> dict | None:
    for t in doc.get("tests") or []:
        if t.get("name") in names:
            return t
    return None


def _threshold(doc: dict) -> dict | None:
    block = (doc.get("extra") or {}).get("threshold")
    if isinstance(block, dict) and block.get("estimates"):
        return block
    return None


def stat_cells(key: str, doc: dict, settings: ReportSettings) -> str:
    """The cell of fit/test row ``key`` for one document ('' when the document has no such number)."""
    fit = doc.get("fit") or {}
    if key == "nobs":
        return str(doc["nobs"])
    if key == "entities":
        return "" if doc.get("n_entities") is None else str(doc["n_entities"])
    if key == "periods":
        return "" if doc.get("n_periods") is None else str(doc["n_periods"])
    if key in ("r2_within", "r2", "r2_overall", "r2_between", "adj_r2"):
        return settings.fmt(fit.get(key), statistic="r2")
    if key in ("f_stat", "loglik", "aic", "rho", "lambda"):
        return settings.fmt(fit.get(key), statistic="statistic")
    if key == "clusters":
        n = n_clusters(doc)
        return "" if n is None else str(n)
    if key == "n_instruments":
        n = (doc.get("extra") or {}).get("n_instruments", fit.get("n_instruments"))
        return "" if n is None else str(n)
    if key in TEST_ROWS:
        t = _test(doc, TEST_ROWS[key])
        return "" if t is None else settings.fmt_p(t.get("p_value"))
    if key in STATISTIC_TESTS:
        t = _test(doc, (STATISTIC_TESTS[key],))
        return "" if t is None else settings.fmt(t.get("statistic"), statistic="statistic")
    block = _threshold(doc)
    if key.startswith("threshold"):
        if block is None:
            return ""
        ests = block["estimates"]
        if key == "threshold":
            return "; ".join(settings.fmt(e.get("estimate"), statistic="estimate") for e in ests)
        if key == "threshold_ci":
            return "; ".join(f"[{settings.fmt(e.get('ci_lower'), statistic='ci')}, "
                             f"{settings.fmt(e.get('ci_upper'), statistic='ci')}]" for e in ests)
        stages = [s for s in (block.get("bootstrap") or {}).get("stages") or [] if isinstance(s, dict)]
        tests = [t for t in doc.get("tests") or [] if str(t.get("name", "")).startswith("threshold_F")]
        if not stages:
            stages = [{"F": t.get("statistic"), "p_value": t.get("p_value")} for t in tests]
        if key == "threshold_f":
            return "; ".join(settings.fmt(s.get("F", s.get("f_stat")), statistic="statistic") for s in stages)
        if key == "threshold_p":
            return "; ".join(settings.fmt_p(s.get("p_value")) for s in stages)
    raise ConfigError(f"regression table stats: unknown row {key!r}; choose from {list(STAT_ROWS)}")


def _effect_word(value, settings: ReportSettings) -> str:
    w = words(settings)
    if value == "random":
        return w["random"]
    if value is True or value == "fixed":
        return w["fixed"]
    if not value:
        return settings.word("no")
    return str(value)


def default_stats(docs: dict[str, dict]) -> list[str]:
    """``DEFAULT_STATS``; one R² row: within when some column has it, else R² and R² (overall)."""
    keys = list(DEFAULT_STATS)
    if any((d.get("fit") or {}).get("r2_within") is not None for d in docs.values()):
        keys.remove("r2")
    else:
        keys.insert(keys.index("r2") + 1, "r2_overall")
    return keys


def regression_table(docs: dict[str, dict], settings: ReportSettings, *, name: str, title: str,
                     coefficients: list[str] | None = None, provenance: dict | None = None,
                     stats: list[str] | None = None, drop: list[str] | None = None,
                     rename: dict[str, str] | None = None, number_format: dict | None = None,
                     source: str = "config/report.yaml", first: list[str] | None = None) -> Table:
    """``docs``: column key (specification name) -> result document, in column order.
    ``stats``: fit/test rows (``STAT_ROWS``) in order; None = ``default_stats`` with empty rows left out.
    ``first``: coefficients moved to the top rows (a hypothesis' deciding term), the others keep their order."""
    settings = settings.with_numbers(number_format)
    w = words(settings)
    keys = list(docs)
    all_controls = {c for d in docs.values() for c in controls_of(d)}
    if coefficients:
        order = list(coefficients)
        known = {r["name"] for d in docs.values() for r in d["coefficients"]}
        unknown = [c for c in order if c not in known]
        if unknown:
            raise ConfigError(f"{source}: regression table {name!r}: coefficients {unknown} are in none of its "
                              f"result documents; available: {sorted(known)}")
    else:
        order = coefficient_order(docs, show_controls=settings.show_controls)
    if drop:
        order = [c for c in order if not any(fnmatch.fnmatchcase(c, pattern) for pattern in drop)]
    if first:
        order = [c for c in first if c in order] + [c for c in order if c not in first]
    rename = rename or {}

    def label(coef: str) -> str:
        return rename.get(coef) or settings.label(coef)

    header = [[""] + [f"({i + 1})" for i in range(len(keys))],
              [settings.word("dependent")] + [label(docs[k]["dependent"]) for k in keys],
              [""] + [settings.doc_label(docs[k], k) for k in keys]]
    body: list[list[str]] = []
    for coef in order:
        est_row, se_row = [label(coef)], [""]
        for k in keys:
            row = next((r for r in docs[k]["coefficients"] if r["name"] == coef), None)
            if row is None or row["estimate"] is None:
                est_row.append("")
                se_row.append("")
                continue
            est_row.append(settings.fmt(row["estimate"], statistic="estimate") + settings.stars_for(row["p_value"]))
            se_row.append(f"({settings.fmt(row['std_error'], statistic='std_error')})"
                          if row["std_error"] is not None else "")
        body += [est_row, se_row]
    footer_start = len(body)

    explicit = stats is not None
    for key in (stats if stats is not None else default_stats(docs)):
        if key not in STAT_ROWS:
            raise ConfigError(f"{source}: regression table {name!r}: stats row {key!r} is unknown; choose from "
                              f"{list(STAT_ROWS)}")
        if key == "controls":
            if not settings.show_controls and all_controls:
                body.append([settings.word("controls")]
                            + [settings.word("yes" if controls_of(docs[k]) else "no") for k in keys])
            continue
        if key == "effects":
            body.append([w["entity_effects"]] + [_effect_word(docs[k]["effects"].get("entity"), settings)
                                                 for k in keys])
            body.append([w["time_effects"]] + [_effect_word(docs[k]["effects"].get("time"), settings)
                                               for k in keys])
            continue
        cells = [stat_cells(key, docs[k], settings) for k in keys]
        if not explicit and not any(cells):
            continue
        if key == "clusters":
            dims = {cluster_dimension(docs[k]) for k in keys if cells[keys.index(k)]}
            row_label = w[f"clusters_{dims.pop()}"] if len(dims) == 1 and None not in dims else w["clusters"]
        elif key in ("nobs", "r2_within", "r2"):
            row_label = settings.word(key)
        else:
            row_label = w[key]
        body.append([row_label] + cells)

    # Standard errors in words, columns with the same text grouped: "(1)-(3) clustered by region ...".
    groups: list[tuple[list[int], str]] = []
    for i, k in enumerate(keys):
        text = covariance_words(docs[k], settings)
        if groups and groups[-1][1] == text and groups[-1][0][-1] == i - 1:
            groups[-1][0].append(i)
        else:
            groups.append(([i], text))

    def cols(ix: list[int]) -> str:
        return f"({ix[0] + 1})" if len(ix) == 1 else f"({ix[0] + 1})–({ix[-1] + 1})"

    if len(groups) == 1:
        se_text = groups[0][1]
    else:
        se_text = "; ".join(f"{cols(ix)} {text}" for ix, text in groups)
    end = "。" if settings.language == "zh" else "."
    notes = [settings.word("se_note") + " " + settings.star_note(),
             settings.word("covariance") + (": " if settings.language == "en" else "：") + se_text + end]
    return Table(name=name, title=title, header=header, body=body, notes=notes,
                 rules_before=[footer_start], provenance=provenance or {})
