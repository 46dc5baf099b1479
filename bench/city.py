"""City scale, measured: whole processes on a 10^7-parcel layer (or any size), one run each by default.

``python -m bench.city --parcels 10000000 --work /tmp/city7 --out bench/results/city_1e7``
generates the layer once with :mod:`bench.citysynth` (GeoParquet, spatially sorted,
and GeoPackage; kept in ``--work``) and runs, one after the other:

- ``local``: ``python -m geo check scale.gpkg --format json -o report.html`` (the local engine);
- ``local_parquet``: the same on ``scale.parquet``;
- ``dask``: ``python -m geo check scale.parquet --format json --engine dask`` (a LocalCluster);
- ``plain``: ``python -m bench.recipe scale.gpkg``, the plain GeoPandas recipe.

Every process runs under an address-space cap (``--cap-gib``, default 12: ``prlimit --as``
for the process and each of its workers), so a run that needs more memory fails for it
instead of driving the machine out of memory; the failure is recorded as measured. Each
run records its wall and CPU time, the peak summed RSS (and PSS) of its process tree
(:mod:`bench.process`), the load average before it, and for the checks the findings per
check and a SHA-256 of the sorted finding rows, so the engines are compared row for row.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Final

from bench import process, timing

PY: Final = sys.executable
RUNS: Final = ("local", "local_parquet", "dask", "plain")


def findings_digest(path: Path) -> dict[str, Any]:
    """Counts per check and a SHA-256 of the sorted finding rows of a ``--format json`` output.

    A row is its JSON text with sorted keys (the check's values, feature, texts): two engines that
    write the same rows in any order give the same digest. Streamed (the output has one finding a
    line) and sorted by ``sort`` on disk, so 10^7 findings need no more memory than one row.
    """
    import subprocess
    import tempfile

    with open(path, encoding="utf-8") as f:
        summary = json.loads(f.readline().rstrip().rstrip(",") + "}")["summary"]  # {"summary": {…},
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".rows", dir=path.parent,
                                         delete=False) as rows:
            count = 0
            for line in f:
                line = line.rstrip().rstrip(",")
                if line.startswith("{"):
                    rows.write(json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False) + "\n")
                    count += 1
    try:
        ordered = subprocess.run(["sort", "-S", "256M", "-T", str(path.parent), rows.name], check=True,
                                 capture_output=True, env={**os.environ, "LC_ALL": "C"}).stdout
    finally:
        os.unlink(rows.name)
    digest = hashlib.sha256(ordered).hexdigest()
    engine = {k: v for k, v in summary.get("engine", {}).items() if k != "chunk_seconds"}
    return {"by_check": summary["by_check"], "findings": count, "sha256": digest, "engine": engine}


def _commands(paths: dict[str, Path], work: Path) -> dict[str, list[str]]:
    check = [PY, "-m", "geo", "check"]
    return {
        "local": [*check, str(paths["gpkg"]), "--format", "json", "-o", str(work / "report.html")],
        "local_parquet": [*check, str(paths["parquet"]), "--format", "json"],
        "dask": [*check, str(paths["parquet"]), "--format", "json", "--engine", "dask"],
        "plain": [PY, "-m", "bench.recipe", str(paths["gpkg"])],
    }


def measure(n: int, work: Path, *, runs: tuple[str, ...], repeats: int, cap_gib: float,
            mu_per_parcel: float = 1.0, out_dir: Path | None = None) -> dict[str, Any]:
    """Generate (once) and run each of ``runs`` ``repeats`` times; every figure as measured.

    ``out_dir``: the results are written there after every run (a long series stopped early keeps its runs).
    """
    from bench import citysynth

    paths = {"parquet": work / "scale.parquet", "gpkg": work / "scale.gpkg"}
    manifest_path = work / "scale_manifest.json"
    manifest: dict[str, Any] = (json.loads(manifest_path.read_text(encoding="utf-8"))
                                if manifest_path.exists() else {})
    if manifest.get("parcels") != n or not all(p.exists() for p in paths.values()):
        load = [round(x, 2) for x in os.getloadavg()]
        manifest = citysynth.generate(n, work, mu_per_parcel=mu_per_parcel)
        manifest["load_average_at_start"] = load
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    commands = _commands(paths, work)
    out: dict[str, Any] = {"parcels": n, "manifest": manifest, "cap_gib": cap_gib, "machine": timing.machine(),
                           "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "runs": {}}
    cap = int(cap_gib * 2**30)
    for _ in range(repeats):
        for name in runs:
            stdout = work / f"{name}.out"
            load = [round(x, 2) for x in os.getloadavg()]
            r: dict[str, Any] = dict(process.run(commands[name], stdout=stdout, address_space=cap, timeout_s=7200))
            r["load_average_at_start"] = load
            r["command"] = " ".join(Path(c).name if c == PY else c for c in commands[name])
            if r["returncode"] == 0 and name != "plain":
                r |= findings_digest(stdout)
                if name == "local":
                    r["report_bytes"] = (work / "report.html").stat().st_size
            elif r["returncode"] == 0:
                r["counts"] = json.loads(stdout.read_text(encoding="utf-8").strip().splitlines()[-1])
            else:
                r["failed_for_memory"] = any(s in r["stderr"] for s in ("MemoryError", "bad_alloc", "Cannot allocate",
                                                                         "Killed", "out of memory"))
            stdout.unlink(missing_ok=True)
            out["runs"].setdefault(name, []).append(r)
            _compare(out)
            if out_dir is not None:
                write(out, out_dir)
            print(f"{name}: rc {r['returncode']}, {r['wall_s']} s, {r['peak_rss_mib']} MiB, load {load}",
                  file=sys.stderr)
    return out


def _compare(out: dict[str, Any]) -> None:
    """Whether each engine's findings equal the local engine's (counts per check and the rows' digest)."""
    checks = {k: v[-1] for k, v in out["runs"].items() if k != "plain" and v[-1]["returncode"] == 0}
    reference = next((k for k in ("local", "local_parquet") if k in checks), None)
    if reference is not None:
        ref = checks[reference]
        out["compared_with"] = reference
        out["same_findings_as_local"] = {k: v["by_check"] == ref["by_check"] and v["sha256"] == ref["sha256"]
                                         for k, v in checks.items() if k != reference}


def write(result: dict[str, Any], out_dir: Path) -> None:
    """``results.json`` and ``results.md`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "results.md").write_text(markdown(result), encoding="utf-8")


def markdown(result: dict[str, Any]) -> str:
    """The results as the README quotes them."""
    m = result["manifest"]
    mc = result["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in mc["versions"].items() if v)
    lines = [f"# City scale: {result['parcels']:,} parcels, measured", "",
             (f"Machine: {mc['cpu']}, {mc['cores']} cores, {mc['ram_gb']} GB RAM; {mc['os']}; Python "
             f"{mc['python']}. Versions: {versions}. Started {result['started']}. Every process capped at "
             f"{result['cap_gib']} GiB of address space (prlimit --as)."), "",
             f"Layer (`bench.citysynth`, district layout): {m['parcels']:,} parcels over {m.get('region_km2')} km², "
             f"median {m.get('mean_parcel_mu')} mu, {m['vertices_per_parcel']['median']:.0f} vertices; planted "
             + ", ".join(f"{k} {v:,}" for k, v in m["planted"].items())
             + f"; GeoParquet {m['bytes'].get('parquet', 0) / 1e9:.2f} GB in {m.get('row_groups')} row groups, "
             f"GeoPackage {m['bytes'].get('gpkg', 0) / 1e9:.2f} GB; generated in {m['seconds']['total']:.0f} s "
             f"on {m.get('workers')} workers (load average at start {m.get('load_average_at_start')}).", "",
             ("| run | command | exit | wall | CPU | peak summed RSS (PSS) | load average at start | findings | "
             "same rows as local |"),
             "|---|---|---:|---:|---:|---:|---|---:|---|"]
    same = result.get("same_findings_as_local", {})
    for name, rs in result["runs"].items():
        for r in rs:
            found = f"{r['findings']:,}" if "findings" in r else ("—" if r["returncode"] else "counts only")
            if r["returncode"] and r.get("failed_for_memory"):
                found = "failed for memory"
            lines.append(f"| {name} | `{r['command']}` | {r['returncode']} | {r['wall_s']:.1f} s | "
                         f"{r['cpu_s']:.1f} s | "
                         f"{r['peak_rss_mib']:.0f} MiB ({r['peak_pss_mib']:.0f} MiB) | "
                         f"{', '.join(map(str, r['load_average_at_start']))} | {found} | "
                         f"{'yes' if same.get(name) else ('—' if name not in same else 'NO')} |")
    lines.append("")
    for name, rs in result["runs"].items():
        r = rs[-1]
        if "engine" in r:
            lines.append(f"- {name}: engine {json.dumps(r['engine'])}; by check {json.dumps(r['by_check'])}; "
                         f"sha256 {r['sha256'][:16]}…" + (f"; HTML report {r['report_bytes'] / 1e6:.2f} MB"
                                                         if r.get("report_bytes") else ""))
        elif r["returncode"]:
            lines.append(f"- {name}: exit {r['returncode']}; stderr ends: `{r['stderr'].strip()[-200:]}`")
        else:
            lines.append(f"- {name}: {json.dumps(r.get('counts'))}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module)."""
    ap = argparse.ArgumentParser(prog="python -m bench.city", description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=10_000_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/city"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--runs", nargs="+", choices=RUNS, default=list(RUNS))
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--cap-gib", type=float, default=12.0)
    args = ap.parse_args(argv)
    result = measure(args.parcels, args.work, runs=tuple(args.runs), repeats=args.repeats, cap_gib=args.cap_gib,
                     out_dir=args.out)
    write(result, args.out)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
