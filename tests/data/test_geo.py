"""Province geography: contiguity against well-known borders, centroids, distances."""
from __future__ import annotations

import numpy as np
import pytest

from clusternet.data import regions
from clusternet.errors import DataError
from clusternet.data import geo

# Land borders from standard atlases (independent of the boundary files).
KNOWN_NEIGHBOURS = {
    110000: {120000, 130000},  # Beijing: Tianjin, Hebei
    310000: {320000, 330000},  # Shanghai: Jiangsu, Zhejiang
    150000: {230000, 220000, 210000, 130000, 140000, 610000, 640000, 620000},  # Inner Mongolia: 8
    610000: {150000, 140000, 410000, 420000, 500000, 510000, 620000, 640000},  # Shaanxi: 8
    650000: {540000, 630000, 620000},  # Xinjiang: Tibet, Qinghai, Gansu
    440000: {350000, 360000, 430000, 450000},  # Guangdong: Fujian, Jiangxi, Hunan, Guangxi
    460000: set(),  # Hainan: an island
}


def test_known_neighbours():
    nb = geo.neighbours("queen")
    for code, expected in KNOWN_NEIGHBOURS.items():
        assert set(nb[code]) == expected, (kind, code)


def test_contiguity_matrix_symmetric_binary_and_only_hainan_isolated():
    m = geo.contiguity("queen")
    assert m.shape == (31, 31)
    assert np.array_equal(m, m.T)
    assert set(np.unique(m)) == {0.0, 1.0}
    assert np.all(np.diag(m) == 0)
    isolated = [regions.codes()[i] for i in np.flatnonzero(m.sum(1) == 0)]
    assert isolated == [460000]


def test_subset_keeps_order():
    cs = [310000, 110000, 120000]
    m = geo.contiguity("queen", cs)
    assert m.tolist() == [[0, 0, 0], [0, 0, 1], [0, 1, 0]]


def test_unknown_code_is_named():
    with pytest.raises(DataError, match="999999"):
        geo.centroids([110000, 999999])


def test_centroids_plausible_and_projection_independent():
    c = geo.centroids().set_index("region_code")
    # Beijing's area centroid is near 116.4E 40.2N; Hainan's on Hainan Island (bounds 108.6-111.1E, 18.1-20.2N)
    # despite the South China Sea reefs.
    assert abs(c.loc[110000, "lon"] - 116.4) < 0.15 and abs(c.loc[110000, "lat"] - 40.2) < 0.15
    assert 108.6 < c.loc[460000, "lon"] < 111.1 and 18.1 < c.loc[460000, "lat"] < 20.2
    # Independent check: area-weighted centroid in a local Lambert azimuthal equal-area projection.
    import shapely
    from pyproj import Transformer

    for code in (110000, 150000, 650000, 330000):
        lon0, lat0 = c.loc[code, "lon"], c.loc[code, "lat"]
        laea = f"+proj=laea +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m"
        fwd = Transformer.from_crs("EPSG:4326", laea, always_xy=True)
        inv = Transformer.from_crs(laea, "EPSG:4326", always_xy=True)
        g = shapely.transform(geo.principal_landmass(code), lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))
        lon, lat = inv.transform(g.centroid.x, g.centroid.y)
        # planar centroids are not projection-invariant: ~0.06° apart for Inner Mongolia (30° wide)
        assert abs(lon - lon0) < 0.1 and abs(lat - lat0) < 0.1, code


def test_haversine_hand_values():
    # A quarter of a great circle along the equator is pi R / 2.
    assert geo.haversine_km(0, 0, 90, 0) == pytest.approx(np.pi * geo.EARTH_RADIUS_KM / 2, rel=1e-12)
    # Pole to equator likewise.
    assert geo.haversine_km(10, 0, 10, 90) == pytest.approx(np.pi * geo.EARTH_RADIUS_KM / 2, rel=1e-12)


def test_great_circle_matrix_against_ellipsoidal_geodesic():
    from pyproj import Geod

    d = geo.great_circle_km()
    c = geo.centroids()
    assert np.allclose(d, d.T) and np.all(np.diag(d) == 0)
    g = Geod(ellps="WGS84")
    i, j = regions.codes().index(110000), regions.codes().index(310000)
    _, _, metres = g.inv(c.lon[i], c.lat[i], c.lon[j], c.lat[j])
    # sphere vs ellipsoid: within 0.5 %
    assert d[i, j] == pytest.approx(metres / 1000, rel=5e-3)
    assert 950 < d[i, j] < 1150  # Beijing–Shanghai ~1,070 km


def test_rook_excludes_corner_touch_queen_keeps_it():
    from shapely.geometry import box

    # a 2x2 grid of unit squares: diagonal squares touch at one corner only
    g = {"sw": box(0, 0, 1, 1), "se": box(1, 0, 2, 1), "nw": box(0, 1, 1, 2), "ne": box(1, 1, 2, 2)}
    queen = geo.neighbour_pairs(g, "queen")
    rook = geo.neighbour_pairs(g, "rook")
    assert ("sw", "ne") in queen and ("se", "nw") in queen and len(queen) == 6
    assert rook == {("sw", "se"), ("sw", "nw"), ("se", "ne"), ("nw", "ne")}


def test_boundary_gap_hainan_guangdong_across_the_strait():
    gaps = geo.boundary_gap_km(460000, [440000, 450000, 110000])
    # Qiongzhou Strait is 18-30 km wide at its narrowest points (atlas figure); Hainan-Guangxi > 50 km by sea
    assert 5 < gaps[0] < 35 and gaps[1] > 50 and gaps[2] > 1500
    assert geo.boundary_gap_km(110000, [120000])[0] == pytest.approx(0.0, abs=1.0)
