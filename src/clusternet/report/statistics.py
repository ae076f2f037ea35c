"""Descriptive statistics and the correlation matrix of panel variables.

Conventions (as Stata's ``summarize`` and R's ``sd``/``cor(use="pairwise")``):
N counts non-missing values; SD uses the N-1 denominator; the correlation of
two variables uses the rows where both are present, and its p-value is the
two-sided t test ``t = r sqrt((n-2)/(1-r^2))`` with n-2 degrees of freedom
(the test of ``cor.test`` and ``scipy.stats.pearsonr``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from clusternet.reads import read_csv_input
from clusternet.errors import DataError
from clusternet.report import messages
from clusternet.report.settings import ReportSettings
from clusternet.report.tables import Table

ID_COLUMNS = ("region_code", "year", "region_zh", "region_en", "group")


def numeric_variables(panel: pd.DataFrame, requested, source: str) -> list[str]:
    if requested:
        missing = [v for v in requested if v not in panel.columns]
        if missing:
            raise DataError(f"{source}: report.descriptive.variables names column(s) {missing} that are not in "
                            f"the panel; available: {sorted(c for c in panel.columns if c not in ID_COLUMNS)}")
        bad = [v for v in requested if not pd.api.types.is_numeric_dtype(panel[v])]
        if bad:
            raise DataError(f"{source}: column(s) {bad} are not numeric; remove them from "
                            f"report.descriptive.variables")
        return list(requested)
    return [c for c in panel.columns if c not in ID_COLUMNS and pd.api.types.is_numeric_dtype(panel[c])]


def describe(panel: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """N, mean, SD (N-1), min, median, max per variable, ignoring missing values."""
    rows = []
    for v in variables:
        x = panel[v].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        n = x.size
        rows.append({"variable": v, "n": n,
                     "mean": x.mean() if n else np.nan,
                     "sd": x.std(ddof=1) if n > 1 else np.nan,
                     "min": x.min() if n else np.nan,
                     "median": np.median(x) if n else np.nan,
                     "max": x.max() if n else np.nan})
    return pd.DataFrame(rows)


def correlations(panel: pd.DataFrame, variables: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairwise-complete Pearson r and its two-sided p-value (t test, n-2 df)."""
    k = len(variables)
    r = np.full((k, k), np.nan)
    p = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i + 1):
            pair = panel[[variables[i], variables[j]]].astype(float).dropna()
            n = len(pair)
            if i == j:
                r[i, j], p[i, j] = (1.0, 0.0) if n > 1 else (np.nan, np.nan)
                continue
            a, b = pair.iloc[:, 0].to_numpy(), pair.iloc[:, 1].to_numpy()
            if n < 3 or a.std() == 0 or b.std() == 0:
                continue
            rij = float(np.corrcoef(a, b)[0, 1])
            rij = min(1.0, max(-1.0, rij))
            t = rij * np.sqrt((n - 2) / max(1e-300, 1 - rij * rij))
            r[i, j] = r[j, i] = rij
            p[i, j] = p[j, i] = 2 * stats.t.sf(abs(t), n - 2)
    return pd.DataFrame(r, index=variables, columns=variables), pd.DataFrame(p, index=variables, columns=variables)


def descriptive_table(panel: pd.DataFrame, variables: list[str], settings: ReportSettings,
                      provenance: dict) -> Table:
    d = describe(panel, variables)
    w = settings.word
    header = [[w("variable"), w("n"), w("mean"), w("sd"), w("min"), w("median"), w("max")]]
    body = [[settings.label(r.variable), str(int(r.n))]
            + [settings.fmt(None if np.isnan(v) else v, statistic="descriptive")
               for v in (r.mean, r.sd, r.min, r.median, r.max)]
            for r in d.itertuples()]
    return Table(name="descriptive", title=w("descriptive_title"), header=header, body=body,
                 notes=[messages.of(settings.language)["descriptive_note"]], provenance=provenance)


def correlation_table(panel: pd.DataFrame, variables: list[str], settings: ReportSettings,
                      provenance: dict) -> Table:
    r, p = correlations(panel, variables)
    header = [[settings.word("variable")] + [f"({j + 1})" for j in range(len(variables))]]
    body = []
    for i, v in enumerate(variables):
        cells = []
        for j in range(len(variables)):
            if j > i or np.isnan(r.iat[i, j]):
                cells.append("")
            elif i == j:
                cells.append(settings.fmt(1.0, statistic="correlation"))
            else:
                cells.append(settings.fmt(r.iat[i, j], statistic="correlation") + settings.stars_for(p.iat[i, j]))
        body.append([f"({i + 1}) {settings.label(v)}"] + cells)
    return Table(name="correlation", title=settings.word("correlation_title"), header=header, body=body,
                 notes=[settings.star_note()], provenance=provenance)


def is_p_value_column(name: str) -> bool:
    """Columns printed as p-values (``<0.001``): ``p``, ``p_value``, ``pvalue``, ``*_p``, ``p_*``."""
    n = name.lower()
    return n in ("p", "p_value", "pvalue", "p-value") or n.endswith(("_p", "_p_value", "_pvalue")) or n.startswith("p_")


def artefact_table(csv_path, name: str, title: str, settings: ReportSettings, provenance: dict) -> Table:
    """Any stage's CSV artefact as a Table (numbers formatted with ``digits``)."""
    try:
        frame = read_csv_input(csv_path, comment="#")  # hashed as read (clusternet.reads)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"{csv_path}: cannot read the table listed in an artefacts file: {exc}") from exc

    def cell(v, column: str) -> str:
        if isinstance(v, (float, np.floating)):
            if np.isnan(v):
                return ""
            return settings.fmt_p(float(v)) if is_p_value_column(column) else settings.fmt(float(v))
        return str(v)

    # One language per report: the region name column of the other language is left out.
    other = {"en": "region_zh", "zh": "region_en"}.get(settings.language)
    if other in frame.columns and {"region_zh", "region_en"} <= set(frame.columns):
        frame = frame.drop(columns=[other])
    header = [[settings.label(str(c)) for c in frame.columns]]
    body = [[cell(v, str(c)) for v, c in zip(row, frame.columns)] for row in frame.itertuples(index=False)]
    return Table(name=name, title=title, header=header, body=body, provenance=provenance)
