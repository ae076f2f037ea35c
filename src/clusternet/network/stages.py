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
from clusternet.io import read_region_year_table, write_csv, write_json, write_parquet, write_text
from clusternet.network import build, figures, flow, formation, validity
from clusternet.network.definitions import DEFAULT, network_definitions
from clusternet.network.gravity import GravitySpec
from clusternet.plotting import save
from clusternet.reads import read_parquet_input
from clusternet.provenance import provenance
from clusternet.artefacts import artefact, write_artefacts
from clusternet.results import coefficient_table, make_result, validate_result

SECTIONS = ["network"]  # + codebook and indicators when configured (the circularity guard reads them)


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


def geography(nodes: list[int]) -> dict:
    """Great-circle distances (km), queen contiguity, centroids (lon, lat) and a base-map
    drawer over ``nodes`` from :mod:`clusternet.data.geo`."""
    from clusternet.data import geo

    cent = geo.centroids(nodes)
    return {
        "great_circle": geo.great_circle_km(nodes),
        "area_km2": province_areas_km2(nodes),
        "contiguity": geo.contiguity("queen", nodes),
        "lonlat": cent[["lon", "lat"]].to_numpy(dtype=float),
        "draw_boundaries": lambda ax: figures.draw_boundaries(ax, [geo.principal_landmass(c) for c in nodes]),
    }


def analysis_years(cfg: Config) -> list[int]:
    first, last = cfg.years
    return list(range(first, last + 1))


def province_areas_km2(nodes: list[int]) -> np.ndarray:
    """Province areas (km^2) in the Albers equal-area projection of :mod:`clusternet.data.geo`
    (whole boundary, islands included), for the internal distance of the flow network."""
    import shapely
    from pyproj import Transformer

    from clusternet.data import geo

    fwd = Transformer.from_crs("EPSG:4326", geo.ALBERS_CHINA, always_xy=True)
    out = []
    for code in nodes:
        projected = shapely.transform(geo.boundary(code),
                                      lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))
        out.append(projected.area / 1e6)
    return np.asarray(out, dtype=float)


def make_networks(cfg: Config, section: dict, panel: pd.DataFrame, geo: dict | None) -> list:
    """The yearly networks of one network definition (see :mod:`.definitions`)."""
    return build_networks(cfg, section, panel, geo)[0]


def build_networks(cfg: Config, section: dict, panel: pd.DataFrame, geo: dict | None) -> tuple[list, dict]:
    """(yearly networks, construction record) of one network definition."""
    nodes = regions.codes()
    years = analysis_years(cfg)
    binary = build.binary_options(section)
    if section["source"] == "edges":
        path = section.get("edges", {}).get("path")
        if not path:
            raise ConfigError(f"{cfg.section_file('network')}: source is edges but edges.path is not set")
        return build.observed_networks(path, nodes, years, binary), {}
    distance = geo["great_circle"] if geo is not None else None
    if section["source"] == "flow":
        spec = flow.FlowSpec.from_config(section["flow"], f"{cfg.section_file('network')}: flow")
        internal = (flow.internal_distances(geo["area_km2"], spec.internal_distance_factor)
                    if spec.diagonal == "internal_distance" and geo is not None else None)
        nets, years_info, record = flow.flow_networks(panel, spec, nodes, years, distance, internal, binary)
        return nets, {"calibration": record, "internal_distance_km": None if internal is None else
                      dict(zip(map(str, nodes), internal.tolist())),
                      "balancing": [{"year": f.year, "outflow_total": float(f.outflow.sum()),
                                     "inflow_total": float(f.inflow.sum()), "gap": f.gap,
                                     "gap_share_of_outflow": f.gap / f.outflow.sum() if f.outflow.sum() else None,
                                     "iterations": f.iterations, "max_relative_error": f.max_relative_error,
                                     "intra_provincial_share": float(np.trace(f.flows) / f.outflow.sum())
                                     if f.outflow.sum() else None,
                                     "missing_totals_set_to_zero": [list(m) for m in f.missing]}
                                    for f in years_info]}
    gspec = GravitySpec.from_config(section["gravity"], f"{cfg.section_file('network')}: gravity")
    return build.gravity_networks(panel, gspec, nodes, years, distance, binary), {}


def node_table(networks: list, seed: int, section: dict, prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """metric_tables plus the networks' extra columns, with the definition's column prefix."""
    node_df, level_df = build.metric_tables(networks, seed, section)
    extra_names = list(networks[0].extra) if networks and networks[0].extra else []
    for name in extra_names:
        node_df[build.NODE_PREFIX + name] = np.concatenate([np.asarray(n.extra[name], float) for n in networks])
    if prefix != build.NODE_PREFIX:
        node_df = node_df.rename(columns={c: prefix + c[len(build.NODE_PREFIX):] for c in node_df.columns
                                          if c.startswith(build.NODE_PREFIX)})
    return node_df, level_df


def guard_sections(cfg: Config) -> list[str]:
    """Config sections the stage depends on: network, plus codebook and indicators when configured."""
    files = cfg.main.get("sections", {})
    return SECTIONS + [name for name in ("codebook", "indicators") if name in files]


def guard_lineage(cfg: Config):
    from clusternet.network.circularity import lineage_from_config

    return lineage_from_config(cfg)


def run_network(cfg: Config) -> list[Path]:
    section = cfg.section("network")
    formation.circularity(section, guard_lineage(cfg))  # fail early: the qap stage would refuse this config
    p = paths(cfg)
    panel = read_region_year_table(p["panel"], "panel (clusternet panel)")
    geo = geography(regions.codes())
    defs = network_definitions(section)
    built = {name: build_networks(cfg, d["section"], panel, geo) for name, d in defs.items()}
    networks, record = built[DEFAULT]
    node_df, level_df = node_table(networks, cfg.seed, section, defs[DEFAULT]["prefix"])
    densities = {DEFAULT: level_df[["year", "density"]].to_dict(orient="records")}
    for name, d in defs.items():
        if name == DEFAULT:
            continue
        alt_nodes, alt_level = node_table(built[name][0], cfg.seed, d["section"], d["prefix"])
        node_df = node_df.merge(alt_nodes, on=["region_code", "year"], how="left", validate="one_to_one")
        densities[name] = alt_level[["year", "density"]].to_dict(orient="records")
    val = section["validity"]
    threshold = float(val.get("pass_correlation", 0.3))
    val_summary, val_years = validity.validity_tables(
        node_df, panel, {n: {"prefix": d["prefix"], "source": d["section"]["source"]} for n, d in defs.items()},
        inflow=val.get("inflow_variable"), outflow=val.get("outflow_variable"), threshold=threshold)
    for direction in ("inflow", "outflow"):
        variable = val.get(f"{direction}_variable")
        if variable and variable not in panel.columns:
            raise DataError(f"panel: column {variable!r} (network.validity.{direction}_variable) not found; "
                            "check it against config/codebook.yaml or set it to null")
    edges = pd.concat([net.to_edges() for net in networks], ignore_index=True)
    inputs = [cfg.path, cfg.section_file("network"), p["panel"]]
    for d in defs.values():
        if d["section"]["source"] == "edges":
            inputs.append(Path(d["section"]["edges"]["path"]))
        cal = ((d["section"].get("flow") or {}).get("decay") or {}).get("calibration") or {}
        if d["section"]["source"] == "flow" and cal.get("path"):
            inputs.append(Path(cal["path"]))
    prov = provenance(list(dict.fromkeys(inputs)), cfg, guard_sections(cfg))
    out_dir = p["results"]
    written = []
    write_parquet(node_df, p["nodes"])
    write_parquet(level_df, p["level"])
    write_parquet(edges, p["edges"])
    written += [p["nodes"], p["level"], p["edges"]]
    write_csv(level_df, out_dir / "network_level.csv")
    write_csv(val_summary, out_dir / "validity.csv")
    write_csv(val_years, out_dir / "validity_by_year.csv")
    write_text(out_dir / "validity.md", validity.validity_markdown(val_summary, threshold))
    passing = val_summary[val_summary["pass"] & ~val_summary["mechanical"]]
    write_json(out_dir / "validity.json", {
        "kind": "network_validity", "pass_correlation": threshold, "rule": validity.__doc__.strip(),
        "measures": val_summary.to_dict(orient="records"), "by_year": val_years.to_dict(orient="records"),
        "passing": [f"{n}:{m}" for n, m in zip(passing["network"], passing["measure"])], "provenance": prov})
    written += [out_dir / "network_level.csv", out_dir / "validity_by_year.csv"]
    written += [out_dir / f"validity.{ext}" for ext in ("csv", "md", "json")]
    summary = {
        "kind": "network", "source": section["source"], "years": analysis_years(cfg),
        "nodes": regions.codes(), "config": section, "provenance": prov,
        "node_metrics": [c for c in node_df.columns if c.startswith(build.NODE_PREFIX)],
        "networks": {name: {"prefix": d["prefix"], "source": d["section"]["source"],
                            "binarize": d["section"]["binarize"], "construction": built[name][1],
                            "density": densities[name]} for name, d in defs.items()},
        "network_level": level_df.to_dict(orient="records"),
        "validity": val_summary.to_dict(orient="records"),
        "note": NOTES[section["source"]],
    }
    write_json(out_dir / "network.json", summary)
    written.append(out_dir / "network.json")
    fig_years = [y for y in section["figures"]["map_years"] if y in analysis_years(cfg)] or [analysis_years(cfg)[-1]]
    labels = [regions.by_code()[c].name_en for c in regions.codes()]
    fig = figures.network_maps(networks, fig_years, geo["lonlat"], ties=section["figures"]["map_ties"],
                               draw_boundaries=geo["draw_boundaries"], labels=labels)
    save_both(fig, out_dir / "maps", prov)
    # the Chinese report's copies (issue 13): Chinese words and province names, PNG only
    zh_labels = [regions.by_code()[c].short_zh for c in regions.codes()]
    save(figures.network_maps(networks, fig_years, geo["lonlat"], ties=section["figures"]["map_ties"],
                              draw_boundaries=geo["draw_boundaries"], labels=zh_labels, lang="zh"),
         out_dir / "maps.zh.png", prov)
    fig = figures.distributions(node_df, fig_years)
    save_both(fig, out_dir / "distributions", prov)
    save(figures.distributions(node_df, fig_years, lang="zh"), out_dir / "distributions.zh.png", prov)
    written += [out_dir / f"{stem}.{ext}" for stem in ("maps", "distributions") for ext in ("png", "pdf")]
    written += [out_dir / f"{stem}.zh.png" for stem in ("maps", "distributions")]
    items = [
        artefact("table", out_dir / "network_level.csv", "Network-level indices by year", "网络整体指标（按年）",
                 "Density, reciprocity, Krackhardt connectedness/hierarchy/efficiency, average path length, "
                 "modularity and core-periphery fit of the binarised linkage network."),
        artefact("figure", out_dir / "maps.png", "Innovation linkage network maps", "创新联系网络图",
                 "Strongest directed ties between province centroids; node size by total strength.",
                 "各省几何中心之间最强的有向联系；节点大小表示总联系强度。", path_zh=out_dir / "maps.zh.png"),
        artefact("figure", out_dir / "distributions.png", "Strength and degree distributions", "强度与度分布",
                 path_zh=out_dir / "distributions.zh.png"),
    ]
    if not val_summary.empty:
        items.insert(1, artefact(
            "table", out_dir / "validity.csv", "Validity of the linkage networks", "联系网络有效性检验",
            "Correlation of each node measure with the observed technology-market flow it should track "
            "(outflow as seller, inflow as buyer, or their sum): mean across-province Spearman correlation by "
            "year and within-province (two-way demeaned) correlation; pass = both at least "
            f"{threshold:g}. Passing (not mechanical): " + (", ".join(
                f"{n}:{m}" for n, m in zip(passing['network'], passing['measure'])) or "none") + "."))
    write_artefacts(out_dir / "artefacts.json", "network", "Innovation networks", "创新网络", items)
    written.append(out_dir / "artefacts.json")
    return written


NOTES = {
    "flow": ("The flow network allocates each province's observed technology-market outflow (as seller) and "
             "inflow (as buyer) over partners by a doubly constrained spatial-interaction model (Furness "
             "balancing); node totals are observed data, the allocation across partners is modelled. See "
             "networks.default.construction for the decay parameter, the abroad node and the diagonal."),
    "gravity": ("The gravity network is constructed from regional masses and distances; it models potential "
                "linkages, not observed collaboration. See validity for how its strengths track observed "
                "technology-market flows."),
    "edges": "Observed edge list.",
}


def save_both(fig, stem: Path, prov: dict) -> None:
    # save() drops the figure from pyplot's registry; the Figure object itself can still be saved
    save(fig, f"{stem}.png", prov)
    save(fig, f"{stem}.pdf", prov)


def run_qap(cfg: Config) -> list[Path]:
    section = cfg.section("network")
    overrides = formation.circularity(section, guard_lineage(cfg))
    qap = section["qap"]
    p = paths(cfg)
    specs = formation.matrix_specs(section)
    nodes = regions.codes()
    years = analysis_years(cfg)
    bad = [y for y in qap["years"] if y not in years]
    if bad:
        raise ConfigError(f"{cfg.section_file('network')}: qap.years {bad} outside the panel years "
                          f"{years[0]}-{years[-1]}")
    edges = read_parquet_input(p["edges"]) if p["edges"].exists() else None  # hashed as read
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
    prov = provenance(inputs, cfg, guard_sections(cfg))
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
    assert first_x is not None  # at least one year was fitted
    calibration = formation.calibrate(first_x, qap["calibration"], cfg.seed)
    out_dir = p["results"]
    doc = {
        "kind": "qap", "dependent": qap["dependent"], "permutations": qap["permutations"],
        "p_value_rule": "two-sided (1 + #{|T_perm| >= |T_obs|}) / (1 + permutations)",
        "years": blocks, "calibration": {"matrix": specs[0].name, "year": qap["years"][0], "results": calibration},
        "circularity_overrides": overrides,
        "note": ("Explanatory matrices that share components with the dependent network were included with "
                 "allow_circular: " + "; ".join(f"{o['matrix']} ({o['reason']}"
                                                + (f"; justification: {o['justification']}" if o.get("justification")
                                                   else "") + ")" for o in overrides))
        if overrides else "No explanatory matrix shares a component with the dependent network.",
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
