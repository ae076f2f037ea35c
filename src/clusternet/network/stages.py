"""The `network` and `qap` pipeline stages: read inputs, compute, write outputs.

Output paths are fixed (workflow/rules/network.smk and dvc.yaml list them);
every file is written atomically, rows sorted, no timestamps.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.config import Config
from clusternet.data import regions
from clusternet.errors import ConfigError, DataError
from clusternet.io import atomic_path, read_region_year_table, write_json
from clusternet.network import build, figures, formation
from clusternet.network.gravity import GravitySpec
from clusternet.plotting import save
from clusternet.provenance import provenance
from clusternet.artefacts import artefact, write_artefacts
from clusternet.results import coefficient_table, make_result, validate_result

SECTIONS = ["network"]


def paths(cfg: Config) -> dict[str, Path]:
    processed, results = cfg.path_of("processed"), cfg.path_of("results")
    return {
        "panel": processed / "panel.parquet",
        "indices": processed / "indices.parquet",
        "nodes": processed / "network_nodes.parquet",
        "level": processed / "network_level.parquet",
        "edges": processed / "network_edges.parquet",
        "results": results / "network",
        "qap_artefacts": results / "qap" / "artefacts.json",
    }


def write_csv(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False, lineterminator="\n", float_format="%.10g")


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False)


def geography(nodes: list[int]) -> dict:
    """Great-circle distances (km), queen contiguity, centroids (lon, lat) and a base-map
    drawer over ``nodes`` from :mod:`clusternet.data.geo`."""
    from clusternet.data import geo

    cent = geo.centroids(nodes)
    return {
        "great_circle": geo.great_circle_km(nodes),
        "contiguity": geo.contiguity("queen", nodes),
        "lonlat": cent[["lon", "lat"]].to_numpy(dtype=float),
        "draw_boundaries": lambda ax: figures.draw_boundaries(ax, [geo.principal_landmass(c) for c in nodes]),
    }


def analysis_years(cfg: Config) -> list[int]:
    first, last = cfg.years
    return list(range(first, last + 1))


def make_networks(cfg: Config, section: dict, panel: pd.DataFrame, geo: dict | None) -> list:
    nodes = regions.codes()
    years = analysis_years(cfg)
    binary = build.binary_options(section)
    if section["source"] == "edges":
        path = section.get("edges", {}).get("path")
        if not path:
            raise ConfigError(f"{cfg.section_file('network')}: source is edges but edges.path is not set")
        return build.observed_networks(path, nodes, years, binary)
    spec = GravitySpec.from_config(section["gravity"], f"{cfg.section_file('network')}: gravity")
    distance = geo["great_circle"] if geo is not None else None
    return build.gravity_networks(panel, spec, nodes, years, distance, binary)


def run_network(cfg: Config) -> list[Path]:
    section = cfg.section("network")
    formation.circularity(section)  # fail early: the qap stage would refuse this config
    p = paths(cfg)
    panel = read_region_year_table(p["panel"], "panel (clusternet panel)")
    geo = geography(regions.codes())
    networks = make_networks(cfg, section, panel, geo)
    node_df, level_df = build.metric_tables(networks, cfg.seed, section)
    validity = build.validity_table(node_df, panel, section)
    edges = pd.concat([net.to_edges() for net in networks], ignore_index=True)
    inputs = [cfg.path, cfg.section_file("network"), p["panel"]]
    if section["source"] == "edges":
        inputs.append(Path(section["edges"]["path"]))
    prov = provenance(inputs, cfg, SECTIONS)
    out_dir = p["results"]
    written = []
    write_parquet(node_df, p["nodes"])
    write_parquet(level_df, p["level"])
    write_parquet(edges, p["edges"])
    written += [p["nodes"], p["level"], p["edges"]]
    write_csv(level_df, out_dir / "network_level.csv")
    write_csv(validity, out_dir / "validity.csv")
    written += [out_dir / "network_level.csv", out_dir / "validity.csv"]
    summary = {
        "kind": "network", "source": section["source"], "years": analysis_years(cfg),
        "nodes": regions.codes(), "config": section, "provenance": prov,
        "node_metrics": [c for c in node_df.columns if c.startswith(build.NODE_PREFIX)],
        "network_level": level_df.to_dict(orient="records"),
        "validity": validity.to_dict(orient="records"),
        "note": ("The gravity network is constructed from regional masses and distances; it models potential "
                 "linkages, not observed collaboration. See validity for how its strengths track observed "
                 "technology-market flows." if section["source"] == "gravity" else "Observed edge list."),
    }
    write_json(out_dir / "network.json", summary)
    written.append(out_dir / "network.json")
    fig_years = [y for y in section["figures"]["map_years"] if y in analysis_years(cfg)] or [analysis_years(cfg)[-1]]
    labels = [regions.by_code()[c].name_en for c in regions.codes()]
    fig = figures.network_maps(networks, fig_years, geo["lonlat"], ties=section["figures"]["map_ties"],
                               draw_boundaries=geo["draw_boundaries"], labels=labels)
    save_both(fig, out_dir / "maps", prov)
    fig = figures.distributions(node_df, fig_years)
    save_both(fig, out_dir / "distributions", prov)
    written += [out_dir / f"{stem}.{ext}" for stem in ("maps", "distributions") for ext in ("png", "pdf")]
    items = [
        artefact("table", out_dir / "network_level.csv", "Network-level indices by year", "网络整体指标（按年）",
                 "Density, reciprocity, Krackhardt connectedness/hierarchy/efficiency, average path length, "
                 "modularity and core-periphery fit of the binarised linkage network."),
        artefact("figure", out_dir / "maps.png", "Innovation linkage network maps", "创新联系网络图",
                 "Strongest directed ties between province centroids; node size by total strength."),
        artefact("figure", out_dir / "distributions.png", "Strength and degree distributions", "强度与度分布"),
    ]
    if not validity.empty:
        items.insert(1, artefact(
            "table", out_dir / "validity.csv", "Validity of the linkage network", "联系网络有效性检验",
            "Correlation by year of network in-strength with technology-market inflow (province as buyer) and "
            "out-strength with outflow (province as seller)."))
    write_artefacts(out_dir / "artefacts.json", "network", "Innovation networks", "创新网络", items)
    written.append(out_dir / "artefacts.json")
    return written


def save_both(fig, stem: Path, prov: dict) -> None:
    # save() drops the figure from pyplot's registry; the Figure object itself can still be saved
    save(fig, f"{stem}.png", prov)
    save(fig, f"{stem}.pdf", prov)


def run_qap(cfg: Config) -> list[Path]:
    section = cfg.section("network")
    overrides = formation.circularity(section)
    qap = section["qap"]
    p = paths(cfg)
    specs = formation.matrix_specs(section)
    nodes = regions.codes()
    years = analysis_years(cfg)
    bad = [y for y in qap["years"] if y not in years]
    if bad:
        raise ConfigError(f"{cfg.section_file('network')}: qap.years {bad} outside the panel years "
                          f"{years[0]}-{years[-1]}")
    edges = pd.read_parquet(p["edges"]) if p["edges"].exists() else None
    if edges is None:
        raise DataError(f"{p['edges']} does not exist; run `clusternet network` first")
    data, inputs = {}, [cfg.path, cfg.section_file("network"), p["edges"]]
    sources = {m.source for m in specs if m.source}
    if "panel" in sources:
        data["panel"] = read_region_year_table(p["panel"], "panel (clusternet panel)")
        inputs.append(p["panel"])
    if "indices" in sources:
        data["indices"] = read_region_year_table(p["indices"], "indices (clusternet indices)")
        inputs.append(p["indices"])
    geo = geography(nodes) if any(m.kind in ("contiguity", "great_circle") for m in specs) else {}
    prov = provenance(inputs, cfg, SECTIONS)
    blocks, rows, first_x = [], [], None
    for year in qap["years"]:
        y = formation.dependent_matrix(edges, year, nodes, qap)
        xs = {m.name: formation.explanatory_matrix(m, year, nodes, data, geo) for m in specs}
        if first_x is None:
            first_x = next(iter(xs.values()))
        res = formation.run_year(y, xs, seed=cfg.seed, year=year, permutations=qap["permutations"])
        doc = mrqap_document(res["mrqap"], year, qap, overrides, prov)
        blocks.append({"year": year, "correlations": res["correlations"], "mrqap": doc})
        corr = {c["matrix"]: c for c in res["correlations"]}
        fit = res["mrqap"]
        for i, name in enumerate(fit.names):
            c = corr.get(name, {})
            rows.append({"year": year, "term": name, "coefficient": fit.coef[i], "std_error": fit.std_error[i],
                         "t": fit.t[i], "p_dsp": fit.p_value[i], "p_ols": fit.p_ols[i],
                         "qap_correlation": c.get("correlation", np.nan), "qap_correlation_p": c.get("p_value", np.nan),
                         "r2": fit.r2, "dyads": fit.nobs})
    calibration = formation.calibrate(first_x, qap["calibration"], cfg.seed)
    out_dir = p["results"]
    doc = {
        "kind": "qap", "dependent": qap["dependent"], "permutations": qap["permutations"],
        "p_value_rule": "two-sided (1 + #{|T_perm| >= |T_obs|}) / (1 + permutations)",
        "years": blocks, "calibration": {"matrix": specs[0].name, "year": qap["years"][0], "results": calibration},
        "circularity_overrides": overrides,
        "note": ("Explanatory matrices built from the inputs of the gravity network were included with "
                 "allow_circular: " + "; ".join(f"{o['matrix']} ({o['reason']})" for o in overrides))
        if overrides else "No explanatory matrix shares a variable with the gravity network.",
        "provenance": prov,
    }
    write_json(out_dir / "qap.json", doc)
    table = pd.DataFrame(rows)
    write_csv(table, out_dir / "qap.csv")
    cal = pd.DataFrame(calibration, columns=["effect", "rejection_rate", "mc_standard_error", "replications",
                                             "permutations", "alpha"])
    write_csv(cal, out_dir / "qap_calibration.csv")
    items = [
        artefact("table", out_dir / "qap.csv", "MRQAP (double semi-partialling) and QAP correlations",
                 "MRQAP（双重半偏）与QAP相关分析",
                 "Linkage matrix regressed on dyadic difference/similarity matrices; permutation p-values (DSP)."
                 + (" Circularity override: " + ", ".join(o["matrix"] for o in overrides) if overrides else "")),
        artefact("table", out_dir / "qap_calibration.csv", "Size and power of the MRQAP test", "MRQAP检验的水平与功效",
                 "Rejection rates on synthetic networks; effect 0 gives the size."),
    ]
    write_artefacts(p["qap_artefacts"], "qap", "Dyadic formation tests (QAP)", "网络形成的QAP检验", items)
    return [out_dir / "qap.json", out_dir / "qap.csv", out_dir / "qap_calibration.csv", p["qap_artefacts"]]


def mrqap_document(fit, year: int, qap: dict, overrides: list[dict], prov: dict) -> dict:
    """MRQAP fit as a result document (model ``network.mrqap``); p-values are the DSP ones."""
    rows = coefficient_table(fit.names, fit.coef, fit.std_error, df_resid=fit.nobs - len(fit.names))
    for row, p in zip(rows, fit.p_value):
        row["p_value"] = p  # permutation p-value replaces the (invalid for dyads) OLS one
    doc = make_result(
        model="network.mrqap", label=f"MRQAP {year}", dependent=f"linkage_{qap['dependent']['tie']}",
        coefficients=rows, covariance={"type": "ols", "options": {"p_values": "qap_dsp_permutation"}},
        nobs=fit.nobs, n_entities=fit.n_nodes, n_periods=1,
        fit={"r2": fit.r2, "adj_r2": fit.adj_r2, "permutations": fit.permutations},
        tests=[{"name": f"ols_p_{n}", "statistic": t, "p_value": p,
                "note": "classical OLS p-value, invalid for dyadic data; for comparison only"}
               for n, t, p in zip(fit.names, fit.t, fit.p_ols)],
        extra={"year": year, "p_greater": fit.p_greater, "p_less": fit.p_less, "circularity_overrides": overrides},
        spec={"year": year, **qap}, provenance=prov,
    )
    validate_result(doc, f"MRQAP {year}")
    return doc
