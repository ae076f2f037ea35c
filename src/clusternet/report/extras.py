"""Model-specific blocks of result documents (``extra``) made into tables and
plot data: spatial effect decompositions, threshold estimates and LR curves,
and marginal effects of moderation models.

The blocks are read leniently (a few spellings of the same field are
accepted, listed below) because several estimators write them; anything that
cannot be read is reported as skipped rather than guessed.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
from scipy import stats

from clusternet.models.mechanisms import marginal_effects as moderation_marginal_effects
from clusternet.models.threshold import lr_critical_value as hansen_lr_critical_value
from clusternet.report import messages
from clusternet.report.settings import ReportSettings
from clusternet.report.tables import Table

EFFECTS = ("direct", "indirect", "total")


def _stat(value) -> dict:
    """{estimate, std_error, p_value} from a number or a dict using common spellings."""
    if isinstance(value, (int, float)) or value is None:
        return {"estimate": value, "std_error": None, "p_value": None}
    get = value.get
    return {"estimate": get("estimate", get("coef", get("value"))),
            "std_error": get("std_error", get("se")),
            "p_value": get("p_value", get("pvalue", get("p")))}


def spatial_effects(doc: dict) -> dict[str, dict[str, dict]]:
    """``variable -> effect -> {estimate, std_error, p_value}``.

    Read from ``extra.spatial.effects.variables`` (the spatial stage's layout,
    ``{variable: {direct: row, indirect: row, total: row}}``), else from
    ``extra.effects`` in one of these layouts: effect-major ``{direct: rows, indirect: rows, total: rows}``
    where rows is a list of coefficient rows with ``name`` or a ``{name: row}``
    map (the spatial estimators' layout); variable-major
    ``{variable: {direct: .., indirect: .., total: ..}}``; a list of rows
    ``{variable|name, effect, estimate, std_error, p_value}``.
    Empty when the document has no decomposition."""
    extra = doc.get("extra", {})
    spatial = (extra.get("spatial") or {}).get("effects") if isinstance(extra.get("spatial"), dict) else None
    block = spatial.get("variables") if isinstance(spatial, dict) else extra.get("effects")
    out: dict[str, dict[str, dict]] = {}
    if isinstance(block, list):
        for row in block:
            var, eff = row.get("variable", row.get("name")), str(row.get("effect", "")).lower()
            if var is not None and eff in EFFECTS:
                out.setdefault(str(var), {})[eff] = _stat(row)
    elif isinstance(block, dict) and block and set(block) <= set(EFFECTS):
        for eff in EFFECTS:
            rows = block.get(eff) or []
            if isinstance(rows, dict):
                rows = [{"name": name, **(row if isinstance(row, dict) else {"estimate": row})}
                        for name, row in rows.items()]
            for row in rows:
                out.setdefault(str(row["name"]), {})[eff] = _stat(row)
    elif isinstance(block, dict):
        for var, effects in block.items():
            if isinstance(effects, dict):
                out[str(var)] = {e: _stat(effects[e]) for e in EFFECTS if e in effects}
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
    """Threshold rows {estimate, ci_lower, ci_upper, f_stat, p_value, n_boot}.

    Layout of ``panel.threshold`` documents: ``extra.threshold`` with
    ``estimates`` [{threshold, estimate, ci_lower, ci_upper}] and ``bootstrap``
    {reps, stages: [{stage, F, p_value}]} (stage k tests k-1 against k
    thresholds). Also accepted: ``extra.thresholds``, a list (or one dict) of
    rows with the statistics inline (``gamma``/``estimate``, ``ci``,
    ``f_stat``/``F``, ``bootstrap_p``/``p_value``, ``n_boot``/``bootstrap_reps``)."""
    extra = doc.get("extra", {})
    block = extra.get("threshold")
    if isinstance(block, dict) and isinstance(block.get("estimates"), list):
        boot = block.get("bootstrap") or {}
        stages = {s.get("stage"): s for s in boot.get("stages") or [] if isinstance(s, dict)}
        rows = []
        for i, item in enumerate(block["estimates"]):
            k = item.get("threshold", i + 1)
            stage = stages.get(k, {})
            rows.append({"estimate": item.get("estimate"), "ci_lower": item.get("ci_lower"),
                         "ci_upper": item.get("ci_upper"), "f_stat": stage.get("F", stage.get("f_stat")),
                         "p_value": stage.get("p_value"), "n_boot": boot.get("reps")})
        return rows
    block = extra.get("thresholds")
    if isinstance(block, dict):
        block = [block]
    if not isinstance(block, list):
        return []
    rows = []
    for item in block:
        if not isinstance(item, dict):
            continue
        ci = item.get("ci") or [item.get("ci_lower"), item.get("ci_upper")]
        rows.append({
            "estimate": item.get("estimate", item.get("gamma")),
            "ci_lower": ci[0], "ci_upper": ci[1],
            "f_stat": item.get("f_stat", item.get("F", item.get("statistic", item.get("lr")))),
            "p_value": item.get("bootstrap_p", item.get("p_value")),
            "n_boot": item.get("n_boot", item.get("bootstrap_reps")),
        })
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
    """Hansen (1999, eq. 15) no-rejection critical value of LR(gamma) (the model's own formula)."""
    return hansen_lr_critical_value(alpha)


def lr_curves(doc: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    """(gamma grid, LR values) pairs from ``extra.threshold.lr_curve`` or ``extra.lr_curve`` (a
    {gamma, lr} dict or a list of them), or each ``extra.thresholds`` row's ``lr_curve``."""
    extra = doc.get("extra", {})
    blocks = []
    for holder in (extra.get("threshold") if isinstance(extra.get("threshold"), dict) else {}, extra):
        curve = holder.get("lr_curve")
        if isinstance(curve, dict):
            blocks.append(curve)
        elif isinstance(curve, list):
            blocks += [b for b in curve if isinstance(b, dict)]
    block = extra.get("thresholds")
    for item in block if isinstance(block, list) else []:
        if isinstance(item, dict) and isinstance(item.get("lr_curve"), dict):
            blocks.append(item["lr_curve"])
    curves = []
    for b in blocks:
        g = np.asarray(b.get("gamma", b.get("grid", [])), dtype=float)
        lr = np.asarray(b.get("lr", b.get("LR", [])), dtype=float)
        if g.size and g.size == lr.size:
            curves.append((g, lr))
    return curves


def lr_critical_value(doc: dict) -> tuple[float, float]:
    """(alpha, critical value): the document's own ``extra.threshold.lr_critical_value`` at
    1 - ci_level when given, else Hansen's formula at alpha = 0.05."""
    block = doc.get("extra", {}).get("threshold")
    if isinstance(block, dict) and block.get("lr_critical_value") is not None:
        return 1 - float(block.get("ci_level", 0.95)), float(block["lr_critical_value"])
    return 0.05, hansen_critical_value(0.05)


def moderation_terms(doc: dict) -> tuple[str, str, str] | None:
    """(x, moderator, interaction) coefficient names of a moderation model, or None.

    Read from ``extra.moderation`` {treatment | x, moderator, interaction}, or from
    the spec (``moderator`` plus the first of ``x``) with the interaction named
    ``x:m``, ``m:x``, ``x_x_m`` or ``x*m``."""
    names = {r["name"] for r in doc["coefficients"]}
    block = doc.get("extra", {}).get("moderation")
    if isinstance(block, dict) and "moderator" in block and "interaction" in block:
        terms: tuple[Any, Any, Any] = (block.get("treatment", block.get("x")), block["moderator"], block["interaction"])
        return terms if terms[0] in names and terms[2] in names else None
    spec = doc.get("spec", {})
    m = spec.get("moderator")
    x = spec.get("x")
    x = x[0] if isinstance(x, list) and x else x
    if not m or not isinstance(x, str):
        return None
    for inter in (f"{x}:{m}", f"{m}:{x}", f"{x}_x_{m}", f"{x}*{m}"):
        if inter in names and x in names:
            return x, m, inter
    return None


def marginal_effects(doc: dict, grid=None) -> dict | None:
    """dy/dx over moderator values ``m``: {x, moderator, grid, effect, std_error, lower, upper}.

    The model's own ``extra.moderation.marginal_effects`` (moderator_values,
    effect, std_error, ci_lower, ci_upper) when present. Otherwise computed from
    the document: dy/dx = b_x + b_xm (m - c), Var = V_xx + (m-c)^2 V_ii +
    2 (m-c) V_xi, with c = ``extra.moderation.centring.z_mean`` (0 when the
    moderator entered uncentred) and a normal band at ``ci_level``. None when the
    document is not a moderation model, or has neither block nor vcov."""
    terms = moderation_terms(doc)
    if terms is None:
        return None
    x, moderator, inter = terms
    block = doc.get("extra", {}).get("moderation")
    block = block if isinstance(block, dict) else {}
    given = block.get("marginal_effects")
    if isinstance(given, dict) and {"moderator_values", "effect", "ci_lower", "ci_upper"} <= set(given):
        arr = {k: np.asarray(given[k], dtype=float) for k in ("moderator_values", "effect", "ci_lower", "ci_upper")}
        return {"x": x, "moderator": moderator, "grid": arr["moderator_values"], "effect": arr["effect"],
                "std_error": np.asarray(given.get("std_error", np.full_like(arr["effect"], np.nan)), dtype=float),
                "lower": arr["ci_lower"], "upper": arr["ci_upper"]}
    vcov = doc.get("vcov")
    if not vcov or grid is None or x not in vcov["names"] or inter not in vcov["names"]:
        return None
    names = vcov["names"]
    V = np.asarray(vcov["matrix"], dtype=float)
    ix, ii = names.index(x), names.index(inter)
    coef = {r["name"]: r["estimate"] for r in doc["coefficients"]}
    m = np.asarray(grid, dtype=float)
    centre = float((block.get("centring") or {}).get("z_mean", 0.0))
    d = m - centre
    effect, se = moderation_marginal_effects(coef[x], coef[inter], V[np.ix_([ix, ii], [ix, ii])], d)
    q = stats.norm.ppf(0.5 + doc.get("ci_level", 0.95) / 2)
    return {"x": x, "moderator": moderator, "grid": m, "effect": effect, "std_error": se,
            "lower": effect - q * se, "upper": effect + q * se}


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
