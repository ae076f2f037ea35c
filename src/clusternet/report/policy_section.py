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
from clusternet.report import messages
from clusternet.report.labels import MODEL_NAMES
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


def _words(b) -> dict:
    return messages.of(b.settings.language)["policy"]


def _zh(b) -> bool:
    return b.settings.language != "en"


def _spec_name(b, n: str) -> str:
    """A result document in the page's language: its key (en), else its label."""
    if not _zh(b):
        return n
    d = b.inputs.docs.get(n)
    return n if d is None else b.settings.doc_label(d, n)


def _model_name(b, model) -> str:
    return str(model) if not _zh(b) else MODEL_NAMES.get(b.settings.language, {}).get(str(model), str(model))


def _policy_name(b, key: str) -> str:
    """The policy's key (en), else its ``label_<lang>`` in config/policies.yaml."""
    if not _zh(b):
        return key
    try:
        entry = b.config.section("policies")["policies"][key]
    except Exception:  # noqa: BLE001  # no policies section: the key
        return key
    return str(entry.get(f"label_{b.settings.language}") or key)


TARGETS = {"zh": {"average_post": "处理后平均", "first_post": "处理后首期"}}


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
        table.caption = _governing_text(h, b) if ev["deciding"] else _companion_text(b, key, ev)
        items.append(table)
        es = {n: d for n, d in mine.items() if _event_rows(d)}
        if es:
            fig, caption = _event_figure(b, h, es, ev)
            title = _words(b)["event_title"].format(id=h["id"], key=_policy_name(b, key))
            items.append(b.figure(fig, f"{_safe(h['id'])}_{key}_event_study", title,
                                  [paths[n] for n in es], caption=caption))
        for n, d in mine.items():
            if d.get("model") == "synth.adh":
                fig, caption = _synth_figure(d, _words(b))
                title = _words(b)["synth_title"].format(id=h["id"], n=_spec_name(b, n))
                items.append(b.figure(fig, f"{_safe(h['id'])}_{n}_synth", title, [paths[n]], caption=caption))
    return paragraphs, items


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)


def _att_table(b, h, key: str, mine: dict, ev: dict) -> Table:
    w = _words(b)
    body = []
    for n, d in mine.items():
        r = _att_row(d)
        if r is None:
            continue
        note = ""
        if d.get("model") == "synth.adh":
            note = w["note_placebo"]
        elif d.get("model") == "synth.sdid":
            method = ((d.get("extra") or {}).get("synth_did") or {}).get("se", {}).get("method")
            note = (w["note_sdid_se"].format(method=w["se_methods"].get(str(method), str(method)))
                    if r.get("std_error") is not None and method else w["note_no_se"])
        elif d.get("model") == "did.dcdh":
            note = w["note_dcdh"]
        dependent = str(d.get("dependent"))
        body.append([_spec_name(b, n), _model_name(b, d.get("model")),
                     b.settings.label(dependent) if _zh(b) else dependent, _fmt(r.get("estimate")),
                     _fmt(r.get("std_error")), _fmt(r.get("p_value")), note])
    notes = [w["att_note"].format(key=key if not _zh(b) else _policy_name(b, key))]
    ri = ev.get("ri")
    if ri is not None:
        notes.append(w["ri_note"].format(reps=ri.get("reps"), n=ri.get("n_treated_clusters"), p=_fmt(ri["p_value"]),
                                         spec=_spec_name(b, str(ri["specification"]))))
    bm = _breakdown_text(b, ev.get("pretrends") or {})
    if bm:
        notes.append(bm)
    if not ev.get("deciding"):
        notes.append(w["companion_note"].format(key=_policy_name(b, key)))
    return Table(name=f"{_safe(h['id'])}_{key}_att", title=w["att_title"].format(id=h["id"], key=_policy_name(b, key)),
                 header=[list(w["att_header"])], body=body,
                 notes=notes, provenance=b.prov(b.inputs.doc_paths[n] for n in mine))


def _target(b, label: str) -> str:
    """A Rambachan-Roth target (average_post, first_post) in the page's language."""
    return TARGETS.get(b.settings.language, {}).get(label, label.replace("_", " "))


def _breakdown_text(b, pre: dict) -> str:
    w = _words(b)
    parts = []
    for label, t in (pre.get("targets") or {}).items():
        bm = t.get("breakdown_M")
        parts.append(w["breakdown_part"].format(target=_target(b, label), value=_fmt(bm, 4)
                                                if t.get("significant_at_0") else w["sd_zero"]))
    if not parts:
        return ""
    text = w["breakdown_sd"].format(spec=_spec_name(b, str(pre.get("specification"))),
                                    parts=w["part_sep"].join(parts))
    rm = []
    for label, t in (pre.get("targets") or {}).items():
        r = t.get("relative_magnitudes") or {}
        if r:
            value = _fmt(r.get("breakdown_Mbar"), 3) if r.get("significant_at_0") else w["rm_zero"]
            rm.append(w["breakdown_part"].format(target=_target(b, label), value=value))
    if rm:
        text += w["breakdown_rm"].format(parts=w["part_sep"].join(rm))
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
        line = ax.errorbar(k, est, yerr=[est - lo, hi - est], fmt="o", ms=4, capsize=2,
                           label=_words(b)["event_legend"].format(n=_spec_name(b, n), model=d["model"]))
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

    w = _words(b)
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
        ax.set_ylabel(w["event_y"])
        ax.set_title(b.settings.label(outcome) if _zh(b) else outcome, fontsize=9)
        ax.legend(fontsize=7, loc="best")
    axes[-1, 0].set_xlabel(w["event_x"])
    ev = ev if ev is not None else {"pretrends": h.get("pretrends") or {}}
    pre = ev.get("pretrends") or {}
    parts = [w["event_caption"] + (w["event_caption_cs"] if n_cs else w["event_caption_end"])]
    if pre.get("joint_pretrend", {}).get("p_value") is not None:
        jt = pre["joint_pretrend"]
        parts.append(w["pretrend"].format(spec=_spec_name(b, str(pre.get("specification"))), df=jt["df"],
                                          stat=_fmt(jt["statistic"], 2), p=_fmt(jt["p_value"])))
    for label, t in (pre.get("targets") or {}).items():
        bm = t.get("breakdown_M")
        parts.append(w["breakdown"].format(target=_target(b, label), value=f"{_fmt(bm, 4)}"
                                           if t.get("significant_at_0") else w["breakdown_zero"]))
        rm = t.get("relative_magnitudes") or {}
        if rm:
            parts.append(w["breakdown_rm_target"].format(
                target=_target(b, label),
                value=f"{_fmt(rm.get('breakdown_Mbar'), 3)}" if rm.get("significant_at_0") else w["rm_zero"]))
    ri = ev.get("ri")
    if ri is not None:
        parts.append(w["event_ri"].format(spec=_spec_name(b, str(ri["specification"])), reps=ri.get("reps"),
                                          p=_fmt(ri["p_value"])))
    return fig, ("" if _zh(b) else " ").join(parts)


def _synth_figure(d: dict, w: dict):
    import matplotlib.pyplot as plt

    plotting.setup()
    sc = d["extra"]["synth"]
    years = [p["year"] for p in sc["path"]]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.6))
    a1.plot(years, [p["treated"] for p in sc["path"]], "k-", label=w["synth_treated"].format(unit=sc["treated"]))
    a1.plot(years, [p["synthetic"] for p in sc["path"]], "k--", label=w["synth_synthetic"])
    a1.axvline(sc["treatment_year"] - 0.5, color="grey", ls=":")
    a1.set_title(w["synth_path"])
    a1.legend(fontsize=7)
    for p in sc.get("placebo") or []:
        if p["unit"] != sc["treated"]:
            a2.plot(years, p["gaps"], color="0.75", lw=0.8)
    a2.plot(years, [p["gap"] for p in sc["path"]], "k-", lw=1.6)
    a2.axhline(0, color="k", lw=0.6)
    a2.axvline(sc["treatment_year"] - 0.5, color="grey", ls=":")
    a2.set_title(w["synth_gap"])
    test = next((t for t in d.get("tests") or [] if t["name"] == "placebo_rmspe_ratio"), None)
    top = sorted(sc["weights"].items(), key=lambda kv: -kv[1])[:4]
    caption = w["synth_caption"].format(unit=sc["treated"], year=sc["treatment_year"],
                                        weights=w["sep"].join(f"{k}: {v:.3f}" for k, v in top),
                                        pre=_fmt(sc["pre_rmspe"]), post=_fmt(sc["post_rmspe"]))
    if test:
        caption += w["synth_test"].format(ratio=_fmt(test["statistic"], 2), p=_fmt(test["p_value"]))
    return fig, caption


def _companion_text(b, key: str, ev: dict) -> str:
    w = _words(b)
    ri = ev.get("ri")
    text = w["companion"].format(key=_policy_name(b, key))
    if ri is not None:
        text += w["companion_ri"].format(p=_fmt(ri["p_value"]), spec=_spec_name(b, str(ri["specification"])),
                                         n=ri.get("n_treated_clusters"))
    return text


def _governing_text(h: dict, b) -> str:
    from clusternet.report.verdict_table import VERDICT_WORDS

    w = _words(b)
    g = h.get("governed_by") or {}
    src = g.get("inference") or h.get("p_governing_source") or "document"
    verdict = str(h.get("verdict"))
    coefficient = g.get("coefficient")
    if _zh(b):
        verdict = VERDICT_WORDS[b.settings.language].get(verdict, verdict)
        coefficient = b.settings.label(str(coefficient))
    text = w["governing"].format(verdict=verdict, spec=_spec_name(b, str(g.get("specification", "?"))),
                                 estimator=_model_name(b, g.get("estimator", "?")), coefficient=coefficient,
                                 source=w["sources"].get(src, src),
                                 p=_fmt(h.get("p_raw") if src == "document" else h.get("p_value")))
    if h.get("p_randomisation") is not None:
        n = (h.get("randomisation") or {}).get("n_treated_clusters")
        text += (w["governing_ri"].format(p=_fmt(h["p_randomisation"]))
                 + (w["governing_ri_n"].format(n=n) if n else w["governing_end"]))
    return text
