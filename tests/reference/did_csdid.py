"""Reference values for clusternet.models.did (Callaway & Sant'Anna) from csdid, the Python
port of R's `did` by its authors' group (R `did` itself is not installable here).

Regenerate (from the repository root; csdid is a reference tool, not a project dependency):
    pip install csdid==0.4.3
    python tests/reference/did_csdid.py
Reads tests/reference/fixtures/mechanisms_data_staggered.csv (written by mechanisms.R) and
writes tests/reference/fixtures/did_cs_csdid.json: ATT(g,t) with analytic standard errors
(bstrap=False), the simple and dynamic aggregations, for never/not-yet-treated controls and
varying/universal base periods. No covariates, so est_method="reg" is the 2x2 difference in means.
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


def main() -> None:
    warnings.simplefilter("ignore")
    data = pd.read_csv(FIX / "mechanisms_data_staggered.csv")
    data["g"] = data["g"].fillna(0).astype(int)  # csdid: 0 = never treated
    cases = []
    for control in ("nevertreated", "notyettreated"):
        for base in ("varying", "universal"):
            model = ATTgt(yname="y", gname="g", idname="id", tname="year", data=data, control_group=control)
            with contextlib.redirect_stdout(io.StringIO()):
                model.fit(est_method="reg", base_period=base, bstrap=False)
                res = model.results
                model.aggte(typec="simple", bstrap=False)
                simple = (float(model.atte["overall_att"]), float(model.atte["overall_se"]))
                model.aggte(typec="dynamic", bstrap=False)
                dyn = model.atte
            cases.append({
                "control": control, "base_period": base,
                "att_gt": [{"cohort": int(g), "period": int(t), "att": float(a), "std_error": float(s)}
                           for g, t, a, s in zip(res["group"], res["year"], res["att"], res["se"])],
                "simple": {"att": simple[0], "std_error": simple[1]},
                "dynamic": {"event_time": [int(e) for e in dyn["egt"]],
                            "att": [float(a) for a in dyn["att_egt"]],
                            "std_error": [float(s) for s in np.asarray(dyn["se_egt"])],
                            "overall_att": float(dyn["overall_att"]), "overall_se": float(dyn["overall_se"])},
            })
    out = {"meta": {"generator": "tests/reference/did_csdid.py", "csdid": version("csdid"),
                    "data": "mechanisms_data_staggered.csv", "est_method": "reg", "bstrap": False},
           "cases": cases}
    (FIX / "did_cs_csdid.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
