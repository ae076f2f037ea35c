"""The hypothesis registry (``config/hypotheses.yaml``) and its verdicts.

Research design v2 (docs/hypotheses.md): the verdict of an entry is one of ``supported``,
``contradicted``, ``effect_bounded``, ``inconclusive`` or ``not_testable`` (class C), decided
from the governing, multiplicity-adjusted p-value and a TOST against the smallest effect size of
interest; power, wild-bootstrap and specification-curve figures come from
``clusternet.models.verdicts`` (with the analysis panel). The rule below, with
``not_supported`` read as ``inconclusive``, is the one applied to robustness estimands.

Each entry names an estimand — one coefficient (or, for spatial models, one
direct/indirect/total effect) of one result document — an expected sign and a
decision rule. The verdict of an entry, at level alpha (two-sided p-value of
the estimand as reported in its result document):

- ``supported``      p < alpha and sign(estimate) = expected sign;
- ``contradicted``   p < alpha and sign(estimate) = the opposite sign;
- ``not_supported``  p >= alpha (or no p-value and the CI covers zero).

``expected_sign: nonzero`` is for estimands without a sign (a test such as the
equality of slopes across regions): ``supported`` when p < alpha, else
``not_supported``. An estimand is a ``coefficient`` row or a ``test`` of the
document's ``tests`` list (its statistic is reported as the estimate).

Robustness specifications are evaluated the same way; ``robustness.agree``
counts those whose estimate has the expected sign, ``robustness.significant``
those that are also significant. With ``decision.require_robust: true`` a
``supported`` verdict becomes ``not_supported`` unless every robustness
estimate has the expected sign (reported in ``downgraded``; for ``nonzero``
entries "agrees" means significant).

Result documents are read from ``<results>/models/<specification>.json``
(``source: models``) or ``<results>/spatial/models/<specification>.json``
(``source: spatial``). A spatial effect (``effect``: direct, indirect or total) is read
from ``extra.spatial.effects.variables[<coefficient>][<effect>]`` of a spatial document.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from clusternet.errors import ConfigError, DataError
from clusternet.io import write_json, write_text
from clusternet.provenance import provenance
from clusternet.results import read_result

VERDICTS = ("supported", "contradicted", "effect_bounded", "inconclusive", "not_testable")
SOURCE_DIRS = {"models": Path("models"), "spatial": Path("spatial/models")}
SIGNS = {"positive": 1, "negative": -1, "nonzero": 0}


@dataclass(frozen=True)
class Estimand:
    source: str
    specification: str
    coefficient: str | None = None
    effect: str | None = None
    test: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> "Estimand":
        return cls(d.get("source", "models"), d["specification"], d.get("coefficient"), d.get("effect"),
                   d.get("test"))


def load_registry(config) -> dict:
    """The validated registry; duplicate ids are an error."""
    reg = config.section("hypotheses")
    seen = set()
    for i, h in enumerate(reg["hypotheses"]):
        if h["id"] in seen:
            raise ConfigError(f"{config.section_file('hypotheses')}: hypotheses[{i}].id {h['id']!r} is used twice; "
                              "ids must be unique")
        seen.add(h["id"])
    return reg


def referenced(reg: dict) -> list[Estimand]:
    """Every estimand (primary and robustness) the registry refers to, in order."""
    out = []
    for h in reg["hypotheses"]:
        if "estimand" not in h:
            continue  # class C entries may have none
        out.append(Estimand.from_dict(h["estimand"]))
        out += [Estimand.from_dict(r) for r in h.get("robustness", [])]
    return out


def result_path(results_dir: Path, est: Estimand) -> Path:
    return Path(results_dir) / SOURCE_DIRS[est.source] / f"{est.specification}.json"


def _effect_row(doc: dict, est: Estimand, hypothesis_id: str, path: Path) -> dict:
    """A spatial effect: ``extra.spatial.effects.variables[<coefficient>][<effect>]``
    (the layout of ``clusternet.spatial.models.effects_table``)."""
    variables = (((doc.get("extra") or {}).get("spatial") or {}).get("effects") or {}).get("variables")
    if not variables:
        raise DataError(f"hypothesis {hypothesis_id}: {path} has no spatial effects (extra.spatial.effects); "
                        "estimand.effect needs a spatial model document")
    if est.coefficient not in variables:
        raise DataError(f"hypothesis {hypothesis_id}: no effects of {est.coefficient!r} in {path}; available: "
                        f"{sorted(variables)}")
    return {"name": est.coefficient, **variables[est.coefficient][est.effect]}


def lookup(doc: dict, est: Estimand, hypothesis_id: str, path: Path) -> dict:
    """The coefficient row, test or spatial effect of an estimand; a clear error naming the
    hypothesis if absent."""
    if est.test is not None:
        for t in doc["tests"]:
            if t["name"] == est.test:
                return {"name": t["name"], "estimate": t["statistic"], "p_value": t["p_value"]}
        raise DataError(f"hypothesis {hypothesis_id}: test {est.test!r} not in {path}; available: "
                        f"{[t['name'] for t in doc['tests']]}")
    if est.effect is not None:
        return _effect_row(doc, est, hypothesis_id, path)
    for row in doc["coefficients"]:
        if row["name"] == est.coefficient:
            return row
    raise DataError(f"hypothesis {hypothesis_id}: coefficient {est.coefficient!r} not in {path}; available: "
                    f"{[r['name'] for r in doc['coefficients']]}")


def decide(estimate, p_value, ci_lower, ci_upper, expected_sign: str, alpha: float) -> str:
    """supported / inconclusive / contradicted (see the module docstring)."""
    if estimate is None:
        return "inconclusive"
    if p_value is not None:
        significant = p_value < alpha
    elif ci_lower is not None and ci_upper is not None:
        significant = ci_lower > 0 or ci_upper < 0
    else:
        significant = False
    if not significant:
        return "inconclusive"
    if expected_sign == "nonzero":
        return "supported"
    if estimate == 0:
        return "inconclusive"
    return "supported" if (estimate > 0) == (SIGNS[expected_sign] > 0) else "contradicted"


def _evidence(est: Estimand, row: dict, path: Path, expected: str, alpha: float) -> dict:
    verdict = decide(row.get("estimate"), row.get("p_value"), row.get("ci_lower"), row.get("ci_upper"),
                     expected, alpha)
    if expected == "nonzero":
        agrees = verdict == "supported"
    else:
        agrees = row.get("estimate") is not None and row["estimate"] * SIGNS[expected] > 0
    return {
        "result": path.as_posix(), "source": est.source, "specification": est.specification,
        "coefficient": est.coefficient, "test": est.test, "effect": est.effect, "estimate": row.get("estimate"),
        "std_error": row.get("std_error"), "p_value": row.get("p_value"), "ci_lower": row.get("ci_lower"),
        "ci_upper": row.get("ci_upper"), "verdict": verdict, "sign_agrees": agrees,
    }


class DocumentStore:
    """Reads (and caches) result documents; missing ones are an error naming the hypothesis."""

    def __init__(self, results_dir: Path):
        self.results_dir = Path(results_dir)
        self.docs: dict[Path, dict] = {}

    def get(self, est: Estimand, hypothesis_id: str) -> tuple[dict, Path]:
        path = result_path(self.results_dir, est)
        if path not in self.docs:
            if not path.is_file():
                folder = path.parent
                have = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
                raise DataError(f"hypothesis {hypothesis_id}: result document {path} for specification "
                                f"{est.specification!r} does not exist; {folder} has {have}. Add the "
                                "specification to its config or fix the estimand")
            self.docs[path] = read_result(path)
        return self.docs[path], path


def evaluate(reg: dict, results_dir: Path, data=None, seed: int = 0, curves: dict | None = None) -> list[dict]:
    """A verdict entry per hypothesis (the layout the report reads). With ``data`` (the analysis
    panel) also the design-based inference, simulated power and specification curves
    (``clusternet.models.verdicts``); ``curves``, if given, receives the curves by id."""
    from clusternet.models.verdicts import evaluate_all

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
        est = _fmt(e.get("estimate_sd")) if sd else (_fmt(e.get("estimate")) + (" r" if e.get("estimate") is not None else ""))
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
    counts = {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS}
    lines += ["", "Totals: " + ", ".join(f"{v.replace('_', ' ')} {n}" for v, n in counts.items()), ""]
    return "\n".join(lines)


def _load_data(config):
    """The analysis panel, or None when the processed tables are absent (document-only mode)."""
    from clusternet.models.data import load_analysis_panel

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
                 f"{_fmt(summ.get('share_expected_sign'), 2)}, significant {_fmt(summ.get('share_significant_expected'), 2)}")
        curve_figure(curve, title, folder / hid, prov, alpha=e["alpha"])
        written += [folder / f"{hid}.png", folder / f"{hid}.pdf"]
    return written


def run(config) -> tuple[Path, Path]:
    reg = load_registry(config)
    results_dir = config.path_of("results")
    data, data_inputs = _load_data(config)
    curves: dict = {}
    entries = evaluate(reg, results_dir, data=data, seed=config.seed, curves=curves)
    inputs = sorted({result_path(results_dir, e) for e in referenced(reg)}) + list(data_inputs)
    prov = provenance(inputs, config, sections=["hypotheses"])
    doc = {"schema_version": "2", "kind": "hypothesis_verdicts", "hypotheses": entries,
           "counts": {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS},
           "caveat": CAVEAT, "provenance": prov}
    out_dir = results_dir / "hypotheses"
    if curves:
        write_curves(curves, entries, out_dir, prov)
    write_json(out_dir / "verdicts.json", doc)
    write_text(out_dir / "verdicts.md", summary_markdown(entries))
    return out_dir / "verdicts.json", out_dir / "verdicts.md"


CAVEAT = ("Results are regional correlates from province-level totals and a modelled allocation of flows, "
          "not mechanisms inside clusters.")


def _cmd(args: argparse.Namespace) -> int:
    from clusternet.config import load_config

    json_path, md_path = run(load_config(args.config))
    print(f"wrote {json_path} and {md_path}")
    return 0


def register_cli(sub) -> None:
    """Add ``clusternet hypotheses`` to the parser (called from models/cli.py)."""
    from clusternet.cli import add_config_argument

    p = sub.add_parser("hypotheses", help="evaluate config/hypotheses.yaml against the result documents")
    add_config_argument(p)
    p.set_defaults(func=_cmd)
