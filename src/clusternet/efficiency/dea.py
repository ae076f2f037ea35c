"""Data envelopment analysis (DEA) by linear programming, vectorised over DMUs.

Notation: ``X`` (n x m) inputs and ``Y`` (n x s) outputs of the evaluated DMUs;
``Xref``, ``Yref`` the reference technology (defaults: the evaluated DMUs).

- CCR / BCC envelopment (Charnes, Cooper & Rhodes 1978; Banker, Charnes & Cooper 1984):
  input oriented  min theta  s.t. Xref' lam <= theta x_o, Yref' lam >= y_o, lam >= 0;
  output oriented max phi    s.t. Xref' lam <= x_o, Yref' lam >= phi y_o, lam >= 0;
  BCC (variable returns, ``rts="vrs"``) adds sum(lam) = 1. Scores are Farrell
  efficiencies: theta for input orientation, 1/phi for output orientation (so
  both are <= 1 within the technology, 1 = efficient). Cross-period evaluations
  (Malmquist) may exceed 1.
- Scale efficiency SE = CCR / BCC in the same orientation (Banker et al. 1984).
- SBM, non-oriented (Tone 2001): rho = min (1 - mean_i s_i^- / x_io) / (1 + mean_r s_r^+ / y_ro)
  s.t. x_o = Xref' lam + s^-, y_o = Yref' lam - s^+, solved as the Charnes-Cooper
  linear programme in (t, Lambda, S^-, S^+); ``rts="vrs"`` adds sum(Lambda) = t.
  Strictly positive data are required (Tone's zero-data conventions are not implemented).

Vectorisation: the LPs of a batch of DMUs are stacked block-diagonally into one sparse
LP (the objective is a sum of separable terms, so its optimum is every block's optimum)
and solved by HiGHS through ``scipy.optimize.linprog``. Before that, reference DMUs that
are dominated (another reference DMU uses no more of every input and produces no less of
every output, and differs) are dropped: for radial CCR/BCC and for SBM a dominated DMU in
an optimal combination can be replaced by its dominator without loss, so the optimum is
unchanged (for BCC the replacement keeps sum(lam)); this makes the LPs small when n is large.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from clusternet.errors import DataError, EstimationError

ORIENTATIONS = ("input", "output")
RTS = ("crs", "vrs")
# Matrix entries of stacked blocks per HiGHS call: simplex cost grows faster than linearly in the
# stacked size while each call has a fixed overhead; ~100 blocks per call is the measured optimum.
_MAX_NNZ_PER_BATCH = 20_000


def as_matrix(a, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise DataError(f"DEA {name} must be a matrix (DMUs x variables), got shape {a.shape}")
    if not np.isfinite(a).all():
        i, j = np.argwhere(~np.isfinite(a))[0]
        raise DataError(f"DEA {name} has a missing or infinite value at DMU row {i}, column {j}; "
                        "drop or impute that DMU before DEA")
    if (a < 0).any():
        i, j = np.argwhere(a < 0)[0]
        raise DataError(f"DEA {name} has a negative value {a[i, j]} at DMU row {i}, column {j}; "
                        "DEA needs non-negative inputs and outputs")
    return a


def nondominated(Xref: np.ndarray, Yref: np.ndarray) -> np.ndarray:
    """Indices of reference DMUs not weakly dominated by another one (duplicates keep the first).

    Skyline filter: a DMU can only be dominated by one with a larger sum of (-x, y), so DMUs are
    visited in decreasing order of that sum and compared with the kept ones only."""
    Z = np.hstack([-Xref, Yref])  # larger is better in every column
    order = np.lexsort((np.arange(Z.shape[0]), -Z.sum(axis=1)))
    kept: list[int] = []
    K = np.empty((0, Z.shape[1]))
    for j in order:
        if K.shape[0] and (Z[j] <= K).all(axis=1).any():
            continue
        kept.append(int(j))
        K = np.vstack([K, Z[j]])
    return np.sort(np.asarray(kept, dtype=int))


def _block_lp(c: np.ndarray, A: np.ndarray, b: np.ndarray, n_ub: int, what: str) -> np.ndarray:
    """Solve B independent LPs  min c_b'x  s.t. A_b[:n_ub] x <= b_b[:n_ub], A_b[n_ub:] x = b_b[n_ub:],
    x >= 0, stacked block-diagonally into one sparse LP (c: B x v, A: B x r x v, b: B x r)."""
    return _block_lp_duals(c, A, b, n_ub, what)[0]


def _block_lp_duals(c: np.ndarray, A: np.ndarray, b: np.ndarray, n_ub: int, what: str):
    """As _block_lp, also returning the constraint marginals (B x r: d objective / d b)."""
    B, r, v = A.shape
    out = np.empty((B, v))
    duals = np.zeros((B, r))
    per = max(1, _MAX_NNZ_PER_BATCH // max(r * v, 1))
    for start in range(0, B, per):
        sl = slice(start, min(B, start + per))
        Ab, bb, cb = A[sl], b[sl], c[sl]
        nb = Ab.shape[0]
        mats: list = []
        for rows in (slice(0, n_ub), slice(n_ub, r)):
            sub = Ab[:, rows, :]
            nr = sub.shape[1]
            if nr == 0:
                mats.append(None)
                continue
            blk, i, j = np.nonzero(sub)
            mats.append(sparse.csr_matrix((sub[blk, i, j], (blk * nr + i, blk * v + j)), shape=(nb * nr, nb * v)))
        res = linprog(cb.ravel(), A_ub=mats[0], b_ub=bb[:, :n_ub].ravel() if mats[0] is not None else None,
                      A_eq=mats[1], b_eq=bb[:, n_ub:].ravel() if mats[1] is not None else None,
                      bounds=(0, None), method="highs",
                      options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
        if res.status != 0:
            raise EstimationError(f"DEA {what}: the linear programme failed ({res.message}); for variable "
                                  "returns to scale a cross-period evaluation can be infeasible - use rts: crs")
        out[sl] = res.x.reshape(nb, v)
        if n_ub:
            duals[sl, :n_ub] = np.asarray(res.ineqlin.marginals).reshape(nb, n_ub)
        if r > n_ub:
            duals[sl, n_ub:] = np.asarray(res.eqlin.marginals).reshape(nb, r - n_ub)
    return out, duals


def radial_blocks(xo, yo, Rx, Ry, orientation: str = "input", rts: str = "crs", duals: bool = False):
    """Scores and intensities of B evaluations, each against its own reference set.

    xo: B x m, yo: B x s, Rx: B x k x m (or k x m, shared), Ry: B x k x s (or k x s).
    Returns (score, lambdas): theta (input) or phi (output), and B x k intensities."""
    B, m = xo.shape
    s = yo.shape[1]
    Rx = np.broadcast_to(Rx, (B,) + Rx.shape[-2:]) if Rx.ndim == 2 else Rx
    Ry = np.broadcast_to(Ry, (B,) + Ry.shape[-2:]) if Ry.ndim == 2 else Ry
    k = Rx.shape[1]
    v = 1 + k
    r = m + s + (1 if rts == "vrs" else 0)
    A = np.zeros((B, r, v))
    b = np.zeros((B, r))
    c = np.zeros((B, v))
    if orientation == "input":
        # Rx' lam - theta x_o <= 0 ; -Ry' lam <= -y_o
        c[:, 0] = 1.0
        A[:, :m, 0] = -xo
        A[:, :m, 1:] = np.transpose(Rx, (0, 2, 1))
        A[:, m:m + s, 1:] = -np.transpose(Ry, (0, 2, 1))
        b[:, m:m + s] = -yo
    else:
        # Rx' lam <= x_o ; phi y_o - Ry' lam <= 0 ; maximise phi
        c[:, 0] = -1.0
        A[:, :m, 1:] = np.transpose(Rx, (0, 2, 1))
        b[:, :m] = xo
        A[:, m:m + s, 0] = yo
        A[:, m:m + s, 1:] = -np.transpose(Ry, (0, 2, 1))
    if rts == "vrs":
        A[:, m + s, 1:] = 1.0
        b[:, m + s] = 1.0
    sol, dual = _block_lp_duals(c, A, b, m + s, f"{orientation}-oriented {'BCC' if rts == 'vrs' else 'CCR'}")
    if duals:
        return sol[:, 0], sol[:, 1:], dual
    return sol[:, 0], sol[:, 1:]


def _check(X, Y, Xref, Yref):
    X, Y = as_matrix(X, "inputs"), as_matrix(Y, "outputs")
    Xref = X if Xref is None else as_matrix(Xref, "reference inputs")
    Yref = Y if Yref is None else as_matrix(Yref, "reference outputs")
    n, m = X.shape
    s = Y.shape[1]
    if Y.shape[0] != n or Xref.shape[0] != Yref.shape[0] or Xref.shape[1] != m or Yref.shape[1] != s:
        raise DataError(f"DEA: inputs {X.shape}, outputs {Y.shape}, reference inputs {Xref.shape} and "
                        f"reference outputs {Yref.shape} do not conform")
    return X, Y, Xref, Yref


# Above this many non-dominated reference DMUs, first find the efficient ones (a smaller LP set).
_EFFICIENT_SET_THRESHOLD = 60


def frontier_set(Xref, Yref, rts: str = "crs", chunk: int = 100) -> np.ndarray:
    """Reference DMUs that suffice to span the technology: the non-dominated ones, and when
    there are many, only the radially efficient ones (theta >= 1 - 1e-9). An inefficient
    reference DMU is dominated by its own projection, a combination of efficient DMUs (whose
    intensities sum to 1 under VRS), so dropping it leaves radial and SBM optima unchanged.

    The efficient ones are found incrementally: candidates, strongest first, are evaluated in
    chunks against the kept set plus the chunk. A candidate inefficient against a subset of the
    reference DMUs is inefficient against all of them, and an efficient one is efficient against
    every subset containing it, so the kept set always contains every efficient DMU; a last pass
    of the kept set against itself removes the few kept ones that later candidates dominate."""
    keep = nondominated(Xref, Yref)
    if len(keep) <= _EFFICIENT_SET_THRESHOLD:
        return keep
    Z = np.hstack([Yref[keep] / Yref[keep].mean(axis=0), -Xref[keep] / Xref[keep].mean(axis=0)])
    order = keep[np.argsort(-Z.sum(axis=1), kind="stable")]
    kept = np.empty(0, dtype=int)
    for start in range(0, len(order), chunk):
        cand = order[start:start + chunk]
        ref = np.concatenate([kept, cand])
        theta, _ = radial_blocks(Xref[cand], Yref[cand], Xref[ref], Yref[ref], "input", rts)
        kept = np.concatenate([kept, cand[theta >= 1 - 1e-9]])
    theta, _ = radial_blocks(Xref[kept], Yref[kept], Xref[kept], Yref[kept], "input", rts)
    return np.sort(kept[theta >= 1 - 1e-9])


@dataclass
class RadialResult:
    efficiency: np.ndarray  # Farrell efficiency (theta, or 1/phi for output orientation)
    lambdas: np.ndarray     # n_eval x n_ref intensity weights


def radial(X, Y, Xref=None, Yref=None, orientation: str = "input", rts: str = "crs") -> RadialResult:
    """CCR (rts='crs') or BCC (rts='vrs') envelopment scores, input or output oriented."""
    if orientation not in ORIENTATIONS:
        raise EstimationError(f"DEA orientation must be one of {ORIENTATIONS}, got {orientation!r}")
    if rts not in RTS:
        raise EstimationError(f"DEA returns to scale must be one of {RTS}, got {rts!r}")
    X, Y, Xref, Yref = _check(X, Y, Xref, Yref)
    keep = frontier_set(Xref, Yref, rts)
    score, lam = radial_blocks(X, Y, Xref[keep], Yref[keep], orientation, rts)
    lam_full = np.zeros((X.shape[0], Xref.shape[0]))
    lam_full[:, keep] = lam
    return RadialResult(score if orientation == "input" else 1.0 / score, lam_full)


def ccr(X, Y, Xref=None, Yref=None, orientation: str = "input") -> np.ndarray:
    return radial(X, Y, Xref, Yref, orientation, "crs").efficiency


def bcc(X, Y, Xref=None, Yref=None, orientation: str = "input") -> np.ndarray:
    return radial(X, Y, Xref, Yref, orientation, "vrs").efficiency


def scale_efficiency(X, Y, orientation: str = "input") -> np.ndarray:
    return ccr(X, Y, orientation=orientation) / bcc(X, Y, orientation=orientation)


@dataclass
class SBMResult:
    efficiency: np.ndarray
    slack_inputs: np.ndarray   # n x m
    slack_outputs: np.ndarray  # n x s
    lambdas: np.ndarray


def sbm(X, Y, Xref=None, Yref=None, rts: str = "crs") -> SBMResult:
    """Non-oriented slacks-based measure (Tone 2001); strictly positive data."""
    if rts not in RTS:
        raise EstimationError(f"SBM returns to scale must be one of {RTS}, got {rts!r}")
    X, Y, Xref, Yref = _check(X, Y, Xref, Yref)
    for a, name in ((X, "inputs"), (Y, "outputs")):
        if (a <= 0).any():
            i, j = np.argwhere(a <= 0)[0]
            raise DataError(f"SBM needs strictly positive {name}; DMU row {i}, column {j} is {a[i, j]}")
    n, m = X.shape
    s = Y.shape[1]
    keep = frontier_set(Xref, Yref, rts)
    R_x, R_y = Xref[keep], Yref[keep]
    k = len(keep)
    v = 1 + k + m + s  # t, Lambda, S-, S+
    r = 1 + m + s + (1 if rts == "vrs" else 0)
    A = np.zeros((n, r, v))
    b = np.zeros((n, r))
    c = np.zeros((n, v))
    c[:, 0] = 1.0
    c[:, 1 + k:1 + k + m] = -1.0 / (m * X)
    # 1 = t + (1/s) sum_r S+_r / y_ro
    A[:, 0, 0] = 1.0
    A[:, 0, 1 + k + m:] = 1.0 / (s * Y)
    b[:, 0] = 1.0
    # t x_o - R_x' Lambda - S- = 0
    A[:, 1:1 + m, 0] = X
    A[:, 1:1 + m, 1:1 + k] = -R_x.T
    A[:, 1:1 + m, 1 + k:1 + k + m] = -np.eye(m)
    # t y_o - R_y' Lambda + S+ = 0
    A[:, 1 + m:1 + m + s, 0] = Y
    A[:, 1 + m:1 + m + s, 1:1 + k] = -R_y.T
    A[:, 1 + m:1 + m + s, 1 + k + m:] = np.eye(s)
    if rts == "vrs":  # sum Lambda = t
        A[:, -1, 0] = -1.0
        A[:, -1, 1:1 + k] = 1.0
    sol = _block_lp(c, A, b, 0, f"SBM {rts.upper()}")
    t = sol[:, 0]
    eff = t - (sol[:, 1 + k:1 + k + m] / X).sum(1) / m
    lam_full = np.zeros((n, Xref.shape[0]))
    lam_full[:, keep] = sol[:, 1:1 + k] / t[:, None]
    return SBMResult(eff, sol[:, 1 + k:1 + k + m] / t[:, None], sol[:, 1 + k + m:] / t[:, None], lam_full)


def _panel_arrays(X, Y):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if X.ndim == 2:
        X = X[:, :, None]
    if Y.ndim == 2:
        Y = Y[:, :, None]
    if X.ndim != 3 or Y.ndim != 3 or X.shape[0] != Y.shape[0] or X.shape[1] != Y.shape[1]:
        raise DataError(f"Malmquist needs arrays (periods x DMUs x variables); got inputs {X.shape}, "
                        f"outputs {Y.shape}")
    return X, Y


@dataclass
class MalmquistResult:
    """Per period pair (t, t+1) and DMU: index and decomposition (>1 = improvement)."""
    malmquist: np.ndarray   # (T-1) x n
    efficiency_change: np.ndarray
    technical_change: np.ndarray
    frontier: str           # contemporaneous | global
    distances: dict         # name -> array of Farrell distances used


def malmquist(X, Y, frontier: str = "contemporaneous") -> MalmquistResult:
    """Malmquist productivity index under constant returns (Färe, Grosskopf, Norris & Zhang 1994).

    ``X`` is (T x n x m), ``Y`` (T x n x s). With D^a(b) the Farrell input efficiency of the
    period-b observation against the period-a CCR frontier (= the Shephard output distance
    function under CRS):

    contemporaneous: M = sqrt[D^t(t+1)/D^t(t) * D^{t+1}(t+1)/D^{t+1}(t)],
    EC = D^{t+1}(t+1)/D^t(t), TC = M/EC.
    global (Pastor & Lovell 2005): the frontier pools all periods, M^G = D^G(t+1)/D^G(t),
    EC as above, TC^G = M^G/EC (change of the best-practice gap).
    """
    X, Y = _panel_arrays(X, Y)
    T = X.shape[0]
    if T < 2:
        raise DataError("Malmquist needs at least two periods")
    own = np.stack([ccr(X[t], Y[t]) for t in range(T)])
    if frontier == "contemporaneous":
        fwd = np.stack([ccr(X[t + 1], Y[t + 1], X[t], Y[t]) for t in range(T - 1)])   # D^t(t+1)
        back = np.stack([ccr(X[t], Y[t], X[t + 1], Y[t + 1]) for t in range(T - 1)])  # D^{t+1}(t)
        m = np.sqrt(fwd / own[:-1] * own[1:] / back)
        ec = own[1:] / own[:-1]
        return MalmquistResult(m, ec, m / ec, frontier, {"own": own, "forward": fwd, "backward": back})
    if frontier == "global":
        Xg = X.reshape(-1, X.shape[2])
        Yg = Y.reshape(-1, Y.shape[2])
        g = ccr(Xg, Yg).reshape(T, -1)
        m = g[1:] / g[:-1]
        ec = own[1:] / own[:-1]
        return MalmquistResult(m, ec, m / ec, frontier, {"own": own, "global": g})
    raise EstimationError(f"Malmquist frontier must be 'contemporaneous' or 'global', got {frontier!r}")
