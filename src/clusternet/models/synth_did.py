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
Standard errors (:func:`synthdid_se`, the paper's Algorithms 2-4 as the package runs them): the
refits keep the estimate's ζ_ω, ζ_λ and stopping threshold, re-solve both weight vectors starting
from the estimate's λ and from its ω restricted to the resampled controls (renormalised; uniform if
they sum to 0), with the same sparsify step; ``placebo`` (Algorithm 4, the only one defined with one
treated unit): R random permutations of the controls, the last N1 relabelled treated, SE =
sqrt((R−1)/R)·sd(draws); ``bootstrap`` (Algorithm 2): units resampled with replacement, draws with
no treated or no control unit redrawn, undefined (NaN) with one treated unit; ``jackknife``
(Algorithm 3, fixed weights): leave one unit out with ω restricted and λ kept,
SE = sqrt((N−1)/N · (N−1) · var(u)), NaN with one treated unit or one control with weight.
Checked against synthdid-py's ``vcov`` on California Prop 99 with the same random draws.
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
    zeta_lambda: float = 0.0
    min_decrease: float = 0.0


def collapsed(Y: np.ndarray, N0: int, T0: int) -> np.ndarray:
    N, T = Y.shape
    top = np.column_stack([Y[:N0, :T0], Y[:N0, T0:].mean(axis=1)])
    bottom = np.concatenate([Y[N0:, :T0].mean(axis=0), [Y[N0:, T0:].mean()]])
    return np.vstack([top, bottom])


def synthdid_estimate(Y: np.ndarray, N0: int, T0: int, *, max_iter: int = 10_000,
                      max_iter_pre_sparsify: int = 100, zeta_omega: float | None = None,
                      zeta_lambda: float | None = None, min_decrease: float | None = None,
                      omega: np.ndarray | None = None, lam: np.ndarray | None = None,
                      update: bool = True) -> SynthDiD:
    """SDID estimate for the block design ``Y`` (N × T; rows 0..N0−1 controls, columns 0..T0−1
    pre-treatment). ``zeta_*``/``min_decrease`` override the noise-based defaults, ``omega``/``lam``
    start the Frank–Wolfe iterations (or, with ``update=False``, are used as they are)."""
    Y = np.asarray(Y, float)
    N, T = Y.shape
    if not (0 < N0 < N and 1 < T0 < T):
        raise EstimationError(f"synthetic DID needs controls, treated units and >= 2 pre-periods; got N={N}, "
                              f"N0={N0}, T={T}, T0={T0}")
    if not np.all(np.isfinite(Y)):
        raise EstimationError("synthetic DID needs a balanced panel without missing outcomes")
    N1, T1 = N - N0, T - T0
    noise = float(np.std(np.diff(Y[:N0, :T0], axis=1), ddof=1))
    zeta_omega = ((N1 * T1) ** 0.25) * noise if zeta_omega is None else float(zeta_omega)
    zeta_lambda = 1e-6 * noise if zeta_lambda is None else float(zeta_lambda)
    min_dec = 1e-5 * noise if min_decrease is None else float(min_decrease)
    if update:
        Yc = collapsed(Y, N0, T0)
        lam = frank_wolfe_weights(Yc[:N0, :], zeta_lambda, lam, min_dec, max_iter_pre_sparsify)
        lam = frank_wolfe_weights(Yc[:N0, :], zeta_lambda, sparsify(lam), min_dec, max_iter)
        omega = frank_wolfe_weights(Yc[:, :T0].T, zeta_omega, omega, min_dec, max_iter_pre_sparsify)
        omega = frank_wolfe_weights(Yc[:, :T0].T, zeta_omega, sparsify(omega), min_dec, max_iter)
    elif omega is None or lam is None:
        raise EstimationError("synthetic DID with update=False needs omega and lam")
    assert omega is not None and lam is not None
    row = np.concatenate([-omega, np.full(N1, 1.0 / N1)])
    col = np.concatenate([-lam, np.full(T1, 1.0 / T1)])
    return SynthDiD(float(row @ Y @ col), np.asarray(omega), np.asarray(lam), noise, zeta_omega, zeta_lambda, min_dec)


def _normalise(x: np.ndarray) -> np.ndarray:
    total = x.sum()
    return x / total if total != 0 else np.full(x.size, 1.0 / x.size)


def _refit(fit: SynthDiD, Y: np.ndarray, N0: int, T0: int, omega_start: np.ndarray, update: bool = True) -> float:
    return synthdid_estimate(Y, N0, T0, zeta_omega=fit.zeta_omega, zeta_lambda=fit.zeta_lambda,
                             min_decrease=fit.min_decrease, omega=_normalise(omega_start), lam=fit.lam.copy(),
                             update=update).estimate


SE_METHODS = ("placebo", "bootstrap", "jackknife")


def synthdid_se(Y: np.ndarray, N0: int, T0: int, fit: SynthDiD, method: str = "placebo",
                replications: int = 200, rng: np.random.Generator | None = None) -> dict:
    """Standard error of ``fit`` (module docstring): {"method", "std_error", "replications", "draws"}."""
    Y = np.asarray(Y, float)
    N = Y.shape[0]
    N1 = N - N0
    if method not in SE_METHODS:
        raise EstimationError(f"synthetic DID: se method {method!r} is not one of {SE_METHODS}")
    if method != "jackknife" and rng is None:
        raise EstimationError(f"synthetic DID: the {method} standard error needs a seeded generator")
    draws: list[float] = []
    se = float("nan")
    if method == "placebo":
        if N0 <= N1:
            raise EstimationError("synthetic DID placebo SE needs more controls than treated units")
        assert rng is not None
        n0 = N0 - N1
        for _ in range(int(replications)):
            ind = rng.permutation(N0)
            draws.append(_refit(fit, Y[ind], n0, T0, fit.omega[ind[:n0]]))
        se = float(np.sqrt((replications - 1) / replications) * np.std(draws, ddof=1))
    elif method == "bootstrap":
        assert rng is not None
        if N1 > 1:
            while len(draws) < int(replications):
                ind = np.sort(rng.integers(0, N, size=N))
                n0b = int((ind < N0).sum())
                if n0b in (0, N):
                    continue
                draws.append(_refit(fit, Y[ind], n0b, T0, fit.omega[ind[ind < N0]]))
            se = float(np.sqrt((replications - 1) / replications) * np.std(draws, ddof=1))
    else:
        if N1 > 1 and int(np.count_nonzero(fit.omega)) > 1:
            rows = np.arange(N)
            for i in range(N):
                ind = np.delete(rows, i)
                draws.append(_refit(fit, Y[ind], int((ind < N0).sum()), T0, fit.omega[ind[ind < N0]],
                                    update=False))
            se = float(np.sqrt(((N - 1) / N) * (N - 1) * np.var(draws, ddof=1)))
    return {"method": method, "std_error": se if np.isfinite(se) else None,
            "replications": len(draws), "draws": [float(d) for d in draws]}
