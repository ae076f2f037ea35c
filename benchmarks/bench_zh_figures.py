"""Issue 13 (helper "zhfig"): CPU of the Chinese copies of the stage figures (draw + save PNG) at the
real sizes (31 provinces, 9 years, province boundaries), against the English figure (draw + save PNG
+ PDF) drawn in the same run. Run: ``MPLBACKEND=Agg python benchmarks/bench_zh_figures.py``."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from clusternet import plotting
from clusternet.data import geo, regions
from clusternet.efficiency.stage import efficiency_figure
from clusternet.indices import figures as index_figures
from clusternet.modes import STATES
from clusternet.modes import figures as mode_figures
from clusternet.network import figures as network_figures
from clusternet.network.edges import YearNetwork
from clusternet.spatial import plots


def drawers() -> dict:
    rng = np.random.default_rng(0)
    codes = regions.codes()
    n = len(codes)
    m = np.zeros((n, n))
    for i in range(n):
        m[i, (i - 1) % n] = m[i, (i + 1) % n] = 0.5
    W = SimpleNamespace(ids=codes, matrix=m, n=n)
    x = rng.random(n)
    loc = {"cluster": list(rng.choice(["HH", "LL", "HL", "LH", "ns"], n))}
    mo = {"I": 0.3, "p_sim": 0.01}
    lonlat = rng.uniform([100, 25], [120, 40], (n, 2))
    bounds = list(geo.boundaries(codes).values())
    nets = [YearNetwork(y, codes, rng.random((n, n)), np.ones((n, n))) for y in (2015, 2022)]
    node = pd.DataFrame({"year": np.repeat([2015, 2022], n), "net_in_strength": rng.random(2 * n) + 0.1,
                         "net_out_strength": rng.random(2 * n) + 0.1, "net_in_degree": rng.integers(0, 9, 2 * n),
                         "net_out_degree": rng.integers(0, 9, 2 * n)})
    labels = pd.DataFrame({"year": [2015] * n + [2022] * n, "region_code": codes * 2,
                           "mode": list(rng.choice(list(STATES), 2 * n))})
    years = list(range(2014, 2023))
    shares = pd.DataFrame({"year": years, **{s: [5] * 9 for s in STATES}})
    stab = {"method": "kmeans", "criterion_name": "silhouette", "k": 3, "criterion": {2: 0.4, 3: 0.5, 4: 0.3},
            "jaccard": [0.8, 0.6, 0.9], "cluster_names": ["traditional", "efficiency", "data"],
            "ari_rule_vs_cluster": 0.41}
    dens = pd.concat([pd.DataFrame({"year": y, "x": np.linspace(0, 1, 200), "density": rng.random(200)})
                      for y in years])
    means = pd.DataFrame({"year": np.tile(years, 4), "group": np.repeat(["East", "Central", "West", "Northeast"], 9),
                          "mean": rng.random(36)})
    by_year = pd.DataFrame({"year": years, **{c: rng.random(9) for c in
                                              ["eff_ccr_input", "eff_bcc_input", "eff_sbm", "eff_dea_bc"]}})
    malm = pd.DataFrame({"year": years * 2, "frontier": ["contemporaneous"] * 9 + ["global"] * 9,
                         **{c: rng.random(18) + 0.5 for c in ["malmquist_geomean", "ec_geomean", "tc_geomean"]}})

    def draw_b(ax):
        network_figures.draw_boundaries(ax, bounds)

    return {
        "moran_scatter": lambda lang: plots.moran_scatter("dici", 2022, W, x, loc, mo, lang=lang),
        "lisa": lambda lang: plots.lisa_map("dici", 2022, W, x, loc, mo, lang=lang),
        "network_maps": lambda lang: network_figures.network_maps(nets, [2015, 2022], lonlat, ties=40,
                                                                  draw_boundaries=draw_b,
                                                                  labels=[str(c) for c in codes], lang=lang),
        "distributions": lambda lang: network_figures.distributions(node, [2015, 2022], lang=lang),
        "kde": lambda lang: index_figures.kde_figure(dens, "dici", lang=lang),
        "group_trend": lambda lang: index_figures.group_trend_figure(means, "指数", lang=lang),
        "mode_maps": lambda lang: mode_figures.mode_maps(labels, [2015, 2022], codes, lang=lang),
        "stability": lambda lang: mode_figures.stability_figure(shares, stab, lang),
        "efficiency": lambda lang: efficiency_figure(by_year, malm, lang),
    }


def main() -> None:
    plotting.setup()
    out = Path(tempfile.mkdtemp())
    for name, draw in drawers().items():
        draw("en")  # warm the caches (fonts, boundaries)
        t0 = time.process_time()
        plotting.save_formats(draw("en"), out / name, ("png", "pdf"), {})
        t1 = time.process_time()
        plotting.save_formats(draw("zh"), out / f"{name}.zh", ("png",), {})
        t2 = time.process_time()
        print(f"{name:15s} en png+pdf {t1 - t0:6.2f} s   zh png {t2 - t1:6.2f} s   ratio {(t2 - t1) / (t1 - t0):.2f}")


if __name__ == "__main__":
    main()
