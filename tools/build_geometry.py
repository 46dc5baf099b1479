"""Build the indicative geometry of the plan package in use: its old name, kept for scripts and READMEs.

The engine is :mod:`geo.plan.build`; the command is ``python -m geo plan build [DIR]``.
``.venv/bin/python -m tools.build_geometry`` builds the package in use (``GEO_PLAN=DIR``, else ``data/``)
and writes ``parcels/parcels.geojson``, ``parcels/zones.geojson`` and ``context/metro.geojson`` in its own
folders (committed for ``data/``; ``tests/test_build_geometry.py`` proves they match a fresh build).
"""

from __future__ import annotations

import geopandas as gpd

from geo.plan.build import build_package, write_layers
from geo.plan.current import plan_dir


def build() -> dict[str, gpd.GeoDataFrame]:
    """All generated layers of the package in use, by output path."""
    return {str(path): gdf for path, gdf in build_package(plan_dir()).items()}


def main() -> None:
    """Build and write the layers of the package in use."""
    for path, count in write_layers(build_package(plan_dir())):
        print(f"wrote {path}: {count} features")


if __name__ == "__main__":
    main()
