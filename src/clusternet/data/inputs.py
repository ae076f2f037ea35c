"""Checks and messages for the data a model reads (`clusternet fit` and the models stage).

Row convention: a "data row" is the 1-based position of the row in the file *after the header*
(data row 1 is the first line below the header; in a CSV it is line N + 1 of the file). It is
computed from the frame's index label (``read_table`` gives a 0-based RangeIndex, kept through
sample selection), so it points into the file even after rows were selected. Values in messages
are plain Python values (``1938``, not ``np.int64(1938)``)."""
from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from clusternet.errors import DataError

CODEBOOK_POINTER = ("the pipeline's panel variables are listed in config/codebook.yaml, rendered as "
                    "results/data/codebook.md")


def plain(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def data_row(frame: pd.DataFrame, pos: int) -> str:
    """'data row N' for the row at position ``pos`` of ``frame`` (see the module docstring): from
    the index label when the index is a unique integer one (it then still points into the file
    after sample selection), else from the position."""
    pos = int(pos)
    label = plain(frame.index[pos])
    if pd.api.types.is_integer_dtype(frame.index) and frame.index.is_unique and isinstance(label, int):
        return f"data row {label + 1}"
    return f"data row {pos + 1}"


def where(frame: pd.DataFrame, pos: int, entity: str | None = None, time: str | None = None) -> str:
    """'data row N (entity=..., time=...)' for the row at position ``pos``."""
    ids = [f"{c}={plain(frame[c].iloc[int(pos)])}" for c in (entity, time) if c and c in frame.columns]
    return data_row(frame, pos) + (f" ({', '.join(ids)})" if ids else "")


def unknown_columns(absent, available, source: str, what: str = "column(s)") -> DataError:
    """'not found' with a difflib "did you mean" per name and a pointer to the codebook, instead
    of the list of every available column."""
    available = [str(c) for c in available]
    parts = []
    for name in absent:
        close = difflib.get_close_matches(str(name), available, n=3, cutoff=0.6)
        parts.append(f"{name!r}" + (f" (did you mean {', '.join(map(repr, close))}?)" if close else ""))
    return DataError(f"{source}: {what} {', '.join(parts)} not found among the {len(available)} columns of the "
                     f"data; check the spelling against the file's header ({CODEBOOK_POINTER})")


def check_finite(frame: pd.DataFrame, columns, source: str, entity: str | None = None,
                 time: str | None = None) -> None:
    """Refuse +inf/-inf in numeric model columns (missing values are handled by the caller)."""
    for col in dict.fromkeys(columns):
        if col not in frame.columns or not pd.api.types.is_numeric_dtype(frame[col]) \
                or pd.api.types.is_bool_dtype(frame[col]):
            continue
        values = frame[col].to_numpy(dtype=float, na_value=np.nan)
        bad = np.isinf(values)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"{source}: column {col!r} has an infinite value ({plain(frame[col].iloc[pos])}) at "
                f"{where(frame, pos, entity, time)}"
                f"{f' and {int(bad.sum()) - 1} more' if bad.sum() > 1 else ''}; a regressor must be finite: "
                "fix the value (e.g. a log of zero or a division by zero upstream) or drop the row")


def spec_columns(spec: dict, columns) -> list[str]:
    """Every column of ``columns`` named anywhere in a specification (y, x, controls, options such
    as instruments or the threshold variable, cluster_by ...), in order of appearance."""
    names = set(map(str, columns))
    found: list[str] = []

    def walk(v):
        if isinstance(v, str):
            if v in names and v not in found:
                found.append(v)
        elif isinstance(v, dict):
            for key, item in v.items():
                if key not in ("name", "label", "model"):
                    walk(item)
        elif isinstance(v, (list, tuple)):
            for item in v:
                walk(item)

    walk(spec)
    return found
