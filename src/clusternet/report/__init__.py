"""clusternet.report: tables, figures, the HTML report, metrics and the manifest.

- ``build``: the `clusternet report` stage (``build_report``), sections, metrics, manifest.
- ``inputs``: finds result documents, artefact lists and verdicts under ``results/``.
- ``regression``, ``statistics``, ``extras``: tables from result documents and the panel.
- ``tables``: the ``Table`` model and its LaTeX / Word / HTML / Markdown / CSV renderings.
- ``figures``: coefficient plots, LR curves, marginal effects, choropleth maps.
- ``html``: the self-contained HTML page (``templates/report.html.j2``).
- ``settings``: ``config/report.yaml`` with defaults, labels and the fixed words (en / zh).
- ``artefacts``: the artefact-list contract other stages write.

See docs/report.md.
"""
