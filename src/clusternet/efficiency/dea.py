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

Solvers. Default (``Envelopment``): all DMUs evaluated against one reference technology are solved
one after another in one HiGHS model (scipy's binding of the HiGHS C++ API), warm-started, with exact
column generation when the reference set is large (see the class). Fallback without that binding
(``radial_blocks``, also the benchmark's peer): the LPs of a batch of DMUs are stacked
block-diagonally into one sparse LP (the objective is a sum of separable terms, so its optimum is
every block's optimum) and solved by HiGHS through ``scipy.optimize.linprog``. Before that,
reference DMUs that are dominated (another reference DMU uses no more of every input and produces no
less of every output, and differs) are dropped: for radial CCR/BCC and for SBM a dominated DMU in an
optimal combination can be replaced by its dominator without loss, so the optimum is unchanged (for
BCC the replacement keeps sum(lam)); this makes the LPs small when n is large.
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


# --- one reusable HiGHS model per reference technology, with column generation ---------------------

try:  # scipy's own binding of the HiGHS C++ API (scipy >= 1.15); without it the stacked linprog path runs
    from scipy.optimize._highspy import _core as _highs_core
except ImportError:  # pragma: no cover - older scipy
    _highs_core = None

# Reference sets up to this size go into the model whole (pricing would not pay for itself).
_FULL_MODEL_MAX = 64
# Pricing: a reference DMU outside the model enters when its reduced cost is below
# -_PRICE_TOL x (sum_q |a_jq pi_q| + 1e-12), at most _PRICE_BATCH per round (most negative first).
_PRICE_TOL = 1e-10
_PRICE_BATCH = 16


class Envelopment:
    """The envelopment programmes of many DMUs against one reference technology, solved one DMU
    after another in one HiGHS model (dual/primal simplex warm-started from the previous DMU's
    basis; only the evaluated DMU's coefficients, bounds and costs change).

    Large reference sets are handled by column generation, which is exact: the model holds a subset
    of the reference DMUs' intensity columns (those that earlier DMUs' programmes needed); after
    each solve the reduced costs ``c_j - a_j' pi = -a_j' pi`` of *all* reference DMUs are computed
    at once from the row duals ``pi``, and the most negative ones not yet in the model are added
    and the model re-solved.
    When no reference DMU prices out, the restricted optimum satisfies the optimality conditions
    of the full programme, so it is the full optimum (Dantzig-Wolfe / revised simplex pricing).
    A restricted programme that is infeasible (or unbounded) first gets the evaluated DMU's own
    column (``seed``), then every remaining column, before the DMU's programme is declared infeasible.

    kind ``radial`` (orientation input/output, CCR/BCC) or ``sbm`` (Tone 2001, Charnes-Cooper form).
    Rows: [sbm: normalisation] x-rows (m), y-rows (s), [vrs: convexity]; column j of the reference
    has entries x_j, y_j (and 1) in them.
    """

    def __init__(self, kind: str, Rx: np.ndarray, Ry: np.ndarray, rts: str, orientation: str = "input"):
        hc = _highs_core
        self.kind, self.rts, self.orientation = kind, rts, orientation
        # Units invariance: every score here is unchanged when an input or output is rescaled
        # across all DMUs, so each is divided by its mean over the reference set (conditioning).
        self.sx = _unit_scale(Rx)
        self.sy = _unit_scale(Ry)
        Rx, Ry = Rx / self.sx, Ry / self.sy
        k, m = Rx.shape
        s = Ry.shape[1]
        self.k, self.m, self.s = k, m, s
        vrs = rts == "vrs"
        self.r0 = 1 if kind == "sbm" else 0
        self.n_extra = 1 if kind == "radial" else 1 + m + s
        self.nrow = self.r0 + m + s + (1 if vrs else 0)
        # the reference DMUs' column entries in rows r0.. (k x (m + s [+ 1]))
        self.pool = np.hstack([Rx, Ry] + ([np.ones((k, 1))] if vrs else []))
        self.pool_rows = np.arange(self.r0, self.nrow, dtype=np.int32)
        self.in_model = np.zeros(k, dtype=bool)
        self.cols: list[int] = []   # reference index of model column n_extra + position
        inf = hc.kHighsInf
        h = hc._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("presolve", "off")
        h.setOptionValue("primal_feasibility_tolerance", 1e-10)
        h.setOptionValue("dual_feasibility_tolerance", 1e-10)
        self.h = h
        # extra (non-intensity) variables, their fixed entries, costs and the row bounds;
        # the entries that depend on the evaluated DMU are set by _set_dmu
        ne, r0 = self.n_extra, self.r0
        cost = np.zeros(ne)
        entries: list[list[tuple[int, float]]] = [[] for _ in range(ne)]
        lo, up = np.zeros(self.nrow), np.zeros(self.nrow)
        if kind == "radial":
            cost[0] = 1.0 if orientation == "input" else -1.0
            if orientation == "input":   # x-rows: X'lam - theta x_o <= 0 ; y-rows: Y'lam >= y_o
                entries[0] = [(i, -1.0) for i in range(m)]
                lo[:m], up[:m] = -inf, 0.0
                lo[m:m + s], up[m:m + s] = 1.0, inf
            else:                        # x-rows: X'lam <= x_o ; y-rows: Y'lam - phi y_o >= 0
                entries[0] = [(m + r, -1.0) for r in range(s)]
                lo[:m], up[:m] = -inf, 1.0
                lo[m:m + s], up[m:m + s] = 0.0, inf
            if vrs:
                lo[-1] = up[-1] = 1.0
        else:
            # t: cost 1, normalisation 1, x-rows -x_o, y-rows -y_o, convexity -1 (sum Lambda = t)
            cost[0] = 1.0
            entries[0] = [(0, 1.0)] + [(r0 + i, -1.0) for i in range(m)] + [(r0 + m + r, -1.0) for r in range(s)]
            if vrs:
                entries[0].append((self.nrow - 1, -1.0))
            for i in range(m):           # S-_i: x-row +1, cost -1/(m x_oi)
                entries[1 + i] = [(r0 + i, 1.0)]
            for r in range(s):           # S+_r: normalisation 1/(s y_or), y-row -1
                entries[1 + m + r] = [(0, 1.0), (r0 + m + r, -1.0)]
            lo[0] = up[0] = 1.0          # t + (1/s) sum S+/y_o = 1 ; the other rows are equalities = 0
        lp = hc.HighsLp()
        lp.num_col_, lp.num_row_ = ne, self.nrow
        lp.col_cost_ = cost
        lp.col_lower_, lp.col_upper_ = np.zeros(ne), np.full(ne, inf)
        lp.row_lower_, lp.row_upper_ = lo, up
        starts, index, value = [0], [], []
        for e in entries:
            index += [i for i, _ in e]
            value += [v for _, v in e]
            starts.append(len(index))
        lp.a_matrix_.format_ = hc.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.asarray(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.asarray(value, dtype=float)
        h.passModel(lp)
        self.full = k <= _FULL_MODEL_MAX
        if self.full:
            self._add(np.arange(k))

    def _add(self, idx: np.ndarray) -> None:
        idx = np.asarray(idx, dtype=int)
        if not len(idx):
            return
        q = self.pool.shape[1]
        vals = self.pool[idx].ravel()
        self.h.addCols(len(idx), np.zeros(len(idx)), np.zeros(len(idx)), np.full(len(idx), _highs_core.kHighsInf),
                       len(idx) * q, np.arange(0, len(idx) * q, q, dtype=np.int32),
                       np.tile(self.pool_rows, len(idx)), vals)
        self.in_model[idx] = True
        self.cols.extend(int(j) for j in idx)

    def set_reference_inputs(self, Rx: np.ndarray) -> None:
        """Replace the reference DMUs' inputs (same DMUs and outputs; the bootstrap's pseudo data),
        keeping the model, its basis and the units scaling."""
        Rx = Rx / self.sx
        r0, ne, h = self.r0, self.n_extra, self.h
        for pos, j in enumerate(self.cols):
            for i in range(self.m):
                h.changeCoeff(r0 + i, ne + pos, float(Rx[j, i]))
        self.pool[:, :self.m] = Rx

    def _set_dmu(self, x: np.ndarray, y: np.ndarray) -> None:
        h, m, s, inf = self.h, self.m, self.s, _highs_core.kHighsInf
        x, y = x / self.sx, y / self.sy
        if self.kind == "radial":
            if self.orientation == "input":
                for i in range(m):
                    h.changeCoeff(i, 0, -float(x[i]))
                for r in range(s):
                    h.changeRowBounds(m + r, float(y[r]), inf)
            else:
                for r in range(s):
                    h.changeCoeff(m + r, 0, -float(y[r]))
                for i in range(m):
                    h.changeRowBounds(i, -inf, float(x[i]))
            return
        r0 = self.r0
        for i in range(m):
            h.changeCoeff(r0 + i, 0, -float(x[i]))
        for r in range(s):
            h.changeCoeff(r0 + m + r, 0, -float(y[r]))
            h.changeCoeff(0, 1 + m + r, 1.0 / (s * float(y[r])))
        h.changeColsCost(m, np.arange(1, 1 + m, dtype=np.int32), -1.0 / (m * x))

    def solve(self, x: np.ndarray, y: np.ndarray, seed: int | None, what: str):
        """Optimal value, values of the extra variables, and (reference index, intensity) pairs."""
        hc = _highs_core
        self._set_dmu(x, y)
        h = self.h
        retried = False
        while True:
            h.run()
            status = h.getModelStatus()
            if status != hc.HighsModelStatus.kOptimal and not retried and status not in (
                    hc.HighsModelStatus.kInfeasible, hc.HighsModelStatus.kUnbounded,
                    hc.HighsModelStatus.kUnboundedOrInfeasible):
                h.clearSolver()          # numerical trouble from the warm start: solve from scratch
                retried = True
                continue
            if status != hc.HighsModelStatus.kOptimal:
                # restricted programme infeasible/unbounded: add the DMU's own column, then the rest
                if seed is not None and not self.in_model[seed]:
                    self._add(np.array([seed]))
                    continue
                rest = np.flatnonzero(~self.in_model)
                if len(rest):
                    self._add(rest)
                    continue
                raise EstimationError(
                    f"DEA {what}: the linear programme failed ({h.modelStatusToString(status)}); for variable "
                    "returns to scale a cross-period evaluation can be infeasible - use rts: crs")
            sol = h.getSolution()
            if self.full:
                break
            pi = np.asarray(sol.row_dual)[self.r0:]
            rc = -(self.pool @ pi)
            bad = (rc < -_PRICE_TOL * (self.pool @ np.abs(pi) + 1e-12)) & ~self.in_model
            if not bad.any():
                break
            cand = np.flatnonzero(bad)
            if len(cand) > _PRICE_BATCH:
                cand = cand[np.argsort(rc[cand], kind="stable")[:_PRICE_BATCH]]
            self._add(cand)
        val = np.asarray(sol.col_value)
        extra = val[:self.n_extra]
        if self.kind == "sbm":           # slacks back in the data's units
            extra = np.concatenate([extra[:1], extra[1:1 + self.m] * self.sx, extra[1 + self.m:] * self.sy])
        return h.getObjectiveValue(), extra, np.asarray(self.cols), val[self.n_extra:]


def _unit_scale(a: np.ndarray) -> np.ndarray:
    mean = a.mean(axis=0) if len(a) else np.ones(a.shape[1])
    return np.where(mean > 0, mean, 1.0)


def _row_seeds(X: np.ndarray, Y: np.ndarray, Rx: np.ndarray, Ry: np.ndarray) -> list[int | None]:
    """For each evaluated DMU, the index of a reference DMU with identical data (its own column),
    else the reference DMU at the same position when the sets have equal size, else None."""
    where = {np.concatenate([a, b]).tobytes(): j for j, (a, b) in reversed(list(enumerate(zip(Rx, Ry))))}
    same = len(X) == len(Rx)
    return [where.get(np.concatenate([a, b]).tobytes(), i if same else None) for i, (a, b) in enumerate(zip(X, Y))]


def envelopment(kind: str, X, Y, Rx, Ry, rts: str, orientation: str = "input", what: str = "",
                seeds: list | None = None):
    """Optimal values (n), extra-variable values (n x n_extra) and intensities (n x k) of the
    envelopment programmes of the rows of X, Y against the reference Rx, Ry (see Envelopment)."""
    model = Envelopment(kind, Rx, Ry, rts, orientation)
    seeds = _row_seeds(X, Y, Rx, Ry) if seeds is None else seeds
    n = X.shape[0]
    obj = np.empty(n)
    extra = np.empty((n, model.n_extra))
    lam = np.zeros((n, Rx.shape[0]))
    for o in range(n):
        obj[o], extra[o], cols, vals = model.solve(X[o], Y[o], seeds[o], what)
        lam[o, cols] = vals
    return obj, extra, lam


def direct_solver_available() -> bool:
    """Whether scipy's HiGHS binding is there (the Envelopment path); else stacked linprog."""
    return _highs_core is not None


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
    what = f"{orientation}-oriented {'BCC' if rts == 'vrs' else 'CCR'}"
    if direct_solver_available():
        _, extra, lam_full = envelopment("radial", X, Y, Xref, Yref, rts, orientation, what)
        score = extra[:, 0]
    else:
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
    if direct_solver_available():
        _, extra, lam = envelopment("sbm", X, Y, Xref, Yref, rts, what=f"SBM {rts.upper()}")
        t = extra[:, 0]
        s_in, s_out = extra[:, 1:1 + m], extra[:, 1 + m:]
        eff = t - (s_in / X).sum(1) / m
        return SBMResult(eff, s_in / t[:, None], s_out / t[:, None], lam / t[:, None])
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
