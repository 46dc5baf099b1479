"""Run the benchmark suite: ``python -m bench.run --sizes 1000 10000 100000``.

For each size a synthetic layer (:mod:`bench.synth`) is written as GeoJSON,
GeoPackage and zipped Shapefile under ``bench/results/tmp/`` (gitignored), then
timed, each operation ``--repeats`` times (median and min–max):

- reading each format with :func:`geo.io.files.read_file`, against pyogrio alone
  (``use_arrow=True``) reading the same file — the GDAL baseline;
- the full check (:func:`geo.checks.registry.run_checks`), area in mu (equal-area and
  ellipsoidal), reconciliation against the plan, every export format, and the
  plain GeoPandas recipe (make-valid, self-``sjoin`` for overlaps, ``to_crs``
  for area) — each also as a ratio to the GDAL read of the GeoPackage;
- peak memory of a 100k check in a fresh process (largest size only);
- the map: page bytes and the time to draw in headless Chromium, for the
  plan's layers, the plain ``folium.GeoJson`` recipe and :mod:`geo.mapview.largelayer`.

Results: ``bench/results/results.json`` and ``results.md`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any, Final, cast

import geopandas as gpd
import pandas as pd
import pyogrio

import layers
from bench import mapbench, report, scale, synth
from bench.timing import check_memory, machine, summary, timed
from geo.area import M2_PER_MU, area_mu
from geo.checks.registry import run_checks
from geo.crs import local_crs
from geo.io.convert import default_crs
from geo.io.export import export_layers
from geo.io.files import read_file
from geo.mapview import largelayer
from geo.plan import reconcile

ROOT: Final = Path(__file__).resolve().parent
#: Above this size the plain folium page is built and drawn once, with a timeout.
PLAIN_MAP_SINGLE: Final = 10_000

#: Export formats timed (the GIS ones of the README table; KML/DXF/XLSX are for small layers).
BENCH_FORMATS: Final = ("geojson", "gpkg", "shp", "csv", "txt")


def _rows(geoms: gpd.GeoSeries, labels: pd.Index | pd.Series) -> gpd.GeoSeries:
    """``geoms.loc[labels]``: a GeoSeries at run time (types-geopandas types it as a pandas Series)."""
    return cast(gpd.GeoSeries, geoms.loc[labels])


def plain_recipe(gdf: gpd.GeoDataFrame) -> tuple[int, float, float]:
    """What a GeoPandas user writes: repair, self-sjoin for overlaps, to_crs for area.

    Returns the number of overlapping pairs, their shared area and the total area (mu).
    """
    g = gdf[~gdf.geometry.is_empty & ~gdf.geometry.isna()].copy()
    g["geometry"] = g.geometry.make_valid()
    p = g.to_crs(local_crs()).reset_index(drop=True)
    pairs = gpd.sjoin(p, p[["geometry"]], predicate="overlaps")
    pairs = pairs[pairs.index < pairs["index_right"]]
    shared = _rows(p.geometry, pairs.index).intersection(_rows(p.geometry, pairs["index_right"]), align=False).area
    area = p.geometry.area / M2_PER_MU
    return len(pairs), float(shared.sum() / M2_PER_MU), float(area.sum())


def bench_size(n: int, *, repeats: int, work: Path, browser: mapbench.Browser, memory: bool) -> dict[str, Any]:
    """Every measurement for one layer size."""
    folder = work / f"n{n}"
    t0 = time.perf_counter()
    paths, manifest = synth.generate(n, folder)
    out: dict[str, Any] = {"parcels": n, "manifest": manifest, "generate_s": round(time.perf_counter() - t0, 2),
                           "ops": {}}
    ops = out["ops"]
    for fmt, path in paths.items():
        ops[f"gdal_read_{fmt}"] = timed(partial(pyogrio.read_dataframe, path, use_arrow=True), repeats=repeats)
        ops[f"read_{fmt}"] = timed(partial(read_file, path), repeats=repeats)
        ops[f"read_{fmt}"]["ratio"] = ops[f"read_{fmt}"]["median"] / ops[f"gdal_read_{fmt}"]["median"]
    gdf = read_file(paths["gpkg"]).layer
    plan, zones, districts = layers.load_parcels(), layers.load_zones(), layers.load_districts()
    result = run_checks(gdf, plan_parcels=plan, zones=zones, districts=districts, name_field="XMBH")
    out["findings"] = result.summary["by_check"]
    ops["check"] = timed(
        lambda: run_checks(gdf, plan_parcels=plan, zones=zones, districts=districts, name_field="XMBH"),
        repeats=repeats,
    )
    ops["area_equal_area"] = timed(lambda: area_mu(gdf, method="equal_area"), repeats=repeats)
    ops["area_ellipsoidal"] = timed(lambda: area_mu(gdf, method="ellipsoidal"), repeats=repeats)
    ea, el = area_mu(gdf, method="equal_area"), area_mu(gdf, method="ellipsoidal")
    valid = gdf.geometry.is_valid & (el > 0)  # a bow-tie's geodesic area is meaningless
    out["area_equal_vs_ellipsoidal_max_rel"] = float(((ea - el).abs() / el)[valid].max())
    plan_data = layers.load_plan()
    checked = result.parcels[result.parcels["project_id"].notna()]
    ops["reconcile"] = timed(lambda: reconcile(plan_data, parcels=checked), repeats=repeats)
    export_dir = folder / "export"
    export_dir.mkdir(exist_ok=True)
    for fmt in BENCH_FORMATS:
        ops[f"export_{fmt}"] = timed(
            partial(export_layers, {"parcels": gdf}, fmt=fmt, crs=default_crs(fmt), path=export_dir / f"parcels_{fmt}"),
            repeats=repeats,
        )
    ops["plain_geopandas"] = timed(lambda: plain_recipe(gdf), repeats=repeats)
    base = ops["gdal_read_gpkg"]["median"]
    for key, value in ops.items():
        if not key.startswith("read_"):
            value["ratio"] = value["median"] / base
    out["check_vs_plain"] = ops["check"]["median"] / ops["plain_geopandas"]["median"]
    if memory:
        out["memory"] = check_memory(paths["gpkg"])
    out["map"] = bench_map(gdf, repeats=repeats, folder=folder, browser=browser)
    shutil.rmtree(export_dir, ignore_errors=True)
    return out


def bench_map(gdf: gpd.GeoDataFrame, *, repeats: int, folder: Path, browser: mapbench.Browser) -> dict[str, Any]:
    """Server time, page bytes and draw time for the plain recipe and the large-layer pages."""
    res: dict[str, Any] = {}
    ov = mapbench.overview(gdf)
    res["server_overview"] = timed(lambda: mapbench.overview(gdf), repeats=repeats)
    res["server_index"] = timed(lambda: mapbench.index(gdf), repeats=repeats)
    idx = mapbench.index(gdf)
    bounds = mapbench.detail_bounds(idx)
    res["server_view"] = timed(lambda: largelayer.features_in_view(idx, bounds), repeats=max(repeats, 5))
    centre = largelayer.layer_view(idx)
    res["server_click"] = timed(
        lambda: largelayer.feature_at(idx, lon=(centre.west + centre.east) / 2, lat=(centre.south + centre.north) / 2),
        repeats=max(repeats, 5),
    )
    view = largelayer.features_in_view(idx, bounds)
    res["view_features"] = {"in_view": view.in_view, "shown": view.shown, "truncated": view.truncated}
    pages = {
        "overview": (mapbench.largelayer_page(ov, None, None), True, False),
        "detail": (mapbench.largelayer_page(ov, view, bounds), True, True),
    }
    single = len(gdf) > PLAIN_MAP_SINGLE
    start = time.perf_counter()
    pages["plain"] = (mapbench.plain_page(gdf), False, True)
    res["server_plain_page"] = summary([time.perf_counter() - start])
    for name, (html, image, vectors) in pages.items():
        path = folder / f"map_{name}.html"
        entry: dict[str, Any] = {"bytes": mapbench.write_page(html, path)}
        runs: list[float] = []
        painted: dict[str, Any] = {}
        for _ in range(1 if (single and name == "plain") else repeats):
            ms, painted = browser.draw_ms(path, image=image, vectors=vectors, timeout_s=60 if name == "plain" else 30)
            if ms is None:
                break
            runs.append(ms / 1000)
        entry["drawn_s"] = summary(runs) if runs else None
        entry["painted"] = painted
        res[name] = entry
    return res


def bench_plan(*, repeats: int, folder: Path, browser: mapbench.Browser) -> dict[str, Any]:
    """The plan's own layers through the explorer's map builder."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "map_plan.html"
    size = mapbench.write_page(mapbench.plan_page(), path)
    runs: list[float] = []
    painted: dict[str, Any] = {}
    for _ in range(repeats):
        ms, painted = browser.draw_ms(path, image=False, vectors=True, timeout_s=30)
        if ms is not None:
            runs.append(ms / 1000)
    return {"bytes": size, "drawn_s": summary(runs) if runs else None, "painted": painted,
            "build_s": timed(mapbench.plan_page, repeats=repeats)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "results", help="folder for results.json/.md")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for generated layers (default bench/results/tmp)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocess")
    parser.add_argument("--scale-sizes", type=int, nargs="*", default=None,
                        help="sizes for the whole-process comparison with the plain recipe (default: --sizes)")
    parser.add_argument("--scale-only", action="store_true",
                        help="only the whole-process comparison (for 10^6 and more: no maps, no exports)")
    parser.add_argument("--no-dask", action="store_true", help="skip the dask engine in the whole-process comparison")
    parser.add_argument("--report-size", action="store_true", help="also write an HTML report and record its size")
    parser.add_argument("--scale-mu", type=float, default=None, metavar="MU",
                        help="whole-process layers spread over a district around the zones, parcels of about MU mu "
                             "(default: inside the zones, which makes 10^6 parcels ~0.05 mu each)")
    args = parser.parse_args(argv)
    if args.repeats < 1 or any(n < 100 for n in args.sizes):
        parser.error("--repeats must be ≥ 1 and every size ≥ 100")
    work = args.work or ROOT / "results" / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "repeats": args.repeats, "sizes": {}, "scale": {}}
    if not args.scale_only:
        with mapbench.Browser() as browser:
            results["plan_map"] = bench_plan(repeats=args.repeats, folder=work, browser=browser)
            for n in sorted(args.sizes):
                print(f"bench: {n} parcels …", file=sys.stderr, flush=True)
                results["sizes"][str(n)] = bench_size(n, repeats=args.repeats, work=work, browser=browser,
                                                      memory=not args.no_memory and n == max(args.sizes))
    for n in sorted(args.sizes if args.scale_sizes is None else args.scale_sizes):
        print(f"bench: whole process, {n} parcels …", file=sys.stderr, flush=True)
        folder = work / (f"n{n}" if args.scale_mu is None else f"n{n}_mu{args.scale_mu:g}")
        results["scale"][str(n)] = scale.measure(n, folder, repeats=args.repeats, dask=not args.no_dask,
                                                 report=args.report_size, mu_per_parcel=args.scale_mu)
    results["total_s"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in (("results.json", json.dumps(results, ensure_ascii=False, indent=1)),
                       ("results.md", report.markdown(results) if results["sizes"] else
                        "\n".join(["# Benchmark results", "", report.machine_lines(results), "",
                                    *scale.markdown(results["scale"])]))):
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=args.out, delete=False, suffix=".part") as fh:
            fh.write(text)
        Path(fh.name).replace(args.out / name)
    print(f"bench: wrote {args.out / 'results.md'} in {results['total_s']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
