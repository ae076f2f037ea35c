"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021, AER
111(12), Algorithm 1) for a block design: N0 control units, N1 treated units treated from period
T0 on.

Written from the paper and the defaults of the authors' R package ``synthdid`` (0.0.9):

- noise level σ = sd of the first differences of the control units' pre-period outcomes (ddof 1);
- unit weights ω: ζ_ω = (N1 T1)^{1/4} σ; time weights λ: ζ_λ = 1e-6 σ; both with an intercept
  (columns centred), each solved by Frank–Wolfe with exact line search on
  ``ζ² ||w||² + ||A w − b||² / rows`` over the simplex, stopping when an iteration decreases the
  objective by less than (1e-5 σ)², at most 100 iterations, then "sparsified" (weights ≤ max/4
  set to 0, renormalised) and refined from there (at most 10,000 iterations);
- the collapsed form: controls' post-period outcomes averaged into one column, treated units'
  outcomes averaged into one row;
- τ̂ = (ȳ_tr,post − Σλ_t ȳ_tr,t) − Σω_i (ȳ_i,post − Σλ_t y_it).

Frank–Wolfe is an iterative method and its stopping rule is part of the estimator: the estimate
is that of the stopped iteration, so an independent implementation agrees with ``synthdid`` only
if it follows the same steps; this one does (tests/models/test_synth_did.py: California
Proposition 99, τ̂ = −15.604 as in the paper's Table 1 (−15.6) and the package's −15.604).
Standard errors (placebo, jackknife, bootstrap of the package) are not implemented here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from clusternet.errors import EstimationError


def _fw_step(A, x, b, eta):
    Ax = A @ x
    half_grad = (Ax - b) @ A + eta * x
    i = int(np.argmin(half_grad))
    d_x = -x.copy()
    d_x[i] = 1.0 - x[i]
    if not np.any(d_x):
        return x
    d_err = A[:, i] - Ax
    den = d_err @ d_err + eta * (d_x @ d_x)
    if den <= 0:
        return x
    step = min(1.0, max(0.0, float(-(half_grad @ d_x) / den)))
    return x + step * d_x


def frank_wolfe_weights(Y: np.ndarray, zeta: float, start: np.ndarray | None, min_decrease: float,
                        max_iter: int, intercept: bool = True) -> np.ndarray:
    """Weights on Y's first columns predicting its last column (ridge ζ²·rows), over the simplex."""
    Y = np.asarray(Y, float)
    rows, T0 = Y.shape[0], Y.shape[1] - 1
    x = np.full(T0, 1.0 / T0) if start is None else np.asarray(start, float).copy()
    if intercept:
        Y = Y - Y.mean(axis=0, keepdims=True)
    A, b = Y[:, :T0], Y[:, T0]
    eta = rows * zeta**2
    vals: list[float] = []
    while len(vals) < max_iter and (len(vals) < 2 or vals[-2] - vals[-1] > min_decrease**2):
        x = _fw_step(A, x, b, eta)
        err = A @ x - b
        vals.append(zeta**2 * (x @ x) + (err @ err) / rows)
    return x


def sparsify(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, float).copy()
    v[v <= v.max() / 4.0] = 0.0
    return v / v.sum()


@dataclass
class SynthDiD:
    estimate: float
    omega: np.ndarray  # control unit weights (N0)
    lam: np.ndarray  # pre-period time weights (T0)
    noise_level: float
    zeta_omega: float


def collapsed(Y: np.ndarray, N0: int, T0: int) -> np.ndarray:
    N, T = Y.shape
    top = np.column_stack([Y[:N0, :T0], Y[:N0, T0:].mean(axis=1)])
    bottom = np.concatenate([Y[N0:, :T0].mean(axis=0), [Y[N0:, T0:].mean()]])
    return np.vstack([top, bottom])


def synthdid_estimate(Y: np.ndarray, N0: int, T0: int, *, max_iter: int = 10_000,
                      max_iter_pre_sparsify: int = 100) -> SynthDiD:
    """SDID estimate for the block design ``Y`` (N × T; rows 0..N0−1 controls, columns 0..T0−1
    pre-treatment)."""
    Y = np.asarray(Y, float)
    N, T = Y.shape
    if not (0 < N0 < N and 1 < T0 < T):
        raise EstimationError(f"synthetic DID needs controls, treated units and >= 2 pre-periods; got N={N}, "
                              f"N0={N0}, T={T}, T0={T0}")
    if not np.all(np.isfinite(Y)):
        raise EstimationError("synthetic DID needs a balanced panel without missing outcomes")
    N1, T1 = N - N0, T - T0
    noise = float(np.std(np.diff(Y[:N0, :T0], axis=1), ddof=1))
    zeta_omega = ((N1 * T1) ** 0.25) * noise
    zeta_lambda = 1e-6 * noise
    min_dec = 1e-5 * noise
    Yc = collapsed(Y, N0, T0)
    lam = frank_wolfe_weights(Yc[:N0, :], zeta_lambda, None, min_dec, max_iter_pre_sparsify)
    lam = frank_wolfe_weights(Yc[:N0, :], zeta_lambda, sparsify(lam), min_dec, max_iter)
    omega = frank_wolfe_weights(Yc[:, :T0].T, zeta_omega, None, min_dec, max_iter_pre_sparsify)
    omega = frank_wolfe_weights(Yc[:, :T0].T, zeta_omega, sparsify(omega), min_dec, max_iter)
    row = np.concatenate([-omega, np.full(N1, 1.0 / N1)])
    col = np.concatenate([-lam, np.full(T1, 1.0 / T1)])
    return SynthDiD(float(row @ Y @ col), omega, lam, noise, zeta_omega)
