"""Hypothesis registry: verdict rules, evaluation against result documents,
errors naming the hypothesis, config validation, the shipped registry's
consistency with config/models.yaml, and deterministic outputs via the CLI."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from clusternet.cli.app import main
from clusternet.config import load_config
from clusternet.errors import ConfigError, DataError
from clusternet.hypotheses import registry as H
from clusternet.hypotheses import stage as S
from clusternet.results import coefficient_table, make_result, write_result

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- decision rule
@pytest.mark.parametrize("est, p, sign, expected", [
    (0.5, 0.01, "positive", "supported"),
    (-0.5, 0.01, "positive", "contradicted"),
    (0.5, 0.20, "positive", "inconclusive"),
    (-0.5, 0.01, "negative", "supported"),
    (0.5, 0.01, "negative", "contradicted"),
    (0.5, 0.05, "positive", "inconclusive"),  # p must be strictly below alpha
    (-3.0, 0.01, "nonzero", "supported"),
    (3.0, 0.30, "nonzero", "inconclusive"),
    (None, 0.01, "positive", "inconclusive"),
])
def test_decide(est, p, sign, expected):
    assert H.decide(est, p, None, None, sign, 0.05) == expected


def test_decide_falls_back_to_interval_without_p_value():
    assert H.decide(0.5, None, 0.1, 0.9, "positive", 0.05) == "supported"
    assert H.decide(0.5, None, -0.1, 0.9, "positive", 0.05) == "inconclusive"
    assert H.decide(-0.5, None, -0.9, -0.1, "positive", 0.05) == "contradicted"
    assert H.decide(0.5, None, None, None, "positive", 0.05) == "inconclusive"


@settings(deadline=None)  # no timed assertions in unit tests
@given(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: v != 0), st.floats(0, 1), st.floats(0.001, 0.5))
def test_decide_is_sign_symmetric(est, p, alpha):
    # mirroring the estimate and the expected sign leaves the verdict unchanged
    assert H.decide(est, p, None, None, "positive", alpha) == H.decide(-est, p, None, None, "negative", alpha)


# ---------------------------------------------------------------- evaluation
def write_doc(results: Path, name: str, rows: dict[str, tuple[float, float]], tests=(), source="models",
              extra=None, model="panel.twfe"):
    names = list(rows)
    doc = make_result(
        model=model, dependent="y",
        coefficients=coefficient_table(names, [rows[n][0] for n in names], [rows[n][1] for n in names],
                                       df_resid=30),
        covariance={"type": "cluster"}, nobs=372, spec={"name": name}, extra=extra,
        provenance={"code_version": "test", "inputs": {}}, tests=list(tests),
    )
    folder = results / H.SOURCE_DIRS[source]
    write_result(folder / f"{name}.json", doc)


def entry(hid, spec, coef, sign="positive", robustness=(), **kw):
    return {"id": hid, "mechanism": "M1", "title_en": "t", "title_zh": "标题", "statement_en": "s",
            "statement_zh": "陈述", "reasoning": "r", "estimand": {"specification": spec, "coefficient": coef},
            "expected_sign": sign, "robustness": list(robustness), **kw}


def test_evaluate_verdicts_and_robustness(tmp_path):
    write_doc(tmp_path, "a", {"x": (0.5, 0.1), "z": (-0.5, 0.1), "w": (0.01, 0.1)})
    write_doc(tmp_path, "b", {"x": (-0.2, 0.5)}, tests=[{"name": "perm", "statistic": 9.0, "p_value": 0.004}])
    reg = {"alpha": 0.05, "hypotheses": [
        entry("H1", "a", "x", robustness=[{"specification": "b", "coefficient": "x"}]),
        entry("H2", "a", "z"),
        entry("H3", "a", "w", sign="negative"),
        entry("H4", "a", "x", robustness=[{"specification": "b", "coefficient": "x"}],
              decision={"require_robust": True}),
        {**entry("H5", "b", "x", sign="nonzero"), "estimand": {"specification": "b", "test": "perm"}},
    ]}
    out = {e["id"]: e for e in S.evaluate(reg, tmp_path)}
    assert out["H1"]["verdict"] == "supported"
    assert out["H1"]["robustness_summary"] == {"n": 1, "agree": 0, "significant": 0}
    assert out["H1"]["estimate"] == 0.5 and out["H1"]["p_value"] < 1e-4
    assert out["H1"]["specifications"] == ["a", "b"]
    assert out["H2"]["verdict"] == "contradicted"
    assert out["H3"]["verdict"] == "inconclusive"
    assert out["H4"]["verdict"] == "inconclusive" and out["H4"]["downgraded"] is True
    assert out["H5"]["verdict"] == "supported" and out["H5"]["estimate"] == 9.0
    md = S.summary_markdown(list(out.values()))
    assert "| H4 | B | t | positive |" in md and "inconclusive (downgraded)" in md


def test_spatial_effects_are_read_from_extra(tmp_path):
    # the layout of clusternet.spatial.models.effects_table
    row = {"estimate": 0.3, "std_error": 0.1, "z": 3.0, "p_value": 0.003, "ci_lower": 0.1, "ci_upper": 0.5}
    effects = {"method": "simulated", "variables": {"x": {"direct": {**row, "estimate": -0.2},
                                                          "indirect": row, "total": row}}}
    write_doc(tmp_path, "sdm", {"x": (0.1, 1.0)}, source="spatial", model="spatial.sdm",
              extra={"spatial": {"weights": "queen", "fixed_effects": "twoway", "effects": effects}})
    reg = {"hypotheses": [{**entry("S1", "sdm", "x"), "estimand": {"source": "spatial", "specification": "sdm",
                                                                   "coefficient": "x", "effect": "indirect"}}]}
    (e,) = S.evaluate(reg, tmp_path)
    assert e["verdict"] == "supported" and e["estimate"] == 0.3
    assert e["evidence"][0]["result"].endswith("spatial/models/sdm.json")
    reg["hypotheses"][0]["estimand"]["effect"] = "direct"
    assert S.evaluate(reg, tmp_path)[0]["verdict"] == "contradicted"
    reg["hypotheses"][0]["estimand"]["coefficient"] = "w"
    with pytest.raises(DataError, match=r"hypothesis S1: no effects of 'w' in .*available: \['x'\]"):
        S.evaluate(reg, tmp_path)
    write_doc(tmp_path, "plain", {"x": (0.1, 1.0)}, source="spatial")
    reg["hypotheses"][0]["estimand"].update(specification="plain", coefficient="x")
    with pytest.raises(DataError, match="has no spatial effects"):
        S.evaluate(reg, tmp_path)


def test_missing_specification_or_coefficient_names_the_hypothesis(tmp_path):
    write_doc(tmp_path, "a", {"x": (0.5, 0.1)})
    with pytest.raises(DataError, match=r"hypothesis H9: result document .*nope.json .* has \['a'\]"):
        S.evaluate({"hypotheses": [entry("H9", "nope", "x")]}, tmp_path)
    with pytest.raises(DataError, match=r"hypothesis H8: coefficient 'q' not in .*available: \['x'\]"):
        S.evaluate({"hypotheses": [entry("H8", "a", "q")]}, tmp_path)
    with pytest.raises(DataError, match=r"hypothesis H7: test 'perm' not in .*available: \[\]"):
        S.evaluate({"hypotheses": [{**entry("H7", "a", "x", sign="nonzero"),
                                    "estimand": {"specification": "a", "test": "perm"}}]}, tmp_path)


# ---------------------------------------------------------------- config
def project(tmp_path: Path, registry: dict | None = None) -> Path:
    """A config dir with the real schemas, the real or a given registry, results under tmp."""
    cfg = tmp_path / "config"
    shutil.copytree(ROOT / "config" / "schemas", cfg / "schemas")
    main_cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text(encoding="utf-8"))
    main_cfg["paths"] = {k: str(tmp_path / v) for k, v in main_cfg["paths"].items()}
    main_cfg["sections"] = {"hypotheses": "hypotheses.yaml"}
    (cfg / "config.yaml").write_text(yaml.safe_dump(main_cfg), encoding="utf-8")
    if registry is None:
        shutil.copy(ROOT / "config" / "hypotheses.yaml", cfg / "hypotheses.yaml")
    else:
        (cfg / "hypotheses.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
    return cfg / "config.yaml"


def test_registry_validation_errors(tmp_path):
    bad = {"hypotheses": [{**entry("H1", "a", "x"), "expected": "up"}]}
    with pytest.raises(ConfigError, match=r"unknown key\(s\): 'expected'"):
        H.load_registry(load_config(project(tmp_path / "1", bad)))
    bad = {"hypotheses": [entry("H1", "a", "x", sign="up")]}
    with pytest.raises(ConfigError, match=r"hypotheses\[0\].expected_sign"):
        H.load_registry(load_config(project(tmp_path / "2", bad)))
    bad = {"hypotheses": [entry("H1", "a", "x"), entry("H1", "b", "x")]}
    with pytest.raises(ConfigError, match=r"hypotheses\[1\].id 'H1' is used twice"):
        H.load_registry(load_config(project(tmp_path / "3", bad)))
    both = entry("H1", "a", "x")
    both["estimand"]["test"] = "perm"
    with pytest.raises(ConfigError, match=r"hypotheses\[0\].estimand"):
        H.load_registry(load_config(project(tmp_path / "4", {"hypotheses": [both]})))


def expected_names(spec: dict) -> set[str]:
    """Coefficient and test names a specification's result document will contain,
    derived from the spec alone (documented naming of each estimator)."""
    model, opts = spec["model"], spec.get("options") or {}
    xs = [spec["x"]] if isinstance(spec.get("x"), str) else list(spec.get("x") or [])
    controls = list(spec.get("controls") or [])
    if model in ("twfe", "fe", "re", "pooled", "fd"):
        return set(xs + controls)
    if model == "mediation":
        return {"total_effect", "a_path", "b_path", "direct_effect", "indirect_effect", "sobel"}
    if model == "moderation":
        return {*xs, opts["moderator"], f"{xs[0]}:{opts['moderator']}", *controls}
    if model == "heterogeneity":
        return {"wald_equal_slopes", "f_equal_slopes", "permutation_equal_slopes"}
    if model in ("did_cs", "did_twfe"):
        return {"att"}
    if model == "threshold":
        return {f"threshold_F{k}" for k in range(1, int(opts.get("n_thresholds", 1)) + 1)}
    return set()


def test_shipped_registry_refers_to_configured_specifications():
    config = load_config(ROOT / "config" / "config.yaml")
    reg = H.load_registry(config)
    specs = {s["name"]: s for s in config.section("models")["specifications"]}
    mechanisms = {h["mechanism"] for h in reg["hypotheses"]}
    assert {"M1", "M2", "M3", "M4", "M5"} <= mechanisms
    assert mechanisms & {"mode_traditional", "mode_efficiency", "mode_data"}  # the typology entries (issue 16)
    spatial = {s["name"]: s for s in config.section("spatial")["models"]["specifications"]}
    from clusternet.modes.stage import DOCS as MODE_DOCS

    for est in H.referenced(reg):
        if est.source == "modes":
            assert est.specification in MODE_DOCS, f"{est.specification} is not written by the modes stage"
            continue
        if est.source == "spatial":
            assert est.specification in spatial, f"{est.specification} not in config/spatial.yaml"
            assert est.coefficient in spatial[est.specification]["x"] and est.effect
            continue
        assert est.specification in specs, f"{est.specification} not in config/models.yaml"
        name = est.test or est.coefficient
        assert name in expected_names(specs[est.specification]), (est, expected_names(specs[est.specification]))


def test_cli_writes_identical_outputs_and_reports_errors(tmp_path, capsys):
    reg = {"hypotheses": [entry("H1", "a", "x"), entry("H2", "a", "z", sign="negative")]}
    cfg = project(tmp_path, reg)
    results = tmp_path / "results"
    write_doc(results, "a", {"x": (0.5, 0.1), "z": (-0.5, 0.1)})
    assert main(["hypotheses", "--config", str(cfg)]) == 0
    first = (results / "hypotheses" / "verdicts.json").read_bytes()
    md = (results / "hypotheses" / "verdicts.md").read_text(encoding="utf-8")
    assert main(["hypotheses", "--config", str(cfg)]) == 0
    assert (results / "hypotheses" / "verdicts.json").read_bytes() == first
    doc = yaml.safe_load(first)
    assert doc["counts"] == {"supported": 2, "inconclusive": 0, "contradicted": 0, "effect_bounded": 0,
                             "not_testable": 0}
    assert list(doc["provenance"]["inputs"]) == [(results / "models" / "a.json").as_posix()]
    assert "Totals: supported 2" in md
    (results / "models" / "a.json").unlink()
    assert main(["hypotheses", "--config", str(cfg)]) == 2
    assert "hypothesis H1: result document" in capsys.readouterr().err
    assert (results / "hypotheses" / "verdicts.json").read_bytes() == first  # old output left whole
