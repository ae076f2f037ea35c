"""One section per hypothesis of ``results/hypotheses/verdicts.json``, deciding estimand first.

Order of a section's items (issue 13: "each hypothesis section shows exactly the estimand that
decides it first, then robustness"):

1. the *deciding estimand* table (:func:`deciding_table`): the estimand the verdict is read from
   (specification, term, spatial effect or test), its estimate (raw and within-SD units), SE,
   confidence interval, the governing p-value and where it comes from (the document, the wild
   cluster bootstrap, randomisation inference), the multiplicity-adjusted p-value, the MDE at the
   registry's power target, the SESOI with its TOST p-value, the number of clusters and the
   verdict; for a threshold test also γ̂, its CI, the F statistic and its bootstrap p-value;
2. the deciding figure (:func:`deciding_figure`): the estimand across the primary and the
   robustness specifications (one panel per outcome), or, for a threshold test, the LR curve
   of the threshold that is tested;
3. the supporting evidence: further evidence items and the robustness estimands (readable
   headers), the regression table of the cited documents with the deciding term in its first
   row, the coefficient plot and the specification curve.
"""
from __future__ import annotations

from clusternet.report import extras, figures, messages, verdict_table
from clusternet.report.inputs import resolve_result
from clusternet.report.regression import regression_table
from clusternet.report.tables import Table

# Evidence / robustness fields shown as columns, in this order (``result`` goes to the notes:
# a JSON path is not a column a reader needs).
RECORD_COLUMNS = ("specification", "coefficient", "effect", "test", "estimate", "std_error", "p_value", "ci",
                  "verdict", "sign_agrees")
HIDDEN_FIELDS = ("result", "source", "ci_lower", "ci_upper", "note")


def safe_name(text: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "item"


def primary_item(h: dict, b) -> dict | None:
    """The estimand the verdict is read from: the first evidence item, with the numbers of the
    verdict entry (or, in the minimal layout, of the cited document's coefficient row)."""
    if not h.get("evidence"):
        return None
    item = dict(h["evidence"][0])
    key = resolve_result(item.get("result"), b.inputs)
    if item.get("estimate") is None and key is not None and item.get("coefficient") and not item.get("effect"):
        row = next((r for r in b.inputs.docs[key]["coefficients"] if r["name"] == item["coefficient"]), None)
        if row is not None:
            item.update({k: row.get(k) for k in ("estimate", "std_error", "p_value", "ci_lower", "ci_upper")})
    item["_key"] = key
    return item


def term_label(item: dict, b) -> str:
    """'Digital finance index, indirect effect', 'test permutation_equal_slopes', ... in the report's language."""
    s, m = b.settings, messages.of(b.settings.language)
    if item.get("test"):
        return f"{m['test']} {s.label(str(item['test']))}"
    text = s.label(str(item.get("coefficient") or ""))
    if item.get("effect"):
        text += m["sep"] + m.get(f"effect_{item['effect']}", str(item["effect"]))
    return text


def spec_label(item: dict, b) -> str:
    key = item.get("_key") or resolve_result(item.get("result"), b.inputs)
    doc = b.inputs.docs.get(key) if key else None
    if doc is None:
        return str(item.get("specification") or key or "")
    return b.settings.doc_label(doc, str(key))


def _ci(lo, hi, fmt) -> str:
    return "" if lo is None or hi is None else f"[{fmt(lo)}, {fmt(hi)}]"


def deciding_rows(h: dict, item: dict | None, b) -> list[list[str]]:
    """(label, value) rows of the deciding-estimand table; rows without a value are left out."""
    s, m = b.settings, messages.of(b.settings.language)
    est = lambda v: s.fmt(v, statistic="estimate")  # noqa: E731
    ci = lambda v: s.fmt(v, statistic="ci")  # noqa: E731
    doc = b.inputs.docs.get(item["_key"]) if item and item.get("_key") else None
    level = int(round(100 * float((doc or {}).get("ci_level", 0.95))))
    rows: list[list[str]] = []
    if item is not None:
        rows.append([m["estimand"], term_label(item, b)])
        rows.append([m["specification"], spec_label(item, b)])
        if doc is not None:
            rows.append([m["outcome"], s.label(doc["dependent"])])
    estimate = h.get("estimate", item.get("estimate") if item else None)
    is_test = bool(item and item.get("test"))
    rows.append([m["statistic"] if is_test else m["estimate"], est(estimate)])
    if h.get("estimate_sd") is not None:
        rows.append([m["estimate_sd"], est(h["estimate_sd"])])
    if h.get("true_value") is not None:  # a simulated project (issue 17): raw units, as the estimate
        rows.append([m["true_value"], est(h["true_value"]) + (f" ({m['true_in_ci']})" if h.get("true_in_ci") else "")])
    if item is not None and item.get("std_error") is not None:
        rows.append([m["std_error"], s.fmt(item["std_error"], statistic="std_error")])
    lo = h.get("ci_lower", item.get("ci_lower") if item else None)
    hi = h.get("ci_upper", item.get("ci_upper") if item else None)
    rows.append([m["ci"].format(level=level), _ci(lo, hi, ci)])
    if h.get("ci_sd"):
        rows.append([m["ci_sd"].format(level=level), _ci(h["ci_sd"][0], h["ci_sd"][1], ci)])
    p = h.get("p_value", item.get("p_value") if item else None)
    source = h.get("p_governing_source")
    rows.append([m["p_governing"], s.fmt_p(p) + (f" ({m['p_source'].get(source, source)})" if source and p is not None
                                                 else "")])
    if h.get("p_adjusted") is not None:
        rows.append([m["p_adjusted"].format(method=h.get("adjustment", "holm")), s.fmt_p(h["p_adjusted"])])
    mde_sim, mde_an = h.get("mde_simulated"), h.get("mde_analytic")
    if mde_sim is not None or mde_an is not None:
        power = (h.get("power_simulation") or {}).get("target", 0.8)
        kind = m["simulated"] if mde_sim is not None else m["analytic"]
        raw = mde_sim if mde_sim is not None else mde_an
        sd = h.get("mde_simulated_sd") if mde_sim is not None else h.get("mde_analytic_sd")
        value = est(raw) + ("" if sd is None else f" ({est(sd)} {m['sd_units']})")
        rows.append([m["mde"].format(power=int(round(100 * float(power))), kind=kind), value])
    if h.get("sesoi") is not None and h.get("tost_p") is not None:
        rows.append([m["tost"].format(sesoi=s.fmt(h["sesoi"])), s.fmt_p(h["tost_p"])])
    if h.get("n_clusters") is not None:
        rows.append([m["clusters"], str(h["n_clusters"])])
    if h.get("size_nominal") is not None:
        wild = "" if h.get("size_wild") is None else f"; {m['wild']} {s.fmt(h['size_wild'], statistic='r2')}"
        rows.append([m["size"], s.fmt(h["size_nominal"], statistic="r2") + wild])
    if is_test and doc is not None and item is not None:
        rows += threshold_rows(doc, item, b)
    verdict = verdict_table.VERDICT_WORDS[s.language].get(h["verdict"], h["verdict"].replace("_", " "))
    if h.get("downgraded"):
        verdict += f" ({m['downgraded']})"
    rows.append([m["verdict"], verdict])
    return [r for r in rows if r[1] != ""]


def threshold_rows(doc: dict, item: dict, b) -> list[list[str]]:
    """γ̂, its CI, F and bootstrap p of the threshold a ``threshold_F<k>`` test concerns."""
    s, m = b.settings, messages.of(b.settings.language)
    rows = extras.thresholds(doc)
    test = str(item.get("test") or "")
    if not rows or not test.startswith("threshold_F"):
        return []
    k = int(test.removeprefix("threshold_F") or 1)
    if not 1 <= k <= len(rows):
        return []
    r = rows[k - 1]
    level = int(round(100 * float(((doc.get("extra") or {}).get("threshold") or {}).get("ci_level", 0.95))))
    out = [[m["gamma"], s.fmt(r["estimate"], statistic="estimate")],
           [m["gamma_ci"].format(level=level), _ci(r["ci_lower"], r["ci_upper"], lambda v: s.fmt(v, statistic="ci"))],
           [m["f_stat"], s.fmt(r["f_stat"], statistic="statistic")],
           [m["boot_p"], s.fmt_p(r["p_value"])]]
    if r.get("n_boot") is not None:
        out.append([m["boot_reps"], str(r["n_boot"])])
    return out


def deciding_table(h: dict, b) -> Table:
    m = messages.of(b.settings.language)
    item = primary_item(h, b)
    inputs = [b.inputs.doc_paths[item["_key"]]] if item and item.get("_key") else []
    if b.inputs.verdicts_path:
        inputs.append(b.inputs.verdicts_path)
    notes = [m["deciding_note"]]
    if item is not None and item.get("effect"):
        notes.append(m["effect_note"])
    return Table(name=f"{safe_name(h['id'])}_deciding", title=f"{h['id']} — {m['deciding_title']}",
                 header=[[m["quantity"], m["value"]]], body=deciding_rows(h, item, b), notes=notes,
                 provenance=b.prov(inputs))


def estimand_points(h: dict, b) -> list[dict]:
    """The deciding estimand and the robustness estimands that have a confidence interval, as
    {label, outcome, estimate, lower, upper, primary} (outcome = the cited document's dependent)."""
    out = []
    items = [(True, primary_item(h, b))] + [(False, {**r, "_key": resolve_result(r.get("result"), b.inputs)})
                                            for r in h.get("robustness") or []]
    for primary, it in items:
        if not it or it.get("test") or it.get("estimate") is None:
            continue
        if it.get("ci_lower") is None or it.get("ci_upper") is None:
            continue
        doc = b.inputs.docs.get(it["_key"]) if it.get("_key") else None
        out.append({"label": f"{spec_label(it, b)}: {term_label(it, b)}",
                    "outcome": (doc or {}).get("dependent", ""), "estimate": float(it["estimate"]),
                    "lower": float(it["ci_lower"]), "upper": float(it["ci_upper"]), "primary": primary})
    return out if out and out[0]["primary"] else []


def deciding_figure(h: dict, b):
    """(figure, name, title, inputs) of the deciding estimand, or None (a test other than a threshold)."""
    m = messages.of(b.settings.language)
    item = primary_item(h, b)
    if item is None:
        return None
    key = item.get("_key")
    if item.get("test"):
        doc = b.inputs.docs.get(key) if key else None
        curves = extras.lr_curves(doc) if doc and str(item["test"]).startswith("threshold_F") else []
        if not curves:
            return None
        alpha, crit = extras.lr_critical_value(doc)  # type: ignore[arg-type]  # doc is set when curves are
        k = int(str(item["test"]).removeprefix("threshold_F") or 1)
        title = f"{h['id']}: {b.settings.word('lr_curve')}"
        fig = figures.lr_curve_plot(curves[k - 1:k] or curves, spec_label(item, b), b.settings, alpha, crit)
        return fig, f"{safe_name(h['id'])}_deciding", title, [b.inputs.doc_paths[key]]
    points = estimand_points(h, b)
    if not points:
        return None
    title = f"{h['id']}: {m['deciding_figure']}"
    fig = figures.estimand_plot(points, b.settings, title)
    cited = [resolve_result(r.get("result"), b.inputs) for r in [*h["evidence"][:1], *(h.get("robustness") or [])]]
    return fig, f"{safe_name(h['id'])}_deciding", title, [b.inputs.doc_paths[k] for k in cited if k]


def records_table(name: str, title: str, records: list[dict], b) -> Table:
    """Evidence / robustness items as rows with readable headers; columns are the fields set in
    some item (``RECORD_COLUMNS`` first, then the rest alphabetically); the cited files go to the notes."""
    s, m = b.settings, messages.of(b.settings.language)
    rows = []
    for r in records:
        r = dict(r)
        if r.get("ci_lower") is not None and r.get("ci_upper") is not None:
            r["ci"] = _ci(r["ci_lower"], r["ci_upper"], lambda v: s.fmt(v, statistic="ci"))
        rows.append(r)
    columns: list[str] = []
    for r in rows:
        for k in r:
            if (k not in columns and k not in HIDDEN_FIELDS and not isinstance(r[k], (dict, list))
                    and any(q.get(k) is not None for q in rows)):
                columns.append(k)
    front = [c for c in RECORD_COLUMNS if c in columns]
    columns = front + sorted(c for c in columns if c not in front)

    def cell(r: dict, column: str) -> str:
        v = r.get(column)
        if isinstance(v, bool) or v is None:
            return "" if v is None else s.word("yes" if v else "no")
        if column == "specification":
            return spec_label({**r, "_key": resolve_result(r.get("result"), b.inputs)}, b)
        if column in ("coefficient", "test"):
            return s.label(str(v))
        if column == "effect":
            return m.get(f"effect_{v}", str(v))
        if column == "verdict":
            return verdict_table.VERDICT_WORDS[s.language].get(str(v), m["record_verdicts"].get(str(v), str(v)))
        if isinstance(v, float):
            return s.fmt_p(v) if "p_value" in column else s.fmt(v, statistic=column)
        return str(v)

    body = [[cell(r, c) for c in columns] for r in rows]
    cited = [b.inputs.doc_paths[k] for k in (resolve_result(r.get("result"), b.inputs) for r in records) if k]
    inputs = [*cited, *([b.inputs.verdicts_path] if b.inputs.verdicts_path else [])]
    notes = [m["files_note"] + ", ".join(dict.fromkeys(p.as_posix() for p in cited))] if cited else []
    header = [[m["columns"].get(c, s.label(c)) for c in columns]]
    return Table(name=name, title=title, header=header, body=body, notes=notes, provenance=b.prov(inputs))


def hypothesis_sections(b, section_type) -> list:
    """Sections (``section_type`` = build.Section) of every hypothesis, deciding estimand first."""
    from clusternet.report.sections import Item
    from clusternet.report import html as html_report

    if b.inputs.verdicts is None:
        b.skip("hypothesis sections", "results/hypotheses/verdicts.json is absent")
        return []
    out = []
    lang = b.settings.language
    m = messages.of(lang)
    for h in b.inputs.verdicts:
        s = section_type(f"hypothesis-{safe_name(h['id'])}", f"{h['id']}: {h[f'title_{lang}']}", hypothesis=h)
        cited, coefs = [], []
        for item in [*h["evidence"], *h["robustness"]]:
            key = resolve_result(item.get("result"), b.inputs)
            if item.get("result") and key is None:
                b.skip(f"{h['id']}: evidence {item.get('result')}", "the cited result document is absent")
            if key is not None and key not in cited:
                cited.append(key)
            if item.get("coefficient") and item["coefficient"] not in coefs:
                coefs.append(item["coefficient"])
        if h["evidence"]:
            s.items.append(b.table(deciding_table(h, b)))
            drawn = deciding_figure(h, b)
            if drawn is not None:
                fig, name, title, inputs = drawn
                lr = bool((primary_item(h, b) or {}).get("test"))  # a threshold test draws its LR curve
                caption = m["lr_caption" if lr else "deciding_caption"]
                s.items.append(b.figure(fig, name, title, inputs, caption=caption))
        further = h["evidence"][1:]
        if further:
            s.items.append(b.table(records_table(f"{safe_name(h['id'])}_evidence",
                                                 f"{h['id']} — {m['further_evidence']}", further, b)))
        if h["robustness"]:
            s.items.append(b.table(records_table(f"{safe_name(h['id'])}_robustness",
                                                 f"{h['id']} — {html_report.heading(b.settings, 'robustness')}",
                                                 h["robustness"], b)))
        if cited:
            docs = {k: b.inputs.docs[k] for k in cited}
            prov = b.prov(b.inputs.doc_paths[k] for k in cited)
            s.items.append(b.table(regression_table(docs, b.settings, name=f"{safe_name(h['id'])}_regressions",
                                                    title=f"{h['id']}: {h[f'title_{lang}']}", provenance=prov,
                                                    first=coefs[:1])))
            if coefs:
                fig = figures.coefficient_plot(docs, coefs, b.settings, f"{h['id']}: {b.settings.word('coefplot')}")
                s.items.append(b.figure(fig, f"{safe_name(h['id'])}_coefficients", b.settings.word("coefplot"),
                                        [b.inputs.doc_paths[k] for k in cited]))
        curve = verdict_table.spec_curve_image(b.config.path_of("results"), h["id"], b.stage)
        if curve is not None:
            s.items.append(Item("figure", f"spec_curve_{safe_name(h['id'])}", f"{h['id']}: {m['spec_curve']}",
                                caption=m["spec_curve_caption"], image=curve[0], files=curve[1]))
        from clusternet.report.policy_section import policy_items  # pilot-zone evaluation (issue 15)

        paragraphs, items = policy_items(b, h)
        s.paragraphs.extend(paragraphs)
        s.items.extend(items)
        out.append(s)
    return out
