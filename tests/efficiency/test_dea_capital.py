import numpy as np
import pandas as pd
import pytest

from clusternet.efficiency.capital import capital_stock, perpetual_inventory
from clusternet.errors import DataError


def test_hand_computed_example():
    # I = 100, 110, 121: g = 0.10; delta = 0.15 -> K0 = 100 / 0.25 = 400,
    # K1 = 0.85 * 400 + 110 = 450, K2 = 0.85 * 450 + 121 = 503.5
    np.testing.assert_allclose(perpetual_inventory([100, 110, 121], 0.15), [400, 450, 503.5], rtol=1e-12)
    # growth from the first year pair only: g = 0.2 -> K0 = 100 / 0.35
    k = perpetual_inventory([100, 120, 90], 0.15, growth_years=1)
    k0 = 100 / 0.35
    np.testing.assert_allclose(k, [k0, 0.85 * k0 + 120, 0.85 * (0.85 * k0 + 120) + 90], rtol=1e-12)


def test_panel_and_errors():
    df = pd.DataFrame({"region_code": [2, 2, 2, 1, 1, 1], "year": [2012, 2011, 2013, 2011, 2012, 2013],
                       "rd": [110.0, 100.0, 121.0, 50.0, 55.0, 60.5]})
    k = capital_stock(df, "rd", 0.15)
    assert k[df.region_code.eq(2) & df.year.eq(2013)].item() == pytest.approx(503.5)
    assert k[df.region_code.eq(1) & df.year.eq(2011)].item() == pytest.approx(200.0)
    df.loc[0, "rd"] = np.nan
    with pytest.raises(DataError, match="region_code=2 year=2012"):
        capital_stock(df, "rd", 0.15)
    with pytest.raises(DataError, match="undefined"):
        perpetual_inventory([100, 50, 25], 0.15)
