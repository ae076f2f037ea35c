"""The report's opening section: the verdict table of results/hypotheses/verdicts.json (estimate,
CI, MDE, adjusted p, robustness share, class, verdict) and the caveat; and each hypothesis'
specification-curve figure (results/hypotheses/spec_curves/<id>.png)."""
from __future__ import annotations

import base64
import shutil
from pathlib import Path

from clusternet.report.tables import Table

CAVEAT = {
    "en": ("Results are regional correlates from province-level totals and a modelled allocation of flows, "
           "not mechanisms inside clusters. Absence of evidence is not evidence of absence: a verdict "
           "'inconclusive' means the data cannot tell, 'effect bounded' that effects of the smallest size of "
           "interest are rejected."),
    "zh": ("结果是基于省级总量数据和模型化流量分配的区域相关关系，而非集群内部的机制。没有证据不等于没有效应："
           "“无法判断”表示数据无法区分，“效应有界”表示可以排除达到最小关注效应的影响。"),
}
TITLE = {"en": "Verdicts at a glance", "zh": "结论一览"}
HEADER = {
    "en": ["id", "class", "claim", "estimate (SD)", "95% CI (SD)", "MDE (SD)", "SESOI", "p adjusted",
           "robustness share (n)", "verdict"],
    "zh": ["编号", "类别", "论断", "估计值（SD）", "95% 置信区间（SD）", "最小可检测效应（SD）", "最小关注效应",
           "校正 p 值", "稳健性比例（设定数）", "结论"],
}
VERDICT_WORDS = {
    "en": {"supported": "supported", "contradicted": "contradicted", "effect_bounded": "effect bounded",
           "inconclusive": "inconclusive", "not_testable": "not testable with public data"},
    "zh": {"supported": "支持", "contradicted": "相反", "effect_bounded": "效应有界", "inconclusive": "无法判断",
           "not_testable": "公开数据无法检验"},
}


def _num(v, fmt) -> str:
    return "" if v is None else fmt(v)


TRUE = {"en": "true value", "zh": "真实值"}


def true_value(e: dict) -> float | None:
    """The simulated project's true value of the estimand (``true_value``, raw units), in the units
    the table shows the estimate in (within-SD when the entry has a scale)."""
    value = e.get("true_value")
    if value is None:
        return None
    factor = (e.get("scale") or {}).get("factor")
    return value * factor if e.get("estimate_sd") is not None and factor else value


def verdict_table(entries: list[dict], language: str, fmt, provenance: dict) -> Table:
    """One row per hypothesis; within-SD units where the entry has a scale (else raw, marked r).
    In a simulated project (entries with ``true_value``, issue 17) a "true value" column follows
    the estimate; ``true_in_ci`` marks it ✓ when the CI covers it."""
    simulated = any("true_value" in e for e in entries)
    body = []
    for e in entries:
        sd = e.get("estimate_sd") is not None
        if sd:
            est, ci, mde = e["estimate_sd"], e.get("ci_sd"), e.get("mde_simulated_sd") or e.get("mde_analytic_sd")
        else:
            est = e.get("estimate")
            ci = [e["ci_lower"], e["ci_upper"]] if e.get("ci_lower") is not None else None
            mde = e.get("mde_simulated") or e.get("mde_analytic")
        mark = "" if sd or est is None else " r"
        share = e.get("robustness_share")
        rob = "" if share is None else f"{share:.2f} ({e.get('n_specifications', 0)})"
        verdict = VERDICT_WORDS[language].get(e["verdict"], e["verdict"].replace("_", " "))
        if e.get("downgraded"):
            verdict += " ↓"
        row = [e["id"], str(e.get("class", "B")), e.get(f"title_{language}") or e["id"],
               _num(est, fmt) + mark, "" if not ci else f"[{fmt(ci[0])}, {fmt(ci[1])}]", _num(mde, fmt),
               _num(e.get("sesoi"), fmt), _num(e.get("p_adjusted"), fmt), rob, verdict]
        if simulated:
            truth = true_value(e)
            row.insert(4, "" if truth is None else fmt(truth) + (" ✓" if e.get("true_in_ci") else ""))
        body.append(row)
    adj = next((e.get("adjustment") for e in entries if e.get("adjustment")), "holm")
    from clusternet.report.messages import of

    notes = [CAVEAT[language], of(language)["verdict_note"].format(adj=adj)]
    header = list(HEADER[language])
    if simulated:
        header.insert(4, TRUE[language])
    return Table(name="verdicts_summary", title=TITLE[language], header=[header], body=body, notes=notes,
                 provenance=provenance)


def spec_curve_image(results_dir: Path, hypothesis_id: str, stage: Path) -> tuple[str, list[str]] | None:
    """(data URI of the PNG, files copied into the report) of a hypothesis' curve, if present."""
    folder = Path(results_dir) / "hypotheses" / "spec_curves"
    png = folder / f"{hypothesis_id}.png"
    if not png.is_file():
        return None
    out = Path(stage) / "figures"
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for ext in ("png", "pdf"):
        src = folder / f"{hypothesis_id}.{ext}"
        if src.is_file():
            dst = out / f"spec_curve_{hypothesis_id}.{ext}"
            shutil.copyfile(src, dst)
            files.append(f"figures/{dst.name}")
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii"), files
