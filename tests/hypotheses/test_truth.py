"""True values beside the estimates (simulated projects, issue 17)."""
from __future__ import annotations

import json

from clusternet.config import Config
from clusternet.hypotheses.truth import add_true_values, truth_markdown


def _entry(hid, est, lo, hi):
    return {"id": hid, "estimate": est, "ci_lower": lo, "ci_upper": hi, "verdict": "supported",
            "evidence": [{"specification": "s", "coefficient": "x"}]}


def test_true_values_are_added_only_in_a_simulated_project(tmp_path):
    (tmp_path / "truth.json").write_text(json.dumps({"truth": {"s": {"x": 0.5}, "t": {"dici": None}}}))
    reg = {"hypotheses": [{"id": "H1", "estimand": {"specification": "s", "coefficient": "x"}},
                          {"id": "H2", "estimand": {"specification": "s", "coefficient": "x"}},
                          {"id": "H3", "estimand": {"specification": "t", "coefficient": "dici"}},
                          {"id": "H4"}]}
    entries = [_entry("H1", 0.45, 0.4, 0.6), _entry("H2", 0.9, 0.8, 1.0), _entry("H3", 1.0, 0.5, 1.5),
               {"id": "H4", "estimate": None, "ci_lower": None, "ci_upper": None, "verdict": "not_testable"}]
    plain = Config(path=tmp_path / "config.yaml", main={})
    assert add_true_values(plain, reg, [dict(e) for e in entries]) == []
    assert truth_markdown(entries) == ""
    sim = Config(path=tmp_path / "config.yaml", main={"simulation": {"truth": "truth.json"}})
    read = add_true_values(sim, reg, entries)
    assert read == [tmp_path / "truth.json"]
    assert [e["true_value"] for e in entries] == [0.5, 0.5, None, None]
    assert [e["true_in_ci"] for e in entries] == [True, False, None, None]
    assert entries[1]["estimate_error"] == 0.9 - 0.5
    md = truth_markdown(entries)
    assert "| H1 | s: x | 0.5 | 0.45 | [0.4, 0.6] | yes |" in md and "| H2 | s: x | 0.5 | 0.9 | [0.8, 1] | no |" in md


def test_a_spatial_effect_estimand_gets_the_effect_truth_not_the_coefficient(tmp_path):
    # {coefficient: x, effect: indirect} is the indirect effect of x: its truth is the effect's
    (tmp_path / "truth.json").write_text(json.dumps({"truth": {"sdm": {"x": 0.004, "indirect": 0.0043}}}))
    reg = {"hypotheses": [{"id": "H1", "estimand": {"source": "spatial", "specification": "sdm",
                                                    "coefficient": "x", "effect": "indirect"}}]}
    entries = [_entry("H1", 0.0045, 0.002, 0.006)]
    add_true_values(Config(path=tmp_path / "config.yaml", main={"simulation": {"truth": "truth.json"}}), reg, entries)
    assert entries[0]["true_value"] == 0.0043
