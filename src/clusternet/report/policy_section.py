"""The policy-evaluation part of a hypothesis section (issue 15; M2, the pilot zones): ATT table
across estimators, one event-study figure with every estimator and uniform bands (the
Rambachan-Roth breakdown value in its caption), the synthetic-control path and placebo figure,
the randomisation-inference p-value and which estimator and inference govern the verdict.

Reads result documents and the verdict entry only (it fits nothing). The documents of a policy
are those whose specification names it: ``policy_dummy.policy`` or an ``options.source``
written by ``clusternet.models.treatments`` ("policies.<key>"). Hooked into
``clusternet.report.build.hypothesis_sections``; returns nothing for other hypotheses.
"""
from __future__ import annotations

import re

import numpy as np

from clusternet import plotting
from clusternet.report.tables import Table

EVENT_PREFIX = "event["
POLICY_IN_SOURCE = re.compile(r"policies\.(?!yaml\b)([a-z][a-z0-9_]*)")
UNIFORM_DRAWS = 10_000


def policy_key(doc: dict) -> str | None:
    spec = doc.get("spec") or {}
    key = (spec.get("policy_dummy") or {}).get("policy")
    if key:
        return str(key)
    for block in (spec.get("options") or {}, (doc.get("extra") or {}).get("did") or {}):
        m = POLICY_IN_SOURCE.search(str(block.get("source") or ""))
        if m:
            return m.group(1)
    return None


def _att_row(doc: dict) -> dict | None:
    rows = {r["name"]: r for r in doc.get("coefficients") or []}
    spec = doc.get("spec") or {}
    for name in ("att", (spec.get("policy_dummy") or {}).get("name"), "did_m", "twfe"):
        if name and name in rows:
            return rows[name]
    return None


def _fmt(v, nd=3) -> str:
    return "—" if v is None or (isinstance(v, float) and not np.isfinite(v)) else f"{v:.{nd}f}"


def uniform_critical_value(vcov: np.ndarray, level: float, seed: int) -> float:
    """Sup-t critical value: the ``level`` quantile of max_k |Z_k| / sd_k, Z ~ N(0, vcov)
    (Montiel Olea & Plagborg-Møller 2019), by seeded simulation."""
    sd = np.sqrt(np.diag(vcov))
    corr = vcov / np.outer(sd, sd)
    vals, vecs = np.linalg.eigh(corr)
    root = vecs * np.sqrt(np.clip(vals, 0, None))
    z = np.random.default_rng(np.random.SeedSequence([int(seed), 15])).standard_normal((UNIFORM_DRAWS, len(sd)))
    return float(np.quantile(np.abs(z @ root.T).max(axis=1), level))


def _event_rows(doc: dict) -> list[tuple[int, dict]]:
    out = []
    for r in doc.get("coefficients") or []:
        if r["name"].startswith(EVENT_PREFIX):
            out.append((int(r["name"][len(EVENT_PREFIX):-1]), r))
    return sorted(out, key=lambda x: x[0])


def policy_evidence(h: dict, key: str, deciding: str | None, docs: dict) -> dict:
    """What the verdict entry says about policy ``key``: its randomisation p-value (specification,
    p, draws, treated clusters) and its pre-trend sensitivity. The deciding policy's come from the
    entry itself, a companion policy's from ``h["companions"]`` (hypotheses stage, issue 15)."""
    if key == deciding:
        ri = h.get("randomisation") or {}
        spec = (h.get("evidence") or [{}])[0].get("specification")
        return {"ri": None if h.get("p_randomisation") is None else
                {"specification": spec, "p_value": h["p_randomisation"], "reps": ri.get("reps"),
                 "n_treated_clusters": ri.get("n_treated_clusters")},
                "pretrends": h.get("pretrends") or {}, "deciding": True}
    comp = h.get("companions") or {}
    ri = next(({"specification": s, **r} for s, r in sorted((comp.get("randomisation") or {}).items())
               if s in docs and policy_key(docs[s]) == key and r.get("p_value") is not None), None)
    pre = comp.get("pretrends") or {}
    if pre.get("specification") not in docs or policy_key(docs[pre["specification"]]) != key:
        pre = {}
    return {"ri": ri, "pretrends": pre, "deciding": False}


def policy_items(b, h: dict) -> tuple[list[str], list]:
    """(paragraphs, items) for hypothesis entry ``h``; empty unless it cites a policy document.
    One block per policy (the deciding one first, then companions): ATT table, event study with
    uniform bands, the Rambachan-Roth breakdown value and the randomisation p-value."""
    docs, paths = b.inputs.docs, b.inputs.doc_paths
    companions = (h.get("companions") or {}).get("evidence") or []
    cited = [e.get("specification") for e in [*h.get("evidence", []), *h.get("robustness", []), *companions]]
    keys = list(dict.fromkeys(k for s in cited if s in docs and (k := policy_key(docs[s])) is not None))
    if not keys:
        return [], []
    first = (h.get("evidence") or [{}])[0].get("specification")
    deciding = policy_key(docs[first]) if first in docs else None
    keys.sort(key=lambda k: (k != deciding, k))
    paragraphs: list[str] = []
    items: list = []
    for key in keys:
        mine = {n: d for n, d in sorted(docs.items()) if policy_key(d) == key}
        ev = policy_evidence(h, key, deciding, docs)
        table = b.table(_att_table(b, h, key, mine, ev))
        # hypothesis sections show item captions, not paragraphs: the governing inference goes here
        table.caption = _governing_text(h) if ev["deciding"] else _companion_text(key, ev)
        items.append(table)
        es = {n: d for n, d in mine.items() if _event_rows(d)}
        if es:
            fig, caption = _event_figure(b, h, es, ev)
            items.append(b.figure(fig, f"{_safe(h['id'])}_{key}_event_study", f"{h['id']}: event studies ({key})",
                                  [paths[n] for n in es], caption=caption))
        for n, d in mine.items():
            if d.get("model") == "synth.adh":
                fig, caption = _synth_figure(d)
                items.append(b.figure(fig, f"{_safe(h['id'])}_{n}_synth", f"{h['id']}: synthetic control ({n})",
                                      [paths[n]], caption=caption))
    return paragraphs, items


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def _att_table(b, h, key: str, mine: dict, ev: dict) -> Table:
    body = []
    for n, d in mine.items():
        r = _att_row(d)
        if r is None:
            continue
        note = ""
        if d.get("model") == "synth.adh":
            note = "p: placebo in space"
        elif d.get("model") == "synth.sdid":
            method = ((d.get("extra") or {}).get("synth_did") or {}).get("se", {}).get("method")
            note = f"SE: {method} (Arkhangelsky et al.)" if r.get("std_error") is not None and method else "no SE"
        elif d.get("model") == "did.dcdh":
            note = "DID_M"
        body.append([n, str(d.get("model")), str(d.get("dependent")), _fmt(r.get("estimate")),
                     _fmt(r.get("std_error")), _fmt(r.get("p_value")), note])
    notes = [f"Treatment: config/policies.yaml policies.{key}. Estimates of the average effect on the treated "
             "(static TWFE: the policy coefficient; event-study and CS: the simple ATT; synthetic control: mean "
             "post-period gap). p: the document's own inference (analytic unless noted); the verdict's governing "
             "p-value is stated below the table."]
    ri = ev.get("ri")
    if ri is not None:
        notes.append(f"Randomisation inference (adoption years permuted across provinces, {ri.get('reps')} draws, "
                     f"{ri.get('n_treated_clusters')} treated): p = {_fmt(ri['p_value'])} for {ri['specification']}.")
    bm = _breakdown_text(ev.get("pretrends") or {})
    if bm:
        notes.append(bm)
    if not ev.get("deciding"):
        notes.append(f"policies.{key} is reported beside the deciding policy; it does not enter the verdict.")
    return Table(name=f"{_safe(h['id'])}_{key}_att", title=f"{h['id']}: ATT across estimators ({key})",
                 header=[["specification", "estimator", "outcome", "ATT", "SE", "p", "note"]], body=body,
                 notes=notes, provenance=b.prov(b.inputs.doc_paths[n] for n in mine))


def _breakdown_text(pre: dict) -> str:
    parts = []
    for label, t in (pre.get("targets") or {}).items():
        bm = t.get("breakdown_M")
        parts.append(f"{label.replace('_', ' ')} effect " + (_fmt(bm, 4) if t.get("significant_at_0") else
                                                               "0 (not significant even at M = 0)"))
    if not parts:
        return ""
    text = f"Rambachan–Roth smoothness (Δ^SD) breakdown M ({pre.get('specification')}): " + "; ".join(parts) + "."
    rm = []
    for label, t in (pre.get("targets") or {}).items():
        r = t.get("relative_magnitudes") or {}
        if r:
            value = _fmt(r.get("breakdown_Mbar"), 3) if r.get("significant_at_0") else \
                "0 (not significant even at M̄ = 0)"
            rm.append(f"{label.replace('_', ' ')} effect {value}")
    if rm:
        text += " Relative magnitudes (Δ^RM, ARP conditional) breakdown M̄: " + "; ".join(rm) + "."
    return text


def cs_uniform_band(d: dict) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """The Callaway-Sant'Anna dynamic aggregation's multiplier-bootstrap sup-t band (names, lower,
    upper), as the document stores it; None without a bootstrap."""
    band = (((d.get("extra") or {}).get("did") or {}).get("uniform_bands") or {}).get("dynamic")
    if not band or not band.get("names"):
        return None
    return list(band["names"]), np.asarray(band["lower"], float), np.asarray(band["upper"], float)


def _event_panel(ax, b, es: dict, level: float) -> int:
    """Every document's event-time estimates on one axis; returns how many CS bands were drawn."""
    offsets = np.linspace(-0.25, 0.25, len(es)) if len(es) > 1 else [0.0]
    n_cs = 0
    for off, (n, d) in zip(offsets, es.items()):
        rows = _event_rows(d)
        k = np.array([r[0] for r in rows], float) + off
        est = np.array([r[1]["estimate"] for r in rows], float)
        lo = np.array([r[1]["ci_lower"] if r[1]["ci_lower"] is not None else np.nan for r in rows], float)
        hi = np.array([r[1]["ci_upper"] if r[1]["ci_upper"] is not None else np.nan for r in rows], float)
        line = ax.errorbar(k, est, yerr=[est - lo, hi - est], fmt="o", ms=4, capsize=2, label=f"{n} ({d['model']})")
        vc = d.get("vcov") or {}
        names = [r[1]["name"] for r in rows]
        cs_band = cs_uniform_band(d) if d.get("model") == "did.cs" else None
        if cs_band is not None and all(x in cs_band[0] for x in names):
            idx = [cs_band[0].index(x) for x in names]
            ax.fill_between(k, cs_band[1][idx], cs_band[2][idx], alpha=0.12, color=line[0].get_color())
            n_cs += 1
        elif vc.get("names") and all(x in vc["names"] for x in names):
            idx = [vc["names"].index(x) for x in names]
            V = np.asarray(vc["matrix"], float)[np.ix_(idx, idx)]
            c = uniform_critical_value(V, level, b.config.seed)
            se = np.sqrt(np.diag(V))
            ax.fill_between(k, est - c * se, est + c * se, alpha=0.12, color=line[0].get_color(), step=None)
    return n_cs


def _event_figure(b, h, es: dict, ev: dict | None = None):
    import matplotlib.pyplot as plt

    plotting.setup()
    outcomes = sorted({str(d.get("dependent")) for d in es.values()})  # one panel per outcome
    fig, axes = plt.subplots(len(outcomes), 1, figsize=(7.5, 3.6 * len(outcomes)), squeeze=False)
    level = 0.95
    n_cs = 0
    for ax, outcome in zip(axes[:, 0], outcomes):
        mine = {n: d for n, d in es.items() if str(d.get("dependent")) == outcome}
        n_cs += _event_panel(ax, b, mine, level)
        ax.axhline(0, color="k", lw=0.8)
        ax.axvline(-0.5, color="grey", lw=0.8, ls=":")
        ax.set_ylabel("effect")
        ax.set_title(outcome, fontsize=9)
        ax.legend(fontsize=7, loc="best")
    axes[-1, 0].set_xlabel("years since adoption (reference −1; endpoints binned)")
    ev = ev if ev is not None else {"pretrends": h.get("pretrends") or {}}
    pre = ev.get("pretrends") or {}
    parts = ["One panel per outcome. Points: estimates with pointwise 95 % CIs; shaded: uniform (sup-t) 95 % bands "
             "from each "
             "document's event-study covariance (simulated, seeded)"
             + ("; for Callaway–Sant'Anna, the multiplier-bootstrap sup-t band of the dynamic aggregation "
                "stored in the document." if n_cs else ".")]
    if pre.get("joint_pretrend", {}).get("p_value") is not None:
        jt = pre["joint_pretrend"]
        parts.append(f"Joint pre-trend test ({pre.get('specification')}): χ²({jt['df']}) = {_fmt(jt['statistic'], 2)}, "
                     f"p = {_fmt(jt['p_value'])}.")
    for label, t in (pre.get("targets") or {}).items():
        bm = t.get("breakdown_M")
        parts.append(f"Rambachan–Roth smoothness (Δ^SD) breakdown M̄ for the {label.replace('_', ' ')} effect: "
                     + (f"{_fmt(bm, 4)}" if t.get("significant_at_0") else "0 (not significant even under linear "
                        "trends, M = 0)") + ".")
        rm = t.get("relative_magnitudes") or {}
        if rm:
            parts.append(f"Relative magnitudes (Δ^RM) breakdown M̄ for the {label.replace('_', ' ')} effect: "
                         + (f"{_fmt(rm.get('breakdown_Mbar'), 3)}" if rm.get("significant_at_0") else
                            "0 (not significant even at M̄ = 0)") + ".")
    ri = ev.get("ri")
    if ri is not None:
        parts.append(f"Randomisation inference ({ri['specification']}, {ri.get('reps')} permutations of adoption "
                     f"years): p = {_fmt(ri['p_value'])}.")
    return fig, " ".join(parts)


def _synth_figure(d: dict):
    import matplotlib.pyplot as plt

    plotting.setup()
    sc = d["extra"]["synth"]
    years = [p["year"] for p in sc["path"]]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
    a1.plot(years, [p["treated"] for p in sc["path"]], "k-", label=f"treated {sc['treated']}")
    a1.plot(years, [p["synthetic"] for p in sc["path"]], "k--", label="synthetic")
    a1.axvline(sc["treatment_year"] - 0.5, color="grey", ls=":")
    a1.set_title("path")
    a1.legend(fontsize=7)
    for p in sc.get("placebo") or []:
        if p["unit"] != sc["treated"]:
            a2.plot(years, p["gaps"], color="0.75", lw=0.8)
    a2.plot(years, [p["gap"] for p in sc["path"]], "k-", lw=1.6)
    a2.axhline(0, color="k", lw=0.6)
    a2.axvline(sc["treatment_year"] - 0.5, color="grey", ls=":")
    a2.set_title("gap: treated (black) and placebos in space (grey)")
    test = next((t for t in d.get("tests") or [] if t["name"] == "placebo_rmspe_ratio"), None)
    top = sorted(sc["weights"].items(), key=lambda kv: -kv[1])[:4]
    caption = (f"Synthetic control for {sc['treated']} (treated from {sc['treatment_year']}); donor weights "
               + ", ".join(f"{k}: {v:.3f}" for k, v in top) + f"; pre-RMSPE {_fmt(sc['pre_rmspe'])}, "
               f"post-RMSPE {_fmt(sc['post_rmspe'])}.")
    if test:
        caption += (f" Post/pre RMSPE ratio {_fmt(test['statistic'], 2)}; placebo-in-space permutation p = "
                    f"{_fmt(test['p_value'])}.")
    return fig, caption


def _companion_text(key: str, ev: dict) -> str:
    ri = ev.get("ri")
    text = f"policies.{key}: reported beside the deciding policy, outside the verdict."
    if ri is not None:
        text += (f" Randomisation p = {_fmt(ri['p_value'])} ({ri['specification']}, "
                 f"{ri.get('n_treated_clusters')} treated clusters).")
    return text


def _governing_text(h: dict) -> str:
    g = h.get("governed_by") or {}
    src = g.get("inference") or h.get("p_governing_source") or "document"
    words = {"randomisation": "randomisation inference (adoption years permuted across provinces)",
             "wild_bootstrap": "the restricted wild cluster bootstrap", "cluster_t": "the cluster-robust t test",
             "document": "the estimator's own standard error"}
    text = (f"The verdict ({h.get('verdict')}) is governed by {g.get('specification', '?')} "
            f"({g.get('estimator', '?')}, coefficient {g.get('coefficient')}) with {words.get(src, src)}: "
            f"p = {_fmt(h.get('p_raw') if src == 'document' else h.get('p_value'))} before the registry-wide "
            "adjustment.")
    if h.get("p_randomisation") is not None:
        n = (h.get("randomisation") or {}).get("n_treated_clusters")
        text += f" Randomisation p = {_fmt(h['p_randomisation'])}" + (f" ({n} treated clusters)." if n else ".")
    return text
