"""Write the panel stage's outputs: the panel (parquet, CSV, Stata), the imputed-cells table, the
data-quality report (JSON + Markdown) and the report artefacts (coverage table and heatmap).

Everything is computed and validated before the first file is written, and every file is
written atomically, so a failing build leaves the previous outputs untouched. Nothing carries
a timestamp (the Stata header gets a fixed one), so reruns give identical bytes.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.config import Config
from clusternet.data.panel import ID_COLUMNS, PanelBuild
from clusternet.data.schema import validate_imputed
from clusternet.data.sources import load_sources, raw_path
from clusternet.io import atomic_path, write_json, write_text
from clusternet.provenance import provenance

SECTIONS = ["sources", "items", "codebook", "panel"]
STATA_TIMESTAMP = dt.datetime(2000, 1, 1)  # fixed so that the .dta bytes do not depend on the run time


def output_paths(config: Config) -> dict[str, Path]:
    processed, results = config.path_of("processed"), config.path_of("results") / "data"
    return {
        "panel": processed / "panel.parquet",
        "panel_csv": processed / "panel.csv",
        "panel_dta": processed / "panel.dta",
        "imputed": processed / "imputed.parquet",
        "quality_json": results / "quality.json",
        "quality_md": results / "quality.md",
        "coverage_csv": results / "coverage.csv",
        "coverage_png": results / "coverage.png",
        "coverage_pdf": results / "coverage.pdf",
        "coverage_zh": results / "coverage.zh.png",  # the Chinese report's copy (issue 13)
        "artefacts": results / "artefacts.json",
    }


def coverage_table(frame: pd.DataFrame, variables: list, first: int, last: int) -> pd.DataFrame:
    """Share of the 31 provinces with a value, per variable (rows) and year (columns)."""
    share = frame.groupby("year")[variables].agg(lambda s: s.notna().mean()).T
    share = share.reindex(columns=range(first, last + 1))
    share.index.name = "variable"
    share.columns = [str(c) for c in share.columns]
    return share


def spike_outliers(panel: pd.DataFrame, variables: list, ratio: float) -> list[dict]:
    """Cells of positive series more than ``ratio`` times both neighbours (or below both / ratio)."""
    found = []
    for var in variables:
        wide = panel.pivot(index="region_code", columns="year", values=var)
        x = wide.to_numpy(dtype="float64")
        if x.shape[1] < 3:
            continue
        mid, prev, nxt = x[:, 1:-1], x[:, :-2], x[:, 2:]
        with np.errstate(invalid="ignore"):
            positive = (mid > 0) & (prev > 0) & (nxt > 0)
            up = positive & (mid > ratio * prev) & (mid > ratio * nxt)
            down = positive & (mid * ratio < prev) & (mid * ratio < nxt)
        for i, j in zip(*np.nonzero(up | down)):
            found.append({"variable": var, "region_code": int(wide.index[i]), "year": int(wide.columns[j + 1]),
                          "value": float(mid[i, j]), "previous": float(prev[i, j]), "next": float(nxt[i, j])})
    return found


def quality_report(config: Config, build: PanelBuild) -> dict:
    first, last = config.years
    from clusternet.data.user_panel import uses_user_panel

    user = uses_user_panel(config)  # issue 17: the user's own files instead of the public items
    items = [] if user else config.section("items")["items"]
    raw_vars = (list(dict.fromkeys(v for f in build.notes["user_panel"]["files"] for v in f["variables"])) if user
                else list(dict.fromkeys(it["variable"] for it in items)))
    variables = [c for c in build.panel.columns if c not in ID_COLUMNS]
    observed = coverage_table(build.observed, raw_vars, first, last)
    final = coverage_table(build.panel, variables, first, last)
    imputed_counts = build.imputed.groupby(["variable", "method"]).size().rename("cells").reset_index()
    missing_cells = build.panel[variables].isna().sum()
    spike_ratio = config.section("panel")["outliers"]["spike_ratio"]
    by_id = {} if user else {f.id: f for f in load_sources(config)}
    used = sorted({it["source"] for it in items})
    if user:  # the private files by name and hash only (never their location or contents)
        sources = [{"id": f["file"], "sha256": f["sha256"], "format": f["format"], "layout": f["layout"]}
                   for f in build.notes["user_panel"]["files"]]
        prov_inputs, prov_sections = list(build.inputs), [*SECTIONS[2:], "user_panel"]
    else:
        sources = [{"id": sid, "repo": by_id[sid].repo, "commit": by_id[sid].commit, "path": by_id[sid].path,
                    "sha256": by_id[sid].sha256, "url": by_id[sid].url, "licence": by_id[sid].licence}
                   for sid in used]
        prov_inputs, prov_sections = [raw_path(config, by_id[sid]) for sid in used], SECTIONS
    return {
        "years": {"first": first, "last": last},
        "regions": int(build.panel["region_code"].nunique()),
        "rows": len(build.panel),
        "variables": len(variables),
        "coverage_observed": {v: observed.loc[v].to_dict() for v in observed.index},
        "coverage_final": {v: final.loc[v].to_dict() for v in final.index},
        "missing_cells_final": {v: int(missing_cells[v]) for v in variables},
        "imputed": {
            "cells": len(build.imputed),
            "by_variable_and_method": imputed_counts.to_dict(orient="records"),
        },
        "outliers": {"rule": f"positive value > {spike_ratio} x both neighbours or < both / {spike_ratio}",
                     "cells": spike_outliers(build.panel, raw_vars, spike_ratio)},
        "sources": sources,
        "notes": build.notes,
        "provenance": provenance(prov_inputs, config, prov_sections),
    }


def quality_markdown(q: dict, codebook: dict) -> str:
    years = [str(y) for y in range(q["years"]["first"], q["years"]["last"] + 1)]
    lines = [
        "# Data quality report",
        "",
        f"Panel: {q['regions']} provinces x {len(years)} years ({years[0]}-{years[-1]}), "
        f"{q['rows']} rows, {q['variables']} variables. Imputed cells: {q['imputed']['cells']}. "
        f"Outlier cells flagged: {len(q['outliers']['cells'])}.",
        "",
        "## Coverage of the raw variables (share of provinces observed before interpolation)",
        "",
        "| variable | " + " | ".join(years) + " |",
        "|---|" + "---|" * len(years),
    ]
    for var, row in q["coverage_observed"].items():
        lines.append(f"| {var} | " + " | ".join(f"{row[y]:.2f}" if row[y] is not None else "" for y in years) + " |")
    lines += ["", "## Imputed cells", "", "| variable | method | cells |", "|---|---|---|"]
    for r in q["imputed"]["by_variable_and_method"]:
        lines.append(f"| {r['variable']} | {r['method']} | {r['cells']} |")
    lines += ["", f"## Outliers flagged ({q['outliers']['rule']}; values are kept)", "",
              "| variable | region | year | value | previous | next |", "|---|---|---|---|---|---|"]
    for o in q["outliers"]["cells"]:
        lines.append(f"| {o['variable']} | {o['region_code']} | {o['year']} | {o['value']:.6g} | "
                     f"{o['previous']:.6g} | {o['next']:.6g} |")
    lines += ["", "## Implausible cells kept (panel.yaml `plausibility_exceptions`; rules in codebook.yaml)", "",
              "| variable | region | year | value | rule broken | reason |", "|---|---|---|---|---|---|"]
    for c in q["notes"].get("plausibility_exceptions", []):
        lines.append(f"| {c['variable']} | {c['region_code']} | {c['year']} | {c['value']:.6g} | "
                     f"{'; '.join(c['rules'])} | {c['reason']} |".replace("\n", " "))
    lines += ["", "## Cells set to missing before interpolation (panel.yaml `invalidate`)", ""]
    rules: dict = {}
    for c in q["notes"].get("invalidated", []):
        rules.setdefault((c["variable"], c["year"], c["reason"]), []).append(c)
    for (variable, year, reason), cells in rules.items():
        values = ", ".join(f"{c['region_code']}: {c['original_value']}" for c in cells)
        lines.append(f"- {variable} {year}, {len(cells)} province(s) ({values}): {reason}")
    d = q["notes"].get("deflation", {})
    lines += ["", "## Deflation", "",
              f"Money variables are deflated with the provincial `{d.get('price_index')}` chain-linked to "
              f"{d.get('base_year')} = 100; {d.get('national_fallback_cells')} province-years use the national "
              f"CPI ({d.get('national_fallback_source')}).", "",
              "## Rows dropped or ignored", ""]
    for f, n in sorted(q["notes"].get("aggregate_rows_dropped", {}).items()):
        lines.append(f"- {f}: {n} aggregate rows (national total / macro-regions) dropped")
    for f, rows in sorted(q["notes"].get("ignored_rows", {}).items()):
        lines.append(f"- {f}: rows {rows} outside the table (no region, no year) ignored")
    lines += ["", "## Sources", "", "| id | file | commit | sha256 | licence |", "|---|---|---|---|---|"]
    for s in q["sources"]:
        if "repo" not in s:  # a user's own file (issue 17): name, layout and hash only
            lines.append(f"| {s['id']} | user file ({s['format']}, {s['layout']}) | - | {s['sha256'][:16]}... | - |")
            continue
        lines.append(f"| {s['id']} | {s['repo']} `{s['path']}` | {s['commit'][:10]} | {s['sha256'][:16]}... | "
                     f"{s['licence']} |")
    return "\n".join(lines) + "\n"


def stata_labels(codebook: dict, variables: list) -> dict:
    labels = {"region_code": "GB/T 2260 province code", "year": "Year", "region_zh": "Province (Chinese)",
              "region_en": "Province (English)", "group": "NBS region group"}
    for v in variables:
        entry = codebook[v]
        labels[v] = f"{entry['label_en']} [{entry['unit']}]"[:80]
    return labels


def coverage_figure(coverage: pd.DataFrame, path_png: Path, path_pdf: Path, prov: dict,
                    path_zh: Path | None = None) -> None:
    """Heatmap of the coverage table, saved as PNG and PDF (``plotting.save`` closes the figure,
    so it is drawn once per format) and, with ``path_zh``, as a PNG with Chinese words."""
    from clusternet import plotting
    from clusternet.figure_words import words

    plotting.setup()
    import matplotlib.pyplot as plt

    for path, lang in ((path_png, "en"), (path_pdf, "en"), (path_zh, "zh")):
        if path is None:
            continue
        fig, ax = plt.subplots(figsize=(7.5, max(4.0, 0.13 * len(coverage))))
        im = ax.imshow(coverage.to_numpy(dtype=float), aspect="auto", cmap="viridis", vmin=0, vmax=1,
                       interpolation="nearest")
        ax.set_xticks(range(coverage.shape[1]), coverage.columns, rotation=90)
        ax.set_yticks(range(coverage.shape[0]), coverage.index, fontsize=5)
        ax.set_title(words(lang, "data")["coverage_title"])
        fig.colorbar(im, ax=ax, fraction=0.04)
        plotting.save(fig, path, prov)


def write_outputs(config: Config, build: PanelBuild) -> dict[str, Path]:
    from clusternet.artefacts import artefact, write_artefacts

    paths = output_paths(config)
    codebook = config.section("codebook")["variables"]
    variables = [c for c in build.panel.columns if c not in ID_COLUMNS]
    validate_imputed(build.imputed, variables)
    quality = quality_report(config, build)
    markdown = quality_markdown(quality, codebook)
    first, last = config.years
    raw_vars = list(quality["coverage_observed"])
    coverage = coverage_table(build.observed, raw_vars, first, last)
    labels = stata_labels(codebook, variables)
    prov = quality["provenance"]

    with atomic_path(paths["panel"]) as tmp:
        build.panel.to_parquet(tmp, index=False)
    with atomic_path(paths["imputed"]) as tmp:
        build.imputed.to_parquet(tmp, index=False)
    with atomic_path(paths["panel_csv"]) as tmp:
        build.panel.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    with atomic_path(paths["panel_dta"]) as tmp:
        build.panel.to_stata(tmp, write_index=False, version=118, variable_labels=labels,
                             data_label="clusternet provincial panel", time_stamp=STATA_TIMESTAMP)
    with atomic_path(paths["coverage_csv"]) as tmp:
        coverage.round(4).to_csv(tmp, encoding="utf-8", lineterminator="\n")
    coverage_figure(coverage, paths["coverage_png"], paths["coverage_pdf"], prov, paths["coverage_zh"])
    write_json(paths["quality_json"], quality)
    write_text(paths["quality_md"], markdown)
    write_artefacts(paths["artefacts"], "data", "Data: coverage of the provincial panel", "数据：省级面板覆盖情况", [
        artefact("table", paths["coverage_csv"], "Coverage of raw variables by year", "原始变量逐年覆盖率",
                 "Share of the 31 provinces with an observed value before interpolation.",
                 "插值前有观测值的省份占31个省份的比例。"),
        artefact("figure", paths["coverage_png"], "Coverage heatmap", "覆盖率热图",
                 "Share of provinces observed per variable and year (before interpolation).",
                 "各变量各年份有观测值的省份比例（插值前）。", path_zh=paths["coverage_zh"]),
    ])
    return paths
