"""Mechanism analysis: mediation, moderation and group heterogeneity on a panel.

All three run fixed-effects regressions through :func:`fit_fe` (two-way
entity + time effects by default, entity-clustered covariance by default).

Mediation (Baron & Kenny 1986, with fixed effects)
    (1) y = c  x           + controls + FE      total effect c
    (2) m = a  x           + controls + FE      a path
    (3) y = c' x + b m     + controls + FE      direct effect c', b path
    indirect effect a*b.  Sobel (1982) standard error
        se(ab) = sqrt(b^2 se(a)^2 + a^2 se(b)^2),  z = ab / se(ab),  p = 2(1 - Phi(|z|)).
    Cluster (entity) bootstrap of a*b (resample whole entities with replacement,
    re-estimate (2) and (3)): percentile CI [q_{alpha/2}, q_{1-alpha/2}] and the
    bias-corrected (BC) CI of Efron (1987): z0 = Phi^-1(#{ab* < ab} / B),
    bounds at quantiles Phi(2 z0 + z_{alpha/2}) and Phi(2 z0 + z_{1-alpha/2}).

Moderation (Aiken & West 1991)
    y = b1 x + b2 z + b3 (x - xbar)(z - zbar) + controls + FE.
    Marginal effect of x at z: dy/dx = b1 + b3 (z - zbar), with variance
    V11 + (z - zbar)^2 V33 + 2 (z - zbar) V13 from the coefficient covariance.

Heterogeneity across groups (Chow 1960 type)
    Separate slopes per group in one pooled regression,
    y = sum_g beta_g x 1[g] + sum_g gamma_g' controls 1[g] + FE,
    Wald test of H0: beta_1 = ... = beta_G with the model's covariance
    (W = (R beta)' (R V R')^-1 (R beta) ~ chi2(G-1); F = W/(G-1)), and a
    permutation test that reassigns group labels across entities (labels are
    entity-level) and recomputes W: p = (1 + #{W* >= W}) / (1 + P).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from clusternet.data.analysis import apply_missing_policy, check_missing_policy
from clusternet.data.inputs import unknown_columns
from clusternet.errors import ConfigError, DataError, EstimationError
from clusternet.models.inference import wald_statistic
from clusternet.models.specs import DEFAULT_ENTITY, DEFAULT_TIME, as_spec, checked_options
from clusternet.results import coefficient_table, make_result
from clusternet.seeds import required_seed, seed_sequence



# ---------------------------------------------------------------- FE fits
@dataclass
class FEFit:
    """Point estimates and covariance of one fixed-effects regression."""

    params: pd.Series
    vcov: pd.DataFrame
    nobs: int
    n_entities: int
    n_periods: int
    df_resid: float | None  # for t-based inference (clusters - 1 when clustered)
    covariance: dict
    fit: dict = field(default_factory=dict)

    def se(self, name: str) -> float:
        return float(np.sqrt(self.vcov.loc[name, name]))


def _effects_flags(effects) -> tuple[bool, bool]:
    effects = tuple(effects)
    unknown = set(effects) - {"entity", "time"}
    if unknown:
        raise ConfigError(f"effects: unknown value(s) {sorted(unknown)}; use a subset of [entity, time]")
    return "entity" in effects, "time" in effects


LINEAR_MODEL = {(True, True): "twfe", (True, False): "fe", (False, True): "fe_time", (False, False): "pooled"}


def fit_fe(
    data: pd.DataFrame,
    y: str,
    x: list[str],
    *,
    entity: str = DEFAULT_ENTITY,
    time: str = DEFAULT_TIME,
    effects=("entity", "time"),
    cov=None,
    source: str = "data",
) -> FEFit:
    """Fixed-effects OLS of ``y`` on ``x`` through the project's linear panel
    estimator (:func:`clusternet.models.linear.fit_linear`: ``twfe``/``fe``/
    ``fe_time``/``pooled`` by ``effects``). ``cov`` is a covariance spec as in
    ``config/models.yaml`` (default: clustered by entity with the Stata
    small-sample factor, t tests with G-1 degrees of freedom)."""
    from clusternet.models.linear import fit_linear

    model = LINEAR_MODEL[_effects_flags(effects)]
    res = fit_linear(data, y=y, x=list(x), model=model, entity=entity, time=time, cov=cov, source=source)
    params = pd.Series(res.params, index=res.names)
    vcov = pd.DataFrame(res.vcov, index=res.names, columns=res.names)
    cov_doc = res.cov.document(res.cov_info)
    fit = {k: res.fit[k] for k in ("r2", "r2_within", "r2_between", "r2_overall") if k in res.fit}
    return FEFit(params, vcov, res.nobs, res.n_entities, res.n_periods, res.inference_df, cov_doc, fit)


# ---------------------------------------------------------------- spec helpers
def as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def spec_name(spec: dict) -> str:
    return str(spec.get("name", "<unnamed specification>"))


def spec_options(spec: dict, allowed: dict) -> dict:
    """Model options with defaults; unknown keys are an error naming the spec."""
    given = checked_options(spec.get("options"), allowed, spec=dict(spec, name=spec_name(spec)))
    out = dict(allowed)
    out.update(given)
    return out


def _single_x(spec: dict) -> str:
    xs = as_list(spec.get("x"))
    if len(xs) != 1:
        raise ConfigError(f"specification {spec_name(spec)!r}: model {spec.get('model')!r} needs exactly one "
                          f"`x` (the treatment/focal regressor), got {xs}")
    return xs[0]


def single_outcome_name(spec: dict) -> str:
    y = spec.get("y")
    if not isinstance(y, str) or not y:
        raise ConfigError(f"specification {spec_name(spec)!r}: `y` must name one outcome column, got {y!r}")
    return y


def spec_ci_level(spec: dict) -> float:
    return as_spec(spec).ci_level


def spec_cov(spec: dict):
    """The specification's covariance choice, passed through to ``fit_fe``."""
    return as_spec(spec).cov


def common_args(spec: dict) -> dict:
    """entity, time and effects (default [entity, time]) of the parsed specification."""
    s = as_spec(spec)
    return {"entity": s.entity, "time": s.time, "effects": s.effects_or(("entity", "time"))}




def prepare_sample(data: pd.DataFrame, spec: dict, columns: list[str],
                   missing: str = "error") -> tuple[pd.DataFrame, int]:
    """Keep the used columns. A missing column is a DataError naming it; missing values
    are an error (``missing: error``) or dropped listwise over all used columns
    (``missing: drop``, so every step of a mediation uses one sample). Returns
    (frame, number of rows dropped)."""
    source = f"specification {spec_name(spec)!r}"
    check_missing_policy(missing, source)
    common = common_args(spec)
    needed = [common["entity"], common["time"], *dict.fromkeys(columns)]
    absent = [c for c in needed if c not in data.columns]
    if absent:
        raise unknown_columns(absent, data.columns, source)
    frame = data[list(dict.fromkeys(needed))].copy()
    # the one missing-row policy (data.analysis); unlike prepare_frame, the row order and dtypes are kept
    frame, dropped = apply_missing_policy(frame, list(frame.columns), missing, source=source,
                                          entity=common["entity"], time=common["time"])
    return frame.reset_index(drop=True), dropped


def task_seed(spec: dict, options: dict) -> np.random.SeedSequence:
    """SeedSequence([seed, crc32(spec name)]): ``options.seed`` or the global
    ``seed`` the runner puts into the spec."""
    return seed_sequence(required_seed(spec, options, "a bootstrap/permutation"), spec_name(spec))


class EntityBootstrap:
    """Fast point estimates of fixed-effects slopes on cluster-bootstrap draws.

    Demeaning by entity uses only an entity's own rows, so it is the same in
    every draw; by Frisch-Waugh-Lovell the two-way FE slopes of a draw are the
    OLS slopes of the stacked entity-demeaned outcome on the entity-demeaned
    regressors and time dummies of the drawn entities (each copy of a twice-drawn
    entity keeps its own effect). Verified against :func:`fit_fe` in the tests.
    """

    def __init__(self, frame: pd.DataFrame, columns: list[str], *, entity: str, time: str, effects):
        entity_fx, time_fx = _effects_flags(effects)
        values = frame[columns].to_numpy(dtype=float)
        blocks = [values]
        if time_fx:
            blocks.append(pd.get_dummies(frame[time]).to_numpy(dtype=float))
        elif not entity_fx:
            blocks.append(np.ones((len(frame), 1)))
        data = np.hstack(blocks)
        codes, uniques = pd.factorize(frame[entity])
        if entity_fx:
            means = np.zeros((len(uniques), data.shape[1]))
            np.add.at(means, codes, data)
            means /= np.bincount(codes)[:, None]
            data = data - means[codes]
        self.data = data
        self.columns = list(columns)
        self.rows = [np.flatnonzero(codes == k) for k in range(len(uniques))]

    def draw_rows(self, rng: np.random.Generator) -> np.ndarray:
        pick = rng.integers(0, len(self.rows), size=len(self.rows))
        return np.concatenate([self.rows[k] for k in pick])

    def slopes(self, rows: np.ndarray, y: str, x: list[str]) -> np.ndarray:
        """OLS slopes of ``y`` on ``x`` (+ the absorbed effects) on the given rows."""
        yi = self.columns.index(y)
        xi = [self.columns.index(c) for c in x]
        extra = list(range(len(self.columns), self.data.shape[1]))
        block = self.data[rows]
        beta = np.linalg.lstsq(block[:, xi + extra], block[:, yi], rcond=None)[0]
        return beta[: len(xi)]


def _quantile(values: np.ndarray, q) -> np.ndarray:
    # numpy's default linear interpolation = R quantile type 7
    return np.quantile(values, q)


def bootstrap_intervals(estimate: float, draws: np.ndarray, level: float = 0.95) -> dict:
    """Percentile and bias-corrected (BC) intervals from bootstrap draws."""
    alpha = 1 - level
    draws = np.asarray(draws, dtype=float)
    percentile = _quantile(draws, [alpha / 2, 1 - alpha / 2])
    share_below = float(np.mean(draws < estimate))
    if share_below in (0.0, 1.0):
        bc = [float("nan"), float("nan")]  # z0 infinite: BC undefined
    else:
        z0 = stats.norm.ppf(share_below)
        qs = stats.norm.cdf(2 * z0 + stats.norm.ppf([alpha / 2, 1 - alpha / 2]))
        bc = _quantile(draws, qs).tolist()
    return {"percentile": [float(percentile[0]), float(percentile[1])], "bc": [float(bc[0]), float(bc[1])],
            "z0_share_below": share_below}


def sobel(a: float, se_a: float, b: float, se_b: float) -> dict:
    """Sobel (1982) first-order delta-method test of the indirect effect a*b."""
    se = float(np.sqrt(b**2 * se_a**2 + a**2 * se_b**2))
    z = a * b / se
    return {"indirect": a * b, "se": se, "z": z, "p_value": float(2 * stats.norm.sf(abs(z)))}


def _row(name, estimate, se, p, lo, hi, stat) -> dict:
    return {"name": name, "estimate": estimate, "std_error": se, "statistic": stat, "p_value": p,
            "ci_lower": lo, "ci_upper": hi}


# ---------------------------------------------------------------- mediation
MEDIATION_OPTIONS = {"mediator": None, "bootstrap": 999, "ci_method": "percentile", "seed": None,
                     "missing": "error"}


@dataclass
class MediationResult:
    x: str
    mediator: str
    y: str
    total: FEFit
    a_fit: FEFit
    b_fit: FEFit
    sobel: dict
    boot_draws: np.ndarray
    intervals: dict
    ci_method: str
    ci_level: float
    n_dropped_missing: int = 0

    def coefficients(self) -> list[dict]:
        x, m = self.x, self.mediator
        rows = []
        for name, f, term in (("total_effect", self.total, x), ("a_path", self.a_fit, x),
                              ("b_path", self.b_fit, m), ("direct_effect", self.b_fit, x)):
            rows += coefficient_table([name], [f.params[term]], [f.se(term)], df_resid=f.df_resid,
                                      ci_level=self.ci_level)
        lo, hi = self.intervals[self.ci_method]
        s = self.sobel
        rows.append(_row("indirect_effect", s["indirect"], s["se"], s["p_value"], lo, hi, s["z"]))
        return rows


def mediation(data: pd.DataFrame, spec: dict) -> MediationResult:
    opts = spec_options(spec, MEDIATION_OPTIONS)
    x, y, m = _single_x(spec), single_outcome_name(spec), opts["mediator"]
    if not m:
        raise ConfigError(f"specification {spec_name(spec)!r}: mediation needs options.mediator")
    if opts["ci_method"] not in ("percentile", "bc"):
        raise ConfigError(f"specification {spec_name(spec)!r}: options.ci_method must be percentile or bc")
    if int(opts["bootstrap"]) < 2:
        raise ConfigError(f"specification {spec_name(spec)!r}: options.bootstrap must be at least 2")
    controls = as_list(spec.get("controls"))
    common = common_args(spec)
    frame, dropped = prepare_sample(data, spec, [y, x, m, *controls], opts["missing"])
    cov = spec_cov(spec)
    total = fit_fe(frame, y, [x, *controls], cov=cov, **common)
    a_fit = fit_fe(frame, m, [x, *controls], cov=cov, **common)
    b_fit = fit_fe(frame, y, [x, m, *controls], cov=cov, **common)
    a, b = float(a_fit.params[x]), float(b_fit.params[m])
    sob = sobel(a, a_fit.se(x), b, b_fit.se(m))
    rng = np.random.default_rng(task_seed(spec, opts))
    boot = EntityBootstrap(frame, [y, x, m, *controls], **common)
    draws = np.empty(int(opts["bootstrap"]))
    for r in range(draws.size):
        rows = boot.draw_rows(rng)
        a_r = boot.slopes(rows, m, [x, *controls])[0]
        b_r = boot.slopes(rows, y, [x, m, *controls])[1]
        draws[r] = a_r * b_r
    intervals = bootstrap_intervals(a * b, draws, spec_ci_level(spec))
    return MediationResult(x, m, y, total, a_fit, b_fit, sob, draws, intervals, opts["ci_method"],
                           spec_ci_level(spec), dropped)


def fit_mediation(data: pd.DataFrame, spec: dict) -> dict:
    res = mediation(data, spec)
    total = float(res.total.params[res.x])
    extra = {
        "mediation": {
            "treatment": res.x, "mediator": res.mediator,
            "proportion_mediated": res.sobel["indirect"] / total if total != 0 else None,
            "sobel": res.sobel,
            "bootstrap": {"replications": int(res.boot_draws.size), "ci_level": res.ci_level,
                          "percentile": res.intervals["percentile"], "bc": res.intervals["bc"],
                          "reported_ci": res.ci_method, "resampling": "entities (cluster bootstrap)",
                          "mean": float(res.boot_draws.mean()), "std": float(res.boot_draws.std(ddof=1))},
            "steps": {"total": "y ~ x", "a": "mediator ~ x", "b": "y ~ x + mediator"},
            "n_dropped_missing": res.n_dropped_missing,
        }
    }
    tests = [{"name": "sobel", "statistic": res.sobel["z"], "df": None, "p_value": res.sobel["p_value"],
              "note": "H0: a*b = 0; normal reference distribution"}]
    return make_result(
        model="mechanism.mediation", dependent=res.y, coefficients=res.coefficients(),
        covariance=res.b_fit.covariance, nobs=res.b_fit.nobs, n_entities=res.b_fit.n_entities,
        n_periods=res.b_fit.n_periods, effects=effects_document(spec), fit=res.b_fit.fit, tests=tests,
        extra=extra, spec=spec, provenance={}, ci_level=res.ci_level, label=spec.get("label", spec_name(spec)),
    )


def effects_document(spec: dict) -> dict:
    e, t = _effects_flags(common_args(spec)["effects"])
    return {"entity": e, "time": t}


# ---------------------------------------------------------------- moderation
MODERATION_OPTIONS = {"moderator": None, "grid_points": 25, "missing": "error"}


def interaction_name(x: str, z: str) -> str:
    return f"{x}:{z}"


def fit_moderation(data: pd.DataFrame, spec: dict) -> dict:
    opts = spec_options(spec, MODERATION_OPTIONS)
    x, y, z = _single_x(spec), single_outcome_name(spec), opts["moderator"]
    if not z:
        raise ConfigError(f"specification {spec_name(spec)!r}: moderation needs options.moderator")
    if int(opts["grid_points"]) < 2:
        raise ConfigError(f"specification {spec_name(spec)!r}: options.grid_points must be at least 2")
    controls = as_list(spec.get("controls"))
    common = common_args(spec)
    frame, dropped = prepare_sample(data, spec, [y, x, z, *controls], opts["missing"])
    xbar, zbar = float(frame[x].mean()), float(frame[z].mean())
    inter = interaction_name(x, z)
    frame[inter] = (frame[x] - xbar) * (frame[z] - zbar)
    f = fit_fe(frame, y, [x, z, inter, *controls], cov=spec_cov(spec), **common)
    level = spec_ci_level(spec)
    names = [x, z, inter, *controls]
    coefs = coefficient_table(names, f.params[names], [f.se(n) for n in names], df_resid=f.df_resid,
                              ci_level=level)
    grid = np.linspace(frame[z].min(), frame[z].max(), int(opts["grid_points"]))
    me, me_se = marginal_effects(f.params[x], f.params[inter], f.vcov.loc[[x, inter], [x, inter]].to_numpy(),
                                 grid - zbar)
    dist = stats.t(f.df_resid) if f.df_resid is not None else stats.norm()
    q = dist.ppf(0.5 + level / 2)
    extra = {"moderation": {
        "treatment": x, "moderator": z, "interaction": inter, "centring": {"x_mean": xbar, "z_mean": zbar},
        "n_dropped_missing": dropped,
        "marginal_effects": {"moderator_values": grid, "effect": me, "std_error": me_se,
                             "ci_lower": me - q * me_se, "ci_upper": me + q * me_se, "ci_level": level,
                             "formula": "dy/dx = b_x + b_xz (z - z_mean)"},
        "moderator_quantiles": dict(zip(["p10", "p25", "p50", "p75", "p90"],
                                        np.quantile(frame[z], [0.1, 0.25, 0.5, 0.75, 0.9]))),
    }}
    return make_result(
        model="mechanism.moderation", dependent=y, coefficients=coefs, covariance=f.covariance, nobs=f.nobs,
        n_entities=f.n_entities, n_periods=f.n_periods, effects=effects_document(spec), fit=f.fit, extra=extra,
        vcov={"names": names, "matrix": f.vcov.loc[names, names].to_numpy()}, spec=spec, provenance={},
        ci_level=level, label=spec.get("label", spec_name(spec)),
    )


def marginal_effects(b_x: float, b_xz: float, vcov_2x2: np.ndarray, z_centred: np.ndarray):
    """Effect of x at centred moderator values and its standard error."""
    zc = np.asarray(z_centred, dtype=float)
    effect = b_x + b_xz * zc
    var = vcov_2x2[0, 0] + zc**2 * vcov_2x2[1, 1] + 2 * zc * vcov_2x2[0, 1]
    return effect, np.sqrt(var)


# ---------------------------------------------------------------- heterogeneity
HETEROGENEITY_OPTIONS = {"group_by": "group", "split": None, "permutations": 199, "seed": None,
                         "missing": "error"}


def group_coefficient_name(x: str, group) -> str:
    return f"{x}[{group}]"


def _group_labels(frame: pd.DataFrame, data: pd.DataFrame, spec: dict, opts: dict) -> pd.Series:
    """Entity-level group labels: a column (default ``group``) or a split of a
    variable's entity mean at ``at`` (a number or ``median``)."""
    entity = common_args(spec)["entity"]
    if opts["split"] is not None:
        split = opts["split"]
        unknown = sorted(set(split) - {"variable", "at"})
        if unknown or "variable" not in split:
            raise ConfigError(f"specification {spec_name(spec)!r}: options.split needs `variable` and optional "
                              f"`at` (number or median); unknown keys {unknown}")
        var = split["variable"]
        if var not in data.columns:
            raise DataError(f"specification {spec_name(spec)!r}: split variable {var!r} not in the data")
        means = data.groupby(entity)[var].mean()
        at = split.get("at", "median")
        cut = float(means.median()) if at == "median" else float(at)
        labels = np.where(means > cut, "high", "low")
        return pd.Series(labels, index=means.index).reindex(frame[entity]).set_axis(frame.index)
    col = opts["group_by"]
    if col not in data.columns:
        raise DataError(f"specification {spec_name(spec)!r}: group column {col!r} not in the analysis data")
    per_entity = data.groupby(entity)[col].nunique()
    if (per_entity > 1).any():
        raise DataError(f"specification {spec_name(spec)!r}: group column {col!r} varies within entity "
                        f"{per_entity[per_entity > 1].index[0]}; groups must be entity-level")
    mapping = data.groupby(entity)[col].first()
    return frame[entity].map(mapping)


def _interacted(frame: pd.DataFrame, labels: pd.Series, x: str, controls: list[str], groups: list):
    cols = []
    out = frame.copy()
    for var in [x, *controls]:
        for g in groups:
            name = group_coefficient_name(var, g)
            out[name] = frame[var] * (labels == g).astype(float)
            cols.append(name)
    return out, cols


def wald_equal(params: pd.Series, vcov: pd.DataFrame, names: list[str]) -> tuple[float, int]:
    """Wald statistic of H0: all coefficients in ``names`` are equal (contrasts
    against the first)."""
    return _wald_equal_array(params[names].to_numpy(), vcov.loc[names, names].to_numpy())


def _wald_equal_array(b: np.ndarray, V: np.ndarray) -> tuple[float, int]:
    q = b.size - 1
    R = np.zeros((q, b.size))
    R[:, 0] = -1.0
    R[np.arange(q), np.arange(1, q + 1)] = 1.0
    rb = R @ b
    return float(rb @ np.linalg.solve(R @ V @ R.T, rb)), q


class GroupPermutation:
    """The equal-slopes Wald statistic for any entity-level labelling, without re-fitting.

    The within transformation W of the project's estimator is linear and labels are
    entity-level, so W(v 1[g]) = sum over entities i in g of W(v 1[i]): the per-entity
    columns are transformed once (``clusternet.models.linear.transform``), a labelling
    only sums them, and the covariance is the project's ``sandwich_covariance``. Equal to
    the full fit to rounding error (checked in the tests).
    """

    def __init__(self, frame: pd.DataFrame, y: str, variables: list[str], *, entity: str, time: str,
                 effects, cov, groups: list):
        from clusternet.models.covariance import CovarianceSpec
        from clusternet.models.linear import build_panel_data, transform

        model = LINEAR_MODEL[_effects_flags(effects)]
        self.cov = CovarianceSpec.from_dict(cov)
        frame = frame.sort_values([entity, time], kind="mergesort").reset_index(drop=True)
        codes, self.entities = pd.factorize(frame[entity], sort=True)
        n_ent = len(self.entities)
        columns = {f"{v}@{k}": np.where(codes == k, frame[v].to_numpy(dtype=float), 0.0)
                   for v in variables for k in range(n_ent)}
        keep = [c for c in dict.fromkeys([entity, time, y, self.cov.cluster_by]) if c]
        wide = pd.concat([frame[keep], pd.DataFrame(columns)], axis=1)
        panel = build_panel_data(wide, y=y, x=list(columns), entity=entity, time=time, cov=self.cov)
        self.tr = transform(panel, model)
        n = self.tr.y.size
        self.X3 = self.tr.X.reshape(n, len(variables), n_ent)
        self.groups = list(groups)
        k_big, k = len(variables) * n_ent, len(variables) * len(groups)
        self.df_resid = self.tr.df_resid + k_big - k
        self.cluster_name = self.cov.cluster_by or entity

    def wald(self, entity_labels: pd.Series) -> float:
        """W for labels indexed by entity (x is the first variable)."""
        lab = entity_labels.reindex(self.entities).to_numpy()
        S = (lab[:, None] == np.array(self.groups, dtype=object)[None, :]).astype(float)
        X = np.einsum("nvk,kg->nvg", self.X3, S).reshape(self.X3.shape[0], -1)
        from clusternet.models.covariance import sandwich_covariance

        beta, *_ = np.linalg.lstsq(X, self.tr.y, rcond=None)
        resid = self.tr.y - X @ beta
        V, _ = sandwich_covariance(X, resid, self.cov, df_resid=self.df_resid, entity=self.tr.entity,
                                   time=self.tr.time, cluster=self.tr.cluster, cluster_name=self.cluster_name)
        G = len(self.groups)
        return _wald_equal_array(beta[:G], V[:G, :G])[0]


def wald_zero(params: pd.Series, vcov: pd.DataFrame, names: list[str]) -> tuple[float, int]:
    """Wald statistic of H0: all coefficients in ``names`` are zero."""
    return wald_statistic(params[names].to_numpy(), vcov.loc[names, names].to_numpy()), len(names)


def fit_heterogeneity(data: pd.DataFrame, spec: dict) -> dict:
    opts = spec_options(spec, HETEROGENEITY_OPTIONS)
    x, y = _single_x(spec), single_outcome_name(spec)
    controls = as_list(spec.get("controls"))
    common = common_args(spec)
    frame, dropped = prepare_sample(data, spec, [y, x, *controls], opts["missing"])
    labels = _group_labels(frame, data, spec, opts)
    if labels.isna().any():
        raise DataError(f"specification {spec_name(spec)!r}: some entities have no group label")
    groups = sorted(labels.unique(), key=str)
    if len(groups) < 2:
        raise EstimationError(f"specification {spec_name(spec)!r}: heterogeneity needs at least two groups, "
                              f"got {groups}")
    cov = spec_cov(spec)
    inter, cols = _interacted(frame, labels, x, controls, groups)
    f = fit_fe(inter, y, cols, cov=cov, **common)
    x_names = [group_coefficient_name(x, g) for g in groups]
    wald, q = wald_equal(f.params, f.vcov, x_names)
    wald_p = float(stats.chi2.sf(wald, q))
    f_stat = wald / q
    f_p = float(stats.f.sf(f_stat, q, f.df_resid)) if f.df_resid is not None else None

    # permutation: shuffle the entity-level labels, recompute W
    entity = common["entity"]
    ent_labels = pd.Series(labels.to_numpy(), index=frame[entity]).groupby(level=0).first()
    rng = np.random.default_rng(task_seed(spec, opts))
    n_perm = int(opts["permutations"])
    perm_stats = np.empty(n_perm)
    fast = GroupPermutation(frame, y, [x, *controls], cov=cov, groups=groups, **common) \
        if any(_effects_flags(common["effects"])) else None
    for r in range(n_perm):
        shuffled = pd.Series(rng.permutation(ent_labels.to_numpy()), index=ent_labels.index)
        if fast is not None:
            perm_stats[r] = fast.wald(shuffled)
            continue
        # pooled OLS has an intercept column: re-fit (no shortcut)
        inter_r, cols_r = _interacted(frame, frame[entity].map(shuffled), x, controls, groups)
        f_r = fit_fe(inter_r, y, cols_r, cov=cov, **common)
        perm_stats[r] = wald_equal(f_r.params, f_r.vcov, x_names)[0]
    perm_p = float((1 + np.sum(perm_stats >= wald)) / (1 + n_perm))

    level = spec_ci_level(spec)
    coefs = coefficient_table(cols, f.params[cols], [f.se(c) for c in cols], df_resid=f.df_resid,
                              ci_level=level)
    sizes = ent_labels.value_counts()
    tests = [
        {"name": "wald_equal_slopes", "statistic": wald, "df": q, "p_value": wald_p,
         "note": f"H0: {x} has the same coefficient in every group; chi2({q})"},
        {"name": "f_equal_slopes", "statistic": f_stat, "df": [q, f.df_resid], "p_value": f_p,
         "note": "Wald/q against F(q, df_resid)"},
        {"name": "permutation_equal_slopes", "statistic": wald, "df": None, "p_value": perm_p,
         "note": f"{n_perm} permutations of entity group labels; p = (1 + #{{W* >= W}})/(1 + P)"},
    ]
    extra = {"heterogeneity": {
        "treatment": x, "groups": groups, "group_by": opts["group_by"] if opts["split"] is None else None,
        "split": opts["split"], "entities_per_group": {str(g): int(sizes.get(g, 0)) for g in groups},
        "group_coefficients": {str(g): group_coefficient_name(x, g) for g in groups},
        "permutations": n_perm, "note": "all regressors interacted with group; fixed effects common",
        "n_dropped_missing": dropped,
    }}
    return make_result(
        model="mechanism.heterogeneity", dependent=y, coefficients=coefs, covariance=f.covariance, nobs=f.nobs,
        n_entities=f.n_entities, n_periods=f.n_periods, effects=effects_document(spec), fit=f.fit, tests=tests,
        extra=extra, vcov={"names": cols, "matrix": f.vcov.loc[cols, cols].to_numpy()}, spec=spec,
        provenance={}, ci_level=level, label=spec.get("label", spec_name(spec)),
    )
