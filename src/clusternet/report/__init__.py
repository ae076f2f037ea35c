"""clusternet.report: tables, figures, the HTML report, metrics and the manifest.

- ``build``: the `clusternet report` stage (``build_report``), sections, metrics, manifest.
- ``inputs``: finds result documents, artefact lists and verdicts under ``results/``.
- ``regression``, ``statistics``, ``extras``: tables from result documents and the panel.
- ``tables``: the ``Table`` model and its LaTeX / Word / HTML / Markdown / CSV renderings.
- ``figures``: coefficient plots, LR curves, marginal effects, choropleth maps.
- ``html``: the self-contained HTML page (``templates/report.html.j2``).
- ``settings``: ``config/report.yaml`` with defaults, labels and the fixed words (en / zh).
- ``artefacts``: the artefact-list contract other stages write.
- ``numbers``, ``latex``, ``labels``, ``maps``: number formats, LaTeX rendering, labels, national maps.
- ``resultview``: ``load(path)`` -> a result object (summary, tidy, to_latex...), ``clusternet table``.

See docs/report.md.
"""


def __getattr__(name: str):
    """``clusternet.report.load`` / ``Result`` (``resultview``), imported on first use so that
    importing a report submodule does not load pandas-heavy renderers it does not need."""
    if name in ("load", "Result", "side_by_side"):
        from clusternet.report import resultview

        return getattr(resultview, name)
    raise AttributeError(f"module 'clusternet.report' has no attribute {name!r}")
