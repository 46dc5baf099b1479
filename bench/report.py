"""The benchmark's results as a Markdown report (the table the README shows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

#: Operation → label, in table order.
OPS: Final[dict[str, str]] = {
    "gdal_read_gpkg": "GDAL baseline: pyogrio read GeoPackage (Arrow)",
    "read_gpkg": "read GeoPackage (geo.io.files)",
    "read_geojson": "read GeoJSON (geo.io.files)",
    "read_shp": "read Shapefile zip (geo.io.files)",
    "check": "**full check** (geo.checks.registry)", "plain_geopandas": "plain GeoPandas recipe (sjoin + to_crs)",
    "area_equal_area": "area in mu, equal-area", "area_ellipsoidal": "area in mu, ellipsoidal",
    "reconcile": "reconcile against the plan",
    "export_geojson": "export GeoJSON", "export_gpkg": "export GeoPackage", "export_shp": "export Shapefile zip",
    "export_csv": "export CSV (WKT)", "export_txt": "export 部标坐标txt (GBK, zone 35)",
}
#: 100k targets from the issue.
CHECK_TARGET_S: Final = 5.0
PAYLOAD_TARGET_MB: Final = 5.0
DRAWN_TARGET_S: Final = 3.0


def _t(stat: dict[str, Any] | None) -> str:
    """``median (min–max)`` of a timing, in ms below one second, else in s."""
    if not stat:
        return "—"
    m, lo, hi = stat["median"], stat["min"], stat["max"]
    f: Callable[[float], str] = (lambda v: f"{v * 1000:.0f} ms") if m < 1 else (lambda v: f"{v:.2f} s")
    return f"{f(m)} ({f(lo)}–{f(hi)})" if lo != hi else f(m)


def _mb(b: int) -> str:
    return f"{b / 1e6:.2f} MB"


def machine_lines(results: dict[str, Any]) -> str:
    """The machine, the versions and the load average at the start of the run."""
    m = results["machine"]
    return "\n".join([
        (f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; {m['os']}; Python {m['python']}; "
         f"{m['chromium']}."),
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v) + ".",
        f"Load average at start: {', '.join(map(str, m['load_average_at_start']))}."])


def markdown(results: dict[str, Any]) -> str:
    """Markdown tables: timings per size, map payloads and draw times, memory, targets."""
    m = results["machine"]
    sizes = list(results["sizes"])
    head = " | ".join(f"{int(n):,} parcels" for n in sizes)
    lines = [
        "# Benchmark results", "",
        (f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; {m['os']}; Python {m['python']}; "
         f"{m['chromium']}."),
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v) + ".",
        (f"Load average at start: {', '.join(map(str, m['load_average_at_start']))}. Median (min–max) of "
         f"{results['repeats']} runs; ×GDAL = median / pyogrio's Arrow read of the same size's GeoPackage "
         "(reads: of the same file)."), "",
        f"| operation | {head} |", "|---|" + "---|" * len(sizes),
    ]
    for key, label in OPS.items():
        cells = []
        for n in sizes:
            stat = results["sizes"][n]["ops"].get(key)
            ratio = f" ×{stat['ratio']:.1f}" if stat and "ratio" in stat and key != "gdal_read_gpkg" else ""
            cells.append(_t(stat) + ratio)
        lines.append(f"| {label} | {' | '.join(cells)} |")
    ratios = " | ".join(f"{results['sizes'][n]['check_vs_plain']:.2f}" for n in sizes)
    lines.append(f"| check ÷ plain recipe | {ratios} |")
    lines += ["", "## Map: what the browser receives and when the parcels are drawn (headless Chromium)", "",
              f"| page | {head} |", "|---|" + "---|" * len(sizes)]
    plan = results["plan_map"]
    rows = {"plain": "plain `folium.GeoJson` (all features)", "overview": "largelayer overview image (low zoom)",
            "detail": "largelayer overview + parcels in view (high zoom)"}
    for key, label in rows.items():
        size_cells, draw_cells = [], []
        for n in sizes:
            e = results["sizes"][n]["map"][key]
            size_cells.append(_mb(e["bytes"]))
            timeout = e["painted"].get("timeout_s", "?")
            draw_cells.append(_t(e["drawn_s"]) if e["drawn_s"] else f"not drawn in {timeout} s")
        lines.append(f"| {label}: bytes | {' | '.join(size_cells)} |")
        lines.append(f"| {label}: drawn after | {' | '.join(draw_cells)} |")
    srv = {"server_overview": "server: overview image (once per layer)",
           "server_index": "server: STRtree index (once per layer)",
           "server_view": "server: parcels in view (per pan/zoom)", "server_click": "server: click → parcel",
           "server_plain_page": "server: plain folium page HTML"}
    for key, label in srv.items():
        lines.append(f"| {label} | {' | '.join(_t(results['sizes'][n]['map'][key]) for n in sizes)} |")
    views = [results["sizes"][n]["map"]["view_features"] for n in sizes]
    lines.append("| parcels in the high-zoom view (shown / in view) | "
                 + " | ".join(f"{v['shown']:,} / {v['in_view']:,}" for v in views) + " |")
    lines += ["", (f"Plan's own layers (`geo.mapview.build_map`): {_mb(plan['bytes'])}, "
                   f"drawn after {_t(plan['drawn_s'])}; HTML built in {_t(plan['build_s'])}."), ""]
    big = sizes[-1]
    r = results["sizes"][big]
    if "memory" in r:
        mem = r["memory"]
        lines.append(f"Peak memory of a fresh process reading and checking {int(big):,} parcels: "
                     f"{mem['peak_mb']:.0f} MB "
                     f"(after imports {mem['before_read_mb']:.0f} MB, after reading {mem['after_read_mb']:.0f} MB; "
                     f"the check adds {mem['check_mb']:.0f} MB).")
    lines.append(f"Equal-area vs ellipsoidal area, largest relative difference at {int(big):,} parcels: "
                 f"{r['area_equal_vs_ellipsoidal_max_rel'] * 100:.5f} %.")
    man = r["manifest"]
    vertices = man["vertices_per_parcel"]
    lines.append(f"Layer: {man['parcels']:,} parcels, {vertices['min']}–{vertices['max']} vertices "
                 f"(median {vertices['median']:.0f}), median {man['mean_parcel_mu']} mu; planted "
                 + ", ".join(f"{k} {v}" for k, v in man["planted"].items()) + "; files "
                 + ", ".join(f"{k} {_mb(v)}" for k, v in man["bytes"].items()) + ".")
    lines.append("Findings: " + ", ".join(f"{k} {v}" for k, v in r["findings"].items() if v) + ".")
    lines += ["", f"## Targets at {int(big):,} parcels", ""]
    check = r["ops"]["check"]["median"]
    payload = max(r["map"]["overview"]["bytes"], r["map"]["detail"]["bytes"])
    drawn = [r["map"][k]["drawn_s"]["median"] for k in ("overview", "detail") if r["map"][k]["drawn_s"]]
    lines.append(f"- full check ≤ {CHECK_TARGET_S:g} s median: {check:.2f} s — "
                 f"{'met' if check <= CHECK_TARGET_S else 'NOT met'}")
    lines.append(f"- map payload ≤ {PAYLOAD_TARGET_MB:g} MB: {_mb(payload)} — "
                 f"{'met' if payload <= PAYLOAD_TARGET_MB * 1e6 else 'NOT met'}")
    worst = max(drawn) if len(drawn) == 2 else None
    lines.append(f"- parcels drawn ≤ {DRAWN_TARGET_S:g} s: "
                 + (f"{worst:.2f} s — {'met' if worst <= DRAWN_TARGET_S else 'NOT met'}"
                    if worst is not None else "not drawn — NOT met"))
    if results.get("scale"):
        from bench.scale import markdown as scale_markdown

        lines += ["", *scale_markdown(results["scale"])]
    lines += ["", f"Whole run: {results['total_s']} s.", ""]
    return "\n".join(lines)
