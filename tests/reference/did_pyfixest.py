"""Reference values for clusternet.models.did_sa (Sun & Abraham) and did_imputation (the
imputation / two-stage DID point estimates and Gardner's GMM standard errors) from pyfixest, on
pyfixest's own example data df_het (pyfixest/did/data/df_het.csv: 1,500 units, 1990-2020,
cohorts 2000 and 2010 and never treated, heterogeneous dynamic effects).  To keep the fixture
small the script keeps every fifth unit (unit % 5 == 0: 300 units, 9,300 rows) and writes that
subsample to fixtures/did_df_het_sub.csv.gz; both pyfixest and clusternet run on it.

Regenerate (from the repository root; pyfixest is a reference tool, not a project dependency):
    pip install pyfixest==0.60.0
    python tests/reference/did_pyfixest.py
Writes tests/reference/fixtures/did_pyfixest.json:
  sun_abraham  pyfixest event_study(estimator="saturated"): every cohort x relative-time
               coefficient (CRV1 by unit) and the interaction-weighted aggregation by relative
               time (cohort shares);
  did2s        pyfixest did2s, first stage ~ 0 | unit + year on the untreated observations,
               second stage ~ i(treat) (static) and ~ i(rel_year, ref=-1) (event study; never
               treated coded at the reference), GMM-corrected covariance clustered by unit and by
               state.
"""
from __future__ import annotations

import json
import re
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import pyfixest as pf

FIX = Path("tests/reference/fixtures")
SRC = Path(pf.__file__).parent / "did" / "data" / "df_het.csv"


def tidy_rows(fit) -> list[dict]:
    t = fit.tidy()
    return [{"name": str(k), "estimate": float(r["Estimate"]), "std_error": float(r["Std. Error"])}
            for k, r in t.iterrows()]


def main() -> None:
    warnings.simplefilter("ignore")
    full = pd.read_csv(SRC)
    d = full[full.unit % 5 == 0][["unit", "state", "year", "g", "treat", "rel_year", "dep_var"]]
    d = d.reset_index(drop=True)
    d.to_csv(FIX / "did_df_het_sub.csv.gz", index=False, float_format="%.17g",
             compression={"method": "gzip", "mtime": 0})
    d = pd.read_csv(FIX / "did_df_het_sub.csv.gz")

    sat = pf.event_study(d, yname="dep_var", idname="unit", tname="year", gname="g", cluster="unit",
                         estimator="saturated")
    catt = []
    for name, r in sat.tidy().iterrows():
        m = re.match(r".+::(.+):.+::(.+)", str(name))
        catt.append({"cohort": int(m.group(2)), "event_time": int(float(m.group(1))),
                     "estimate": float(r["Estimate"]), "std_error": float(r["Std. Error"])})
    agg = sat.aggregate()
    iw = [{"event_time": int(float(k)), "estimate": float(r["Estimate"]), "std_error": float(r["Std. Error"])}
          for k, r in agg.iterrows()]

    d2 = d.assign(rel=np.where(d.g == 0, -1.0, d.rel_year))
    did2s = {}
    for cluster in ("unit", "state"):
        static = pf.did2s(d2, yname="dep_var", first_stage="~ 0 | unit + year", second_stage="~ i(treat)",
                          treatment="treat", cluster=cluster)
        dyn = pf.did2s(d2, yname="dep_var", first_stage="~ 0 | unit + year", second_stage="~ i(rel, ref=-1.0)",
                       treatment="treat", cluster=cluster)
        did2s[cluster] = {"static": tidy_rows(static), "event": tidy_rows(dyn)}
    out = {"meta": {"generator": "tests/reference/did_pyfixest.py", "pyfixest": version("pyfixest"),
                    "data": "did_df_het_sub.csv.gz (pyfixest df_het, unit % 5 == 0)"},
           "sun_abraham": {"catt": catt, "iw": iw}, "did2s": did2s}
    (FIX / "did_pyfixest.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
