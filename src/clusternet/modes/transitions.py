"""Transitions between development modes: Markov and spatial Markov chains.

States are MODES + mixed (ids 0..3 in clusternet.modes.STATES order). Counting reuses
clusternet.indices.dynamics (the conventions of the indices stage and PySAL giddy): P[a, b] is
the share of region-years in state a at t that are in state b at t + 1. Pairs with a missing
classification at t or t + 1 are not counted. The spatial chain conditions on the neighbours'
mode at t: the state held by the largest weight share of the region's classified neighbours
(ties to the lower state id); regions without a classified neighbour that year are left out.

Upgrading: the paper orders the modes traditional -> efficiency -> data. A switch is "upward" when
it moves later in that order, "downward" when earlier; switches from or to ``mixed`` are neither.
The net upward rate of a region is (upward - downward) / (number of counted pairs); its mean over
regions, with the standard error across regions, is the upgrading estimand.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from clusternet.errors import DataError
from clusternet.indices.dynamics import class_transitions
from clusternet.modes import MODES, STATES


def state_matrix(labels: pd.DataFrame, codes, years) -> tuple[np.ndarray, np.ndarray]:
    """(ids, valid) regions x years from a frame region_code, year, mode ('' = unclassified)."""
    w = labels.pivot(index="region_code", columns="year", values="mode").reindex(index=codes, columns=years)
    lab = w.fillna("").to_numpy()
    known = np.isin(lab, STATES)
    ids = np.where(known, np.vectorize(lambda s: STATES.index(s) if s in STATES else 0)(lab), 0)
    return ids.astype(int), known


def markov(labels: pd.DataFrame, codes, years):
    ids, known = state_matrix(labels, codes, years)
    valid = known[:, :-1] & known[:, 1:]
    valid = np.hstack([valid, np.zeros((len(codes), 1), dtype=bool)])
    counts, probs = class_transitions(ids, len(STATES), valid=valid)
    return counts[0], probs[0]


def neighbour_mode(ids: np.ndarray, known: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Neighbours' modal state per region-year and whether it is defined."""
    k = len(STATES)
    onehot = np.zeros(ids.shape + (k,))
    r, t = np.nonzero(known)
    onehot[r, t, ids[r, t]] = 1.0
    share = np.einsum("ij,jtk->itk", W, onehot)
    defined = share.sum(axis=2) > 0
    return np.argmax(share, axis=2), defined


def spatial_markov(labels: pd.DataFrame, codes, years, W: np.ndarray):
    W = np.asarray(W, float)
    if W.shape != (len(codes), len(codes)):
        raise DataError(f"spatial weights are {W.shape}, but there are {len(codes)} regions")
    ids, known = state_matrix(labels, codes, years)
    lag, defined = neighbour_mode(ids, known, W)
    valid = known[:, :-1] & known[:, 1:] & defined[:, :-1]
    valid = np.hstack([valid, np.zeros((len(codes), 1), dtype=bool)])
    return class_transitions(ids, len(STATES), valid=valid, condition=lag, m=len(STATES))


def upgrading(labels: pd.DataFrame, codes, years) -> dict:
    ids, known = state_matrix(labels, codes, years)
    a, b = ids[:, :-1], ids[:, 1:]
    ok = known[:, :-1] & known[:, 1:]
    ordered = (a < len(MODES)) & (b < len(MODES))
    up = (ok & ordered & (b > a)).sum(axis=1)
    down = (ok & ordered & (b < a)).sum(axis=1)
    pairs = ok.sum(axis=1)
    has = pairs > 0
    rate = (up[has] - down[has]) / pairs[has]
    g = int(has.sum())
    if g < 3:
        raise DataError(f"mode upgrading needs at least 3 regions with consecutive classified years, got {g}")
    est = float(rate.mean())
    se = float(rate.std(ddof=1) / np.sqrt(g))
    return {"estimate": est, "std_error": se, "n_regions": g, "n_pairs": int(pairs.sum()),
            "upward": int(up.sum()), "downward": int(down.sum())}
