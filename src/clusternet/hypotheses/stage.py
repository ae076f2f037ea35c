"""The hypotheses stage: the registry evaluated against the result documents (and, with the
analysis panel, design-based inference, power and specification curves) ->
results/hypotheses/verdicts.{json,md} and results/hypotheses/spec_curves/ (docs/hypotheses.md)."""
from __future__ import annotations

from pathlib import Path

from clusternet.hypotheses.registry import VERDICTS, load_registry, referenced, result_path
from clusternet.io import write_json, write_text
from clusternet.provenance import provenance


def evaluate(reg: dict, results_dir: Path, data=None, seed: int = 0, curves: dict | None = None) -> list[dict]:
    """A verdict entry per hypothesis (the layout the report reads). With ``data`` (the analysis
    panel) also the design-based inference, simulated power and specification curves
    (``clusternet.models.verdicts``); ``curves``, if given, receives the curves by id."""
    from clusternet.hypotheses.verdicts import evaluate_all

    entries, found = evaluate_all(reg, results_dir, data=data, seed=seed)
    if curves is not None:
        curves.update(found)
    return entries


def _fmt(v, digits=4) -> str:
    return "—" if v is None else f"{v:.{digits}g}"


def _verdict_label(e: dict) -> str:
    return e["verdict"].replace("_", " ") + (" (downgraded)" if e.get("downgraded") else "")


def summary_markdown(entries: list[dict]) -> str:
    lines = ["# Hypothesis verdicts", "",
             "Regional correlates from province-level totals and a modelled allocation of flows, not "
             "mechanisms inside clusters. Estimates, CIs and MDEs in within-province SD units where the "
             "scale is known (raw units otherwise, marked r); p adjusted across the registry (governing "
             "adjustment per entry); robustness = specification-curve share with the expected sign.", "",
             "| id | class | claim | expected | estimate | CI | MDE (analytic / simulated) | SESOI | p raw | "
             "p Holm | p BH | p wild | robustness (n specs) | verdict |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for e in entries:
        sd = e.get("estimate_sd") is not None
        raw = _fmt(e.get("estimate")) + (" r" if e.get("estimate") is not None else "")
        est = _fmt(e.get("estimate_sd")) if sd else raw
        if sd and e.get("ci_sd"):
            ci = f"[{_fmt(e['ci_sd'][0])}, {_fmt(e['ci_sd'][1])}]"
        else:
            ci = f"[{_fmt(e.get('ci_lower'))}, {_fmt(e.get('ci_upper'))}]"
        mde_a = e.get("mde_analytic_sd") if sd else e.get("mde_analytic")
        mde_s = e.get("mde_simulated_sd") if sd else e.get("mde_simulated")
        share = e.get("robustness_share")
        rob = "—" if share is None else f"{share:.2f} ({e.get('n_specifications', 0)})"
        lines.append(f"| {e['id']} | {e.get('class', 'B')} | {e['title_en']} | {e['expected_sign']} | {est} | {ci} | "
                     f"{_fmt(mde_a, 3)} / {_fmt(mde_s, 3)} | {_fmt(e.get('sesoi'), 2)} | {_fmt(e.get('p_raw'), 3)} | "
                     f"{_fmt(e.get('p_holm'), 3)} | {_fmt(e.get('p_bh'), 3)} | {_fmt(e.get('p_wild'), 3)} | {rob} | "
                     f"{_verdict_label(e)} |")
    lines += ["", "## Inference on the real design", "",
              "Simulated size = rejection rate at 5 % of each test when the effect is zero, on wild-bootstrap "
              "resamples of the real residuals (docs/hypotheses.md, Power).", "",
              "| id | governing p from | p governing | p randomisation | TOST p | size, nominal cluster t | "
              "size, wild bootstrap |", "|---|---|---|---|---|---|---|"]
    for e in entries:
        if e["verdict"] == "not_testable":
            continue
        lines.append(f"| {e['id']} | {e.get('p_governing_source') or '—'} | {_fmt(e.get('p_value'), 3)} | "
                     f"{_fmt(e.get('p_randomisation'), 3)} | {_fmt(e.get('tost_p'), 3)} | "
                     f"{_fmt(e.get('size_nominal'), 3)} | {_fmt(e.get('size_wild'), 3)} |")
    counts = {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS}
    lines += ["", "Totals: " + ", ".join(f"{v.replace('_', ' ')} {n}" for v, n in counts.items()), ""]
    return "\n".join(lines)


def _load_data(config):
    """The analysis panel, or None when the processed tables are absent (document-only mode)."""
    from clusternet.data.analysis import load_analysis_panel

    processed = config.path_of("processed")
    if not (processed / "panel.parquet").exists():
        return None, []
    return load_analysis_panel(config)


def write_curves(curves: dict, entries: list[dict], out_dir: Path, prov: dict) -> list[Path]:
    """results/hypotheses/spec_curves/<id>.csv and <id>.png/.pdf."""
    import pandas as pd

    from clusternet.io import atomic_path
    from clusternet.models.speccurve import curve_figure

    folder = out_dir / "spec_curves"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    titles = {e["id"]: e for e in entries}
    for hid, curve in sorted(curves.items()):
        rows = []
        for r in curve["specifications"]:
            rows.append({k: (f"{v.get('first', '')}-{v.get('last', '')}" if isinstance(v, dict) else v)
                         for k, v in r.items()})
        csv = folder / f"{hid}.csv"
        with atomic_path(csv) as tmp:
            pd.DataFrame(rows).to_csv(tmp, index=False, lineterminator="\n")
        written.append(csv)
        e = titles[hid]
        summ = curve["summary"]
        title = (f"{hid}: {e['title_en']} — {summ['n_specifications']} specifications, expected sign "
                 f"{_fmt(summ.get('share_expected_sign'), 2)}, "
                 f"significant {_fmt(summ.get('share_significant_expected'), 2)}")
        curve_figure(curve, title, folder / hid, prov, alpha=e["alpha"])
        written += [folder / f"{hid}.png", folder / f"{hid}.pdf"]
    return written


def run(config) -> tuple[Path, Path]:
    """Evaluate the registry; holds the result-document locks (:func:`clusternet.reads.results_lock`):
    its own exclusively, those of the documents it reads shared."""
    from clusternet.reads import results_lock

    with results_lock(config.path_of("results"), exclusive=["hypotheses"], shared=["models", "spatial-models"]):
        return _run(config)


def _run(config) -> tuple[Path, Path]:
    reg = load_registry(config)
    results_dir = config.path_of("results")
    data, data_inputs = _load_data(config)
    curves: dict = {}
    entries = evaluate(reg, results_dir, data=data, seed=config.seed, curves=curves)
    from clusternet.hypotheses.truth import add_true_values, truth_markdown

    truth_inputs = add_true_values(config, reg, entries)  # simulated projects only (issue 17)
    inputs = sorted({result_path(results_dir, e) for e in referenced(reg)}) + list(data_inputs) + truth_inputs
    prov = provenance(inputs, config, sections=["hypotheses"])
    doc = {"schema_version": "2", "kind": "hypothesis_verdicts", "hypotheses": entries,
           "counts": {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS},
           "caveat": CAVEAT, "provenance": prov}
    out_dir = results_dir / "hypotheses"
    if curves:
        write_curves(curves, entries, out_dir, prov)
    write_json(out_dir / "verdicts.json", doc)
    write_text(out_dir / "verdicts.md", summary_markdown(entries) + truth_markdown(entries))
    return out_dir / "verdicts.json", out_dir / "verdicts.md"


CAVEAT = ("Results are regional correlates from province-level totals and a modelled allocation of flows, "
          "not mechanisms inside clusters.")
