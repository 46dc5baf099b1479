"""The plain GeoPandas recipe as a whole process: ``python -m bench.recipe FILE``.

What a GeoPandas user writes to check a cadastral layer: read it, repair
invalid rings (``make_valid``), project to CGCS2000 GK CM105E and take areas,
test validity, find overlaps with a self-``sjoin`` (``predicate="overlaps"``) and
measure them. Prints one JSON line of counts. The benchmark times this whole
process beside ``python -m geo check`` on the same file (:mod:`bench.process`).
"""

from __future__ import annotations

import json
import sys


def main(path: str) -> int:
    import geopandas as gpd

    gdf = gpd.read_file(path)
    valid = gdf.geometry.is_valid
    g = gdf[~gdf.geometry.is_empty & ~gdf.geometry.isna()].copy()
    g["geometry"] = g.geometry.make_valid()
    p = g.to_crs("EPSG:4544").reset_index(drop=True)
    area = p.geometry.area / (10000 / 15)
    pairs = gpd.sjoin(p, p[["geometry"]], predicate="overlaps")
    pairs = pairs[pairs.index < pairs["index_right"]]
    left, right = p.geometry.loc[pairs.index], p.geometry.loc[pairs["index_right"]]
    shared = left.intersection(right, align=False).area  # type: ignore[operator]
    print(json.dumps({"features": len(gdf), "invalid": int((~valid).sum()), "overlaps": len(pairs),
                      "overlap_mu": float(shared.sum() / (10000 / 15)), "area_mu": float(area.sum())}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
