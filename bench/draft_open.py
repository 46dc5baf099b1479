"""How long the drafting page takes to show a 200-parcel draft in edit mode, against a bare Streamlit page.

``.venv/bin/python -m bench.draft_open [--repeats 5] [--parcels 200]``

Starts the app as ``./run.sh`` does (``python -m ui.launch``, single user on
localhost) on a workspace holding one draft of ``--parcels`` 示例 parcels (a
grid of squares over the plan's area, about 5 mu each), and the bare page of
:mod:`bench.app_open`. Headless Debian chromium opens each ``--repeats``
times in a fresh browser context and records, from the navigation's start:

- bare page: when its title text is in the page;
- drafting page (``/draft``): when the map's drawing tools are on the map and
  every parcel of the draft is drawn editable (``ui/map_draw.js``'s layer
  holds them all).

After each drafting visit the benchmark waits until the app's server is idle
(:func:`settle`): once the map has painted, the page's report reruns it with
everything else (forms, tables, the live checks), and that run must not slow
down the next bare-page visit and so flatter the ratio.

Ratio ``draft drawn ÷ bare page``; the target (issue 23) is ≤ 1.5. Writes
``bench/results/draft_open.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import psutil
import shapely

from bench import server
from bench.app_open import (
    APP,
    BARE,
    CHROMIUM,
    CHROMIUM_ARGS,
    RESULTS,
    TARGET_RATIO,
    _open_bare,
    machine_words,
    serve,
    write_results,
)
from geo.drafts.model import DraftPlan, new_parcel_id
from geo.drafts.service import Drafts
from geo.store import Office
from geo.store.gpkg import GeoPackageStore
from layers import load_projects, load_tracks, load_zones

#: Drawn: the tools are on the map and the draft's layer holds every parcel.
_DRAWN_JS: Final = """(n) => {
  const h = document.querySelector('.geo-map');
  return !!(h && h.__geo && h.__geo.edit && document.querySelector('.leaflet-pm-toolbar')
            && h.__geo.edit.group.getLayers().length >= n);
}"""


def grid_parcels(n: int) -> gpd.GeoDataFrame:
    """``n`` square 示例 parcels of about 5 mu in a grid over the plan's spatial units (WGS84)."""
    minx, miny, maxx, maxy = load_zones().to_crs(4326).total_bounds
    side = 0.0006  # degrees: ~58 m × 67 m here, ~5.8 mu
    cols = int(np.ceil(np.sqrt(n * 2)))
    xs = np.linspace(minx, maxx - side, cols)
    ys = np.linspace(miny, maxy - side, int(np.ceil(n / cols)))
    boxes = [shapely.box(x, y, x + side, y + side) for y in ys for x in xs][:n]
    return gpd.GeoDataFrame({
        "parcel_id": [new_parcel_id() for _ in boxes], "project_id": pd.NA,
        "name_zh": [f"示例地块{i + 1}" for i in range(len(boxes))], "name_en": "", "track_id": pd.NA,
        "zone_id": pd.NA, "declared_mu": pd.NA, "note": "示例",
    }, geometry=boxes, crs=4326)


def seed(workspace: Path, n: int) -> None:
    """A workspace with one draft of ``n`` parcels (its version 1)."""
    store = GeoPackageStore(workspace / "workspace.gpkg")
    store.init()
    office = Office(store)
    plan = DraftPlan.of(load_projects(), load_tracks(), load_zones())
    Drafts(office, plan).create(office.actor(None), "示例草稿（基准）", grid_parcels(n))


def _open_draft(browser: Any, url: str, n: int) -> float:
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(url + "/draft", wait_until="commit")
        page.wait_for_function(_DRAWN_JS, arg=n, polling=50, timeout=120_000)
        return float(page.evaluate("() => performance.now()")) / 1000
    finally:
        context.close()


def settle(pid: int, *, quiet: float = 0.4, busy: float = 0.1, limit: float = 20.0) -> float:
    """Wait until process ``pid`` has used less than ``busy`` of a core for ``quiet`` seconds (at most ``limit``
    seconds); returns the seconds waited."""
    proc = psutil.Process(pid)
    start = last_busy = time.monotonic()
    used = sum(proc.cpu_times()[:2])
    while time.monotonic() - start < limit:
        time.sleep(0.1)
        now = sum(proc.cpu_times()[:2])
        if now - used > busy * 0.1:
            last_busy = time.monotonic()
        used = now
        if time.monotonic() - last_busy >= quiet:
            break
    return time.monotonic() - start


def measure(repeats: int, n: int, workspace: Path) -> dict[str, Any]:
    """Bare-page and draft-drawn seconds (each run, medians) and their ratio."""
    from playwright.sync_api import sync_playwright

    seed(workspace, n)
    env = os.environ | {"GEO_WORKSPACE": str(workspace)}
    with serve(BARE, workspace) as bare_url, server.serve(APP, env=env) as app, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            _open_bare(browser, bare_url)  # warm-up: the first run of each script imports its modules
            _open_draft(browser, app.url, n)
            settle(app.process.pid)
            bare, drawn, waited = [], [], []
            for _ in range(repeats):
                bare.append(_open_bare(browser, bare_url))
                drawn.append(_open_draft(browser, app.url, n))
                waited.append(settle(app.process.pid))  # the page's second run (all after the map) ends first
        finally:
            browser.close()
    med_bare, med_draft = statistics.median(bare), statistics.median(drawn)
    return {"repeats": repeats, "parcels": n, "bare_s": [round(v, 3) for v in bare],
            "draft_s": [round(v, 3) for v in drawn], "bare_median_s": round(med_bare, 3),
            "draft_median_s": round(med_draft, 3), "ratio": round(med_draft / med_bare, 2),
            "target_ratio": TARGET_RATIO, "load_average": [round(v, 2) for v in os.getloadavg()],
            "settled_s": [round(v, 2) for v in waited]}


def markdown(result: dict[str, Any], machine: str) -> str:
    """The result as the README's table."""
    met = "met" if result["ratio"] <= TARGET_RATIO else "NOT met"
    return "\n".join([
        (f"Machine: {machine}; load average after the runs {result['load_average']}; {result['repeats']} fresh "
        "browser contexts each, after one warm-up visit; after each drafting visit the app's server is let go "
        "idle (its rerun with the rest of the page) before the next bare-page visit."),
        "",
        "| page | median | runs |",
        "|---|---:|---|",
        f"| bare Streamlit page (title shown) | {result['bare_median_s']:.2f} s | "
        + ", ".join(f"{v:.2f}" for v in result["bare_s"]) + " |",
        f"| drafting page, {result['parcels']} parcels drawn editable | {result['draft_median_s']:.2f} s | "
        + ", ".join(f"{v:.2f}" for v in result["draft_s"]) + " |",
        "",
        f"Draft drawn ÷ bare page: {result['ratio']:.2f} (target ≤ {TARGET_RATIO:g}: {met}).",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.draft_open", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--parcels", type=int, default=200)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-draft-open-") as tmp:
        result = measure(args.repeats, args.parcels, Path(tmp))
    write_results(args.out, "draft_open", result, markdown(result, machine_words()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
