"""The castle-doctrine panel of R bacondecomp (Cheng & Hoekstra 2013; bacondecomp::castle,
data/castle.rda of github.com/evanjflack/bacondecomp, commit ec99dd0) as a small CSV for
tests/models/test_did_bacon.py (state, year, l_homicide, post).

Regenerate (from the repository root, with the .rda file downloaded next to it):
    python tests/reference/did_bacon_castle.py path/to/castle.rda
"""
from __future__ import annotations

import sys
from pathlib import Path

import pyreadr

FIX = Path("tests/reference/fixtures")


def main(path: str) -> None:
    frame = next(iter(pyreadr.read_r(path).values()))
    out = frame[["state", "year", "l_homicide", "post"]].sort_values(["state", "year"])
    out.to_csv(FIX / "did_bacon_castle.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main(sys.argv[1])
