"""The `modes` pipeline stage: intensities, classification (rule and clustering) with stability,
Markov and spatial Markov transitions, the typology's estimands as result documents, maps.

Reads data/processed/{panel,indices,network_nodes,efficiency}.parquet; writes
data/processed/modes.parquet, results/modes/* and results/modes/models/<estimand>.json (read by
the hypothesis registry with ``source: modes``). Atomic writes, sorted rows, no timestamps.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.config import Config
from clusternet.errors import DataError
from clusternet.io import atomic_path, read_region_year_table, write_csv, write_json
from clusternet.modes import (
    MODES,
    STATES,
    classification,
    heterogeneity,
    intensities,
    transitions,
)
from clusternet.provenance import config_keys_sha256, provenance
from clusternet.results import coefficient_table, make_result, write_result

# The config in the documents' provenance: the modes section, and of models.yaml only the key
# modes reads (merge_tables, through data.analysis.load_analysis_panel), so that editing one model
# specification leaves the modes outputs and their job alone (issue 14; the stage table declares
# the same through section_keys).
SECTIONS = ["modes"]
MODELS_KEYS: dict[str, tuple[str, ...]] = {"models": ("merge_tables",)}
DOCS = ("mode_data_share", "mode_upgrading", "mode_data_digital")


def paths(cfg: Config) -> dict[str, Path]:
    processed, results = cfg.path_of("processed"), cfg.path_of("results")
    return {"efficiency": processed / "efficiency.parquet", "out": processed / "modes.parquet",
            "results": results / "modes", "models": results / "modes" / "models"}


def analysis_data(cfg: Config) -> tuple[pd.DataFrame, list[Path]]:
    from clusternet.data.analysis import load_analysis_panel

    data, used = load_analysis_panel(cfg)
    p = paths(cfg)
    eff = read_region_year_table(p["efficiency"], "efficiency scores (clusternet efficiency)")
    clash = sorted((set(eff.columns) & set(data.columns)) - {"region_code", "year"})
    if clash:
        raise DataError(f"{p['efficiency']}: column(s) {clash} also exist in the analysis panel; rename one")
    data = data.merge(eff, on=["region_code", "year"], how="left", validate="one_to_one")
    return data.sort_values(["region_code", "year"]).reset_index(drop=True), used + [p["efficiency"]]


def classify(df: pd.DataFrame, spec: dict, seed: int) -> tuple[pd.DataFrame, dict]:
    """Intensities, rule labels, clustering and its stability for the frame's province-years."""
    I = intensities.mode_intensities(df, spec["intensities"])
    cols = [f"intensity_{m}" for m in MODES]
    Z = I[cols].to_numpy(float)
    I["mode"] = classification.rule_classify(Z, spec["rule"]["margin"])
    ok = np.isfinite(Z).all(axis=1)
    cl = spec["clustering"]
    fit = classification.choose_and_fit(Z[ok], cl["method"], cl["k_range"], seed, cl["n_init"])
    I["cluster"] = pd.array([pd.NA] * len(I), dtype="Int64")
    I.loc[ok, "cluster"] = fit.labels
    I["cluster_mode"] = ""
    I.loc[ok, "cluster_mode"] = np.array(fit.names, dtype=object)[fit.labels]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 16, 3]))
    jac = classification.bootstrap_jaccard(Z[ok], fit.labels, fit.k, cl["method"],
                                           spec["stability"]["replications"], rng)
    stab = {"method": cl["method"], "k": fit.k, "criterion": fit.criterion,
            "criterion_name": "bic" if cl["method"] == "gmm" else "silhouette",
            "cluster_names": fit.names, "centroids": fit.centroids.tolist(), "jaccard": jac.tolist(),
            "ari_rule_vs_cluster": classification.rand_agreement(I.loc[ok, "mode"], fit.labels),
            "ari_rule_vs_cluster_names": classification.rand_agreement(I.loc[ok, "mode"],
                                                                       I.loc[ok, "cluster_mode"]),
            "n_classified": int(ok.sum()), "n_unclassified": int((~ok).sum())}
    return I, stab


def _doc(cfg, prov, model, dependent, names, est, se, df_resid, nobs, n_entities, n_periods, label, extra,
         spec, tests=None):
    coefs = coefficient_table(names, est, se, df_resid=df_resid)
    # Power statement: the minimum detectable effect at 5 % (two-sided) with 80 % power,
    # (t_{0.975} + t_{0.80}) x SE with the test's G - 1 degrees of freedom.
    from scipy import stats

    mult = float(stats.t.ppf(0.975, df_resid) + stats.t.ppf(0.80, df_resid))
    extra = {**extra, "power": {"alpha": 0.05, "power": 0.8, "multiplier": mult,
                                "mde": {n: mult * float(e) for n, e in zip(names, se)}}}
    return make_result(model=model, dependent=dependent, coefficients=coefs,
                       covariance={"type": "cluster", "options": {"cluster_by": "region_code",
                                                                  "small_sample": "stata"},
                                   "n_clusters": int(n_entities)},
                       nobs=nobs, n_entities=n_entities, n_periods=n_periods, spec=spec, provenance=prov,
                       label=label, extra=extra, tests=tests or [])


def estimands(cfg: Config, data: pd.DataFrame, labels: pd.DataFrame, spec: dict, prov: dict) -> dict:
    codes = sorted(labels["region_code"].unique())
    years = sorted(labels["year"].unique())
    docs = {}
    # (a) share of province-years in the data-factor mode: linear trend
    lab = labels[labels["mode"] != ""]
    yv = (lab["mode"] == "data").astype(float).to_numpy()
    X = np.column_stack([np.ones(len(lab)), lab["year"].to_numpy(float) - years[0]])
    r = heterogeneity.fit(yv, X, ["const", "year"], lab["region_code"].to_numpy())
    share = lab.assign(d=yv).groupby("year")["d"].mean()
    docs["mode_data_share"] = _doc(
        cfg, prov, "modes.share_trend", "1{mode = data}", r.names, r.params, r.std_errors, r.df, r.nobs,
        r.n_clusters, len(years), "Linear trend of the share of province-years in the data-factor mode",
        {"share_by_year": {str(k): float(v) for k, v in share.items()},
         "note": "linear probability model, pooled; coefficient 'year' = change of the share per year"},
        {"mode": "data", "years": [int(years[0]), int(years[-1])]})
    # (b) upgrading: net upward rate of mode switches
    up = transitions.upgrading(labels, codes, years)
    docs["mode_upgrading"] = _doc(
        cfg, prov, "modes.upgrading", "net upward switch rate", ["net_upward_rate"], [up["estimate"]],
        [up["std_error"]], up["n_regions"] - 1, up["n_pairs"], up["n_regions"], len(years),
        "Mean over provinces of (upward - downward mode switches) / year pairs (traditional < efficiency < data)",
        {k: v for k, v in up.items() if k not in ("estimate", "std_error")}, {"order": list(MODES)})
    # (c) digital effect on the observed network outcome by mode
    h = spec["heterogeneity"]
    d = data.merge(labels[["region_code", "year", "mode"]], on=["region_code", "year"])
    need = [h["y"], h["x"], *h["controls"]]
    absent = [c for c in need if c not in d.columns]
    if absent:
        raise DataError(f"config/modes.yaml modes.heterogeneity: {absent} not in the analysis data")
    d = d[(d["mode"] != "") & d[need].notna().all(axis=1)].sort_values(["region_code", "year"])
    focus = [m for m in STATES if m not in h["reference"] and (d["mode"] == m).any()]
    if not focus:
        raise DataError("modes.heterogeneity: no province-year is in a non-reference mode; nothing to compare")
    cols, names = [d[h["x"]].to_numpy(float)], [h["x"]]
    for m in focus:
        dm = (d["mode"] == m).to_numpy(float)
        cols += [d[h["x"]].to_numpy(float) * dm, dm]
        names += [f"{h['x']}_x_{m}", f"mode_{m}"]
    for c in h["controls"]:
        cols.append(d[c].to_numpy(float))
        names.append(c)
    fe_r, fe_r_names = heterogeneity.dummies(d["region_code"].to_numpy(), "region_", drop_first=False)
    fe_t, fe_t_names = heterogeneity.dummies(d["year"].to_numpy(), "year_", drop_first=True)
    X = np.column_stack(cols + [fe_r, fe_t])
    allnames = names + fe_r_names + fe_t_names
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 16, 4]))
    target = f"{h['x']}_x_data" if "data" in focus else f"{h['x']}_x_{focus[0]}"
    r = heterogeneity.fit(d[h["y"]].to_numpy(float), X, allnames, d["region_code"].to_numpy(),
                          wild_for=[target], replications=h["wild_replications"], rng=rng)
    k = len(names)
    counts = d["mode"].value_counts().to_dict()
    docs["mode_data_digital"] = _doc(
        cfg, prov, "modes.twfe_by_mode", h["y"], names, r.params[:k], r.std_errors[:k], r.df, r.nobs,
        r.n_clusters, int(d["year"].nunique()),
        f"Digital effect ({h['x']}) on {h['y']} by development mode (two-way FE, interactions)",
        {"reference_modes": h["reference"], "mode_counts": {str(a): int(b) for a, b in counts.items()},
         "wild_cluster_bootstrap": {"coefficient": target, "p_value": r.wild_p[target],
                                    "replications": h["wild_replications"], "weights": "rademacher",
                                    "null_imposed": True},
         "caveat": "the data-factor mode is classified partly from the digital index's application dimension, "
                   "so the interaction is descriptive, not a causal moderation effect"},
        {**h}, tests=[{"name": f"wild_cluster_bootstrap:{target}",
                       "statistic": float(r.params[names.index(target)] / r.std_errors[names.index(target)]),
                       "df": None, "p_value": r.wild_p[target], "note": "WCR Rademacher, H0: coefficient = 0"}])
    docs["mode_data_digital"]["effects"] = {"entity": True, "time": True}
    return docs


def _transition_frame(counts: np.ndarray, probs: np.ndarray, condition: str | None = None) -> pd.DataFrame:
    rows = []
    for a, sa in enumerate(STATES):
        row: dict[str, object] = {"from": sa}
        if condition is not None:
            row = {"neighbours": condition, **row}
        row["n"] = int(counts[a].sum())
        for b, sb in enumerate(STATES):
            row[f"to_{sb}"] = float(probs[a, b])
        for b, sb in enumerate(STATES):
            row[f"count_{sb}"] = int(counts[a, b])
        rows.append(row)
    return pd.DataFrame(rows)


def run_modes(cfg: Config) -> list[Path]:
    # One BLAS thread: the many small matrix products here are far slower when OpenBLAS threads
    # compete on a loaded machine; results do not depend on the thread count.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _run_modes(cfg)


def _run_modes(cfg: Config) -> list[Path]:
    spec = cfg.section("modes")["modes"]
    p = paths(cfg)
    data, used = analysis_data(cfg)
    first, last = spec["years"]["first"], spec["years"]["last"]
    df = data[(data["year"] >= first) & (data["year"] <= last)].reset_index(drop=True)
    if df.empty:
        raise DataError(f"config/modes.yaml modes.years {first}-{last}: no province-years in the panel")
    labels, stab = classify(df, spec, cfg.seed)
    prov = provenance(used, cfg, SECTIONS)
    prov["config_keys_sha256"] = config_keys_sha256(cfg, MODELS_KEYS)
    res = p["results"]
    written = []
    with atomic_path(p["out"]) as tmp:
        labels.to_parquet(tmp, index=False)
    written.append(p["out"])
    codes = sorted(labels["region_code"].unique())
    years = sorted(labels["year"].unique())
    counts, probs = transitions.markov(labels, codes, years)
    trans = _transition_frame(counts, probs)
    write_csv(trans, res / "transitions.csv")
    from clusternet.data import geo

    W = geo.contiguity(spec["transitions"]["weights"], codes)
    sc, sp = transitions.spatial_markov(labels, codes, years, W)
    strans = pd.concat([_transition_frame(sc[c], sp[c], STATES[c]) for c in range(len(STATES))], ignore_index=True)
    write_csv(strans, res / "spatial_transitions.csv")
    names = df[["region_code", "region_en", "region_zh"]].drop_duplicates()
    table = names.merge(labels, on="region_code").sort_values(["year", "region_code"])
    write_csv(table, res / "classification.csv")
    shares = (labels[labels["mode"] != ""].groupby(["year", "mode"]).size().unstack(fill_value=0)
              .reindex(columns=list(STATES), fill_value=0).reset_index())
    write_csv(shares, res / "mode_counts.csv")
    stab_table = pd.DataFrame({"cluster": range(stab["k"]), "named_mode": stab["cluster_names"],
                               "bootstrap_jaccard": stab["jaccard"],
                               "size": np.bincount(labels["cluster"].dropna().astype(int), minlength=stab["k"])})
    write_csv(stab_table, res / "stability.csv")
    written += [res / f for f in ("transitions.csv", "spatial_transitions.csv", "classification.csv",
                                  "mode_counts.csv", "stability.csv")]
    docs = estimands(cfg, df, labels, spec, prov)
    for name, doc in docs.items():
        write_result(p["models"] / f"{name}.json", doc)
        written.append(p["models"] / f"{name}.json")
    het = pd.DataFrame(docs["mode_data_digital"]["coefficients"])
    write_csv(het, res / "heterogeneity.csv")
    written.append(res / "heterogeneity.csv")
    summary = {"stability": stab, "years": [int(first), int(last)],
               "unclassified_region_years": labels.loc[labels["mode"] == "", ["region_code", "year"]]
               .to_dict(orient="records"),
               "spatial_markov_excluded_regions": [int(c) for c, row in zip(codes, W) if row.sum() == 0],
               "provenance": prov}
    write_json(res / "modes.json", summary)
    written.append(res / "modes.json")
    from clusternet.modes.figures import write_figures

    written += write_figures(cfg, labels, shares, stab, spec, res, prov, codes)
    return written
