"""Spatial panel models by maximum likelihood: SAR, SEM, SDM, SDEM and SLX with
individual, time or two-way fixed effects, the Lee & Yu (2010) correction, LM
tests and LeSage & Pace effects.

Model (N regions, T periods, W an N x N weights matrix, stacked period by period)::

    SAR   y = ρ W y + X β + α + γ + ε
    SDM   y = ρ W y + X β + W X θ + α + γ + ε
    SEM   y = X β + α + γ + u,          u = λ W u + ε
    SDEM  y = X β + W X θ + α + γ + u,  u = λ W u + ε
    SLX   y = X β + W X θ + α + γ + ε           (no spatial parameter; OLS = ML)

Fixed effects are removed by demeaning (within transformation); spatial lags are
formed *before* demeaning (``Q(Wy)``, ``Q(WX)``), which is what the Lee–Yu
orthogonal transformation implies when W is row-standardised.

Estimation (Elhorst 2014, *Spatial Econometrics*, ch. 3; Lee & Yu 2010, JoE 154):
the concentrated log-likelihood in the spatial parameter δ (ρ or λ) is

    ℓc(δ) = -(n*/2)(1 + log 2π + log(SSR(δ)/n*)) + T*·[log|I_N - δW| - c·log(1 - δ)]

and is maximised by solving its first-order condition ℓc'(δ) = 0 (the analytic
concentrated score, see ``_concentrated_score``): sign changes on a grid over the
admissible interval bracket the roots, Brent's method finds each to ~1e-15 and a
Newton step polishes it; the root with the largest ℓc is the estimate. Maximising ℓc
itself (e.g. bounded Brent search) cannot place the maximiser better than about the
square root of ℓc's rounding noise (~1e-7 in δ); the score crosses zero cleanly, so δ is
exact to ~1e-12. A score without a downward zero crossing means the maximum lies on a
bound of the interval, which is reported as an EstimationError. Without the Lee–Yu correction
(``lee_yu: false``) n* = NT, T* = T and c = 0: the "direct approach",
i.e. the uncorrected ML estimator of Elhorst (2003) and spreg's Panel_FE_Lag /
Panel_FE_Error. With the correction (the default), the transformation approach
of Lee & Yu (2010): individual effects cost one period (T* = T - 1, n* = N(T-1)),
time effects one cross-sectional unit (N* = N - 1, c = 1, which needs a
row-standardised W), two-way both (n* = (N-1)(T-1)). For individual effects only
this leaves β and ρ unchanged and rescales σ² by T/(T-1); with time effects it
also changes ρ (removing the Nickell-type bias of order 1/N).

Log-determinant ``logdet``: ``eigen`` (exact, from the eigenvalues of W,
O(N³) once; default for N ≤ 2000), ``lu`` (exact, sparse LU of I - δW at every
evaluation; default above 2000) or ``mc`` (Barry & Pace 1999 Monte Carlo
approximation: log|I-δW| = -Σ_{j≤m} δ^j tr(W^j)/j with tr(W), tr(W²) exact and
higher traces from ``mc_probes`` seeded Gaussian probes, order ``mc_order``).

Standard errors come from the inverse of the analytical information matrix in
(β, δ, σ²) (Elhorst 2014 eq. 3.7/3.8 with T*, n* and the traces of the transformed
G = W(I-δW)⁻¹: tr(G*) = tr(G) - c/(1-δ), tr(G*²) = tr(G²) - c/(1-δ)²,
tr(G*'G*) = tr(G'G) - c·‖1'G‖²/N). For SEM/SDEM the β block is σ²(X*'X*)⁻¹ and
(λ, σ²) have their own 2x2 block (β and λ are asymptotically independent).

Effects (LeSage & Pace 2009): for SAR/SDM, S(ρ)⁻¹(β_k I + θ_k W); direct = mean
diagonal, total = mean row sum, indirect = total - direct; inference by drawing
the parameters from N(θ̂, V̂) (``effects_draws``, seeded). For SEM the direct
effect is β (indirect 0); for SDEM/SLX direct β and indirect θ·(mean row sum of W)
with exact (linear) standard errors.

Log-likelihood convention: ours is the full Gaussian log-likelihood at the ML σ²
(SSR/n*). spreg's ``logll`` uses SSR instead of SSR/(NT) inside the log, so
spreg.logll = ours - (NT/2)·log(NT) for the uncorrected one-way FE models.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import optimize, stats
from scipy.sparse.linalg import splu

from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.models.inference import chi2_p_value, chi2_test, test_row, wald_statistic
from clusternet.spatial import sparse_numerics as sn
from clusternet.spatial.weights import SpatialWeights

MODELS = ("sar", "sem", "sdm", "sdem", "slx")
LAG_MODELS = ("sar", "sdm")
ERROR_MODELS = ("sem", "sdem")
DURBIN_MODELS = ("sdm", "sdem", "slx")
EFFECTS = ("none", "individual", "time", "twoway")
EIGEN_MAX_N = 200  # logdet/traces "auto": eigenvalues and dense G up to here, sparse LU above (measured
# crossover, benchmarks/README.md "Spatial panel models at large N")
EXACT_TRACE_MAX_N = 5000  # traces "auto": exact by sparse solves up to here, Hutchinson above
TWO_STAGE_MIN_N = EIGEN_MAX_N  # sparse-LU fits above this size locate ρ in two stages (_two_stage_root)
TRACES = ("auto", "dense", "exact", "hutchinson")


# ----------------------------------------------------------------------------- panel arrays
@dataclass
class SpatialPanel:
    """Balanced panel as arrays: y (T, N), X (T, N, k), ordered as ``W.ids`` (regions) and ``years``."""

    y: np.ndarray
    X: np.ndarray
    W: sp.csr_matrix
    ids: tuple
    years: tuple
    y_name: str
    x_names: list


def panel_arrays(data: pd.DataFrame, y: str, x: list[str], weights: SpatialWeights,
                 entity: str = "region_code", time: str = "year") -> SpatialPanel:
    """Reshape long data to (T, N) arrays in the weights' region order, with clear errors
    for missing columns, regions that do not match the weights, and unbalanced panels."""
    missing_cols = [c for c in [entity, time, y, *x] if c not in data.columns]
    if missing_cols:
        raise DataError(f"columns {missing_cols} are not in the data; available: {sorted(map(str, data.columns))}")
    d = data[[entity, time, y, *x]]
    if d.duplicated([entity, time]).any():
        dup = d[d.duplicated([entity, time], keep=False)][[entity, time]].drop_duplicates().head(5).values.tolist()
        raise DataError(f"duplicate ({entity}, {time}) rows, e.g. {dup}")
    codes = sorted(int(c) for c in d[entity].unique())
    W = weights.aligned(codes, source="data") if set(codes) != set(weights.ids) else weights
    ids = W.ids
    years = tuple(sorted(int(t) for t in d[time].unique()))
    full = pd.MultiIndex.from_product([years, ids], names=[time, entity])
    wide = d.set_index([time, entity]).reindex(full)
    bad = wide[wide.isna().any(axis=1)]
    if len(bad):
        parts = []
        for year, grp in bad.groupby(level=time):
            regs = sorted(int(r) for r in grp.index.get_level_values(entity))
            cols = sorted(c for c in grp.columns if grp[c].isna().any())
            who = f"all {len(ids)} regions" if len(regs) == len(ids) else f"regions {regs}"
            parts.append(f"{int(year)}: {who} (missing {', '.join(cols)})")
        raise DataError(
            f"unbalanced panel for the spatial model ({y} ~ {', '.join(x)}): " + "; ".join(parts)
            + ". Spatial ML needs every region in every year: restrict the years (sample) or impute"
        )
    T, N = len(years), len(ids)
    yv = wide[y].to_numpy(float).reshape(T, N)
    Xv = wide[x].to_numpy(float).reshape(T, N, len(x))
    return SpatialPanel(yv, Xv, W.matrix, ids, years, y, list(x))


def lag(W: sp.csr_matrix, a: np.ndarray) -> np.ndarray:
    """Spatial lag within each period: a is (T, N) or (T, N, k)."""
    if a.ndim == 2:
        return (W @ a.T).T
    return np.stack([W @ a[t] for t in range(a.shape[0])])


def demean(a: np.ndarray, effects: str) -> np.ndarray:
    """Within transformation of (T, N[, k]) arrays: individual, time or two-way."""
    if effects == "none":
        return a.copy()
    out = a
    if effects in ("individual", "twoway"):
        out = out - out.mean(axis=0, keepdims=True)
    if effects in ("time", "twoway"):
        out = out - out.mean(axis=1, keepdims=True)
    return out


# ----------------------------------------------------------------------------- log-determinant
class LogDet:
    """log|I - δW| by exact eigenvalues, sparse LU, or Barry–Pace Monte Carlo."""

    def __init__(self, W: sp.csr_matrix, method: str = "auto", seed: int = 0, mc_order: int = 50,
                 mc_probes: int = 50):
        n = W.shape[0]
        if method == "auto":
            method = "eigen" if n <= EIGEN_MAX_N else "lu"
        if method not in ("eigen", "lu", "mc"):
            raise ConfigError(f"logdet method {method!r}: one of eigen, lu, mc, auto")
        self.method, self.W, self.n = method, W.tocsc(), n
        self.eig = np.linalg.eigvals(W.toarray()) if method == "eigen" else None
        if method == "mc":
            rng = np.random.default_rng(seed)
            probes = rng.standard_normal((n, mc_probes))
            traces = np.empty(mc_order)
            v = probes
            for j in range(mc_order):
                v = W @ v
                traces[j] = np.mean(np.sum(probes * v, axis=0))
            traces[0] = W.diagonal().sum()
            if mc_order > 1:
                traces[1] = W.multiply(W.T).sum()
            self.traces = traces

    def derivative(self, delta: float) -> float:
        """d/dδ log|I - δW| = -tr((I - δW)⁻¹W), exactly for ``eigen`` (-Σ ω/(1-δω)) and ``lu``
        (complex step on the sparse LU, ``sparse_numerics.logdet_derivative``: exact to rounding,
        no dense object), and the term-by-term derivative of the series for ``mc``."""
        if self.method == "eigen":
            assert self.eig is not None  # set by the eigen method's constructor
            return float(-np.sum(self.eig / (1 - delta * self.eig)).real)
        if self.method == "lu":
            return sn.logdet_derivative(self.W, delta)[1]
        j = np.arange(1, len(self.traces) + 1)
        return float(-np.sum(delta ** (j - 1) * self.traces))

    def __call__(self, delta: float) -> float:
        if self.method == "eigen":
            assert self.eig is not None
            return float(np.sum(np.log(1 - delta * self.eig)).real)
        if self.method == "lu":
            return sn.sparse_logdet(self.W, delta)
        j = np.arange(1, len(self.traces) + 1)
        return float(-np.sum(delta ** j * self.traces / j))

    def bounds(self) -> tuple[float, float]:
        """Search interval for δ: (1/ω_min, 1/ω_max) from real eigenvalues when known, else (-1, 1)."""
        eps = 1e-7
        if self.eig is not None:
            real = self.eig[np.abs(self.eig.imag) < 1e-10].real
            lo, hi = 1 / real.min(), 1 / real.max()
            return max(lo, -1.0) + eps, hi - eps
        return -1 + eps, 1 - eps


SCORE_GRID = 64  # grid intervals over (lo, hi) on which sign changes of the score are sought


def _newton_polish(score, d, lo, hi, steps=3):
    """Up to ``steps`` Newton steps on the score from d, the slope by a central difference of the
    (analytic, smooth) score; a step is kept only if it stays inside (lo, hi) and shrinks |score|.
    After Brent the root is already at the score's rounding floor, so this rarely moves it."""
    s = score(d)
    for _ in range(steps):
        if s == 0.0:
            break
        h = 1e-6 * max(1.0, abs(d))
        h = min(h, (d - lo) / 2, (hi - d) / 2)
        slope = (score(d + h) - score(d - h)) / (2 * h)
        if not np.isfinite(slope) or slope == 0.0:
            break
        nd = d - s / slope
        if not lo < nd < hi:
            break
        ns = score(nd)
        if not abs(ns) < abs(s):
            break
        d, s = nd, ns
    return d


def _score_root(score, loglik, lo, hi, tol=1e-14, name="spatial parameter"):
    """Maximiser of a concentrated log-likelihood on (lo, hi) as a root of its analytic score.

    The score is evaluated on a grid of ``SCORE_GRID`` intervals; every downward sign change
    (+ to -, a local maximum) is solved by Brent's method (``xtol=tol``, ``rtol=4 eps``) and
    polished by Newton; the root with the largest log-likelihood wins. If the score has no
    downward crossing, or the likelihood at a bound the score points to exceeds every interior
    maximum, the maximum lies on the bound: an EstimationError says so."""
    grid = np.linspace(lo, hi, SCORE_GRID + 1)
    sc = np.array([score(g) for g in grid])
    if not np.all(np.isfinite(sc)):
        bad = grid[~np.isfinite(sc)]
        raise EstimationError(f"the concentrated score of the {name} is not finite at {bad[:3].tolist()} "
                              "(inf or NaN in the data, or a degenerate W)")
    roots = []
    for i in range(SCORE_GRID):
        a, b = sc[i], sc[i + 1]
        if a > 0 and b < 0:
            r = optimize.brentq(score, grid[i], grid[i + 1], xtol=tol, rtol=4 * np.finfo(float).eps,
                                maxiter=500)
            roots.append(_newton_polish(score, r, lo, hi))
        elif a > 0 and b == 0:
            roots.append(float(grid[i + 1]))
    best = max(roots, key=loglik) if roots else None
    edge = []
    if sc[0] < 0:
        edge.append(lo)  # the likelihood rises towards the lower bound
    if sc[-1] > 0:
        edge.append(hi)  # ... towards the upper bound
    edge = [e for e in edge if best is None or loglik(e) > loglik(best)]
    if edge:
        _raise_edge_maximum(name, max(edge, key=loglik), lo, hi)
    assert best is not None  # no root and no edge maximum raised above
    return float(best)


def _raise_edge_maximum(name, e, lo, hi):
    side = "lower" if e == lo else "upper"
    raise EstimationError(
        f"the {name} has no interior maximum likelihood estimate: the concentrated score does not "
        f"change sign from + to - before the {side} bound of the admissible interval ({lo:.6f}, {hi:.6f}), "
        f"so the likelihood is maximised at the bound ({e:.6f}); the model may be misspecified or W "
        "poorly scaled")


def _logdet_interpolant(W, r0, lo, hi):
    """``ChebyshevLogDet`` on [r0 - w, r0 + w] ∩ [lo, hi], w = min(0.05, (1 - |r0|)/4): the nearest
    singularity of log|I - δW| (|δ| ≥ 1) is then at least 3w away (module sparse_numerics)."""
    w = min(0.05, (1 - abs(r0)) / 4)
    return sn.ChebyshevLogDet(W, max(lo, r0 - w), min(hi, r0 + w))


def _two_stage_root(make_score, loglik, lo, hi, tol, name, W, approx_derivative):
    """The root of the concentrated score for large N without a complex factorisation per evaluation.

    Stage 1 brackets and solves the score with an approximate log-determinant derivative
    (Barry–Pace series) on the ``SCORE_GRID`` grid; stage 2 solves the score again (Brent,
    ``xtol=tol``) on [r0 - w, r0 + w] with the derivative of a Chebyshev interpolant of exact
    sparse-LU log-determinants (relative error ~1e-13, ``_logdet_interpolant``). The bounds are
    checked with the exact likelihood. Returns (root, interpolant), or None when stage 1 finds no
    interior root or a root near ±1 or stage 2 no sign change (the caller then runs the exact
    one-stage search)."""
    approx = make_score(approx_derivative)
    grid = np.linspace(lo, hi, SCORE_GRID + 1)
    sc = np.array([approx(g) for g in grid])
    if not np.all(np.isfinite(sc)):
        return None
    found = []
    for i in range(SCORE_GRID):
        if sc[i] > 0 and sc[i + 1] < 0:
            r0 = optimize.brentq(approx, grid[i], grid[i + 1], xtol=1e-10)
            if 1 - abs(r0) < 0.02:
                return None
            interp = _logdet_interpolant(W, r0, lo, hi)
            score = make_score(interp.derivative)
            a, b = interp.a, interp.b
            if not (score(a) > 0 and score(b) < 0):
                return None
            r = optimize.brentq(score, a, b, xtol=tol, rtol=4 * np.finfo(float).eps, maxiter=500)
            found.append((float(r), interp))
    if not found:
        return None
    best = max(found, key=lambda ri: loglik(ri[0]))
    edge = [e for e in (lo, hi) if loglik(e) > loglik(best[0])]
    if edge:
        _raise_edge_maximum(name, max(edge, key=loglik), lo, hi)
    return best


def transformed_traces(G: np.ndarray, delta: float, c: float) -> tuple[float, float, float]:
    """tr(G*), tr(G*²), tr(G*'G*) of G* = F_N' G F_N (c = 1) or of G itself (c = 0), where
    G = W(I - δW)⁻¹, W row-standardised and F_N the orthonormal eigenvectors of J_N = I - 11'/N:
    G has eigenvalue 1/(1-δ) on 1 and J_N G J_N = J_N G, so tr(G*) = tr(G) - 1/(1-δ),
    tr(G*²) = tr(G²) - 1/(1-δ)², tr(G*'G*) = tr(G'J_N G) = tr(G'G) - ‖1'G‖²/N."""
    N = G.shape[0]
    return (float(np.trace(G) - c / (1 - delta)),
            float(np.sum(G * G.T) - c / (1 - delta) ** 2),
            float(np.sum(G * G) - c * np.sum(G.sum(axis=0) ** 2) / N))


# ----------------------------------------------------------------------------- estimator
@dataclass
class SpatialPanelResult:
    model: str
    effects: str
    lee_yu: bool
    names: list  # regressor names (β then θ), then the spatial parameter
    params: np.ndarray  # β (+θ) and δ
    vcov: np.ndarray  # of params
    sigma2: float
    sigma2_se: float
    loglik: float
    nobs: int
    n_eff: int
    N: int
    T: int
    resid: np.ndarray
    k_x: int
    x_names: list
    y_name: str
    logdet_method: str
    trace_method: str = "dense"  # how tr(G), tr(G²), tr(G'G) were computed (fit_spatial_panel ``traces``)
    trace_se: float = 0.0  # relative Monte Carlo standard error of tr(G'G) (Hutchinson), 0 when exact
    logdet_interp: sn.ChebyshevLogDet | None = None  # around δ̂ at large N, reused by the effects

    @property
    def delta(self) -> float | None:
        return None if self.model == "slx" else float(self.params[-1])

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))


def _ols(X, y):
    XtX = X.T @ X
    try:
        return np.linalg.solve(XtX, X.T @ y), XtX
    except np.linalg.LinAlgError as exc:
        raise EstimationError("regressors are collinear after removing the fixed effects "
                              "(a variable constant within regions or years?)") from exc


def _check_lee_yu(W: sp.csr_matrix, effects: str, lee_yu: bool):
    if lee_yu and effects in ("time", "twoway"):
        rows = np.asarray(W.sum(axis=1)).ravel()
        if not np.allclose(rows, 1.0, atol=1e-10):
            raise ConfigError("the Lee-Yu transformation with time effects needs a row-standardised W "
                              "(normalise: row in config/spatial.yaml), or set lee_yu: false")


@dataclass(frozen=True)
class EffectiveSample:
    """Sample sizes after the Lee-Yu transformation: T* = T-1 with individual effects, N* = N-1 with
    time effects, and c = 1 where the log-likelihood gains the -c·log(1-δ) term (time effects)."""
    corr: bool
    T_eff: int
    N_eff: int
    c: float

    @property
    def n_eff(self) -> int:
        return self.N_eff * self.T_eff


def effective_sample(W: sp.csr_matrix, effects: str, lee_yu: bool, T: int, N: int) -> EffectiveSample:
    """Checks the effects and W for the Lee-Yu transformation; the effective sample sizes."""
    if effects not in EFFECTS:
        raise ConfigError(f"effects {effects!r}: one of {', '.join(EFFECTS)}")
    _check_lee_yu(W, effects, lee_yu)
    corr = lee_yu and effects != "none"
    sample = EffectiveSample(corr, T - 1 if corr and effects in ("individual", "twoway") else T,
                             N - 1 if corr and effects in ("time", "twoway") else N,
                             1.0 if corr and effects in ("time", "twoway") else 0.0)
    if sample.n_eff <= 0:
        raise DataError(f"too few observations: N={N}, T={T} with {effects} effects")
    return sample


def design_with_constant(panel: SpatialPanel, effects: str) -> tuple[np.ndarray, list[str]]:
    """The (T, N, k) regressors and their names, with a constant when the model has no effects."""
    if effects == "none":
        return np.concatenate([np.ones((*panel.y.shape, 1)), panel.X], axis=2), ["const", *panel.x_names]
    return panel.X, list(panel.x_names)


def regressors(panel: SpatialPanel, model: str, effects: str) -> np.ndarray:
    """The (T, N, k) regressors of the likelihood before demeaning: X (with a constant when the model
    has no effects), then WX for the Durbin models."""
    X, _ = design_with_constant(panel, effects)
    if model in DURBIN_MODELS:
        X = np.concatenate([X, lag(panel.W, panel.X)], axis=2)
    return X


def fit_spatial_panel(panel: SpatialPanel, model: str, effects: str = "individual", lee_yu: bool = True,
                      logdet: str = "auto", seed: int = 0, tol: float = 1e-14, mc_order: int = 50,
                      mc_probes: int = 50, traces: str = "auto", trace_probes: int = 100) -> SpatialPanelResult:
    """Fit one spatial panel model by ML (see the module docstring for formulas).

    ``traces`` (tr(G), tr(G²), tr(G'G) of the information matrix): ``dense`` (G = W(I - δW)⁻¹
    formed densely), ``exact`` (sparse solves by column blocks), ``hutchinson`` (tr(G), tr(G²)
    from the exact log-determinant interpolant, tr(G'G) by ``trace_probes`` seeded probes with
    its relative standard error in ``trace_se``), ``auto``: dense for N ≤ EIGEN_MAX_N, exact for
    N ≤ EXACT_TRACE_MAX_N, else hutchinson."""
    if traces not in TRACES:
        raise ConfigError(f"traces {traces!r}: one of {', '.join(TRACES)}")
    if model not in MODELS:
        raise ConfigError(f"spatial model {model!r}: one of {', '.join(MODELS)}")
    W = panel.W
    T, N = panel.y.shape
    sample = effective_sample(W, effects, lee_yu, T, N)
    corr, T_eff, c, n_eff = sample.corr, sample.T_eff, sample.c, sample.n_eff
    X, names = design_with_constant(panel, effects)
    if model in DURBIN_MODELS:
        WX = lag(W, panel.X)
        X = np.concatenate([X, WX], axis=2)
        names = names + [f"W*{n}" for n in panel.x_names]
    k = X.shape[2]
    yt = demean(panel.y, effects).reshape(-1)
    Xt = demean(X, effects).reshape(-1, k)
    Wy = demean(lag(W, panel.y), effects).reshape(-1)
    scale = np.maximum(np.abs(X.reshape(-1, k)).max(axis=0), 1.0)
    absorbed = [names[j] for j in range(k) if np.abs(Xt[:, j]).max() <= 1e-10 * scale[j]]
    if absorbed:
        raise EstimationError(f"regressor(s) {absorbed} are absorbed by the {effects} fixed effects "
                              "(constant within regions or within years): drop them from the specification")
    if np.linalg.matrix_rank(Xt) < k:
        raise EstimationError(f"regressors {names} are collinear after removing the {effects} fixed effects")

    if model == "slx":
        b, XtX = _ols(Xt, yt)
        e = yt - Xt @ b
        s2 = e @ e / n_eff
        ll = -n_eff / 2 * (1 + np.log(2 * np.pi) + np.log(s2))
        return SpatialPanelResult(model, effects, corr, names, b, s2 * np.linalg.inv(XtX), s2,
                                  s2 * np.sqrt(2 / n_eff), ll, T * N, n_eff, N, T, e, len(panel.x_names),
                                  panel.x_names, panel.y_name, "none")

    ld = LogDet(W, logdet, seed=seed, mc_order=mc_order, mc_probes=mc_probes)
    lo, hi = ld.bounds()
    if c:
        hi = min(hi, 1 - 1e-7)
    const = -n_eff / 2 * (1 + np.log(2 * np.pi))

    if model in LAG_MODELS:
        b0, XtX = _ols(Xt, yt)
        b1, _ = _ols(Xt, Wy)
        e0, e1 = yt - Xt @ b0, Wy - Xt @ b1

        def ssr(d):
            r = e0 - d * e1
            return r @ r

        def ssr_score(d):  # -(1/2) dSSR/dδ
            return e1 @ (e0 - d * e1)

    else:
        WXt = demean(lag(W, X), effects).reshape(-1, k)

        def filtered(d):
            return yt - d * Wy, Xt - d * WXt

        def ssr(d):
            ys, xs = filtered(d)
            bb, _ = _ols(xs, ys)
            r = ys - xs @ bb
            return r @ r

        def ssr_score(d):  # -(1/2) dSSR/dδ = r'(Wy - WX b̂) by the envelope theorem (b̂ minimises SSR)
            ys, xs = filtered(d)
            bb, _ = _ols(xs, ys)
            r = ys - xs @ bb
            return r @ (Wy - WXt @ bb)

    def loglik(d):
        return const - n_eff / 2 * np.log(ssr(d) / n_eff) + T_eff * (ld(d) - (c * np.log(1 - d) if c else 0.0))

    def make_score(dlogdet):
        def score(d):  # dℓc/dδ
            return n_eff * ssr_score(d) / ssr(d) + T_eff * (dlogdet(d) + (c / (1 - d) if c else 0.0))
        return score

    pname = "rho" if model in LAG_MODELS else "lambda"
    staged = None
    if ld.method == "lu" and N > TWO_STAGE_MIN_N:
        approx = LogDet(W, "mc", seed=seed, mc_order=mc_order, mc_probes=mc_probes)
        staged = _two_stage_root(make_score, loglik, lo, hi, tol, pname, W, approx.derivative)
    if staged is not None:
        d, interp = staged
    else:
        d, interp = _score_root(make_score(ld.derivative), loglik, lo, hi, tol, name=pname), None
    ll = float(loglik(d))
    if traces == "auto":
        traces = "dense" if N <= EIGEN_MAX_N else "exact" if N <= EXACT_TRACE_MAX_N else "hutchinson"
    trace_se = 0.0
    if traces == "dense":
        Wd = W.toarray()
        G = Wd @ np.linalg.inv(np.eye(N) - d * Wd)
        tr1, tr2, tr3 = transformed_traces(G, d, c)

        def apply_g(B):
            return G @ B
    else:
        lu = sn.factor(W, d)
        if traces == "exact":
            t1, t2, t3, colsum2 = sn.exact_traces(W, d)
        else:
            if interp is None or not interp.contains(d):
                interp = _logdet_interpolant(W, d, lo, hi)
            t1, t2 = -float(interp.derivative(d)), -float(interp.second_derivative(d))
            t3, t3_se = sn.hutchinson_gtg(W, d, lu, probes=trace_probes, seed=seed)
            trace_se = t3_se / t3
            colsum2 = sn.column_sum_norm2(W, lu)
        tr1, tr2, tr3 = t1 - c / (1 - d), t2 - c / (1 - d) ** 2, t3 - c * colsum2 / N

        def apply_g(B):
            return sn.apply_g(lu, W, B)
    if model in LAG_MODELS:
        b = b0 - d * b1
        e = e0 - d * e1
        s2 = e @ e / n_eff
        xb = (Xt @ b).reshape(T, N)
        Gxb = demean(apply_g(xb.T).T, effects).reshape(-1)
        info = np.zeros((k + 2, k + 2))
        info[:k, :k] = XtX / s2
        info[:k, k] = info[k, :k] = Xt.T @ Gxb / s2
        info[k, k] = T_eff * (tr2 + tr3) + Gxb @ Gxb / s2
        info[k, k + 1] = info[k + 1, k] = T_eff * tr1 / s2
        info[k + 1, k + 1] = n_eff / (2 * s2 ** 2)
        V = np.linalg.inv(info)
        vcov, s2_se = V[: k + 1, : k + 1], np.sqrt(V[k + 1, k + 1])
    else:
        ys, xs = filtered(d)
        b, xsxs = _ols(xs, ys)
        e = ys - xs @ b
        s2 = e @ e / n_eff
        block = np.array([[T_eff * (tr2 + tr3), T_eff * tr1 / s2], [T_eff * tr1 / s2, n_eff / (2 * s2 ** 2)]])
        Vb = np.linalg.inv(block)
        vcov = np.zeros((k + 1, k + 1))
        vcov[:k, :k] = s2 * np.linalg.inv(xsxs)
        vcov[k, k] = Vb[0, 0]
        s2_se = np.sqrt(Vb[1, 1])
    params = np.append(b, d)
    return SpatialPanelResult(model, effects, corr, names + [pname], params, vcov, float(s2), float(s2_se), ll,
                              T * N, n_eff, N, T, e, len(panel.x_names), panel.x_names, panel.y_name, ld.method,
                              traces, float(trace_se), interp)


# ----------------------------------------------------------------------------- effects
def _effect_factors(W: sp.csr_matrix, rhos: np.ndarray, seed: int, eig=None, interp=None):
    """For each ρ: a = tr(S⁻¹)/N, b = tr(S⁻¹W)/N, t0 = 1'S⁻¹1/N, t1 = 1'S⁻¹W1/N (S = I - ρW).

    Exact from the eigenvalues ``eig`` of W when given (a = mean 1/(1-ρω), b = mean ω/(1-ρω));
    else from ``interp`` (a ``sparse_numerics.ChebyshevLogDet`` spanning the ρ's: b = -ℓ'(ρ)/N,
    a = 1 + ρb since S⁻¹ = I + ρWS⁻¹; relative error ~1e-13); otherwise the power series
    Σ_j ρ^j tr(W^j)/N to order 100 with Monte Carlo traces (50 seeded Gaussian probes; tr(W) and
    tr(W²) exact), as in LeSage & Pace (2009, §4.2)."""
    N = W.shape[0]
    ones = np.ones(N)
    rowsum = np.asarray(W.sum(axis=1)).ravel()
    row_std = np.allclose(rowsum, 1.0, atol=1e-10)
    out = np.empty((len(rhos), 4))
    for r, rho in enumerate(rhos):
        if eig is not None:
            a = np.mean(1 / (1 - rho * eig)).real
            b = np.mean(eig / (1 - rho * eig)).real
        elif interp is not None:
            b = -float(interp.derivative(rho)) / N
            a = 1 + rho * b
        else:  # power series with Monte Carlo traces (large N)
            a, b = _mc_trace_factors(W, rho, seed)
        if row_std:
            t0 = t1 = 1 / (1 - rho)
        else:
            lu = splu((sp.identity(N, format="csc") - rho * W).tocsc())
            t0 = lu.solve(ones).sum() / N
            t1 = lu.solve(rowsum).sum() / N
        out[r] = a, b, t0, t1
    return out


_MC_TRACE_CACHE: dict = {}


def _mc_trace_factors(W, rho, seed, order=100, probes=50):
    W = sp.csr_matrix(W)
    digest = hashlib.sha256(W.data.tobytes() + W.indices.tobytes() + W.indptr.tobytes()).hexdigest()
    key = (digest, seed)  # the content, not id(W): ids are reused after garbage collection
    if key not in _MC_TRACE_CACHE:
        rng = np.random.default_rng(seed)
        N = W.shape[0]
        P = rng.standard_normal((N, probes))
        tr = np.empty(order + 2)
        tr[0] = N
        v = P
        for j in range(1, order + 2):
            v = W @ v
            tr[j] = np.mean(np.sum(P * v, axis=0))
        tr[1] = W.diagonal().sum()
        tr[2] = W.multiply(W.T).sum()
        _MC_TRACE_CACHE.clear()
        _MC_TRACE_CACHE[key] = tr
    tr = _MC_TRACE_CACHE[key]
    N = W.shape[0]
    p = rho ** np.arange(order + 1)
    return float(p @ tr[:-1] / N), float(p @ tr[1:] / N)


def effects_table(res: SpatialPanelResult, W: sp.csr_matrix, draws: int = 1000, seed: int = 0,
                  ci_level: float = 0.95) -> dict:
    """Direct, indirect and total effects per regressor with simulated (SAR/SDM) or exact
    (SEM/SDEM/SLX) inference. Returns {variable: {direct|indirect|total: {estimate, std_error,
    z, p_value, ci_lower, ci_upper, sim_mean}}}."""
    kx = res.k_x
    off = 1 if res.effects == "none" else 0  # skip the constant
    beta_idx = np.arange(off, off + kx)
    theta_idx = np.arange(off + kx, off + 2 * kx) if res.model in DURBIN_MODELS else None
    rowsum_mean = float(np.asarray(W.sum(axis=1)).mean())
    q = stats.norm.ppf(0.5 + ci_level / 2)
    out = {}
    if res.model in ("sem", "sdem", "slx"):
        for j, name in enumerate(res.x_names):
            L = {"direct": np.zeros(len(res.params)), "indirect": np.zeros(len(res.params))}
            L["direct"][beta_idx[j]] = 1
            if theta_idx is not None:
                L["indirect"][theta_idx[j]] = rowsum_mean
            L["total"] = L["direct"] + L["indirect"]
            row = {}
            for kind, vec in L.items():
                est = float(vec @ res.params)
                se = float(np.sqrt(vec @ res.vcov @ vec))
                z = est / se if se > 0 else np.nan
                row[kind] = {"estimate": est, "std_error": se, "z": z, "p_value": float(2 * stats.norm.sf(abs(z))),
                             "ci_lower": est - q * se, "ci_upper": est + q * se, "sim_mean": None}
            out[name] = row
        return {"method": "exact (linear in the coefficients)", "variables": out}

    def compute(theta_vec, factors):
        rho_free = theta_vec
        beta = rho_free[..., beta_idx]
        theta = rho_free[..., theta_idx] if theta_idx is not None else np.zeros_like(beta)
        a, b, t0, t1 = (factors[..., i:i + 1] for i in range(4))
        direct = beta * a + theta * b
        total = beta * t0 + theta * t1
        return direct, total - direct, total

    eig = np.linalg.eigvals(W.toarray()) if W.shape[0] <= EIGEN_MAX_N else None  # once for all draws
    rng = np.random.default_rng(seed)
    sims = rng.multivariate_normal(res.params, res.vcov, size=draws, method="cholesky")
    interp, how = None, ""
    if eig is None:  # large N: one interpolant of exact sparse-LU log-determinants spanning the draws
        need = np.append(sims[:, -1], res.params[-1])
        interp = res.logdet_interp
        if interp is None or not interp.contains(need):
            pad = max(1e-3, 0.05 * float(np.ptp(need)))
            interp = sn.ChebyshevLogDet(W, max(float(need.min()) - pad, -1 + 1e-7),
                                        min(float(need.max()) + pad, 1 - 1e-7))
        how = ("; tr(S^-1 W) from a Chebyshev interpolant of exact sparse-LU log-determinants "
               f"(log-determinant error {interp.value_error:.1e} at a check point)")
    point = compute(res.params[None, :], _effect_factors(W, np.array([res.delta]), seed, eig, interp))
    sim = compute(sims, _effect_factors(W, sims[:, -1], seed, eig, interp))
    alpha = (1 - ci_level) / 2
    for j, name in enumerate(res.x_names):
        row = {}
        for kind, p, s in zip(("direct", "indirect", "total"), point, sim):
            est, sd = float(p[0, j]), float(np.std(s[:, j], ddof=1))
            z = est / sd if sd > 0 else np.nan
            row[kind] = {"estimate": est, "std_error": sd, "z": z, "p_value": float(2 * stats.norm.sf(abs(z))),
                         "ci_lower": float(np.quantile(s[:, j], alpha)),
                         "ci_upper": float(np.quantile(s[:, j], 1 - alpha)), "sim_mean": float(np.mean(s[:, j]))}
        out[name] = row
    return {"method": f"simulation from N(theta_hat, V_hat), {draws} draws, percentile intervals{how}",
            "variables": out}


# ----------------------------------------------------------------------------- tests
def lm_tests(panel: SpatialPanel, effects: str = "individual") -> list[dict]:
    """Classic and robust LM tests for a spatial lag and a spatial error on the residuals of the
    non-spatial (fixed-effects) OLS (Anselin et al. 1996; panel form of Elhorst 2014 §3.6/Debarsy &
    Ertur 2010): with e the residuals, σ² = e'e/NT, T_W = tr(W'W + W²),
    J = [(W Xb)'M(W Xb) + T·T_W·σ²]/σ², LM_lag = (e'Wy/σ²)²/J, LM_err = (e'We/σ²)²/(T·T_W),
    robust LM_lag = (e'Wy/σ² - e'We/σ²)²/(J - T·T_W),
    robust LM_err = (e'We/σ² - T·T_W/J·e'Wy/σ²)²/(T·T_W(1 - T·T_W/J))."""
    W = panel.W
    T, N = panel.y.shape
    X = panel.X
    if effects == "none":
        X = np.concatenate([np.ones((T, N, 1)), X], axis=2)
    k = X.shape[2]
    y = demean(panel.y, effects).reshape(-1)
    Xt = demean(X, effects).reshape(-1, k)
    b, XtX = _ols(Xt, y)
    e = y - Xt @ b
    s2 = e @ e / (N * T)
    Wy = demean(lag(W, panel.y), effects).reshape(-1)
    We = lag(W, e.reshape(T, N)).reshape(-1)
    WXb = demean(lag(W, (Xt @ b).reshape(T, N)), effects).reshape(-1)
    MWXb = WXb - Xt @ np.linalg.solve(XtX, Xt.T @ WXb)
    TW = T * (W.multiply(W).sum() + W.multiply(W.T).sum())
    J = (WXb @ MWXb + TW * s2) / s2
    g_lag, g_err = e @ Wy / s2, e @ We / s2
    stats_ = {
        "lm_lag": g_lag ** 2 / J,
        "lm_error": g_err ** 2 / TW,
        "robust_lm_lag": (g_lag - g_err) ** 2 / (J - TW),
        "robust_lm_error": (g_err - TW / J * g_lag) ** 2 / (TW * (1 - TW / J)),
    }
    return [chi2_test(n, float(v), 1, f"on the {effects}-effects OLS residuals") for n, v in stats_.items()]


def wald_sdm_tests(res: SpatialPanelResult) -> list[dict]:
    """Wald tests of an SDM: θ = 0 (reduces to SAR) and θ + ρβ = 0 (common factor, reduces to SEM)."""
    if res.model != "sdm":
        return []
    kx = res.k_x
    off = 1 if res.effects == "none" else 0
    bi, ti, ri = np.arange(off, off + kx), np.arange(off + kx, off + 2 * kx), len(res.params) - 1
    th = res.params[ti]
    w_sar = wald_statistic(th, res.vcov[np.ix_(ti, ti)])
    g = th + res.params[ri] * res.params[bi]
    Jm = np.zeros((kx, len(res.params)))
    Jm[:, bi] = res.params[ri] * np.eye(kx)
    Jm[:, ti] = np.eye(kx)
    Jm[:, ri] = res.params[bi]
    w_sem = wald_statistic(g, Jm @ res.vcov @ Jm.T)
    return [chi2_test("wald_sdm_vs_sar", w_sar, kx, "H0: theta = 0"),
            chi2_test("wald_sdm_vs_sem", w_sem, kx, "H0: theta + rho*beta = 0 (delta method)")]


def lr_test(name: str, unrestricted: SpatialPanelResult, restricted: SpatialPanelResult, df: int) -> dict:
    lr = 2 * (unrestricted.loglik - restricted.loglik)
    # a restricted fit above the unrestricted one (optimiser tolerance) has p = 1, not NaN
    return test_row(name, float(lr), df, chi2_p_value(max(lr, 0.0), df),
                    f"LR {unrestricted.model} vs {restricted.model}")


# ----------------------------------------------------------------------------- public names
# for the extended models (spatial/random_effects.py, sac.py, elhorst.py, effects_inference.py,
# issue 18), which may not import private names across files (tests/core/test_architecture.py)
score_root = _score_root
effect_factors = _effect_factors
ols = _ols
check_lee_yu = _check_lee_yu
