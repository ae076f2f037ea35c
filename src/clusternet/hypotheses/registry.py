"""The hypothesis registry (``config/hypotheses.yaml``) and its verdicts.

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

from dataclasses import dataclass
from pathlib import Path

from clusternet.errors import ConfigError, DataError
from clusternet.io import write_json, write_text
from clusternet.provenance import provenance
from clusternet.results import read_result

VERDICTS = ("supported", "not_supported", "contradicted")
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
    """supported / not_supported / contradicted (see the module docstring)."""
    if estimate is None:
        return "not_supported"
    if p_value is not None:
        significant = p_value < alpha
    elif ci_lower is not None and ci_upper is not None:
        significant = ci_lower > 0 or ci_upper < 0
    else:
        significant = False
    if not significant:
        return "not_supported"
    if expected_sign == "nonzero":
        return "supported"
    if estimate == 0:
        return "not_supported"
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


def evaluate(reg: dict, results_dir: Path) -> list[dict]:
    """A verdict entry per hypothesis (the layout the report reads)."""
    store = DocumentStore(results_dir)
    default_alpha = float(reg.get("alpha", 0.05))
    out = []
    for h in reg["hypotheses"]:
        decision = h.get("decision", {})
        alpha = float(decision.get("alpha", default_alpha))
        expected = h["expected_sign"]
        est = Estimand.from_dict(h["estimand"])
        doc, path = store.get(est, h["id"])
        primary = _evidence(est, lookup(doc, est, h["id"], path), path, expected, alpha)
        robust = []
        for r in h.get("robustness", []):
            r_est = Estimand.from_dict(r)
            r_doc, r_path = store.get(r_est, h["id"])
            robust.append(_evidence(r_est, lookup(r_doc, r_est, h["id"], r_path), r_path, expected, alpha))
        verdict = primary["verdict"]
        all_agree = all(r["sign_agrees"] for r in robust)
        downgraded = bool(decision.get("require_robust", False) and verdict == "supported" and not all_agree)
        if downgraded:
            verdict = "not_supported"
        out.append({
            "id": h["id"], "mechanism": h["mechanism"], "title_en": h["title_en"], "title_zh": h["title_zh"],
            "statement_en": h["statement_en"], "statement_zh": h["statement_zh"], "reasoning": h["reasoning"],
            "expected_sign": expected, "alpha": alpha, "verdict": verdict, "downgraded": downgraded,
            "estimate": primary["estimate"], "ci_lower": primary["ci_lower"], "ci_upper": primary["ci_upper"],
            "p_value": primary["p_value"], "evidence": [primary], "robustness": robust,
            "robustness_summary": {"n": len(robust), "agree": sum(r["sign_agrees"] for r in robust),
                                   "significant": sum(r["verdict"] == "supported" for r in robust)},
            "specifications": sorted({primary["specification"], *(r["specification"] for r in robust)}),
        })
    return out


def _fmt(v, digits=4) -> str:
    return "—" if v is None else f"{v:.{digits}g}"


def summary_markdown(entries: list[dict]) -> str:
    lines = ["# Hypothesis verdicts", "",
             "Verdict at the entry's alpha from the two-sided p-value of the primary estimand; "
             "robustness = specifications whose estimate has the expected sign.", "",
             "| id | mechanism | claim | expected | estimate | CI (document level) | p | verdict | robustness |",
             "|---|---|---|---|---|---|---|---|---|"]
    for e in entries:
        rs = e["robustness_summary"]
        ci = f"[{_fmt(e['ci_lower'])}, {_fmt(e['ci_upper'])}]"
        verdict = e["verdict"].replace("_", " ") + (" (downgraded)" if e["downgraded"] else "")
        lines.append(f"| {e['id']} | {e['mechanism']} | {e['title_en']} | {e['expected_sign']} | "
                     f"{_fmt(e['estimate'])} | {ci} | {_fmt(e['p_value'], 3)} | {verdict} | "
                     f"{rs['agree']}/{rs['n']} |")
    counts = {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS}
    lines += ["", "Totals: " + ", ".join(f"{v.replace('_', ' ')} {n}" for v, n in counts.items()), ""]
    return "\n".join(lines)


def run(config) -> tuple[Path, Path]:
    reg = load_registry(config)
    results_dir = config.path_of("results")
    entries = evaluate(reg, results_dir)
    inputs = sorted({result_path(results_dir, e) for e in referenced(reg)})
    doc = {"schema_version": "1", "kind": "hypothesis_verdicts", "hypotheses": entries,
           "counts": {v: sum(e["verdict"] == v for e in entries) for v in VERDICTS},
           "provenance": provenance(inputs, config, sections=["hypotheses"])}
    out_dir = results_dir / "hypotheses"
    write_json(out_dir / "verdicts.json", doc)
    write_text(out_dir / "verdicts.md", summary_markdown(entries))
    return out_dir / "verdicts.json", out_dir / "verdicts.md"

