"""Randomisation inference for a policy treatment (see ``clusternet.models.policy``).

Fisher's randomisation test of the sharp null of no effect (Young 2019, QJE 134(2); MacKinnon &
Webb 2020, J. Econometrics 218(2)): the provinces' treatment paths — for a staggered binary policy
the vector of first treated years, never-adopters included; for an intensity treatment each
province's whole path of shares — are permuted across provinces, the treatment column rebuilt and
the coefficient refitted; ``p = (1 + #{|β_perm| ≥ |β_obs|}) / (1 + R)`` (the observed assignment
counted once, so p > 0; Young 2019 eq. 5).

Each refit is Frisch-Waugh-Lovell: with ``Z`` the other columns of the (entity-demeaned) design,
``β_perm = r_d'y / r_d'r_d`` and ``r_d = M_Z d`` for every permuted column at once (one
``n × R`` solve), exact and independent of R refits. ``tests/models/test_randomisation.py`` checks
it against a refit loop with explicit dummies (``numpy.linalg.lstsq``) and against a full
enumeration of the permutations of a small design.
"""
from __future__ import annotations

import numpy as np

from clusternet.errors import EstimationError
from clusternet.models.wildboot import cluster_t, demean_by

DEFAULT_CHUNK = 1000  # permutations per block (memory: n × chunk floats)


def _paths(design, adoption: dict | None, paths: dict | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(regions, province × period path matrix, row positions) of the design's observations."""
    ent = np.asarray(design.entity_labels).astype(int)
    years = np.asarray(design.time_labels).astype(int)
    regions = np.unique(ent)
    periods = np.unique(years)
    pos = np.searchsorted(regions, ent)
    tpos = np.searchsorted(periods, years)
    P = np.zeros((regions.size, periods.size))
    if paths is not None:
        for i, r in enumerate(regions):
            steps = sorted((int(t), float(v)) for t, v in (paths.get(int(r)) or paths.get(str(r)) or {}).items())
            for j, t in enumerate(periods):
                P[i, j] = next((v for s, v in reversed(steps) if t >= s), 0.0)
    else:
        adoption = adoption or {}
        first = np.array([float(adoption.get(int(r), adoption.get(str(r), np.inf))) for r in regions])
        P = (periods[None, :] >= first[:, None]).astype(float)
    return P, pos, tpos


def permutation_coefficients(design, coef: str, perms: np.ndarray, P: np.ndarray, pos: np.ndarray,
                             tpos: np.ndarray, chunk: int = DEFAULT_CHUNK) -> np.ndarray:
    """Coefficient of ``coef`` for each row of ``perms`` (R × regions: a permutation of the rows
    of ``P``), by FWL against the design's other columns."""
    k = design.index(coef)
    X = design.X
    Z = np.delete(X, k, axis=1)
    ZtZ = Z.T @ Z
    y = design.y
    out = np.empty(perms.shape[0])
    for start in range(0, perms.shape[0], chunk):
        block = perms[start:start + chunk]
        D = P[block[:, pos], tpos].T if block.size else np.zeros((X.shape[0], 0))  # n × r
        if design.absorbed_entity:
            D = demean_by(D, design.entity_codes)
        R = D - Z @ np.linalg.solve(ZtZ, Z.T @ D)
        den = np.einsum("ij,ij->j", R, R)
        den = np.where(den > 1e-12, den, np.nan)  # a permutation leaving no variation: no estimate
        out[start:start + chunk] = (R.T @ y) / den
    return out


def randomisation_pvalue(design, coef: str, rng: np.random.Generator, reps: int, adoption: dict | None = None,
                         *, paths: dict | None = None) -> dict:
    """Randomisation p-value of a policy column in a linear design (``LinearDesign`` with entity
    effects absorbed; the column is rebuilt for each permutation). ``adoption``: {code: first
    treated year}; ``paths``: {code: {year: value from then on}} for intensity treatments."""
    if reps < 1:
        raise EstimationError(f"randomisation inference needs at least one permutation, got {reps}")
    P, pos, tpos = _paths(design, adoption, paths)
    b_obs = cluster_t(design, design.index(coef))[0]
    n_regions = P.shape[0]
    perms = np.empty((reps, n_regions), dtype=np.int64)
    ident = np.arange(n_regions)
    for r in range(reps):  # one rng.permutation per draw: the same draws as v0.1 for a given seed
        perms[r] = rng.permutation(ident)
    betas = permutation_coefficients(design, coef, perms, P, pos, tpos)
    valid = np.isfinite(betas)
    hits = int(np.sum(np.abs(betas[valid]) >= abs(b_obs) - 1e-12 * max(1.0, abs(b_obs))))
    n_treated = int(np.sum(P.max(axis=1) > 0))
    return {"p_value": float((1 + hits) / (1 + int(valid.sum()))), "reps": int(reps), "estimate": b_obs,
            "n_valid": int(valid.sum()), "n_treated_clusters": n_treated,
            "method": "randomisation inference: treatment paths (adoption years) permuted across regions"}
