"""Reference values for clusternet.models.did_cs (Callaway & Sant'Anna with covariates) on the
packages' own example data, mpdta (Callaway & Sant'Anna 2021: teen employment in 500 US
counties, 2003-2007; copied byte-exact from the csdid repository, data/mpdta.csv).

Regenerate (from the repository root; csdid and differences are reference tools, not
project dependencies):
    pip install csdid==0.4.3 differences==0.3.0
    python tests/reference/did_cs_mpdta.py
Writes tests/reference/fixtures/did_cs_mpdta.json:
  csdid   ATT(g,t) (analytic SE, xformla lemp ~ lpop) for est_method reg/ipw/dr, never- and
          not-yet-treated controls, varying/universal base periods, anticipation 0 and 1; the
          simple/group/dynamic/calendar aggregations; R did's pre-test W; and one multiplier
          bootstrap run (20,000 draws, np.random.seed(20261202)) for the bootstrap SEs and the
          uniform-band critical values.
  differences  the improved doubly robust estimator (est_method "dr-ipt", Sant'Anna & Zhao 2020)
          with lpop, both control groups.
The R `did` values on the same data (fixtures/did_cs_r_did_*.csv) come from the csdid repository's
own R reference run (csdid/test_csdid/r_ref/ref_attgt.csv, ref_aggte.csv, written by
generate_reference.R with R did; commit ca91c1f of d2cml-ai/csdid), copied unchanged less the rows
on csdid's other data set.
"""
from __future__ import annotations

import contextlib
import io
import json
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt

FIX = Path("tests/reference/fixtures")
AGGS = ("simple", "group", "dynamic", "calendar")


def _agg(model, typ: str, bstrap: bool) -> dict:
    with contextlib.redirect_stdout(io.StringIO()):
        model.aggte(typec=typ, bstrap=bstrap, cband=bstrap, biters=20000)
    a = model.atte
    out = {"overall_att": float(a["overall_att"]), "overall_se": float(np.asarray(a["overall_se"]).ravel()[0])}
    if typ != "simple":
        out["labels"] = [int(v) for v in np.asarray(a["egt"]).ravel()]
        out["att"] = [float(v) for v in np.asarray(a["att_egt"]).ravel()]
        out["se"] = [float(v) for v in np.asarray(a["se_egt"]).ravel()]
        if bstrap:
            out["crit_val"] = float(a["crit_val_egt"])
    return out


def csdid_case(data: pd.DataFrame, control: str, method: str, base: str, anticipation: int,
               bstrap: bool = False) -> dict:
    model = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year", data=data.copy(),
                  control_group=control, xformla="lemp~lpop", anticipation=anticipation,
                  biters=20000, cband=bstrap)
    if bstrap:
        np.random.seed(20261202)
    with contextlib.redirect_stdout(io.StringIO()):
        model.fit(est_method=method, base_period=base, bstrap=bstrap)
    r = model.results
    case = {"control": control, "est_method": method, "base_period": base, "anticipation": anticipation,
            "bootstrap": bstrap,
            "att_gt": [{"cohort": int(g), "period": int(t), "att": float(a), "std_error": float(s)}
                       for g, t, a, s in zip(r["group"], r["year"], r["att"], r["se"])]}
    if bstrap:
        case["att_gt_crit_val"] = float(r["c"])
        np.random.seed(20261203)
        case["aggregations"] = {"dynamic": _agg(model, "dynamic", True)}
    else:
        case["aggregations"] = {typ: _agg(model, typ, False) for typ in AGGS}
        w = model.MP.get("W")
        case["pretest"] = None if w is None else {"W": float(w), "p_value": float(model.MP["Wpval"])}
    return case


def differences_cases(data: pd.DataFrame) -> list[dict]:
    from differences import ATTgt as DiffATTgt

    d = data.assign(cohort=data["first.treat"].replace(0, np.nan)).set_index(["countyreal", "year"])
    out = []
    for control, ours in (("never_treated", "never"), ("not_yet_treated", "notyet")):
        model = DiffATTgt(data=d, cohort_column="cohort")
        model.fit(formula="lemp ~ lpop", est_method="dr-ipt", control_group=control, progress_bar=False)
        res = model.results()
        res.columns = [c[-1] for c in res.columns]
        out.append({"control": ours, "est_method": "dr_improved",
                    "att_gt": [{"cohort": int(i[0]), "period": int(i[2]), "att": float(row["ATT"]),
                                "std_error": float(row["std_error"])} for i, row in res.iterrows()]})
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    data = pd.read_csv(FIX / "did_mpdta.csv")
    cases = []
    for control in ("nevertreated", "notyettreated"):
        for method in ("reg", "ipw", "dr"):
            for base in ("varying", "universal"):
                cases.append(csdid_case(data, control, method, base, 0))
        cases.append(csdid_case(data, control, "dr", "varying", 1))
    boot = csdid_case(data, "nevertreated", "dr", "varying", 0, bstrap=True)
    out = {"meta": {"generator": "tests/reference/did_cs_mpdta.py", "csdid": version("csdid"),
                    "differences": version("differences"), "data": "did_mpdta.csv", "xformla": "lemp ~ lpop",
                    "bootstrap": "csdid multiplier bootstrap, 20000 Rademacher draws, np.random.seed(20261202) "
                                 "for att_gt and 20261203 for aggte"},
           "cases": cases, "bootstrap": boot, "differences": differences_cases(data)}
    (FIX / "did_cs_mpdta.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
