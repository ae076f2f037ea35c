"""Classification of province-years into development modes, and its stability.

Rule: the mode of the highest intensity; ``mixed`` when the highest exceeds the second by less
than ``margin`` (in pooled standard deviations; default 0.25).

Clustering: a Gaussian mixture (full covariances, ``n_init`` starts, seeded) or k-means on the
three intensities, k from ``k_range`` by the lowest BIC (mixture) or the highest silhouette
(k-means). Each cluster is named after the mode with the highest mean intensity in it (two
clusters can share a name; the label keeps its number).

Stability: bootstrap Jaccard of Hennig (2007): resample province-years with replacement, refit
with the same k, and for every original cluster record the largest Jaccard similarity with a
bootstrap cluster on the resampled (distinct) points; the mean over replications per cluster
(>= 0.75 is "stable", <= 0.5 "dissolved" in Hennig's reading). Agreement between the rule and the
clustering: the adjusted Rand index (Hubert & Arabie 1985).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits

from clusternet.errors import ConfigError, EstimationError
from clusternet.modes import MIXED, MODES


def rule_classify(intensities: np.ndarray, margin: float = 0.25) -> np.ndarray:
    """Labels (strings) from an n x 3 array of intensities in MODES order; NaN rows -> ''."""
    I = np.asarray(intensities, float)
    out = np.full(I.shape[0], "", dtype=object)
    ok = np.isfinite(I).all(axis=1)
    srt = np.sort(I[ok], axis=1)
    top = np.argmax(I[ok], axis=1)
    lab = np.array(MODES, dtype=object)[top]
    lab[(srt[:, -1] - srt[:, -2]) < margin] = MIXED
    out[ok] = lab
    return out


def _fit_unlimited(method: str, Z: np.ndarray, k: int, seed: int, n_init: int):
    # Callers hold one BLAS thread (threadpool_limits(1)): the 3 x 3 linear algebra of small
    # mixtures is 30x slower when OpenBLAS threads compete on a loaded machine, and results do
    # not depend on the thread count.
    if method == "gmm":
        m = GaussianMixture(k, covariance_type="full", n_init=n_init, random_state=seed, reg_covar=1e-6).fit(Z)
        return m, m.predict(Z)
    if method == "kmeans":
        m = KMeans(k, n_init=n_init, random_state=seed).fit(Z)
        return m, m.labels_
    raise ConfigError(f"config/modes.yaml: clustering.method is {method!r}; use gmm or kmeans")


@dataclass
class Clustering:
    method: str
    k: int
    labels: np.ndarray          # cluster ids 0..k-1
    names: list                 # mode name per cluster id
    criterion: dict             # k -> BIC or silhouette
    centroids: np.ndarray       # k x 3 mean intensities


def choose_and_fit(Z: np.ndarray, method: str, k_range, seed: int, n_init: int = 10) -> Clustering:
    Z = np.asarray(Z, float)
    if len(Z) < 10:
        raise EstimationError(f"clustering needs at least 10 classified province-years, got {len(Z)}")
    crit = {}
    fits = {}
    with threadpool_limits(1):  # once for all fits (entering the limit costs ~5 ms)
        for k in k_range:
            fits[k] = _fit_unlimited(method, Z, int(k), seed, n_init)
    for k in k_range:
        m, lab = fits[k]
        if method == "gmm":
            crit[int(k)] = float(m.bic(Z))
        else:
            crit[int(k)] = float(silhouette_score(Z, lab)) if len(set(lab)) > 1 else -1.0
    best = min(crit, key=crit.__getitem__) if method == "gmm" else max(crit, key=crit.__getitem__)
    _, lab = fits[best]
    cent = np.vstack([Z[lab == c].mean(axis=0) if (lab == c).any() else np.full(3, np.nan) for c in range(best)])
    names = [MODES[int(np.nanargmax(c))] if np.isfinite(c).any() else "" for c in cent]
    return Clustering(method, int(best), np.asarray(lab), names, crit, cent)


def bootstrap_jaccard(Z: np.ndarray, labels: np.ndarray, k: int, method: str, replications: int,
                      rng: np.random.Generator, n_init: int = 3) -> np.ndarray:
    """Mean over replications of the best Jaccard similarity, per original cluster (length k)."""
    Z = np.asarray(Z, float)
    n = len(Z)
    out = np.zeros((replications, k))
    with threadpool_limits(1):  # once for all replications (entering the limit costs ~5 ms)
        fits = []
        for _ in range(replications):
            idx = rng.integers(0, n, n)
            fits.append((idx, _fit_unlimited(method, Z[idx], k, int(rng.integers(0, 2**31 - 1)), n_init)[1]))
    for b, (idx, lab_b) in enumerate(fits):
        uniq = np.unique(idx)
        # cluster of each distinct resampled point (first occurrence)
        first = {int(i): int(lab_b[j]) for j, i in reversed(list(enumerate(idx)))}
        lb = np.array([first[int(i)] for i in uniq])
        orig = labels[uniq]
        for c in range(k):
            A = orig == c
            if not A.any():
                out[b, c] = np.nan
                continue
            best = 0.0
            for d in range(k):
                B = lb == d
                union = (A | B).sum()
                if union:
                    best = max(best, (A & B).sum() / union)
            out[b, c] = best
    return np.nanmean(out, axis=0)


def rand_agreement(a, b) -> float:
    return float(adjusted_rand_score(np.asarray(a), np.asarray(b)))
