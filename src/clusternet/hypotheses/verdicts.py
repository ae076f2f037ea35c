"""Research-design v2 verdicts: power, few-cluster inference, multiple testing, specification
curves (docs/hypotheses.md, "Verdicts that carry their power").

For each testable (class A/B) hypothesis the primary estimand is read from its result
document; when the analysis panel is available and the primary specification is a linear panel
model (``pooled``, ``fe``, ``fe_time``, ``twfe``; spatial lags and policy dummies included), the
stage also

- rebuilds the estimator's design and computes the restricted wild cluster bootstrap p-value
  (:mod:`clusternet.models.wildboot`), which governs the verdict when the number of clusters is
  below ``inference.wild_bootstrap.cluster_threshold``;
- for a policy treatment (a dummy or an intensity of ``config/policies.yaml``), the
  randomisation-inference p-value (:mod:`clusternet.models.randomisation`), which governs under
  ``inference.governing: auto`` (the default) when fewer than
  ``inference.randomisation.treated_threshold`` (20) clusters are treated; ``governing`` may
  also name ``randomisation``, ``wild_bootstrap`` or ``cluster_t`` for every estimand;
- simulates power on the real design (:func:`clusternet.models.power.simulate_power`): MDE and
  the simulated size of the nominal and of the wild test;
- fits the specification curve (:mod:`clusternet.models.speccurve`).

Every estimand with a standard error gets the analytic MDE and the TOST p-value against the
smallest effect size of interest (SESOI, within-SD units). Governing p-values are adjusted across
the registry (Holm, BH); ``multiple_testing.adjustment`` picks the one the verdict uses.

Verdicts (:func:`decide`): ``supported`` (adjusted p < α, expected sign), ``contradicted``
(adjusted p < α, opposite sign), ``effect_bounded`` (not significant, and the one-sided test
rejects effects ≥ SESOI in the expected direction at α), ``inconclusive`` (otherwise),
``not_testable`` (class C).
"""
from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd

from clusternet.errors import ClusternetError

VERDICTS = ("supported", "contradicted", "effect_bounded", "inconclusive", "not_testable")
SIGNS = {"positive": 1, "negative": -1, "nonzero": 0}
LINEAR = ("pooled", "fe", "fe_time", "twfe")

DEFAULTS: dict[str, Any] = {
    "sesoi": 0.2,
    "power": {"target": 0.8, "simulations": 99, "inner_reps": 99, "grid_se": [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6]},
    "wild_bootstrap": {"reps": 999, "weights": "webb", "cluster_threshold": 50},
    "randomisation": {"reps": 499, "treated_threshold": 20},
    "governing": "auto",
    "adjustment": "holm",
    "spec_curve": {"enabled": True, "max_specifications": 100, "wild_reps": 199,
                   "downgrade": False, "min_share": 0.5, "share": "expected_sign"},
}


def settings(reg: dict) -> dict:
    """Registry-level settings with defaults filled in."""
    inf = reg.get("inference") or {}
    wb = {**DEFAULTS["wild_bootstrap"], **(inf.get("wild_bootstrap") or {})}
    ri = {**DEFAULTS["randomisation"], **(inf.get("randomisation") or {})}
    pw = {**DEFAULTS["power"], **(reg.get("power") or {})}
    sc_cfg = reg.get("spec_curve") or {}
    sc = {**DEFAULTS["spec_curve"], **{k: v for k, v in sc_cfg.items() if k not in ("defaults", "control_sets")}}
    sc["defaults"] = dict(sc_cfg.get("defaults") or {})
    sc["control_sets"] = dict(sc_cfg.get("control_sets") or {})
    mt = reg.get("multiple_testing") or {}
    return {"sesoi": float(reg.get("sesoi", DEFAULTS["sesoi"])), "power": pw, "wild": wb, "ri": ri,
            "governing": str(inf.get("governing", DEFAULTS["governing"])),
            "adjustment": mt.get("adjustment", DEFAULTS["adjustment"]), "spec_curve": sc}


def decide(estimate, p_value, expected_sign: str, alpha: float, tost_p=None, ci=(None, None)) -> str:
    """The five-way rule of the module docstring (class C is decided by the caller)."""
    if estimate is None:
        return "inconclusive"
    lo, hi = ci
    if p_value is not None:
        significant = p_value < alpha
    elif lo is not None and hi is not None:
        significant = lo > 0 or hi < 0
    else:
        significant = False
    if significant:
        if expected_sign == "nonzero":
            return "supported"
        if estimate != 0:
            return "supported" if np.sign(estimate) == SIGNS[expected_sign] else "contradicted"
    if expected_sign != "nonzero" and tost_p is not None and tost_p < alpha:
        return "effect_bounded"
    return "inconclusive"


def _seed(base: int, *parts) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(base), zlib.crc32(":".join(map(str, parts)).encode())]))


def scale_for(data: pd.DataFrame, spec: dict, coef: str | None) -> dict | None:
    """Within-SD scale of an estimand: x = the coefficient's column when it is one (else the
    specification's first x), y = the dependent variable, over the specification's sample."""
    from clusternet.models.policy import add_policy_dummy
    from clusternet.models.power import effect_scale
    from clusternet.data.analysis import select_sample
    from clusternet.models.spatial_lags import add_spatial_lags

    try:
        frame = select_sample(add_policy_dummy(add_spatial_lags(data, spec), spec), spec)
    except ClusternetError:
        return None
    x = spec.get("x")
    x = [x] if isinstance(x, str) else list(x or [])
    col = coef if coef in frame.columns else (x[0] if x and x[0] in frame.columns else None)
    y = spec.get("y")
    if y not in frame.columns:
        return None
    cols = [c for c in dict.fromkeys([spec.get("entity", "region_code"), y, col]) if c]
    sub = frame[cols].dropna()
    if len(sub) < 3:
        return None
    codes = pd.factorize(sub[spec.get("entity", "region_code")], sort=True)[0]
    out = effect_scale(None if col is None else sub[col].to_numpy(float), sub[y].to_numpy(float), codes)
    out["x"] = col
    out["y"] = y
    return out


def _cached_scale():
    """scale_for(...)["factor"] memoised on what it depends on (y, x column, sample, lags, dummy)."""
    import json

    cache: dict = {}

    def scale(frame, spec, coef):
        key = json.dumps([spec.get("y"), coef, spec.get("x"), spec.get("sample"), spec.get("spatial_lags"),
                          spec.get("policy_dummy")], sort_keys=True, default=str)
        if key not in cache:
            cache[key] = (scale_for(frame, spec, coef) or {}).get("factor")
        return cache[key]

    return scale


def _df_of(doc: dict) -> float | None:
    cov = doc.get("covariance") or {}
    g = cov.get("n_clusters")
    if isinstance(g, int) and g > 1:
        return float(g - 1)
    return None


def linear_extras(data: pd.DataFrame, spec: dict, coef: str, *, expected: int, alpha: float, sesoi: float,
                  st: dict, seed: int, hid: str) -> dict:
    """Wild bootstrap, randomisation inference, simulated power and TOST for a linear estimand."""
    from clusternet.models.randomisation import randomisation_pvalue
    from clusternet.models.power import analytic_mde, simulate_power, tost_t, tost_wild
    from clusternet.models.speccurve import narrow
    from clusternet.models.wildboot import cluster_t, draw_weights, linear_design, wild_pvalue

    frame = narrow(data, spec)
    design = linear_design(frame, spec)
    G = design.n_clusters
    est, se, _ = cluster_t(design, coef)
    w = draw_weights(_seed(seed, hid, "wild"), G, int(st["wild"]["reps"]), st["wild"]["weights"])
    wild = wild_pvalue(design, coef, weights=w)
    wild["weights"] = st["wild"]["weights"]
    scale = scale_for(data, spec, coef)
    factor = scale["factor"] if scale else None
    out = {"wild": wild, "n_clusters": G, "scale": scale, "cluster_se": se}
    sign = expected if expected != 0 else 1
    pw = st["power"]
    sim = simulate_power(design, coef, alpha=alpha, power=float(pw["target"]), outer=int(pw["simulations"]),
                         inner=int(pw["inner_reps"]), kind=st["wild"]["weights"],
                         rng=_seed(seed, hid, "power"), grid_se=np.asarray(pw["grid_se"], float), sign=sign)
    use_wild = int(st["wild"]["cluster_threshold"]) > G
    mde_se = sim["mde_wild"] if use_wild else sim["mde_cluster_t"]
    out["simulation"] = sim
    out["mde_simulated_raw"] = None if mde_se is None else mde_se * se
    out["governing"] = "wild_bootstrap" if use_wild else "cluster_t"
    out["p_governing"] = wild["p_value"] if use_wild else None
    bound = sesoi / factor if factor else None
    if bound is not None and expected != 0:
        out["tost_p"] = tost_wild(design, coef, bound, sign, w) if use_wild else tost_t(est, se, bound, G - 1, sign)
    policy = spec.get("policy_dummy") or {}
    if policy.get("name") == coef:
        adoption = {int(k): int(v) for k, v in (policy.get("adoption_years") or {}).items()}
        ri = randomisation_pvalue(design, coef, _seed(seed, hid, "ri"), int(st["ri"]["reps"]), adoption,
                                  paths=policy.get("intensity"))
        out["randomisation"] = ri
        few_treated = ri["n_treated_clusters"] < int(st["ri"].get("treated_threshold", 20))
        if st.get("governing", "auto") == "randomisation" or (st.get("governing", "auto") == "auto" and few_treated):
            out["governing"] = "randomisation"
            out["p_governing"] = ri["p_value"]
    if st.get("governing", "auto") == "wild_bootstrap":
        out["governing"], out["p_governing"] = "wild_bootstrap", wild["p_value"]
    elif st.get("governing", "auto") == "cluster_t":
        out["governing"], out["p_governing"] = "cluster_t", None
    out["mde_analytic_raw"] = analytic_mde(se, alpha=alpha, power=float(pw["target"]), df=G - 1)
    return out


def companion_extras(store, h: dict, data: pd.DataFrame | None, st: dict, seed: int, alpha: float,
                     expected: str) -> dict | None:
    """Companion estimands of a hypothesis (issue 15: a second policy beside the one that decides):
    each one's evidence row, the randomisation p-value of a policy-dummy companion (same draws
    setting and seeding rule as the estimand, stream named by the companion) and the pre-trend
    sensitivity of the first companion event study. Not part of the verdict."""
    from clusternet.hypotheses import registry as H
    from clusternet.models.randomisation import randomisation_pvalue
    from clusternet.models.speccurve import narrow
    from clusternet.models.wildboot import linear_design

    refs = h.get("companions") or []
    if not refs:
        return None
    out: dict[str, Any] = {"evidence": [], "randomisation": {}, "pretrends": None}
    for ref in refs:
        est = H.Estimand.from_dict(ref)
        doc, path = store.get(est, h["id"])
        row = H.lookup(doc, est, h["id"], path)
        out["evidence"].append(H.evidence(est, row, path, expected, alpha))
        spec = dict(doc.get("spec") or {})
        policy = spec.get("policy_dummy") or {}
        if data is None or spec.get("model") not in LINEAR or est.coefficient is None \
                or policy.get("name") != est.coefficient:
            continue
        try:
            design = linear_design(narrow(data, spec), spec)
            adoption = {int(k): int(v) for k, v in (policy.get("adoption_years") or {}).items()}
            out["randomisation"][est.specification] = randomisation_pvalue(
                design, est.coefficient, _seed(seed, h["id"], "ri", est.specification), int(st["ri"]["reps"]),
                adoption, paths=policy.get("intensity"))
        except ClusternetError as exc:
            out["randomisation"][est.specification] = {"p_value": None, "note": f"skipped: {exc}"}
    out["pretrends"] = event_study_sensitivity(store, {"id": h["id"], "robustness": refs})
    return out


def event_study_sensitivity(store, h: dict) -> dict | None:
    """Joint pre-trend test and Rambachan-Roth smoothness sensitivity (breakdown value M̄) of the
    first event-study document (``did.twfe``) among a hypothesis's estimand and robustness checks
    (:mod:`clusternet.models.honest_did`); None when it cites none."""
    from clusternet.hypotheses import registry as H
    from clusternet.models.honest_did import sensitivity_from_document

    for ref in [h.get("estimand") or {}, *(h.get("robustness") or [])]:
        try:
            doc, path = store.get(H.Estimand.from_dict(ref), h["id"])
        except (ClusternetError, KeyError, TypeError):
            continue
        names = (doc.get("vcov") or {}).get("names") or []
        if doc.get("model") != "did.twfe" or not any(n.startswith("event[-") for n in names):
            continue
        try:
            out = sensitivity_from_document(doc)
        except ClusternetError as exc:
            return {"specification": ref.get("specification"), "note": f"sensitivity skipped: {exc}"}
        out["specification"] = ref.get("specification")
        return out
    return None


def curve_grid(h: dict, spec: dict, coef: str, st: dict, columns) -> tuple[dict, dict, dict]:
    """(grid over speccurve.DIMENSIONS, primary choice, control sets) for a hypothesis."""
    from clusternet.models.speccurve import index_columns

    sc = st["spec_curve"]
    merged = {**sc["defaults"], **{k: v for k, v in (h.get("spec_curve") or {}).items()
                                   if k not in ("enabled", "options", "test")}}
    sets = dict(sc["control_sets"])
    own = list(spec.get("controls") or [])
    primary_set = next((n for n, v in sets.items() if list(v) == own), None)
    if primary_set is None:
        primary_set = "primary"
        sets = {"primary": own, **sets}
    x = spec.get("x")
    xs = [x] if isinstance(x, str) else list(x or [])
    sample = (spec.get("sample") or {}).get("years") or {}
    inference0 = "cluster"
    grid: dict = {}
    if merged.get("index_methods", True) and any(v.startswith("dici") for v in [*xs, coef]):
        methods, _ = index_columns(columns)
        grid["index_method"] = ["default", *methods]
    grid["outcome"] = list(dict.fromkeys([spec["y"], *(merged.get("outcomes") or [])]))
    names = list(dict.fromkeys([primary_set, *(merged.get("controls") or list(sets))]))
    grid["controls"] = [n for n in names if n in sets]
    yrs = [dict(y) for y in (merged.get("years") or [])]
    if sample and sample not in yrs:
        yrs = [dict(sample), *yrs]
    if yrs:
        grid["years"] = yrs
    inf = list(merged.get("inference") or ["cluster"])
    if spec.get("model") not in LINEAR:
        inf = ["cluster"]
    grid["inference"] = list(dict.fromkeys([inference0, *inf]))
    primary = {"outcome": spec["y"], "controls": primary_set, "inference": inference0}
    if "index_method" in grid:
        primary["index_method"] = "default"
    if yrs:
        primary["years"] = dict(sample) if sample else yrs[0]
    return grid, primary, sets


def numeric_frame(data: pd.DataFrame) -> pd.DataFrame:
    """The analysis panel without text columns except ``group`` (as plain objects): the many
    refits of the curves and simulations spend their time in pandas, mostly on Arrow strings."""
    keep = {c: data[c] for c in data.columns if pd.api.types.is_numeric_dtype(data[c]) or
            pd.api.types.is_bool_dtype(data[c])}
    if "group" in data.columns:
        keep["group"] = data["group"].astype(object)
    return pd.DataFrame(keep, index=data.index)


def _row_p(row: dict):
    return row.get("p_value")


def evaluate_all(reg: dict, results_dir, data: pd.DataFrame | None = None, seed: int = 0) -> tuple[list[dict], dict]:
    """Verdict entries (the layout of verdicts.json) and the spec curves {id: curve}."""
    from clusternet.hypotheses import registry as H
    from clusternet.models.multitest import adjust
    from clusternet.models.power import analytic_mde, tost_t
    from clusternet.models.speccurve import run_curve

    st = settings(reg)
    store = H.DocumentStore(results_dir)
    if data is not None:
        data = numeric_frame(data)
    default_alpha = float(reg.get("alpha", 0.05))
    entries, curves = [], {}
    for h in reg["hypotheses"]:
        decision = h.get("decision", {})
        alpha = float(decision.get("alpha", default_alpha))
        expected = h["expected_sign"]
        sign = SIGNS[expected]
        cls = h.get("class", "B")
        sesoi = float(h.get("sesoi", st["sesoi"]))
        base = {"id": h["id"], "mechanism": h["mechanism"], "class": cls, "title_en": h["title_en"],
                "title_zh": h["title_zh"], "statement_en": h["statement_en"], "statement_zh": h["statement_zh"],
                "reasoning": h["reasoning"], "reasoning_zh": h.get("reasoning_zh"), "expected_sign": expected,
                "alpha": alpha, "sesoi": sesoi, "downgraded": False}
        empty: dict[str, Any] = {"estimate": None, "ci_lower": None, "ci_upper": None, "p_value": None, "p_raw": None,
                 "p_holm": None, "p_bh": None, "p_wild": None, "p_randomisation": None, "p_governing_source": None,
                 "estimate_sd": None, "ci_sd": None, "mde_analytic": None, "mde_analytic_sd": None,
                 "mde_simulated": None, "mde_simulated_sd": None, "size_nominal": None, "size_wild": None,
                 "tost_p": None, "robustness_share": None, "n_specifications": 0, "spec_curve": None,
                 "evidence": [], "robustness": [], "robustness_summary": {"n": 0, "agree": 0, "significant": 0},
                 "specifications": []}
        if cls == "C" or "estimand" not in h:
            entries.append({**base, **empty, "verdict": "not_testable",
                            "note": "not testable with public data as stated (class C); no estimate is a verdict"})
            continue
        est = H.Estimand.from_dict(h["estimand"])
        doc, path = store.get(est, h["id"])
        row = H.lookup(doc, est, h["id"], path)
        primary = H.evidence(est, row, path, expected, alpha)
        robust = []
        for r in h.get("robustness", []):
            r_est = H.Estimand.from_dict(r)
            r_doc, r_path = store.get(r_est, h["id"])
            robust.append(H.evidence(r_est, H.lookup(r_doc, r_est, h["id"], r_path), r_path, expected, alpha))
        e = {**base, **empty, "evidence": [primary], "robustness": robust,
             "robustness_summary": {"n": len(robust), "agree": sum(r["sign_agrees"] for r in robust),
                                    "significant": sum(r["verdict"] == "supported" for r in robust)},
             "specifications": sorted({primary["specification"], *(r["specification"] for r in robust)})}
        estimate, se = row.get("estimate"), row.get("std_error")
        e.update(estimate=estimate, ci_lower=row.get("ci_lower"), ci_upper=row.get("ci_upper"),
                 p_raw=_row_p(row), p_value=_row_p(row), p_governing_source="document")
        pretrends = event_study_sensitivity(store, h)
        if pretrends is not None:
            e["pretrends"] = pretrends  # joint pre-test and Rambachan-Roth breakdown (issue 15)
        companions = companion_extras(store, h, data, st, seed, alpha, expected)
        if companions is not None:
            e["companions"] = companions  # a second policy beside the deciding one (issue 15)
        spec = dict(doc.get("spec") or {})
        df = _df_of(doc)
        power_target = float(st["power"]["target"])
        e["mde_analytic"] = analytic_mde(se, alpha=alpha, power=power_target, df=df)
        extras = None
        scale = None
        if data is not None and spec.get("y"):
            scale = scale_for(data, spec, est.coefficient) if est.test is None else None
            if est.source == "models" and spec.get("model") in LINEAR and est.coefficient and est.test is None:
                try:
                    extras = linear_extras(data, spec, est.coefficient, expected=sign, alpha=alpha, sesoi=sesoi,
                                           st=st, seed=seed, hid=h["id"])
                except ClusternetError as exc:
                    e["note"] = f"design-based inference skipped: {exc}"
        factor = (scale or {}).get("factor")
        if extras is not None:
            e["p_wild"] = extras["wild"]["p_value"]
            e["wild_bootstrap"] = extras["wild"]
            if "randomisation" in extras:
                e["p_randomisation"] = extras["randomisation"]["p_value"]
                e["randomisation"] = extras["randomisation"]
            if extras["p_governing"] is not None:
                e["p_value"] = extras["p_governing"]
                e["p_governing_source"] = extras["governing"]
            sim = extras["simulation"]
            e["mde_simulated"] = extras["mde_simulated_raw"]
            e["size_nominal"], e["size_wild"] = sim["size_cluster_t"], sim["size_wild"]
            e["power_simulation"] = sim
            e["tost_p"] = extras.get("tost_p")
            e["n_clusters"] = extras["n_clusters"]
        elif factor and se and sign != 0 and estimate is not None:
            e["tost_p"] = tost_t(estimate, se, sesoi / factor, df, sign)
        e["governed_by"] = {"specification": primary["specification"], "estimator": doc.get("model"),
                            "coefficient": est.coefficient, "inference": e["p_governing_source"]}
        if factor:
            e["scale"] = scale
            e["estimate_sd"] = None if estimate is None else estimate * factor
            if e["ci_lower"] is not None and e["ci_upper"] is not None:
                e["ci_sd"] = [e["ci_lower"] * factor, e["ci_upper"] * factor]
            for k in ("mde_analytic", "mde_simulated"):
                if e[k] is not None:
                    e[f"{k}_sd"] = e[k] * factor
        # specification curve
        sc_on = st["spec_curve"]["enabled"] and (h.get("spec_curve") or {}).get("enabled", True)
        if data is not None and sc_on and est.source == "models" and spec.get("y"):
            hsc = h.get("spec_curve") or {}
            curve_spec = spec
            if hsc.get("options"):  # cheaper settings of the same estimator (e.g. fewer bootstrap replications)
                curve_spec = {**spec, "options": {**(spec.get("options") or {}), **hsc["options"]}}
            grid, prim, sets = curve_grid(h, curve_spec, est.coefficient or "", st, data.columns)
            curve = run_curve(data, curve_spec, est.coefficient, grid, prim, sets, expected=sign, alpha=alpha,
                              seed=seed,
                              max_specs=int(st["spec_curve"]["max_specifications"]),
                              wild_reps=int(st["spec_curve"]["wild_reps"]), wild_weights=st["wild"]["weights"],
                              scale_of=_cached_scale(),
                              hypothesis_id=h["id"], test=hsc.get("test", est.test))
            curve["grid"] = grid
            curves[h["id"]] = curve
            summ = curve["summary"]
            e["spec_curve"] = summ
            e["n_specifications"] = summ["n_specifications"]
            key = "share_expected_sign" if st["spec_curve"]["share"] == "expected_sign" and sign != 0 \
                else "share_significant_expected"
            e["robustness_share"] = summ[key]
            e["robustness_share_kind"] = key
        entries.append(e)
    # multiple testing over the testable entries' governing p-values
    testable = [e for e in entries if "verdict" not in e]  # class C entries already carry theirs
    ps = [e["p_value"] for e in testable]
    holm, bh = adjust(ps, "holm"), adjust(ps, "bh")
    gov = adjust(ps, st["adjustment"])
    for e, ph, pb, pg in zip(testable, holm, bh, gov):
        e["p_holm"], e["p_bh"], e["p_adjusted"] = ph, pb, pg
        e["adjustment"] = st["adjustment"]
        verdict = decide(e["estimate"], pg, e["expected_sign"], e["alpha"], e["tost_p"],
                         (e["ci_lower"], e["ci_upper"]) if pg is None else (None, None))
        h = next(x for x in reg["hypotheses"] if x["id"] == e["id"])
        decision = h.get("decision", {})
        if verdict == "supported" and decision.get("require_robust", False) and \
                not all(r["sign_agrees"] for r in e["robustness"]):
            verdict, e["downgraded"] = "inconclusive", True
            e["downgrade_reason"] = "a robustness estimand disagrees in sign (decision.require_robust)"
        share = e["robustness_share"]
        if verdict == "supported" and st["spec_curve"]["downgrade"] and share is not None and \
                share < float(st["spec_curve"]["min_share"]):
            verdict, e["downgraded"] = "inconclusive", True
            e["downgrade_reason"] = (f"specification-curve share {share:.2f} below spec_curve.min_share "
                                     f"{st['spec_curve']['min_share']}")
        e["verdict"] = verdict
    for e in entries:  # keep the key order stable for the JSON (sorted anyway) and readers
        e.setdefault("p_adjusted", None)
    return entries, curves
