"""Callaway & Sant'Anna (2021) group-time average treatment effects, with covariates.

Functional API (the numerics; ``clusternet.models.did.fit_did_cs`` wraps it as the
``did_cs`` estimator of config/models.yaml):

    res = att_gt(Y, periods, cohort, X=None, control="never", base_period="varying",
                 anticipation=0, est_method="dr")
    res.cells, res.att, res.inf             # ATT(g,t) and their influence functions (n x K)
    res.se(res.inf)                         # analytic standard errors
    agg = res.aggregate("dynamic")          # "simple" | "group" | "calendar" | "dynamic"
    boot = multiplier_bootstrap(agg.inf, n_draws=999, seed=1, alpha=0.05)
    boot.se, boot.crit_val                  # bootstrap SEs and the uniform-band critical value
    res.pretest()                           # Wald test of all pre-treatment ATT(g,t) = 0

Inputs: ``Y`` n entities x T periods (balanced panel), ``periods`` the T integer periods,
``cohort`` the first treated period per entity (NaN = never treated), ``X`` n x T x k
covariates (an intercept is added; no intercept column in ``X``).

The 2x2 estimators follow R ``DRDID`` (Sant'Anna & Zhao 2020) as called by R ``did``:

* ``reg``  outcome regression (``reg_did_panel``): OLS of dY on X among the comparison units.
* ``ipw``  normalised (Hajek) inverse probability weighting (``std_ipw_did_panel``), logit
  propensity score by maximum likelihood.
* ``dr``   doubly robust, the locally efficient estimator with a logit propensity score and
  an OLS outcome regression (``drdid_panel``): R ``did``'s default and what ``est_method="dr"``
  means in R ``did`` and Python ``csdid``.
* ``dr_improved``  the improved doubly robust estimator of Sant'Anna & Zhao (2020, sec. 3.1;
  R ``DRDID::drdid_imp_panel``, ``differences``' ``dr-ipt``): propensity score by inverse
  probability tilting (the first-order conditions  sum_{D=1} x_i = sum_{D=0} exp(x_i'g) x_i,
  solved by Newton's method), outcome regression by weighted least squares with weights
  p/(1-p); its influence function needs no estimation-effect terms.

Propensity scores are capped at 1 - 1e-6 and comparison units with a score >= 0.995 get zero
weight (DRDID's ``trim.level``); a cell whose preliminary logit has a fitted score >= 0.999 is
left out (R ``did``'s overlap check), as is a cell without treated or comparison units;
left-out cells are listed in ``skipped`` and dropped from the aggregations (R ``did`` would
stop unless ``na.rm = TRUE``).

Cells, as in R ``did``: base period b = g - 1 - anticipation for t >= g - anticipation; for
earlier t, b = t - 1 (``varying``) or g - 1 - anticipation (``universal``; the base cell
itself, ATT 0 by construction, is not listed here, R lists it with ATT 0).  Comparison units:
never treated (``never``), or never treated plus cohorts G > max(t, b) + anticipation other
than g (``notyet``).  Covariates are taken in the earlier of t and b (csdid; for
time-invariant covariates this is immaterial).  Entities treated in or before the first
period + anticipation are dropped and cohorts after the last period + anticipation count as
never treated (as R ``did``).  Unlike R ``did`` a panel without never-treated units is an
error (R recodes the last cohort as never treated and truncates the sample).

Influence functions are scaled as R ``did`` (IF_i = (n/n_cell) * DRDID IF), so the analytic
SE is sqrt(sum_i IF_i^2)/n.  Aggregations reproduce ``did::aggte``: cells weighted by cohort
shares P(G=g), with the influence function of the estimated weights (``wif``) in ``simple``,
``dynamic`` and ``calendar`` and in the overall ``group`` effect.  The multiplier bootstrap
uses Rademacher weights, the bootstrap SE is the interquartile range of the draws over
(q75 - q25) of the normal, and the uniform band's critical value is the 1 - alpha quantile of
max_k |draw_k / SE_k| (R ``did::mboot``); draws come from ``numpy.random.default_rng(seed)``,
so they differ from R's and csdid's streams (agreement within Monte Carlo error).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from scipy.special import expit

from clusternet.errors import ConfigError, EstimationError

EST_METHODS = ("dr", "ipw", "reg", "dr_improved")
CONTROLS = ("never", "notyet")
BASE_PERIODS = ("varying", "universal")
AGGREGATIONS = ("simple", "group", "calendar", "dynamic")
PS_CAP = 1 - 1e-6
OVERLAP_LIMIT = 0.999


# ---------------------------------------------------------------- 2x2 estimators
def _ols(X: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    if w is None:
        w = np.ones(len(y))
    xtwx = X.T @ (w[:, None] * X)
    if np.linalg.cond(xtwx) > 1e12:
        raise EstimationError("outcome regression design is singular among the comparison units "
                              "(collinear or constant covariates in this cell)")
    return np.linalg.solve(xtwx, X.T @ (w * y))


def logit_mle(D: np.ndarray, X: np.ndarray, tol: float = 1e-12, max_iter: int = 200) -> np.ndarray:
    """Logit coefficients by Newton's method on the score equations X'(D - p) = 0."""
    beta = np.zeros(X.shape[1])
    for _ in range(max_iter):
        p = expit(X @ beta)
        info = X.T @ ((p * (1 - p))[:, None] * X)
        try:
            step = np.linalg.solve(info, X.T @ (D - p))
        except np.linalg.LinAlgError as exc:
            raise EstimationError("propensity-score design is singular in this cell") from exc
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            return beta
    raise EstimationError("propensity-score logit did not converge (perfect separation?)")


def ipt_propensity(D: np.ndarray, X: np.ndarray, tol: float = 1e-12, max_iter: int = 200) -> np.ndarray:
    """Inverse-probability-tilting coefficients (Graham, Pinto & Egel 2012, ATT version):
    the root of mean(D x) = mean((1 - D) exp(x'g) x), the minimiser of the convex loss of
    DRDID's ``pscore.ipt``; Newton's method from the logit estimate."""
    gamma = logit_mle(D, X)
    for _ in range(max_iter):
        e = np.exp(X @ gamma) * (1 - D)
        grad = X.T @ (D - e)
        hess = X.T @ (e[:, None] * X)
        step = np.linalg.solve(hess, grad)
        gamma = gamma + step
        if np.max(np.abs(step)) < tol:
            return gamma
    raise EstimationError("inverse probability tilting did not converge")


def _trim(ps: np.ndarray, D: np.ndarray, trim_level: float) -> tuple[np.ndarray, np.ndarray]:
    ps = np.minimum(ps, PS_CAP)
    keep = np.where(D == 1, True, ps < trim_level)
    return ps, keep.astype(float)


def reg_did_panel(dy: np.ndarray, D: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD (Heckman, Ichimura & Todd 1997) and its influence function."""
    n = len(D)
    c = D == 0
    beta = _ols(X[c], dy[c])
    out = X @ beta
    mt = np.mean(D)
    eta_t = np.mean(D * dy) / mt
    eta_c = np.mean(D * out) / mt
    wx = (1 - D)[:, None] * X
    asy = (wx * (dy - out)[:, None]) @ np.linalg.inv(wx.T @ X / n)
    inf_t = (D * dy - D * eta_t) / mt
    inf_c = (D * out - D * eta_c + asy @ np.mean(D[:, None] * X, axis=0)) / mt
    return float(eta_t - eta_c), inf_t - inf_c


def _ps_linear_rep(D: np.ndarray, X: np.ndarray, ps: np.ndarray) -> np.ndarray:
    n = len(D)
    info = X.T @ ((ps * (1 - ps))[:, None] * X)
    return ((D - ps)[:, None] * X) @ (np.linalg.inv(info) * n)


def ipw_did_panel(dy: np.ndarray, D: np.ndarray, X: np.ndarray,
                  trim_level: float = 0.995) -> tuple[float, np.ndarray]:
    """Normalised IPW DiD (Abadie 2005, Hajek weights) with a logit propensity score."""
    ps, keep = _trim(expit(X @ logit_mle(D, X)), D, trim_level)
    w_t = keep * D
    w_c = keep * ps * (1 - D) / (1 - ps)
    eta_t = np.mean(w_t * dy) / np.mean(w_t)
    eta_c = np.mean(w_c * dy) / np.mean(w_c)
    asy_ps = _ps_linear_rep(D, X, ps)
    inf_t = (w_t * dy - w_t * eta_t) / np.mean(w_t)
    m2 = np.mean((w_c * (dy - eta_c))[:, None] * X, axis=0)
    inf_c = (w_c * dy - w_c * eta_c + asy_ps @ m2) / np.mean(w_c)
    return float(eta_t - eta_c), inf_t - inf_c


def dr_did_panel(dy: np.ndarray, D: np.ndarray, X: np.ndarray,
                 trim_level: float = 0.995) -> tuple[float, np.ndarray]:
    """Locally efficient doubly robust DiD (Sant'Anna & Zhao 2020, eq. 3.1; DRDID::drdid_panel)."""
    n = len(D)
    ps, keep = _trim(expit(X @ logit_mle(D, X)), D, trim_level)
    c = D == 0
    out = X @ _ols(X[c], dy[c])
    w_t = keep * D
    w_c = keep * ps * (1 - D) / (1 - ps)
    r = dy - out
    eta_t = np.mean(w_t * r) / np.mean(w_t)
    eta_c = np.mean(w_c * r) / np.mean(w_c)
    wx = (1 - D)[:, None] * X
    asy_ols = (wx * r[:, None]) @ np.linalg.inv(wx.T @ X / n)
    asy_ps = _ps_linear_rep(D, X, ps)
    inf_t = (w_t * r - w_t * eta_t - asy_ols @ np.mean(w_t[:, None] * X, axis=0)) / np.mean(w_t)
    m2 = np.mean((w_c * (r - eta_c))[:, None] * X, axis=0)
    m3 = np.mean(w_c[:, None] * X, axis=0)
    inf_c = (w_c * r - w_c * eta_c + asy_ps @ m2 - asy_ols @ m3) / np.mean(w_c)
    return float(eta_t - eta_c), inf_t - inf_c


def dr_improved_did_panel(dy: np.ndarray, D: np.ndarray, X: np.ndarray,
                          trim_level: float = 0.995) -> tuple[float, np.ndarray]:
    """Improved doubly robust DiD (Sant'Anna & Zhao 2020; DRDID::drdid_imp_panel): IPT
    propensity score and WLS outcome regression make the estimation-effect terms vanish."""
    ps, keep = _trim(expit(X @ ipt_propensity(D, X)), D, trim_level)
    c = D == 0
    out = X @ _ols(X[c], dy[c], ps[c] / (1 - ps[c]))
    w_t = keep * D
    w_c = keep * ps * (1 - D) / (1 - ps)
    r = dy - out
    eta_t = np.mean(w_t * r) / np.mean(w_t)
    eta_c = np.mean(w_c * r) / np.mean(w_c)
    inf = (w_t * r - w_t * eta_t) / np.mean(w_t) - (w_c * r - w_c * eta_c) / np.mean(w_c)
    return float(eta_t - eta_c), inf


def _overlap_fails(D: np.ndarray, X: np.ndarray) -> bool:
    """R did's overlap check: a preliminary logit with a fitted score >= 0.999."""
    if X.shape[1] == 1:
        return bool(np.mean(D) >= OVERLAP_LIMIT)
    try:
        return bool(np.max(expit(X @ logit_mle(D, X, max_iter=50))) >= OVERLAP_LIMIT)
    except EstimationError:
        return True


KERNELS = {"reg": reg_did_panel, "ipw": ipw_did_panel, "dr": dr_did_panel, "dr_improved": dr_improved_did_panel}


# ---------------------------------------------------------------- bootstrap
@dataclass
class Bootstrap:
    se: np.ndarray
    crit_val: float
    n_draws: int
    seed: int | None


def multiplier_bootstrap(inf: np.ndarray, n_draws: int = 999, seed: int | np.random.SeedSequence | None = 0,
                         alpha: float = 0.05) -> Bootstrap:
    """R did's multiplier bootstrap (``mboot``) for the columns of an n x K influence-function
    matrix: Rademacher multipliers V_i, draws sqrt(n) * mean_i V_i IF_ik, SE_k = IQR_k /
    (z_.75 - z_.25) / sqrt(n), uniform critical value = (1 - alpha) quantile of
    max_k |draw_k| / (SE_k sqrt(n)). Columns that are identically zero get SE NaN."""
    inf = np.asarray(inf, dtype=float)
    if inf.ndim == 1:
        inf = inf[:, None]
    n, k = inf.shape
    if n_draws < 2:
        raise ConfigError(f"bootstrap draws must be at least 2, got {n_draws}")
    rng = np.random.default_rng(seed)
    draws = np.empty((n_draws, k))
    chunk = max(1, int(2e7 // max(n, 1)))
    for start in range(0, n_draws, chunk):
        m = min(chunk, n_draws - start)
        v = rng.integers(0, 2, size=(m, n)) * 2.0 - 1.0
        draws[start:start + m] = np.sqrt(n) * (v @ inf) / n
    live = np.all(np.isfinite(draws), axis=0) & np.any(draws != 0, axis=0)
    se = np.full(k, np.nan)
    if not live.any():
        return Bootstrap(se, float("nan"), n_draws, seed if isinstance(seed, int) else None)
    b = draws[:, live]
    q75 = np.quantile(b, 0.75, axis=0, method="inverted_cdf")
    q25 = np.quantile(b, 0.25, axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    sigma[~np.isfinite(sigma) | (sigma <= 0)] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        t_max = np.nanmax(np.abs(b / sigma), axis=1)
    crit = float(np.quantile(t_max[np.isfinite(t_max)], 1 - alpha, method="inverted_cdf"))
    se[live] = sigma / np.sqrt(n)
    return Bootstrap(se, crit, n_draws, seed if isinstance(seed, int) else None)


# ---------------------------------------------------------------- group-time ATTs
@dataclass
class Aggregation:
    """One ``did::aggte`` aggregation: effects by ``labels`` (event time, cohort or
    period; empty for ``simple``) with their influence functions, and the overall effect."""

    kind: str
    labels: list[int]
    att: np.ndarray
    inf: np.ndarray
    overall_att: float
    overall_inf: np.ndarray


@dataclass
class CSResult:
    periods: list[int]
    cohort: np.ndarray            # per retained entity, inf = never treated
    kept: np.ndarray              # boolean mask of retained entities among the input rows
    cells: list[tuple[int, int]]  # (g, t)
    base: list[int]               # base period of each cell
    att: np.ndarray
    inf: np.ndarray               # n x K
    control: str
    base_period: str
    anticipation: int
    est_method: str
    skipped: list[dict] = field(default_factory=list)
    dropped_cohorts: list[int] = field(default_factory=list)

    @property
    def n(self) -> int:
        return int(self.inf.shape[0])

    @property
    def cohorts(self) -> list[int]:
        return sorted({g for g, _ in self.cells})

    def pg(self, g: int) -> float:
        return float(np.mean(self.cohort == g))

    def se(self, inf: np.ndarray) -> np.ndarray | float:
        """Analytic standard error(s): sqrt(sum_i IF_i^2) / n per column."""
        out = np.sqrt(np.sum(np.asarray(inf) ** 2, axis=0)) / self.n
        return float(out) if np.ndim(out) == 0 else out

    def _wif(self, groups: list[int]) -> np.ndarray:
        pg = np.array([self.pg(g) for g in groups])
        ind = np.column_stack([(self.cohort == g).astype(float) for g in groups])
        return (ind - pg) / pg.sum() - np.outer((ind - pg).sum(axis=1), pg / pg.sum() ** 2)

    def combine(self, keep: list[int], weight_influence: bool = True) -> tuple[float, np.ndarray]:
        """Cohort-share weighted average of cells ``keep`` and its influence function
        (with the estimated-weight term unless ``weight_influence`` is False)."""
        groups = [self.cells[k][0] for k in keep]
        pg = np.array([self.pg(g) for g in groups])
        w = pg / pg.sum()
        att = self.att[keep]
        inf = self.inf[:, keep] @ w
        if weight_influence:
            inf = inf + self._wif(groups) @ att
        return float(w @ att), inf

    def aggregate(self, kind: str, min_e: float = -np.inf, max_e: float = np.inf) -> Aggregation:
        if kind not in AGGREGATIONS:
            raise ConfigError(f"aggregation must be one of {list(AGGREGATIONS)}, got {kind!r}")
        g = np.array([c[0] for c in self.cells])
        t = np.array([c[1] for c in self.cells])
        e = t - g
        post = (g <= t) & (e >= min_e) & (e <= max_e)
        if not post.any():
            raise EstimationError("no post-treatment ATT(g,t) cell to aggregate")
        if kind == "simple":
            a, i = self.combine(list(np.flatnonzero(post)))
            return Aggregation(kind, [], np.empty(0), np.empty((self.n, 0)), a, i)
        labels: list[int] = []
        atts, infs = [], []
        if kind == "group":
            for gg in sorted(set(g[post])):
                a, i = self.combine(list(np.flatnonzero(post & (g == gg))), weight_influence=False)
                labels.append(int(gg))
                atts.append(a)
                infs.append(i)
            att_l, inf_l = np.array(atts), np.column_stack(infs)
            pg = np.array([self.pg(x) for x in labels])
            overall = float(att_l @ pg / pg.sum())
            overall_inf = inf_l @ (pg / pg.sum()) + self._wif(labels) @ att_l
            return Aggregation(kind, labels, att_l, inf_l, overall, overall_inf)
        if kind == "dynamic":
            for ee in sorted(set(e[(e >= min_e) & (e <= max_e)])):
                a, i = self.combine(list(np.flatnonzero(e == ee)))
                labels.append(int(ee))
                atts.append(a)
                infs.append(i)
        else:  # calendar
            for tt in sorted(set(t[post])):
                a, i = self.combine(list(np.flatnonzero(post & (t == tt))))
                labels.append(int(tt))
                atts.append(a)
                infs.append(i)
        att_l, inf_l = np.array(atts), np.column_stack(infs)
        sel = np.array(labels) >= 0 if kind == "dynamic" else np.ones(len(labels), bool)
        return Aggregation(kind, labels, att_l, inf_l, float(att_l[sel].mean()), inf_l[:, sel].mean(axis=1))

    def pretest(self) -> dict | None:
        """Wald test that every pre-treatment ATT(g,t) (t < g - anticipation) is zero (R did's
        ``W``, chi-square with as many degrees of freedom as such cells); None without such
        cells or with a singular covariance."""
        pre = [k for k, (g, t) in enumerate(self.cells) if t + self.anticipation < g]
        if not pre:
            return None
        b = self.att[pre]
        V = self.inf[:, pre].T @ self.inf[:, pre] / self.n
        if np.linalg.cond(V) > 1e14:
            return None
        w = float(self.n * b @ np.linalg.solve(V, b))
        return {"statistic": w, "df": len(pre), "p_value": float(stats.chi2.sf(w, len(pre)))}


def att_gt(Y: np.ndarray, periods: list[int], cohort: np.ndarray, X: np.ndarray | None = None, *,
           control: str = "never", base_period: str = "varying", anticipation: int = 0,
           est_method: str = "dr", trim_level: float = 0.995) -> CSResult:
    """All group-time ATTs of a balanced panel (see the module docstring)."""
    if control not in CONTROLS:
        raise ConfigError(f"options.control must be never or notyet, got {control!r}")
    if base_period not in BASE_PERIODS:
        raise ConfigError(f"options.base_period must be varying or universal, got {base_period!r}")
    if est_method not in EST_METHODS:
        raise ConfigError(f"options.est_method must be one of {list(EST_METHODS)}, got {est_method!r}")
    if int(anticipation) != anticipation or anticipation < 0:
        raise ConfigError(f"options.anticipation must be a non-negative integer, got {anticipation!r}")
    delta = int(anticipation)
    Y = np.asarray(Y, dtype=float)
    periods = [int(p) for p in periods]
    if list(periods) != sorted(periods) or len(set(periods)) != len(periods):
        raise ConfigError("periods must be strictly increasing")
    if np.isnan(Y).any():
        raise EstimationError("att_gt needs a balanced panel without missing outcomes")
    gv = np.where(np.isnan(np.asarray(cohort, dtype=float)), np.inf, np.asarray(cohort, dtype=float))
    gv = np.where(gv > periods[-1] + delta, np.inf, gv)   # treated after the sample: never treated
    kept = ~(gv <= periods[0] + delta)                   # treated from the first period: dropped
    dropped = sorted({int(v) for v in gv[~kept]})
    Y, gv = Y[kept], gv[kept]
    n = Y.shape[0]
    if X is not None:
        X = np.asarray(X, dtype=float)
        if X.ndim == 2:
            X = X[:, None, :].repeat(len(periods), axis=1)  # time-invariant covariates
        if X.ndim != 3 or X.shape[:2] != (len(kept), len(periods)):
            raise ConfigError(f"covariates must be n x T x k (or n x k), got shape {X.shape}")
        X = X[kept]
        if np.isnan(X).any():
            raise EstimationError("att_gt needs covariates without missing values")
    if not np.isinf(gv).any():
        raise EstimationError("no never-treated entity in the sample; R did would recode the last cohort as "
                              "never treated and truncate the panel, this implementation does not")
    cohorts = sorted({int(v) for v in gv[np.isfinite(gv)]})
    if not cohorts:
        raise EstimationError("no treated cohort has a pre-treatment period in the sample")
    kernel = KERNELS[est_method]
    cells: list[tuple[int, int]] = []
    bases: list[int] = []
    atts: list[float] = []
    infs: list[np.ndarray] = []
    skipped: list[dict] = []
    pos = {p: i for i, p in enumerate(periods)}
    for g in cohorts:
        pre_idx = max(i for i, p in enumerate(periods) if p + delta < g)
        loop = periods[1:] if base_period == "varying" else periods
        for t in loop:
            b_idx = pre_idx if base_period == "universal" else pos[t] - 1
            if g - delta <= t:
                b_idx = pre_idx
            b = periods[b_idx]
            if base_period == "universal" and b == t:
                continue
            treat = gv == g
            ctrl = np.isinf(gv) if control == "never" else np.isinf(gv) | ((gv > max(t, b) + delta) & (gv != g))
            rows = treat | ctrl
            if not treat.any() or not ctrl.any():
                skipped.append({"cohort": g, "period": t, "reason": "no treated or no comparison units"})
                continue
            dy = (Y[:, pos[t]] - Y[:, b_idx])[rows]
            D = treat[rows].astype(float)
            cov = np.ones((int(rows.sum()), 1))
            if X is not None and X.shape[-1]:
                cov = np.column_stack([cov, X[rows, pos[min(t, b)], :]])
            if est_method in ("dr", "ipw", "dr_improved") and _overlap_fails(D, cov):
                skipped.append({"cohort": g, "period": t, "reason": "overlap: propensity score >= 0.999"})
                continue
            try:
                a, i_cell = kernel(dy, D, cov)
            except (EstimationError, np.linalg.LinAlgError) as exc:
                skipped.append({"cohort": g, "period": t, "reason": str(exc)})
                continue
            full = np.zeros(n)
            full[rows] = (n / rows.sum()) * i_cell
            cells.append((g, t))
            bases.append(b)
            atts.append(a)
            infs.append(full)
    if not cells:
        raise EstimationError("no ATT(g,t) could be estimated: " + "; ".join(str(s["reason"]) for s in skipped[:3]))
    return CSResult(periods=periods, cohort=gv, kept=kept, cells=cells, base=bases, att=np.array(atts),
                    inf=np.column_stack(infs), control=control, base_period=base_period, anticipation=delta,
                    est_method=est_method, skipped=skipped, dropped_cohorts=dropped)
