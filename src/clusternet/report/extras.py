"""Model-specific blocks of result documents (``extra``) made into tables and
plot data: spatial effect decompositions, threshold estimates and LR curves,
and marginal effects of moderation models.

Each block is read in the one layout its producer writes, declared per family in the result
schema (``$defs/extra_<family>`` of clusternet/schemas/result.schema.json, validated whenever a
document is written or read): ``extra.spatial.effects`` (clusternet.spatial), ``extra.threshold``
(clusternet.models.threshold) and ``extra.moderation`` (clusternet.models.mechanisms). Nothing is
recomputed here: Hansen's critical value and the marginal effects are the model's, written into
the document by the model.
"""
from __future__ import annotations

import re

import numpy as np

from clusternet.models.threshold import lr_critical_value as hansen_lr_critical_value
from clusternet.report import messages
from clusternet.report.settings import ReportSettings
from clusternet.report.tables import Table

EFFECTS = ("direct", "indirect", "total")


def spatial_effects(doc: dict) -> dict[str, dict[str, dict]]:
    """``variable -> effect -> {estimate, std_error, p_value}`` from ``extra.spatial.effects.variables``
    (``{variable: {direct: row, indirect: row, total: row}}``); empty without a decomposition."""
    spatial = doc.get("extra", {}).get("spatial")
    variables = (spatial.get("effects") or {}).get("variables") if isinstance(spatial, dict) else None
    out: dict[str, dict[str, dict]] = {}
    for var, effects in (variables or {}).items():
        out[str(var)] = {e: {k: effects[e].get(k) for k in ("estimate", "std_error", "p_value")}
                         for e in EFFECTS if e in effects}
    return {v: e for v, e in out.items() if e}


def spatial_effects_table(docs: dict[str, dict], settings: ReportSettings, provenance: dict) -> Table:
    """Rows: variables (estimate, then SE in parentheses); columns: effect x document."""
    keys = [k for k in docs if spatial_effects(docs[k])]
    parsed = {k: spatial_effects(docs[k]) for k in keys}
    variables: list[str] = []
    for k in keys:
        variables += [v for v in parsed[k] if v not in variables]
    # Columns are numbered by model, "(1)" over its three effects; the labels go to the notes.
    header = [[""] + [f"({i + 1})" for i in range(len(keys)) for _ in EFFECTS],
              [settings.word("variable")] + [settings.word(e) for _ in keys for e in EFFECTS]]
    body = []
    for v in variables:
        est, se = [settings.label(v)], [""]
        for k in keys:
            for e in EFFECTS:
                s = parsed[k].get(v, {}).get(e)
                if s is None or s["estimate"] is None:
                    est.append("")
                    se.append("")
                    continue
                est.append(settings.fmt(s["estimate"], statistic="estimate") + settings.stars_for(s["p_value"]))
                se.append("" if s["std_error"] is None else f"({settings.fmt(s['std_error'], statistic='std_error')})")
        body += [est, se]
    body.append([settings.word("nobs")] + [str(docs[k]["nobs"]) for k in keys for _ in EFFECTS])
    models = "; ".join(f"({i + 1}) {settings.doc_label(docs[k], k)}"
                       # the method is the document's own (English) text
                       + (f" [{effects_method(docs[k])}]" if effects_method(docs[k]) and settings.language == "en"
                          else "")
                       for i, k in enumerate(keys))
    return Table(name="spatial_effects", title=settings.word("spatial_title"), header=header, body=body,
                 notes=[messages.of(settings.language)["spatial_models"].format(v=models),
                        messages.of(settings.language)["spatial_effects_note"], settings.star_note()],
                 rules_before=[len(body) - 1], provenance=provenance)


def effects_method(doc: dict) -> str:
    """How the effects' standard errors were obtained (``extra.spatial.effects.method``), or ''."""
    spatial = doc.get("extra", {}).get("spatial")
    effects = spatial.get("effects") if isinstance(spatial, dict) else None
    return str(effects.get("method", "")) if isinstance(effects, dict) else ""


def thresholds(doc: dict) -> list[dict]:
    """Threshold rows {estimate, ci_lower, ci_upper, f_stat, p_value, n_boot} of a ``panel.threshold``
    document: ``extra.threshold.estimates`` [{threshold, estimate, ci_lower, ci_upper}] with the
    bootstrap stage that tests k-1 against k thresholds (``extra.threshold.bootstrap.stages``
    [{stage, F, p_value}]). Empty for other documents."""
    block = doc.get("extra", {}).get("threshold")
    if not isinstance(block, dict):
        return []
    boot = block["bootstrap"]
    stages = {s["stage"]: s for s in boot["stages"]}
    rows = []
    for item in block["estimates"]:
        stage = stages.get(item["threshold"], {})
        rows.append({"estimate": item["estimate"], "ci_lower": item["ci_lower"], "ci_upper": item["ci_upper"],
                     "f_stat": stage.get("F"), "p_value": stage.get("p_value"), "n_boot": boot["reps"]})
    return rows


def threshold_table(docs: dict[str, dict], settings: ReportSettings, provenance: dict) -> Table:
    w = settings.word
    header = [["", w("threshold"), w("estimate"), w("ci"), w("f_stat"), w("boot_p"), w("boot_reps")]]
    body = []
    for k, doc in docs.items():
        for i, row in enumerate(thresholds(doc)):
            ci = ("" if row["ci_lower"] is None or row["ci_upper"] is None
                  else f"[{settings.fmt(row['ci_lower'], statistic='ci')}, "
                       f"{settings.fmt(row['ci_upper'], statistic='ci')}]")
            body.append([settings.doc_label(doc, k), str(i + 1), settings.fmt(row["estimate"], statistic="estimate"),
                         ci,
                         settings.fmt(row["f_stat"], statistic="statistic") + settings.stars_for(row["p_value"]),
                         settings.fmt_p(row["p_value"]), "" if row["n_boot"] is None else str(row["n_boot"])])
    return Table(name="thresholds", title=w("threshold_title"), header=header, body=body,
                 notes=[messages.of(settings.language)["threshold_note"], settings.star_note()],
                 provenance=provenance)


def hansen_critical_value(alpha: float = 0.05) -> float:
    """Hansen (1999, eq. 15) no-rejection critical value of LR(gamma): the model's own function
    (clusternet.models.threshold.lr_critical_value), for figures drawn without a document."""
    return hansen_lr_critical_value(alpha)


def lr_curves(doc: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    """(gamma grid, LR values) per threshold from ``extra.threshold.lr_curve`` [{threshold, gamma, lr}];
    empty for other documents."""
    block = doc.get("extra", {}).get("threshold")
    if not isinstance(block, dict):
        return []
    return [(np.asarray(c["gamma"], dtype=float), np.asarray(c["lr"], dtype=float)) for c in block["lr_curve"]]


def lr_critical_value(doc: dict) -> tuple[float, float]:
    """(alpha, critical value) of a threshold document: ``1 - extra.threshold.ci_level`` and the
    model's ``extra.threshold.lr_critical_value`` at it."""
    block = doc["extra"]["threshold"]
    return 1 - float(block["ci_level"]), float(block["lr_critical_value"])


def moderation_terms(doc: dict) -> tuple[str, str, str] | None:
    """(x, moderator, interaction) coefficient names of a moderation model (``extra.moderation``
    {treatment, moderator, interaction}), or None for other documents."""
    block = doc.get("extra", {}).get("moderation")
    if not isinstance(block, dict):
        return None
    return block["treatment"], block["moderator"], block["interaction"]


def marginal_effects(doc: dict, grid=None) -> dict | None:
    """dy/dx over moderator values: {x, moderator, grid, effect, std_error, lower, upper}, the
    model's own ``extra.moderation.marginal_effects`` (moderator_values, effect, std_error,
    ci_lower, ci_upper; clusternet.models.mechanisms.marginal_effects). None for other documents.
    ``grid`` is not used (the model chose the moderator values); kept for existing callers."""
    terms = moderation_terms(doc)
    if terms is None:
        return None
    x, moderator, _ = terms
    given = doc["extra"]["moderation"]["marginal_effects"]
    arr = {k: np.asarray(given[k], dtype=float)
           for k in ("moderator_values", "effect", "std_error", "ci_lower", "ci_upper")}
    return {"x": x, "moderator": moderator, "grid": arr["moderator_values"], "effect": arr["effect"],
            "std_error": arr["std_error"], "lower": arr["ci_lower"], "upper": arr["ci_upper"]}


EVENT_TERM = re.compile(r"^event\[(-?\d+)\]$")


def event_study(doc: dict) -> dict | None:
    """Event-time coefficients ``event[k]`` of a DID document as arrays sorted by k:
    {k, estimate, lower, upper} (the document's own confidence bounds), with the omitted
    reference period (``extra.did.reference_period``) added as 0 without an interval.
    None when the document has no event-time coefficients."""
    rows = [(int(m.group(1)), r) for r in doc["coefficients"] if (m := EVENT_TERM.match(r["name"]))]
    if not rows:
        return None
    points = {k: (r["estimate"], r["ci_lower"], r["ci_upper"]) for k, r in rows}
    ref = (doc.get("extra", {}).get("did") or {}).get("reference_period")
    if isinstance(ref, int) and ref not in points:
        points[ref] = (0.0, 0.0, 0.0)
    ks = sorted(points)
    arr = np.array([points[k] for k in ks], dtype=float)
    return {"k": np.array(ks), "estimate": arr[:, 0], "lower": arr[:, 1], "upper": arr[:, 2],
            "reference_period": ref if isinstance(ref, int) else None}
