"""A result document as an object to read, print and put side by side.

    >>> from clusternet.report import load
    >>> r = load("results/models/baseline_twfe.json")
    >>> print(r.summary())          # text table, as linearmodels' / pyfixest's summary
    >>> r.tidy()                    # DataFrame, broom's column names
    >>> r.to_latex(); r.to_markdown(); r.to_html()

``clusternet table a.json b.json ... --format md|tex|html|docx|csv`` renders several
documents side by side (``side_by_side``: the report's regression table). Works on every
result kind the pipeline writes (panel, IV, GMM, threshold, mechanisms, DID, spatial): the
coefficient rows are common to all; model-specific blocks (threshold estimates, spatial
effects, mediation) are added to ``tidy()`` and ``summary()`` when present.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from clusternet.io import sha256_file
from clusternet.report import extras
from clusternet.report.regression import covariance_words, regression_table
from clusternet.report.settings import ReportSettings
from clusternet.report.tables import Table, to_csv, to_docx, to_html, to_latex, to_markdown
from clusternet.results import read_result

TIDY_COLUMNS = ("term", "component", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")


class Result:
    """One result document (``clusternet.results``) with its renderings."""

    def __init__(self, doc: dict, path: Path | str | None = None, settings: ReportSettings | None = None):
        self.doc = doc
        self.path = None if path is None else Path(path)
        self.settings = settings or ReportSettings()

    # --- what it is --------------------------------------------------------
    @property
    def model(self) -> str:
        return self.doc["model"]

    @property
    def name(self) -> str:
        return self.path.stem if self.path is not None else (self.doc.get("label") or self.model)

    @property
    def nobs(self) -> int:
        return self.doc["nobs"]

    def __repr__(self) -> str:
        return f"<Result {self.name}: {self.model}, {self.doc['dependent']}, N={self.nobs}>"

    def __str__(self) -> str:
        return self.summary()

    # --- data ----------------------------------------------------------------
    def tidy(self) -> pd.DataFrame:
        """One row per estimate: the coefficients (component ``coefficient``), then the spatial
        effects (``direct``/``indirect``/``total``) and threshold estimates (``threshold``)."""
        rows = [{"term": r["name"], "component": "coefficient", "estimate": r["estimate"],
                 "std_error": r["std_error"], "statistic": r["statistic"], "p_value": r["p_value"],
                 "conf_low": r["ci_lower"], "conf_high": r["ci_upper"]} for r in self.doc["coefficients"]]
        for variable, effects in extras.spatial_effects(self.doc).items():
            for effect in extras.EFFECTS:
                e = effects.get(effect)
                if e is not None:
                    rows.append({"term": variable, "component": effect, "estimate": e["estimate"],
                                 "std_error": e["std_error"], "statistic": None, "p_value": e["p_value"],
                                 "conf_low": None, "conf_high": None})
        for i, t in enumerate(extras.thresholds(self.doc)):
            rows.append({"term": f"gamma{i + 1}", "component": "threshold", "estimate": t["estimate"],
                         "std_error": None, "statistic": t["f_stat"], "p_value": t["p_value"],
                         "conf_low": t["ci_lower"], "conf_high": t["ci_upper"]})
        return pd.DataFrame(rows, columns=list(TIDY_COLUMNS))

    # --- text ----------------------------------------------------------------
    def summary(self) -> str:
        """A plain-text summary: model, sample, standard errors, fit; the coefficient table with
        SE, t/z, p and CI; the tests; model-specific blocks."""
        d, s = self.doc, self.settings
        fit = d.get("fit") or {}
        width = 78
        lines = ["=" * width, f"{d.get('label') or self.name}".center(width), "=" * width]
        info = [("Model", d["model"]), ("Dependent", s.label(d["dependent"])), ("Observations", str(d["nobs"])),
                ("Entities", _str(d.get("n_entities"))), ("Periods", _str(d.get("n_periods"))),
                ("Effects", ", ".join(f"{k}: {_effect(v)}" for k, v in sorted((d.get("effects") or {}).items()))),
                ("Std. errors", covariance_words(d, s))]
        for key in ("r2_within", "r2", "r2_overall", "f_stat", "loglik", "aic", "rho", "lambda"):
            if fit.get(key) is not None:
                info.append((key, s.fmt(fit[key], statistic="r2" if key.startswith("r2") else "statistic")))
        lines += [f"{k + ':':<14}{v}" for k, v in info if v]
        lines.append("-" * width)
        level = int(round(100 * d.get("ci_level", 0.95)))
        head = ["", "Estimate", "Std. Err.", "t/z", "P>|t|", f"[{level}% CI]"]
        body = []
        for r in d["coefficients"]:
            ci = ("" if r["ci_lower"] is None else
                  f"[{s.fmt(r['ci_lower'], statistic='ci')}, {s.fmt(r['ci_upper'], statistic='ci')}]")
            body.append([s.label(r["name"]), s.fmt(r["estimate"], statistic="estimate") + s.stars_for(r["p_value"]),
                         s.fmt(r["std_error"], statistic="std_error"), s.fmt(r["statistic"], statistic="statistic"),
                         s.fmt_p(r["p_value"]), ci])
        lines += _columns([head, *body])
        effects = extras.spatial_effects(d)
        if effects:
            lines += ["-" * width, "Spatial effects (LeSage & Pace 2009)"]
            rows = [["", "Direct", "Indirect", "Total"]]
            for v, e in effects.items():
                rows.append([s.label(v)] + [s.fmt((e.get(k) or {}).get("estimate"), statistic="estimate")
                                            + s.stars_for((e.get(k) or {}).get("p_value")) for k in extras.EFFECTS])
            lines += _columns(rows)
        thresholds = extras.thresholds(d)
        if thresholds:
            lines += ["-" * width, "Thresholds"]
            rows = [["", "gamma", "CI", "F", "bootstrap p"]]
            for i, t in enumerate(thresholds):
                rows.append([f"gamma{i + 1}", s.fmt(t["estimate"], statistic="estimate"),
                             f"[{s.fmt(t['ci_lower'], statistic='ci')}, {s.fmt(t['ci_upper'], statistic='ci')}]",
                             s.fmt(t["f_stat"], statistic="statistic"), s.fmt_p(t["p_value"])])
            lines += _columns(rows)
        if d.get("tests"):
            lines += ["-" * width, "Tests"]
            rows = [["", "Statistic", "df", "p-value"]]
            for t in d["tests"]:
                df = t.get("df")
                df = ", ".join(str(x) for x in df) if isinstance(df, list) else _str(df)
                rows.append([t["name"], s.fmt(t.get("statistic"), statistic="statistic"), df,
                             s.fmt_p(t.get("p_value"))])
            lines += _columns(rows)
        lines += ["=" * width, s.star_note()]
        return "\n".join(lines) + "\n"

    # --- renderings ------------------------------------------------------------
    def to_table(self, **kw) -> Table:
        return side_by_side([self], self.settings, **kw)

    def to_latex(self, fragment: bool = False, **kw) -> str:
        return to_latex(self.to_table(**kw), fragment=fragment)

    def to_markdown(self, **kw) -> str:
        return to_markdown(self.to_table(**kw))

    def to_html(self, **kw) -> str:
        return to_html(self.to_table(**kw))


def _str(v) -> str:
    return "" if v is None else str(v)


def _effect(v) -> str:
    return "random" if v == "random" else ("fixed" if v is True else ("none" if not v else str(v)))


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths))).rstrip()
            for r in rows]


def load(path, settings: ReportSettings | None = None) -> Result:
    """The result document at ``path`` (validated against the result schema) as a :class:`Result`."""
    return Result(read_result(path), path, settings)


def side_by_side(results: list[Result], settings: ReportSettings | None = None, *, name: str = "table",
                 title: str = "", **kw) -> Table:
    """Several results as one regression table (columns in the given order; see
    ``clusternet.report.regression.regression_table`` for ``stats``, ``drop``, ``rename``...)."""
    settings = settings or (results[0].settings if results else ReportSettings())
    docs: dict[str, dict] = {}
    for r in results:
        key = r.name
        i = 2
        while key in docs:
            key, i = f"{r.name}_{i}", i + 1
        docs[key] = r.doc
    provenance = {}
    inputs = {Path(r.path).as_posix(): sha256_file(r.path) for r in results if r.path is not None}
    if results:
        provenance = {"code_version": results[0].doc["provenance"].get("code_version", "?"), "inputs": inputs}
    return regression_table(docs, settings, name=name, title=title or ", ".join(docs), provenance=provenance, **kw)


RENDERERS = {"md": to_markdown, "tex": to_latex, "html": to_html, "csv": to_csv}


def render(table: Table, fmt: str, settings: ReportSettings | None = None) -> str | bytes:
    """``table`` as text (md, tex, html, csv) or bytes (docx)."""
    if fmt == "docx":
        s = settings or ReportSettings()
        return to_docx(table, s.word_paper, s.word_east_asian_font)
    return RENDERERS[fmt](table)
