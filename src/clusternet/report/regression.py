"""Regression tables from result documents (and nothing else).

Layout (one column per specification)::

                      (1)         (2)
                      y label     y label
    x label           0.123***    0.101**
                      (0.031)     (0.045)
    ---------------------------------------
    Controls          Yes         Yes
    Region FE         Yes         Yes
    Year FE           No          Yes
    Observations      372         372
    R² (within)       0.412       0.455
    Clusters          31          31

Stars come from each coefficient's ``p_value`` as stored in the document (so
from the document's covariance and reference distribution), with the thresholds
of ``report.stars``. Coefficient order: first appearance across columns, or the
configured ``coefficients`` list. Notes give the covariance of each column.
"""
from __future__ import annotations

from clusternet.report.settings import ReportSettings
from clusternet.report.tables import Table


def n_clusters(doc: dict):
    """Cluster count from ``covariance.n_clusters`` (an int, or {dimension: int} for multiway)."""
    value = doc.get("covariance", {}).get("n_clusters")
    if isinstance(value, dict):
        return ", ".join(f"{v}" for _, v in sorted(value.items())) or None
    return value


def covariance_note(doc: dict) -> str:
    cov = doc.get("covariance", {})
    options = cov.get("options") or {}
    opts = ", ".join(f"{k}={v}" for k, v in sorted(options.items()))
    return cov.get("type", "?") + (f" ({opts})" if opts else "")


def controls_of(doc: dict) -> list[str]:
    return [str(c) for c in (doc.get("spec", {}).get("controls") or [])]


def regression_table(docs: dict[str, dict], settings: ReportSettings, *, name: str, title: str,
                     coefficients: list[str] | None = None, provenance: dict | None = None) -> Table:
    """``docs``: column key (specification name) -> result document, in column order."""
    keys = list(docs)
    all_controls = {c for d in docs.values() for c in controls_of(d)}
    if coefficients:
        order = list(coefficients)
    else:
        order = []
        for d in docs.values():
            for row in d["coefficients"]:
                if row["name"] not in order and (settings.show_controls or row["name"] not in all_controls):
                    order.append(row["name"])
    header = [[""] + [f"({i + 1})" for i in range(len(keys))],
              [settings.word("dependent")] + [settings.label(docs[k]["dependent"]) for k in keys],
              [""] + [docs[k].get("label") or k for k in keys]]
    body: list[list[str]] = []
    for coef in order:
        est_row, se_row = [settings.label(coef)], [""]
        for k in keys:
            row = next((r for r in docs[k]["coefficients"] if r["name"] == coef), None)
            if row is None or row["estimate"] is None:
                est_row.append("")
                se_row.append("")
                continue
            est_row.append(settings.fmt(row["estimate"]) + settings.stars_for(row["p_value"]))
            se_row.append(f"({settings.fmt(row['std_error'])})" if row["std_error"] is not None else "")
        body += [est_row, se_row]
    footer_start = len(body)

    def yes_no(flag: bool) -> str:
        return settings.word("yes") if flag else settings.word("no")

    if not settings.show_controls and all_controls:
        body.append([settings.word("controls")] + [yes_no(bool(controls_of(docs[k]))) for k in keys])
    body.append([settings.word("entity_fe")] + [yes_no(bool(docs[k]["effects"].get("entity"))) for k in keys])
    body.append([settings.word("time_fe")] + [yes_no(bool(docs[k]["effects"].get("time"))) for k in keys])
    body.append([settings.word("nobs")] + [str(docs[k]["nobs"]) for k in keys])
    if any(docs[k]["fit"].get("r2_within") is not None for k in keys):
        body.append([settings.word("r2_within")] + [settings.fmt(docs[k]["fit"].get("r2_within")) for k in keys])
    elif any(docs[k]["fit"].get("r2") is not None for k in keys):
        body.append([settings.word("r2")] + [settings.fmt(docs[k]["fit"].get("r2")) for k in keys])
    if any(n_clusters(docs[k]) is not None for k in keys):
        body.append([settings.word("clusters")]
                    + ["" if n_clusters(docs[k]) is None else str(n_clusters(docs[k])) for k in keys])
    notes = [settings.word("se_note") + " " + settings.star_note(),
             settings.word("covariance") + ": " + "; ".join(f"({i + 1}) {covariance_note(docs[k])}"
                                                           for i, k in enumerate(keys)) + "."]
    return Table(name=name, title=title, header=header, body=body, notes=notes,
                 rules_before=[footer_start], provenance=provenance or {})
