"""Specification curves (Simonsohn, Simmons & Nelson 2020, Nature Human Behaviour 4, 1208-1214).

A hypothesis' primary specification is varied along declared dimensions — the index method
(``dici*`` → ``dici*__<method>`` columns of the indices stage), the outcome among admissible ones,
the control set, the sample years and the covariance / inference — and every combination is
fitted by :func:`clusternet.models.runner.fit_specification`, the code path of the primary fit
(``inference: wild`` fits the same specification and takes the restricted wild cluster bootstrap
p-value of :mod:`clusternet.models.wildboot`). When the full grid exceeds ``max_specifications``
a seeded random subset is fitted (the primary specification always included) and the size of the
full grid is reported.

Summary: share of fitted specifications whose estimate has the expected sign, share significant
at alpha with the expected sign (and with the opposite sign), median estimate, in raw and
within-SD units. A specification that cannot be fitted (collinear, too few rows) is counted as
failed, listed, and left out of the shares.
"""
from __future__ import annotations

import contextlib
import itertools
import zlib

import numpy as np
import pandas as pd

from clusternet.errors import ClusternetError

DIMENSIONS = ("index_method", "outcome", "controls", "years", "inference")
INFERENCE = ("cluster", "driscoll_kraay", "wild")
COV: dict[str, dict] = {"cluster": {"type": "cluster", "small_sample": "sss", "min_clusters": 10},
       "driscoll_kraay": {"type": "driscoll_kraay", "small_sample": "none", "bandwidth": "plm"},
       "wild": {"type": "cluster", "small_sample": "sss", "min_clusters": 10}}


def index_columns(columns) -> tuple[list[str], list[str]]:
    """(index base columns, method names) present as ``<base>__<method>`` in ``columns``."""
    methods = sorted({c.split("__", 1)[1] for c in columns if c.startswith("dici") and "__" in c})
    return methods, methods


def needed_columns(spec: dict) -> list[str]:
    from clusternet.models.linear import spec_regressors
    from clusternet.models.spatial_lags import PREFIX

    cols = [spec.get("entity", "region_code"), spec.get("time", "year"), spec["y"]]
    if (spec.get("sample") or {}).get("groups") or (spec.get("options") or {}).get("group_by") == "group":
        cols.append("group")
    lags = (spec.get("spatial_lags") or {}).get("variables") or []
    policy = (spec.get("policy_dummy") or {}).get("name")
    for v in spec_regressors(spec):
        if v.startswith(PREFIX) and v[len(PREFIX):] in lags:
            continue
        if v == policy:
            continue
        cols.append(v)
    cols += lags
    cb = (spec.get("cov") or {}).get("cluster_by")
    if cb:
        cols.append(cb)
    return list(dict.fromkeys(cols))


def narrow(data: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Only the columns a specification reads (much faster pandas work, same result)."""
    cols = [c for c in needed_columns(spec) if c in data.columns]
    return data[cols]


def _rename_index(name: str, method: str | None, columns) -> str:
    if method is None or not name.startswith("dici") or "__" in name:
        return name
    alt = f"{name}__{method}"
    return alt if alt in columns else name


def variant(spec: dict, choice: dict, columns, coefficient: str) -> tuple[dict, str]:
    """The specification of one grid point and the name of its coefficient."""
    s = dict(spec)
    m = choice.get("index_method")
    m = None if m in (None, "default") else m
    x = spec.get("x", [])
    x = [x] if isinstance(x, str) else list(x)
    s["x"] = [_rename_index(v, m, columns) for v in x] if isinstance(spec.get("x"), list) else \
        _rename_index(x[0], m, columns)
    if "options" in spec and isinstance(spec["options"], dict):
        opts = dict(spec["options"])
        for key in ("mediator", "moderator", "threshold_variable"):
            if key in opts:
                opts[key] = _rename_index(opts[key], m, columns)
        s["options"] = opts
    if choice.get("outcome"):
        s["y"] = choice["outcome"]
    if "controls_set" in choice:
        s["controls"] = [_rename_index(v, m, columns) for v in choice["controls_set"] if v not in s["x"]]
    if choice.get("years"):
        sample = dict(spec.get("sample") or {})
        sample["years"] = dict(choice["years"])
        s["sample"] = sample
    inf = choice.get("inference", "cluster")
    if inf in COV and spec.get("model") in ("pooled", "fe", "fe_time", "twfe"):
        s["cov"] = dict(COV[inf])
    coef = _rename_index(coefficient, m, columns)
    return s, coef


def expand(grid: dict, primary_choice: dict) -> list[dict]:
    """All grid points (dicts over DIMENSIONS), the primary first."""
    keys = [k for k in DIMENSIONS if grid.get(k)]
    points = [dict(zip(keys, vals)) for vals in itertools.product(*(grid[k] for k in keys))]
    def _key(p):
        return tuple(str(p.get(k)) for k in keys)
    prim = _key(primary_choice)
    rest = [p for p in points if _key(p) != prim]
    return [primary_choice] + rest


def run_curve(data: pd.DataFrame, spec: dict, coefficient: str | None, grid: dict, primary_choice: dict,
              control_sets: dict, *, expected: int, alpha: float, seed: int, max_specs: int, wild_reps: int,
              wild_weights: str, scale_of=None, hypothesis_id: str = "", test: str | None = None) -> dict:
    """Fit the grid; returns {"specifications": [...], "summary": {...}}."""
    from clusternet.models.runner import fit_specification
    from clusternet.models.wildboot import draw_weights, linear_design, wild_pvalue

    points = expand(grid, primary_choice)
    n_grid = len(points)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(f"speccurve:{hypothesis_id}".encode())]))
    if n_grid > max_specs:
        keep = np.sort(rng.choice(np.arange(1, n_grid), size=max_specs - 1, replace=False))
        points = [points[0]] + [points[i] for i in keep]
    rows = []
    w_cache: dict[int, np.ndarray] = {}
    # one narrow copy with every column any grid point reads (faster than slicing the wide panel each time)
    union: list[str] = []
    for point in points:
        choice = dict(point)
        if "controls" in choice:
            choice["controls_set"] = list(control_sets[choice["controls"]])
        union += needed_columns(variant(spec, choice, data.columns, coefficient or "")[0])
    data = data[[c for c in dict.fromkeys(union) if c in data.columns]]
    # The spatial lags (W_<v>, computed on all regions before the sample is selected) are the same
    # for every grid point: computed once here, and the points fitted without the `spatial_lags`
    # block (which only adds those columns; clusternet.models.spatial_lags).
    lagged = False
    if spec.get("spatial_lags"):
        from clusternet.models.spatial_lags import add_spatial_lags

        # on an error each point fails with it itself (listed as failed), as without the precomputation
        with contextlib.suppress(ClusternetError, ValueError):
            data, lagged = add_spatial_lags(data, spec), True
    fits: dict[str, tuple] = {}  # identical grid points (e.g. `wild` and `cluster` share the fit)
    for i, point in enumerate(points):
        choice = dict(point)
        if "controls" in choice:
            choice["controls_set"] = list(control_sets[choice["controls"]])
        s, coef = variant(spec, choice, data.columns, coefficient or "")
        s["name"] = f"{spec.get('name', 'spec')}__curve{i:04d}"
        row = {"id": i, **{k: (v if k != "controls_set" else None) for k, v in choice.items()},
               "controls": choice.get("controls"), "coefficient": coef, "y": s["y"]}
        row.pop("controls_set", None)
        fit_spec = {k: v for k, v in s.items() if k != "spatial_lags"} if lagged else s
        try:
            frame = narrow(data, fit_spec)
            key = _fit_key(fit_spec, i)
            if key not in fits:
                try:
                    fits[key] = (fit_specification(frame, fit_spec), None)
                except (ClusternetError, np.linalg.LinAlgError, ValueError) as exc:
                    fits[key] = (None, exc)
            doc, err = fits[key]
            if err is not None:
                raise err
            if test is not None:
                t = next((t for t in doc.get("tests", []) if t["name"] == test), None)
                if t is None:
                    raise ClusternetError(f"test {test!r} not in the fitted document")
                r = {"estimate": t["statistic"], "p_value": t["p_value"]}
            else:
                r = next((c for c in doc["coefficients"] if c["name"] == coef), None)  # type: ignore[arg-type]
            if r is None:
                raise ClusternetError(f"coefficient {coef!r} not in the fitted document")
            row.update(estimate=r["estimate"], std_error=r.get("std_error"), p_value=r.get("p_value"),
                       ci_lower=r.get("ci_lower"), ci_upper=r.get("ci_upper"), nobs=doc["nobs"], failed=None)
            if choice.get("inference") == "wild" and test is None:
                design = linear_design(frame, fit_spec)
                G = design.n_clusters
                if G not in w_cache:
                    w_cache[G] = draw_weights(rng, G, wild_reps, wild_weights)
                row["p_value"] = wild_pvalue(design, coef, weights=w_cache[G])["p_value"]
            factor = scale_of(frame, fit_spec, coef) if scale_of is not None and test is None else None
            row["scale_factor"] = factor
        except (ClusternetError, np.linalg.LinAlgError, ValueError) as exc:
            row.update(estimate=None, std_error=None, p_value=None, ci_lower=None, ci_upper=None, nobs=None,
                       failed=str(exc).splitlines()[0][:300], scale_factor=None)
        rows.append(row)
    return {"specifications": rows, "summary": summarise(rows, expected, alpha, n_grid)}


def _fit_key(spec: dict, i: int) -> str:
    """Identity of a fit: for the linear panel models the specification without its name (the name
    only labels their document); the other estimators may seed their bootstraps from the name, so
    each of their points is its own fit."""
    import json

    if spec.get("model") not in ("pooled", "fe", "fe_time", "twfe"):
        return f"#{i}"
    return json.dumps({k: v for k, v in spec.items() if k != "name"}, sort_keys=True, default=str)


def summarise(rows: list[dict], expected: int, alpha: float, n_grid: int) -> dict:
    ok = [r for r in rows if r["estimate"] is not None]
    n = len(ok)
    est = np.array([r["estimate"] for r in ok], float)
    p = np.array([np.nan if r["p_value"] is None else r["p_value"] for r in ok], float)
    sig = p < alpha
    std = np.array([np.nan if r.get("scale_factor") is None else r["estimate"] * r["scale_factor"] for r in ok])
    if expected == 0:
        same, sig_same, sig_opp = (np.full(n, np.nan), sig, np.zeros(n, bool))
    else:
        same = np.sign(est) == expected
        sig_same = sig & same
        sig_opp = sig & (np.sign(est) == -expected)
    def share(v):
        return float(np.mean(v)) if n and not np.all(np.isnan(v.astype(float))) else None
    return {
        "n_specifications": n, "n_failed": len(rows) - n, "n_grid": int(n_grid),
        "share_expected_sign": share(same) if expected != 0 else None,
        "share_significant_expected": share(sig_same),
        "share_significant_opposite": share(sig_opp) if expected != 0 else None,
        "median_estimate": float(np.median(est)) if n else None,
        "median_estimate_sd": float(np.nanmedian(std)) if n and np.isfinite(std).any() else None,
    }


def curve_figure(curve: dict, title: str, path, provenance: dict | None = None, alpha: float = 0.05) -> None:
    """Sorted (within-SD) estimates with CIs above, the indicator panel of choices below."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from clusternet import plotting

    plotting.setup()
    rows = [r for r in curve["specifications"] if r["estimate"] is not None]
    if not rows:
        return
    def f(r):
        return r["scale_factor"] if r.get("scale_factor") else 1.0
    rows = sorted(rows, key=lambda r: r["estimate"] * f(r))
    est = np.array([r["estimate"] * f(r) for r in rows])
    lo = np.array([(r["ci_lower"] if r["ci_lower"] is not None else r["estimate"]) * f(r) for r in rows])
    hi = np.array([(r["ci_upper"] if r["ci_upper"] is not None else r["estimate"]) * f(r) for r in rows])
    sig = np.array([(r["p_value"] is not None and r["p_value"] < alpha) for r in rows])
    dims = [d for d in ("index_method", "outcome", "controls", "years", "inference") if any(d in r for r in rows)]
    labels = []
    for d in dims:
        vals = sorted({_label(r.get(d)) for r in rows})
        labels += [(d, v) for v in vals]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 3 + 0.18 * len(labels)), sharex=True,
                                   gridspec_kw={"height_ratios": [2, max(1, 0.12 * len(labels))]})
    xs = np.arange(len(rows))
    ax1.vlines(xs, lo, hi, color=np.where(sig, "#1f77b4", "#bbbbbb"), lw=0.8)
    ax1.scatter(xs, est, s=6, c=np.where(sig, "#1f77b4", "#777777"), zorder=3)
    ax1.axhline(0, color="k", lw=0.6)
    ax1.set_ylabel("estimate (within-SD units)")
    ax1.set_title(title, fontsize=9)
    for j, (d, v) in enumerate(labels):
        hit = [i for i, r in enumerate(rows) if _label(r.get(d)) == v]
        ax2.scatter(hit, [j] * len(hit), s=4, marker="|", color="k")
    ax2.set_yticks(range(len(labels)))
    ax2.set_yticklabels([f"{d}: {v}" for d, v in labels], fontsize=6)
    ax2.invert_yaxis()
    ax2.set_xlabel(f"specification (sorted by estimate; blue = p < {alpha:g})")
    fig.tight_layout()
    plotting.save_formats(fig, str(path), provenance=provenance or {})


def _label(v) -> str:
    if isinstance(v, dict):
        return f"{v.get('first', '')}-{v.get('last', '')}"
    return str(v)
