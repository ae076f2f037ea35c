"""Small synthetic spatial panels with known parameters (no geography needed).

Imported by the spatial tests (pytest puts this directory on sys.path)."""
from __future__ import annotations

import numpy as np

from clusternet.spatial.models import SpatialPanel
from clusternet.spatial.weights import knn_matrix, row_standardise


def knn_weights(n: int, k: int, seed: int):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(size=(n, 2))
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    return row_standardise(knn_matrix(d, k))


def simulate(n=40, t=6, rho=0.4, beta=(1.0, -0.5), theta=(0.0, 0.0), lam=0.0, effects="twoway", seed=1, k=4):
    """y = ρWy + Xβ + WXθ + α_i + γ_t + u, u = λWu + ε with ε ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    W = knn_weights(n, k, seed)
    Wd = W.toarray()
    X = rng.normal(size=(t, n, len(beta)))
    alpha = rng.normal(size=n) if effects in ("individual", "twoway") else np.zeros(n)
    gamma = rng.normal(size=t) if effects in ("time", "twoway") else np.zeros(t)
    A = np.linalg.inv(np.eye(n) - rho * Wd)
    B = np.linalg.inv(np.eye(n) - lam * Wd)
    y = np.stack([A @ (X[s] @ np.array(beta) + Wd @ X[s] @ np.array(theta) + alpha + gamma[s]
                       + B @ rng.normal(size=n)) for s in range(t)])
    names = [f"x{j + 1}" for j in range(len(beta))]
    return SpatialPanel(y, X, W, tuple(range(1, n + 1)), tuple(range(2000, 2000 + t)), "y", names)
