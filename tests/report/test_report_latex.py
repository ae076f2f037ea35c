"""LaTeX tables: escaping under T1, stars, fragment mode, provenance as comments, and a
compile test of every generated .tex with pdflatex and xelatex (no error, no overfull box
beyond 1 pt). The compile tests are skipped, with the reason, only where the TeX engine is
not installed (CI installs TeX Live via workflow/scripts/system-deps.sh)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from clusternet.config import load_config
from clusternet.report import build
from clusternet.report.build import build_report
from clusternet.report.latex import document, has_cjk, tex_escape, to_latex
from clusternet.report.regression import regression_table
from clusternet.report.settings import ReportSettings
from clusternet.report.tables import Table

from report_fixtures import build_synthetic_report, make_project, panel_doc, square_geometries

ROOT = Path(__file__).resolve().parents[2]
PROV = {"code_version": "0.1.0+gabc", "config_sha256": "f" * 64, "inputs": {"results/models/a.json": "0" * 64}}
OVERFULL = re.compile(r"Overfull \\[hv]box \(([0-9.]+)pt too (?:wide|high)\)")


@pytest.mark.parametrize("text, tex", [
    ("a -> b", r"a $\rightarrow$ b"), ("p<0.1", r"p\textless{}0.1"), ("x > 1 | y", r"x \textgreater{} 1 \textbar{} y"),
    ("R² (within)", r"$R^{2}$ (within)"), ("Threshold γ̂", r"Threshold $\hat{\gamma}$"), ("ρ − λ", r"$\rho$ $-$ $\lambda$"),
    ("W×x_1", r"W$\times$x\_1"), ("(Δ^RM) breakdown M̄: 0", r"($\Delta$\textasciicircum{}RM) breakdown $\bar{M}$: 0"), ("50% & $#", r"50\% \& \$\#"), ("(1)–(2)", "(1)–(2)"),
])
def test_escaping_is_safe_under_t1(text, tex):
    assert tex_escape(text) == tex


def small_table(**kw) -> Table:
    return Table(name="t_1", title="A & B", header=[["", "(1)"]],
                 body=[["x_1", "0.500***"], ["", "(0.100)"], ["[bracket first]", "1"], ["N", "24"]],
                 notes=["p<0.1 -> see results/models/some_long_file_name.json"], rules_before=[3],
                 provenance=PROV, **kw)


def test_stars_superscript_no_hash_in_notes_provenance_in_comments():
    tex = to_latex(small_table())
    assert r"x\_1 & 0.500$^{***}$ \\" in tex
    assert r"{}[bracket first] & 1 \\" in tex  # `\\[` would be read as an optional argument
    body = [line for line in tex.splitlines() if not line.startswith("%")]
    assert not any("ffffffffffff" in line or "000000000000" in line for line in body)
    comments = [line for line in tex.splitlines() if line.startswith("%")]
    assert any("config sha256 " + "f" * 64 in c for c in comments)
    assert any("results/models/a.json sha256 " + "0" * 64 in c for c in comments)
    assert r"\begin{table}" in tex and r"\caption{A \& B}" in tex and r"\label{tab:t_1}" in tex


def test_fragment_mode_has_no_float():
    tex = to_latex(small_table(), fragment=True)
    assert r"\begin{table}" not in tex and r"\caption" not in tex
    assert r"\begin{threeparttable}" in tex and r"\end{adjustbox}" in tex


def test_header_line_names_the_packages_and_the_engine():
    assert r"\usepackage{booktabs,threeparttable,adjustbox}" in to_latex(small_table()).splitlines()[0]
    zh = Table(name="z", title="描述性统计", header=[["变量"]], body=[["x"]])
    first = to_latex(zh).splitlines()[0]
    assert has_cjk(first) is False and r"\usepackage{ctex}" in first and "xelatex" in first


# --- compiling ---------------------------------------------------------------

def compile_tex(files: list[Path], engine: str, workdir: Path) -> None:
    """Compile one document \\input-ing every file; fail on an error or an overfull box > 1 pt."""
    if shutil.which(engine) is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI run without {engine}: run `make system-deps` (installs TeX Live)")
        pytest.skip(f"{engine} is not installed (TeX Live: workflow/scripts/system-deps.sh installs it)")
    workdir.mkdir(parents=True, exist_ok=True)
    bodies = []
    for i, f in enumerate(files):
        local = workdir / f"t{i}.tex"
        local.write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
        # A fragment is set where it stands, so not indented (as inside a float with \centering).
        bodies.append(r"\noindent\input{" + local.stem + "}\\par\\clearpage")
    cjk = any(has_cjk(f.read_text(encoding="utf-8")) for f in files)
    (workdir / "doc.tex").write_text(document(bodies, engine, cjk=cjk), encoding="utf-8")
    proc = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=workdir,
                          capture_output=True, text=True, timeout=600)
    log = (workdir / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, f"{engine} failed on {[f.name for f in files]}:\n" + log[-3000:]
    over = [float(x) for x in OVERFULL.findall(log)]
    assert all(x <= 1.0 for x in over), f"{engine}: overfull boxes {over} pt:\n" + log[-3000:]
    missing = re.findall(r"Missing character: There is no (.) ", log)
    assert not missing, f"{engine}: characters without a glyph: {missing}"


def tex_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.tex"))


@pytest.fixture(scope="module")
def built_en(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("latex_en")
    build_synthetic_report(root)
    return root / "results/report/tables"


def wide_tables(tmp_path: Path) -> list[Path]:
    """Tables wider than a page and with long notes, written as the report writes them."""
    docs = {f"m{i}": panel_doc(f"A long specification label number {i}", {"x_with_a_long_name": 0.5, "z": -0.0001},
                               {"x_with_a_long_name": 0.1, "z": 0.00002}) for i in range(8)}
    t = regression_table(docs, ReportSettings(), name="wide", title="Eight columns", provenance=PROV)
    t.notes.append("The full table is results/indices/a_very_long_directory_name/with_a_long_file_name.csv.")
    t.notes.append("Relative magnitudes (Δ^RM, ARP conditional) breakdown M̄: 0.5 (the M2 section's note).")
    paths = []
    for frag in (False, True):
        p = tmp_path / f"wide_{frag}.tex"
        p.write_text(to_latex(t, fragment=frag), encoding="utf-8")
        paths.append(p)
    return paths


@pytest.mark.parametrize("engine", ["pdflatex", "xelatex"])
def test_generated_tables_compile(engine, built_en, tmp_path):
    files = tex_files(built_en) + wide_tables(tmp_path)
    assert len(files) > 5
    assert not any(has_cjk(f.read_text(encoding="utf-8")) for f in files), "English tables carry Chinese text"
    compile_tex(files, engine, tmp_path / "build")


def test_chinese_tables_compile_with_xelatex(tmp_path):
    root = tmp_path / "zh"
    root.mkdir()
    make_project(root)
    (root / "config/report.yaml").write_text("language: zh\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("CLUSTERNET_CODE_VERSION", "test")
        mp.setattr(build, "province_geometries", square_geometries)
        build_report(load_config("config/config.yaml"))
    compile_tex(tex_files(root / "results/report/tables"), "xelatex", tmp_path / "build")


@pytest.mark.e2e
@pytest.mark.parametrize("engine", ["pdflatex", "xelatex"])
def test_default_run_tables_compile(engine, tmp_path, snakemake_run):
    """Every .tex of the default run (the suite's pipeline run, results/report/tables)."""
    directory = snakemake_run[0] / "results/report/tables"
    files = tex_files(directory)
    assert files, f"the default run wrote no .tex under {directory}"
    compile_tex(files, engine, tmp_path / "build")
