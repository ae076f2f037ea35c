"""The three spatial pipeline stages: ``weights``, ``spatial-explore``, ``spatial-models``.

Directory outputs (``data/interim/weights``, ``results/spatial/models``) are built in a
temporary sibling and swapped in only when everything succeeded, so a failed run leaves
no partial or stale mix of files.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError
from clusternet.io import atomic_directory, atomic_path, read_region_year_table
from clusternet.provenance import provenance
from clusternet.results import write_result

SECTION = "spatial"


def weights_dir(config) -> Path:
    return config.path_of("interim") / "weights"


def _panel(config) -> tuple[pd.DataFrame, list[Path]]:
    path = config.path_of("processed") / "panel.parquet"
    return read_region_year_table(path, "panel (clusternet panel)"), [path]  # hashed as read (clusternet.reads)


def run_weights(config) -> list[Path]:
    """Build every weights matrix of config/spatial.yaml into data/interim/weights/."""
    from clusternet.spatial.weights import build_weights

    section = config.section(SECTION)
    specs = section["weights"]
    needs_panel = any(s["type"] in ("economic", "nested") for s in specs.values())
    panel, inputs = _panel(config) if needs_panel else (None, [])
    written = []
    with atomic_directory(weights_dir(config)) as tmp:
        for name, spec in specs.items():
            w = build_weights(name, spec, panel=panel)
            w.meta["provenance"] = provenance(inputs if spec["type"] in ("economic", "nested") else [], config,
                                             sections=[SECTION])
            w.save(tmp / f"{name}.npz")
            written.append(weights_dir(config) / f"{name}.npz")
    return written


def _load_weights(config, name: str):
    from clusternet.spatial.weights import load_weights

    section = config.section(SECTION)
    if name not in section["weights"]:
        raise ConfigError(f"{config.section_file(SECTION)}: weights {name!r} is not declared under `weights:` "
                          f"(declared: {', '.join(section['weights'])})")
    return load_weights(weights_dir(config) / f"{name}.npz")


def run_explore(config) -> None:
    """Moran's I / Geary's C per variable and year, Moran scatter plots, LISA maps, artefacts.json."""
    from clusternet.artefacts import artefact, write_artefacts
    from clusternet.data.analysis import load_analysis_panel
    from clusternet.spatial import explore, plots

    section = config.section(SECTION)
    ex = section.get("explore")
    if not ex:
        raise ConfigError(f"{config.section_file(SECTION)}: no `explore:` block")
    W = _load_weights(config, ex["weights"])
    data, inputs = load_analysis_panel(config)
    inputs = list(inputs) + [weights_dir(config) / f"{ex['weights']}.npz"]
    prov = provenance(inputs, config, sections=[SECTION])
    missing = [v for v in ex["variables"] if v not in data.columns]
    if missing:
        raise ConfigError(f"{config.section_file(SECTION)}: explore.variables {missing} are not in the analysis data")
    perms = int(ex.get("permutations", 999))
    alpha = float(ex.get("alpha", 0.05))
    out_dir = config.path_of("results") / "spatial"
    fig_dir = out_dir / "figures"
    rows, items, skipped = [], [], []
    with atomic_directory(fig_dir) as tmp_fig:
        for v_i, var in enumerate(ex["variables"]):
            for year in sorted(data["year"].unique()):
                sub = data[data["year"] == year].set_index("region_code")[var].reindex(W.ids)
                if sub.isna().any():
                    skipped.append((var, int(year)))
                    continue
                seed = int(np.random.SeedSequence([config.seed, v_i, int(year)]).generate_state(1)[0])
                m = explore.moran(sub.to_numpy(), W.matrix, perms, seed)
                g = explore.geary(sub.to_numpy(), W.matrix, perms, seed)
                rows.append({"variable": var, "year": int(year), "weights": ex["weights"], "n": len(sub),
                             "moran_I": m["I"], "moran_EI": m["EI"], "moran_z_norm": m["z_norm"],
                             "moran_p_norm": m["p_norm"], "moran_z_rand": m["z_rand"], "moran_p_rand": m["p_rand"],
                             "moran_p_sim": m.get("p_sim"), "geary_C": g["C"], "geary_z_norm": g["z_norm"],
                             "geary_p_norm": g["p_norm"], "geary_z_rand": g["z_rand"], "geary_p_rand": g["p_rand"],
                             "geary_p_sim": g.get("p_sim")})
                if int(year) not in ex.get("map_years", []):
                    continue
                loc = explore.local_moran(sub.to_numpy(), W.matrix, perms, seed, alpha)
                stem = f"{var}_{int(year)}"
                for kind, fn, title in (("moran_scatter", plots.moran_scatter, "Moran scatter plot"),
                                        ("lisa", plots.lisa_map, "LISA cluster map")):
                    # drawn once, saved in both formats; the Chinese report's copy (issue 13) as PNG only
                    plots.save_formats(fn(var, int(year), W, sub.to_numpy(), loc, m), tmp_fig / f"{kind}_{stem}",
                                       prov)
                    plots.save_formats(fn(var, int(year), W, sub.to_numpy(), loc, m, lang="zh"),
                                       tmp_fig / f"{kind}_{stem}.zh", prov, formats=("png",))
                    items.append(artefact("figure", fig_dir / f"{kind}_{stem}.png", f"{title}: {var}, {int(year)}",
                                          path_zh=fig_dir / f"{kind}_{stem}.zh.png",
                                          caption_en=f"Weights {ex['weights']}; {perms} permutations; "
                                                     f"alpha {alpha}.", key=kind,
                                          params={"variable": var, "year": int(year), "weights": ex["weights"],
                                                  "permutations": perms, "alpha": alpha}))
    if not rows:
        raise DataError(f"no variable/year of explore.variables has complete data for all {W.n} regions")
    table = pd.DataFrame(rows)
    with atomic_path(out_dir / "moran.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.10g")
    items.insert(0, artefact("table", out_dir / "moran.csv", "Global Moran's I and Geary's C by year",
                             "全局莫兰指数与吉尔里指数",
                             caption_en="Analytic (normality, randomisation) and permutation p-values."
                             + (f" Skipped (incomplete data): {skipped}." if skipped else ""),
                             caption_zh="p 值：解析法（正态性、随机化假设）与置换检验。"
                             + (f"{len(skipped)} 个变量-年份因数据不完整而略去。" if skipped else "")))
    write_artefacts(out_dir / "artefacts.json", "spatial", "Spatial analysis", "空间分析", items)


def model_specs(config) -> list[dict]:
    section = config.section(SECTION).get("models") or {}
    defaults = section.get("defaults", {})
    specs = []
    for spec in section.get("specifications", []):
        out = dict(spec)
        for key in ("weights", "effects", "sample", "options", "ci_level"):
            if key not in out and key in defaults:
                out[key] = defaults[key]
        out["seed"] = config.seed
        specs.append(out)
    names = [s["name"] for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"{config.section_file(SECTION)}: duplicate specification names {dup}")
    return specs


def run_spatial_models(config) -> list[Path]:
    """Fit every spatial specification -> results/spatial/models/<name>.json (holding the
    ``spatial-models`` results lock exclusively, :func:`clusternet.reads.results_lock`)."""
    from clusternet.reads import results_lock

    with results_lock(config.path_of("results"), exclusive=["spatial-models"]):
        return _run_spatial_models(config)


def _run_spatial_models(config) -> list[Path]:
    from clusternet.data.analysis import load_analysis_panel
    from clusternet.models.runner import fit_specification

    data, inputs = load_analysis_panel(config)
    out_dir = config.path_of("results") / "spatial" / "models"
    written = []
    with atomic_directory(out_dir) as tmp:
        for spec in model_specs(config):
            # the same code path as `clusternet fit --model <spatial model>` (models/runner.py)
            doc = fit_specification(data, spec, inputs=list(inputs) + [weights_dir(config) / f"{spec['weights']}.npz"],
                                    config=config, section=SECTION, weights=_load_weights(config, spec["weights"]))
            write_result(tmp / f"{spec['name']}.json", doc)
            written.append(out_dir / f"{spec['name']}.json")
    return written
