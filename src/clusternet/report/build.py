"""The report stage: every table and figure, the HTML report, the metrics and
the manifest, from the outputs of the other stages.

Outputs (under ``paths.results``)::

    report/index.html           one self-contained page (images embedded as base64 PNG)
    report/tables/<name>.<ext>  tex, docx, html, md, csv (report.table_formats)
    report/figures/<name>.<ext> png, pdf (report.figure_formats)
    metrics.json                headline numbers (main coefficient per hypothesis), DVC metrics
    manifest.json               every file under results/ with its sha256 and size

The report directory is built in a staging directory and swapped into place,
so it appears whole or not at all. Tables and figures whose inputs are absent
are skipped and listed in the report's "Skipped" section.
"""
from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from clusternet import plotting
from clusternet.config import Config
from clusternet.data.regions import codes as region_codes
from clusternet.errors import ConfigError, DataError
from clusternet.io import atomic_directory, read_json, sha256_file, write_json, write_text
from clusternet.data.analysis import DEFAULT_MERGE_TABLES, load_analysis_panel
from clusternet.provenance import provenance
from clusternet import reads
from clusternet.reads import read_parquet_input
from clusternet.package_identity import README_FROM_REPORT, item_anchor, package_identity
from clusternet.report import extras, figures, html as html_report, hypothesis, maps, messages, verdict_table
from clusternet.report import labels
from clusternet.report.labels import all_labels
from clusternet.report.inputs import ReportInputs, find_inputs, resolve_result
from clusternet.report.regression import regression_table
from clusternet.report.settings import ReportSettings, codebook_labels
from clusternet.report.statistics import (artefact_table, correlation_table, descriptive_table, numeric_variables)
from clusternet.report.sections import Item, Section
from clusternet.report.tables import FORMATS, Table, to_html, write_table

MAX_COLUMNS = 8  # columns per table of a model family before it is split


@dataclass
class Builder:
    config: Config
    settings: ReportSettings
    inputs: ReportInputs
    stage: Path  # staging directory
    skipped: list[tuple[str, str]] = field(default_factory=list)
    _analysis: tuple | str | None = None
    geometry_cache: Path | None = None  # the geometry cache read for the maps, if any
    config_sha256: str | None = None  # config.sha256() of every section, computed once (``prov``)

    def analysis_data(self):
        """(panel merged with indices and node metrics, files read) as the models stage sees it
        (``clusternet.data.analysis.load_analysis_panel``), loaded once; a string naming the
        missing file when one of those files is absent."""
        if self._analysis is None:
            tables = DEFAULT_MERGE_TABLES
            if "models" in self.config.main.get("sections", {}):
                tables = self.config.section("models").get("merge_tables", DEFAULT_MERGE_TABLES)
            processed = self.config.path_of("processed")
            absent = [p for p in [processed / "panel.parquet", *(processed / f"{t}.parquet" for t in tables)]
                      if not p.is_file()]
            self._analysis = (f"{absent[0].as_posix()} is absent" if absent
                              else load_analysis_panel(self.config))
        return self._analysis

    def prov(self, inputs) -> dict:
        """``clusternet.provenance.provenance(inputs, config)``; the config hash is computed once
        per stage (``config_sha256``; hashing every section file took 0.1 s per table and figure)."""
        if self.config_sha256 is None:
            self.config_sha256 = self.config.sha256()
        out = provenance(inputs=sorted({Path(p).as_posix() for p in inputs}))
        out["config_sha256"] = self.config_sha256
        return out

    def table(self, t: Table) -> Item:
        t.language = self.settings.language
        paths = write_table(t, self.stage / "tables", self.settings.table_formats,
                            latex_fragment=self.settings.latex_fragment, settings=self.settings)
        return Item("table", t.name, t.title, html=to_html(t, standalone=False),
                    files=[f"tables/{p.name}" for p in paths], inputs=sorted(t.provenance.get("inputs", {})))

    def figure(self, fig, name: str, title: str, inputs, caption: str = "", dpi: int | None = None) -> Item:
        import matplotlib

        stem = self.stage / "figures" / name
        stem.parent.mkdir(parents=True, exist_ok=True)
        formats = self.settings.figure_formats
        with matplotlib.rc_context({"savefig.dpi": dpi} if dpi else {}):
            written = plotting.save_formats(fig, stem, ("png", *[f for f in formats if f != "png"]),
                                            self.prov(inputs), tight_once=True)
        png = Path(written[0])
        image = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")
        if "png" not in formats:
            png.unlink()
            written = written[1:]
        return Item("figure", name, title, caption=caption, image=image,
                    files=[f"figures/{Path(p).name}" for p in written],
                    inputs=sorted({Path(p).as_posix() for p in inputs}))

    def skip(self, what: str, why: str) -> None:
        self.skipped.append((what, why))


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "item"


def report_languages(config) -> list[str]:
    """Languages of the report: ``report.languages`` (the first one's report at results/report/,
    each other one's at results/report/<lang>/), else ``report.language`` alone; default en and zh."""
    section = config.section("report")
    languages = list(section.get("languages") or [])
    single = section.get("language")
    if languages and single and single != languages[0]:
        raise ConfigError(f"{config.section_file('report')}: language {single!r} and languages {languages} "
                          "disagree; set only `languages` (its first entry is the report at results/report/)")
    return languages or ([single] if single else ["en", "zh"])


def load_settings(config, language: str | None = None) -> ReportSettings:
    """Settings of the page in ``language`` (default: the first of ``languages``); the pages of the
    other languages take their formats from ``other_languages`` (default: every table format, PNG
    figures only -- their pages embed PNG; PDF rendering is most of the stage's time)."""
    section = config.section("report")
    primary = report_languages(config)[0]
    language = language or primary
    if language != primary:
        others = section.get("other_languages") or {}
        section = {**section, "table_formats": others.get("table_formats", section.get("table_formats",
                                                                                        list(FORMATS))),
                   "figure_formats": others.get("figure_formats", ["png"])}
    sections = config.main.get("sections", {})
    codebook = codebook_labels(config.section("codebook"), language) if "codebook" in sections else {}
    indicators = config.section("indicators") if "indicators" in sections else None
    labels = all_labels(language, codebook=codebook, indicators=indicators, configured=section.get("labels"))
    return ReportSettings.from_section({**section, "language": language}, labels,
                                       str(config.section_file("report")))


def build_report(config) -> dict:
    """Run the report stage; return {"skipped": [(what, why), ...]}.

    Holds the result-document locks shared (:func:`clusternet.reads.results_lock`): a stage
    rewriting them waits, and the report waits for one that is running. Inputs are hashed as they
    are read; one that changes before the report is written anyway is refused (provenance)."""
    from clusternet.reads import RESULT_DOCUMENT_LOCKS, results_lock

    with results_lock(config.path_of("results"), shared=RESULT_DOCUMENT_LOCKS):
        return _build_report(config)


def _build_report(config) -> dict:
    languages = report_languages(config)
    results_dir = config.path_of("results")
    inputs = find_inputs(results_dir, config.path_of("processed"))
    config_sha256 = config.sha256()  # once for every page (``Builder.prov``)
    with atomic_directory(results_dir / "report") as stage:
        # The pages after the first are built in forked processes while this one builds the first
        # (``report_processes``): the languages share no figure or file, and each page's bytes do
        # not depend on where it was built.
        analysis = None
        if len(languages) > 1 and report_processes(len(languages)) > 1:
            # read once before the fork, shared by every page (each page would load it otherwise)
            analysis = Builder(config=config, settings=load_settings(config, languages[0]), inputs=inputs,
                               stage=stage).analysis_data()
        jobs = _start_languages(config, inputs, stage, languages, config_sha256, analysis)
        try:
            b, sections, package = _build_language(config, inputs, stage, languages, 0, analysis=analysis,
                                                   config_sha256=config_sha256)
            if not jobs:
                for i in range(1, len(languages)):  # the analysis data is loaded once
                    _build_language(config, inputs, stage, languages, i, analysis=b._analysis,
                                    config_sha256=config_sha256)
        finally:
            # the other pages finish (or fail) before the staging directory is kept or removed
            errors = [job.exception() for job in jobs]
            _FORKED.clear()
        for error in errors:
            if error is not None:
                raise error  # a failure of another language's page fails the stage
        # before the new report replaces the old one: it must show the files it certifies
        reads.refuse_changed(inputs.files())
        write_json(stage / "items.json", items_listing(sections, package))
    write_json(results_dir / "metrics.json", headline_metrics(inputs))
    reads.refuse_changed(inputs.files())  # the manifest must list the files the report used
    write_manifest(results_dir)
    return {"skipped": b.skipped}


def report_processes(n_languages: int) -> int:
    """Processes building the pages: one per language, at most the CPUs this process may run on
    (``os.sched_getaffinity``: a SLURM job's allocation, a container's limit), at least 1;
    ``CLUSTERNET_REPORT_PROCESSES`` overrides (1 = every page in this process)."""
    import os

    configured = os.environ.get("CLUSTERNET_REPORT_PROCESSES")
    if configured:
        try:
            wanted = int(configured)
        except ValueError:
            raise ConfigError(f"CLUSTERNET_REPORT_PROCESSES={configured!r} is not a whole number") from None
        return max(1, min(n_languages, wanted))
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(n_languages, cpus))


def _start_languages(config, inputs, stage: Path, languages: list[str], config_sha256: str, analysis=None) -> list:
    """Futures of the pages of ``languages[1:]`` built in forked processes, when
    :func:`report_processes` allows more than one (a fork shares the inputs already read, the
    read ledger of :mod:`clusternet.reads` and any patched function); else [] (the caller builds
    them after the first)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    rest = list(range(1, len(languages)))
    if not rest or report_processes(len(languages)) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return []
    pool = ProcessPoolExecutor(max_workers=min(len(rest), report_processes(len(languages)) - 1),
                               mp_context=multiprocessing.get_context("fork"))
    _FORKED.update(config=config, inputs=inputs, stage=stage, languages=languages, config_sha256=config_sha256,
                   analysis=analysis)
    try:
        return [pool.submit(_build_forked, i) for i in rest]
    finally:
        pool.shutdown(wait=False)  # the workers exit after their pages


_FORKED: dict = {}  # what a forked page builder inherits (set while the pages are built)


def _build_forked(i: int) -> None:
    ctx = dict(_FORKED)
    _build_language(ctx["config"], ctx["inputs"], ctx["stage"], ctx["languages"], i, analysis=ctx["analysis"],
                    config_sha256=ctx["config_sha256"])
    reads.refuse_changed(ctx["inputs"].files())


def _build_language(config, inputs, stage: Path, languages: list[str], i: int, analysis=None,
                    config_sha256: str | None = None):
    """Write the page of ``languages[i]`` (the first at report/, the others at report/<lang>/);
    return (builder, sections, package links)."""
    language = languages[i]
    out = stage if i == 0 else stage / language
    b = Builder(config=config, settings=load_settings(config, language), inputs=inputs, stage=out,
                _analysis=analysis, config_sha256=config_sha256)
    sections = build_sections(b)
    package = package_links(config, sections, depth=0 if i == 0 else 1)
    alternates = [(lang, html_report.heading(b.settings, f"language_{lang}"),
                   _relative(i, j, lang)) for j, lang in enumerate(languages) if j != i]
    page = html_report.render(b.settings, sections, b.skipped, b.prov(inputs.files()), inputs, package,
                              alternates=alternates)
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "index.html", page)
    return b, sections, package


def _relative(i: int, j: int, language: str) -> str:
    """Link from the page of language ``i`` to that of ``j`` (the first at report/, others at report/<lang>/)."""
    if i == 0:
        return f"{language}/index.html"
    return "../index.html" if j == 0 else f"../{language}/index.html"


# Extension points (docs/report.md, "Extension points"): explicit tables, no registration at import.
# EXTRA_SECTIONS: (id of the section they follow, "module:function"); function(b: Builder) -> list[Section]
#   (e.g. the M2 policy-evaluation section after the hypotheses: ("hypothesis-M2-pilot-zones", ...)).
# EXTRA_ITEMS: (id of the section they join, "module:function"); function(b: Builder) -> list[Item]
#   (e.g. further spatial tables: ("spatial", "clusternet.report.spatial_tables:items")).
# Items are appended in the order listed; a section id absent from the page puts the sections last.
EXTRA_SECTIONS: tuple[tuple[str, str], ...] = ()
EXTRA_ITEMS: tuple[tuple[str, str], ...] = ()


def _hook(target: str):
    import importlib

    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


def build_sections(b: Builder) -> list[Section]:
    """Every section of one language's page, in page order (see docs/report.md, "Extension points")."""
    sections = [*verdict_summary_section(b), data_section(b), stage_section(b, "indices", maps=True),
                stage_section(b, "network"),
                stage_section(b, "spatial", spatial_effects=True), *hypothesis_sections(b), models_section(b)]
    sections += other_artefact_sections(b, {"data", "indices", "network", "spatial"})
    for section_id, target in EXTRA_ITEMS:
        for s in sections:
            if s.id == section_id:
                s.items += _hook(target)(b)
    for after, target in EXTRA_SECTIONS:
        ids = [s.id for s in sections]
        at = ids.index(after) + 1 if after in ids else len(sections)
        sections[at:at] = _hook(target)(b)
    return sections


# --- sections ----------------------------------------------------------------

def data_section(b: Builder) -> Section:
    s = Section("data", html_report.heading(b.settings, "data"))
    inputs = b.inputs
    analysis = b.analysis_data()
    if isinstance(analysis, str):
        b.skip("descriptive statistics, correlation matrix, coverage", analysis)
    else:
        frame, used = analysis
        regions, years = frame["region_code"].nunique(), frame["year"].nunique()
        first, last = int(frame["year"].min()), int(frame["year"].max())
        balanced = len(frame) == regions * years
        files = ", ".join(p.as_posix() for p in used)
        if b.settings.language == "zh":
            s.paragraphs.append(f"面板：{len(frame)} 个地区-年份观测，{regions} 个地区，{years} 年（{first}–{last}），"
                                f"{'平衡面板' if balanced else '非平衡面板'}。文件：{files}。")
        else:
            s.paragraphs.append(f"Panel: {len(frame)} region-years, {regions} regions, {years} years "
                                f"({first}–{last}); {'balanced' if balanced else 'unbalanced'}. Files: {files}.")
        variables = _table_variables(b, frame)
        prov = b.prov(used)
        if variables:
            s.items.append(b.table(descriptive_table(frame, variables, b.settings, prov)))
            if len(variables) > 1:
                s.items.append(b.table(correlation_table(frame, variables, b.settings, prov)))
        else:
            b.skip("descriptive statistics", "the panel has no numeric variables")
    if inputs.quality is not None:
        scalars = {k: v for k, v in sorted(inputs.quality.items()) if isinstance(v, (int, float, str, bool))}
        if scalars:
            m = messages.of(b.settings.language)
            s.paragraphs.append(m["data_quality"].format(
                v=m["quality_sep"].join(f"{m['quality_keys'].get(k, k)} = {v}" for k, v in scalars.items())))
    s.items += artefact_items(b, "data")
    return s


def _table_variables(b: Builder, frame) -> list[str]:
    """Configured variables; else the variables of the panel models found in the data; else all numeric."""
    source = str(b.config.section_file("report"))
    if b.settings.descriptive_variables:
        return numeric_variables(frame, b.settings.descriptive_variables, source)
    numeric = numeric_variables(frame, (), source)
    used = []
    for doc in b.inputs.docs.values():
        for name in [doc["dependent"], *(r["name"] for r in doc["coefficients"])]:
            if name in numeric and name not in used:
                used.append(name)
    return used or numeric


def stage_section(b: Builder, stage: str, maps: bool = False, spatial_effects: bool = False) -> Section:
    s = Section(stage, html_report.heading(b.settings, stage))
    if maps:
        s.items += choropleth_items(b)
    s.items += artefact_items(b, stage)
    if spatial_effects:
        docs = {k: d for k, d in b.inputs.docs.items() if extras.spatial_effects(d)}
        if docs:
            s.items.append(b.table(extras.spatial_effects_table(
                docs, b.settings, b.prov(b.inputs.doc_paths[k] for k in docs))))
        else:
            b.skip("spatial effects table", "no result document has extra.effects")
    if not s.items:
        b.skip(f"{stage} section", f"no outputs of the {stage} stage were found")
    return s


def choropleth_items(b: Builder) -> list[Item]:
    if "indices" not in b.inputs.data:
        b.skip("choropleth maps", "data/processed/indices.parquet is absent")
        return []
    # the geometry cache (`clusternet geometry`), when the DAG has written it
    if maps.use_geometry_cache(maps.geometry_cache_path(b.config)):
        b.geometry_cache = maps.geometry_cache_path(b.config)
    geometries = province_geometries()
    path = b.inputs.data["indices"]
    values = read_parquet_input(path)  # hashed as read (clusternet.reads)
    columns = [c for c in values.columns if c not in ("region_code", "year")
               and pd.api.types.is_numeric_dtype(values[c])]
    # Default: the main indices; method variants (`<index>__<method>`) only when configured.
    wanted = list(b.settings.map_variables) or [c for c in columns if "__" not in c]
    missing = [v for v in wanted if v not in columns]
    if missing:
        raise DataError(f"{b.config.section_file('report')}: maps.variables {missing} are not numeric columns "
                        f"of {path}; available: {columns}")
    absent_years = sorted(set(b.settings.map_years) - set(values["year"].astype(int)))
    if absent_years:
        raise DataError(f"{b.config.section_file('report')}: maps.years {absent_years} are not in {path}")
    items = []
    for v in wanted:
        observed = sorted(values.loc[values[v].notna(), "year"].astype(int).unique())
        if not observed:
            b.skip(f"map of {v}", f"{v} has no values in {path}")
            continue
        # Default: the first and the last year in which the index has values.
        years = list(b.settings.map_years) or sorted({observed[0], observed[-1]})
        title = f"{b.settings.label(v)}"
        fig = figures.choropleth(values, v, years, geometries, b.settings, title)
        used = [path, *([b.geometry_cache] if b.geometry_cache else [])]
        items.append(b.figure(fig, f"map_{safe_name(v)}", title, used, dpi=b.settings.map_dpi))
    return items




def province_geometries() -> dict:
    """region_code -> shapely geometry of the 31 provinces for the national map
    (``clusternet.report.maps``: whole provinces, islands included, with Taiwan, Hong Kong,
    Macau and the South China Sea inset drawn by ``figures.choropleth``)."""
    return maps.NationalGeometries({c: maps.national_geometry(c) for c in region_codes()})


def artefact_items(b: Builder, stage: str) -> list[Item]:
    items = []
    for listing_path, listing in b.inputs.artefacts:
        if listing["stage"] != stage:
            continue
        lang = b.settings.language
        for i, it in enumerate(listing["items"]):
            path = Path(it["path"])
            title, caption = artefact_words(it, b.settings)
            if not path.is_file():
                raise DataError(f"{listing_path}: items[{i}].path {path} does not exist; rerun the {stage} stage")
            name = f"{safe_name(stage)}_{safe_name(path.stem)}"
            if it["kind"] == "table":
                t = artefact_table(path, name, title, b.settings, b.prov([path]))
                cap = b.settings.artefact_max_rows
                if len(t.body) > cap:
                    # Long listings (densities, transition matrices) stay in the stage's own CSV;
                    # the page shows their head.
                    t.notes.insert(0, messages.of(lang)["first_rows"].format(cap=cap, n=len(t.body),
                                                                             path=path.as_posix()))
                    t.body = t.body[:cap]
                    t.language = lang  # its notes (provenance) in the page's language
                    item = Item("table", t.name, t.title, html=to_html(t, standalone=False), files=[path.as_posix()],
                                inputs=[path.as_posix()])
                else:
                    item = b.table(t)
                item.caption = caption
                item.source = "artefact"
            else:
                png = path.with_suffix(".png")
                local = it.get(f"path_{lang}") if lang != "en" else None
                if local:  # the stage drew the figure with this language's words (issue 13)
                    png = Path(local)
                    if not png.is_file():
                        raise DataError(f"{listing_path}: items[{i}].path_{lang} {png} does not exist; "
                                        f"rerun the {stage} stage")
                if not png.is_file():
                    raise DataError(f"{listing_path}: items[{i}]: figure {path} has no PNG version {png}")
                item = Item("figure", name, title, caption=caption, files=[png.as_posix()], inputs=[path.as_posix()],
                            image="data:image/png;base64," + base64.b64encode(reads.read_input(png)).decode("ascii"))
            items.append(item)
    return items


def artefact_words(it: dict, settings: ReportSettings) -> tuple[str, str]:
    """(title, caption) of an artefact item in the page's language: from the message catalogue when
    the stage named a ``key`` the report knows (variables labelled, spatial weights named), else the
    item's ``title_<lang>`` / ``caption_<lang>``. One language per page: an English caption is not
    shown on another language's page."""
    lang = settings.language
    m = messages.of(lang)
    entry = m["artefacts"].get(str(it.get("key") or ""))
    if entry is not None:
        params = dict(it.get("params") or {})
        if "variable" in params:
            params["variable"] = settings.label(str(params["variable"]))
        if "weights" in params:
            params["weights"] = m["weights_names"].get(str(params["weights"]), str(params["weights"]))
        try:
            return entry["title"].format(**params), entry["caption"].format(**params)
        except KeyError:
            pass  # a key without the values its words name: the item's own words
    title = it.get(f"title_{lang}") or it["title_en"]
    caption = it.get(f"caption_{lang}") or (it.get("caption_en", "") if lang == "en" else "")
    if lang != "en" and caption == it.get("caption_en"):
        caption = ""  # listings written before artefact() stopped copying the English caption
    return title, caption


def other_artefact_sections(b: Builder, shown: set) -> list[Section]:
    out = []
    lang = b.settings.language
    titles = {listing["stage"]: listing.get(f"title_{lang}") or listing.get("title_en") or listing["stage"]
              for _, listing in b.inputs.artefacts}
    for stage in sorted(set(titles) - shown):
        s = Section(safe_name(stage), titles[stage])
        s.items = artefact_items(b, stage)
        out.append(s)
    return out


def verdict_summary_section(b: Builder) -> list[Section]:
    """The opening verdict table and caveat (research design v2; clusternet.report.verdict_table)."""
    if b.inputs.verdicts is None:
        return []
    lang = b.settings.language
    t = verdict_table.verdict_table(b.inputs.verdicts, lang, b.settings.fmt, b.prov([b.inputs.verdicts_path]))
    s = Section("verdict-summary", verdict_table.TITLE[lang], paragraphs=[verdict_table.CAVEAT[lang]])
    s.items.append(b.table(t))
    return [s]


def hypothesis_sections(b: Builder) -> list[Section]:
    """One section per hypothesis, deciding estimand first (``clusternet.report.hypothesis``)."""
    return hypothesis.hypothesis_sections(b, Section)


def models_section(b: Builder) -> Section:
    s = Section("models", html_report.heading(b.settings, "models"))
    docs = b.inputs.docs
    # overrides of the circularity guard (clusternet.network.circularity), each printed in full
    index_path = b.inputs.results_dir / "models" / "index.json"
    overrides = (read_json(index_path).get("circularity_overrides") or []) if index_path.is_file() else []
    if overrides:
        title = ("循环性检查的例外（allow_circular）" if b.settings.language == "zh"
                 else "Circularity-guard overrides (allow_circular)")
        s.items.append(b.table(Table(
            name="circularity_overrides", title=title,
            header=[messages.of(b.settings.language)["circularity_header"]],
            body=[[str(o.get("entry")), str(o.get("reason")), str(o.get("justification") or "")] for o in overrides],
            provenance=b.prov([index_path]))))
    source = str(b.config.section_file("report"))
    for i, spec in enumerate(b.settings.regression_tables):
        # Configured tables come first and add to the defaults; naming an absent result is an error.
        missing = [k for k in spec["specifications"] if resolve_result(k, b.inputs) is None]
        if missing:
            raise ConfigError(f"{source}: regression_tables[{i}] ({spec['name']}): specifications {missing} have "
                              f"no result document under {b.inputs.results_dir}; available: {sorted(docs)}")
        keys = [str(resolve_result(k, b.inputs)) for k in spec["specifications"]]  # none missing (checked)
        title = spec.get(f"title_{b.settings.language}") or spec.get("title_en") or spec["name"]
        s.items.append(b.table(regression_table(
            {k: docs[k] for k in keys}, b.settings, name=spec["name"], title=title,
            coefficients=spec.get("coefficients"), stats=spec.get("stats"), drop=spec.get("drop"),
            rename=spec.get("rename"), number_format=spec.get("number_format"), source=source,
            provenance=b.prov(b.inputs.doc_paths[k] for k in keys))))
    families = sorted({d["model"].split(".")[0] for d in docs.values()})
    if not families:
        b.skip("regression tables", "no result documents under results/")
    for family in families:
        keys = [k for k in docs if docs[k]["model"].split(".")[0] == family]
        chunks = [keys[i:i + MAX_COLUMNS] for i in range(0, len(keys), MAX_COLUMNS)]
        for i, chunk in enumerate(chunks):
            name = f"models_{family}" + ("" if len(chunks) == 1 else f"_{i + 1}")
            title = (f"{b.settings.word('all_models_title')}: {labels.family_name(family, b.settings.language)}"
                     + ("" if len(chunks) == 1 else f" ({i + 1}/{len(chunks)})"))
            s.items.append(b.table(regression_table({k: docs[k] for k in chunk}, b.settings, name=name,
                                                    title=title,
                                                    provenance=b.prov(b.inputs.doc_paths[k] for k in chunk))))
    threshold_docs = {k: d for k, d in docs.items() if extras.thresholds(d)}
    if threshold_docs:
        s.items.append(b.table(extras.threshold_table(threshold_docs, b.settings,
                                                      b.prov(b.inputs.doc_paths[k] for k in threshold_docs))))
    else:
        b.skip("threshold table", "no result document has threshold estimates (extra.threshold)")
    for k, d in docs.items():
        curves = extras.lr_curves(d)
        if curves:
            alpha, crit = extras.lr_critical_value(d)
            fig = figures.lr_curve_plot(curves, b.settings.doc_label(d, k), b.settings, alpha, crit)
            s.items.append(b.figure(fig, f"lr_{safe_name(k)}",
                                    f"{b.settings.word('lr_curve')}: {b.settings.doc_label(d, k)}",
                                    [b.inputs.doc_paths[k]]))
    s.items += marginal_effect_items(b)
    for k, d in docs.items():
        es = extras.event_study(d)
        if es is not None:
            title = f"{b.settings.word('event_study')}: {b.settings.doc_label(d, k)}"
            s.items.append(b.figure(figures.event_study_plot(es, title, b.settings), f"event_{safe_name(k)}", title,
                                    [b.inputs.doc_paths[k]]))
    return s


def marginal_effect_items(b: Builder) -> list[Item]:
    items = []
    for k, d in b.inputs.docs.items():
        terms = extras.moderation_terms(d)
        if terms is None:
            continue
        me = extras.marginal_effects(d)
        if me is None:
            grid_range = _moderator_range(b, d, terms[1])
            me = None if grid_range is None else extras.marginal_effects(
                d, np.linspace(grid_range[0], grid_range[1], 101))
        if me is None:
            b.skip(f"marginal effects of {k}", "the document has neither extra.moderation.marginal_effects nor "
                                               f"a vcov and a range of the moderator {terms[1]}")
            continue
        fig = figures.marginal_effect_plot(me, b.settings.doc_label(d, k), b.settings)
        items.append(b.figure(fig, f"marginal_{safe_name(k)}",
                              f"{b.settings.word('marginal')}: {b.settings.doc_label(d, k)}",
                              [b.inputs.doc_paths[k]]))
    return items


def _moderator_range(b: Builder, doc: dict, moderator: str):
    block = doc.get("extra", {}).get("moderation", {})
    if isinstance(block, dict) and isinstance(block.get("range"), list) and len(block["range"]) == 2:
        return block["range"]
    analysis = b.analysis_data()
    if not isinstance(analysis, str):
        frame, _ = analysis
        if moderator in frame.columns:
            col = frame[moderator].astype(float).dropna()
            if len(col):
                return [float(col.min()), float(col.max())]
    return None


# --- replication package links ----------------------------------------------

def package_links(config, sections, depth: int = 0) -> dict:
    """The package id and, per item, its number (T1, F1, ... in page order) and the link to its
    entry in the replication package's list of tables and figures (README.md of the package,
    which holds results/ at its root)."""
    ident = package_identity(config)
    counts, seen = {"table": 0, "figure": 0}, set()
    for s in _page_order(sections):
        for it in s.items:
            counts[it.kind] += 1
            it.number = f"{'T' if it.kind == 'table' else 'F'}{counts[it.kind]}"
            # A table and a figure may share a name (a stage's CSV and PNG): the anchor is unique.
            key = it.name if it.name not in seen else f"{it.name}-{it.kind}-{it.number}"
            seen.add(key)
            it.anchor = item_anchor(key)
    return {**ident, "readme": "../" * depth + README_FROM_REPORT}


def _page_order(sections):
    # The order html.render shows them in: other sections, hypotheses, then "All models".
    others = [s for s in sections if s.hypothesis is None]
    return ([s for s in others if s.id != "models"] + [s for s in sections if s.hypothesis is not None]
            + [s for s in others if s.id == "models"])


def items_listing(sections, package) -> dict:
    """results/report/items.json: every table and figure of the page, in page order, with its
    number, section, files and the files it was made from; read by `clusternet package`."""
    items = [{"number": it.number, "anchor": it.anchor, "name": it.name, "kind": it.kind, "title": it.title,
              "section": s.id, "section_title": s.title, "files": it.files, "inputs": it.inputs,
              "hypothesis": s.hypothesis["id"] if s.hypothesis else None}
             for s in _page_order(sections) for it in s.items]
    return {"package": {k: package[k] for k in ("name", "version", "id", "code_version", "config_sha256")},
            "items": items}


# --- metrics and manifest ----------------------------------------------------

def headline_metrics(inputs: ReportInputs) -> dict:
    """Main number per hypothesis: its first evidence item, with the estimate, SE and p-value
    the verdict used (as written in verdicts.json; looked up in the cited document when the
    item has only ``result`` and ``coefficient``). Numbers only, so that `dvc metrics diff`
    compares them."""
    out: dict = {"n_result_documents": len(inputs.docs), "hypotheses": {}}
    for h in inputs.verdicts or []:
        for item in h["evidence"]:
            key = resolve_result(item.get("result"), inputs)
            if "estimate" in item:
                row = item
            elif key is not None and not item.get("effect"):
                row = next((r for r in inputs.docs[key]["coefficients"] if r["name"] == item.get("coefficient")),
                           None)
            else:
                row = None
            if row is not None:
                out["hypotheses"][h["id"]] = {"estimate": row.get("estimate"), "std_error": row.get("std_error"),
                                              "p_value": row.get("p_value"),
                                              "nobs": inputs.docs[key]["nobs"] if key else None}
                break
    return out


def write_manifest(results_dir: Path) -> dict:
    """results/manifest.json: {path: {sha256, bytes}} for every file under results/ except itself
    and hidden files (temporary files of an interrupted run)."""
    results_dir = Path(results_dir)
    target = results_dir / "manifest.json"
    files = {}
    for path in sorted(results_dir.rglob("*"), key=lambda p: p.as_posix()):
        rel = path.relative_to(results_dir)
        if not path.is_file() or path == target or any(part.startswith(".") for part in rel.parts):
            continue
        files[path.as_posix()] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    manifest = {"files": files}
    write_json(target, manifest)
    return manifest

