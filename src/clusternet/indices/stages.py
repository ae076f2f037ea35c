"""The `indices` and `disparity` pipeline stages: read the panel, compute, write outputs.

Output paths are fixed (the Snakemake rules and dvc.yaml list them); every file is
written atomically and deterministically (sorted rows, no timestamps).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.config import Config
from clusternet.errors import ConfigError, DataError
from clusternet.figure_words import zh_path
from clusternet.indices import agglomeration, disparity, dynamics, figures
from clusternet.indices.composite import IndexOptions, compute_index, rank_table, spearman_matrix
from clusternet.indices.system import Node, parse_system
from clusternet.io import atomic_path, read_region_year_table
from clusternet.plotting import save
from clusternet.provenance import provenance
from clusternet.artefacts import artefact, write_artefacts
from clusternet.results import coefficient_table, make_result, write_result

SECTIONS = ["indicators", "codebook"]


def panel_path(cfg: Config) -> Path:
    return cfg.path_of("processed") / "panel.parquet"


def indices_path(cfg: Config) -> Path:
    return cfg.path_of("processed") / "indices.parquet"


def codebook_labels(cfg: Config) -> dict[str, tuple[str, str]]:
    """variable -> (label_en, label_zh) from config/codebook.yaml (empty if no codebook section)."""
    if "codebook" not in cfg.main.get("sections", {}):
        return {}
    variables = cfg.section("codebook").get("variables", {})
    return {k: (v.get("label_en", k), v.get("label_zh", v.get("label_en", k))) for k, v in variables.items()}


def options_from(spec: dict) -> IndexOptions:
    return IndexOptions(
        normalisation=spec.get("normalisation", "minmax_panel"),
        aggregation=spec.get("aggregation", "hierarchical"),
        scope=spec.get("weights_scope", "panel"),
        entropy_zero=spec.get("entropy", {}).get("zero", "limit"),
        entropy_shift=float(spec.get("entropy", {}).get("shift", 1e-4)),
        variance_share=float(spec.get("pca", {}).get("variance_share", 0.85)),
        missing=spec.get("missing", "error"),
        constant_indicators=spec.get("constant_indicators", "error"),
    )


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g")


def _labels_of(system: Node) -> dict:
    """item -> (label_en, label_zh) for every node and indicator of the tree."""
    out = {}

    def walk(node: Node):
        out[node.key] = (node.label_en, node.label_zh)
        for c in node.children:
            if isinstance(c, Node):
                walk(c)
            else:
                out[c.variable] = (c.label_en, c.label_zh)

    walk(system)
    return out


def compute_indices(cfg: Config, panel: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, Node]:
    """(indices table, weights table, index tree) for the configured indicator system."""
    spec = cfg.section("indicators")
    source = str(cfg.section_file("indicators"))
    idx = spec["index"]
    system = parse_system(idx, source, codebook_labels(cfg))
    options = options_from(idx)
    methods = list(idx.get("methods", ["entropy"]))
    default = idx.get("default_method", methods[0])
    if default not in methods:
        raise ConfigError(f"{source}: index.default_method {default!r} is not listed in index.methods {methods}")
    name = system.key
    out = panel[["region_code", "year"]].copy()
    weights = []
    dropped: list[str] = []
    for method in methods:
        res = compute_index(panel, system, method, options, source)
        weights.append(res.weights)
        dropped += [d for d in res.dropped if d not in dropped]
        for col in res.scores.columns:
            base = name if col == "overall" else f"{name}_{col}"
            out[f"{base}__{method}"] = res.scores[col].to_numpy()
            if method == default:
                out[base] = res.scores[col].to_numpy()
    front = [c for c in out.columns if "__" not in c]
    out = out[front + [c for c in out.columns if "__" in c]]
    w = pd.concat(weights, ignore_index=True)
    labels = _labels_of(system)
    w["label_en"] = [labels.get(i, (i, i))[0] for i in w["item"]]
    w["label_zh"] = [labels.get(i, (i, i))[1] for i in w["item"]]
    w["year"] = w["year"].astype("Int64").where(w["year"] >= 0, pd.NA)
    for lq in spec.get("agglomeration", {}).get("location_quotients", []):
        out[f"lq_{lq['name']}"] = agglomeration.location_quotient(
            panel, lq["numerator"], lq["denominator"], f"agglomeration.location_quotients[{lq['name']}]").to_numpy()
    for d in dropped:
        print(f"clusternet indices: warning: {d}; dropped (weight 0) by index.constant_indicators: drop",
              file=sys.stderr)
    w.attrs["dropped_indicators"] = dropped  # shown in the weights table's caption (run_indices)
    return out, w, system


def run_indices(cfg: Config) -> list[Path]:
    spec = cfg.section("indicators")
    panel_file = panel_path(cfg)
    panel = read_region_year_table(panel_file, "panel (clusternet panel)")
    table, weights, system = compute_indices(cfg, panel)
    name = system.key
    res_dir = cfg.path_of("results") / "indices"
    prov = provenance([panel_file], cfg, SECTIONS)
    written = []

    target = indices_path(cfg)
    with atomic_path(target) as tmp:
        table.to_parquet(tmp, index=False)
    written.append(target)

    methods = [c.split("__")[1] for c in table.columns if c.startswith(f"{name}__")]
    corr = spearman_matrix(table[[f"{name}__{m}" for m in methods]])
    corr.index = corr.columns = methods
    paths = {k: res_dir / f"{k}.csv" for k in ("weights", "rank_correlation", "ranks", "group_means",
                                                "concentration")}
    _write_csv(weights, paths["weights"])
    _write_csv(corr.rename_axis("method").reset_index(), paths["rank_correlation"])
    ranks = rank_table(table, name)
    regions = panel.drop_duplicates("region_code").set_index("region_code")
    for col in ("region_en", "region_zh"):
        if col in regions.columns:
            ranks.insert(1, col, ranks["region_code"].map(regions[col]).to_numpy())
    _write_csv(ranks, paths["ranks"])
    if "group" not in panel.columns:
        raise DataError(f"{panel_file}: column 'group' is missing (region groups East/Central/West/Northeast)")
    means = (table.assign(group=panel["group"].to_numpy()).dropna(subset=[name])
             .groupby(["year", "group"])[name].mean().rename("mean").reset_index())
    _write_csv(means, paths["group_means"])
    conc = []
    for lq in spec.get("agglomeration", {}).get("location_quotients", []):
        c = agglomeration.concentration(panel, lq["numerator"], lq["denominator"],
                                        spec["agglomeration"].get("concentration", ["hhi", "hoover"]),
                                        f"agglomeration.location_quotients[{lq['name']}]")
        conc.append(c.assign(measure_of=lq["name"])[["measure_of"] + list(c.columns)])
    concentration = pd.concat(conc, ignore_index=True) if conc else pd.DataFrame(columns=["measure_of", "year"])
    _write_csv(concentration, paths["concentration"])
    trend_png, trend_pdf = res_dir / "group_trend.png", res_dir / "group_trend.pdf"
    for p in (trend_png, trend_pdf):
        save(figures.group_trend_figure(means, f"{system.label_en} / {system.label_zh}"), p, prov)
    trend_zh = zh_path(trend_png)  # the Chinese report's copy (issue 13)
    save(figures.group_trend_figure(means, system.label_zh, lang="zh"), trend_zh, prov)
    written += list(paths.values()) + [trend_png, trend_pdf, trend_zh]

    items = [
        artefact("table", paths["weights"], "Indicator and dimension weights by method", "各方法指标与维度权重",
                 "weight: local weight within its node; global_weight: product of weights from the index down."
                 + "".join(f" Warning: {d}; dropped (weight 0, index.constant_indicators: drop)."
                           for d in weights.attrs.get("dropped_indicators", []))),
        artefact("table", paths["rank_correlation"], f"Spearman rank correlation of {name} across weighting methods",
                 "不同赋权方法指数的Spearman秩相关系数", "Pooled over all region-years."),
        artefact("table", paths["ranks"], f"Ranks of {name} by year (1 = highest)", "各年份指数排名"),
        artefact("table", paths["group_means"], f"Mean {name} by region group and year", "分地区组指数均值"),
        artefact("table", paths["concentration"], "Concentration of the digital industry across provinces",
                 "数字产业空间集中度", "HHI of regional shares and Hoover coefficient of localisation."),
        artefact("figure", trend_png, f"{system.label_en} by region group", f"{system.label_zh}分区域变化",
                 path_zh=trend_zh),
    ]
    art = res_dir / "artefacts.json"
    write_artefacts(art, "indices", "Digital industry cluster indices", "数字产业集群指数", items)
    return written + [art]


def _beta_document(res: dynamics.BetaResult, variable: str, spec: dict, prov: dict) -> dict:
    # t(G - 1) for inference with clustered SEs, as Stata's vce(cluster); R's coeftest would use N - K.
    coefs = coefficient_table(res.names, res.params, res.std_errors, df_resid=res.n_entities - 1)
    return make_result(
        model=f"convergence.beta_{res.kind}", label=f"{res.kind} beta-convergence of {variable}",
        dependent=f"growth of {variable}", coefficients=coefs,
        covariance={"type": "clustered", "options": {"cluster": "region_code", "small_sample": "G/(G-1)*(N-1)/(N-K)"},
                    "n_clusters": res.n_entities},
        nobs=res.nobs, n_entities=res.n_entities, n_periods=res.n_periods,
        effects={"entity": res.kind == "conditional", "time": res.kind == "conditional"},
        fit={"r2": res.r2, "beta": res.beta, "speed": res.speed, "half_life": res.half_life,
             "df_resid": res.df_resid},
        spec=spec, provenance=prov)


def spatial_weights(codes: list[int], k: int) -> np.ndarray:
    """Row-standardised kNN weights in ``codes`` order: each province's k nearest provinces by
    great-circle distance between centroids (``clusternet.spatial.weights``, type ``knn``; ties
    broken by region code). kNN rather than contiguity because Hainan has no land neighbour."""
    from clusternet.spatial.weights import build_weights

    if k >= len(codes):
        raise ConfigError(f"config/indicators.yaml: disparity.markov.knn is {k}, but there are only "
                          f"{len(codes)} regions; use fewer neighbours")
    return build_weights("disparity.markov", {"type": "knn", "k": k}, codes).matrix.toarray()


def run_disparity(cfg: Config) -> list[Path]:
    spec = cfg.section("indicators")
    dspec = spec.get("disparity", {})
    idx_file, panel_file = indices_path(cfg), panel_path(cfg)
    table = read_region_year_table(idx_file, "indices (clusternet indices)")
    panel = read_region_year_table(panel_file, "panel (clusternet panel)")
    if "group" not in panel.columns:
        raise DataError(f"{panel_file}: column 'group' is missing (region groups East/Central/West/Northeast)")
    conv = dspec.get("convergence", {})
    controls = list(conv.get("controls", []))
    extra = [c for c in ["group"] + controls if c not in table.columns]
    df = table.merge(panel[["region_code", "year"] + extra], on=["region_code", "year"], how="left",
                     validate="one_to_one")
    variables = list(dspec.get("variables", [spec["index"]["name"]]))
    for v in variables:
        if v not in df.columns:
            raise ConfigError(f"{cfg.section_file('indicators')}: disparity.variables: {v!r} is not a column of "
                              f"{idx_file}")
    res_dir = cfg.path_of("results") / "disparity"
    prov = provenance([idx_file, panel_file], cfg, SECTIONS)
    transform = conv.get("transform", "log")
    markov = dspec.get("markov", {})
    k = int(markov.get("classes", 4))
    kde = dspec.get("kernel_density", {})

    dagum_t, theil_t, sigma_t, beta_t, markov_t, smarkov_t = [], [], [], [], [], []
    W = spatial_weights(sorted(df["region_code"].unique()), int(markov.get("knn", 4))) \
        if markov.get("spatial", True) else None
    beta_docs = {}
    for v in variables:
        # Years in which the index is missing (index.missing: complete_years) are left out.
        d = df.dropna(subset=[v])
        dg, th = disparity.by_year(d, v)
        dagum_t.append(dg.assign(variable=v))
        theil_t.append(th.assign(variable=v))
        sigma_t.append(dynamics.sigma_convergence(d, v).assign(variable=v))
        for kind in ("absolute", "conditional"):
            r = dynamics.beta_convergence(d, v, kind, transform, controls)
            beta_t.append({"variable": v, "kind": kind, "beta": r.beta,
                           "std_error": float(r.std_errors[r.names.index("initial")]),
                           "speed": r.speed, "half_life": r.half_life, "nobs": r.nobs, "r2": r.r2})
            if v == variables[0]:
                beta_docs[kind] = _beta_document(r, v, {"variable": v, "kind": kind, "transform": transform,
                                                         "controls": controls}, prov)
        counts, probs, bounds = dynamics.markov_matrix(d, v, k)
        markov_t.append(_markov_long(v, None, counts, probs).assign(
            from_class_upper_bound=lambda t, bounds=bounds: bounds[t["from_class"] - 1]))
        if W is not None:
            sc, sp = dynamics.spatial_markov(d, v, W, k)
            for lag in range(k):
                smarkov_t.append(_markov_long(v, lag + 1, sc[lag], sp[lag]))
    out = {
        "dagum": _front(pd.concat(dagum_t, ignore_index=True)),
        "theil": _front(pd.concat(theil_t, ignore_index=True)),
        "sigma": _front(pd.concat(sigma_t, ignore_index=True)),
        "convergence": pd.DataFrame(beta_t),
        "markov": pd.concat(markov_t, ignore_index=True),
        "spatial_markov": (pd.concat(smarkov_t, ignore_index=True) if smarkov_t
                           else pd.DataFrame(columns=["variable", "lag_class", "from_class", "to_class"])),
    }
    written = []
    for key, frame in out.items():
        _write_csv(frame, res_dir / f"{key}.csv")
        written.append(res_dir / f"{key}.csv")
    for kind, doc in beta_docs.items():
        write_result(res_dir / f"beta_{kind}.json", doc)
        written.append(res_dir / f"beta_{kind}.json")
    dens = figures.kernel_densities(df.dropna(subset=[variables[0]]), variables[0], int(kde.get("points", 200)),
                                    kde.get("bandwidth", "scott"))
    _write_csv(dens, res_dir / "kde.csv")
    for suffix in ("png", "pdf"):
        save(figures.kde_figure(dens, variables[0]), res_dir / f"kde.{suffix}", prov)
    save(figures.kde_figure(dens, variables[0], lang="zh"), res_dir / "kde.zh.png", prov)  # issue 13
    written += [res_dir / "kde.csv", res_dir / "kde.png", res_dir / "kde.pdf", res_dir / "kde.zh.png"]
    v0 = variables[0]
    items = [
        artefact("table", res_dir / "dagum.csv", "Dagum Gini decomposition by year", "Dagum基尼系数及其分解",
                 "within + between (net) + transvariation = gini; groups East/Central/West/Northeast."),
        artefact("table", res_dir / "theil.csv", "Theil index with within/between decomposition", "泰尔指数及其分解"),
        artefact("table", res_dir / "sigma.csv", "Sigma-convergence: dispersion by year", "σ收敛"),
        artefact("table", res_dir / "convergence.csv", "Beta-convergence (absolute: pooled OLS; conditional: "
                 "two-way FE; SE clustered by region)", "β收敛（绝对与条件）"),
        artefact("table", res_dir / "markov.csv", f"Markov transition probabilities of {k} quantile classes",
                 "马尔可夫转移概率矩阵"),
        artefact("table", res_dir / "spatial_markov.csv", "Spatial Markov transition probabilities by lag class",
                 "空间马尔可夫转移概率矩阵"),
        artefact("figure", res_dir / "kde.png", f"Kernel density evolution of {v0}", f"{v0}核密度演进",
                 key="kde", params={"variable": v0}, path_zh=res_dir / "kde.zh.png"),
    ]
    art = res_dir / "artefacts.json"
    write_artefacts(art, "disparity", "Regional disparity and dynamics", "区域差异与动态演进", items)
    return written + [art]


def _front(df: pd.DataFrame) -> pd.DataFrame:
    return df[["variable"] + [c for c in df.columns if c != "variable"]]


def _markov_long(variable, lag_class, counts, probs) -> pd.DataFrame:
    k = counts.shape[0]
    a, b = np.meshgrid(np.arange(1, k + 1), np.arange(1, k + 1), indexing="ij")
    return pd.DataFrame({"variable": variable, "lag_class": lag_class, "from_class": a.ravel(),
                         "to_class": b.ravel(), "count": counts.ravel(), "probability": probs.ravel()})
