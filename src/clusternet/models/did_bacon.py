"""Goodman-Bacon (2021) decomposition of the static two-way fixed-effects DID coefficient
(model ``did.bacon``).

On a balanced panel with absorbing treatment D_it = 1[t >= G_i], the TWFE coefficient of
y_it = a_i + l_t + b D_it + e_it is a weighted average of every 2x2 DID between timing
groups (Theorem 1):

* ``treated_vs_untreated``  group k against the never treated U, all periods;
* ``earlier_vs_later``      k against the later group l before l is treated (t < l);
* ``later_vs_earlier``      l against the already-treated k after k is treated (t >= k),
  the comparison that biases TWFE when effects change over time;

(units treated from the first period form a group with D-bar = 1 that only serves as a
"later vs earlier" control, as in R bacondecomp / Stata bacondecomp). With n_k the share of
units in group k and D-bar_k the share of periods in which k is treated, the weights are

  s_kU   = (n_k + n_U)^2 n_kU (1 - n_kU) D_k (1 - D_k) / V^D,
  s_kl^k = ((n_k + n_l)(1 - D_l))^2 n_kl (1 - n_kl) (D_k - D_l)/(1 - D_l) (1 - D_k)/(1 - D_l) / V^D,
  s_kl^l = ((n_k + n_l) D_k)^2 n_kl (1 - n_kl) D_l/D_k (D_k - D_l)/D_k / V^D,

n_ab = n_a / (n_a + n_b) and V^D the variance of the two-way demeaned D_it; they sum to one
and sum(s * b_2x2) is the TWFE coefficient exactly (``tests/models/test_did_bacon.py``).
No covariates (the decomposition with time-varying controls, Goodman-Bacon sec. 5, is not
implemented: a ``controls`` entry is a configuration error).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clusternet.errors import ConfigError, DataError, EstimationError

NEVER = "never"
TYPES = ("treated_vs_untreated", "earlier_vs_later", "later_vs_earlier")


@dataclass
class BaconResult:
    table: pd.DataFrame   # type, treated, control, weight, estimate
    twfe: float
    variance_d: float

    def by_type(self) -> pd.DataFrame:
        t = self.table
        out = t.groupby("type").apply(lambda s: pd.Series({"weight": s.weight.sum(),
                                                          "estimate": np.average(s.estimate, weights=s.weight)
                                                          if s.weight.sum() > 0 else np.nan}),
                                      include_groups=False)
        return out.reindex([x for x in TYPES if x in out.index])


def _twfe_balanced(Y: np.ndarray, D: np.ndarray) -> tuple[float, float]:
    Dd = D - D.mean(axis=1, keepdims=True) - D.mean(axis=0, keepdims=True) + D.mean()
    Yd = Y - Y.mean(axis=1, keepdims=True) - Y.mean(axis=0, keepdims=True) + Y.mean()
    vd = float(np.mean(Dd ** 2))
    if vd <= 0:
        raise EstimationError("the treatment does not vary after removing entity and period means")
    return float(np.mean(Dd * Yd) / vd), vd


def bacon_decomposition(Y: np.ndarray, periods: list[int], cohort: np.ndarray) -> BaconResult:
    """Decompose the TWFE DID of the balanced panel ``Y`` (entities x periods) with first
    treated period ``cohort`` per entity (NaN = never treated)."""
    Y = np.asarray(Y, dtype=float)
    if np.isnan(Y).any():
        raise DataError("the Bacon decomposition needs a balanced panel without missing outcomes")
    periods = [int(p) for p in periods]
    per = np.array(periods)
    g = np.asarray(cohort, dtype=float)
    g = np.where(g > per[-1], np.nan, g)           # treated after the sample: untreated within it
    g = np.where(g < per[0], per[0], g)              # treated before the sample: treated throughout
    D = (~np.isnan(g))[:, None] & (per[None, :] >= np.nan_to_num(g, nan=np.inf)[:, None])
    twfe, vd = _twfe_balanced(Y, D.astype(float))
    groups = sorted({int(v) for v in g[~np.isnan(g)]})
    share = {k: float(np.mean(g == k)) for k in groups}
    dbar = {k: float(np.mean(per >= k)) for k in groups}
    members = {k: g == k for k in groups}
    never = np.isnan(g)
    rows = []

    def dd(a: np.ndarray, b: np.ndarray, pre: np.ndarray, post: np.ndarray) -> float:
        ya, yb = Y[a].mean(axis=0), Y[b].mean(axis=0)
        return float((ya[post].mean() - ya[pre].mean()) - (yb[post].mean() - yb[pre].mean()))

    if never.any():
        nu = float(never.mean())
        for k in groups:
            if dbar[k] in (0.0, 1.0):
                continue
            nku = share[k] / (share[k] + nu)
            w = (share[k] + nu) ** 2 * nku * (1 - nku) * dbar[k] * (1 - dbar[k]) / vd
            rows.append(("treated_vs_untreated", k, NEVER, w, dd(members[k], never, per < k, per >= k)))
    for i, k in enumerate(groups):
        for l_ in groups[i + 1:]:
            nkl = share[k] / (share[k] + share[l_])
            dk, dl = dbar[k], dbar[l_]
            mid = (per >= k) & (per < l_)
            if dk < 1:  # k is observed untreated: earlier vs later
                w = (((share[k] + share[l_]) * (1 - dl)) ** 2 * nkl * (1 - nkl)
                     * (dk - dl) / (1 - dl) * (1 - dk) / (1 - dl) / vd)
                rows.append(("earlier_vs_later", k, str(l_), w, dd(members[k], members[l_], per < k, mid)))
            if dl > 0:  # l is observed treated: later vs earlier (k as the control)
                w = ((share[k] + share[l_]) * dk) ** 2 * nkl * (1 - nkl) * (dl / dk) * (dk - dl) / dk / vd
                rows.append(("later_vs_earlier", l_, str(k), w, dd(members[l_], members[k], mid, per >= l_)))
    if not rows:
        raise EstimationError("no 2x2 comparison: the panel needs two timing groups")
    table = pd.DataFrame(rows, columns=["type", "treated", "control", "weight", "estimate"])
    table["treated"] = table["treated"].astype(int)
    return BaconResult(table=table, twfe=twfe, variance_d=vd)


def bacon_scatter(result: BaconResult, ax=None, title: str | None = None):
    """The standard figure: each 2x2 estimate against its weight, marker by comparison type,
    the TWFE coefficient as a horizontal line. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 4))
    else:
        fig = ax.figure
    markers = {"treated_vs_untreated": ("o", "Treated vs never treated"),
               "earlier_vs_later": ("^", "Earlier vs later treated"),
               "later_vs_earlier": ("s", "Later vs earlier treated")}
    for typ, (m, label) in markers.items():
        sub = result.table[result.table.type == typ]
        if len(sub):
            ax.scatter(sub.weight, sub.estimate, marker=m, label=label, s=36)
    ax.axhline(result.twfe, color="black", linewidth=1, linestyle="--", label=f"TWFE = {result.twfe:.3g}")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.set_xlabel("Weight")
    ax.set_ylabel("2x2 DID estimate")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8)
    return fig


BACON_OPTIONS = {"adoption_years": None, "source": None, "missing": "error"}


def fit_did_bacon(data: pd.DataFrame, spec: dict) -> dict:
    """The ``did_bacon`` estimator of config/models.yaml: the decomposition as a result
    document (coefficients: ``att_twfe`` and the weighted mean per comparison type; the 2x2
    table in ``extra.did.bacon``). No standard errors (the decomposition is descriptive)."""
    from clusternet.models.did import adoption_series, balanced_sample, cohort_sizes
    from clusternet.models.mechanisms import (
        as_list, common_args, single_outcome_name, spec_name, spec_options,
    )
    from clusternet.results import make_result

    opts = spec_options(spec, BACON_OPTIONS)
    if as_list(spec.get("controls")):
        raise ConfigError(f"specification {spec_name(spec)!r}: did_bacon decomposes the TWFE DID without "
                          "covariates; remove `controls`")
    yname = single_outcome_name(spec)
    common = common_args(spec)
    entity, time = common["entity"], common["time"]
    frame, dropped_entities = balanced_sample(data, spec, [yname], opts["missing"])
    wide = frame.pivot(index=entity, columns=time, values=yname)
    if wide.isna().any().any():
        raise DataError(f"specification {spec_name(spec)!r}: did_bacon needs a balanced panel of {yname!r}")
    gser = adoption_series(frame, spec, opts)
    cohort = pd.Series(gser.to_numpy(), index=frame[entity]).groupby(level=0).first().reindex(wide.index)
    try:
        res = bacon_decomposition(wide.to_numpy(float), list(wide.columns), cohort.to_numpy(float))
    except (DataError, EstimationError) as exc:
        raise type(exc)(f"specification {spec_name(spec)!r}: {exc}") from exc
    summary = res.by_type()
    names = ["att_twfe", *[f"bacon[{t}]" for t in summary.index]]
    est = [res.twfe, *summary.estimate.tolist()]
    rows = [{"name": nm, "estimate": float(v), "std_error": None, "statistic": None, "p_value": None,
             "ci_lower": None, "ci_upper": None} for nm, v in zip(names, est)]
    extra = {"did": {
        "estimator": "goodman_bacon",
        "bacon": res.table.to_dict("records"),
        "weights_by_type": {t: float(w) for t, w in summary.weight.items()},
        "variance_of_demeaned_treatment": res.variance_d,
        "cohorts": cohort_sizes(frame, gser, entity), "dropped_entities": dropped_entities,
        "source": opts["source"],
    }}
    return make_result(
        model="did.bacon", dependent=yname, coefficients=rows, covariance={"type": "unadjusted"},
        nobs=int(wide.size), n_entities=int(wide.shape[0]), n_periods=int(wide.shape[1]),
        effects={"entity": True, "time": True}, extra=extra, spec=spec, provenance={},
        label=spec.get("label", spec_name(spec)),
    )
