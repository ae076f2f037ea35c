"""The geometry cache (issue 19): `clusternet geometry` writes the simplified map geometries once;
the report's maps read them back unchanged."""
from __future__ import annotations

import pytest

from clusternet.errors import DataError
from clusternet.report import maps


def test_cache_round_trip_is_exact_and_deterministic(tmp_path):
    codes = [110000, 460000]  # Beijing; Hainan with its South China Sea islands
    a = maps.write_geometry_cache(tmp_path / "a.json", codes)
    b = maps.write_geometry_cache(tmp_path / "b.json", codes)
    assert a.read_bytes() == b.read_bytes()
    try:
        assert maps.use_geometry_cache(a)
        for code in [*codes, *maps.EXTRA_REGIONS]:
            cached = maps.national_geometry(code)
            assert cached is not maps.region_geometry(code)  # read from the file ...
            assert cached.equals_exact(maps.region_geometry(code), 0)  # ... and the same shape
        assert maps._CACHED["maritime"].equals_exact(maps.maritime_boundary(), 0)
    finally:
        maps._CACHED.clear()


def test_absent_cache_falls_back_and_a_foreign_file_is_an_error(tmp_path):
    assert maps.use_geometry_cache(tmp_path / "absent.json") is False
    (tmp_path / "x.json").write_text('{"kind": "other"}')
    with pytest.raises(DataError, match="clusternet geometry"):
        maps.use_geometry_cache(tmp_path / "x.json")
