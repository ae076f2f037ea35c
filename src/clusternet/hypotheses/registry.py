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
(``source: spatial``) or ``<results>/modes/models/<specification>.json`` (``source: modes``, the
development-mode typology). A spatial effect (``effect``: direct, indirect or total) is read
from ``extra.spatial.effects.variables[<coefficient>][<effect>]`` of a spatial document.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from clusternet.errors import ConfigError, DataError
from clusternet.results import read_result

VERDICTS = ("supported", "contradicted", "effect_bounded", "inconclusive", "not_testable")
SOURCE_DIRS = {"models": Path("models"), "spatial": Path("spatial/models"), "modes": Path("modes/models")}
SIGNS = {"positive": 1, "negative": -1, "nonzero": 0}


@dataclass(frozen=True)
class Estimand:
    source: str
    specification: str
    coefficient: str | None = None
    effect: str | None = None
    test: str | None = None

    @classmethod
    def from_dict(cls, d: dict) -> Estimand:
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
    check_references(config, reg)
    return reg


def declared_specifications(config) -> dict[str, set[str]]:
    """Specification names each config section declares (``source`` -> names); sources whose
    documents are not declared by name in config (``modes``) are absent."""
    sections = config.main.get("sections", {})
    out: dict[str, set[str]] = {}
    if "models" in sections:
        out["models"] = {s["name"] for s in config.section("models").get("specifications", [])}
    if "spatial" in sections:
        spatial = config.section("spatial").get("models") or {}
        out["spatial"] = {s["name"] for s in spatial.get("specifications", [])}
    return out


def check_references(config, reg: dict) -> None:
    """Every estimand names a specification its section declares: a typo is a config error at
    the key, with the closest names, not a missing file after the models have run."""
    import difflib

    declared = declared_specifications(config)
    source_file = {"models": "models", "spatial": "spatial"}
    for i, h in enumerate(reg["hypotheses"]):
        refs = ([("estimand", h["estimand"])] if "estimand" in h else [])
        refs += [(f"robustness[{j}]", r) for j, r in enumerate(h.get("robustness", []))]
        refs += [(f"companions[{j}]", r) for j, r in enumerate(h.get("companions", []))]
        for key, ref in refs:
            source = ref.get("source", "models")
            names = declared.get(source)
            if names is None or ref["specification"] in names:
                continue
            close = difflib.get_close_matches(ref["specification"], sorted(names), n=3)
            hint = f"; did you mean {close}?" if close else ""
            raise ConfigError(
                f"{config.section_file('hypotheses')}: hypotheses[{i}] ({h['id']}).{key}.specification "
                f"{ref['specification']!r} is not a specification of {config.section_file(source_file[source])}"
                f"{hint} Add it there or fix the name")


def referenced(reg: dict) -> list[Estimand]:
    """Every estimand (primary, robustness and companions) the registry refers to, in order."""
    out = []
    for h in reg["hypotheses"]:
        if "estimand" not in h:
            continue  # class C entries may have none
        out.append(Estimand.from_dict(h["estimand"]))
        out += [Estimand.from_dict(r) for r in h.get("robustness", [])]
        out += [Estimand.from_dict(r) for r in h.get("companions", [])]
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


def evidence(est: Estimand, row: dict, path: Path, expected: str, alpha: float) -> dict:
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
