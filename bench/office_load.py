"""Load on the office server: browsing sessions and uploading sessions at once, on this machine.

``.venv/bin/python -m bench.office_load [--browsers 20] [--uploaders 4] [--parcels 10000] [--rounds 3]``

Starts the app as ``./run.sh`` does (``python -m ui.launch``) on a workspace
with accounts (``--backend gpkg`` or ``postgis`` with ``GEO_DATABASE_URL``
set), then drives headless Debian chromium (Playwright, one context per
person, all at once):

- ``--browsers`` viewers sign in and click through Map → Totals → Parcels →
  Check ``--rounds`` times (client-side navigation in one Streamlit session,
  as a person would); each page time is from the click until the page's
  script has finished and its title is drawn;
- ``--uploaders`` checkers sign in, upload a ``--parcels``-parcel GeoPackage
  each (different files), wait for the findings, click *Save* and wait for
  the confirmation.

It samples the server's resident memory (with its child processes) every
0.25 s, then checks every upload in the workspace: owner, feature count,
every geometry and id equal to the file's. Writes
``bench/results/office_load.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import psutil
import pyogrio
import shapely
from playwright.async_api import Browser, Page

from bench.server import serve
from bench.synth import make_parcels
from geo.store import Office, open_store
from geo.store.office import single_user

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
PAGES = (("地图", "一核双圈两片 · 平台项目地图"), ("总量核对", "总量核对：表、文本与地图"),
         ("项目地块", "平台项目与地块"), ("核查测绘地块", "核查测绘地块"))
TIMEOUT_MS = 600_000
PASSWORD = "load-test-Secret-1"


class Sampler(threading.Thread):
    """Resident memory of a process and its children, sampled until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.samples: list[int] = []
        self.stop = threading.Event()

    def rss(self) -> int:
        total = 0
        for p in [self.proc, *self.proc.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += p.memory_info().rss
        return total

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append(self.rss())
            time.sleep(0.25)


async def _idle(page: Page) -> None:
    await page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"] button')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=TIMEOUT_MS)


async def _title(page: Page, title: str) -> None:
    await page.wait_for_function(
        "(t) => [...document.querySelectorAll('[data-testid=\"stMainBlockContainer\"] h1')]"
        ".some(h => h.innerText.trim() === t)", arg=title, timeout=TIMEOUT_MS)
    await _idle(page)


async def sign_in(page: Page, url: str, name: str) -> float:
    start = time.perf_counter()
    await page.goto(url + "/", timeout=TIMEOUT_MS)
    await _title(page, "登录")
    await page.get_by_label("用户名").fill(name)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.get_by_text(f"已登录：{name}").wait_for(timeout=TIMEOUT_MS)
    await _title(page, PAGES[0][1])
    return time.perf_counter() - start


async def browse(browser: Browser, url: str, name: str, rounds: int, times: list[float], signins: list[float]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    await context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    signins.append(await sign_in(page, url, name))
    for _ in range(rounds):
        for label, title in (*PAGES[1:], PAGES[0]):
            start = time.perf_counter()
            await page.locator("[data-testid='stSidebarNav'] a").filter(has_text=label).first.click()
            await _title(page, title)
            times.append(time.perf_counter() - start)
    await context.close()


async def upload(browser: Browser, url: str, name: str, path: Path, out: dict[str, float]) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    await context.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
    context.set_default_timeout(TIMEOUT_MS)
    page = await context.new_page()
    out["sign_in"] = await sign_in(page, url, name)
    await page.locator("[data-testid='stSidebarNav'] a").filter(has_text="核查测绘地块").first.click()
    await _title(page, "核查测绘地块")
    start = time.perf_counter()
    await page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    await page.get_by_role("button", name="保存到工作区").wait_for(timeout=TIMEOUT_MS)
    await _idle(page)
    out["check"] = time.perf_counter() - start
    start = time.perf_counter()
    await page.get_by_role("button", name="保存到工作区").click()
    await page.get_by_text("已保存到工作区（编号").wait_for(timeout=TIMEOUT_MS)
    await _idle(page)
    out["save"] = time.perf_counter() - start
    await context.close()


async def drive(url: str, *, browsers: int, uploaders: int, rounds: int, files: list[Path]) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    page_times: list[float] = []
    signins: list[float] = []
    uploads: list[dict[str, float]] = [{} for _ in range(uploaders)]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM,
                                           args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        start = time.perf_counter()
        outcomes = await asyncio.gather(
            *(browse(browser, url, f"viewer{i:02d}", rounds, page_times, signins) for i in range(browsers)),
            *(upload(browser, url, f"checker{i}", files[i], uploads[i]) for i in range(uploaders)),
            return_exceptions=True,
        )
        wall = time.perf_counter() - start
        await browser.close()
    failed = [f"{type(o).__name__}: {str(o).splitlines()[0] if str(o) else ''}" for o in outcomes
              if isinstance(o, BaseException)]
    return {"page_times": page_times, "sign_ins": signins, "uploads": uploads, "wall_s": wall, "failed": failed}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def verify(uploaders: int, sources: list[gpd.GeoDataFrame]) -> list[dict[str, Any]]:
    """Every upload as saved: owner, count, ids and geometry equal to the file's."""
    store = open_store()
    found = {u.owner: u for u in store.list_uploads()}
    out: list[dict[str, Any]] = []
    for i in range(uploaders):
        record = found.get(f"checker{i}")
        if record is None:
            out.append({"owner": f"checker{i}", "intact": False, "why": "missing"})
            continue
        parcels, findings = store.load_upload(record.upload_id)
        src = sources[i]
        same_ids = parcels["DKBM"].tolist() == src["DKBM"].tolist()
        same_geom = len(parcels) == len(src) and bool(
            shapely.equals_exact(parcels.geometry.to_numpy(), src.geometry.to_numpy(), tolerance=1e-9).all())
        ok = record.features == len(parcels) == len(src) and same_ids and same_geom
        out.append({"owner": record.owner, "upload_id": record.upload_id, "features": len(parcels),
                    "findings": len(findings), "intact": ok})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.office_load", description=__doc__.splitlines()[0])
    parser.add_argument("--browsers", type=int, default=20)
    parser.add_argument("--uploaders", type=int, default=4)
    parser.add_argument("--parcels", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backend", choices=("gpkg", "postgis"), default="gpkg")
    parser.add_argument("--out", type=Path, default=RESULTS / "office_load")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="geo-office-load-"))
    env = dict(os.environ)
    if args.backend == "gpkg":
        env.pop("GEO_DATABASE_URL", None)
        os.environ.pop("GEO_DATABASE_URL", None)
    elif not env.get("GEO_DATABASE_URL"):
        parser.error("--backend postgis needs GEO_DATABASE_URL")
    env["GEO_WORKSPACE"] = os.environ["GEO_WORKSPACE"] = str(work / "ws")
    print(f"generating {args.uploaders} files of {args.parcels:,} parcels …", file=sys.stderr)
    sources, files = [], []
    for i in range(args.uploaders):
        gdf, _ = make_parcels(args.parcels, seed=20210101 + i)
        path = work / f"survey_{i}.gpkg"
        pyogrio.write_dataframe(gdf, path, driver="GPKG", layer="parcels")
        sources.append(pyogrio.read_dataframe(path))
        files.append(path)
    store = open_store()
    store.init()  # a configured workspace must exist (what `python -m geo db init` does)
    off = Office(store)
    root = single_user("bench")
    off.add_user(root, "admin", "admin", PASSWORD)
    for i in range(args.uploaders):
        off.add_user(root, f"checker{i}", "checker", PASSWORD)
    for i in range(args.browsers):
        off.add_user(root, f"viewer{i:02d}", "viewer", PASSWORD)
    with serve(["ui.launch"], env=env, log=work / "server.log", start_timeout=120) as app:
        sampler = Sampler(app.process.pid)
        idle_rss = sampler.rss()
        sampler.start()
        load_before = os.getloadavg()
        print(f"driving {args.browsers} browsing + {args.uploaders} uploading sessions …", file=sys.stderr)
        run = asyncio.run(drive(app.url, browsers=args.browsers, uploaders=args.uploaders, rounds=args.rounds,
                                files=files))
        sampler.stop.set()
        sampler.join()
        after_rss = sampler.rss()
    checks = verify(args.uploaders, sources)
    times = run["page_times"]
    results = {
        "machine": f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores, "
                   f"{psutil.virtual_memory().total / 2**30:.1f} GB RAM; {platform.platform()}; "
                   f"Python {platform.python_version()}",
        "backend": args.backend, "browsers": args.browsers, "uploaders": args.uploaders, "parcels": args.parcels,
        "rounds": args.rounds, "load_average_before": [round(v, 2) for v in load_before],
        "pages": len(times), "page_p50_s": statistics.median(times), "page_p95_s": _pct(times, 0.95),
        "page_max_s": max(times), "sign_in_p95_s": _pct(run["sign_ins"], 0.95),
        "upload_check_s": [round(u.get("check", float("nan")), 2) for u in run["uploads"]],
        "upload_save_s": [round(u.get("save", float("nan")), 2) for u in run["uploads"]],
        "wall_s": run["wall_s"], "server_rss_idle_mb": idle_rss / 2**20,
        "server_rss_peak_mb": max(sampler.samples) / 2**20, "server_rss_after_mb": after_rss / 2**20,
        "uploads": checks, "all_intact": all(c["intact"] for c in checks), "failed_sessions": run["failed"],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    md = markdown(results)
    args.out.with_suffix(".md").write_text(md, encoding="utf-8")
    print(md)
    return 0 if results["all_intact"] and not run["failed"] else 1


def markdown(r: dict[str, Any]) -> str:
    return "\n".join([
        (f"Machine: {r['machine']}. Backend: {r['backend']}. Load average before: "
        f"{', '.join(map(str, r['load_average_before']))}."),
        "",
        (f"{r['browsers']} viewers clicking Map → Totals → Parcels → Check ×{r['rounds']} while {r['uploaders']} "
        f"checkers each upload, check and save a {r['parcels']:,}-parcel GeoPackage, all at once "
        f"(one headless chromium, a context per person):"),
        "",
        "| measure | value |",
        "|---|---|",
        (f"| page time, p50 / p95 / max ({r['pages']} page views) | {r['page_p50_s']:.2f} s / "
        f"{r['page_p95_s']:.2f} s / {r['page_max_s']:.2f} s |"),
        f"| sign-in, p95 | {r['sign_in_p95_s']:.2f} s |",
        f"| upload → findings shown, per checker | {', '.join(f'{v:.1f} s' for v in r['upload_check_s'])} |",
        f"| save click → saved, per checker | {', '.join(f'{v:.1f} s' for v in r['upload_save_s'])} |",
        (f"| server RSS idle / peak / after | {r['server_rss_idle_mb']:.0f} MB / {r['server_rss_peak_mb']:.0f} MB / "
        f"{r['server_rss_after_mb']:.0f} MB |"),
        f"| whole run | {r['wall_s']:.0f} s |",
        f"| sessions that failed (timeout {TIMEOUT_MS // 1000} s per step) | {len(r['failed_sessions'])} |",
        (f"| uploads intact afterwards (owner, count, ids, every geometry) | "
        f"{sum(c['intact'] for c in r['uploads'])} of {r['uploaders']} |"),
        "",
    ])


if __name__ == "__main__":
    sys.exit(main())
