"""pandera schemas for the outputs of the panel stage.

The panel schema: id columns with registry values, one row per (region_code, year), balanced
over the configured years (31 x T rows), every variable float64 with no infinities, and the
optional ``min``/``max`` bounds declared in the codebook. The imputed-cells schema: one row per
(region_code, year, variable) with a known method.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.errors
import pandera.pandas as pa

from clusternet.data import regions as reg
from clusternet.errors import DataError

IMPUTATION_METHODS = ("linear", "linear_extrapolation", "national_cpi_fallback", "derived_from_imputed")


def panel_schema(codebook: dict, first: int, last: int) -> pa.DataFrameSchema:
    table = reg.region_table()
    columns = {
        "region_code": pa.Column("int64", pa.Check.isin(table["region_code"].tolist())),
        "year": pa.Column("int64", pa.Check.in_range(first, last)),
        "region_zh": pa.Column(str, pa.Check.isin(table["region_zh"].tolist())),
        "region_en": pa.Column(str, pa.Check.isin(table["region_en"].tolist())),
        "group": pa.Column(str, pa.Check.isin(list(reg.GROUPS))),
    }
    for name, entry in codebook.items():
        checks = [pa.Check(lambda s: ~np.isinf(s), element_wise=False, error="infinite value")]
        if "min" in entry:
            checks.append(pa.Check.ge(entry["min"]))
        if "max" in entry:
            checks.append(pa.Check.le(entry["max"]))
        columns[name] = pa.Column("float64", checks, nullable=True)
    n_rows = len(table) * (last - first + 1)
    return pa.DataFrameSchema(
        columns,
        strict=True,
        unique=["region_code", "year"],
        checks=[pa.Check(lambda df: len(df) == n_rows, error=f"panel is not balanced: expected {n_rows} rows")],
    )


def imputed_schema(variables) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "region_code": pa.Column("int64", pa.Check.isin(reg.codes())),
            "year": pa.Column("int64"),
            "variable": pa.Column(str, pa.Check.isin(list(variables))),
            "method": pa.Column(str, pa.Check.isin(list(IMPUTATION_METHODS))),
        },
        strict=True,
        unique=["region_code", "year", "variable"],
    )


def _validate(schema: pa.DataFrameSchema, df: pd.DataFrame, what: str) -> None:
    try:
        schema.validate(df, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        lines = [f"  column {r.column!r}: {r.check} (example failure: {r.failure_case!r}{_where(df, r.index)})"
                 for r in cases.drop_duplicates(["column", "check"]).head(20).itertuples()]
        raise DataError(f"{what} fails its schema:\n" + "\n".join(lines)) from None


def _where(df: pd.DataFrame, index) -> str:
    """' at row N (region_code=..., year=...)' for a failure case that has a row."""
    if index is None or pd.isna(index) or index not in df.index:
        return ""
    ids = [f"{c}={df.at[index, c]}" for c in ("region_code", "year") if c in df.columns]
    return f" at row {index}" + (f" ({', '.join(ids)})" if ids else "")


def validate_panel(panel: pd.DataFrame, codebook: dict, first: int, last: int) -> None:
    _validate(panel_schema(codebook, first, last), panel, "the panel")


def validate_imputed(imputed: pd.DataFrame, variables) -> None:
    _validate(imputed_schema(variables), imputed, "the imputed-cells table")
