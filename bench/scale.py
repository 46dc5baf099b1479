"""Whole processes at district and city scale: ``python -m geo check`` against the plain GeoPandas recipe.

For each size a synthetic layer (:mod:`bench.synth`) is written as GeoPackage
and GeoParquet (kept under the work folder, reused by later runs of the same
size), then, ``repeats`` times and interleaved so that both see the same load:

- ``python -m geo check parcels.gpkg --format json`` (local engine, chunked),
- ``python -m bench.recipe parcels.gpkg`` (the plain recipe),
- ``python -m geo check parcels.parquet --format json`` (GeoParquet input),
- ``python -m geo check parcels.gpkg --format json --engine dask`` (a LocalCluster; ``dask=True``),

each timed from outside with the peak memory of its process tree
(:mod:`bench.process`). The ratio is ours ÷ plain per repeat, then the median.
The findings per check of the local and dask engines are compared.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

from bench import process

PY = sys.executable


def ensure_layer(n: int, folder: Path, *, mu_per_parcel: float | None = None
                 ) -> tuple[dict[str, Path], dict[str, Any]]:
    """``parcels.gpkg`` and ``parcels.parquet`` of ``n`` parcels in ``folder``, generated once.

    ``mu_per_parcel``: a district around the zones at about that parcel size (:func:`bench.synth.make_parcels`).
    """
    import pyogrio

    from bench import synth
    from geo.io.parquet import write_parquet

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"gpkg": folder / "scale.gpkg", "parquet": folder / "scale.parquet"}
    manifest_path = folder / "scale_manifest.json"
    if manifest_path.exists() and all(p.exists() for p in paths.values()):
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("parcels") == n and manifest.get("mu_per_parcel") == mu_per_parcel:
            return paths, manifest
    gdf, manifest = synth.make_parcels(n, mu_per_parcel=mu_per_parcel)
    paths["gpkg"].unlink(missing_ok=True)
    pyogrio.write_dataframe(gdf, paths["gpkg"], driver="GPKG", layer="parcels")
    write_parquet(gdf, paths["parquet"])
    del gdf
    manifest["bytes"] = {k: p.stat().st_size for k, p in paths.items()}
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return paths, manifest


def _counts(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    s = doc["summary"]
    return {"by_check": s["by_check"], "findings": len(doc["findings"]), "engine": s.get("engine", {})}


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in runs))


def measure(n: int, folder: Path, *, repeats: int, dask: bool = True, report: bool = False,
            mu_per_parcel: float | None = None) -> dict[str, Any]:
    """Every whole-process measurement for one size (see the module)."""
    import os

    paths, manifest = ensure_layer(n, folder, mu_per_parcel=mu_per_parcel)
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "plain": [], "parquet": [], "dask": []}
    outputs = {k: folder / f"scale_{k}.json" for k in runs}
    commands = {
        "ours": [PY, "-m", "geo", "check", str(paths["gpkg"]), "--format", "json"],
        "plain": [PY, "-m", "bench.recipe", str(paths["gpkg"])],
        "parquet": [PY, "-m", "geo", "check", str(paths["parquet"]), "--format", "json"],
        "dask": [PY, "-m", "geo", "check", str(paths["gpkg"]), "--format", "json", "--engine", "dask"],
    }
    names = [k for k in commands if dask or k != "dask"]
    out: dict[str, Any] = {"parcels": n, "manifest": manifest, "load_average_at_start": [round(x, 2) for x in
                                                                                        os.getloadavg()]}
    for _ in range(repeats):
        for name in names:
            r = process.run(commands[name], stdout=outputs[name])
            if r["returncode"] != 0:
                raise RuntimeError(f"{name} at {n} failed: {r['stderr']}")
            r["load_average"] = round(os.getloadavg()[0], 2)
            runs[name].append(r)
    for name in names:
        out[name] = {"wall_s": _median(runs[name], "wall_s"), "cpu_s": _median(runs[name], "cpu_s"),
                     "peak_rss_mib": _median(runs[name], "peak_rss_mib"),
                     "peak_pss_mib": _median(runs[name], "peak_pss_mib"),
                     "runs": [{k: r[k] for k in ("wall_s", "cpu_s", "peak_rss_mib", "peak_pss_mib", "load_average")}
                              for r in runs[name]]}
    ratios = [o["wall_s"] / p["wall_s"] for o, p in zip(runs["ours"], runs["plain"], strict=True)]
    out["ratio"] = statistics.median(ratios)
    out["ratios"] = [round(r, 3) for r in ratios]
    out["cpu_ratio"] = statistics.median(o["cpu_s"] / p["cpu_s"] for o, p in zip(runs["ours"], runs["plain"],
                                                                                  strict=True))
    out["plain_counts"] = json.loads(outputs["plain"].read_text(encoding="utf-8").strip().splitlines()[-1])
    local = _counts(outputs["ours"])
    out["findings"] = local["by_check"]
    out["engine"] = local["engine"]
    out["parquet_same_counts"] = _counts(outputs["parquet"])["by_check"] == local["by_check"]
    if dask:
        d = _counts(outputs["dask"])
        out["dask_engine"] = d["engine"]
        out["dask_same_counts"] = d["by_check"] == local["by_check"] and d["findings"] == local["findings"]
        out["dask_ratio"] = statistics.median(
            dk["wall_s"] / p["wall_s"] for dk, p in zip(runs["dask"], runs["plain"], strict=True))
    if report:
        html = folder / "scale_report.html"
        r = process.run([*commands["ours"], "-o", str(html)], stdout=outputs["ours"])
        out["report_bytes"] = html.stat().st_size if r["returncode"] == 0 else None
    for f in outputs.values():
        f.unlink(missing_ok=True)
    return out


def _t(stat: dict[str, Any]) -> str:
    cpu = stat.get("cpu_s")
    return f"{stat['wall_s']:.2f} s" + (f" ({cpu:.1f} s)" if cpu else "")


def _cpu_ratio(r: dict[str, Any]) -> str:
    return f"{r['cpu_ratio']:.2f}" if r.get("cpu_ratio") else "—"


def markdown(scale: dict[str, Any]) -> list[str]:
    """The whole-process table of the README."""
    lines = ["## Whole process: `python -m geo check` against the plain GeoPandas recipe", "",
             ("Wall time (CPU time, user + system) of the whole process, median of the repeats. Peak memory of the "
              "process and its workers: summed RSS (summed PSS, which counts the pages forked workers share with "
              "the parent once)."), "",
             ("| parcels | GeoPackage | ours (local engine) | plain recipe | ours ÷ plain, wall (CPU) | ours peak RSS "
              "(PSS) | "
              "plain peak RSS | GeoParquet input | dask engine (LocalCluster) | findings: dask = local |"),
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for n, r in scale.items():
        mb = r["manifest"]["bytes"]
        dk = r.get("dask")
        lines.append(
            f"| {int(n):,} | {mb['gpkg'] / 1e6:.0f} MB | {_t(r['ours'])} | {_t(r['plain'])} | "
            f"**{r['ratio']:.2f}** ({_cpu_ratio(r)}) | {r['ours']['peak_rss_mib']:.0f} MiB "
            f"({r['ours']['peak_pss_mib']:.0f} MiB) | "
            f"{r['plain']['peak_rss_mib']:.0f} MiB | "
            f"{_t(r['parquet'])}, file {mb['parquet'] / 1e6:.0f} MB | "
            + (f"{_t(dk)}, {dk['peak_rss_mib']:.0f} MiB | {'yes' if r['dask_same_counts'] else 'NO'} |"
               if dk else "— | — |"))
    lines.append("")
    for n, r in scale.items():
        e = r["engine"]
        load = ", ".join(map(str, r["load_average_at_start"]))
        m = r["manifest"]
        lines.append(f"- {int(n):,}: median parcel {m.get('mean_parcel_mu')} mu"
                     + (f" over {m['region_km2']} km²" if m.get("region_km2") else "")
                     + f"; local engine {e.get('chunks')} chunks on {e.get('workers')} workers, "
                     f"{e.get('halo_features'):,} halo features; load average {load} "
                     f"at start; repeats {len(r['ours']['runs'])}, ratios {r['ratios']}"
                     + (f"; HTML report {r['report_bytes'] / 1e6:.2f} MB" if r.get("report_bytes") else "") + ".")
    lines.append("")
    return lines
