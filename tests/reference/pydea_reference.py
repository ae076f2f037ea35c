"""Reference DEA scores from the PyPI package pyDEA 1.6 (Raith, Rouse & Seiford's pyDEA).

pyDEA 1.6 does not run with PuLP >= 3 (its models assign into LpConstraint objects), so this
script is run with PuLP 2.7 on the path, outside the project's environment:

    pip install --no-deps --target /tmp/pulp2 pulp==2.7.0
    pip install -c requirements.lock pyDEA==1.6
    PYTHONPATH=/tmp/pulp2 python tests/reference/pydea_reference.py

It writes tests/reference/fixtures/dea_pydea.json (CCR/BCC, input/output oriented, Farrell
efficiencies: pyDEA reports 1/phi for output orientation). pyDEA solves each DMU's envelopment
LP one at a time with COIN-OR CBC, an independent solver and formulation from clusternet's
stacked HiGHS programmes. The tests read the fixture; they never run pyDEA.
"""
import json
from pathlib import Path

import numpy as np
from pyDEA.core.data_processing.input_data import InputData
from pyDEA.core.models.bound_generators import (
    generate_lower_bound_for_efficiency_score,
    generate_upper_bound_for_efficiency_score,
)
from pyDEA.core.models.envelopment_model import (
    EnvelopmentModelInputOriented,
    EnvelopmentModelOutputOriented,
)
from pyDEA.core.models.envelopment_model_base import EnvelopmentModelBase
from pyDEA.core.models.envelopment_model_decorators import (
    DefaultConstraintCreator,
    EnvelopmentModelVRSDecorator,
)

DATASETS = {
    # Fried, Lovell & Schmidt (eds.) data set of 11 DMUs, 2 inputs, 1 output (as in the test suite of
    # DataEnvelopmentAnalysis.jl, test/dea.jl).
    "fls": {"X": [[5, 13], [16, 12], [16, 26], [17, 15], [18, 14], [23, 6], [25, 10], [27, 22], [37, 14],
                  [42, 25], [5, 17]],
            "Y": [[12], [14], [25], [26], [8], [9], [27], [30], [31], [26], [12]]},
    # Cooper, Seiford & Tone (2007), Data Envelopment Analysis, 2nd ed., Example 3.1 (Table 3.2):
    # DMUs A-F, two inputs, one unit output.
    "cst_example_3_1": {"X": [[4, 3], [7, 3], [8, 1], [4, 2], [2, 4], [10, 1]], "Y": [[1]] * 6},
}
# A random data set (3 inputs, 2 outputs, 25 DMUs) stored with the fixture.
_rng = np.random.default_rng(20240501)
DATASETS["random_25x3x2"] = {"X": np.round(_rng.uniform(1, 10, (25, 3)), 3).tolist(),
                             "Y": np.round(_rng.uniform(1, 10, (25, 2)), 3).tolist()}


def scores(X, Y, orientation, rts):
    d = InputData()
    names = [f"D{j:03d}" for j in range(len(X))]
    for name, x, y in zip(names, X, Y):
        for i, v in enumerate(x):
            d.add_coefficient(name, f"x{i}", float(v))
        for r, v in enumerate(y):
            d.add_coefficient(name, f"y{r}", float(v))
    for i in range(len(X[0])):
        d.add_input_category(f"x{i}")
    for r in range(len(Y[0])):
        d.add_output_category(f"y{r}")
    concrete = (EnvelopmentModelInputOriented(generate_upper_bound_for_efficiency_score) if orientation == "input"
                else EnvelopmentModelOutputOriented(generate_lower_bound_for_efficiency_score))
    model = EnvelopmentModelBase(d, concrete, DefaultConstraintCreator())
    if rts == "vrs":
        model = EnvelopmentModelVRSDecorator(model)
    sol = model.run()
    by_name = {d.get_dmu_user_name(code): sol.get_efficiency_score(code) for code in d.DMU_code_to_user_name}
    return [float(by_name[n]) for n in names]


def main():
    out = {"source": "pyDEA 1.6 (PyPI) with PuLP 2.7.0 / CBC; tests/reference/pydea_reference.py",
           "datasets": {}}
    for key, data in DATASETS.items():
        res = {f"{rts}_{ori}": scores(data["X"], data["Y"], ori, rts) for rts in ("crs", "vrs")
               for ori in ("input", "output")}
        out["datasets"][key] = {**data, "efficiency": res}
    path = Path(__file__).parent / "fixtures" / "dea_pydea.json"
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print("wrote", path)


if __name__ == "__main__":
    main()
