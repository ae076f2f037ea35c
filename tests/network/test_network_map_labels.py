"""Network-map labels do not overlap (issue 13): on the real province map with the real
centroids, the five strongest nodes are Beijing, Tianjin, Hebei, Shanghai and Jiangsu -- the
first three within a degree of each other, where labels offset by a fixed (3, 3) points collide.
``clusternet.plotting.place_labels`` places each label at the first free candidate position."""
from __future__ import annotations

import itertools

import numpy as np

from clusternet import plotting
from clusternet.data import regions
from clusternet.network import figures
from clusternet.network.edges import YearNetwork
from clusternet.network.stages import geography


def _overlap(a, b) -> bool:
    return not (a.x1 <= b.x0 or b.x1 <= a.x0 or a.y1 <= b.y0 or b.y1 <= a.y0)


def test_labels_on_the_real_network_map_do_not_overlap():
    import matplotlib.pyplot as plt

    codes = regions.codes()
    geo = geography(codes)
    hubs = [110000, 120000, 130000, 310000, 320000]  # Beijing, Tianjin, Hebei, Shanghai, Jiangsu
    w = np.full((len(codes), len(codes)), 0.01)
    for i, j in itertools.permutations([codes.index(c) for c in hubs], 2):
        w[i, j] = 5.0
    np.fill_diagonal(w, 0)
    nets = [YearNetwork(year, list(codes), w * (1 + 0.1 * k), (w > 1).astype(int)) for k, year in
            enumerate((2015, 2023))]
    names = [regions.by_code()[c].name_en for c in codes]
    fig = figures.network_maps(nets, [2015, 2023], geo["lonlat"], ties=10, draw_boundaries=geo["draw_boundaries"],
                               labels=names)
    try:
        boxes = plotting.label_boxes(fig)
        texts = sorted(t.get_text() for ax in fig.axes for t in ax.texts if str(t.get_gid()).startswith("label-"))
        assert texts == sorted(2 * ["Beijing", "Tianjin", "Hebei", "Shanghai", "Jiangsu"])
        for ax in fig.axes:
            mine = [plotting.text_box(t) for t in ax.texts if str(t.get_gid()).startswith("label-")]
            clashes = [(a, b) for a, b in itertools.combinations(mine, 2) if _overlap(a, b)]
            assert clashes == []
            frame = ax.get_window_extent()
            assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in mine)
        assert len(boxes) == 10
    finally:
        plt.close(fig)


def test_place_labels_is_deterministic_and_leaves_out_what_cannot_fit():
    import matplotlib.pyplot as plt

    plotting.setup()

    def draw():
        fig, ax = plt.subplots(figsize=(1.5, 1.0))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        xy = np.full((12, 2), 0.5)  # twelve labels on one point of a tiny axes
        drawn, left_out = plotting.place_labels(ax, xy, [f"label number {i}" for i in range(12)], fontsize=6)
        fig.canvas.draw()
        boxes = [plotting.text_box(a) for a in drawn]
        positions = [a.xyann for a in drawn]
        plt.close(fig)
        return boxes, positions, left_out

    boxes, positions, left_out = draw()
    assert left_out  # not all fit; none is drawn over another
    assert all(not _overlap(a, b) for a, b in itertools.combinations(boxes, 2))
    assert draw()[1:] == (positions, left_out)
