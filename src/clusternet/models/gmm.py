"""Dynamic panel GMM: Arellano–Bond difference GMM and Blundell–Bond system GMM.

Model (entity i, period t)::

    y_it = sum_{l=1..p} rho_l y_i,t-l + sum_k sum_{l in L_k} beta_kl x_k,i,t-l + delta_t + mu_i + eps_it

Difference GMM (Arellano & Bond 1991) removes ``mu_i`` by first differences and
instruments ``Δy_it`` with the levels ``y_i,t-a .. y_i,t-b`` ("GMM-style"
instruments, one column per period and lag unless collapsed, Roodman 2009).
System GMM (Arellano & Bover 1995; Blundell & Bond 1998) stacks the level
equations, instrumented by ``Δx_i,t-1`` of every GMM-style variable, below the
differenced ones.

Estimator (W_i instruments, X_i regressors, y_i outcome of entity i, stacked over
the difference and, for system GMM, level equations)::

    one-step:  b1 = (X'Z A1 Z'X)^{-1} X'Z A1 Z'y,  A1 = (sum_i W_i' H W_i)^{-1}
    two-step:  b2 = (X'Z A2 Z'X)^{-1} X'Z A2 Z'y,  A2 = (sum_i W_i' e1_i e1_i' W_i)^{-1}

with ``H = D D'`` (2 on the diagonal, -1 beside it) for difference GMM and, for
system GMM, ``H = [[D D', D_level], [D_level', I]]`` (plm's ``FSM(., "full")``).
Standard errors: one-step robust sandwich ``B1 X'Z A1 (sum W'e1e1'W) A1 Z'X B1``;
two-step with the Windmeijer (2005) finite-sample correction
``V = V2 + D V2 + V2 D' + D V1r D'``.

Tests: Arellano–Bond AR(m) test on the differenced residuals (Arellano & Bond
1991, eq. 8, with the robust covariance in the last term, as plm's ``mtest`` in
``summary.pgmm``); Hansen J ``z' A2 z`` with ``z = sum_i W_i' e_i`` (plm calls it
"Sargan"); for difference GMM also the classical one-step Sargan
``z1' (sum W'HW)^{-1} z1 / sigma2`` with ``sigma2 = e1'e1 / (2 (n - K))``
(Arellano & Bond 1991; valid under homoskedasticity only); Wald tests of the
regressors and of the time effects.

Conventions follow R ``plm::pgmm`` (Croissant & Millo) so that results can be
checked against it (tests/reference/panel_gmm.R):

* The panel is laid on the full grid entity x period; missing cells are kept as
  zero rows (equations with a missing value are dropped, missing instrument
  values are set to zero), as in plm and xtabond2.
* Time effects in difference GMM are differenced period dummies for every
  estimated period (they act as instruments too); in system GMM an intercept plus
  period dummies enter both equations but instrument only the level equation.
  Without time effects system GMM has no intercept (plm's convention).
* The level-equation instrument of every GMM-style variable is ``Δx_{t-1}``
  whatever its minimum lag (plm); xtabond2 uses ``Δx_{t-a+1}``.
* The first equation period is ``max(p_max + 1, a_min)`` where ``p_max`` is the
  longest lag among the regressors and ``a_min`` the smallest GMM-style lag.
* Exogenous regressors are IV-style instruments of themselves (differenced in
  the difference equations, in levels in the level equations).

References: Arellano, M. & Bond, S. (1991) RES 58, 277–297; Arellano, M. &
Bover, O. (1995) J. Econometrics 68, 29–51; Blundell, R. & Bond, S. (1998)
J. Econometrics 87, 115–143; Windmeijer, F. (2005) J. Econometrics 126, 25–51;
Roodman, D. (2009) Stata Journal 9, 86–136.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from clusternet.data.inputs import plain, unknown_columns, where
from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.models.inference import chi2_test, wald_test
from clusternet.models.specs import as_spec, checked_options
from clusternet.results import coefficient_table, make_result

# plm switches to a generalised inverse below this smallest eigenvalue.
_SINGULAR_EIGENVALUE = 1e-9


@dataclass(frozen=True)
class GmmBlock:
    """GMM-style instruments of one variable: levels lagged ``min_lag..max_lag``."""

    variable: str
    min_lag: int
    max_lag: int | None  # None = every available lag
    collapse: bool = False


@dataclass(frozen=True)
class GmmSpec:
    """A dynamic panel specification.

    ``regressors`` maps each explanatory variable to its lags (0 = current);
    ``gmm_blocks`` lists the GMM-style instruments (the dependent variable must
    be among them); regressors without a block are exogenous and instrument
    themselves IV-style.
    """

    dependent: str
    dependent_lags: int
    regressors: dict[str, tuple[int, ...]]
    gmm_blocks: tuple[GmmBlock, ...]
    system: bool = False
    time_effects: bool = True
    two_step: bool = True
    robust: bool = True


@dataclass
class GmmResult:
    names: list[str]
    params: np.ndarray
    vcov: np.ndarray
    params_onestep: np.ndarray
    tests: list[dict]
    n_instruments: int
    nobs_difference: int
    nobs_level: int
    n_entities: int
    n_periods: int
    first_period: int
    time_names: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))


def _inverse(matrix: np.ndarray, what: str, notes: list[str]) -> np.ndarray:
    matrix = (matrix + matrix.T) / 2
    if np.linalg.eigvalsh(matrix).min() < _SINGULAR_EIGENVALUE:
        notes.append(f"the {what} is singular; a generalised inverse is used (as plm does)")
        return np.linalg.pinv(matrix)
    return np.linalg.inv(matrix)


def _panel_arrays(data: pd.DataFrame, entity: str, time: str, columns: list[str]):
    """Lay ``columns`` on the full entity x period grid: arrays (N, T), NaN where missing."""
    for col in [entity, time, *columns]:
        if col not in data.columns:
            raise unknown_columns([col], data.columns, "GMM")
    times = data[time]
    if not np.issubdtype(times.dtype, np.integer) and (
            not np.all(np.isfinite(times)) or not np.all(times == np.round(times))):
        raise DataError(f"time column {time!r} must hold integer periods (e.g. years)")
    dup = data.duplicated([entity, time])
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(f"duplicate ({entity}, {time}) pair at {where(data, pos, entity, time)}; "
                        "keep one row per entity-period")
    periods = np.arange(int(times.min()), int(times.max()) + 1)
    entities = np.sort(data[entity].unique())
    ei = np.searchsorted(entities, data[entity].to_numpy())
    ti = times.to_numpy().astype(int) - periods[0]
    out = {}
    for col in columns:
        numeric = pd.to_numeric(data[col], errors="coerce")
        bad = (numeric.isna() & data[col].notna()).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(f"column {col!r} has a non-numeric value {plain(data[col].iloc[pos])!r} at "
                            f"{where(data, pos, entity, time)}; "
                            "fix or remove it (missing values are allowed: those equations are dropped)")
        values = numeric.to_numpy(dtype=float)
        arr = np.full((len(entities), len(periods)), np.nan)
        arr[ei, ti] = values
        out[col] = arr
    return entities, periods, out


def _lagged(arr: np.ndarray, lag: int) -> np.ndarray:
    """Column t holds arr[:, t - lag] (NaN before the start)."""
    if lag == 0:
        return arr
    out = np.full_like(arr, np.nan)
    out[:, lag:] = arr[:, :-lag]
    return out


def _gmm_difference_columns(x: np.ndarray, block: GmmBlock, first: int) -> np.ndarray:
    """Instruments of the difference equations t = first..T-1 (0-based): (N, R, m)."""
    n, T = x.shape
    rows = list(range(first, T))
    ranges = []
    for t in rows:
        hi = t - block.min_lag
        lo = 0 if block.max_lag is None else max(0, t - block.max_lag)
        ranges.append(list(range(lo, hi + 1)) if hi >= 0 else [])
    if block.collapse:
        width = max(len(r) for r in ranges)
        out = np.zeros((n, len(rows), width))
        for r, lags in enumerate(ranges):
            for j, s in enumerate(reversed(lags)):  # column j = lag min_lag + j
                out[:, r, j] = x[:, s]
        return out
    width = sum(len(r) for r in ranges)
    out = np.zeros((n, len(rows), width))
    col = 0
    for r, lags in enumerate(ranges):
        for s in lags:
            out[:, r, col] = x[:, s]
            col += 1
    return out


def _gmm_level_columns(x: np.ndarray, first_level: int, collapse: bool) -> np.ndarray:
    """Instrument Δx_{t-1} of the level equations t = first_level..T-1 (0-based): (N, R, m)."""
    n, T = x.shape
    rows = list(range(first_level, T))
    dx_prev = np.full((n, T), np.nan)
    dx_prev[:, 2:] = x[:, 1:-1] - x[:, :-2]
    if collapse:
        return dx_prev[:, rows][:, :, None]
    usable = [r for r, t in enumerate(rows) if t >= 2]
    out = np.zeros((n, len(rows), len(usable)))
    for j, r in enumerate(usable):
        out[:, r, j] = dx_prev[:, rows[r]]
    return out


def _zero_invalid(mat: np.ndarray, valid: np.ndarray) -> np.ndarray:
    mat = np.where(np.isnan(mat), 0.0, mat)
    return mat * valid[:, :, None]


def _block_diag(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n, ra, ca = a.shape
    _, rb, cb = b.shape
    out = np.zeros((n, ra + rb, ca + cb))
    out[:, :ra, :ca] = a
    out[:, ra:, ca:] = b
    return out


def fit_gmm(data: pd.DataFrame, spec: GmmSpec, *, entity: str = "region_code", time: str = "year") -> GmmResult:
    """Estimate a difference (``spec.system=False``) or system GMM model."""
    notes: list[str] = []
    variables = sorted({spec.dependent, *spec.regressors, *(b.variable for b in spec.gmm_blocks)})
    entities, periods, arrays = _panel_arrays(data, entity, time, variables)
    n, T = arrays[spec.dependent].shape

    terms = [(spec.dependent, lag) for lag in range(1, spec.dependent_lags + 1)]
    terms += [(var, lag) for var, lags in spec.regressors.items() for lag in lags]
    names = [_term_name(v, l) for v, l in terms]
    gmm_vars = {b.variable for b in spec.gmm_blocks}
    exog_terms = [(v, l) for v, l in terms if v not in gmm_vars]
    if spec.dependent not in gmm_vars:
        raise ConfigError("the lagged dependent variable needs GMM-style instruments (a block for "
                          f"{spec.dependent!r})")

    max_main_lag = max(l for _, l in terms)
    min_gmm_lag = min(b.min_lag for b in spec.gmm_blocks)
    first = max(max_main_lag + 1, min_gmm_lag)  # 0-based index of the first difference equation
    first_level = first - 1
    n_diff = T - first
    if n_diff < 2:
        raise EstimationError(f"too few periods: {T} periods and lags up to {first} leave {n_diff} "
                              "difference equation(s); GMM needs at least 2 (3 for the AR(2) test)")

    def term_matrix(term_list, rows, diff):
        cols = []
        for v, l in term_list:
            lv = _lagged(arrays[v], l)
            cols.append((lv - _lagged(lv, 1))[:, rows] if diff else lv[:, rows])
        return np.stack(cols, axis=2) if cols else np.zeros((n, len(rows), 0))

    diff_rows = list(range(first, T))
    y_d = (arrays[spec.dependent] - _lagged(arrays[spec.dependent], 1))[:, diff_rows]
    X_d = term_matrix(terms, diff_rows, True)
    valid_d = np.isfinite(y_d) & np.isfinite(X_d).all(axis=2)
    W_d = np.concatenate([_gmm_difference_columns(arrays[b.variable], b, first) for b in spec.gmm_blocks], axis=2)
    Z_d = term_matrix(exog_terms, diff_rows, True)

    time_names: list[str] = []
    if not spec.system:
        if spec.time_effects:
            # Differenced dummies of the periods first..T-1 (plm: diff(diag(.))[, -1]).
            V_d = np.zeros((n_diff, n_diff))
            V_d[np.arange(n_diff), np.arange(n_diff)] = 1.0
            V_d[np.arange(1, n_diff), np.arange(n_diff - 1)] = -1.0
            V_d = np.broadcast_to(V_d, (n, n_diff, n_diff))
            X_d = np.concatenate([X_d, V_d], axis=2)
            W_d = np.concatenate([W_d, V_d], axis=2)
            time_names = [f"{time}_{p}" for p in periods[first:]]
        y = np.where(valid_d, y_d, 0.0)
        X = _zero_invalid(X_d, valid_d)
        W = np.concatenate([_zero_invalid(W_d, valid_d), _zero_invalid(Z_d, valid_d)], axis=2)
        H = np.diag(np.full(n_diff, 2.0)) - np.eye(n_diff, k=1) - np.eye(n_diff, k=-1)
        n_level = 0
        valid_l = np.zeros((n, 0), dtype=bool)
    else:
        level_rows = list(range(first_level, T))
        n_level = len(level_rows)
        y_l = arrays[spec.dependent][:, level_rows]
        X_l = term_matrix(terms, level_rows, False)
        valid_l = np.isfinite(y_l) & np.isfinite(X_l).all(axis=2)
        W_l = np.concatenate([_gmm_level_columns(arrays[b.variable], first_level, b.collapse)
                              for b in spec.gmm_blocks], axis=2)
        Z_l = term_matrix(exog_terms, level_rows, False)
        time_names = ["(Intercept)"] + [f"{time}_{p}" for p in periods[first_level + 1:]]
        if spec.time_effects:
            V_l = np.zeros((n_level, n_level))
            V_l[:, 0] = 1.0
            V_l[np.arange(1, n_level), np.arange(1, n_level)] = 1.0
            V_dd = V_l[1:] - V_l[:-1]
            X_d = np.concatenate([X_d, np.broadcast_to(V_dd, (n, n_diff, n_level))], axis=2)
            X_l = np.concatenate([X_l, np.broadcast_to(V_l, (n, n_level, n_level))], axis=2)
            W_l = np.concatenate([W_l, np.broadcast_to(V_l, (n, n_level, n_level))], axis=2)
        y = np.concatenate([np.where(valid_d, y_d, 0.0), np.where(valid_l, y_l, 0.0)], axis=1)
        X = np.concatenate([_zero_invalid(X_d, valid_d), _zero_invalid(X_l, valid_l)], axis=1)
        W = _block_diag(_zero_invalid(W_d, valid_d), _zero_invalid(W_l, valid_l))
        if Z_d.shape[2]:
            W = np.concatenate([W, _block_diag(_zero_invalid(Z_d, valid_d), _zero_invalid(Z_l, valid_l))], axis=2)
        FD = np.zeros((n_diff, n_level))
        FD[np.arange(n_diff), np.arange(n_diff)] = -1.0
        FD[np.arange(n_diff), np.arange(1, n_level)] = 1.0
        G = np.diag(np.full(n_diff, 2.0)) - np.eye(n_diff, k=1) - np.eye(n_diff, k=-1)
        H = np.block([[G, FD], [FD.T, np.eye(n_level)]])
    if spec.time_effects:
        names = names + time_names

    K = X.shape[2]
    L = W.shape[2]
    if L < K:
        raise EstimationError(f"{L} instruments for {K} coefficients: the model is not identified; "
                              "allow more instrument lags or fewer regressors")
    nobs_d = int(valid_d.sum())
    nobs_l = int(valid_l.sum())
    if nobs_d <= K:
        raise EstimationError(f"only {nobs_d} usable difference equations for {K} coefficients")

    WX = np.einsum("nrl,nrk->lk", W, X)
    Wy = np.einsum("nrl,nr->l", W, y)
    S1 = np.einsum("nrl,nrm->lm", W, np.einsum("rs,nsm->nrm", H, W))
    A1 = _inverse(S1, "first-step weight matrix", notes) * n
    B1 = _inv_checked(WX.T @ A1 @ WX, names)
    b1 = B1 @ WX.T @ A1 @ Wy
    e1 = y - X @ b1
    g1 = np.einsum("nrl,nr->nl", W, e1)  # W_i' e1_i
    S2 = g1.T @ g1
    A2 = _inverse(S2, "second-step weight matrix", notes)
    vcov1_robust = B1 @ (WX.T @ A1 @ S2 @ A1 @ WX) @ B1

    if spec.two_step:
        B2 = _inv_checked(WX.T @ A2 @ WX, names)
        b = B2 @ WX.T @ A2 @ Wy
        e = y - X @ b
        if spec.robust:
            # Windmeijer (2005): D_k = B2 X'Z A2 M_k A2 Z'e2 with
            # M_k = sum_i (W_i'x_ik)(W_i'e1_i)' + (W_i'e1_i)(W_i'x_ik)'.
            q = A2 @ np.einsum("nrl,nr->l", W, e)
            WXi = np.einsum("nrl,nrk->nlk", W, X)
            Mq = np.einsum("nlk,n->lk", WXi, g1 @ q) + np.einsum("nl,nk->lk", g1, np.einsum("nlk,l->nk", WXi, q))
            D = B2 @ WX.T @ A2 @ Mq
            vcov = B2 + D @ B2 + (D @ B2).T + D @ vcov1_robust @ D.T
        else:
            vcov = B2
        A, B = A2, B2
    else:
        if not spec.robust:
            raise ConfigError("one-step GMM reports robust standard errors only; set robust: true "
                              "or use the two-step estimator")
        b, e, vcov, A, B = b1, e1, vcov1_robust, A1, B1
    vcov = (vcov + vcov.T) / 2

    tests = []
    z = np.einsum("nrl,nr->l", W, e)
    hansen = float(z @ A2 @ z)
    df_over = L - K
    tests.append(chi2_test("hansen_j", hansen, df_over,
                            "Hansen J = z'A2z with z = sum_i W_i'e_i (plm: sargan(fit, 'twosteps')); robust"))
    if not spec.system:
        z1 = g1.sum(axis=0)
        sigma2 = float((e1 ** 2).sum()) / (2 * (nobs_d - K))
        sargan = float(z1 @ np.linalg.pinv(S1) @ z1) / sigma2
        tests.append(chi2_test("sargan", sargan, df_over,
                                "one-step Sargan z1'(sum W'HW)^{-1}z1/sigma2, sigma2 = e1'e1/(2(n-K)); "
                                "valid under homoskedasticity only"))
    for order in (1, 2):
        if order < n_diff:
            stat = _ar_test(e, X, W, A, B, vcov, order, n_diff)
            p = 2 * stats.norm.sf(abs(stat)) if np.isfinite(stat) else np.nan
            tests.append({"name": f"ar{order}", "statistic": stat, "df": None, "p_value": p,
                          "note": f"Arellano-Bond test of AR({order}) in the differenced residuals, N(0,1)"})
    n_regressors = len(terms)
    tests.append(wald_test("wald_regressors", b[:n_regressors], vcov[:n_regressors, :n_regressors],
                            "Wald chi2 that all regressor coefficients are zero"))
    if spec.time_effects:
        start = n_regressors + (1 if spec.system else 0)
        if start < K:
            tests.append(wald_test("wald_time_effects", b[start:], vcov[start:, start:],
                                    "Wald chi2 that all period effects are zero"))

    return GmmResult(
        names=names, params=b, vcov=vcov, params_onestep=b1, tests=tests, n_instruments=L,
        nobs_difference=nobs_d, nobs_level=nobs_l, n_entities=n, n_periods=T,
        first_period=int(periods[first]), time_names=time_names if spec.time_effects else [], notes=notes,
    )


def _term_name(var: str, lag: int) -> str:
    return var if lag == 0 else f"L{lag}.{var}"


def _inv_checked(matrix: np.ndarray, names: list[str]) -> np.ndarray:
    # Condition number of the correlation-scaled matrix, so that units of measurement do not matter.
    d = np.sqrt(np.clip(np.diag(matrix), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = matrix / np.outer(d, d)
    cond = np.linalg.cond(scaled) if np.all(d > 0) and np.all(np.isfinite(scaled)) else np.inf
    if not np.isfinite(cond) or cond > 1e12:
        raise EstimationError("the GMM normal equations are singular: regressors "
                              f"{', '.join(names)} are collinear given the instruments; "
                              "drop a constant or collinear regressor")
    return np.linalg.inv(matrix)


def _ar_test(e, X, W, A, B, vcov, order, n_diff):
    """Arellano & Bond (1991) m-statistic on the difference-equation residuals (plm ``mtest``)."""
    ed = np.zeros_like(e)
    ed[:, :n_diff] = e[:, :n_diff]
    el = np.zeros_like(e)
    el[:, order:n_diff] = e[:, : n_diff - order]
    cross = np.einsum("nr,nr->n", ed, el)  # e_i' e_{-m,i}
    num = cross.sum()
    EVE = float((cross ** 2).sum())
    EX = np.einsum("nr,nrk->k", el, X)
    XZ = np.einsum("nrl,nrk->lk", W, X)
    ZVE = np.einsum("nrl,nr,n->l", W, ed, cross)
    denom = EVE - 2 * EX @ B @ XZ.T @ A @ ZVE + EX @ vcov @ EX
    return float(num / np.sqrt(denom)) if denom > 0 else np.nan


# ---------------------------------------------------------------------------
# Registry adapters


OPTION_KEYS = {"dependent_lags", "regressor_lags", "endogenous", "predetermined", "max_instrument_lag",
               "collapse", "time_effects", "steps", "robust"}


def spec_from_options(y: str, regressors: list[str], options: dict, *, system: bool) -> GmmSpec:
    """Build a :class:`GmmSpec` from a model specification's ``options``.

    Keys: ``dependent_lags`` (1), ``regressor_lags`` ({x: [0, 1]}, default [0]),
    ``endogenous`` / ``predetermined`` (regressors instrumented GMM-style from lag 2 /
    lag 1; the others are exogenous), ``max_instrument_lag`` (null = all),
    ``collapse`` (false), ``time_effects`` (true), ``steps`` (2), ``robust`` (true).
    """
    checked_options(options, OPTION_KEYS, model="gmm_system" if system else "gmm_difference")
    lags = options.get("regressor_lags") or {}
    for key in lags:
        if key not in regressors:
            raise ConfigError(f"options.regressor_lags.{key}: {key!r} is not a regressor of the model")
    endogenous = list(options.get("endogenous") or [])
    predetermined = list(options.get("predetermined") or [])
    for key, names in (("endogenous", endogenous), ("predetermined", predetermined)):
        for name in names:
            if name not in regressors:
                raise ConfigError(f"options.{key}: {name!r} is not a regressor of the model")
    both = set(endogenous) & set(predetermined)
    if both:
        raise ConfigError(f"options: {sorted(both)} listed as both endogenous and predetermined")
    steps = int(options.get("steps", 2))
    if steps not in (1, 2):
        raise ConfigError(f"options.steps must be 1 or 2, got {steps}")
    p = int(options.get("dependent_lags", 1))
    if p < 1:
        raise ConfigError("options.dependent_lags must be at least 1")
    max_lag = options.get("max_instrument_lag")
    collapse = bool(options.get("collapse", False))
    blocks = [GmmBlock(y, 2, max_lag, collapse)]
    blocks += [GmmBlock(x, 2, max_lag, collapse) for x in endogenous]
    blocks += [GmmBlock(x, 1, max_lag, collapse) for x in predetermined]
    for blk in blocks:
        if blk.max_lag is not None and blk.max_lag < blk.min_lag:
            raise ConfigError(f"options.max_instrument_lag ({blk.max_lag}) is below the first instrument "
                              f"lag {blk.min_lag} of {blk.variable!r}")
    return GmmSpec(
        dependent=y, dependent_lags=p,
        regressors={x: tuple(int(v) for v in lags.get(x, [0])) for x in regressors},
        gmm_blocks=tuple(blocks), system=system,
        time_effects=bool(options.get("time_effects", True)),
        two_step=steps == 2, robust=bool(options.get("robust", True)),
    )


def _fit_registered(data: pd.DataFrame, spec: Mapping, *, system: bool) -> dict:
    s = as_spec(spec)
    regressors = list(s.x) + list(s.controls)
    cov = s.cov or {}
    entity_column = s.entity
    if cov.get("type", "cluster") != "cluster" or cov.get("cluster_by") not in (None, entity_column):
        raise ConfigError(f"cov: GMM standard errors are cluster-robust by entity (one-step robust or two-step "
                          f"Windmeijer); cov.type {cov.get('type')!r} / cluster_by {cov.get('cluster_by')!r} "
                          "cannot be applied; set cov: {type: cluster} or leave it to the defaults")
    if s.raw.get("weights"):
        raise ConfigError("weights: GMM estimation is unweighted; remove the weights")
    effects = s.effects_or(("entity", "time"))
    if "entity" not in effects:
        raise ConfigError(f"effects: GMM always removes entity effects; state effects [entity] or "
                          f"[entity, time] (or the older options.time_effects), got {list(effects)}")
    ci_level = s.ci_level
    # the period effects come from `effects` (models.specs: options.time_effects is its older spelling)
    options = {**s.options, "time_effects": "time" in effects}
    gspec = spec_from_options(s.y, regressors, options, system=system)
    entity = s.entity
    time = s.time
    res = fit_gmm(data, gspec, entity=entity, time=time)
    kind = "system" if system else "difference"
    cov_type = ("windmeijer" if gspec.two_step else "robust") if gspec.robust else "unadjusted"
    return make_result(
        model=f"panel.gmm_{kind}",
        label=s.raw.get("label", s.raw.get("name", "")),
        dependent=s.y,
        coefficients=coefficient_table(res.names, res.params, res.std_errors, ci_level=ci_level),
        ci_level=ci_level,
        covariance={"type": cov_type, "options": {"steps": 2 if gspec.two_step else 1,
                                                  "small_sample": "none", "cluster_by": "entity"},
                    "n_clusters": res.n_entities},
        vcov={"names": res.names, "matrix": res.vcov},
        nobs=res.nobs_difference + res.nobs_level,
        n_entities=res.n_entities,
        n_periods=res.n_periods,
        effects={"entity": True, "time": gspec.time_effects},
        fit={"nobs_difference": res.nobs_difference, "nobs_level": res.nobs_level,
             "n_instruments": res.n_instruments},
        tests=res.tests,
        extra={"gmm": {"estimator": kind, "steps": 2 if gspec.two_step else 1,
                       "n_instruments": res.n_instruments, "first_period": res.first_period,
                       "coefficients_onestep": dict(zip(res.names, res.params_onestep)),
                       "instruments": [{"variable": b.variable, "min_lag": b.min_lag, "max_lag": b.max_lag,
                                        "collapse": b.collapse} for b in gspec.gmm_blocks],
                       "exogenous": [x for x in regressors if x not in {b.variable for b in gspec.gmm_blocks}],
                       "notes": res.notes}},
        spec=s.raw,
        provenance={},
    )


def fit_gmm_difference(data: pd.DataFrame, spec: Mapping) -> dict:
    """Arellano–Bond difference GMM (see module docstring)."""
    return _fit_registered(data, spec, system=False)


def fit_gmm_system(data: pd.DataFrame, spec: Mapping) -> dict:
    """Blundell–Bond system GMM (see module docstring)."""
    return _fit_registered(data, spec, system=True)
