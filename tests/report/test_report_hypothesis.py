"""Hypothesis sections open with the estimand that decides the verdict (issue 13): its table
(estimate, CI, governing and adjusted p, MDE, verdict; γ̂ with CI and the bootstrap F for a
threshold test) and its figure come first, then the supporting evidence."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from clusternet.config import load_config
from clusternet.report import build
from clusternet.report.build import build_report
from clusternet.report.numbers import format_number
from clusternet.report.verdict_table import VERDICT_WORDS

from report_fixtures import square_geometries

H3 = {"id": "H3", "mechanism": "M5", "title_en": "Threshold in digital endowment", "title_zh": "数字禀赋门槛",
      "verdict": "supported", "p_value": 0.012, "p_governing_source": "document", "p_adjusted": 0.024,
      "adjustment": "holm", "estimate": 15.2,
      "evidence": [{"result": "results/models/threshold.json", "source": "models", "specification": "threshold",
                    "coefficient": None, "test": "threshold_F1", "effect": None, "estimate": 15.2,
                    "p_value": 0.012, "verdict": "supported", "sign_agrees": True}],
      "robustness": []}


@pytest.fixture
def sections(project, monkeypatch):
    """The report's hypothesis sections as {id: [(kind, name), ...]} in page order, plus the page."""
    verdicts = Path("results/hypotheses/verdicts.json")
    doc = json.loads(verdicts.read_text())
    doc["hypotheses"][0].update({"estimate_sd": 0.25, "ci_sd": [0.15, 0.35], "p_governing_source": "wild_bootstrap",
                                 "p_adjusted": 0.0002, "adjustment": "holm", "mde_simulated": 0.28,
                                 "mde_simulated_sd": 0.14, "sesoi": 0.2, "tost_p": 0.9, "n_clusters": 6})
    doc["hypotheses"].append(H3)
    verdicts.write_text(json.dumps(doc))
    Path("config/report.yaml").write_text(yaml.safe_dump({"language": "en", "table_formats": ["md"],
                                                          "figure_formats": ["png"]}))
    monkeypatch.setattr(build, "province_geometries", square_geometries)
    build_report(load_config(project))
    items = json.loads(Path("results/report/items.json").read_text())["items"]
    out: dict = {}
    for it in items:
        if it["hypothesis"]:
            out.setdefault(it["hypothesis"], []).append((it["kind"], it["name"]))
    return out


def _first(section, kind):
    return next(name for k, name in section if k == kind)


def test_first_table_and_figure_are_the_deciding_estimand(sections):
    assert _first(sections["H1"], "table") == "H1_deciding"
    assert _first(sections["H1"], "figure") == "H1_deciding"
    # deciding table before every supporting table
    assert [n for k, n in sections["H1"] if k == "table"] == ["H1_deciding", "H1_robustness", "H1_regressions"]
    md = Path("results/report/tables/H1_deciding.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| ([^|]+?) \| (.+?) \|$", md, flags=re.M))
    assert rows["Estimand"] == "Digital endowment"
    assert rows["Estimate"] == "0.500" and rows["Estimate (within-SD units)"] == "0.250"
    assert rows["95% CI"] == "[0.300, 0.700]" and rows["95% CI (within-SD units)"] == "[0.150, 0.350]"
    assert rows["Governing p-value"] == "<0.001 (wild cluster bootstrap)"
    assert rows["Adjusted p-value (holm)"] == "<0.001"
    assert rows["Minimum detectable effect at 80% power (simulated on the design)"] == "0.280 (0.140 SD)"
    assert rows["Clusters"] == "6" and rows["Verdict"] == "supported"


def test_threshold_hypothesis_shows_gamma_ci_and_bootstrap_f_first(sections):
    assert _first(sections["H3"], "table") == "H3_deciding"
    assert _first(sections["H3"], "figure") == "H3_deciding"  # the LR curve of the tested threshold
    md = Path("results/report/tables/H3_deciding.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| ([^|]+?) \| (.+?) \|$", md, flags=re.M))
    assert rows["Estimand"] == "Test single threshold (bootstrap F)"  # labels.FIXED, not the registry code
    assert rows["Threshold γ̂"] == "0.420" and rows["95% CI of γ̂"] == "[0.300, 0.500]"
    assert rows["F statistic"] == "15.2" and rows["Bootstrap p-value"] == "0.012"
    assert rows["Bootstrap replications"] == "300"


def test_regression_table_puts_the_deciding_term_first_and_records_have_readable_headers(sections):
    md = Path("results/report/tables/H2_regressions.md").read_text(encoding="utf-8")
    body = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    # H2 decides on `policy`, which comes second in the document: it is the first row here.
    assert body[1].startswith("| Policy support |")
    rob = Path("results/report/tables/H1_robustness.md").read_text(encoding="utf-8")
    header = rob.splitlines()[2]
    assert "std_error" not in header and "sign_agrees" not in header and "result" not in header
    assert "| SE |" in header and "95% CI" in header
    assert "SDM: Digital endowment, indirect effect (spillover)" not in header
    assert "indirect effect (spillover)" in rob


@pytest.mark.e2e
def test_default_run_opens_each_hypothesis_with_its_deciding_estimand(snakemake_run):
    """Real run: every testable hypothesis' first table is its deciding-estimand table, showing the
    verdict's governing estimate; its first figure (when it has one) is the deciding figure."""
    root = snakemake_run[0]
    verdicts = json.loads((root / "results/hypotheses/verdicts.json").read_text())["hypotheses"]
    items = json.loads((root / "results/report/items.json").read_text())["items"]
    for h in verdicts:
        mine = [it for it in items if it["hypothesis"] == h["id"]]
        if not h["evidence"]:
            continue
        tables = [it["name"] for it in mine if it["kind"] == "table"]
        figures = [it["name"] for it in mine if it["kind"] == "figure"]
        assert tables[0] == f"{h['id']}_deciding", (h["id"], tables)
        if f"{h['id']}_deciding" in figures:
            assert figures[0] == f"{h['id']}_deciding", (h["id"], figures)
        elif not h["evidence"][0].get("test"):
            pytest.fail(f"{h['id']}: a coefficient or effect estimand without its deciding figure")
        text = (root / "results/report/tables" / f"{h['id']}_deciding.csv").read_text(encoding="utf-8")
        assert f",{VERDICT_WORDS['en'][h['verdict']]}" in text
        if h.get("estimate") is not None:  # the governing estimate, in the report's number format
            assert f",{format_number(h['estimate'])}\n" in text, (h["id"], h["estimate"], text)
