"""Speed of the data stage: acquisition from the mirror, each reader on the real files, the panel
build and the output writers, plus the interpolation step on a large synthetic grid.

    python benchmarks/bench_data.py [--repeats 3] [--mirror ../shared/data/upstream]

Runs in a temporary directory (a copy of config/ with absolute paths); prints a Markdown table.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from timing import best_of

ROOT = Path(__file__).resolve().parents[1]


def project(base: Path, mirror: Path) -> Path:
    cfg_dir = base / "config"
    shutil.copytree(ROOT / "config", cfg_dir)
    main = yaml.safe_load((cfg_dir / "config.yaml").read_text(encoding="utf-8"))
    main["paths"] = {k: str(base / v) for k, v in main["paths"].items()}
    main["acquire"]["mirror"] = str(mirror)
    (cfg_dir / "config.yaml").write_text(yaml.safe_dump(main, allow_unicode=True), encoding="utf-8")
    return cfg_dir / "config.yaml"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--mirror", default=os.environ.get("CLUSTERNET_MIRROR", str(ROOT.parent / "shared/data/upstream")))
    args = ap.parse_args(argv)
    os.environ.pop("CLUSTERNET_MIRROR", None)

    from clusternet.config import load_config
    from clusternet.data.outputs import write_outputs
    from clusternet.data.panel import build_panel, interpolate
    from clusternet.data.readers import read_source
    from clusternet.data.sources import acquire, raw_path, source_by_id

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(project(Path(tmp), Path(args.mirror)))

        def fresh_acquire():
            shutil.rmtree(config.path_of("raw"), ignore_errors=True)
            acquire(config, download=False)

        rows.append(("acquire: copy + sha256 of 36 files from the mirror", best_of(fresh_acquire, args.repeats)))
        rows.append(("acquire: second run (all files present, hashes checked)",
                     best_of(lambda: acquire(config, download=False), args.repeats)))
        items = config.section("items")
        sources = source_by_id(config)
        for sid in ("techme_RDSource", "hudm_original_data", "ugthesis_control_v", "nbs_cpi_province"):
            spec = items["readers"][sid]
            codes = sorted({i["code"] for i in items["items"] if i["source"] == sid and i.get("code")}) or None
            t = best_of(lambda: read_source(raw_path(config, sources[sid]), spec, codes), args.repeats)
            rows.append((f"read {sources[sid].path.split('/')[-1]} ({spec['format']})", t))
        holder = {}
        rows.append(("build_panel (all 81 items, 31 x 12, 124 variables)",
                     best_of(lambda: holder.update(b=build_panel(config)), args.repeats)))
        rows.append(("write_outputs (parquet, CSV, .dta, quality report, heatmap PNG + PDF)",
                     best_of(lambda: write_outputs(config, holder["b"]), args.repeats)))

    rng = np.random.default_rng(0)
    n_regions, n_years, n_vars = 3000, 30, 50
    idx = pd.MultiIndex.from_product([range(n_regions), range(1990, 1990 + n_years)], names=["region_code", "year"])
    grid = rng.normal(size=(len(idx), n_vars))
    grid[rng.random(grid.shape) < 0.2] = np.nan
    wide = pd.DataFrame(grid, index=idx, columns=[f"v{i}" for i in range(n_vars)])
    rows.append((f"interpolate {n_regions} regions x {n_years} years x {n_vars} variables, 20% missing",
                 best_of(lambda: interpolate(wide, 3, False, "linear"), args.repeats)))

    print(f"| measurement | best of {args.repeats} |")
    print("|---|---|")
    for name, t in rows:
        print(f"| {name} | {t:.2f} s |")
    print(f"\nload average: {os.getloadavg()[0]:.1f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
