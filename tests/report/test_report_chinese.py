"""The Chinese report (issue 13): written next to the English one in one run
(results/report/zh/index.html), with every fixed word, heading, caption, table label, note and
verdict in Chinese. The check reads the page's visible text and fails on any Latin word that is
not a proper name, estimator acronym or symbol of the short allowlist. Left out, as codes rather
than words: file paths, hashes and the code version (``code``, the file lists), the registry's
hypothesis identifiers (``M4-actors``: the key a reader looks up in config/hypotheses.yaml), the
variable and spatial-weights codes the registry's own Chinese reasoning quotes in parentheses
(``dici_infrastructure``, ``queen``: registry prose, not the report's words; only in that paragraph), links
to the English page (``lang="en"``) and the header and body of other stages' artefact tables (their
CSV content is those stages' data; the titles, notes and captions of those tables are checked)."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from clusternet.config import load_config
from clusternet.report import build, messages
from clusternet.report.build import build_report

from report_fixtures import square_geometries

# Proper names, estimator acronyms and symbols that a Chinese paper prints in Latin letters.
ALLOWED = {
    "ATT", "SD", "GMM", "OLS", "SAR", "SEM", "SDM", "SDEM", "SLX", "MRQAP", "DID", "LR", "AIC", "PageRank",
    "Hausman", "Mundlak", "Hansen", "Sargan", "Sobel", "Kleibergen", "Paap", "Cragg", "Donald", "Driscoll",
    "Kraay", "Bartlett", "LeSage", "Pace", "Simonsohn", "Simmons", "Nelson", "Callaway", "Sant'Anna", "Simar",
    "Wilson", "Moran", "Geary", "Lee", "Yu", "Dagum", "Theil", "Gini", "Pearson", "Jaccard", "Markov", "LISA",
    "Burt", "Malmquist", "DEA", "SBM", "BCC", "CCR", "Tobit", "QAP", "KP", "holm", "bh", "sha256", "clusternet",
    "GB", "AR", "TOST", "Holm", "BH", "MDE", "SESOI", "sha", "CI", "Shephard", "DICI",
    # acronyms and names of the staggered-DID and synthetic-control literature
    "GDP", "TWFE", "CS", "BJS", "DID_M", "dCDH", "Goodman", "Bacon", "Abraham", "Sun", "Borusyak", "Jaravel",
    "Spiess", "Rambachan", "Roth", "RMSPE", "Abadie", "SC", "SDID", "Arkhangelsky", "de", "Chaisemartin",
    "SAC", "Spearman", "Wald", "Queen", "Rook", "sup",  # sup-t bands; Queen/Rook contiguity
    "RM", "ARP",  # Rambachan-Roth relative magnitudes (Δ^RM), Andrews-Roth-Pakes conditional test
}
WEIGHT_CODES = ("queen", "rook", "invdist")
SKIP_TAGS = {"code", "style", "script", "title"}
PATH = re.compile(r"\S*[/\\]\S*|\S+\.(?:json|csv|md|png|pdf|tex|docx|html|parquet|yaml)\b|\b[0-9a-f]{12,64}\b"
                  r"|\b\d+\.\d+\.\d+(?:\+g[0-9a-f]+)?")  # paths, hashes, code versions (0.1.0+gbbf564d9f33c)
WORD = re.compile(r"[A-Za-z][A-Za-z'’_]*[A-Za-z]|[A-Za-z]")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        # per open element: (is its text excluded, inside an artefact, inside the registry's reasoning)
        self.stack: list[tuple[bool, bool, bool]] = []
        self.chunks: list[str] = []
        self.prose: list[str] = []  # text of the registry's reasoning paragraphs

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        parent_excluded, in_artefact, in_prose = self.stack[-1] if self.stack else (False, False, False)
        classes = (a.get("class") or "").split()
        in_artefact = in_artefact or a.get("data-source") == "artefact"
        in_prose = in_prose or "reasoning" in classes
        excluded = (parent_excluded or tag in SKIP_TAGS or a.get("lang") == "en"
                    or "files" in classes or (in_artefact and tag in ("thead", "tbody")))
        if tag not in ("br", "img", "meta", "link", "input", "hr"):
            self.stack.append((excluded, in_artefact, in_prose))

    def handle_endtag(self, tag):
        if tag not in ("br", "img", "meta", "link", "input", "hr") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][0]):
            (self.prose if self.stack and self.stack[-1][2] else self.chunks).append(data)


def _drop(text: str, codes) -> str:
    for code in sorted(codes, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(code)}(?![\w-])", " ", text)
    return text


def english_words(page: str, codes=(), prose_codes=()) -> list[str]:
    """Latin words of the page's visible text outside the allowlist; ``codes``: identifiers
    (hypothesis ids) removed first, as whole tokens; ``prose_codes``: identifiers removed from the
    registry's reasoning paragraphs only (the variable codes it quotes)."""
    parser = VisibleText()
    parser.feed(page)
    text = _drop(PATH.sub(" ", " ".join(parser.chunks)), codes)
    prose = _drop(_drop(PATH.sub(" ", " ".join(parser.prose)), codes), prose_codes)
    return sorted({w for w in WORD.findall(text + " " + prose) if w not in ALLOWED and len(w) > 1})


def variable_codes(root: Path) -> set[str]:
    """Columns of the analysis data (data/processed/*.parquet), their spatial lags (W_<name>) and the
    spatial weights' codes."""
    import pyarrow.parquet as pq

    names = {n for p in (root / "data/processed").glob("*.parquet") for n in pq.read_schema(p).names}
    return names | {f"W_{n}" for n in names} | set(WEIGHT_CODES)


def hypothesis_ids(results: Path) -> list[str]:
    import json

    doc = json.loads((results / "hypotheses/verdicts.json").read_text(encoding="utf-8"))
    entries = doc["hypotheses"] if isinstance(doc, dict) else doc
    return [str(h["id"]) for h in entries]


@pytest.fixture
def both(project, monkeypatch):
    # Every variable shown has a Chinese label (an unlabelled name is an untranslated label).
    labels = {"dci": {"en": "Cluster index", "zh": "集群指数"}, "empty_index": {"en": "Empty", "zh": "空指数"},
              "digital_low": {"en": "Digital (low regime)", "zh": "数字禀赋（低区制）"},
              "digital_high": {"en": "Digital (high regime)", "zh": "数字禀赋（高区制）"}}
    Path("config/report.yaml").write_text(yaml.safe_dump({"languages": ["en", "zh"], "table_formats": ["md"],
                                                          "figure_formats": ["png"], "labels": labels},
                                                         allow_unicode=True))
    monkeypatch.setenv("CLUSTERNET_CODE_VERSION", "0.1.0")
    monkeypatch.setattr(build, "province_geometries", square_geometries)
    build_report(load_config(project))
    return Path("results/report")


def test_one_run_writes_the_english_and_the_chinese_report(both):
    en = (both / "index.html").read_text(encoding="utf-8")
    zh = (both / "zh/index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in en and '<html lang="zh-CN">' in zh
    assert 'href="zh/index.html"' in en and 'href="../index.html"' in zh
    assert (both / "zh/tables/H1_deciding.md").is_file() and (both / "zh/figures/H1_deciding.png").is_file()
    # each table and figure of the Chinese page is its own file, in Chinese
    assert "决定结论的估计量" in (both / "zh/tables/H1_deciding.md").read_text(encoding="utf-8")
    assert "数字资源禀赋共享" in zh and "支持" in zh


def test_chinese_report_has_no_english_fixed_word(both):
    zh = (both / "zh/index.html").read_text(encoding="utf-8")
    assert english_words(zh) == []


def test_the_check_finds_english_words(both):
    """The same check on the English page finds its words (the test can fail)."""
    en = (both / "index.html").read_text(encoding="utf-8").replace('<html lang="en">', "<html>")
    found = english_words(en)
    assert {"Verdict", "Contents", "Estimate"} <= set(found)


def test_every_message_exists_in_both_languages():
    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out.add(prefix + k)
            if isinstance(v, dict):
                out |= keys(v, prefix + k + ".")
        return out

    assert keys(messages.MESSAGES["en"]) == keys(messages.MESSAGES["zh"])


def _policy_section_text(language: str) -> str:
    """Every text of the M2 policy section (issue 15: deciding and companion policy) built in
    ``language`` from synthetic documents: table titles, headers, cells, notes, captions and the
    event-study figures' titles, axis labels and legends."""
    from types import SimpleNamespace

    import numpy as np

    from clusternet.report import policy_section

    names = ["event[-2]", "event[0]", "event[1]"]

    def doc(model, outcome, key):
        rows = [{"name": n, "estimate": 0.1 * i, "std_error": 0.05, "p_value": 0.3, "ci_lower": -0.1,
                 "ci_upper": 0.3} for i, n in enumerate(names)]
        return {"model": model, "dependent": outcome, "spec": {"policy_dummy": {"policy": key, "name": "treat"}},
                "coefficients": [*rows, {"name": "att", "estimate": 0.2, "std_error": 0.1, "p_value": 0.04}],
                "vcov": {"names": names, "matrix": (np.eye(3) * 0.01).tolist()},
                "extra": {"synth_did": {"se": {"method": "placebo"}}}}

    docs = {"a": doc("did.twfe", "dci", "pilot"), "b": doc("synth.sdid", "dci", "pilot"),
            "c": doc("did.dcdh", "innov", "pilot"), "d": doc("did.cs", "dci", "broadband")}
    docs["d"]["extra"] = {"did": {"uniform_bands": {"dynamic": {"names": names, "lower": [-1.0] * 3,
                                                                "upper": [1.0] * 3}}}}
    targets = {"average_post": {"breakdown_M": 0.1, "significant_at_0": True,
                                "relative_magnitudes": {"breakdown_Mbar": 0.5, "significant_at_0": True}},
               "first_post": {"breakdown_M": None, "significant_at_0": False,
                              "relative_magnitudes": {"breakdown_Mbar": 0.0, "significant_at_0": False}}}
    h = {"id": "M2-pilot", "verdict": "supported", "evidence": [{"specification": "a"}], "p_randomisation": 0.03,
         "p_value": 0.02, "p_raw": 0.01, "randomisation": {"reps": 999, "n_treated_clusters": 7},
         "governed_by": {"specification": "a", "estimator": "did.twfe", "coefficient": "treat",
                         "inference": "randomisation"},
         "pretrends": {"specification": "a", "joint_pretrend": {"df": 2, "statistic": 1.2, "p_value": 0.5},
                       "targets": targets},
         "companions": {"evidence": [{"specification": "d"}],
                        "randomisation": {"d": {"p_value": 0.2, "reps": 99, "n_treated_clusters": 3}},
                        "pretrends": {"specification": "d", "targets": targets}}}
    zh = {"dci": "集群指数", "innov": "创新", "treat": "政策变量"}
    policies = {"policies": {"pilot": {"label_zh": "试验区"}, "broadband": {"label_zh": "宽带中国"}}}
    texts: list[str] = []

    def figure(fig, name, title, paths, caption=None):
        texts.extend([title, caption or ""])
        for ax in fig.get_axes():
            texts.extend([ax.get_title(), ax.get_xlabel(), ax.get_ylabel()])
            texts.extend(t.get_text() for t in (ax.get_legend().get_texts() if ax.get_legend() else []))
        return name

    b = SimpleNamespace(
        config=SimpleNamespace(seed=1, section=lambda name: policies),
        settings=SimpleNamespace(language=language, label=lambda v: zh.get(v, v), doc_label=lambda d, n: f"设定{n}"),
        inputs=SimpleNamespace(docs=docs, doc_paths={n: f"results/models/{n}.json" for n in docs}),
        table=lambda t: t, figure=figure, prov=lambda paths: list(paths))
    for item in policy_section.policy_items(b, h)[1]:
        if not isinstance(item, str):
            texts.extend([item.title, item.caption, *item.notes, *item.header[0],
                          *(str(c) for row in item.body for c in row)])
    return "\n".join(texts)


def test_chinese_policy_section_has_no_english_fixed_word():
    """The M2 policy section (both policies, issue 15) in Chinese: no Latin word outside the
    allowlist; the same text in English has its words (the check can fail)."""
    assert english_words(_policy_section_text("zh"), codes=["M2-pilot"]) == []  # the registry id is a code
    assert {"Randomisation", "companion", "panel"} & set(english_words(_policy_section_text("en")))


@pytest.mark.e2e
def test_default_run_chinese_report_has_no_english_fixed_word(snakemake_run):
    page = snakemake_run[0] / "results/report/zh/index.html"
    assert page.is_file(), "the default run wrote no Chinese report"
    ids = hypothesis_ids(snakemake_run[0] / "results")
    assert "M4-actors" in ids  # the identifiers removed are the registry's
    codes = variable_codes(snakemake_run[0])
    assert english_words(page.read_text(encoding="utf-8"), codes=ids, prose_codes=codes) == []


def test_pages_built_in_parallel_equal_those_built_in_turn(both, monkeypatch):
    """The zh page built in a forked process (the default on 2+ CPUs) has the bytes of the one
    built after the English page in the same process (CLUSTERNET_REPORT_PROCESSES=1)."""
    import hashlib

    def digests():
        return {p.relative_to(both).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(both.rglob("*")) if p.is_file()}

    monkeypatch.setenv("CLUSTERNET_REPORT_PROCESSES", "2")
    assert build.report_processes(2) == 2
    build_report(load_config("config/config.yaml"))
    parallel = digests()
    monkeypatch.setenv("CLUSTERNET_REPORT_PROCESSES", "1")
    assert build.report_processes(2) == 1
    build_report(load_config("config/config.yaml"))
    assert digests() == parallel and any(k.startswith("zh/") for k in parallel)
