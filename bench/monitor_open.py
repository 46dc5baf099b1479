"""How long the Monitor page (监测评估) takes to be drawn, against a bare Streamlit page, in one run.

``.venv/bin/python -m bench.monitor_open [--repeats 7]``

Starts two servers on one workspace holding a few example actuals (every
source says 示例; the page then colours parcels by stage and shows statuses):
the app as ``./run.sh`` starts it (``python -m ui.launch``) and the bare page
of :mod:`bench.app_open` (a title only). After one warm-up visit each,
headless Debian chromium opens each ``--repeats`` times in a fresh browser
context and records, from the navigation's start:

- bare page: when its title text is in the page;
- Monitor page (``/monitor``): when its title and the map's stage-coloured
  parcels (painted pixels in Leaflet's overlay pane) are in the page — as
  :mod:`bench.app_open` counts the Map page; and, in the same visit, when the
  rest of the page (drawn once the map has painted: the year, the targets
  table with its status badges, the recording panel) has arrived.

The ratio ``Monitor page drawn ÷ bare page`` (target ≤ 1.5) does not depend on
the machine's speed. ``--compare DIR`` also serves the app of another copy of
the checkout (a proposed change) on the same workspace and measures its
Monitor page in the same run. Writes ``bench/results/monitor_open.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import tempfile
from pathlib import Path
from typing import Any, Final

from bench import server
from bench.app_open import _PAINTED_JS, APP, BARE, CHROMIUM, CHROMIUM_ARGS, RESULTS, _open_bare, serve
from geo.monitor.model import Actual
from geo.store import Office, single_user
from geo.store.gpkg import GeoPackageStore

TARGET_RATIO: Final = 1.5
MONITOR_TITLE: Final = "监测评估"
#: Example actuals (not real figures: 示例 in every source).
EXAMPLES: Final = (
    Actual("target", "C-1", 2024, source="示例：基准测试用示例数据", value=60.0, unit="家"),
    Actual("target", "P-5", 2024, source="示例：基准测试用示例数据", value=180.0, unit="亿元"),
    Actual("project", "T2-3", 2023, source="示例：基准测试用示例数据", stage="construction", land_mu=400.0),
    Actual("project", "T2-3", 2024, source="示例：基准测试用示例数据", stage="operating", land_mu=888.0),
    Actual("project", "T3-2", 2024, source="示例：基准测试用示例数据", stage="preparation", land_mu=100.0),
)
#: The Monitor page is drawn: its title and the map's painted parcels are in the page.
_DRAWN_JS: Final = f"""() => {{
  const title = [...document.querySelectorAll('h1')].some(h => h.innerText.includes({MONITOR_TITLE!r}));
  const map = document.querySelector('.st-key-mon_map .geo-map');
  return title && !!map && ({_PAINTED_JS})() > 0;
}}"""
#: The rest of the page has arrived: the targets table and the recording panel (the page's last part).
_WHOLE_JS: Final = """() => !!document.querySelector("[data-testid='stDataFrame'] canvas")
  && !!document.querySelector("[data-testid='stFileUploader']")"""


def workspace(folder: Path) -> Path:
    """``folder`` with a GeoPackage workspace holding :data:`EXAMPLES` (recorded by the single user)."""
    store = GeoPackageStore(folder / "workspace.gpkg")
    store.init()
    Office(store).record_actuals(single_user(), list(EXAMPLES), origin="bench")
    return folder


def _open_monitor(browser: Any, url: str) -> tuple[float, float]:
    """Seconds until the Monitor page is drawn (title and map), and until the rest of it has arrived."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(url + "/monitor", wait_until="commit")
        page.wait_for_function(_DRAWN_JS, polling=50, timeout=60_000)
        drawn = float(page.evaluate("() => performance.now()")) / 1000
        page.wait_for_function(_WHOLE_JS, polling=50, timeout=60_000)
        return drawn, float(page.evaluate("() => performance.now()")) / 1000
    finally:
        context.close()


def measure(repeats: int, folder: Path, compare: Path | None = None) -> dict[str, Any]:
    """Bare-page and Monitor-page seconds (each run, medians) and their ratio; ``compare``'s too, if given."""
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        bare_url = stack.enter_context(serve(BARE, folder))
        app_url = stack.enter_context(serve(APP, folder))
        other_url = None if compare is None else stack.enter_context(
            server.serve(APP, env=os.environ | {"GEO_WORKSPACE": str(folder)}, cwd=compare)).url
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            _open_bare(browser, bare_url)  # warm-up: the first run of each script imports its modules
            _open_monitor(browser, app_url)
            if other_url:
                _open_monitor(browser, other_url)
            runs: dict[str, list[float]] = {"bare": [], "monitor": [], "whole": [], "other": [], "other_whole": []}
            for _ in range(repeats):
                runs["bare"].append(_open_bare(browser, bare_url))
                for name, url in (("monitor", app_url), ("other", other_url)):
                    if url:
                        drawn, rest = _open_monitor(browser, url)
                        runs[name].append(drawn)
                        runs["whole" if name == "monitor" else "other_whole"].append(rest)
        finally:
            browser.close()
    med = {k: statistics.median(v) for k, v in runs.items() if v}
    result: dict[str, Any] = {"repeats": repeats, "target_ratio": TARGET_RATIO}
    for name, values in runs.items():
        if values:
            result[f"{name}_s"] = [round(v, 3) for v in values]
            result[f"{name}_median_s"] = round(med[name], 3)
    result["ratio"] = round(med["monitor"] / med["bare"], 2)
    result["whole_ratio"] = round(med["whole"] / med["bare"], 2)
    if compare is not None:
        result["compare"] = str(compare)
        result["other_ratio"] = round(med["other"] / med["bare"], 2)
        result["other_whole_ratio"] = round(med["other_whole"] / med["bare"], 2)
    return result


def markdown(result: dict[str, Any], machine: str) -> str:
    """The result as a table, with the ratios."""
    def row(label: str, name: str) -> str:
        runs = ", ".join(f"{v:.2f}" for v in result[f"{name}_s"])
        return f"| {label} | {result[f'{name}_median_s']:.2f} s | {runs} |"

    met = "met" if result["ratio"] <= TARGET_RATIO else "NOT met"
    lines = [
        (f"Machine: {machine}; {result['repeats']} fresh browser contexts each, after one warm-up visit; "
         f"load average at start {result.get('load', '?')}."),
        "",
        "| page | median | runs |",
        "|---|---:|---|",
        row("bare Streamlit page (title shown)", "bare"),
        row("Monitor page drawn (title, stage map painted)", "monitor"),
        row("… the rest of the page arrived (targets table, recording panel)", "whole"),
    ]
    if "compare" in result:
        lines += [row(f"Monitor page drawn, app of {result['compare']}", "other"),
                  row(f"… the rest of it arrived, app of {result['compare']}", "other_whole")]
    lines += ["", (f"Monitor page drawn ÷ bare page: {result['ratio']:.2f} (target ≤ {TARGET_RATIO:g}: {met}); "
                   f"the whole page ÷ bare page: {result['whole_ratio']:.2f}.")]
    if "compare" in result:
        other = "met" if result["other_ratio"] <= TARGET_RATIO else "NOT met"
        lines.append(f"App of {result['compare']}: drawn ÷ bare page {result['other_ratio']:.2f} ({other}); "
                     f"whole page ÷ bare page {result['other_whole_ratio']:.2f}.")
    return "\n".join([*lines, ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.monitor_open", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--name", default="monitor_open", help="file name of the results (.json, .md)")
    parser.add_argument("--note", default="", help="a line of text added to the .md (what was measured)")
    parser.add_argument("--compare", type=Path, help="another copy of the checkout whose app is measured too")
    args = parser.parse_args(argv)
    load = " / ".join(f"{v:.1f}" for v in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-monitor-open-") as tmp:
        result = measure(args.repeats, workspace(Path(tmp)), args.compare)
    result["load"] = load
    machine = (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
               f"Python {platform.python_version()}")
    args.out.mkdir(parents=True, exist_ok=True)
    result["note"] = args.note
    (args.out / f"{args.name}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    text = markdown(result, machine) + (f"\n{args.note}\n" if args.note else "")
    (args.out / f"{args.name}.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
