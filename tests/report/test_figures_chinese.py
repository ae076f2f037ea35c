"""Issue 13: the figures other stages draw for the report are drawn a second time with Chinese
fixed words (``clusternet.figure_words``) and shown on the Chinese page. The text of each Chinese
figure (figure and axes titles, axis labels, non-numeric tick labels, legend entries, annotations),
read from the matplotlib artists before saving, has no English fixed word by the same check as the
Chinese page (``test_report_chinese.english_words``); variable codes are codes, as there. The
English figure of the same data keeps its English words (so the check can fail on it)."""
from __future__ import annotations

import re
from html import escape
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from clusternet import figure_words, plotting
from clusternet.data import regions

from test_report_chinese import english_words

NUMERIC = re.compile(r"^[\s\d.,:+\-−–eE%×·()]*$|^\$.*\$$")  # numbers and mathtext (log-scale ticks)


def figure_text(fig) -> str:
    """Every text a reader sees in ``fig``, drawn first so tick labels are set."""
    fig.canvas.draw()
    out = [t.get_text() for t in fig.texts]
    if getattr(fig, "_suptitle", None) is not None:
        out.append(fig._suptitle.get_text())
    for leg in fig.legends:
        out += [t.get_text() for t in leg.get_texts()]
    for ax in fig.axes:
        out += [ax.get_title(loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()]
        if hasattr(ax, "get_zlabel"):
            out.append(ax.get_zlabel())
        ticks = list(ax.get_xticklabels()) + list(ax.get_yticklabels())
        out += [t.get_text() for t in ticks if not NUMERIC.match(t.get_text())]
        out += [t.get_text() for t in ax.texts]
        if ax.get_legend() is not None:
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    return "\n".join(t for t in out if t)


def check(fig, codes=()) -> list[str]:
    import matplotlib.pyplot as plt

    text = figure_text(fig)
    plt.close(fig)
    assert text.strip()
    return english_words(f"<p>{escape(text)}</p>", codes=codes)


def synthetic_w(n: int = 8):
    ids = regions.codes()[:n]
    m = np.zeros((n, n))
    for i in range(n):
        m[i, (i - 1) % n] = m[i, (i + 1) % n] = 0.5
    return SimpleNamespace(ids=ids, matrix=m, n=n)


def spatial_figures(lang):
    from clusternet.spatial import plots

    W = synthetic_w()
    x = np.linspace(0.0, 1.0, W.n) ** 2
    loc = {"cluster": ["HH", "LL", "HL", "LH", "ns", "ns", "HH", "LL"]}
    m = {"I": 0.31, "p_sim": 0.02}
    return [plots.moran_scatter("dici", 2022, W, x, loc, m, lang=lang),
            plots.lisa_map("dici", 2022, W, x, loc, m, lang=lang)]


def network_figures(lang):
    from clusternet.network import figures
    from clusternet.network.edges import YearNetwork

    rng = np.random.default_rng(1)
    codes = regions.codes()[:6]
    nets = [YearNetwork(y, codes, rng.random((6, 6)), np.ones((6, 6))) for y in (2015, 2022)]
    lonlat = rng.uniform([100, 25], [120, 40], (6, 2))
    names = regions.by_code()
    labels = [names[c].short_zh if lang == "zh" else names[c].name_en for c in codes]
    node = pd.DataFrame({"year": np.repeat([2015, 2022], 6), "net_in_strength": rng.random(12) + 0.1,
                         "net_out_strength": rng.random(12) + 0.1, "net_in_degree": rng.integers(0, 5, 12),
                         "net_out_degree": rng.integers(0, 5, 12)})
    return [figures.network_maps(nets, [2015, 2022], lonlat, ties=5, labels=labels, lang=lang),
            figures.distributions(node, [2015, 2022], lang=lang)]


def indices_figures(lang):
    from clusternet.indices import figures

    dens = pd.DataFrame({"year": np.repeat([2015, 2022], 5), "x": np.tile(np.linspace(0, 1, 5), 2),
                         "density": np.tile([0.1, 0.5, 1.0, 0.5, 0.1], 2)})
    means = pd.DataFrame({"year": np.tile([2015, 2022], 4), "group": np.repeat(["East", "Central", "West",
                                                                                  "Northeast"], 2),
                          "mean": np.arange(8, dtype=float)})
    label = "数字产业集群指数" if lang == "zh" else "DICI / 数字产业集群指数"
    return [figures.kde_figure(dens, "dici", lang=lang), figures.group_trend_figure(means, label, lang=lang)]


def modes_figures(lang):
    from clusternet.modes import STATES, figures

    codes = regions.codes()[:6]
    labels = pd.DataFrame({"year": [2015] * 6 + [2022] * 6, "region_code": codes * 2,
                           "mode": ["traditional", "efficiency", "data", "mixed", "data", ""] * 2})
    shares = pd.DataFrame({"year": [2015, 2022], **{s: [1, 2] for s in STATES}})
    stab = {"method": "kmeans", "criterion_name": "silhouette", "k": 3, "criterion": {2: 0.4, 3: 0.5, 4: 0.3},
            "jaccard": [0.8, 0.6, 0.9], "cluster_names": ["traditional", "efficiency", "data"],
            "ari_rule_vs_cluster": 0.41}
    return [figures.mode_maps(labels, [2015, 2022], codes, lang=lang), figures.stability_figure(shares, stab, lang)]


def efficiency_figures(lang):
    from clusternet.efficiency.stage import efficiency_figure

    by_year = pd.DataFrame({"year": [2015, 2016], "eff_ccr_input": [0.7, 0.8], "eff_bcc_input": [0.8, 0.9],
                            "eff_sbm": [0.6, 0.7], "eff_dea_bc": [0.65, 0.75]})
    malm = pd.DataFrame({"year": [2016, 2016], "frontier": ["contemporaneous", "global"],
                         "malmquist_geomean": [1.02, 1.01], "ec_geomean": [1.0, 1.0], "tc_geomean": [1.02, 1.01]})
    return [efficiency_figure(by_year, malm, lang)]


def coverage_figures(lang, monkeypatch, tmp_path):
    from clusternet.data import outputs

    drawn = []
    monkeypatch.setattr(plotting, "save", lambda fig, path, prov=None: drawn.append((path, fig)))
    cov = pd.DataFrame([[1.0, 0.5], [0.9, 0.0]], index=["gdp", "rd_intensity"], columns=[2015, 2016])
    outputs.coverage_figure(cov, tmp_path / "c.png", tmp_path / "c.pdf", {}, tmp_path / "c.zh.png")
    return [fig for path, fig in drawn if (str(path).endswith(".zh.png")) == (lang == "zh")][:1]


DRAWERS = {"spatial": spatial_figures, "network": network_figures, "indices": indices_figures,
           "modes": modes_figures, "efficiency": efficiency_figures}
CODES = ("dici", "gdp", "rd_intensity")


@pytest.mark.parametrize("stage", sorted(DRAWERS))
def test_chinese_figures_have_no_english_words(stage):
    plotting.setup()
    for fig in DRAWERS[stage]("zh"):
        assert check(fig, CODES) == []


@pytest.mark.parametrize("stage", sorted(set(DRAWERS) - {"indices"}))  # the English indices figures are bilingual
def test_english_figures_fail_the_same_check(stage):
    plotting.setup()
    assert any(check(fig, CODES) for fig in DRAWERS[stage]("en"))


def test_coverage_figure_in_both_languages(monkeypatch, tmp_path):
    plotting.setup()
    [zh] = coverage_figures("zh", monkeypatch, tmp_path)
    assert check(zh, CODES) == []
    [en] = coverage_figures("en", monkeypatch, tmp_path)
    assert "interpolation" in check(en, CODES)


def test_every_stage_has_the_same_words_in_both_languages():
    for stage, words in figure_words.WORDS["en"].items():
        assert set(words) == set(figure_words.WORDS["zh"][stage]), stage
    assert figure_words.zh_path("results/network/maps.png").as_posix() == "results/network/maps.zh.png"
    with pytest.raises(ValueError, match="unknown language"):
        figure_words.words("fr", "spatial")


def test_chinese_page_shows_the_chinese_copy(project, monkeypatch):
    """An artefact figure with ``path_zh``: the English page embeds ``path``, the Chinese page the copy;
    a listed copy that is missing is an error naming the list and item."""
    import base64
    from pathlib import Path

    import matplotlib.pyplot as plt
    import yaml

    from clusternet.artefacts import artefact, write_artefacts
    from clusternet.config import load_config
    from clusternet.errors import DataError
    from clusternet.report import build
    from clusternet.report.build import build_report

    from report_fixtures import square_geometries

    files = {}
    for lang, colour in (("en", "red"), ("zh", "blue")):
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.set_facecolor(colour)
        path = Path(f"results/disparity/{'kde' if lang == 'en' else 'kde.zh'}.png")
        plotting.save(fig, path)
        files[lang] = base64.b64encode(path.read_bytes()).decode("ascii")
    art = "results/disparity/artefacts.json"
    write_artefacts(art, "disparity", "Regional disparity", "区域差异",
                    [artefact("figure", "results/disparity/kde.png", "Kernel density", "核密度",
                              path_zh="results/disparity/kde.zh.png")])
    Path("config/report.yaml").write_text(yaml.safe_dump({"languages": ["en", "zh"], "table_formats": ["md"],
                                                          "figure_formats": ["png"]}))
    monkeypatch.setattr(build, "province_geometries", square_geometries)
    monkeypatch.setenv("CLUSTERNET_REPORT_PROCESSES", "1")
    build_report(load_config(Path("config/config.yaml")))
    en = Path("results/report/index.html").read_text(encoding="utf-8")
    zh = Path("results/report/zh/index.html").read_text(encoding="utf-8")
    assert files["en"] in en and files["zh"] not in en
    assert files["zh"] in zh and files["en"] not in zh
    Path("results/disparity/kde.zh.png").unlink()
    with pytest.raises(DataError, match=r"artefacts.json: items\[0\].path_zh .*kde.zh.png does not exist"):
        build_report(load_config(Path("config/config.yaml")))
