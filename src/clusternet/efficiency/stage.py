"""The `efficiency` pipeline stage: R&D capital stock, DEA scores, Malmquist indices, bootstrap,
second stage. Reads data/processed/panel.parquet and indices.parquet; writes
data/processed/efficiency.parquet and results/efficiency/* (fixed paths, listed in
workflow/rules/modes.smk and dvc.yaml). Atomic writes, sorted rows, no timestamps.
"""
from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.config import Config
from clusternet.efficiency import bootstrap, dea
from clusternet.efficiency.capital import capital_stock
from clusternet.errors import DataError
from clusternet.io import read_region_year_table, write_csv, write_json, write_parquet
from clusternet.provenance import provenance
from clusternet.results import coefficient_table, make_result, write_result

SECTIONS = ["modes"]
SCORES = ("eff_ccr_input", "eff_ccr_output", "eff_bcc_input", "eff_bcc_output", "eff_scale", "eff_sbm")


def paths(cfg: Config) -> dict[str, Path]:
    processed, results = cfg.path_of("processed"), cfg.path_of("results")
    return {"panel": processed / "panel.parquet", "indices": processed / "indices.parquet",
            "out": processed / "efficiency.parquet", "results": results / "efficiency"}


def _complete(df: pd.DataFrame, cols: list[str]) -> pd.Series:
    v = df[cols].astype(float)
    return (v.notna() & (v > 0)).all(axis=1)


def scores_by_year(df: pd.DataFrame, inputs: list[str], outputs: list[str]) -> pd.DataFrame:
    """CCR/BCC (both orientations), scale and SBM scores per year on that year's complete DMUs."""
    rows = []
    for year, g in df.groupby("year", sort=True):
        g = g[_complete(g, inputs + outputs)]
        if len(g) < len(inputs) + len(outputs) + 1:
            raise DataError(f"DEA {year}: only {len(g)} province(s) with complete, positive inputs and outputs "
                            f"({inputs + outputs}); need more than {len(inputs) + len(outputs)}")
        X, Y = g[inputs].to_numpy(float), g[outputs].to_numpy(float)
        out = g[["region_code", "year"]].copy()
        out["eff_ccr_input"] = dea.ccr(X, Y)
        out["eff_ccr_output"] = dea.ccr(X, Y, orientation="output")
        out["eff_bcc_input"] = dea.bcc(X, Y)
        out["eff_bcc_output"] = dea.bcc(X, Y, orientation="output")
        out["eff_scale"] = out["eff_ccr_input"] / out["eff_bcc_input"]
        out["eff_sbm"] = dea.sbm(X, Y).efficiency
        rows.append(out)
    return pd.concat(rows, ignore_index=True)


def malmquist_pairs(df: pd.DataFrame, inputs: list[str], outputs: list[str], frontier: str) -> pd.DataFrame:
    """Malmquist index, EC, TC per region and pair (t-1, t), labelled by t. Frontiers of each year
    from its complete DMUs; a region enters a pair when complete in both years."""
    ok = df[_complete(df, inputs + outputs)]
    years = sorted(ok["year"].unique())
    by_year = {y: ok[ok["year"] == y].set_index("region_code").sort_index() for y in years}
    if frontier == "global":
        G_x, G_y = ok[inputs].to_numpy(float), ok[outputs].to_numpy(float)
    rows = []
    for a, b in pairwise(years):
        if b != a + 1:
            continue
        A, B = by_year[a], by_year[b]
        both = A.index.intersection(B.index)
        xa, ya = A.loc[both, inputs].to_numpy(float), A.loc[both, outputs].to_numpy(float)
        xb, yb = B.loc[both, inputs].to_numpy(float), B.loc[both, outputs].to_numpy(float)
        Ax, Ay = A[inputs].to_numpy(float), A[outputs].to_numpy(float)
        Bx, By = B[inputs].to_numpy(float), B[outputs].to_numpy(float)
        own_a, own_b = dea.ccr(xa, ya, Ax, Ay), dea.ccr(xb, yb, Bx, By)
        ec = own_b / own_a
        if frontier == "contemporaneous":
            fwd, back = dea.ccr(xb, yb, Ax, Ay), dea.ccr(xa, ya, Bx, By)
            m = np.sqrt(fwd / own_a * own_b / back)
        else:
            m = dea.ccr(xb, yb, G_x, G_y) / dea.ccr(xa, ya, G_x, G_y)
        rows.append(pd.DataFrame({"region_code": both.to_numpy(), "year": b, "frontier": frontier,
                                  "malmquist": m, "efficiency_change": ec, "technical_change": m / ec}))
    return pd.concat(rows, ignore_index=True)


def run_efficiency(cfg: Config) -> list[Path]:
    # One BLAS thread: the many small matrix products here are far slower when OpenBLAS threads
    # compete on a loaded machine; results do not depend on the thread count.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        return _run_efficiency(cfg)


def _run_efficiency(cfg: Config) -> list[Path]:
    spec = cfg.section("modes")["efficiency"]
    p = paths(cfg)
    panel = read_region_year_table(p["panel"], "panel")
    indices = read_region_year_table(p["indices"], "indices")
    df = panel.merge(indices, on=["region_code", "year"], how="left", validate="one_to_one")
    df = df.sort_values(["region_code", "year"]).reset_index(drop=True)
    cap = spec["capital"]
    df[cap["name"]] = capital_stock(df, cap["flow"], cap["depreciation"], cap["growth_years"]).to_numpy()
    inputs, outputs = spec["inputs"], spec["outputs"]
    missing = [c for c in inputs + outputs if c not in df.columns]
    if missing:
        raise DataError(f"config/modes.yaml efficiency.inputs/outputs: {missing} not in the panel or indices")
    excluded = df.loc[~_complete(df, inputs + outputs), ["region_code", "region_en", "year"]]
    scores = scores_by_year(df, inputs, outputs)

    # Simar-Wilson (1998) per year, seeded per year.
    bs_spec = spec["bootstrap"]
    bs_rows = []
    for year, g in df[_complete(df, inputs + outputs)].groupby("year", sort=True):
        rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 16, int(year)]))
        r = bootstrap.sw98(g[inputs].to_numpy(float), g[outputs].to_numpy(float), bs_spec["replications"], rng,
                           rts=bs_spec["rts"], ci_level=bs_spec["ci_level"])
        bs_rows.append(pd.DataFrame({"region_code": g["region_code"].to_numpy(), "year": year,
                                     "eff_dea_bc": r.theta_bc, "eff_dea_ci_lower": r.ci_lower,
                                     "eff_dea_ci_upper": r.ci_upper, "eff_dea_bias": r.bias,
                                     "eff_dea_bc_advised": r.correction_advised, "bandwidth": r.bandwidth}))
    bs = pd.concat(bs_rows, ignore_index=True)
    out = df[["region_code", "year", cap["name"]]].merge(scores, on=["region_code", "year"], how="left")
    out = out.merge(bs.drop(columns="bandwidth"), on=["region_code", "year"], how="left")
    malm = pd.concat([malmquist_pairs(df, inputs, outputs, f) for f in spec["malmquist"]["frontiers"]],
                     ignore_index=True)
    for f in spec["malmquist"]["frontiers"]:
        pre = "malm" if f == "contemporaneous" else "gmalm"
        part = malm[malm["frontier"] == f].drop(columns="frontier").rename(columns={
            "malmquist": f"{pre}_index", "efficiency_change": f"{pre}_ec", "technical_change": f"{pre}_tc"})
        out = out.merge(part, on=["region_code", "year"], how="left")
    out = out.sort_values(["region_code", "year"]).reset_index(drop=True)

    res = p["results"]
    written = []
    write_parquet(out, p["out"])
    written.append(p["out"])
    names = df[["region_code", "region_en", "region_zh"]].drop_duplicates()
    table = names.merge(out, on="region_code").sort_values(["year", "region_code"])
    write_csv(table, res / "efficiency.csv")
    by_year = out.groupby("year")[list(SCORES) + ["eff_dea_bc"]].mean().reset_index()
    write_csv(by_year, res / "efficiency_by_year.csv")
    malm_summary = (malm.assign(lm=np.log(malm["malmquist"]), lec=np.log(malm["efficiency_change"]),
                                ltc=np.log(malm["technical_change"]))
                    .groupby(["frontier", "year"])[["lm", "lec", "ltc"]].mean().apply(np.exp).reset_index()
                    .rename(columns={"lm": "malmquist_geomean", "lec": "ec_geomean", "ltc": "tc_geomean"}))
    write_csv(malm_summary, res / "malmquist.csv")
    written += [res / "efficiency.csv", res / "efficiency_by_year.csv", res / "malmquist.csv"]

    # Second stage (Simar & Wilson 2007, algorithm 1) on pooled province-years.
    ss = spec["second_stage"]
    d2 = df.merge(scores[["region_code", "year", "eff_ccr_input"]], on=["region_code", "year"])
    cols = ss["covariates"]
    absent = [c for c in cols if c not in d2.columns]
    if absent:
        raise DataError(f"config/modes.yaml efficiency.second_stage.covariates: {absent} not in the panel/indices")
    d2 = d2.dropna(subset=cols + ["eff_ccr_input"])
    Z = np.column_stack([np.ones(len(d2)), d2[cols].to_numpy(float)])
    rng = np.random.default_rng(np.random.SeedSequence([cfg.seed, 16, 2007]))
    s2 = bootstrap.sw07(1.0 / d2["eff_ccr_input"].to_numpy(float), Z, ["const"] + cols, ss["replications"], rng,
                        ci_level=ss["ci_level"])
    coefs = coefficient_table(s2.names, s2.params, s2.std_errors, ci_level=ss["ci_level"])
    for row, lo, hi in zip(coefs, s2.ci_lower, s2.ci_upper):
        row["ci_lower"], row["ci_upper"] = float(lo), float(hi)  # percentile bootstrap intervals
    prov = provenance([p["panel"], p["indices"]], cfg, SECTIONS)
    doc = make_result(
        model="efficiency.sw07", dependent="shephard_distance_ccr_input", coefficients=coefs,
        covariance={"type": "parametric_bootstrap", "options": {"replications": ss["replications"],
                                                                 "algorithm": "Simar-Wilson 2007 #1"}},
        nobs=s2.nobs, n_entities=int(d2["region_code"].nunique()), n_periods=int(d2["year"].nunique()),
        spec={"covariates": cols, **{k: v for k, v in ss.items() if k != "covariates"}}, provenance=prov,
        label="Second stage: truncated regression of CCR Shephard distances (>1) on covariates",
        fit={"sigma": s2.sigma, "n_truncated_efficient": s2.n_truncated},
        extra={"note": "positive coefficient = more inefficiency (distance >= 1); efficient DMUs (distance 1) "
                       "are left out as in Simar & Wilson (2007)"}, ci_level=ss["ci_level"])
    write_result(res / "second_stage.json", doc)
    written.append(res / "second_stage.json")
    summary = {
        "inputs": inputs, "outputs": outputs, "capital": cap,
        "excluded_region_years": excluded.to_dict(orient="records"),
        "bootstrap": {**bs_spec, "bandwidth_by_year": bs.groupby("year")["bandwidth"].first().to_dict()},
        "n_dmus_by_year": scores.groupby("year").size().to_dict(),
        "provenance": prov,
    }
    write_json(res / "efficiency.json", summary)
    written.append(res / "efficiency.json")
    written += _figures_and_artefacts(cfg, by_year, malm_summary, res, prov)
    return written


def efficiency_figure(by_year, malm_summary, lang: str = "en"):
    """Mean efficiency scores and the Malmquist index by year; fixed words in ``lang``
    (``clusternet.figure_words``)."""
    import matplotlib.pyplot as plt

    from clusternet.figure_words import words

    w = words(lang, "efficiency")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for col, lab in [("eff_ccr_input", w["ccr"]), ("eff_bcc_input", w["bcc"]), ("eff_sbm", w["sbm"]),
                     ("eff_dea_bc", w["dea_bc"])]:
        axes[0].plot(by_year["year"], by_year[col], marker="o", label=lab)
    axes[0].set_title(w["eff_title"])
    axes[0].legend(fontsize=7)
    for f, g in malm_summary.groupby("frontier"):
        axes[1].plot(g["year"], g["malmquist_geomean"], marker="o", label=w["malmquist"].format(frontier=w.get(f, f)))
    g = malm_summary[malm_summary["frontier"] == "contemporaneous"]
    axes[1].plot(g["year"], g["ec_geomean"], ls="--", label=w["ec"])
    axes[1].plot(g["year"], g["tc_geomean"], ls=":", label=w["tc"])
    axes[1].axhline(1.0, color="grey", lw=0.5)
    axes[1].set_title(w["malm_title"])
    axes[1].legend(fontsize=7)
    return fig


def _figures_and_artefacts(cfg, by_year, malm_summary, res: Path, prov) -> list[Path]:
    from clusternet import plotting
    from clusternet.artefacts import artefact, write_artefacts

    plotting.setup()
    stems = plotting.save_formats(efficiency_figure(by_year, malm_summary), res / "efficiency", provenance=prov)
    # the Chinese report's copy (issue 13), PNG only
    stems += plotting.save_formats(efficiency_figure(by_year, malm_summary, lang="zh"), res / "efficiency.zh",
                                   ("png",), prov)
    items = [
        artefact("table", res / "efficiency_by_year.csv", "Innovation efficiency by year (mean over provinces)",
                 "创新效率年度均值",
                 "CCR/BCC (input and output oriented, Farrell scores), scale efficiency and SBM (Tone 2001) on "
                 "each year's frontier; eff_dea_bc: Simar-Wilson (1998) bias-corrected CCR score."),
        artefact("table", res / "malmquist.csv", "Malmquist productivity index and decomposition",
                 "Malmquist生产率指数及其分解",
                 "Geometric means over provinces; EC = efficiency change, TC = technical change; "
                 "contemporaneous (Färe et al. 1994) and global (Pastor & Lovell 2005) frontiers; >1 = improvement."),
        artefact("figure", res / "efficiency.png", "Innovation efficiency and productivity change",
                 "创新效率与生产率变化", path_zh=res / "efficiency.zh.png"),
    ]
    write_artefacts(res / "artefacts.json", "efficiency", "Innovation efficiency (DEA)", "创新效率（DEA）", items)
    return [Path(s) for s in stems] + [res / "artefacts.json"]
