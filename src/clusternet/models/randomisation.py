"""Randomisation inference for a policy dummy (see ``clusternet.models.policy``)."""
from __future__ import annotations

import numpy as np

from clusternet.models.wildboot import cluster_t, demean_by


def randomisation_pvalue(design, coef: str, rng: np.random.Generator, reps: int, adoption: dict) -> dict:
    """Randomisation p-value of a policy dummy in a linear design (``LinearDesign`` with entity
    effects absorbed; the dummy's column is rebuilt for each permutation)."""
    k = design.index(coef)
    ent = np.asarray(design.entity_labels).astype(int)
    years = np.asarray(design.time_labels).astype(float)
    regions = np.unique(ent)
    first = np.array([float(adoption.get(int(r), adoption.get(str(r), np.inf))) for r in regions])
    pos = np.searchsorted(regions, ent)
    b_obs = cluster_t(design, k)[0]
    X = design.X.copy()
    hits = 0
    for _ in range(reps):
        perm = rng.permutation(first)
        d = (years >= perm[pos]).astype(float)[:, None]
        X[:, k] = (demean_by(d, design.entity_codes) if design.absorbed_entity else d)[:, 0]
        beta = np.linalg.lstsq(X, design.y, rcond=None)[0][k]
        hits += abs(beta) >= abs(b_obs) - 1e-12 * max(1.0, abs(b_obs))
    return {"p_value": float((1 + hits) / (1 + reps)), "reps": int(reps), "estimate": b_obs,
            "method": "randomisation inference: adoption years permuted across regions"}
