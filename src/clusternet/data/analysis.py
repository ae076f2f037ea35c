"""Analysis data for the models, spatial and report stages: reading panel files, the
analysis panel, sample selection, and the checks every estimator needs before it touches
numbers (columns exist, are numeric, the (entity, time) pairs are unique, missing values
handled explicitly: the missing-row policy)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from clusternet.data.inputs import (
    check_finite,
    data_row,
    plain,
    unknown_columns,
    where,
)
from clusternet.reads import read_csv_input, read_parquet_input
from clusternet.errors import ConfigError, DataError

ID_COLUMNS = ("region_code", "year")
ANALYSIS_FILES = ("panel.parquet",)
# Tables (<name>.parquet in paths.processed) merged onto the panel unless models.yaml
# sets merge_tables.
DEFAULT_MERGE_TABLES = ("indices", "network_nodes")
MISSING_POLICIES = ("error", "drop")


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a .csv or .parquet file; clear errors for a missing file or another format."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet", ".pq") and path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (no header, no data rows)")
    try:
        # read once and hashed (clusternet.reads): provenance certifies the bytes used
        if suffix == ".csv":
            frame = read_csv_input(path)
        elif suffix in (".parquet", ".pq"):
            frame = read_parquet_input(path)
        else:
            frame = None
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot be read as {suffix[1:]}: {exc}") from exc
    if frame is None:
        raise DataError(f"{path}: unsupported format {suffix!r}; use .csv or .parquet")
    if frame.empty:
        raise DataError(f"{path}: the file has a header ({len(frame.columns)} columns) but no data rows")
    return frame


def load_analysis_panel(config, processed_dir: str | os.PathLike | None = None) -> tuple[pd.DataFrame, list[Path]]:
    """The panel merged with the index and network-node tables.

    ``panel.parquet`` (in ``paths.processed``) is required. The tables to merge are
    ``merge_tables`` of the models section (default: ``indices``, ``network_nodes``);
    a configured table that does not exist is an error. Merging is a one-to-one left join
    on (region_code, year); a column present in two files is an error (it would be
    ambiguous which one a specification means). Returns (data, list of files read).
    """
    base = Path(processed_dir) if processed_dir is not None else config.path_of("processed")
    panel_path = base / ANALYSIS_FILES[0]
    if not panel_path.exists():
        raise DataError(f"{panel_path} does not exist; run `clusternet panel` first")
    data = read_table(panel_path)
    used = [panel_path]
    tables = DEFAULT_MERGE_TABLES
    if "models" in config.main.get("sections", {}):
        tables = config.section("models").get("merge_tables", DEFAULT_MERGE_TABLES)
    for table in tables:
        path = base / f"{table}.parquet"
        if not path.exists():
            raise DataError(
                f"{path} does not exist but {table!r} is in models.yaml merge_tables; run the stage that "
                "writes it or remove it from merge_tables"
            )
        other = read_table(path)
        missing = [c for c in ID_COLUMNS if c not in other.columns]
        if missing:
            raise DataError(f"{path}: missing id column(s) {missing}; expected (region_code, year)")
        dup = other.duplicated(list(ID_COLUMNS))
        if dup.any():
            row = int(np.flatnonzero(dup.to_numpy())[0])
            raise DataError(f"{path}: row {row}: duplicate (region_code, year) pair; each pair must be unique")
        clash = sorted((set(other.columns) & set(data.columns)) - set(ID_COLUMNS))
        if clash:
            raise DataError(f"{path}: column(s) {clash} also exist in {[p.name for p in used]}; rename one of them")
        data = data.merge(other, on=list(ID_COLUMNS), how="left", validate="one_to_one")
        used.append(path)
    return data, used


def check_missing_policy(missing: str, source: str = "data") -> None:
    """A ConfigError unless ``missing`` is one of :data:`MISSING_POLICIES`."""
    if missing not in MISSING_POLICIES:
        raise ConfigError(f"{source}: options.missing must be one of {list(MISSING_POLICIES)}, got {missing!r}")


def apply_missing_policy(frame: pd.DataFrame, used: list[str], missing: str, *, source: str = "data",
                         entity: str = "region_code", time: str = "year") -> tuple[pd.DataFrame, int]:
    """The missing-row policy (one implementation, used by every panel estimator).

    ``missing="error"`` raises on any missing value in the ``used`` columns, with the count per
    column and the first row and column; ``"drop"`` drops such rows listwise (over all ``used``
    columns, so every step of a multi-equation model uses one sample). Returns (frame, number of
    rows dropped); the row order is kept."""
    check_missing_policy(missing, source)
    na = frame[used].isna()
    if not na.to_numpy().any():
        return frame, 0
    if missing == "error":
        rows, cols = np.nonzero(na.to_numpy())
        counts = na.sum()
        detail = ", ".join(f"{c}: {int(v)}" for c, v in counts.items() if v)
        raise DataError(
            f"{source}: missing values in used column(s) ({detail}); first at "
            f"{where(frame, rows[0], entity, time)}, column {used[cols[0]]!r}. "
            "Impute them upstream or set options.missing = 'drop' "
            "(listwise deletion, recorded in the result)"
        )
    keep = ~na.any(axis=1)
    frame = frame[keep.to_numpy()]
    if frame.empty:
        raise DataError(f"{source}: no rows left after dropping the rows with missing values in {used}")
    return frame, int((~keep).sum())


def prepare_frame(
    data: pd.DataFrame,
    *,
    entity: str,
    time: str,
    columns: list[str],
    missing: str = "error",
    source: str = "data",
    extra_columns: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, int]:
    """Select, check and sort the columns a model uses.

    Returns (frame sorted by entity then time, number of rows dropped for missing
    values) after the missing-row policy :func:`apply_missing_policy` (``missing``:
    error | drop; the count is recorded in the result document).
    """
    check_missing_policy(missing, source)
    wanted = [entity, time, *dict.fromkeys([*columns, *extra_columns])]
    absent = [c for c in wanted if c not in data.columns]
    if absent:
        raise unknown_columns(absent, data.columns, source)
    frame = data[list(dict.fromkeys(wanted))].copy()
    # model variables must be numeric (booleans become 0/1); extra columns (cluster labels) may be anything
    for col in dict.fromkeys(columns):
        if col in (entity, time):
            continue
        if pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = frame[col].astype(float)
        elif not pd.api.types.is_numeric_dtype(frame[col]):
            bad = (pd.to_numeric(frame[col], errors="coerce").isna() & frame[col].notna()).to_numpy()
            pos = int(np.flatnonzero(bad)[0]) if bad.any() else 0
            raise DataError(
                f"{source}: column {col!r} is not numeric ({where(frame, pos, entity, time)}: "
                f"{plain(frame[col].iloc[pos])!r}); convert it or choose another variable"
            )
    check_finite(frame, [c for c in columns if c not in (entity, time)], source, entity, time)
    used = list(dict.fromkeys(wanted))
    frame, n_dropped = apply_missing_policy(frame, used, missing, source=source, entity=entity, time=time)
    if frame.empty:
        raise DataError(f"{source}: no observations left for columns {used}")
    # one pass for duplicates: after the (stable) sort equal (entity, time) pairs are adjacent;
    # only when there is one is the unsorted frame searched again, for the row numbers of the message
    ordered = frame.sort_values([entity, time], kind="mergesort").reset_index(drop=True)
    e_s, t_s = ordered[entity].to_numpy(), ordered[time].to_numpy()
    if bool(np.any((e_s[1:] == e_s[:-1]) & (t_s[1:] == t_s[:-1]))):
        dup = frame.duplicated([entity, time])
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        e, t = frame[entity].iloc[pos], frame[time].iloc[pos]
        first = int(np.flatnonzero(((frame[entity] == e) & (frame[time] == t)).to_numpy())[0])
        raise DataError(
            f"{source}: {data_row(frame, pos)}: duplicate ({entity}, {time}) pair "
            f"({plain(e)!r}, {plain(t)!r}), first seen at {data_row(frame, first)}; "
            "each entity-period must appear once"
        )
    return ordered, n_dropped


def select_sample(data: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Rows in ``spec.sample`` (years {first, last}, groups, regions); all rows without one."""
    sample = spec.get("sample") or {}
    name = spec.get("name", "?")
    entity, time = spec.get("entity", "region_code"), spec.get("time", "year")
    keep = pd.Series(True, index=data.index)
    years = sample.get("years") or {}
    if years:
        if time not in data.columns:
            raise DataError(f"specification {name!r}: sample.years needs the time column {time!r}")
        if "first" in years:
            keep &= data[time] >= years["first"]
        if "last" in years:
            keep &= data[time] <= years["last"]
    if sample.get("groups"):
        if "group" not in data.columns:
            raise DataError(f"specification {name!r}: sample.groups needs a 'group' column in the analysis data")
        keep &= data["group"].isin(sample["groups"])
    if sample.get("regions"):
        unknown = sorted(set(sample["regions"]) - set(data[entity]))
        if unknown:
            raise ConfigError(f"specification {name!r}: sample.regions {unknown} are not in the data's {entity!r}")
        keep &= data[entity].isin(sample["regions"])
    out = data[keep.to_numpy()]
    if out.empty:
        raise DataError(f"specification {name!r}: the sample {sample} selects no rows")
    return out
