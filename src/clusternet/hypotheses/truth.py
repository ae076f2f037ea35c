"""True values beside the estimates in a simulated project (issue 17; docs/simulate.md).

A project written by ``clusternet simulate`` has ``simulation: {truth: ../truth.json}`` in its
config.yaml. The hypotheses stage then adds to every verdict entry the true value of its estimand
(``true_value``; None when the DGP declares none, e.g. for a regressor the pipeline computes),
whether the interval covers it and the estimate's error; ``verdicts.md`` gets a table of them.
Outside a simulated project nothing changes.
"""
from __future__ import annotations

from clusternet import reads


def truth_document(config) -> dict | None:
    block = config.main.get("simulation")
    if not block:
        return None
    return reads.read_json_input(config.dir / block["truth"])


def add_true_values(config, reg: dict, entries: list[dict]) -> list:
    """Entries with true_value / true_in_ci / error added (in place); returns the truth file read."""
    doc = truth_document(config)
    if doc is None:
        return []
    truth = doc.get("truth", {})
    by_id = {h["id"]: h for h in reg["hypotheses"]}
    for e in entries:
        est = by_id[e["id"]].get("estimand") or {}
        # a spatial estimand names its coefficient and the effect (direct/indirect/total) of it
        key = est.get("effect") or est.get("coefficient") or est.get("test")
        value = (truth.get(est.get("specification", ""), {}) or {}).get(key)
        value = value if isinstance(value, (int, float)) else None
        e["true_value"] = value
        lo, hi, est_value = e.get("ci_lower"), e.get("ci_upper"), e.get("estimate")
        e["true_in_ci"] = (None if value is None or lo is None or hi is None else bool(lo <= value <= hi))
        e["estimate_error"] = None if value is None or est_value is None else float(est_value - value)
    return [config.dir / config.main["simulation"]["truth"]]


def truth_markdown(entries: list[dict]) -> str:
    """The simulation table of verdicts.md (empty outside a simulated project)."""
    if not any("true_value" in e for e in entries):
        return ""

    def f(v):
        return "—" if v is None else f"{v:.4g}"

    lines = ["", "## Simulation: true values beside the estimates", "",
             "True value of each estimand in the declared data-generating process (truth.json; — where the DGP "
             "declares none, e.g. for an index the pipeline computes). Raw units.", "",
             "| id | estimand | true | estimate | CI | covers | verdict |", "|---|---|---|---|---|---|---|"]
    for e in entries:
        ev = (e.get("evidence") or [{}])[0]
        what = f"{ev.get('specification', '—')}: {ev.get('coefficient') or ev.get('test') or ev.get('effect') or '—'}"
        covers = "—" if e.get("true_in_ci") is None else ("yes" if e["true_in_ci"] else "no")
        lines.append(f"| {e['id']} | {what} | {f(e.get('true_value'))} | {f(e.get('estimate'))} | "
                     f"[{f(e.get('ci_lower'))}, {f(e.get('ci_upper'))}] | {covers} | "
                     f"{e['verdict'].replace('_', ' ')} |")
    return "\n".join(lines) + "\n"
