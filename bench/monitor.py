"""监测评估 at office scale: import 10^4 project-year rows and evaluate 10^3 targets (issue 20's benchmark).

The plan's own tables are small (45 targets, 26 projects); an office that
follows a district's projects has thousands. This builds a synthetic plan from
the real one — its projects and targets repeated under new ids (``T2-3#17``),
every figure unchanged — writes the template for 2024 with 10^4 project rows,
fills every row as another program would (openpyxl; every source says 示例),
then times, separately and together:

- ``read``: :func:`geo.monitor.template.read_filled` (zip checks, openpyxl in
  the limited worker, every cell validated);
- ``store``: :meth:`geo.store.Office.record_actuals` into a new GeoPackage
  workspace (one transaction, versions, audit);
- ``status``: :func:`geo.monitor.evaluate.status_rows` for 10^3 targets with
  two years of records each, and the 10^4 projects.

``python -m bench.monitor [--projects N] [--targets N] [--repeats N]`` prints
medians and writes ``bench/results/monitor.json``. Target: import + status ≤ 5 s.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl
import pandas as pd

from geo.monitor.evaluate import status_rows
from geo.monitor.model import Actual, MonitorPlan
from geo.monitor.template import read_filled, write_template
from geo.store import Office, single_user
from geo.store.gpkg import GeoPackageStore
from layers import load_monitor_plan

RESULTS = Path(__file__).resolve().parent / "results" / "monitor.json"
YEAR = 2024
SOURCE = "示例：基准测试生成的数据"


def scaled_plan(projects: int, targets: int) -> MonitorPlan:
    """The real plan with its projects and (dated, non-growth) targets repeated to the given counts."""
    plan = load_monitor_plan()
    base_p = plan.projects
    rows = [base_p.iloc[i % len(base_p)].copy() for i in range(projects)]
    for i, row in enumerate(rows):
        row["project_id"] = f"{row['project_id']}#{i}"
    dated = plan.targets[plan.targets["year"].astype(str) == "2025"]
    trows = [dated.iloc[i % len(dated)].copy() for i in range(targets)]
    for i, row in enumerate(trows):
        row["target_id"] = f"{row['target_id']}#{i}"
    return MonitorPlan(plan.title_zh, plan.title_en, plan.period, pd.DataFrame(trows).reset_index(drop=True),
                       pd.DataFrame(rows).reset_index(drop=True), plan.actions, plan.baselines)


def filled_template(plan: MonitorPlan, folder: Path) -> Path:
    """The template for :data:`YEAR`, every project row filled (stage, land, source), as another program would."""
    path = folder / "填报表.xlsx"
    write_template(plan, [], YEAR, path)
    book = openpyxl.load_workbook(path)
    sheet = book["项目"]
    for r in range(2, sheet.max_row + 1):
        sheet.cell(r, 3, "在建")
        sheet.cell(r, 4, 10 + r % 50)
        sheet.cell(r, 8, SOURCE)
    book.save(path)
    return path


def target_records(plan: MonitorPlan) -> list[Actual]:
    """Two years of records for every target (in its own unit)."""
    return [Actual("target", str(t["target_id"]), year, SOURCE, value=float(t["value"]) * share, unit=str(t["unit"]))
            for t in plan.targets.to_dict("records") for year, share in ((2023, 0.6), (2024, 0.8))]


def measure(projects: int, targets: int, repeats: int) -> dict[str, object]:
    plan = scaled_plan(projects, targets)
    runs: dict[str, list[float]] = {"read": [], "store": [], "status": [], "total": []}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="geo-bench-monitor-") as tmp:
        path = filled_template(plan, Path(tmp))
        counts["file_bytes"] = path.stat().st_size
        for i in range(repeats):
            store = GeoPackageStore(Path(tmp) / f"ws{i}" / "workspace.gpkg")
            store.init()
            off = Office(store)
            start = time.perf_counter()
            filled = read_filled(path, plan, YEAR)
            read = time.perf_counter()
            stored = off.record_actuals(single_user("bench"), [*filled.records, *target_records(plan)],
                                        origin=path.name)
            saved = time.perf_counter()
            rows = status_rows(plan, off.actuals(single_user("bench")), YEAR)
            done = time.perf_counter()
            runs["read"].append(read - start)
            runs["store"].append(saved - read)
            runs["status"].append(done - saved)
            runs["total"].append(done - start)
            counts |= {"project_rows_read": len(filled.records), "records_stored": len(stored),
                       "status_rows": len(rows)}
    medians = {k: statistics.median(v) for k, v in runs.items()}
    return {"projects": projects, "targets": targets, "repeats": repeats, "median_s": medians,
            "runs_s": runs, **counts, "target_s": 5.0, "met": medians["total"] <= 5.0,
            "machine": f"{platform.processor() or platform.machine()}, {platform.python_version()}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--targets", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    result = measure(args.projects, args.targets, args.repeats)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    m = result["median_s"]
    assert isinstance(m, dict)
    print(f"{args.projects:,} project rows, {args.targets:,} targets: read {m['read']:.2f} s, store "
          f"{m['store']:.2f} s, status {m['status']:.2f} s, total {m['total']:.2f} s (median of {args.repeats}; "
          f"target ≤ 5 s: {'met' if result['met'] else 'NOT met'})")


if __name__ == "__main__":
    main()
