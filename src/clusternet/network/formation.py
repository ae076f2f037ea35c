"""Dyadic formation tests: explanatory matrices from config, the circularity guard, and
the QAP/MRQAP run per year (``clusternet qap``)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError
from clusternet.network.build import panel_matrix, sub_seed
from clusternet.network.qap import mrqap, qap_correlation, size_and_power

VARIABLE_KINDS = ("absolute_difference", "similarity")


@dataclass(frozen=True)
class MatrixSpec:
    name: str
    kind: str
    variable: str | None = None
    source: str | None = None
    transform: str = "none"
    allow_circular: bool = False
    circular_reason: str | None = None


def matrix_specs(section: dict) -> list[MatrixSpec]:
    specs = [MatrixSpec(**m) for m in section["qap"]["matrices"]]
    names = [s.name for s in specs]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"network.qap.matrices: duplicate matrix name(s) {dup}; names must be unique")
    return specs


def circularity(section: dict, lin=None) -> list[dict]:
    """QAP matrices that share components with the dependent network (see
    :mod:`clusternet.network.circularity`): ConfigError for each one without
    ``allow_circular: true``; returns the overridden ones (the report states them).
    ``lin`` is the variables' lineage (codebook, indicator systems); without it only the
    network section's declared parts and the ln_/_real naming are used."""
    from clusternet.network.circularity import check_qap, lineage

    return check_qap(section, lin if lin is not None else lineage(network=section))


def explanatory_matrix(m: MatrixSpec, year: int, nodes: list[int], data: dict[str, pd.DataFrame],
                       geography: dict[str, np.ndarray]) -> np.ndarray:
    """The n x n matrix of one spec in one year (diagonal 0)."""
    n = len(nodes)
    if m.kind in VARIABLE_KINDS:
        frame = data.get(m.source)
        if frame is None:
            raise DataError(f"qap matrix {m.name}: source {m.source!r} was not loaded")
        x = panel_matrix(frame, [m.variable], nodes, year, source=f"{m.source} (qap matrix {m.name})")[:, 0]
        if not np.all(np.isfinite(x)):
            bad = nodes[int(np.flatnonzero(~np.isfinite(x))[0])]
            raise DataError(f"{m.source}: {m.variable} is missing for region_code {bad} in {year} "
                            f"(qap matrix {m.name}); impute it or drop the matrix")
        gap = np.abs(x[:, None] - x[None, :])
        if m.kind == "absolute_difference":
            mat = gap
        else:
            span = x.max() - x.min()
            mat = 1 - gap / span if span > 0 else np.ones((n, n))
    elif m.kind in ("contiguity", "great_circle"):
        if m.kind not in geography:
            raise DataError(f"qap matrix {m.name}: no {m.kind} matrix available from clusternet.data.geo")
        mat = np.asarray(geography[m.kind], dtype=float).copy()
    else:  # pragma: no cover - the schema enumerates the kinds
        raise ConfigError(f"qap matrix {m.name}: unknown kind {m.kind!r}")
    if m.transform == "log":
        off = ~np.eye(n, dtype=bool)
        if np.any(mat[off] <= 0):
            raise DataError(f"qap matrix {m.name}: transform log needs positive values off the diagonal")
        mat = np.where(off, np.log(np.where(off, mat, 1.0)), 0.0)
    np.fill_diagonal(mat, 0.0)
    return mat


def dependent_matrix(edges: pd.DataFrame, year: int, nodes: list[int], qap: dict) -> np.ndarray:
    """Linkage matrix of one year from the edge table written by ``clusternet network``."""
    sub = edges[edges["year"] == year]
    if sub.empty:
        raise DataError(f"network edges: no ties for year {year} (network.qap.years); "
                        "run `clusternet network` for that year or remove it")
    index = {c: i for i, c in enumerate(nodes)}
    n = len(nodes)
    mat = np.zeros((n, n))
    col = "weight" if qap["dependent"]["tie"] == "weight" else "tie"
    mat[sub["source"].map(index).to_numpy(), sub["target"].map(index).to_numpy()] = sub[col].to_numpy(float)
    if qap["dependent"]["transform"] == "log1p":
        mat = np.log1p(mat)
    return mat


def run_year(y: np.ndarray, xs: dict[str, np.ndarray], *, seed: int, year: int, permutations: int) -> dict:
    """QAP correlation of Y with each matrix and one MRQAP of Y on all of them."""
    correlations = []
    for k, (name, x) in enumerate(xs.items()):
        r = qap_correlation(y, x, permutations=permutations, seed=sub_seed(seed, "qap.correlation", year, k))
        correlations.append({"matrix": name, "correlation": r.correlation, "p_value": r.p_value,
                             "p_greater": r.p_greater, "p_less": r.p_less, "null_mean": r.null_mean,
                             "null_sd": r.null_sd, "permutations": r.permutations})
    fit = mrqap(y, xs, permutations=permutations, seed=sub_seed(seed, "qap.mrqap", year))
    return {"correlations": correlations, "mrqap": fit}


def calibrate(x: np.ndarray, calibration: dict, seed: int) -> list[dict]:
    if calibration["replications"] == 0:
        return []
    return size_and_power(x, effects=calibration["effects"], replications=calibration["replications"],
                          permutations=calibration["permutations"], alpha=calibration["alpha"],
                          seed=sub_seed(seed, "qap.calibration"))
