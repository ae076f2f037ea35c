"""Baltagi's cigarette-demand panel (46 US states, 1963-1992) as a CSV fixture for the spatial tests.

Source: R plm 2.6-6, ``data/Cigar.rda`` (GPL >= 2; the data are Baltagi & Levin 1992, from the
data archive of Baltagi's *Econometric Analysis of Panel Data*), git commit
59318399c6eb7bcaeb1d0560f1ce08882f0f55c1 of the CRAN mirror repository cran/plm,
sha256 4150d21012762a8b0b366f9152bcfc26aa63dc75849c60ba0b59b5b36e8beac1. The raw columns are
written unchanged (the committed CSV carries the same numbers as the package's data set, as the
Produc fixture of panel_linear.R does); the tests form Elhorst's variables
logc = log(sales), logp = log(price/cpi), logy = log(ndi/cpi). Checked once when this fixture was
made: these equal the columns of Elhorst's own ``cigarette.xls`` (distributed with his spatial
panel MATLAB code; copy in github guerramarcelino/SLXmodel at fffbd9d) to <= 2.2e-16.

The weights are not copied: the US-states contiguity matrix is libpysal's example
``examples/wmat/spat-sym-us.mat`` (BSD-3, installed with libpysal), which equals Elhorst's
``Spat-Sym-US.xls`` and SDPDmod's ``usa46`` exactly (checked when this fixture was made).

Usage: python tests/reference/spatial_cigar.py /path/to/Cigar.rda
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pyreadr

SHA256 = "4150d21012762a8b0b366f9152bcfc26aa63dc75849c60ba0b59b5b36e8beac1"
OUT = Path(__file__).parent / "fixtures" / "spatial_cigar.csv"


def main(path: str) -> None:
    data = Path(path).read_bytes()
    if hashlib.sha256(data).hexdigest() != SHA256:
        raise SystemExit(f"{path}: sha256 differs from the pinned plm 2.6-6 Cigar.rda")
    cigar = pyreadr.read_r(path)["Cigar"]
    cols = ["state", "year", "price", "pop", "pop16", "cpi", "ndi", "sales", "pimin"]
    cigar[cols].sort_values(["year", "state"]).to_csv(OUT, index=False, lineterminator="\n")


if __name__ == "__main__":
    main(sys.argv[1])
