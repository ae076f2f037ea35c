"""Monte Carlo recovery of the registered estimands on simulated panels (issue 17; docs/simulate.md).

For each replication r the DGP of ``clusternet simulate`` (config/simulated/dgp.yaml) draws a new
panel (seed ``SeedSequence([seed, 17, r])``) on the real regions and weights of the level (31
provinces or the 296 prefecture-level cities); each estimand is fitted through the pipeline's
own estimator table (``clusternet.models.runner.fit_specification``) with the specification of
the simulated project's models.yaml (the same regressors, controls, sample years 2013-2022,
covariance), and compared with its true value: bias, RMSE and the coverage of the 95 % interval.

The panel is the DGP's structural variables directly, without writing files and running the
panel stage: that stage returns exactly these values (the raw variables are backed out of them;
tests/simulate/test_simulate.py), and skipping it makes 200 replications affordable on 2 cores.
The spatial lags W_<v> are computed with the project's queen weights (row-standardised, islands
linked to the nearest region by boundary gap), as the models stage does.

    python benchmarks/bench_simulate.py                   # 200 replications at N = 31 and N = 296
    python benchmarks/bench_simulate.py --reps 20 --sizes 31
    python benchmarks/bench_simulate.py --spatial 50      # also the SDM (ML) with 50 replications
"""
from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from clusternet.config import load_config, read_yaml  # noqa: E402
from clusternet.models.runner import apply_defaults, fit_specification  # noqa: E402
from clusternet.simulate.dgp import CONTROLS, Parameters, simulate_core, truth  # noqa: E402
from clusternet.simulate.project import (  # noqa: E402
    SIMULATED_SEED_TASK,
    project_models,
    simulated_codes,
    weights_matrix,
)
from scipy import stats  # noqa: E402

LINEAR = ["baseline_twfe", "baseline_twfe_dk", "h_m1_sharing_slx", "h_m2_st_share", "h_m2_gov_rd",
          "h_m2_pilot_did", "h_m3_own_ent_rd", "h_m3_own_ent_rd_flow", "h_m4_hitech_firms", "h_m4_ent_share"]
# heterogeneity-robust DID on the outcome with the staggered effects (the verdict's robustness
# estimators), the threshold and the mediation mechanisms, as the simulated project declares them
OTHER = ["h_m2_pilot_cs_flow", "h_m2_pilot_bjs_flow", "h_m5_threshold", "sim_mediation"]
# Driscoll-Kraay variants beside the registered one (plm's defaults: no small-sample factor, normal
# reference, bandwidth floor(T^1/4)): the sss factor with t(T - 1) critical values, and T = 15
DK_VARIANTS = {"baseline_twfe_dk_sss_t": {"cov": {"type": "driscoll_kraay", "small_sample": "sss", "bandwidth": "plm"}},
               "baseline_twfe_dk_T15": {"sample": {"years": {"first": 2009, "last": 2023}}}}
# Why DK under-covers here: the baseline's error holds the omitted (independent) enterprise R&D terms,
# whose region trends and AR(1) shocks make the time sums of the scores persistent beyond the
# bandwidth of 1. With those terms among the controls the error is iid: DK and CR1 again.
FULL_CONTROLS = ["ln_rd_funds_ent_real", "W_ln_rd_funds_ent_real"]
COLUMNS = ["dig_finance_index", "ln_rd_funds_ent_real", "st_spending_share", "gov_rd_share", "ent_rd_share",
           "ln_hitech_ind_firms", "dig_integration_index", "college_per_10k", "ln_patent_grant_invention",
           "ln_techmkt_seller_value_real", "ln_techmkt_buyer_value_real", "ln_patent_app", "ln_rd_fte", *CONTROLS]


def frame(codes, years, v, W, adopt):
    n, T = len(codes), len(years)
    out = pd.DataFrame({"region_code": np.repeat(np.array(codes, dtype="int64"), T),
                        "year": np.tile(years.astype("int64"), n)})
    for c in COLUMNS:
        out[c] = v[c].reshape(-1)
    for c in ("dig_finance_index", "ln_rd_funds_ent_real"):
        out["W_" + c] = (W @ v[c]).reshape(-1)
    g = out["region_code"].map(adopt)
    out["pilot_zone"] = ((g.notna()) & (out["year"] >= g.fillna(9999))).astype(float)
    return out


def specs(mediation_bootstrap: int, threshold_bootstrap: int, only: list[str] | None = None):
    models = project_models(read_yaml(ROOT / "config" / "models.yaml"), {}, 1, "prefecture")
    defaults = models.get("defaults") or {}
    out = {}
    for s in models["specifications"]:
        if s["name"] in LINEAR or s["name"] in OTHER:
            s = apply_defaults(copy.deepcopy(s), defaults)
            s.pop("spatial_lags", None)  # W_<v> columns are in the frame
            s.pop("policy_dummy", None)  # pilot_zone is in the frame (simulated adoption years)
            (s.get("options") or {}).pop("policy", None)  # adoption years set per replication
            s["seed"] = 1
            out[s["name"]] = s
    out["sim_mediation"]["options"]["bootstrap"] = mediation_bootstrap
    out["h_m5_threshold"]["options"]["bootstrap_reps"] = threshold_bootstrap  # the F test only; not the CIs
    for name, change in DK_VARIANTS.items():
        out[name] = {**copy.deepcopy(out["baseline_twfe_dk"]), **copy.deepcopy(change), "name": name}
    for base in ("baseline_twfe", "baseline_twfe_dk", "baseline_twfe_dk_sss_t"):
        out[base + "_full"] = {**copy.deepcopy(out[base]), "name": base + "_full",
                               "controls": [*out[base]["controls"], *FULL_CONTROLS]}
    if only:
        out = {k: v for k, v in out.items() if k in only}
    spatial = read_yaml(ROOT / "config" / "spatial.yaml")["models"]
    sdm = next(s for s in spatial["specifications"] if s["name"] == "sdm_invention_queen")
    sdm = {**apply_defaults(copy.deepcopy(sdm), spatial["defaults"]), "y": "ln_patent_app", "seed": 1}
    sdm["options"] = {**sdm.get("options", {}), "effects_draws": 200}
    return out, sdm


def run(size: int, reps: int, spatial_reps: int, seed: int, params: Parameters, mediation_bootstrap: int = 199,
        threshold_bootstrap: int = 0, checkpoint: Path | None = None, offset: int = 0,
        only: list[str] | None = None) -> dict:
    level = "province" if size <= 31 else "prefecture"
    codes = simulated_codes(level)
    load_config(ROOT / "config" / "config.yaml")
    W = weights_matrix(codes, level, read_yaml(ROOT / "config" / "spatial.yaml")["weights"]["queen"])
    years = np.arange(params.first_year, params.last_year + 1)
    linear, sdm = specs(mediation_bootstrap, threshold_bootstrap, only)
    rows: dict[tuple, list] = {}
    seconds_by: dict[str, float] = {}
    t0 = time.perf_counter()
    for r in range(reps):
        rng = np.random.default_rng(np.random.SeedSequence([seed, SIMULATED_SEED_TASK, offset + r]))
        v, adopt = simulate_core(rng, codes, W, params)
        true = truth(params, W, v, adopt, (2013, 2022))
        for variant in ("dk_sss_t", "dk_T15", "_full", "dk_full", "dk_sss_t_full"):
            true["baseline_twfe" + ("_" + variant if not variant.startswith("_") else variant)] = true["baseline_twfe"]
        data = frame(codes, years, v, W, adopt)
        for name, spec in linear.items():
            t1 = time.process_time()
            if name.startswith("h_m2_pilot_") and spec["model"] != "twfe":
                spec = {**spec, "options": {**spec["options"], "adoption_years": adopt}}
            doc = fit_specification(data, spec)
            seconds_by[name] = seconds_by.get(name, 0.0) + time.process_time() - t1
            coef = {c["name"]: c for c in doc["coefficients"]}
            if name == "h_m5_threshold":  # gamma-hat and its LR-inversion interval (Hansen 1999)
                g = doc["extra"]["threshold"]["estimates"][0]
                coef["gamma"] = {"name": "gamma", "estimate": g["estimate"], "ci_lower": g["ci_lower"],
                                 "ci_upper": g["ci_upper"], "std_error": None}
            for term, value in true[name].items():
                c = coef[term]
                lo, hi = c["ci_lower"], c["ci_upper"]
                if name.startswith("baseline_twfe_dk_sss_t"):  # t(T - 1) reference distribution (T time sums)
                    q = stats.t.ppf(0.975, doc["n_periods"] - 1)
                    lo, hi = c["estimate"] - q * c["std_error"], c["estimate"] + q * c["std_error"]
                rows.setdefault((name, term), []).append((c["estimate"], lo, hi, value))
        if r < spatial_reps:
            import scipy.sparse as sp

            from clusternet.data import regions
            from clusternet.spatial.weights import SpatialWeights

            t1 = time.process_time()
            with regions.using(level, codes):
                wobj = SpatialWeights(tuple(codes), sp.csr_matrix(W), {"name": "queen", "normalise": "row"})
                doc = fit_specification(data, sdm, section="spatial", weights=wobj)
            seconds_by["sdm_invention_queen"] = seconds_by.get("sdm_invention_queen", 0.0) + time.process_time() - t1
            coef = {c["name"]: c for c in doc["coefficients"]}
            for term in ("rho", "dig_finance_index", "W*dig_finance_index"):
                if term in coef:
                    c = coef[term]
                    rows.setdefault(("sdm_invention_queen", term), []).append(
                        (c["estimate"], c["ci_lower"], c["ci_upper"], true["sdm_invention_queen"][term]))
            impacts = (doc["extra"]["spatial"]["effects"].get("variables") or {}).get("dig_finance_index") or {}
            for kind in ("direct", "indirect", "total"):
                e = impacts.get(kind) or {}
                if e.get("estimate") is not None:
                    rows.setdefault(("sdm_invention_queen", kind), []).append(
                        (e["estimate"], e.get("ci_lower"), e.get("ci_upper"), true["sdm_invention_queen"][kind]))
                    d = e.get("delta_method") or {}
                    if d.get("ci_lower") is not None:  # the delta-method interval beside the simulated one
                        rows.setdefault(("sdm_invention_queen", kind + " (delta method)"), []).append(
                            (e["estimate"], d["ci_lower"], d["ci_upper"], true["sdm_invention_queen"][kind]))
        if checkpoint is not None and (r + 1) % 10 == 0:  # partial figures, so a long run can be read early
            checkpoint.write_text(json.dumps(_result(codes, years, r + 1, time.perf_counter() - t0, rows, seconds_by),
                                             indent=1, sort_keys=True))
    return _result(codes, years, reps, time.perf_counter() - t0, rows, seconds_by)


def _result(codes, years, reps: int, seconds: float, rows: dict, seconds_by: dict) -> dict:
    summary = {}
    for (name, term), vals in sorted(rows.items()):
        a = np.array([[np.nan if x is None else x for x in row] for row in vals], dtype=float)
        est, lo, hi, tv = a.T
        summary[f"{name}:{term}"] = {"reps": len(a), "true_mean": float(tv.mean()), "bias": float(np.mean(est - tv)),
                                     "rmse": float(np.sqrt(np.mean((est - tv) ** 2))),
                                     "coverage": float(np.nanmean((lo <= tv) & (tv <= hi))),
                                     "mean_ci_width": float(np.nanmean(hi - lo))}
    return {"N": len(codes), "T": len(years), "reps": reps, "seconds": seconds, "estimands": summary,
            "cpu_seconds_by_specification": dict(seconds_by)}


def combine(parts: list[dict]) -> dict:
    """One result from runs over disjoint replications (``--offset``) of the same N: bias, squared
    RMSE, coverage and width are means over replications, so they combine weighted by reps."""
    out = {"N": parts[0]["N"], "T": parts[0]["T"], "reps": sum(p["reps"] for p in parts),
           "seconds": sum(p["seconds"] for p in parts), "estimands": {},
           "cpu_seconds_by_specification": {k: sum(p["cpu_seconds_by_specification"].get(k, 0.0) for p in parts)
                                            for k in parts[0]["cpu_seconds_by_specification"]}}
    for key in parts[0]["estimands"]:
        es = [p["estimands"][key] for p in parts if key in p["estimands"]]
        n = np.array([e["reps"] for e in es], dtype=float)

        def mean(field, es=es, n=n):
            return float(np.sum(n * np.array([e[field] for e in es])) / n.sum())

        out["estimands"][key] = {"reps": int(n.sum()), "true_mean": mean("true_mean"), "bias": mean("bias"),
                                 "rmse": float(np.sqrt(np.sum(n * np.array([e["rmse"] ** 2 for e in es])) / n.sum())),
                                 "coverage": mean("coverage"), "mean_ci_width": mean("mean_ci_width")}
    return out


def print_table(res: dict) -> None:
    print(f"\nN = {res['N']}, T = {res['T']}, {res['reps']} replications, {res['seconds']:.0f} s")
    print("CPU s per specification:", {k: round(v, 1) for k, v in res["cpu_seconds_by_specification"].items()})
    print("| estimand | reps | true | bias | RMSE | mean CI width | 95 % coverage |\n|---|---|---|---|---|---|---|")
    for k, e in res["estimands"].items():
        print(f"| {k} | {e['reps']} | {e['true_mean']:.4g} | {e['bias']:.3g} | {e['rmse']:.3g} | "
              f"{e.get('mean_ci_width', float('nan')):.3g} | {e['coverage']:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--sizes", type=int, nargs="+", default=[31, 296])
    ap.add_argument("--spatial", type=int, default=0, help="replications of the SDM (ML; slower)")
    ap.add_argument("--seed", type=int, default=20240517)
    ap.add_argument("--mediation-bootstrap", type=int, default=199,
                    help="cluster-bootstrap draws of the mediation's indirect-effect interval (the project's 199)")
    ap.add_argument("--offset", type=int, default=0,
                    help="first replication index (to split a run over processes; figures combine by reps)")
    ap.add_argument("--only", nargs="+", default=None, help="fit only these specifications (names)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures to this JSON file")
    ap.add_argument("--combine", type=Path, nargs="+", default=None,
                    help="print the combined table of JSON results of split runs (--offset) and exit")
    args = ap.parse_args()
    if args.combine:
        loaded = [json.loads(f.read_text()) for f in args.combine]  # a run's list, or a partial file's dict
        parts = [p for d in loaded for p in (d if isinstance(d, list) else [d])]
        for n in sorted({p["N"] for p in parts}, reverse=True):
            res = combine([p for p in parts if p["N"] == n])
            print_table(res)
            if args.json:
                args.json.write_text(json.dumps([res], indent=1, sort_keys=True))
        return
    params = Parameters.from_dict(read_yaml(ROOT / "config" / "simulated" / "dgp.yaml")["parameters"])
    results = [run(n, args.reps, args.spatial, args.seed, params, args.mediation_bootstrap,
                   checkpoint=None if args.json is None else args.json.with_suffix(f".N{n}.partial.json"),
                   offset=args.offset, only=args.only)
               for n in args.sizes]
    for res in results:
        print_table(res)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
