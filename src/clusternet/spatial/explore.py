"""Exploratory spatial statistics: global Moran's I and Geary's C (analytic and
permutation inference) and local Moran (LISA) clusters.

With z = x - x̄, S0 = Σ_ij w_ij, S1 = ½ Σ_ij (w_ij + w_ji)², S2 = Σ_i (w_i. + w_.i)²,
n regions (Cliff & Ord 1981; the same formulas as esda and R spdep):

* Moran's I = (n/S0) z'Wz / z'z, E[I] = -1/(n-1).
  Var under normality: (n²S1 - nS2 + 3S0²)/((n²-1)S0²) - E[I]².
  Var under randomisation: [n((n²-3n+3)S1 - nS2 + 3S0²) - b2((n²-n)S1 - 2nS2 + 6S0²)]
  / ((n-1)(n-2)(n-3)S0²) - E[I]², b2 = n Σz⁴/(Σz²)².
* Geary's C = (n-1) Σ_ij w_ij (x_i - x_j)² / (2 S0 Σ z²), E[C] = 1.
  Var under normality: ((2S1 + S2)(n-1) - 4S0²)/(2(n+1)S0²).
  Var under randomisation: [(n-1)S1(n²-3n+3-(n-1)b2) - ¼(n-1)S2(n²+3n-6-(n²-n+2)b2)
  + S0²(n²-3-(n-1)²b2)] / (n(n-2)(n-3)S0²).
* Permutation inference: ``permutations`` random relabellings of x (seeded);
  pseudo p = (1 + #{as or more extreme in the observed direction}) / (1 + permutations),
  one-sided in the direction of the observed statistic (esda's ``p_sim``).
* Local Moran: I_i = (z_i/m2) Σ_j w_ij z_j, m2 = Σz²/n; conditional permutation
  p-values (x_i fixed, the others permuted); quadrants HH/LL/HL/LH for p ≤ α. The permutations are
  drawn as esda's conditional randomisation draws them (one seeded table of neighbour sets shared
  by all regions, vectorised), which since issue 19 replaces one ``rng.choice`` per region and
  permutation: same distribution, a different random stream than v0.1 for the same seed.
Two-sided analytic p-values are reported (``p_norm``, ``p_rand``).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import stats


def _s_terms(W: sp.csr_matrix):
    W = sp.csr_matrix(W, dtype=float)
    s0 = W.sum()
    s1 = 0.5 * (W + W.T).power(2).sum()
    s2 = float(np.sum((np.asarray(W.sum(axis=1)).ravel() + np.asarray(W.sum(axis=0)).ravel()) ** 2))
    return float(s0), float(s1), s2


def _pseudo_p(obs, sims, expected):
    larger = np.sum(sims >= obs) if obs >= expected else np.sum(sims <= obs)
    return (larger + 1.0) / (len(sims) + 1.0)


def moran(x, W: sp.csr_matrix, permutations: int = 999, seed: int = 0) -> dict:
    """Global Moran's I with normal, randomisation and permutation inference."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    z = x - x.mean()
    W = sp.csr_matrix(W, dtype=float)
    s0, s1, s2 = _s_terms(W)
    I = n / s0 * (z @ (W @ z)) / (z @ z)
    EI = -1.0 / (n - 1)
    v_norm = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - EI ** 2
    b2 = n * np.sum(z ** 4) / np.sum(z ** 2) ** 2
    v_rand = (n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
              - b2 * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)) / ((n - 1) * (n - 2) * (n - 3) * s0 * s0) - EI ** 2
    out = {"I": I, "EI": EI, "var_norm": v_norm, "var_rand": v_rand,
           "z_norm": (I - EI) / np.sqrt(v_norm), "z_rand": (I - EI) / np.sqrt(v_rand)}
    out["p_norm"] = float(2 * stats.norm.sf(abs(out["z_norm"])))
    out["p_rand"] = float(2 * stats.norm.sf(abs(out["z_rand"])))
    if permutations:
        rng = np.random.default_rng(seed)
        zz = z @ z
        sims = np.array([n / s0 * (zp @ (W @ zp)) / zz for zp in (rng.permutation(z) for _ in range(permutations))])
        out["p_sim"] = _pseudo_p(I, sims, EI)
        out["EI_sim"] = float(sims.mean())
    return {k: float(v) for k, v in out.items()}


def geary(x, W: sp.csr_matrix, permutations: int = 999, seed: int = 0) -> dict:
    """Global Geary's C with normal, randomisation and permutation inference."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    z = x - x.mean()
    W = sp.coo_matrix(W, dtype=float)
    s0, s1, s2 = _s_terms(W.tocsr())

    def stat(v):
        return (n - 1) * np.sum(W.data * (v[W.row] - v[W.col]) ** 2) / (2 * s0 * np.sum((v - v.mean()) ** 2))

    C = stat(x)
    v_norm = ((2 * s1 + s2) * (n - 1) - 4 * s0 * s0) / (2 * (n + 1) * s0 * s0)
    b2 = n * np.sum(z ** 4) / np.sum(z ** 2) ** 2
    v_rand = ((n - 1) * s1 * (n * n - 3 * n + 3 - (n - 1) * b2)
              - 0.25 * (n - 1) * s2 * (n * n + 3 * n - 6 - (n * n - n + 2) * b2)
              + s0 * s0 * (n * n - 3 - (n - 1) ** 2 * b2)) / (n * (n - 2) * (n - 3) * s0 * s0)
    out = {"C": C, "EC": 1.0, "var_norm": v_norm, "var_rand": v_rand,
           "z_norm": (C - 1) / np.sqrt(v_norm), "z_rand": (C - 1) / np.sqrt(v_rand)}
    out["p_norm"] = float(2 * stats.norm.sf(abs(out["z_norm"])))
    out["p_rand"] = float(2 * stats.norm.sf(abs(out["z_rand"])))
    if permutations:
        rng = np.random.default_rng(seed)
        sims = np.array([stat(rng.permutation(x)) for _ in range(permutations)])
        out["p_sim"] = _pseudo_p(C, sims, 1.0)
    return {k: float(v) for k, v in out.items()}


QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def _neighbour_draws(n: int, W: sp.csr_matrix, permutations: int, seed: int) -> np.ndarray:
    """One table of random neighbour sets shared by every region, as esda's conditional
    randomisation draws it: row r holds ``max cardinality`` distinct positions among the n - 1
    other regions (``Generator.choice`` without replacement, seeded)."""
    k_max = int(np.max(np.diff(W.indptr))) if n else 0
    rng = np.random.default_rng(seed)
    if permutations == 0 or k_max == 0:
        return np.empty((permutations, k_max), dtype=np.intp)
    return np.stack([rng.choice(n - 1, size=k_max, replace=False) for _ in range(permutations)])


def conditional_permutation_sims(z: np.ndarray, W: sp.csr_matrix, m2: float, draws: np.ndarray) -> np.ndarray:
    """Simulated local Moran I_i (n x permutations): z_i fixed, region i's weights applied to the
    values of the drawn other regions (position q among the others is region q + [q ≥ i])."""
    n, P = len(z), draws.shape[0]
    sims = np.zeros((n, P))
    for i in range(n):
        lo, hi = W.indptr[i], W.indptr[i + 1]
        if hi == lo:
            continue
        pos = draws[:, : hi - lo]
        sims[i] = z[i] * (z[pos + (pos >= i)] @ W.data[lo:hi]) / m2
    return sims


def local_moran(x, W: sp.csr_matrix, permutations: int = 999, seed: int = 0, alpha: float = 0.05) -> dict:
    """Local Moran I_i, conditional-permutation pseudo p-values and LISA cluster labels
    (HH, LH, LL, HL when p ≤ alpha, else 'ns')."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    z = x - x.mean()
    m2 = np.sum(z ** 2) / n
    W = sp.csr_matrix(W, dtype=float)
    lagz = W @ z
    Ii = z * lagz / m2
    sims = conditional_permutation_sims(z, W, m2, _neighbour_draws(n, W, permutations, seed))
    p = np.array([_pseudo_p(Ii[i], sims[i], 0.0) if W.indptr[i + 1] > W.indptr[i] else np.nan for i in range(n)])
    quad = np.where(z > 0, np.where(lagz > 0, 1, 4), np.where(lagz > 0, 2, 3))
    labels = [QUADRANTS[q] if pv <= alpha else "ns" for q, pv in zip(quad, p)]
    return {"Ii": Ii, "p_sim": p, "quadrant": [QUADRANTS[q] for q in quad], "cluster": labels, "z": z, "lag": lagz}
