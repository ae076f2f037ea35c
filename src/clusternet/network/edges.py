"""Yearly networks as dense matrices, and observed edge lists.

Every network, whether built from the gravity model or read from a user's edge
list, is a sequence of :class:`YearNetwork` (one per year) over the same ordered
node list, so the metrics and QAP code never care where the edges came from.

Observed edge lists are CSV files with exactly the columns
``source,target,year,weight`` (region codes as integers). Unknown region codes,
self-loops, negative or missing weights, years outside the panel and duplicate
(source, target, year) rows are errors naming the file and row (rows counted
as in a spreadsheet: the header is row 1). Pairs not listed have weight 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.errors import DataError

EDGE_COLUMNS = ("source", "target", "year", "weight")


@dataclass
class YearNetwork:
    """One year's directed network: ``weights[i, j]`` is the tie from node i to node j."""

    year: int
    nodes: list[int]
    weights: np.ndarray
    adjacency: np.ndarray  # 0/1, from the binarisation rule
    # further node columns of this network type (e.g. the flow network's totals), name -> (n,) array
    extra: dict | None = None

    def to_edges(self) -> pd.DataFrame:
        """Long edge table of every ordered pair i != j (weight and binary tie)."""
        n = len(self.nodes)
        src, dst = np.nonzero(~np.eye(n, dtype=bool))
        nodes = np.asarray(self.nodes)
        return pd.DataFrame({
            "source": nodes[src].astype("int64"),
            "target": nodes[dst].astype("int64"),
            "year": np.full(len(src), self.year, dtype="int64"),
            "weight": self.weights[src, dst].astype(float),
            "tie": self.adjacency[src, dst].astype("int8"),
        })


def read_edge_list(path, nodes: list[int], years: tuple[int, int]) -> dict[int, np.ndarray]:
    """Validate an observed edge list and return ``{year: weight matrix}`` over ``nodes``.

    Years in range without any edge get an all-zero matrix."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"edge list {path} does not exist; set network.edges.path to a CSV with columns "
                        f"{','.join(EDGE_COLUMNS)}")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"edge list {path}: not a readable CSV: {exc}") from exc
    cols = [c.strip() for c in df.columns]
    missing = [c for c in EDGE_COLUMNS if c not in cols]
    extra = [c for c in cols if c not in EDGE_COLUMNS]
    if missing or extra:
        raise DataError(f"edge list {path}: columns must be exactly {','.join(EDGE_COLUMNS)}; "
                        f"missing {missing}, unexpected {extra}")
    df.columns = cols
    index = {code: i for i, code in enumerate(nodes)}
    first, last = years
    mats = {y: np.zeros((len(nodes), len(nodes))) for y in range(first, last + 1)}
    seen: dict[tuple[int, int, int], int] = {}
    for pos, row in enumerate(df.itertuples(index=False), start=2):
        where = f"edge list {path}, row {pos}"
        vals = {}
        for col in ("source", "target", "year"):
            text = str(getattr(row, col)).strip()
            try:
                vals[col] = int(text)
            except ValueError:
                raise DataError(f"{where}, column {col}: {text!r} is not an integer") from None
        text = str(row.weight).strip()
        try:
            w = float(text)
        except ValueError:
            raise DataError(f"{where}, column weight: {text!r} is not a number") from None
        if not np.isfinite(w):
            raise DataError(f"{where}, column weight: weight is missing or not finite; give a number >= 0")
        if w < 0:
            raise DataError(f"{where}, column weight: negative weight {w}; weights must be >= 0")
        for col in ("source", "target"):
            if vals[col] not in index:
                raise DataError(f"{where}, column {col}: unknown region code {vals[col]}; "
                                "use GB/T 2260 province codes (clusternet.data.regions)")
        if vals["source"] == vals["target"]:
            raise DataError(f"{where}: self-loop {vals['source']} -> {vals['target']}; remove it "
                            "(ties within a region are not part of the network)")
        if not first <= vals["year"] <= last:
            raise DataError(f"{where}, column year: {vals['year']} is outside the panel years {first}-{last}")
        key = (vals["source"], vals["target"], vals["year"])
        if key in seen:
            raise DataError(f"{where}: duplicate edge {key[0]} -> {key[1]} in {key[2]} (first at row {seen[key]}); "
                            "aggregate duplicates before loading")
        seen[key] = pos
        mats[vals["year"]][index[vals["source"]], index[vals["target"]]] = w
    return mats
