"""How long the explorer's plan map takes to appear, against a bare Streamlit page, in one run.

``.venv/bin/python -m bench.app_open [--repeats 5]``

Starts three servers: the app as ``./run.sh`` starts it (``python -m
ui.launch``) on its built-in data, a bare Streamlit page that only writes
a title (``streamlit run bench/bare_page.py``), and a page with a title and
the same plan map drawn by the same map element (``bench/map_only_page.py``),
which tells the map's own cost from the rest of the app's page. After one warm-up visit each, headless Debian
chromium opens each page ``--repeats`` times in a fresh browser context (no
cache, no cookies) and records, from the navigation's start:

- bare page: when its title text is in the page;
- app and map-only page: when the map (drawn in the page by ``ui/map_element.py``) has painted the plan's parcels (a
  non-transparent pixel on the overlay pane's canvas, or an SVG path).

Both are measured the same way in the same run, so the ratio
``map drawn ÷ bare page`` does not depend on how fast the machine is; the
target is ≤ 1.5. Writes ``bench/results/app_open.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from bench import server
from geo.store.gpkg import GeoPackageStore

ROOT: Final = Path(__file__).resolve().parents[1]
RESULTS: Final = ROOT / "bench" / "results"
CHROMIUM: Final = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS: Final = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                        "--disable-gpu"]
TARGET_RATIO: Final = 1.5
APP: Final = ["ui.launch"]
BARE: Final = ["streamlit", "run", str(ROOT / "bench" / "bare_page.py")]
MAP_ONLY: Final = ["streamlit", "run", str(ROOT / "bench" / "map_only_page.py")]
BARE_TITLE: Final = "bare page"
#: What the map has painted: SVG paths, else non-transparent canvas pixels, in Leaflet's overlay pane.
_PAINTED_JS: Final = """() => {
  const pane = document.querySelector('.leaflet-overlay-pane');
  if (!pane) return 0;
  const paths = pane.querySelectorAll('path').length;
  if (paths) return paths;
  let painted = 0;
  pane.querySelectorAll('canvas').forEach(c => {
    if (!c.width || !c.height) return;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) painted++; }
  });
  return painted;
}"""


@contextlib.contextmanager
def serve(launcher: list[str], workspace: Path) -> Iterator[str]:
    """A Streamlit server started by ``python -m <launcher…>`` on a free port; yields its URL."""
    GeoPackageStore(workspace / "workspace.gpkg").init()  # a configured workspace must exist (`db init`)
    with server.serve(launcher, env=os.environ | {"GEO_WORKSPACE": str(workspace)}) as started:
        yield started.url


def _open_bare(browser: Any, url: str) -> float:
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function(f"() => document.body && document.body.innerText.includes({BARE_TITLE!r})",
                               polling="raf", timeout=60_000)
        return float(page.evaluate("() => performance.now()")) / 1000
    finally:
        context.close()


def _open_map(browser: Any, url: str) -> tuple[float, int]:
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit")
        page.wait_for_function(f"() => ({_PAINTED_JS})() > 0", polling=50, timeout=60_000)
        return float(page.evaluate("() => performance.now()")) / 1000, int(page.evaluate(_PAINTED_JS))
    finally:
        context.close()


def measure(repeats: int, workspace: Path) -> dict[str, Any]:
    """Bare-page and map-drawn seconds (each run, medians) and their ratio."""
    from playwright.sync_api import sync_playwright

    with (serve(BARE, workspace) as bare_url, serve(APP, workspace) as app_url,
          serve(MAP_ONLY, workspace) as only_url, sync_playwright() as pw):
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            _open_bare(browser, bare_url)  # warm-up: the first run of each script imports its modules
            _open_map(browser, app_url)
            _open_map(browser, only_url)
            bare, drawn, only, paths = [], [], [], 0
            for _ in range(repeats):
                bare.append(_open_bare(browser, bare_url))
                seconds, paths = _open_map(browser, app_url)
                drawn.append(seconds)
                only.append(_open_map(browser, only_url)[0])
        finally:
            browser.close()
    med_bare, med_map, med_only = statistics.median(bare), statistics.median(drawn), statistics.median(only)
    return {"repeats": repeats, "bare_s": [round(v, 3) for v in bare], "map_s": [round(v, 3) for v in drawn],
            "map_only_s": [round(v, 3) for v in only], "bare_median_s": round(med_bare, 3),
            "map_median_s": round(med_map, 3), "map_only_median_s": round(med_only, 3),
            "ratio": round(med_map / med_bare, 2), "map_only_ratio": round(med_only / med_bare, 2),
            "painted": paths, "target_ratio": TARGET_RATIO}


def markdown(result: dict[str, Any], machine: str) -> str:
    """The result as the README's table."""
    met = "met" if result["ratio"] <= TARGET_RATIO else "NOT met"
    return "\n".join([
        f"Machine: {machine}; {result['repeats']} fresh browser contexts each, after one warm-up visit.",
        "",
        "| page | median | runs |",
        "|---|---:|---|",
        f"| bare Streamlit page (title shown) | {result['bare_median_s']:.2f} s | "
        + ", ".join(f"{v:.2f}" for v in result["bare_s"]) + " |",
        f"| plan map drawn in the app ({result['painted']:,} pixels or paths painted) | "
        f"{result['map_median_s']:.2f} s | " + ", ".join(f"{v:.2f}" for v in result["map_s"]) + " |",
        f"| the same map on a page of its own (title + map) | {result['map_only_median_s']:.2f} s | "
        + ", ".join(f"{v:.2f}" for v in result["map_only_s"]) + " |",
        "",
        (f"Map drawn ÷ bare page: {result['ratio']:.2f} (target ≤ {TARGET_RATIO:g}: {met}); "
         f"map-only page ÷ bare page: {result['map_only_ratio']:.2f}."),
        "",
    ])


def machine_words() -> str:
    """The machine as the results name it: processor, cores, Python."""
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}")


def write_results(out: Path, name: str, result: dict[str, Any], text: str) -> None:
    """``<name>.json`` and ``<name>.md`` in ``out`` (created), and the text printed."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    (out / f"{name}.md").write_text(text, encoding="utf-8")
    print(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.app_open", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-app-open-") as tmp:
        result = measure(args.repeats, Path(tmp))
    write_results(args.out, "app_open", result, markdown(result, machine_words()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
