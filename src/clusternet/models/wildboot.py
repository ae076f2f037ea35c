"""Wild cluster bootstrap (restricted, "WCR") for one coefficient of a linear panel model.

The design is the estimator's own transformed regression (``clusternet.models.linear.transform``:
within-demeaned for ``fe``/``fe_time``/``twfe``, levels with an intercept for ``pooled``), so the
absorbed fixed effects are handled as Stata's ``boottest`` does after ``areg``/``reghdfe``
(Roodman, MacKinnon, Nielsen & Webb 2019, Stata Journal 19(1), section 3). The test of
``H0: β_k = β0``:

1. restricted fit: regress ``y − β0·x_k`` on the other columns → ``β̃``, residuals ``ũ``;
2. bootstrap samples ``y*_b = X_{−k} β̃ + β0 x_k + ũ ∘ v_{g(i),b}`` with one weight per cluster
   and replicate, Rademacher (±1) or Webb (2014) six-point (±√½, ±1, ±√(3/2));
3. each replicate's cluster-robust t statistic ``t*_b = (β*_bk − β0)/se*_b`` with the same
   small-sample factor as the observed one (CR1 "sss": G/(G−1)·(n−1)/(n−k));
4. symmetric p-value ``P*(|t*| ≥ |t|)`` (boottest's default ``ptype(symmetric)``).

The replicates are computed in closed form (no refitting loop): with ``S = [X_g'ũ_g]``,
``Δβ_b = (X'X)^{-1} S v_b`` and the k-th cluster scores ``c_gb = a_g v_gb − q_g'Δβ_b``
(``a_g = e_k'(X'X)^{-1}X_g'ũ_g``, ``q_g = X_g'X_g (X'X)^{-1} e_k``), so B replicates cost
O(G²B). tests/models/test_wildboot.py checks the p-values against a brute-force loop that
refits every bootstrap sample with explicit dummies, and against the ``wildboottest`` package.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, EstimationError

WEIGHT_TYPES = ("rademacher", "webb")
LINEAR_MODELS = ("pooled", "fe", "fe_time", "twfe")
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def draw_weights(rng: np.random.Generator, n_clusters: int, reps: int, kind: str = "webb") -> np.ndarray:
    """``n_clusters × reps`` bootstrap weights."""
    if kind == "rademacher":
        return rng.integers(0, 2, size=(n_clusters, reps)) * 2.0 - 1.0
    if kind == "webb":
        return _WEBB[rng.integers(0, 6, size=(n_clusters, reps))]
    raise ConfigError(f"wild bootstrap weights {kind!r} is not one of {list(WEIGHT_TYPES)}")


@dataclass
class LinearDesign:
    """The transformed regression ``y = X β + u`` of a linear panel specification."""

    y: np.ndarray
    X: np.ndarray
    names: list[str]
    cluster: np.ndarray  # integer codes 0..G-1
    df_resid: int
    n_entities: int
    n_periods: int
    raw_x: np.ndarray  # untransformed regressors (for within-province SDs)
    raw_y: np.ndarray
    entity_codes: np.ndarray
    k_ss: int  # parameters counted in the CR1 small-sample factor (slopes; plm convention)
    entity_labels: np.ndarray | None = None
    time_labels: np.ndarray | None = None
    absorbed_entity: bool = False  # entity effects partialled out (X and y entity-demeaned)

    @property
    def n_clusters(self) -> int:
        return int(self.cluster.max()) + 1

    def index(self, name: str) -> int:
        if name not in self.names:
            raise EstimationError(f"coefficient {name!r} is not a regressor of this design; have {self.names}")
        return self.names.index(name)

    def with_y(self, y: np.ndarray) -> LinearDesign:
        return LinearDesign(y, self.X, self.names, self.cluster, self.df_resid, self.n_entities, self.n_periods,
                            self.raw_x, self.raw_y, self.entity_codes, self.k_ss, self.entity_labels,
                            self.time_labels, self.absorbed_entity)


def _dummies(codes: np.ndarray, n: int, prefix: str, labels) -> tuple[np.ndarray, list[str]]:
    D = np.zeros((codes.size, n - 1))
    rows = codes > 0
    D[np.flatnonzero(rows), codes[rows] - 1] = 1.0
    return D, [f"{prefix}:{lab}" for lab in list(labels)[1:]]


def demean_by(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    g = int(codes.max()) + 1
    sums = np.zeros((g, values.shape[1]))
    np.add.at(sums, codes, values)
    return values - (sums / np.bincount(codes, minlength=g)[:, None])[codes]


def linear_design(data: pd.DataFrame, spec: dict) -> LinearDesign:
    """The regression a linear specification is fitted on (same sample, regressors and clusters
    as ``clusternet.models.linear.fit_linear_spec``; clusters from ``cov.cluster_by``, default the entity).

    Fixed effects nested in the bootstrap clusters (entity effects under entity clusters) are
    partialled out; the others (year effects) stay in X as dummies, because the wild bootstrap on
    data demeaned by effects that cut across clusters is not the bootstrap of the model (Roodman
    et al. 2019, section 3.3). The coefficients and cluster-robust SEs are those of the estimator
    (Frisch-Waugh-Lovell); the small-sample factor counts only the slopes, as plm and
    ``clusternet.models.covariance`` do (``k_ss``)."""
    from clusternet.models.covariance import CovarianceSpec
    from clusternet.models.linear import INTERCEPT, build_panel_data, spec_regressors
    from clusternet.data.analysis import select_sample
    from clusternet.models.spatial_lags import add_spatial_lags

    model = spec["model"]
    if model not in LINEAR_MODELS:
        raise ConfigError(f"specification {spec.get('name')!r}: the wild cluster bootstrap needs one of "
                          f"{list(LINEAR_MODELS)}, not {model!r}")
    name = spec.get("name", model)
    cov = CovarianceSpec.from_dict(spec.get("cov"), source=f"specification {name!r}: cov")
    if cov.type != "cluster":
        cov = CovarianceSpec(type="cluster", small_sample="sss")
    opts = spec.get("options") or {}
    entity, time = spec.get("entity", "region_code"), spec.get("time", "year")
    from clusternet.models.policy import add_policy_dummy

    frame = select_sample(add_policy_dummy(add_spatial_lags(data, spec), spec), spec)
    panel = build_panel_data(frame, y=spec["y"], x=spec_regressors(spec), entity=entity, time=time, cov=cov,
                        missing=opts.get("missing", "error"), source=f"specification {name!r}")
    labels = panel.cluster if panel.cluster is not None else panel.entity
    _, codes = np.unique(labels, return_inverse=True)
    by_entity = panel.cluster is None
    X, names, y = panel.X, list(panel.names), panel.y
    n_slopes = X.shape[1]
    entity_fe = model in ("fe", "twfe")
    time_fe = model in ("fe_time", "twfe")
    extra, extra_names = [], []
    if time_fe:
        D, dn = _dummies(panel.time_codes, panel.n_periods, "year", np.unique(panel.time))
        extra.append(D)
        extra_names += dn
    if entity_fe and not by_entity:
        D, dn = _dummies(panel.entity_codes, panel.n_entities, "entity", np.unique(panel.entity))
        extra.append(D)
        extra_names += dn
    full = np.column_stack([X, *extra]) if extra else X
    if entity_fe and by_entity:
        yX = demean_by(np.column_stack([y, full]), panel.entity_codes)
        y_d, X_d = yX[:, 0], yX[:, 1:]
    else:
        X_d = np.column_stack([full, np.ones(y.size)])
        y_d = y
        extra_names.append(INTERCEPT)
        if model == "pooled":
            n_slopes += 1  # the pooled model's intercept is a parameter of the sss factor
    absorbed = {"pooled": 0, "fe": panel.n_entities, "fe_time": panel.n_periods,
                "twfe": panel.n_entities + panel.n_periods - 1}[model]
    return LinearDesign(y_d, X_d, names + extra_names, codes, int(y.size - absorbed - panel.X.shape[1]),
                        panel.n_entities, panel.n_periods, panel.X, panel.y, panel.entity_codes, n_slopes,
                        panel.entity, panel.time, bool(entity_fe and by_entity))


def _factor(n: int, k: int, g: int) -> float:
    return g / (g - 1) * (n - 1) / (n - k)


def cluster_t(design: LinearDesign, coef: str | int, beta0: float = 0.0) -> tuple[float, float, float]:
    """(estimate, CR1 cluster-robust SE, t statistic) of one coefficient."""
    k = design.index(coef) if isinstance(coef, str) else int(coef)
    X, y, cl = design.X, design.y, design.cluster
    XtXi = np.linalg.inv(X.T @ X)
    beta = XtXi @ (X.T @ y)
    u = y - X @ beta
    G = design.n_clusters
    scores = np.zeros((G, X.shape[1]))
    np.add.at(scores, cl, X * u[:, None])
    c = scores @ XtXi[:, k]
    se = float(np.sqrt(_factor(X.shape[0], design.k_ss, G) * (c @ c)))
    return float(beta[k]), se, float((beta[k] - beta0) / se)


@dataclass
class Precomputed:
    XtXi: np.ndarray
    Xg_blocks: np.ndarray  # G × p × p cluster cross-products
    factor: float


def precompute(design: LinearDesign) -> Precomputed:
    X, cl = design.X, design.cluster
    G, p = design.n_clusters, X.shape[1]
    blocks = np.zeros((G, p, p))
    np.add.at(blocks, cl, X[:, :, None] * X[:, None, :])
    return Precomputed(np.linalg.inv(X.T @ X), blocks, _factor(X.shape[0], design.k_ss, G))


def bootstrap_t(design: LinearDesign, coef: str | int, weights: np.ndarray, beta0: float = 0.0,
                pre: Precomputed | None = None) -> tuple[float, np.ndarray]:
    """Observed t statistic and the B restricted wild-bootstrap t statistics for
    ``H0: β_k = β0``; ``weights`` is G × B (one column per replicate)."""
    k = design.index(coef) if isinstance(coef, str) else int(coef)
    X, cl = design.X, design.cluster
    G = design.n_clusters
    if weights.shape[0] != G:
        raise EstimationError(f"wild bootstrap: {weights.shape[0]} weight rows for {G} clusters")
    pre = pre or precompute(design)
    _, _, t_obs = cluster_t(design, k, beta0)
    others = [j for j in range(X.shape[1]) if j != k]
    y0 = design.y - beta0 * X[:, k]
    if others:
        Xr = X[:, others]
        gam, *_ = np.linalg.lstsq(Xr, y0, rcond=None)
        u_r = y0 - Xr @ gam
    else:
        u_r = y0
    S = np.zeros((G, X.shape[1]))
    np.add.at(S, cl, X * u_r[:, None])
    A = pre.XtXi @ S.T  # p × G
    a = A[k]  # G
    dbeta = A @ weights  # p × B
    q = pre.Xg_blocks @ pre.XtXi[:, k]  # G × p  (X_g'X_g (X'X)^{-1} e_k; symmetric blocks)
    C = a[:, None] * weights - q @ dbeta  # G × B
    se = np.sqrt(pre.factor * np.einsum("gb,gb->b", C, C))
    return t_obs, dbeta[k] / se


TIE_RTOL = 1e-9


def symmetric_pvalue(t_obs: float, t_star: np.ndarray) -> float:
    """``P*(|t*| ≥ |t|)`` with ties (|t*| equal to |t| up to rounding, ``TIE_RTOL``) counted as
    hits: under enumerated Rademacher weights v = ±1 reproduce the sample, so exact ties are
    certain and must not depend on the last bit. ``wildboottest`` counts ``|t*| > |t|`` in
    floating point (a tie falls either way); Stata's boottest counts ties as here."""
    return float(np.mean(np.abs(t_star) >= abs(t_obs) * (1 - TIE_RTOL)))


def wild_pvalue(design: LinearDesign, coef: str | int, *, reps: int = 999, kind: str = "webb",
                rng: np.random.Generator | None = None, weights: np.ndarray | None = None,
                beta0: float = 0.0) -> dict:
    """Symmetric WCR p-value; pass ``weights`` (G × B) to reuse draws, else ``rng``."""
    if weights is None:
        if rng is None:
            raise ConfigError("wild_pvalue needs an rng or a weights matrix")
        weights = draw_weights(rng, design.n_clusters, reps, kind)
    t_obs, t_star = bootstrap_t(design, coef, weights, beta0)
    p = symmetric_pvalue(t_obs, t_star)
    return {"p_value": p, "t": t_obs, "reps": int(weights.shape[1]), "weights": kind,
            "n_clusters": design.n_clusters, "method": "wild cluster bootstrap, restricted (WCR), symmetric"}


def enumerated_rademacher(n_clusters: int, max_clusters: int = 16) -> np.ndarray:
    """All ``2^G`` Rademacher weight vectors (G × 2^G), the exact bootstrap distribution that
    Stata's boottest and ``wildboottest`` use when 2^G is below the number of draws asked for."""
    if n_clusters > max_clusters:
        raise ConfigError(f"full enumeration of Rademacher weights for {n_clusters} clusters (2^{n_clusters} "
                          f"replicates) exceeds the limit of {max_clusters} clusters; draw weights instead")
    grid = (np.arange(2 ** n_clusters)[:, None] >> np.arange(n_clusters)[None, :]) & 1
    return (grid.T * 2.0 - 1.0)


def event_study_design(data: pd.DataFrame, spec: dict) -> tuple[LinearDesign, list[str], list[str]]:
    """The regression of a ``did_twfe`` specification's event study as a ``LinearDesign``:
    (design, event-time coefficient names, pre-period names). The event dummies are built as
    ``clusternet.models.did.fit_did_twfe`` builds them (relative time binned at ``-leads`` and
    ``+lags``, reference period −1), so the coefficients and CR1 standard errors are the
    document's (tests/models/test_wildboot_event.py)."""
    from clusternet.models.did import TWFE_OPTIONS, adoption_series, event_name
    from clusternet.models.mechanisms import as_list, common_args, prepare_sample, spec_options
    from clusternet.data.analysis import select_sample

    opts = spec_options(spec, TWFE_OPTIONS)
    data = select_sample(data, spec)
    y = spec["y"]
    controls = as_list(spec.get("controls"))
    frame, _ = prepare_sample(data, spec, [y, *controls], opts["missing"])
    g = adoption_series(frame, spec, opts)
    t = frame[common_args(spec)["time"]].astype(int)
    treated = g.notna()
    leads, lags = int(opts["leads"]), int(opts["lags"])
    rel = (t - g).clip(lower=-leads, upper=lags)
    terms, pre = [], []
    for k in range(-leads, lags + 1):
        if k == -1:
            continue
        col = event_name(k)
        frame[col] = (treated & (rel == k)).astype(float)
        if frame[col].any():
            terms.append(col)
            if k < -1:
                pre.append(col)
    linear = {key: spec[key] for key in ("name", "entity", "time", "cov") if key in spec}
    linear.update({"model": "twfe", "y": y, "x": terms, "controls": controls, "options": {"missing": "error"}})
    linear.pop("sample", None)
    return linear_design(frame, linear), terms, pre


def wild_pvalues(design: LinearDesign, coefs: list[str], weights: np.ndarray, beta0: float = 0.0) -> dict[str, dict]:
    """Symmetric WCR p-value of each coefficient (each imposes its own null), common draws."""
    pre = precompute(design)
    out = {}
    for c in coefs:
        t_obs, t_star = bootstrap_t(design, c, weights, beta0, pre)
        out[c] = {"t": t_obs, "p_value": symmetric_pvalue(t_obs, t_star), "reps": int(weights.shape[1])}
    return out
