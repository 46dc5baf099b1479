"""Repeat-and-summarise timing, peak memory in a subprocess, and the machine's description."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Final

PACKAGES: Final = ("geopandas", "shapely", "pyproj", "pyogrio", "pandas", "numpy", "pyarrow", "rasterio", "folium",
                   "streamlit", "playwright", "dask", "distributed", "dask-geopandas", "orjson")


def timed(fn: Callable[[], object], *, repeats: int) -> dict[str, Any]:
    """Run ``fn`` ``repeats`` times; median, min, max and every run in seconds."""
    runs: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return summary(runs)


def summary(runs: list[float]) -> dict[str, Any]:
    """Median and spread of a list of timings."""
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs),
            "runs": [round(r, 4) for r in runs]}


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python, GEOS/GDAL/PROJ and library versions, load at start."""
    import pyogrio
    import pyproj
    import shapely

    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        ram = next(int(x.split()[1]) * 1024 for x in Path("/proc/meminfo").read_text().splitlines()
                   if x.startswith("MemTotal"))
    except (OSError, StopIteration):
        ram = 0
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    versions.update({"GEOS": shapely.geos_version_string, "GDAL": pyogrio.__gdal_version_string__,
                     "PROJ": pyproj.proj_version_str})
    chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True,
                              check=False).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram / 2**30, 1), "os": platform.platform(),
            "python": platform.python_version(), "chromium": chromium, "versions": versions,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


_MEMORY_SCRIPT: Final = """
import json, sys
import pyogrio, layers
from geo.checks.registry import run_checks

def hwm():  # VmHWM belongs to this process's own address space (ru_maxrss survives fork+exec)
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmHWM"))

path = sys.argv[1]
plan, zones, districts = layers.load_parcels(), layers.load_zones(), layers.load_districts()
base = hwm()
gdf = pyogrio.read_dataframe(path, use_arrow=True)
gdf.index = gdf.index + 1
read = hwm()
result = run_checks(gdf, plan_parcels=plan, zones=zones, districts=districts, name_field="XMBH")
peak = hwm()
print(json.dumps({"before_read_mb": base / 1024, "after_read_mb": read / 1024, "peak_mb": peak / 1024,
                  "check_mb": (peak - read) / 1024, "findings": len(result.findings)}))
"""


def check_memory(gpkg: Path) -> dict[str, Any]:
    """Peak resident memory (VmHWM) of a fresh process reading ``gpkg`` and checking it."""
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, str(gpkg)], capture_output=True, text=True,
                         cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, check=True)
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in measured.items()}
