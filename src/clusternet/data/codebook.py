"""Render ``config/codebook.yaml`` to a readable Markdown document (``results/data/codebook.md``)."""
from __future__ import annotations

from pathlib import Path

from clusternet.config import Config
from clusternet.io import write_text

ID_VARIABLES = [
    ("region_code", "GB/T 2260 province code", "省级行政区划代码", "code"),
    ("year", "Year", "年份", "year"),
    ("region_zh", "Province name (Chinese)", "省份名称", "text"),
    ("region_en", "Province name (English)", "省份英文名", "text"),
    ("group", "NBS region group: East / Central / West / Northeast", "四大区域（东部/中部/西部/东北）", "text"),
]


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _plausible(e: dict) -> str:
    """The plausibility rules of one variable (clusternet.data.plausibility) in a few words."""
    parts = []
    if "min" in e or "max" in e:
        parts.append(f"range {e.get('min', '-inf')} to {e.get('max', 'inf')}")
    if "change" in e:
        what = "log change" if e["change"]["measure"] == "log" else "change"
        parts.append(f"no isolated {what} > {e['change']['bound']} against both neighbours")
    if "magnitude" in e:
        parts.append(f"median |x| {e['magnitude']['min']} to {e['magnitude']['max']}")
    return "; ".join(parts)


def render_codebook(config: Config) -> str:
    variables = config.section("codebook")["variables"]
    panel = config.section("panel")
    first, last = config.years
    deflation = panel["deflation"]
    lines = [
        "# clusternet panel codebook",
        "",
        f"`data/processed/panel.parquet`: one row per province and year, 31 provinces x "
        f"{first}-{last}, balanced. Generated from `config/codebook.yaml`.",
        "",
        "## Conventions",
        "",
        "- Money is in current prices unless the name ends in "
        f"`{deflation['suffix']}`: constant {deflation['base_year']} prices, deflated with the provincial "
        f"consumer price index (`{deflation['price_index']}`, previous year = 100) chain-linked to "
        f"{deflation['base_year']} = 100 (`{deflation['level_variable']}`). The provincial CPI starts in "
        f"2016 in the NBS export; earlier years use the national CPI "
        f"({deflation['national_fallback']['source']}). The CPI is used because it is the only price "
        "index published for every province in the upstream files, and it is the deflator most used "
        "for provincial R&D and money aggregates in this literature; GDP deflators exist only from 2016.",
        f"- Missing cells inside a series are interpolated linearly (runs of at most "
        f"{panel['interpolation']['max_gap']} years; extrapolation beyond the first or last observation: "
        f"{'on' if panel['interpolation']['extrapolate'] else 'off'}); every imputed cell is listed in "
        "`data/processed/imputed.parquet`.",
        "- direction: expected sign as an indicator of development / innovation capacity "
        "(+, -, or n/a for scales, prices and denominators).",
        "- plausible: the rules `clusternet panel` checks (range; isolated year-on-year change against both "
        "neighbouring years; expected magnitude of the column's median, a unit check); cells kept despite "
        "a rule are listed with a reason in `config/panel.yaml` `plausibility_exceptions` and in the "
        "data-quality report.",
        "",
        "## Identifiers",
        "",
        "| name | label | 标签 | type |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{n}` | {e} | {z} | {t} |" for n, e, z, t in ID_VARIABLES]
    by_category: dict[str, list] = {}
    for name, entry in variables.items():
        by_category.setdefault(entry["category"], []).append((name, entry))
    for category in sorted(by_category):
        lines += ["", f"## {category}", "",
                  "| name | label | 标签 | unit | direction | source | transformation | plausible |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, e in by_category[category]:
            lines.append(f"| `{name}` | {_cell(e['label_en'])} | {_cell(e['label_zh'])} | {_cell(e['unit'])} | "
                         f"{e['direction']} | {_cell(e['source'])} | {_cell(e['transformation'])} | "
                         f"{_cell(_plausible(e))} |")
    return "\n".join(lines) + "\n"


def codebook_path(config: Config) -> Path:
    return config.path_of("results") / "data" / "codebook.md"


def write_codebook(config: Config) -> Path:
    path = codebook_path(config)
    write_text(path, render_codebook(config))
    return path
