"""Validity of a network's node measures against observed technology-market flows.

Each node measure is paired with the observed series it should track (``MEASURES``):
outgoing measures with the outflow (province as seller), incoming ones with the inflow
(province as buyer), undirected ones with their sum. Two correlations per measure:

- **across** provinces: Pearson and Spearman correlation within each year, averaged over years
  (cross-sectional size: large provinces are large on every measure);
- **within** provinces: Pearson correlation of the two-way demeaned values (residuals of a
  regression on province and year dummies over the province-years where both are observed;
  for a balanced panel this is ``x_it - x_i. - x_.t + x_..``). This is what a two-way
  fixed-effects model uses, so a measure that fails here cannot stand in for the flows in
  such a model.

A measure **passes** when both the mean across-province Spearman correlation and the
within-province correlation reach ``threshold`` (config ``network.validity.pass_correlation``).
Strength totals of a flow-anchored network equal the observed series by construction; they are
marked ``mechanical`` (their pass is not evidence about the modelled allocation).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

MEASURES = {
    "out_strength_total": "out", "in_strength_total": "in",
    "out_strength": "out", "in_strength": "in",
    "out_degree": "out", "in_degree": "in",
    "out_degree_centrality": "out", "in_degree_centrality": "in",
    "degree_centrality": "total", "betweenness": "total",
    "harmonic_out": "out", "harmonic_in": "in",
    "pagerank": "in", "eigenvector": "in",
    "core_number": "total", "coreness_be": "total",
}
MECHANICAL = ("out_strength_total", "in_strength_total")


def two_way_residuals(df: pd.DataFrame, columns: list[str], entity: str = "region_code",
                      time: str = "year", tolerance: float = 1e-13, max_iterations: int = 10_000) -> np.ndarray:
    """Residuals of each column on entity and time dummies (unbalanced panels allowed), by
    alternating demeaning (the method of alternating projections: it converges to the
    least-squares residuals; one pass is exact for a balanced panel)."""
    groups_e = df[entity].to_numpy()
    groups_t = df[time].to_numpy()
    y = df[columns].to_numpy(float).copy()
    _, e_idx = np.unique(groups_e, return_inverse=True)
    _, t_idx = np.unique(groups_t, return_inverse=True)
    ne, nt = e_idx.max() + 1, t_idx.max() + 1
    ce = np.bincount(e_idx, minlength=ne).astype(float)
    ct = np.bincount(t_idx, minlength=nt).astype(float)
    scale = max(1.0, float(np.abs(y).max())) if y.size else 1.0
    for _ in range(max_iterations):
        change = 0.0
        for idx, counts, n in ((e_idx, ce, ne), (t_idx, ct, nt)):
            means = np.column_stack([np.bincount(idx, weights=y[:, k], minlength=n) for k in range(y.shape[1])])
            means /= counts[:, None]
            y -= means[idx]
            change = max(change, float(np.abs(means).max()))
        if change <= tolerance * scale:
            break
    return y


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.std(a) <= 1e-14 * max(1.0, np.abs(a).max()) or np.std(b) <= 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def validity_tables(node_df: pd.DataFrame, panel: pd.DataFrame, networks: dict[str, dict], *,
                    inflow: str | None, outflow: str | None, threshold: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary by network and measure, correlations by year).

    ``networks``: name -> {"prefix": column prefix in node_df, "source": flow|gravity|edges}."""
    obs = panel[["region_code", "year"]].copy()
    have = {}
    if outflow:
        obs["out"] = panel[outflow].astype(float)
        have["out"] = outflow
    if inflow:
        obs["in"] = panel[inflow].astype(float)
        have["in"] = inflow
    if outflow and inflow:
        obs["total"] = obs["out"] + obs["in"]
        have["total"] = f"{outflow} + {inflow}"
    merged = node_df.merge(obs, on=["region_code", "year"], how="left")
    summary, by_year = [], []
    for net_name, info in networks.items():
        for measure, direction in MEASURES.items():
            col = info["prefix"] + measure
            if col not in merged.columns or direction not in have:
                continue
            ok = merged[["region_code", "year", col, direction]].dropna()
            yearly = []
            for year, grp in ok.groupby("year", sort=True):
                n = len(grp)
                x, y = grp[col].to_numpy(float), grp[direction].to_numpy(float)
                pr = _corr(x, y)
                # Spearman = Pearson of average ranks (as scipy.stats.spearmanr)
                sr = _corr(stats.rankdata(x), stats.rankdata(y)) if np.isfinite(pr) else float("nan")
                yearly.append((pr, sr))
                by_year.append({"network": net_name, "measure": measure, "column": col, "observed": have[direction],
                                "year": int(year), "n": n, "pearson": pr, "spearman": sr})
            within = float("nan")
            if len(ok) >= 5:
                res = two_way_residuals(ok, [col, direction])
                within = _corr(res[:, 0], res[:, 1])
            across_p = float(np.nanmean([p for p, _ in yearly])) if yearly and np.isfinite([p for p, _ in yearly]).any() else float("nan")
            across_s = float(np.nanmean([s for _, s in yearly])) if yearly and np.isfinite([s for _, s in yearly]).any() else float("nan")
            passed = bool(np.isfinite(within) and np.isfinite(across_s) and within >= threshold
                          and across_s >= threshold)
            summary.append({"network": net_name, "source": info["source"], "measure": measure, "column": col,
                            "observed": have[direction], "n": int(len(ok)), "across_pearson_mean": across_p,
                            "across_spearman_mean": across_s, "within_pearson": within,
                            "mechanical": bool(info["source"] == "flow" and measure in MECHANICAL),
                            "pass": passed})
    cols = ["network", "source", "measure", "column", "observed", "n", "across_pearson_mean",
            "across_spearman_mean", "within_pearson", "mechanical", "pass"]
    return (pd.DataFrame(summary, columns=cols),
            pd.DataFrame(by_year, columns=["network", "measure", "column", "observed", "year", "n",
                                           "pearson", "spearman"]))


def validity_markdown(summary: pd.DataFrame, threshold: float) -> str:
    lines = ["# Validity of the networks against observed technology-market flows", "",
             f"A measure passes when its mean across-province Spearman correlation and its within-province "
             f"(two-way demeaned) correlation with the observed series both reach {threshold:g}. "
             "Mechanical: equal to the observed series by construction.", "",
             "| network | measure | observed | across Spearman (mean) | within r | pass |",
             "|---|---|---|---|---|---|"]

    def f(x):
        return "–" if not np.isfinite(x) else f"{x:.3f}"

    for r in summary.to_dict("records"):
        mark = "yes" if r["pass"] else "no"
        if r["mechanical"]:
            mark += " (mechanical)"
        lines.append(f"| {r['network']} | {r['measure']} | {r['observed']} | {f(r['across_spearman_mean'])} | "
                     f"{f(r['within_pearson'])} | {mark} |")
    passing = summary[summary["pass"] & ~summary["mechanical"]]
    lines += ["", "Measures that pass (excluding mechanical ones): "
              + (", ".join(f"{n}:{m}" for n, m in zip(passing["network"], passing["measure"])) or "none") + "."]
    return "\n".join(lines) + "\n"
