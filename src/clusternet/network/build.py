"""From config and panel to yearly networks, node/network tables and the validity check.

The functions take plain arrays and DataFrames (the geography is passed in as
matrices), so tests run them on synthetic data; ``clusternet.network.cli``
wires them to the files.
"""
from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from scipy import stats

from clusternet.errors import DataError
from clusternet.network.edges import YearNetwork, read_edge_list
from clusternet.network.gravity import (GravitySpec, binarize, combined_distance, composite_mass, economic_gap,
                                        gravity_matrix)
from clusternet.network.metrics import NETWORK_METRICS, NODE_METRICS, network_metrics

NODE_PREFIX = "net_"


def sub_seed(seed: int, task: str, *ids: int) -> int:
    """A 32-bit seed for one task, derived from ``config.seed`` (DEVELOPING.md: SeedSequence)."""
    ss = np.random.SeedSequence([int(seed), zlib.crc32(task.encode()), *map(int, ids)])
    return int(ss.generate_state(1)[0])


def panel_matrix(panel: pd.DataFrame, variables: list[str], nodes: list[int], year: int,
                 source: str = "panel") -> np.ndarray:
    """(n_nodes, n_variables) values of one year, with clear errors for missing columns/rows."""
    missing = [v for v in variables if v not in panel.columns]
    if missing:
        raise DataError(f"{source}: column(s) {missing} not found; check the variable names in "
                        f"config/network.yaml against config/codebook.yaml")
    rows = panel[panel["year"] == year].set_index("region_code")
    absent = [c for c in nodes if c not in rows.index]
    if absent:
        raise DataError(f"{source}: no row for region_code {absent[0]} in year {year} "
                        f"({len(absent)} region(s) missing); the panel must be balanced")
    if rows.index.duplicated().any():
        dup = rows.index[rows.index.duplicated()][0]
        raise DataError(f"{source}: region_code {dup} appears twice in year {year}")
    return rows.loc[nodes, variables].to_numpy(dtype=float)


def gravity_networks(panel: pd.DataFrame, spec: GravitySpec, nodes: list[int], years: list[int],
                     distance_km: np.ndarray | None, binary: dict) -> list[YearNetwork]:
    """One gravity network per year (see :mod:`clusternet.network.gravity`)."""
    if spec.uses_geographic_distance and distance_km is None:
        raise DataError("the gravity model uses geographic distance but no distance matrix was given")
    out = []
    for year in years:
        where = f"panel year {year}: "
        values = panel_matrix(panel, [v for v, _ in spec.masses], nodes, year)
        try:
            mass = composite_mass(values, [e for _, e in spec.masses], labels=nodes, where=where)
        except DataError as exc:
            raise DataError(f"{exc} (masses: {[v for v, _ in spec.masses]})") from None
        gap = None
        if spec.distance != "geographic":
            g = panel_matrix(panel, [spec.economic_variable], nodes, year)[:, 0]
            gap = economic_gap(g, labels=nodes, where=where + f"{spec.economic_variable}: ")
        dist = combined_distance(spec.distance, distance_km, gap)
        w = gravity_matrix(mass, dist, spec)
        out.append(YearNetwork(year, list(nodes), w, binarize(w, **binary)))
    return out


def observed_networks(path, nodes: list[int], years: list[int], binary: dict) -> list[YearNetwork]:
    mats = read_edge_list(path, nodes, (min(years), max(years)))
    return [YearNetwork(y, list(nodes), mats[y], binarize(mats[y], **binary)) for y in years]


def binary_options(section: dict) -> dict:
    b = section["binarize"]
    return {"rule": b["rule"], "quantile": float(b.get("quantile", 0.75)), "k": int(b.get("k", 3)),
            "threshold": None if b.get("threshold") is None else float(b["threshold"]),
            "alpha": float(b.get("alpha", 0.05))}


def metric_tables(networks: list[YearNetwork], seed: int, section: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Node table (region_code, year, ``net_*``) and network-level table (year, metrics)."""
    opts = section["metrics"]
    node_frames, levels = [], []
    for net in networks:
        nodes, level = network_metrics(
            net.weights, net.adjacency, seed=sub_seed(seed, "network.communities", net.year),
            damping=float(opts["pagerank_damping"]), resolution=float(opts["community_resolution"]))
        nodes = nodes.add_prefix(NODE_PREFIX)
        nodes.insert(0, "year", np.int64(net.year))
        nodes.insert(0, "region_code", np.asarray(net.nodes, dtype="int64"))
        node_frames.append(nodes)
        levels.append({"year": net.year, **level})
    node_df = pd.concat(node_frames, ignore_index=True)
    level_df = pd.DataFrame(levels, columns=["year", *NETWORK_METRICS])
    assert list(node_df.columns[2:]) == [NODE_PREFIX + m for m in NODE_METRICS]
    return node_df, level_df


def validity_table(node_df: pd.DataFrame, panel: pd.DataFrame, section: dict) -> pd.DataFrame:
    """Per year: Pearson and Spearman correlation of in-strength with the inflow series and
    out-strength with the outflow series (regions with both values)."""
    pairs = [("in", section["validity"].get("inflow_variable"), NODE_PREFIX + "in_strength"),
             ("out", section["validity"].get("outflow_variable"), NODE_PREFIX + "out_strength")]
    rows = []
    for direction, variable, metric in pairs:
        if not variable:
            continue
        if variable not in panel.columns:
            raise DataError(f"panel: column {variable!r} (network.validity.{direction}flow_variable) not found; "
                            "check it against config/codebook.yaml or set it to null")
        merged = node_df[["region_code", "year", metric]].merge(
            panel[["region_code", "year", variable]], on=["region_code", "year"], how="left")
        for year, grp in merged.groupby("year", sort=True):
            ok = grp[[metric, variable]].dropna()
            n = len(ok)
            if n >= 3 and ok[metric].std() > 0 and ok[variable].std() > 0:
                pr = stats.pearsonr(ok[metric], ok[variable])
                sr = stats.spearmanr(ok[metric], ok[variable])
                vals = (pr.statistic, pr.pvalue, sr.statistic, sr.pvalue)
            else:
                vals = (np.nan,) * 4
            rows.append({"year": int(year), "direction": direction, "network_metric": metric,
                         "observed_variable": variable, "n": n, "pearson": vals[0], "pearson_p": vals[1],
                         "spearman": vals[2], "spearman_p": vals[3]})
    return pd.DataFrame(rows, columns=["year", "direction", "network_metric", "observed_variable", "n",
                                       "pearson", "pearson_p", "spearman", "spearman_p"])
