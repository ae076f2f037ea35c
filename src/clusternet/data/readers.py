"""Readers for the three upstream formats, each returning the same long table.

Every reader returns a DataFrame with one row per published number::

    region  year  code  value  unit  row  column

``region`` is the name as printed (normalised later by :mod:`clusternet.data.names`), ``code``
identifies the item (an R variable code, a column header, or ``""`` for single-item files),
``row``/``column`` say where the number is in the file, for error messages. Empty cells give
NaN; any other cell that is not a number is an error naming the file, row and column.

Formats:

* ``rda`` — R data files of the techme package (pyreadr): long tables with province, year,
  item code, value and unit columns.
* ``xlsx`` — workbooks with one or more header rows (e.g. a three-row bilingual header whose
  last row names the columns); ``header_row`` is the row naming the columns.
* ``nbs_csv`` — exports of the NBS database (data.stats.gov.cn): UTF-8 with BOM, preamble
  lines (``数据库：…``, ``时间：…``), cells separated by TAB+comma, a trailing separator, and
  notes after the table. Either years are the columns (``2024年``, …; one indicator per file)
  or indicators are the columns and the year is given in the ``时间：YYYY年`` line.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.errors import DataError

COLUMNS = ["region", "year", "code", "value", "unit", "row", "column"]

NBS_SEPARATOR = "\t,"
_YEAR_HEADER = re.compile(r"^(\d{4})年$")
_TIME_LINE = re.compile(r"^时间[:：]\s*(\d{4})年\s*$")


def _number(value, file: Path, row, column) -> float:
    """A cell as float: None/"" -> NaN; numbers as is; numeric text parsed; else DataError."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise DataError(f"{file}: row {row}, column {column!r}: boolean {value!r} where a number is expected")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return math.nan if math.isnan(value) else float(value)
    text = str(value).strip().replace(",", "")
    if text == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise DataError(
            f"{file}: row {row}, column {column!r}: non-numeric cell {str(value)!r}; "
            f"correct the cell or leave it empty for a missing value"
        ) from None


def _year(value, file: Path, row, column) -> int:
    try:
        f = float(str(value).strip().rstrip("年"))
    except (TypeError, ValueError):
        raise DataError(f"{file}: row {row}, column {column!r}: year {value!r} is not a number") from None
    if not math.isfinite(f) or f != int(f):
        raise DataError(f"{file}: row {row}, column {column!r}: year {value!r} is not a whole year")
    return int(f)


def _numeric_column(values: pd.Series, file: Path, column: str, convert) -> np.ndarray:
    """Vectorised conversion of a column; falls back to the cell-by-cell converter (which
    raises a DataError naming the row) only when the fast path finds a bad cell."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", copy=True)
    bad = np.isnan(numbers) & values.notna().to_numpy() & (values.astype(str).str.strip() != "").to_numpy()
    if convert is _year:
        bad |= np.isnan(numbers) | (np.isfinite(numbers) & (numbers != np.round(numbers)))
    for i in np.flatnonzero(bad):
        convert(values.iloc[i], file, int(values.index[i]) + 1, column)
    # R's NA is a NaN with a payload; replace it by a plain NaN so arithmetic stays quiet
    numbers[np.isnan(numbers)] = np.nan
    return numbers.astype("int64") if convert is _year else numbers


def _require_columns(file: Path, available, wanted: dict[str, str], what: str) -> None:
    missing = {k: v for k, v in wanted.items() if v not in available}
    if missing:
        listed = ", ".join(repr(str(c)) for c in available)
        raise DataError(
            f"{file}: {what} has no column " + ", ".join(f"{v!r} (the {k})" for k, v in missing.items())
            + f"; available columns: {listed}. Fix the column name in config/items.yaml."
        )


def read_rda(file: Path, spec: dict, codes=None, data: bytes | None = None) -> pd.DataFrame:
    """Read one object of an .rda file; ``codes`` restricts the item codes kept. ``data`` (the
    file's bytes, already verified) is parsed instead of the file when given."""
    import tempfile

    import pyreadr

    try:
        if data is None:
            objects = pyreadr.read_r(str(file))
        else:
            # pyreadr reads from a path only: parse a private copy of exactly the verified bytes
            with tempfile.TemporaryDirectory(prefix="clusternet-rda-") as tmp:
                copy = Path(tmp) / "object.rda"
                copy.write_bytes(data)
                objects = pyreadr.read_r(str(copy))
    except Exception as exc:  # pyreadr raises its own types for corrupt files
        raise DataError(f"{file}: cannot be read as an R data file: {exc}") from exc
    name = spec["object"]
    if name not in objects:
        raise DataError(f"{file}: no R object {name!r}; it holds {sorted(objects)}. Fix readers.*.object in items.yaml.")
    df = objects[name].reset_index(drop=True)
    wanted = {"region column": spec["region_column"], "year column": spec["year_column"],
              "value column": spec["value_column"]}
    for key in ("code_column", "unit_column"):
        if spec.get(key):
            wanted[key.replace("_", " ")] = spec[key]
    _require_columns(file, list(df.columns), wanted, f"object {name!r}")
    code = df[spec["code_column"]].astype(str) if spec.get("code_column") else pd.Series("", index=df.index)
    keep = code.isin(set(codes)) if codes is not None and spec.get("code_column") else pd.Series(True, index=df.index)
    rows = df.index[keep]
    vcol, ycol = spec["value_column"], spec["year_column"]
    out = pd.DataFrame({
        "region": df.loc[rows, spec["region_column"]].astype(str).to_numpy(),
        "year": _numeric_column(df.loc[rows, ycol], file, ycol, _year),
        "code": code[rows].to_numpy(),
        "value": _numeric_column(df.loc[rows, vcol], file, vcol, _number),
        "unit": (df.loc[rows, spec["unit_column"]].astype(str).to_numpy() if spec.get("unit_column") else None),
        "row": (rows + 1).to_numpy(),
        "column": vcol,
    })
    return out[COLUMNS]


def _blank(value) -> bool:
    return value is None or str(value).strip() == ""


def _header_text(value) -> str:
    return "" if value is None else re.sub(r"\s+", " ", str(value)).strip()


def read_xlsx(file: Path, spec: dict, codes=None, data: bytes | None = None) -> pd.DataFrame:
    """Read a sheet whose ``header_row`` names the columns; every other column is an item.

    Headers are compared after collapsing runs of white space (headers contain line breaks).
    ``codes`` (header texts) restricts the columns read; a requested header that is not in the
    sheet is an error listing the available ones.
    """
    import openpyxl

    try:
        import io

        wb = openpyxl.load_workbook(file if data is None else io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise DataError(f"{file}: cannot be read as an .xlsx workbook: {exc}") from exc
    try:
        if spec["sheet"] not in wb.sheetnames:
            raise DataError(f"{file}: no sheet {spec['sheet']!r}; sheets: {wb.sheetnames}. "
                            f"Fix readers.*.sheet in config/items.yaml.")
        ws = wb[spec["sheet"]]
        # The stored dimension of some sheets spans 1,048,576 rows; reading the cells
        # actually present is much faster and gives the same data.
        ws.reset_dimensions()
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    h = spec["header_row"]
    where = f"sheet {spec['sheet']!r}"
    if len(rows) < h:
        raise DataError(f"{file}: {where} has {len(rows)} rows, fewer than header_row {h}")
    header = [_header_text(v) for v in rows[h - 1]]
    wanted = {"region column": spec["region_column"], "year column": spec["year_column"]}
    if spec.get("code_column"):
        wanted["code column"] = spec["code_column"]
    if codes is not None:
        wanted.update({f"item {c!r}": _header_text(c) for c in codes})
    _require_columns(file, [c for c in header if c], wanted, where)
    index = {name: i for i, name in reversed(list(enumerate(header))) if name}
    ri, yi = index[spec["region_column"]], index[spec["year_column"]]
    ci = index.get(spec.get("code_column", ""), None)
    item_cols = [_header_text(c) for c in codes] if codes is not None else [
        c for c in index if c not in (spec["region_column"], spec["year_column"], spec.get("code_column"))]
    records, ignored = [], []
    for r, values in enumerate(rows[h:], start=h + 1):
        if values.count(None) == len(values):  # fast path for the empty rows of huge sheets
            continue
        values = list(values) + [None] * (len(header) - len(values))
        if all(_blank(v) for v in values):
            continue
        region = values[ri]
        if _blank(region) and _blank(values[yi]):
            # Cells outside the table (no region, no year), e.g. a stray copy of a value
            # below the last row of control V.xlsx (R312): not data; reported as ignored.
            ignored.append(r)
            continue
        if _blank(region):
            raise DataError(f"{file}: {where}, row {r}: the region column {spec['region_column']!r} is empty")
        year = _year(values[yi], file, r, spec["year_column"])
        geo = None
        if ci is not None and values[ci] is not None:
            geo = int(_number(values[ci], file, r, spec["code_column"]))
        for name in item_cols:
            records.append((str(region), year, name, _number(values[index[name]], file, r, name), None, r, name, geo))
    out = pd.DataFrame.from_records(records, columns=COLUMNS + ["geo_code"])
    out.attrs["ignored_rows"] = ignored
    return out


def read_nbs_csv(file: Path, spec: dict | None = None, codes=None, data: bytes | None = None) -> pd.DataFrame:
    """Read an NBS database export (see the module docstring for the layout)."""
    try:
        raw = Path(file).read_bytes() if data is None else data
        text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        raise DataError(f"{file}: not UTF-8 text ({exc}); re-export it from the NBS database as CSV") from exc
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if NBS_SEPARATOR in line), None)
    if header_at is None:
        raise DataError(f"{file}: no table found (no line with the TAB+comma separator of NBS exports)")
    time_year: int | None = None
    for line in lines[:header_at]:
        m = _TIME_LINE.match(line.strip())
        if m:
            time_year = int(m.group(1))

    def cells(line: str) -> list[str]:
        parts = [c.strip() for c in line.split(NBS_SEPARATOR)]
        return parts[:-1] if parts and parts[-1] == "" else parts

    header = cells(lines[header_at])
    year_cols = [_YEAR_HEADER.match(h) for h in header[1:]]
    years_as_columns = all(year_cols) and len(year_cols) > 0
    if not years_as_columns and time_year is None:
        raise DataError(f"{file}: columns are not years ({header[1:4]}...) and the preamble has no "
                        f"'时间：YYYY年' line, so the year of the cross-section is unknown")
    if not years_as_columns and codes is not None:
        _require_columns(file, header[1:], {f"item {c!r}": c for c in codes}, "the table")
    records = []
    for i in range(header_at + 1, len(lines)):
        line = lines[i]
        if NBS_SEPARATOR not in line:
            if line.strip() == "":
                continue
            break  # notes ("注：…") and the source line end the table
        row = cells(line)
        if len(row) != len(header):
            raise DataError(f"{file}: line {i + 1} has {len(row)} cells, the header has {len(header)}; "
                            f"the export is damaged")
        region = row[0]
        for j, name in enumerate(header[1:], start=1):
            year: int | None
            if years_as_columns:
                match = year_cols[j - 1]
                assert match is not None  # years_as_columns: every header cell matched
                year, code = int(match.group(1)), ""
            else:
                if codes is not None and name not in codes:
                    continue
                year, code = time_year, name
            records.append((region, year, code, _number(row[j], file, i + 1, name), None, i + 1, name))
    return pd.DataFrame.from_records(records, columns=COLUMNS)


READERS = {"rda": read_rda, "xlsx": read_xlsx, "nbs_csv": read_nbs_csv}


def read_source(file: Path, spec: dict, codes=None, data: bytes | None = None) -> pd.DataFrame:
    """Dispatch on ``spec['format']``; ``data`` are the file's bytes when already read (and
    verified, :func:`clusternet.data.sources.read_verified`), parsed instead of re-reading it."""
    if data is None and not Path(file).is_file():
        raise DataError(f"{file}: upstream file is missing; run `clusternet acquire --config config/config.yaml`")
    return READERS[spec["format"]](Path(file), spec, codes, data=data)


# Public names of the cell converters, for the user-panel reader (clusternet.data.user_panel):
# the same conversions and the same error messages as the public readers.
number = _number
year_value = _year
numeric_column = _numeric_column
