"""Reference fixture for clusternet.models.synth from `pysyncon` (pip install pysyncon==1.7.0) on
its own example data: the Basque Country (Abadie & Gardeazabal 2003) and West Germany (Abadie,
Diamond & Hainmueller 2015, the training-period fit), with the example settings of pysyncon's
examples/basque.ipynb and examples/germany.ipynb (repository sdfordham/pysyncon, commit
34350ca548370902bc40cfcf6d37d97b9de0839e; data/basque.csv and data/germany.csv copied to
fixtures/synth_basque.csv and synth_germany.csv; the data are those of R's Synth package).

Writes fixtures/synth_pysyncon.json: for each example the matrices X0, X1, Z0, Z1 (pysyncon's
Dataprep), the whole outcome path, pysyncon's V, W and loss_V (Nelder-Mead, start "equal").
(pysyncon's PlaceboTest refits 17 nested optimisations of about three minutes each on the
project's shared 2-core machine; `example(..., placebo=True)` adds its gaps when run elsewhere.)

Run from the repository root: python tests/reference/synth_pysyncon.py
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from pysyncon import Dataprep, Synth
from pysyncon.utils import PlaceboTest

HERE = Path(__file__).parent / "fixtures"

BASQUE = dict(
    predictors=["school.illit", "school.prim", "school.med", "school.high", "school.post.high", "invest"],
    predictors_op="mean", time_predictors_prior=range(1964, 1970),
    special_predictors=[("gdpcap", range(1960, 1970), "mean"), ("sec.agriculture", range(1961, 1970, 2), "mean"),
                        ("sec.energy", range(1961, 1970, 2), "mean"), ("sec.industry", range(1961, 1970, 2), "mean"),
                        ("sec.construction", range(1961, 1970, 2), "mean"),
                        ("sec.services.venta", range(1961, 1970, 2), "mean"),
                        ("sec.services.nonventa", range(1961, 1970, 2), "mean"), ("popdens", [1969], "mean")],
    dependent="gdpcap", unit_variable="regionname", time_variable="year",
    treatment_identifier="Basque Country (Pais Vasco)",
    controls_identifier=["Spain (Espana)", "Andalucia", "Aragon", "Principado De Asturias", "Baleares (Islas)",
                         "Canarias", "Cantabria", "Castilla Y Leon", "Castilla-La Mancha", "Cataluna",
                         "Comunidad Valenciana", "Extremadura", "Galicia", "Madrid (Comunidad De)",
                         "Murcia (Region de)", "Navarra (Comunidad Foral De)", "Rioja (La)"],
    time_optimize_ssr=range(1960, 1970),
)
GERMANY = dict(
    predictors=["gdp", "trade", "infrate"], predictors_op="mean", time_predictors_prior=range(1971, 1981),
    special_predictors=[("industry", range(1971, 1981), "mean"), ("schooling", [1970, 1975], "mean"),
                        ("invest70", [1980], "mean")],
    dependent="gdp", unit_variable="country", time_variable="year", treatment_identifier="West Germany",
    controls_identifier=["USA", "UK", "Austria", "Belgium", "Denmark", "France", "Italy", "Netherlands", "Norway",
                         "Switzerland", "Japan", "Greece", "Portugal", "Spain", "Australia", "New Zealand"],
    time_optimize_ssr=range(1981, 1991),
)


def example(csv: str, settings: dict, treatment_time: int, placebo: bool) -> dict:
    df = pd.read_csv(HERE / csv)
    dp = Dataprep(foo=df, **settings)
    X0, X1 = dp.make_covariate_mats()
    Z0, Z1 = dp.make_outcome_mats()
    sy = Synth()
    sy.fit(dataprep=dp, optim_method="Nelder-Mead", optim_initial="equal")
    units = list(settings["controls_identifier"])
    wide = df.pivot(index=settings["time_variable"], columns=settings["unit_variable"], values=settings["dependent"])
    years = [int(y) for y in wide.index]
    out = {
        "X0": X0[units].to_numpy().tolist(), "X1": X1.to_numpy().tolist(), "predictors": list(X0.index),
        "Z0": Z0[units].to_numpy().tolist(), "Z1": Z1.to_numpy().tolist(), "units": units,
        "years": years, "Y_treated": wide[settings["treatment_identifier"]].tolist(),
        "Y_donors": wide[units].to_numpy().tolist(), "treatment_time": treatment_time,
        "pysyncon": {"V": list(map(float, sy.V)), "W": list(map(float, sy.W)), "loss_V": float(sy.loss_V),
                     "loss_W": float(sy.loss_W)},
    }
    if placebo:
        pt = PlaceboTest()
        pt.fit(dataprep=dp, scm=sy, scm_options={"optim_method": "Nelder-Mead", "optim_initial": "equal"})
        out["pysyncon"]["placebo_gaps"] = {str(c): pt.gaps[c].tolist() for c in pt.gaps.columns}
        out["pysyncon"]["treated_gap"] = pt.treated_gap.tolist()
        out["pysyncon"]["placebo_years"] = [int(y) for y in pt.gaps.index]
    return out


def main() -> None:
    fixture = {"source": "pysyncon==1.7.0 on its own example data (see tests/reference/synth_pysyncon.py)",
               "basque": example("synth_basque.csv", BASQUE, 1975, placebo=False),
               "germany": example("synth_germany.csv", GERMANY, 1990, placebo=False)}
    (HERE / "synth_pysyncon.json").write_text(json.dumps(fixture, sort_keys=True, indent=1, default=float) + "\n")


if __name__ == "__main__":
    main()
