"""The three spatial pipeline stages: ``weights``, ``spatial-explore``, ``spatial-models``.

Directory outputs (``data/interim/weights``, ``results/spatial/models``) are built in a
temporary sibling and swapped in only when everything succeeded, so a failed run leaves
no partial or stale mix of files.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError
from clusternet.io import atomic_path
from clusternet.provenance import provenance
from clusternet.results import validate_result, write_result

SECTION = "spatial"


@contextlib.contextmanager
def rebuilt_directory(target: Path):
    """Yield a fresh temporary directory that replaces ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private
    try:
        yield tmp
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def weights_dir(config) -> Path:
    return config.path_of("interim") / "weights"


def _panel(config) -> tuple[pd.DataFrame, list[Path]]:
    path = config.path_of("processed") / "panel.parquet"
    if not path.exists():
        raise DataError(f"{path} does not exist; run `clusternet panel` first")
    return pd.read_parquet(path), [path]


def run_weights(config) -> list[Path]:
    """Build every weights matrix of config/spatial.yaml into data/interim/weights/."""
    from clusternet.spatial.weights import build_weights

    section = config.section(SECTION)
    specs = section["weights"]
    needs_panel = any(s["type"] in ("economic", "nested") for s in specs.values())
    panel, inputs = _panel(config) if needs_panel else (None, [])
    written = []
    with rebuilt_directory(weights_dir(config)) as tmp:
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
    with rebuilt_directory(fig_dir) as tmp_fig:
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
                    for ext in ("png", "pdf"):
                        plots.save(fn(var, int(year), W, sub.to_numpy(), loc, m), tmp_fig / f"{kind}_{stem}.{ext}",
                                   prov)
                    items.append(artefact("figure", fig_dir / f"{kind}_{stem}.png", f"{title}: {var}, {int(year)}",
                                          caption_en=f"Weights {ex['weights']}; {perms} permutations; "
                                                     f"alpha {alpha}."))
    if not rows:
        raise DataError(f"no variable/year of explore.variables has complete data for all {W.n} regions")
    table = pd.DataFrame(rows)
    with atomic_path(out_dir / "moran.csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.10g")
    items.insert(0, artefact("table", out_dir / "moran.csv", "Global Moran's I and Geary's C by year",
                             "全局莫兰指数与吉尔里指数",
                             caption_en="Analytic (normality, randomisation) and permutation p-values."
                             + (f" Skipped (incomplete data): {skipped}." if skipped else "")))
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


def run_models(config) -> list[Path]:
    """Fit every spatial specification -> results/spatial/models/<name>.json."""
    from clusternet.data.analysis import load_analysis_panel, select_sample
    from clusternet.spatial.estimators import fit_spec, result_document
    from clusternet.spatial.models import lr_test

    data, inputs = load_analysis_panel(config)
    out_dir = config.path_of("results") / "spatial" / "models"
    written = []
    with rebuilt_directory(out_dir) as tmp:
        for spec in model_specs(config):
            W = _load_weights(config, spec["weights"])
            sample = select_sample(data, spec)
            res, panel, impacts, tests, _ = fit_spec(sample, spec, weights=W)
            extra_tests = []
            if spec["model"] == "sdm" and spec.get("compare", True):
                for restricted in ("sar", "sem"):
                    r, *_ = fit_spec(sample, dict(spec, model=restricted), weights=W)
                    extra_tests.append(lr_test(f"lr_sdm_vs_{restricted}", res, r, df=res.k_x))
            doc = result_document(res, spec, impacts, tests, W, extra_tests)
            doc["provenance"] = provenance(list(inputs) + [weights_dir(config) / f"{spec['weights']}.npz"], config,
                                           sections=[SECTION])
            validate_result(doc, f"spatial specification {spec['name']!r}")
            write_result(tmp / f"{spec['name']}.json", doc)
            written.append(out_dir / f"{spec['name']}.json")
    return written
