"""Composite index engine: normalise, weight and aggregate an indicator tree.

Aggregation (``aggregation``):

- ``hierarchical`` (default): at every node the method is applied to the
  node's children (indicators, or the scores of its sub-dimensions): weights
  w = method(children) and node score = children @ w (for ``entropy_topsis``
  the node score is the TOPSIS closeness of its children with entropy weights).
  So each dimension score is a sub-index on the scale of the normalised
  indicators, and the overall index weights the dimension scores.
- ``flat``: the method weights all indicators at once (w_j, sum 1); the overall
  index is sum_j w_j z_j and a dimension's score is the weighted mean of its
  indicators, sum_{j in D} w_j z_j / sum_{j in D} w_j (TOPSIS: closeness over
  the dimension's indicators with the renormalised entropy weights). The
  weight of a dimension is the sum of its indicators' weights.

Missing values (``missing``): ``error`` (default) stops at the first missing
indicator value; ``complete_years`` keeps only the years in which every
indicator is observed for every region (a balanced sub-panel: min-max bounds
and weights then come from those years only) and leaves the index missing (NaN)
in the other years. An indicator missing in every year is always an error.

Weights are fixed over the whole panel (``scope="panel"``, the default: all
region-years enter the weighting, so the index compares across years) or
computed year by year (``scope="year"``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError
from clusternet.indices import weighting
from clusternet.indices.normalise import normalise
from clusternet.indices.system import Indicator, Node, indicator_matrix


@dataclass(frozen=True)
class IndexOptions:
    normalisation: str = "minmax_panel"
    aggregation: str = "hierarchical"
    scope: str = "panel"
    entropy_zero: str = "limit"
    entropy_shift: float = 1e-4
    variance_share: float = 0.85
    missing: str = "error"  # error | complete_years
    constant_indicators: str = "error"  # error | drop (weight 0, with a warning)


@dataclass
class IndexResult:
    """``scores``: one row per panel row, columns ``overall`` and one per top-level
    dimension key. ``weights``: rows (method, year, node, item, level, weight,
    global_weight); ``year`` is -1 when weights are fixed over the panel.
    ``dropped``: warnings for zero-variance indicators dropped (``constant_indicators: drop``)."""

    method: str
    scores: pd.DataFrame
    weights: pd.DataFrame
    dropped: list = field(default_factory=list)


def constant_indicator_check(system: Node, Z: np.ndarray, blocks, options: IndexOptions, source: str) -> list[str]:
    """Zero-variance indicators (issue 11): every weighting method would give them weight 0
    silently. ``constant_indicators: error`` (default) refuses them naming the indicator, its key
    path and the block (the panel, or a year with ``weights_scope: year``); ``drop`` returns one
    warning per indicator and block, and they keep weight 0."""
    if options.constant_indicators not in ("error", "drop"):
        raise ConfigError(f"{source}: index.constant_indicators: {options.constant_indicators!r}; "
                          "use 'error' or 'drop'")
    inds = system.indicators()
    out = []
    for year, idx in blocks:
        if len(idx) < 2:
            continue
        flat = ~weighting.varying(Z[idx])
        for j in np.flatnonzero(flat):
            where = "over the whole panel" if year == -1 else f"in {year}"
            msg = (f"indicator {inds[j].variable!r} ({source}: {inds[j].key_path}) has zero variance {where} "
                   f"(every normalised value {float(Z[idx][0, j]):g})")
            if options.constant_indicators == "error":
                raise DataError(f"{msg}: it carries no information and every weighting method would give it "
                                "weight 0. Drop it from the indicator system, fix the panel, or set "
                                "index.constant_indicators: drop (dropped with a warning in the weights table "
                                "caption and the stage log)")
            out.append(msg)
    return out


def _check(method: str, options: IndexOptions) -> None:
    if method not in weighting.SCORE_METHODS:
        raise ConfigError(f"indicators.index.methods: unknown method {method!r}; "
                          f"choose from {list(weighting.SCORE_METHODS)}")
    if options.aggregation not in ("hierarchical", "flat"):
        raise ConfigError(f"indicators.index.aggregation: {options.aggregation!r}; use 'hierarchical' or 'flat'")
    if options.scope not in ("panel", "year"):
        raise ConfigError(f"indicators.index.weights_scope: {options.scope!r}; use 'panel' or 'year'")
    if method in ("entropy", "entropy_topsis") and options.normalisation == "zscore":
        raise ConfigError("indicators.index: entropy weights need non-negative values, but normalisation is "
                          "'zscore'; use minmax_panel or minmax_year, or drop entropy from the methods")


def _method_weights(method, C, options, names):
    return weighting.weights(method, C, entropy_zero=options.entropy_zero, entropy_shift=options.entropy_shift,
                             variance_share=options.variance_share, names=names)


def _combine(method, C, w):
    if method == "entropy_topsis":
        return weighting.topsis_scores(C, w)
    return C @ w


def _hierarchical(node: Node, Z: dict, method, options, rows: list, path: str, node_scores: dict) -> np.ndarray:
    vals, names = [], []
    for child in node.children:
        if isinstance(child, Indicator):
            vals.append(Z[child.variable])
            names.append(child.variable)
        else:
            vals.append(_hierarchical(child, Z, method, options, rows, f"{path}/{child.key}", node_scores))
            names.append(child.key)
    C = np.column_stack(vals)
    w = _method_weights(method, C, options, names)
    for child, name, wi in zip(node.children, names, w):
        rows.append({"node": path, "item": name,
                     "level": "indicator" if isinstance(child, Indicator) else "dimension", "weight": wi})
    node_scores[path] = _combine(method, C, w)
    return node_scores[path]


def _flat(node: Node, Z: dict, method, options, rows: list, path: str, w_all: dict) -> np.ndarray:
    inds = node.indicators()
    C = np.column_stack([Z[i.variable] for i in inds])
    w = np.array([w_all[i.variable] for i in inds])
    total = w.sum()
    for child in node.children:
        if isinstance(child, Indicator):
            rows.append({"node": path, "item": child.variable, "level": "indicator",
                         "weight": w_all[child.variable] / total if total > 0 else 0.0})
        else:
            sub = sum(w_all[i.variable] for i in child.indicators())
            rows.append({"node": path, "item": child.key, "level": "dimension",
                         "weight": sub / total if total > 0 else 0.0})
            _flat(child, Z, method, options, rows, f"{path}/{child.key}", w_all)
    if not total > 0:
        return np.zeros(C.shape[0])
    return _combine(method, C, w / total)


def _score_block(system: Node, Zblock: np.ndarray, method, options) -> tuple[dict, list]:
    """Overall and top-level dimension scores of one block of rows, plus weight rows."""
    inds = system.indicators()
    Z = {ind.variable: Zblock[:, j] for j, ind in enumerate(inds)}
    rows: list = []
    dims: dict = {}
    if options.aggregation == "hierarchical":
        node_scores: dict = {}
        overall = _hierarchical(system, Z, method, options, rows, system.key, node_scores)
        for dim in system.children:
            if isinstance(dim, Node):
                dims[dim.key] = node_scores[f"{system.key}/{dim.key}"]
    else:
        w = _method_weights(method, Zblock, options, [i.variable for i in inds])
        w_all = {ind.variable: wj for ind, wj in zip(inds, w)}
        overall = _flat(system, Z, method, options, rows, system.key, w_all)
        for dim in system.children:
            if isinstance(dim, Node):
                dims[dim.key] = _flat(dim, Z, method, options, [], f"{system.key}/{dim.key}", w_all)
    return {"overall": overall, **dims}, rows


def _global_weights(weights: pd.DataFrame) -> pd.Series:
    """Product of local weights from the root down to each item."""
    local = {(r.year, r.node + "/" + r.item): r.weight for r in weights.itertuples()}
    out = []
    for r in weights.itertuples():
        g, node = r.weight, r.node
        while "/" in node:
            g *= local[(r.year, node)]
            node = node.rsplit("/", 1)[0]
        out.append(g)
    return pd.Series(out, index=weights.index)


def compute_index(panel: pd.DataFrame, system: Node, method: str, options: IndexOptions = IndexOptions(),
                  source: str = "config/indicators.yaml") -> IndexResult:
    """Scores of ``system`` on ``panel`` (needs a ``year`` column) with one method."""
    _check(method, options)
    full_index = panel.index
    if options.missing == "complete_years":
        panel = panel.loc[complete_years_mask(panel, system, source)]
    elif options.missing != "error":
        raise ConfigError(f"indicators.index.missing: {options.missing!r}; use 'error' or 'complete_years'")
    X = indicator_matrix(panel, system, source)
    years = panel["year"].to_numpy()
    inds = system.indicators()
    directions = np.array([i.direction for i in inds])
    Z = normalise(X, directions, options.normalisation, years)
    if options.scope == "panel":
        blocks = [(-1, np.arange(len(panel)))]
    else:
        blocks = [(int(y), np.flatnonzero(years == y)) for y in np.unique(years)]
    dropped = constant_indicator_check(system, Z, blocks, options, source)
    keys = ["overall"] + [d.key for d in system.children if isinstance(d, Node)]
    scores = {k: np.full(len(panel), np.nan) for k in keys}
    weight_rows = []
    for year, idx in blocks:
        block_scores, rows = _score_block(system, Z[idx], method, options)
        for k in keys:
            scores[k][idx] = block_scores[k]
        for r in rows:
            r.update(method=method, year=year)
        weight_rows.extend(rows)
    weights = pd.DataFrame(weight_rows, columns=["method", "year", "node", "item", "level", "weight"])
    weights["global_weight"] = _global_weights(weights)
    return IndexResult(method, pd.DataFrame(scores, index=panel.index).reindex(full_index), weights, dropped)


def complete_years_mask(panel: pd.DataFrame, system: Node, source: str = "config/indicators.yaml") -> np.ndarray:
    """Rows of the years in which every indicator of ``system`` is observed for every region."""
    observed = np.ones(len(panel), dtype=bool)
    for ind in system.indicators():
        if ind.variable not in panel.columns:
            indicator_matrix(panel, system, source)  # raises the unknown-indicator error
        x = pd.to_numeric(panel[ind.variable], errors="coerce")
        if x.isna().all():
            raise DataError(f"panel: indicator {ind.variable!r} ({source}: {ind.key_path}) is missing for every "
                            "region-year; drop it from the index or fix the panel")
        observed &= x.notna().to_numpy()
    complete = pd.Series(observed).groupby(panel["year"].to_numpy()).transform("all").to_numpy()
    if not complete.any():
        raise DataError(f"panel: no year has every indicator of {source} observed for every region; "
                        "impute the panel or drop the sparsest indicators")
    return complete


def spearman_matrix(scores: pd.DataFrame) -> pd.DataFrame:
    """Spearman rank correlations between columns (pooled over all region-years where the index
    exists; average ranks for ties, as R's ``cor(method = "spearman")``)."""
    return scores.dropna().rank(method="average").corr(method="pearson")


def rank_table(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Wide table region_code x year of ranks of ``column`` within each year (1 = highest; ties share the
    smallest rank); years in which the index is missing are left out."""
    df = df.dropna(subset=[column])
    ranks = df.groupby("year")[column].rank(ascending=False, method="min").astype(int)
    wide = df.assign(rank=ranks).pivot(index="region_code", columns="year", values="rank")
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()
