"""The report stage end to end on the synthetic project: outputs, skipping,
errors, provenance, manifest, metrics and byte-identical reruns."""
from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from PIL import Image

from clusternet.cli.app import main
from clusternet.config import load_config
from clusternet.errors import ConfigError, DataError
from clusternet.io import write_json
from clusternet.report import build
from clusternet.report.build import build_report

from report_fixtures import make_project, square_geometries


@pytest.fixture
def with_maps(monkeypatch):
    monkeypatch.setattr(build, "province_geometries", square_geometries)


def build_in(root: Path) -> None:
    """Build the report of the project at ``root`` from inside it, with maps, then leave."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("CLUSTERNET_CODE_VERSION", "test")
        mp.setattr(build, "province_geometries", square_geometries)
        build_report(load_config("config/config.yaml"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """One full build (every table and figure format) shared by the read-only tests."""
    root = tmp_path_factory.mktemp("built")
    make_project(root)
    build_in(root)
    return root


def outputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "results").rglob("*"))
            if p.is_file()}


def test_report_outputs_sections_metrics_and_manifest(built):
    html = (built / "results/report/index.html").read_text(encoding="utf-8")
    for anchor in ('id="hypothesis-H1"', 'id="hypothesis-H2"', 'id="data"', 'id="indices"', 'id="models"',
                   'data-item="models_panel"', 'data-item="models_mechanism"', 'data-item="models_spatial"',
                   'data-item="thresholds"', 'data-item="spatial_effects"',
                   'data-item="descriptive"', 'data-item="correlation"', 'data-item="indices_weights"',
                   'data-item="map_dci"', 'data-item="lr_threshold"', 'data-item="marginal_moderation"',
                   'data-item="H1_coefficients"', 'data-item="event_did"', 'data-item="models_did"', "verdict-yes", "verdict-no", "Index weights",
                   "2/2 with the expected sign", "Shared data lower search costs",
                   '<section id="disparity"><h2>Regional disparity</h2>', 'data-item="disparity_dagum"'):
        assert anchor in html, anchor
    assert "src=\"http" not in html and "<script" not in html  # self-contained
    for name in ("models_panel", "H1_regressions", "descriptive", "thresholds", "spatial_effects"):
        for ext in ("tex", "docx", "html", "md", "csv"):
            assert (built / f"results/report/tables/{name}.{ext}").is_file()
    # Long artefact tables: their head on the page, no re-rendered copies.
    assert "First 60 of 70 rows; the full table is results/indices/kde.csv." in html
    assert 'scope="row">59</th>' in html and 'scope="row">60</th>' not in html
    assert not list((built / "results/report/tables").glob("indices_kde.*"))
    # Maps default to the main indices, not the method variants.
    assert not list((built / "results/report/figures").glob("map_dci__entropy*"))
    assert "map of empty_index: empty_index has no values" in html
    for name in ("map_dci", "H1_coefficients", "lr_threshold", "marginal_moderation"):
        for ext in ("png", "pdf"):
            assert (built / f"results/report/figures/{name}.{ext}").stat().st_size > 0
    metrics = json.loads((built / "results/metrics.json").read_text())
    baseline = json.loads((built / "results/models/baseline.json").read_text())
    # H1's evidence item carries the numbers its verdict used; H2's only cites the document.
    assert metrics["hypotheses"]["H1"] == {"estimate": 0.5, "std_error": 0.1, "p_value": 0.0001, "nobs": 24}
    assert metrics["hypotheses"]["H2"] == {"estimate": 0.2, "std_error": 0.15,
                                           "p_value": next(r for r in baseline["coefficients"]
                                                           if r["name"] == "policy")["p_value"], "nobs": 24}
    manifest = json.loads((built / "results/manifest.json").read_text())["files"]
    on_disk = sorted(p.relative_to(built).as_posix() for p in (built / "results").rglob("*") if p.is_file()
                     and p.name != "manifest.json")
    assert sorted(manifest) == on_disk
    for path, entry in manifest.items():
        assert entry["sha256"] == hashlib.sha256((built / path).read_bytes()).hexdigest()


def test_tables_and_figures_carry_provenance(built, monkeypatch):
    monkeypatch.chdir(built)
    config_hash = load_config("config/config.yaml").sha256()
    baseline = hashlib.sha256(Path("results/models/baseline.json").read_bytes()).hexdigest()
    tex = Path("results/report/tables/H1_regressions.tex").read_text()
    assert f"config sha256 {config_hash[:12]}" in tex and "code test" in tex
    # provenance in comment lines (full hashes), not in the printed notes
    assert f"%   input results/models/baseline.json sha256 {baseline}" in tex
    png = Image.open("results/report/figures/H1_coefficients.png")
    assert f"config_sha256={config_hash}" in png.info["Description"]
    assert f"inputs.results/models/baseline.json={baseline}" in png.info["Description"]
    assert config_hash.encode() in Path("results/report/figures/H1_coefficients.pdf").read_bytes()
    with zipfile.ZipFile("results/report/tables/H1_regressions.docx") as z:
        docx_text = z.read("word/document.xml").decode()
    assert f"config sha256 {config_hash[:12]}" in docx_text


def test_two_runs_give_identical_bytes(built, tmp_path):
    """Same inputs in another directory: every output (tables, docx, figures, HTML, metrics,
    manifest) is byte-identical to the shared build."""
    make_project(tmp_path)
    build_in(tmp_path)
    first, second = outputs(built), outputs(tmp_path)
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def fast_formats() -> None:
    """Fewer formats for tests that check something else (runs faster)."""
    Path("config/report.yaml").write_text(yaml.safe_dump({"table_formats": ["md"], "figure_formats": ["png"]}))


def test_absent_inputs_are_skipped_and_listed(tmp_path, monkeypatch):
    make_project(tmp_path, verdicts=False, data=False)
    monkeypatch.chdir(tmp_path)
    outcome = build_report(load_config("config/config.yaml"))
    skipped = dict(outcome["skipped"])
    assert "results/hypotheses/verdicts.json is absent" in skipped["hypothesis sections"]
    assert "panel.parquet is absent" in skipped["descriptive statistics, correlation matrix, coverage"]
    assert "indices.parquet is absent" in skipped["choropleth maps"]
    html = Path("results/report/index.html").read_text(encoding="utf-8")
    assert "No hypothesis verdicts were found" in html and "choropleth maps" in html
    assert json.loads(Path("results/metrics.json").read_text())["hypotheses"] == {}


def test_chinese_report(project):
    Path("config/report.yaml").write_text(yaml.safe_dump({"language": "zh", "table_formats": ["md"],
                                                          "figure_formats": ["png"]}))
    build_report(load_config(project))
    html = Path("results/report/index.html").read_text(encoding="utf-8")
    assert "数字资源禀赋共享" in html and "研究假设" in html and "地区效应" in html
    assert "面板：24 个地区-年份观测，6 个地区，4 年（2011–2014），平衡面板" in html
    assert "创新产出" in Path("results/report/tables/models_panel.md").read_text(encoding="utf-8")


def test_unknown_config_key_is_an_error_naming_it(project):
    Path("config/report.yaml").write_text("language: en\ncolour: red\n")
    with pytest.raises(ConfigError, match=r"config/report\.yaml.*colour"):
        build_report(load_config(project))


def test_invalid_result_document_names_the_file(project):
    doc = json.loads(Path("results/models/baseline.json").read_text())
    del doc["nobs"]
    write_json("results/models/baseline.json", doc)
    with pytest.raises(DataError, match=r"results/models/baseline\.json.*nobs"):
        build_report(load_config(project))


@pytest.mark.parametrize("verdicts, message", [
    ({"hypotheses": [{"verdict": "supported"}]}, r"hypotheses\[0\] has no `id`"),
    ({"hypotheses": [{"id": "H9"}]}, "hypothesis H9 has no `verdict`"),
    ("nonsense", "expected a list of hypotheses"),
])
def test_malformed_verdicts_name_the_problem(project, verdicts, message):
    write_json("results/hypotheses/verdicts.json", verdicts)
    with pytest.raises(DataError, match=message):
        build_report(load_config(project))


def test_artefact_pointing_to_missing_file(project):
    listing = json.loads(Path("results/indices/artefacts.json").read_text())
    listing["items"][0]["path"] = "results/indices/gone.csv"
    write_json("results/indices/artefacts.json", listing)
    with pytest.raises(DataError, match=r"artefacts\.json: items\[0\]\.path results/indices/gone\.csv does not exist"):
        build_report(load_config(project))


def test_maps_default_to_first_and_last_year_with_values(project, with_maps, monkeypatch):
    drawn = {}
    draw = build.figures.choropleth

    def record(values, variable, years, *args):
        drawn[variable] = list(years)
        return draw(values, variable, years, *args)

    monkeypatch.setattr(build.figures, "choropleth", record)
    fast_formats()
    build_report(load_config(project))
    assert drawn == {"dci": [2012, 2014]}  # dci has no 2011 values; empty_index none at all
    Path("config/report.yaml").write_text(yaml.safe_dump({"table_formats": ["md"], "figure_formats": ["png"],
                                                          "maps": {"variables": ["dci__entropy"], "years": [2011]}}))
    build_report(load_config(project))
    assert drawn["dci__entropy"] == [2011]


def test_unknown_map_variable_names_the_key(project, with_maps):
    Path("config/report.yaml").write_text(yaml.safe_dump({"maps": {"variables": ["nope"]}}))
    with pytest.raises(DataError, match=r"maps\.variables \['nope'\]"):
        build_report(load_config(project))


def test_failed_run_leaves_previous_report_untouched(project):
    fast_formats()
    build_report(load_config(project))
    before = Path("results/report/index.html").read_bytes()
    Path("results/indices/weights.csv").unlink()
    with pytest.raises(DataError, match=r"artefacts\.json: items\[\d+\]\.path results/indices/weights\.csv does not exist"):
        build_report(load_config(project))
    assert Path("results/report/index.html").read_bytes() == before
    assert not any(p.name.startswith(".report") for p in Path("results").iterdir())


def test_cli_writes_report_and_reports_errors(project, capsys):
    fast_formats()
    assert main(["report", "--config", str(project)]) == 0
    assert "results/report/index.html" in capsys.readouterr().out
    shutil.rmtree("results/report")
    Path("config/report.yaml").write_text("digits: -1\n")
    assert main(["report", "--config", str(project)]) == 2
    assert "digits" in capsys.readouterr().err


def test_map_year_outside_the_data_names_the_key(project, with_maps):
    Path("config/report.yaml").write_text(yaml.safe_dump({"maps": {"years": [1999]}}))
    with pytest.raises(DataError, match=r"maps\.years \[1999\] are not in data/processed/indices\.parquet"):
        build_report(load_config(project))


def test_repository_report_config_is_valid(repo_root):
    from clusternet.report.build import load_settings

    settings = load_settings(load_config(repo_root / "config/config.yaml"))
    assert settings.language in ("en", "zh") and settings.table_formats and settings.figure_formats


def test_report_opens_with_the_verdict_table_and_caveat(built):
    html = (built / "results/report/index.html").read_text(encoding="utf-8")
    assert html.index('id="verdict-summary"') < html.index('id="data"') < html.index('id="hypothesis-H1"')
    assert "regional correlates from province-level totals" in html
    md = (built / "results/report/tables/verdicts_summary.md").read_text(encoding="utf-8")
    assert "| H1 |" in md and "supported" in md and "contradicted" in md
def test_circularity_overrides_of_the_models_stage_are_printed(project):
    # results/models/index.json as `clusternet models` writes it when an entry sets allow_circular
    write_json("results/models/index.json", {"specifications": [], "circularity_overrides": [
        {"entry": "h_m3_med_rd_intensity", "file": "config/models.yaml",
         "reason": "mediator 'rd_intensity' is a component of the treatment 'dici'",
         "justification": "kept for comparison with v0.1"}]})
    build_report(load_config(project))
    html = Path("results/report/index.html").read_text(encoding="utf-8")
    assert "Circularity-guard overrides" in html
    assert "h_m3_med_rd_intensity" in html and "kept for comparison with v0.1" in html
