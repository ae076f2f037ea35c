"""Hansen (1999) fixed-effect panel threshold regression.

Model with ``m`` thresholds ``g_1 < ... < g_m`` of the threshold variable ``q``::

    y_it = mu_i + z_it' a + sum_{j=0..m} x_it' b_j 1(g_j < q_it <= g_{j+1}) + e_it,   g_0 = -inf, g_{m+1} = +inf

``x`` are the regime-dependent regressors, ``z`` regime-independent controls.
The fixed effects are removed by the within transformation (balanced panel,
``n`` entities, ``T`` periods). For given thresholds the slopes are OLS on the
demeaned data; the thresholds minimise the sum of squared residuals ``S``.

Estimation (Hansen 1999, sections 2–5):

* Single threshold: ``g_1 = argmin S_1(g)`` over the grid.
* Further thresholds sequentially: ``g_k`` minimises ``S_k(g)`` with the
  previous thresholds fixed; then each earlier threshold is re-estimated once
  holding the others fixed (Hansen's refinement estimator, applied to every
  earlier threshold for ``m = 3``).
* Test of ``k - 1`` against ``k`` thresholds:
  ``F_k = (S_{k-1} - S_k) / sigma2_k``, ``sigma2_k = S_k / (n (T - 1))``, where
  ``S_{k-1}`` is the SSR of the (refined) ``k - 1``-threshold model and ``S_k`` the
  minimum of the ``k``-th search. p-values by Hansen's residual bootstrap: the
  ``k - 1``-threshold model's within residuals are resampled by entity (whole
  vectors ``e_i``, with replacement), added to its fitted values, and ``F_k`` is
  recomputed by the same procedure (threshold estimation included).
* Confidence sets: ``LR(g) = (S(g) - S(g_hat)) / sigma2`` with the
  non-rejection region ``LR(g) <= c(alpha) = -2 ln(1 - sqrt(1 - alpha))``
  (Hansen 1999, eq. 13; homoskedastic errors). Reported as the smallest and
  largest grid value in the region, with the whole LR curve.

Fast grid search. Write ``A`` for the fixed demeaned regressors (``z``, ``x``
and ``x 1(q <= g_j)`` of fixed thresholds) and ``B(g)`` for the demeaned
``x 1(q <= g)``. By Frisch–Waugh–Lovell::

    S(g) = S_A - c(g)' C(g)^{-1} c(g),   c(g) = B(g)' e_A = sum_{q_it <= g} x_it e_A,it
    C(g) = B(g)'B(g) - B(g)'A (A'A)^{-1} A'B(g)
    B(g)'B(g) = sum_{q_it <= g} x_it x_it' - (1/T) sum_i s_i(g) s_i(g)',  s_i(g) = sum_{t: q_it <= g} x_it
    B(g)'A = sum_{q_it <= g} x_it A_it'

(the within residuals and ``A`` sum to zero within each entity), so every grid
point costs cumulative sums over the observations sorted by ``q`` instead of a
regression; ``C(g)`` does not depend on ``y`` and is reused by every bootstrap
replication.

Grid: the admissible values are the distinct values of ``q`` such that every
regime keeps at least ``ceil(trim * n T)`` observations; ``grid: full`` uses all
of them, ``grid: quantiles`` (default) ``grid_points`` of them evenly spaced in
rank.

Slopes given the thresholds: within OLS; covariance by
``clusternet.models.covariance`` with the specification's ``cov`` (``unadjusted``
uses ``df = n (T - 1) - k``). The LR curves use ``sigma2`` of the final model.
Bootstrap replication ``r`` of stage ``k`` draws from
``SeedSequence([seed, task, k, r])``, so results do not depend on ``n_jobs``.

Defaults that differ from Hansen's GAUSS code / Stata ``xthreg``: trimming is the
share of observations each regime must keep (``xthreg`` trims quantiles per
threshold); the refinement is applied to every earlier threshold.

Options beyond the defaults (issue 18): ``trim`` may be a list with one share per threshold (as
xthreg's ``trim(0.01 0.01 0.05)``): the search for threshold k (and its refinement) admits only
candidates with ceil(trim_k·nT) observations of q below and above them (the trim_k tails of q are
excluded), and every regime keeps ceil(min_k trim_k·nT) observations; the candidate grid is built
with the smallest share. ``grid: values`` with ``grid_values: [...]`` searches a user-supplied grid
(e.g. the quantile grid of Hansen's paper), filtered to admissible values. ``effects: [entity,
time]`` adds period dummies (all but the first) to the regime-independent regressors: with the
within transformation this is the two-way fixed-effects threshold model, exactly (balanced panel).

Reference: Hansen, B. E. (1999) "Threshold effects in non-dynamic panels:
Estimation, testing, and inference", J. Econometrics 93, 345–368.
"""
from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from clusternet.data.inputs import unknown_columns, where
from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.models.covariance import CovarianceSpec, sandwich_covariance
from clusternet.models.specs import as_spec, checked_options
from clusternet.results import coefficient_table, make_result
from clusternet.seeds import required_seed, task_id


def lr_critical_value(alpha: float) -> float:
    """Hansen's (1999) critical value of the LR statistic: c(alpha) = -2 ln(1 - sqrt(1 - alpha))."""
    return -2.0 * math.log(1.0 - math.sqrt(1.0 - alpha))


@dataclass(frozen=True)
class ThresholdOptions:
    n_thresholds: int = 1
    trim: float | tuple[float, ...] = 0.05  # a tuple: one per threshold (stage), as xthreg's trim(a b c)
    grid: str = "quantiles"  # or "full", or "values" (grid_values, user-supplied)
    grid_values: tuple[float, ...] | None = None
    grid_points: int = 400
    min_regime_obs: int | None = None  # None: regime-dependent regressors + 10 (issue 11: no near-empty regimes)
    min_grid_points: int = 10  # fewer candidate thresholds is no search (issue 11)
    bootstrap_reps: int = 300
    ci_level: float = 0.95
    test_level: float = 0.05
    n_jobs: int = 1
    cov: CovarianceSpec = field(default_factory=CovarianceSpec)
    seed: int = 0
    task: int = 0  # stable id of the specification (crc32 of its name) mixed into the bootstrap seeds

    def trims(self) -> tuple[float, ...]:
        """The trimming share of each stage (threshold 1, 2, 3)."""
        if isinstance(self.trim, (tuple, list)):
            return tuple(float(t) for t in self.trim)
        return (float(self.trim),) * self.n_thresholds

    def validate(self) -> None:
        if self.n_thresholds not in (1, 2, 3):
            raise ConfigError(f"options.n_thresholds must be 1, 2 or 3, got {self.n_thresholds}")
        if isinstance(self.trim, (tuple, list)) and len(self.trim) != self.n_thresholds:
            raise ConfigError(f"options.trim: a list needs one share per threshold ({self.n_thresholds}), "
                              f"got {list(self.trim)}")
        upper = 1 / (self.n_thresholds + 1)
        for t in self.trims():
            if not 0 < t < upper:
                raise ConfigError(f"options.trim must be in (0, 1/(n_thresholds+1)) = (0, {upper:.3f}); "
                                  f"got {self.trim}")
        if self.grid not in ("quantiles", "full", "values"):
            raise ConfigError(f"options.grid must be 'quantiles', 'full' or 'values', got {self.grid!r}")
        if (self.grid == "values") != (self.grid_values is not None):
            raise ConfigError("options.grid_values (the candidate thresholds) go with grid: values, and only with it")
        if self.grid_values is not None and len(self.grid_values) < 2:
            raise ConfigError("options.grid_values needs at least two candidate thresholds")
        if self.grid_points < 2:
            raise ConfigError("options.grid_points must be at least 2")
        if self.min_regime_obs is not None and self.min_regime_obs < 1:
            raise ConfigError(f"options.min_regime_obs must be a positive integer, got {self.min_regime_obs}")
        if self.min_grid_points < 2:
            raise ConfigError(f"options.min_grid_points must be at least 2, got {self.min_grid_points}")
        if self.grid == "quantiles" and self.grid_points < self.min_grid_points:
            raise ConfigError(f"options.grid_points = {self.grid_points} is below options.min_grid_points = "
                              f"{self.min_grid_points}: a search needs at least that many candidate thresholds; "
                              "raise grid_points")
        if self.bootstrap_reps < 0:
            raise ConfigError("options.bootstrap_reps must be >= 0 (0 skips the bootstrap)")
        for key in ("ci_level", "test_level"):
            if not 0 < getattr(self, key) < 1:
                raise ConfigError(f"options.{key} must be in (0, 1)")
        if self.n_jobs < 1:
            raise ConfigError("options.n_jobs must be >= 1")


class ThresholdPanel:
    """A balanced panel laid out for fast threshold searches.

    Arrays are flattened entity-major (entity i, period t -> row i*T + t)."""

    def __init__(self, y: np.ndarray, x: np.ndarray, z: np.ndarray, q: np.ndarray):
        n, T = y.shape
        self.n, self.T = n, T
        self.y = _demean(y).ravel()
        self.x_raw = x.reshape(n * T, -1)
        self.q = q.ravel()
        self.k = self.x_raw.shape[1]
        self.A0 = np.concatenate([_demean(z), _demean(x)], axis=2).reshape(n * T, -1)
        self.entity = np.repeat(np.arange(n), T)
        self.order = np.argsort(self.q, kind="stable")
        self.q_sorted = self.q[self.order]
        self.x_sorted = self.x_raw[self.order]
        # Per entity: q sorted within the entity and cumulative sums of x in that order.
        within = np.argsort(q, axis=1, kind="stable")
        self.q_by_entity = np.take_along_axis(q, within, axis=1)
        x_by_entity = np.take_along_axis(x, within[:, :, None], axis=1)
        self.x_cum_by_entity = np.concatenate([np.zeros((n, 1, self.k)), np.cumsum(x_by_entity, axis=1)], axis=1)
        self._cache: dict[tuple[int, ...], _Search] = {}
        self._admissible: dict[tuple, np.ndarray] = {}

    def set_grid(self, candidates: np.ndarray) -> None:
        self.grid = np.asarray(candidates, dtype=float)
        self.grid_count = np.searchsorted(self.q_sorted, self.grid, side="right")  # obs with q <= g
        pos = (self.q_by_entity[None, :, :] <= self.grid[:, None, None]).sum(axis=2)  # (G, n)
        s = self.x_cum_by_entity[np.arange(self.n)[None, :], pos]  # (G, n, k)
        xx = np.einsum("rk,rl->rkl", self.x_sorted, self.x_sorted)
        cum_xx = np.concatenate([np.zeros((1, self.k, self.k)), np.cumsum(xx, axis=0)])
        self.BB = cum_xx[self.grid_count] - np.einsum("gnk,gnl->gkl", s, s) / self.T
        self._cache.clear()
        self._admissible.clear()

    def indicator(self, g_index: int) -> np.ndarray:
        """Demeaned x 1(q <= grid[g_index]), (nT, k)."""
        d = (self.q <= self.grid[g_index]).astype(float)[:, None] * self.x_raw
        return _demean(d.reshape(self.n, self.T, self.k)).reshape(self.n * self.T, self.k)

    def design(self, fixed: tuple[int, ...]) -> np.ndarray:
        return np.concatenate([self.A0] + [self.indicator(j) for j in fixed], axis=1)

    def search(self, fixed: tuple[int, ...]) -> _Search:
        key = tuple(sorted(fixed))
        if key not in self._cache:
            self._cache[key] = _Search(self, key)
        return self._cache[key]

    def admissible(self, fixed: tuple[int, ...], min_obs: int) -> np.ndarray:
        """Grid points that, added to ``fixed``, leave every regime ``min_obs`` observations."""
        key = (tuple(sorted(fixed)), min_obs)
        if key not in self._admissible:
            bounds = np.concatenate([[0], self.grid_count[list(key[0])], [len(self.q)]])
            edges = np.sort(np.concatenate([np.broadcast_to(bounds, (len(self.grid), len(bounds))),
                                            self.grid_count[:, None]], axis=1), axis=1)
            self._admissible[key] = np.all(np.diff(edges, axis=1) >= min_obs, axis=1)
        return self._admissible[key]


class _Search:
    """The y-independent part of one threshold search (fixed thresholds ``fixed``)."""

    def __init__(self, panel: ThresholdPanel, fixed: tuple[int, ...]):
        A = panel.design(fixed)
        self.A = A
        AA = A.T @ A
        d = np.sqrt(np.diag(AA))
        if np.any(d == 0) or np.linalg.cond(AA / np.outer(d, d)) > 1e12:
            raise EstimationError("the threshold model's regressors are collinear after the within "
                                  "transformation (a time-invariant or constant regressor?); drop it")
        self.AA_inv = np.linalg.inv(AA)
        xa = panel.x_sorted[:, :, None] * A[panel.order][:, None, :]
        cum_xa = np.concatenate([np.zeros((1,) + xa.shape[1:]), np.cumsum(xa, axis=0)])
        BA = cum_xa[panel.grid_count]  # (G, k, ka)
        C = panel.BB - np.einsum("gka,ab,glb->gkl", BA, self.AA_inv, BA)
        self.C_inv = np.linalg.pinv(C, hermitian=True)
        self.panel = panel

    def ssr(self, y: np.ndarray) -> tuple[np.ndarray, float]:
        """S(g) for every grid point and the SSR of the model without the new threshold."""
        p = self.panel
        e = y - self.A @ (self.AA_inv @ (self.A.T @ y))
        s_a = float(e @ e)
        xe = p.x_sorted * e[p.order][:, None]
        c = np.concatenate([np.zeros((1, p.k)), np.cumsum(xe, axis=0)])[p.grid_count]
        return s_a - np.einsum("gk,gkl,gl->g", c, self.C_inv, c), s_a


def _demean(a: np.ndarray) -> np.ndarray:
    return a - a.mean(axis=1, keepdims=True)


@dataclass
class Stage:
    """Thresholds (grid indices) after stage k, the SSR of that model, and F_k."""

    thresholds: tuple[int, ...]
    ssr: float
    f_stat: float
    curves: dict[int, np.ndarray] = field(default_factory=dict)  # threshold grid index -> S(g) of its last search


def sequential_fit(panel: ThresholdPanel, y: np.ndarray, n_thresholds: int, min_obs: int | tuple[int, ...],
                   keep_curves: bool = False) -> list[Stage]:
    """Estimate thresholds 1..n_thresholds sequentially with refinement; F_k for each stage."""
    stages: list[Stage] = []
    fixed: tuple[int, ...] = ()
    s_prev = None
    NT1 = panel.n * (panel.T - 1)
    for _ in range(n_thresholds):
        new, s_new, s_without, curve = _best(panel, y, fixed, min_obs, len(fixed))
        if s_prev is None:
            s_prev = s_without
        f_stat = (s_prev - s_new) / (s_new / NT1)
        fixed = fixed + (new,)
        curves = {new: curve} if keep_curves else {}
        # Refinement: re-estimate each earlier threshold holding the others fixed.
        for j in range(len(fixed) - 1):
            others = fixed[:j] + fixed[j + 1:]
            best, s_new, _, curve = _best(panel, y, others, min_obs, j)
            fixed = others[:j] + (best,) + others[j:]
            if keep_curves:
                curves[best] = curve
        stages.append(Stage(thresholds=tuple(fixed), ssr=s_new, f_stat=f_stat, curves=curves))
        s_prev = s_new
    return stages


def _best(panel, y, fixed, min_obs: int | tuple[int, ...], stage: int = 0):
    """The best admissible grid point given ``fixed``. ``min_obs``: an int, the size every regime
    keeps; or one size per stage (per-stage trimming): every regime keeps the smallest, and the
    search for threshold ``stage`` (0-based) admits only candidates with ``min_obs[stage]``
    observations below and above them (xthreg's per-threshold trimming of q's tails)."""
    search = panel.search(fixed)
    s, s_without = search.ssr(y)
    common = min(min_obs) if isinstance(min_obs, tuple) else min_obs
    ok = panel.admissible(fixed, common)
    if isinstance(min_obs, tuple):
        m = min_obs[stage]
        ok = ok & (panel.grid_count >= m) & (len(panel.q) - panel.grid_count >= m)
    s = np.where(ok, s, np.inf)
    g = int(np.argmin(s))
    if not np.isfinite(s[g]):
        raise EstimationError("no admissible threshold: every grid point leaves a regime with fewer than "
                              f"{common} observations (or lies in the trimmed tails of this stage, {min_obs}); "
                              "lower options.trim or options.n_thresholds")
    return g, float(s[g]), s_without, s


def make_grid(q: np.ndarray, trim: float, grid: str, grid_points: int,
              grid_values=None) -> tuple[np.ndarray, int]:
    """Candidate thresholds and the minimum regime size ``ceil(trim * nT)``.

    Candidates are distinct values of ``q`` (``grid: values``: the user's ``grid_values``)
    leaving at least ``min_obs`` observations on each side; ``quantiles`` keeps
    ``grid_points`` of them evenly spaced in rank."""
    q = np.sort(np.asarray(q, dtype=float).ravel())
    min_obs = max(1, math.ceil(trim * len(q)))
    values = np.unique(q) if grid != "values" else np.unique(np.asarray(grid_values, dtype=float))
    below = np.searchsorted(q, values, side="right")
    values = values[(below >= min_obs) & (len(q) - below >= min_obs)]
    if len(values) == 0:
        raise EstimationError(f"the threshold variable has no value leaving {min_obs} observations "
                              "in each regime; lower options.trim")
    if grid == "quantiles" and len(values) > grid_points:
        values = values[np.unique(np.round(np.linspace(0, len(values) - 1, grid_points)).astype(int))]
    return values, min_obs


def check_search_bounds(options: ThresholdOptions, grid_size: int, min_obs: int, nobs: int, n_regressors: int):
    """Refuse a search that is no search (issue 11): trimming that lets a regime keep fewer than
    ``options.min_regime_obs`` observations (default: the number of regime-dependent regressors,
    i.e. the slopes each regime gets of its own, + 10; controls have one slope estimated from every
    observation), or a grid with fewer
    than ``options.min_grid_points`` candidates (a one-point grid gives a zero-width CI and a
    bootstrap p-value from no search)."""
    bound = options.min_regime_obs if options.min_regime_obs is not None else n_regressors + 10
    why = "options.min_regime_obs" if options.min_regime_obs is not None else \
        f"the default: {n_regressors} regime-dependent regressor(s) + 10; set options.min_regime_obs to change it"
    if min_obs < bound:
        need = bound / nobs
        raise ConfigError(
            f"options.trim = {options.trim} lets a regime keep only ceil({options.trim}·{nobs}) = {min_obs} "
            f"observation(s), fewer than the minimum of {bound} per regime ({why}); raise options.trim to at "
            f"least {math.ceil(need * 1e4) / 1e4:g}")
    if grid_size < options.min_grid_points:
        raise ConfigError(
            f"options.trim = {options.trim} leaves {grid_size} candidate threshold value(s), fewer than "
            f"options.min_grid_points = {options.min_grid_points} (default 10): that is no search (zero-width "
            "interval, bootstrap p-value of a fixed split); lower options.trim, use grid: full or more "
            "grid_points, or a threshold variable with more distinct values")


@dataclass
class ThresholdResult:
    thresholds: np.ndarray  # sorted
    ci: list[tuple[float, float]]
    names: list[str]
    params: np.ndarray
    vcov: np.ndarray
    ssr: float
    sigma2: float
    cov_info: dict
    tests: list[dict]
    bootstrap: list[dict]
    lr_curves: list[dict]
    grid_size: int
    min_obs: int | tuple[int, ...]
    regime_counts: list[int]
    selected: int
    n: int
    T: int

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))


def _bootstrap_chunk(panel: ThresholdPanel, fitted: np.ndarray, resid: np.ndarray, stage: int,
                     min_obs: int | tuple[int, ...], seed: tuple[int, int], reps: list[int]) -> list[float]:
    """F_stage on bootstrap samples ``reps``; replication r uses SeedSequence([*seed, stage, r])."""
    out = []
    for r in reps:
        rng = np.random.default_rng(np.random.SeedSequence([*seed, stage, r]))
        draw = rng.integers(0, panel.n, panel.n)
        y_b = fitted + resid[draw].ravel()
        out.append(sequential_fit(panel, y_b, stage, min_obs)[-1].f_stat)
    return out


def bootstrap_f(panel: ThresholdPanel, null_fixed: tuple[int, ...], stage: int, min_obs: int | tuple[int, ...],
                reps: int, seed: tuple[int, int], n_jobs: int = 1) -> np.ndarray:
    """Bootstrap distribution of F_stage under the model with thresholds ``null_fixed``."""
    A = panel.design(null_fixed)
    beta = np.linalg.lstsq(A, panel.y, rcond=None)[0]
    fitted = A @ beta
    resid = (panel.y - fitted).reshape(panel.n, panel.T)
    indices = list(range(reps))
    if n_jobs == 1 or reps < 2:
        return np.array(_bootstrap_chunk(panel, fitted, resid, stage, min_obs, seed, indices))
    # Forked workers start in milliseconds without re-importing the package; the panel (with its
    # cached search set-ups) is pickled to each. Results do not depend on the split: every
    # replication draws from its own seed.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    chunks = [indices[i::n_jobs] for i in range(n_jobs)]
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
        parts = list(pool.map(_bootstrap_chunk, *zip(*[(panel, fitted, resid, stage, min_obs, seed, c)
                                                         for c in chunks])))
    values = np.empty(reps)
    for c, part in zip(chunks, parts):
        values[c] = part
    return values


def fit_threshold(y: np.ndarray, x: np.ndarray, z: np.ndarray, q: np.ndarray, options: ThresholdOptions,
                  x_names: list[str], z_names: list[str]) -> ThresholdResult:
    """Fit the model on balanced arrays y (n, T), x (n, T, k), z (n, T, m), q (n, T)."""
    options.validate()
    panel = ThresholdPanel(y, x, z, q)
    n, T = y.shape
    trims = options.trims()
    grid, min_obs_grid = make_grid(q, min(trims), options.grid, options.grid_points, options.grid_values)
    check_search_bounds(options, len(grid), min_obs_grid, n * T, x.shape[2])
    # per-stage trimming (a list): the search for threshold k keeps ceil(trim_k nT) per regime
    min_obs: int | tuple[int, ...] = (tuple(max(1, math.ceil(t * n * T)) for t in trims)
                                      if isinstance(options.trim, (tuple, list)) else min_obs_grid)
    panel.set_grid(grid)
    stages = sequential_fit(panel, panel.y, options.n_thresholds, min_obs, keep_curves=True)
    final = stages[-1]
    NT1 = n * (T - 1)
    sigma2 = final.ssr / NT1
    crit = lr_critical_value(1 - options.ci_level)

    tests, bootstrap, selected = [], [], 0
    still_selecting = True
    for k, st in enumerate(stages, start=1):
        null_fixed = stages[k - 2].thresholds if k > 1 else ()
        boot = (bootstrap_f(panel, null_fixed, k, min_obs, options.bootstrap_reps, (options.seed, options.task),
                            options.n_jobs)
                if options.bootstrap_reps else np.array([]))
        p = float(np.mean(boot >= st.f_stat)) if boot.size else np.nan
        crit_values = ({f"{int(a * 100)}%": float(np.quantile(boot, 1 - a)) for a in (0.10, 0.05, 0.01)}
                       if boot.size else {})
        if still_selecting and np.isfinite(p) and p < options.test_level:
            selected = k
        else:
            still_selecting = False
        tests.append({"name": f"threshold_F{k}", "statistic": st.f_stat, "df": None, "p_value": p,
                      "note": f"Hansen (1999) F test of {k - 1} against {k} threshold(s); residual bootstrap, "
                              f"{options.bootstrap_reps} replications"})
        bootstrap.append({"stage": k, "F": st.f_stat, "p_value": p, "critical_values": crit_values})

    order = sorted(final.thresholds, key=lambda g: grid[g])
    thresholds = grid[order]
    lr_curves, ci = [], []
    for j, g in enumerate(order, start=1):
        s_curve = final.curves[g]
        lr = (s_curve - s_curve[g]) / sigma2
        inside = np.isfinite(lr) & (lr <= crit)
        ci.append((float(grid[inside].min()), float(grid[inside].max())))
        finite = np.isfinite(lr)
        lr_curves.append({"threshold": j, "gamma": grid[finite], "lr": lr[finite]})

    # Final slopes: within OLS on [z, x 1(regime 1), ..., x 1(regime m+1)].
    edges = np.concatenate([[-np.inf], thresholds, [np.inf]])
    q_flat = panel.q
    blocks, names, counts = [], list(z_names), []
    Zw = _demean(z).reshape(n * T, -1)
    for r in range(len(edges) - 1):
        d = ((q_flat > edges[r]) & (q_flat <= edges[r + 1])).astype(float)
        counts.append(int(d.sum()))
        blocks.append(_demean((panel.x_raw * d[:, None]).reshape(n, T, -1)).reshape(n * T, -1))
        names += [f"{xn}[regime{r + 1}]" for xn in x_names]
    X = np.concatenate([Zw] + blocks, axis=1)
    XtX_inv = np.linalg.inv(X.T @ X)
    beta = XtX_inv @ X.T @ panel.y
    e = panel.y - X @ beta
    vcov, cov_info = sandwich_covariance(X, e, options.cov, df_resid=n * (T - 1) - X.shape[1],
                                         entity=panel.entity, time=np.tile(np.arange(T), n))
    return ThresholdResult(thresholds=thresholds, ci=ci, names=names, params=beta, vcov=(vcov + vcov.T) / 2,
                           ssr=float(e @ e), sigma2=sigma2, cov_info=cov_info, tests=tests, bootstrap=bootstrap,
                           lr_curves=lr_curves, grid_size=len(grid), min_obs=min_obs, regime_counts=counts,
                           selected=selected, n=n, T=T)


# ---------------------------------------------------------------------------
# Registry adapter

OPTION_KEYS = {"threshold_variable", "regime_dependent", "n_thresholds", "trim", "grid", "grid_values", "grid_points",
               "min_regime_obs", "min_grid_points", "bootstrap_reps", "ci_level", "test_level", "n_jobs", "seed"}


def balanced_arrays(data: pd.DataFrame, entity: str, time: str, columns: list[str]) -> dict[str, np.ndarray]:
    """(n, T) arrays of ``columns``; DataError unless the panel is balanced and complete."""
    for col in [entity, time, *columns]:
        if col not in data.columns:
            raise unknown_columns([col], data.columns, "threshold model")
    df = data[[entity, time, *columns]]
    for col in columns:
        values = pd.to_numeric(df[col], errors="coerce")
        bad = values.isna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(f"column {col!r} has {int(bad.sum())} missing or non-numeric value(s), first at "
                            f"{where(df, pos, entity, time)}; the "
                            "threshold model needs a complete balanced panel: impute or drop the entity")
    counts = df.groupby(entity)[time].nunique()
    n_periods = df[time].nunique()
    duplicated = df.duplicated([entity, time])
    if duplicated.any() or (counts != n_periods).any():
        short = counts[counts != n_periods]
        if len(short):
            problem = (f"{len(short)} entit(ies) do not have all {n_periods} periods "
                       f"(e.g. {entity}={short.index[0]} has {int(short.iloc[0])})")
        else:
            pos = int(np.flatnonzero(duplicated.to_numpy())[0])
            problem = f"duplicate ({entity}, {time}) pair at {where(df, pos, entity, time)}"
        raise DataError(f"the threshold model needs a balanced panel: {problem}")
    df = df.sort_values([entity, time])
    n = counts.size
    return {col: pd.to_numeric(df[col]).to_numpy(dtype=float).reshape(n, n_periods) for col in columns}


def options_from_spec(spec: dict) -> ThresholdOptions:
    options = checked_options(spec.get("options"), OPTION_KEYS, spec=spec, model="threshold")
    seed = required_seed(spec, options, "the threshold bootstrap")
    return ThresholdOptions(
        n_thresholds=int(options.get("n_thresholds", 1)),
        trim=(tuple(float(t) for t in options["trim"]) if isinstance(options.get("trim"), list)
              else float(options.get("trim", 0.05))),
        grid=str(options.get("grid", "quantiles")), grid_points=int(options.get("grid_points", 400)),
        grid_values=None if options.get("grid_values") is None else tuple(float(v) for v in options["grid_values"]),
        min_regime_obs=None if options.get("min_regime_obs") is None else int(options["min_regime_obs"]),
        min_grid_points=int(options.get("min_grid_points", 10)),
        bootstrap_reps=int(options.get("bootstrap_reps", 300)),
        ci_level=float(options.get("ci_level", spec.get("ci_level", 0.95))),
        test_level=float(options.get("test_level", 0.05)), n_jobs=int(options.get("n_jobs", 1)),
        cov=CovarianceSpec.from_dict(spec.get("cov"), source="cov"), seed=int(seed),
        task=task_id(str(spec.get("name", ""))),
    )


def fit_threshold_spec(data: pd.DataFrame, spec: dict) -> dict:
    """Hansen (1999) panel threshold model from a specification (see module docstring).

    ``options.threshold_variable`` (required) is q; ``options.regime_dependent``
    lists the regressors whose slopes change across regimes (default: ``x``);
    the other regressors and ``controls`` keep one slope. Bootstrap seeds:
    ``SeedSequence([seed, crc32(spec name), stage, replication])`` with ``seed`` =
    ``options.seed``, else ``spec.seed`` (the models stage passes ``config.seed``)."""
    if spec.get("weights"):
        raise ConfigError("weights: the threshold model is unweighted; remove the weights")
    effects = as_spec(spec).effects_or(("entity",))  # the one effects vocabulary (models.specs)
    if "entity" not in effects:
        raise ConfigError(f"effects: the threshold model has entity fixed effects and optionally time effects "
                          f"([entity] or [entity, time]); got {spec.get('effects')}")
    time_effects = "time" in effects
    opts = options_from_spec(spec)
    options = spec.get("options") or {}
    q_name = options.get("threshold_variable")
    if not q_name:
        raise ConfigError("options.threshold_variable is required for the threshold model")
    x_spec = [spec["x"]] if isinstance(spec.get("x"), str) else list(spec.get("x") or [])
    regressors = x_spec + list(spec.get("controls") or [])
    dependent = list(options.get("regime_dependent") or x_spec)
    for name in dependent:
        if name not in regressors:
            raise ConfigError(f"options.regime_dependent: {name!r} is not among the regressors {regressors}")
    if not dependent:
        raise ConfigError("the threshold model needs at least one regime-dependent regressor (x)")
    fixed = [r for r in regressors if r not in dependent]
    entity = spec.get("entity", "region_code")
    time = spec.get("time", "year")
    arrays = balanced_arrays(data, entity, time, sorted({spec["y"], q_name, *regressors}))
    n, T = arrays[spec["y"]].shape
    x = np.stack([arrays[c] for c in dependent], axis=2)
    z = np.stack([arrays[c] for c in fixed], axis=2) if fixed else np.zeros((n, T, 0))
    fixed_names = list(fixed)
    if time_effects:  # period dummies (all but the first) among the regime-independent regressors
        periods = sorted(data[time].unique())
        z = np.concatenate([z, np.broadcast_to(np.eye(T)[None, :, 1:], (n, T, T - 1))], axis=2)
        fixed_names += [f"{time}[{p}]" for p in periods[1:]]
    res = fit_threshold(arrays[spec["y"]], x, z, arrays[q_name], opts, dependent, fixed_names)
    ci_level = float(spec.get("ci_level", 0.95))
    return make_result(
        model="panel.threshold",
        label=spec.get("label", spec.get("name", "")),
        dependent=spec["y"],
        coefficients=coefficient_table(res.names, res.params, res.std_errors, ci_level=ci_level),
        ci_level=ci_level,
        covariance=opts.cov.document(res.cov_info),
        vcov={"names": res.names, "matrix": res.vcov},
        nobs=n * T, n_entities=n, n_periods=T,
        effects={"entity": True, "time": time_effects},
        fit={"ssr": res.ssr, "sigma2": res.sigma2, "n_thresholds": len(res.thresholds),
             "n_thresholds_selected": res.selected},
        tests=res.tests,
        extra={"threshold": {
            "variable": q_name,
            "regime_dependent": dependent,
            "estimates": [{"threshold": j + 1, "estimate": g, "ci_lower": lo, "ci_upper": hi}
                          for j, (g, (lo, hi)) in enumerate(zip(res.thresholds, res.ci))],
            "ci_level": opts.ci_level, "lr_critical_value": lr_critical_value(1 - opts.ci_level),
            "regime_counts": res.regime_counts,
            "bootstrap": {"reps": opts.bootstrap_reps, "seed": opts.seed, "task": opts.task,
                          "stages": res.bootstrap},
            "grid": {"kind": opts.grid, "size": res.grid_size,
                     "trim": list(opts.trim) if isinstance(opts.trim, tuple) else opts.trim,
                     "min_regime_obs": list(res.min_obs) if isinstance(res.min_obs, tuple) else res.min_obs},
            "lr_curve": res.lr_curves,
        }},
        spec=spec,
        provenance={},
    )
