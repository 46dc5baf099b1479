"""Big uploads on the Check page, in a real browser: from upload complete to findings shown.

``.venv/bin/python -m bench.upload --gpkg /tmp/city5/scale.gpkg [--parquet /tmp/city6/scale.parquet] --repeats 3``

Starts the app as ``./run.sh`` does (``python -m ui.launch``, a fresh
workspace), opens ``/check`` in headless Debian chromium (Playwright) and
gives the uploader each file. Per upload it records, on the page's clock:

- **upload complete**: the response to the browser's ``PUT /_stcore/upload_file`` (the bytes are on the server);
- **findings shown**: the summary's five metrics (地块数 … 有问题的地块) and the findings table are in the page;
- the difference (target ≤ :data:`TARGET_S` s), and the server's peak memory (summed RSS of its process tree,
  the read worker included, sampled every 50 ms: target < 2 GiB).

Each repeat is a fresh browser context (a new session) uploading the file under a new name
(``scale-1.gpkg``, ``scale-2.gpkg`` …: a link to the same bytes), so every repeat is a new upload to the
page — read and checked, nothing reused from the server's cache. Before the measured uploads the server
gets one upload it is not timed on (``warm-up-…``, the first file given): a server that has just started
is still starting its read worker (imports, GDAL); an office's server has been up for hours. Files the
uploader refuses (a type it does not list, over its size limit) are recorded with what the page said.
Writes ``bench/results/upload.json``
and ``.md``; layers from :mod:`bench.citysynth` (``python -m bench.citysynth 100000 /tmp/city5``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Final

from bench.app_open import APP, CHROMIUM, CHROMIUM_ARGS, RESULTS, serve
from bench.process import _tree_memory

TARGET_S: Final = 5.0
TARGET_RSS_MIB: Final = 2048
#: The browser (and this process) run at this niceness: in an office the browser is on the user's own computer,
#: here it shares the server's two cores, and a page's spinner alone keeps a headless Chromium busy.
BROWSER_NICE: Final = 19
#: The summary is shown: its five metrics, and the findings table (or the note that there is none).
_SHOWN_JS: Final = """() => document.querySelectorAll("[data-testid='stMetricValue']").length >= 5
  && !!document.querySelector(".st-key-chk_findings, [data-testid='stDataFrame']")"""
_ERROR_JS: Final = """() => [...document.querySelectorAll("[data-testid='stAlertContentError'], \
[data-testid='stFileUploaderFileErrorMessage'], [data-testid='stException']")].map(e => e.innerText).join(' | ')"""


class Sampler:
    """Peak memory of a process tree, sampled every 50 ms in a thread (see :mod:`bench.process`): the summed RSS
    (a forked worker's shared pages counted once per process), the summed PSS (shared pages split: what the
    tree holds) and the server process's own RSS."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.peak_pss, self.peak_server = pid, 0, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        server = psutil.Process(self.pid)
        while not self._stop.is_set():
            rss, pss = _tree_memory(self.pid)
            self.peak, self.peak_pss = max(self.peak, rss), max(self.peak_pss, pss)
            self.peak_server = max(self.peak_server, server.memory_info().rss)
            time.sleep(0.05)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _upload(browser: Any, url: str, path: Path, timeout_s: float) -> dict[str, Any]:
    """One upload in a fresh browser context: seconds from upload complete to findings shown, or what failed."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    done: dict[str, float] = {}

    def on_response(response: Any) -> None:
        if "/_stcore/upload_file" in response.url and response.request.method in ("PUT", "POST"):
            done["uploaded"] = float(page.evaluate("() => performance.now()")) / 1000

    try:
        page.goto(url + "/check", wait_until="commit")
        page.wait_for_selector("[data-testid='stFileUploader'] input[type='file']", state="attached",
                               timeout=60_000)
        page.on("response", on_response)
        chosen = float(page.evaluate("() => performance.now()")) / 1000
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
        try:
            page.wait_for_function(f"() => ({_SHOWN_JS})() || ({_ERROR_JS})().length > 0", polling=50,
                                   timeout=timeout_s * 1000)
        except Exception as exc:  # Playwright's TimeoutError: recorded as measured, with what the uploader says
            said = str(page.evaluate("() => document.querySelector(\"[data-testid='stFileUploader']\").innerText"))
            return {"error": f"no findings within {timeout_s:.0f} s ({type(exc).__name__}); the uploader says: "
                             + " ".join(said.split())[:200], "uploaded": "uploaded" in done}
        shown = float(page.evaluate("() => performance.now()")) / 1000
        said = str(page.evaluate(_ERROR_JS))
        if not page.evaluate(_SHOWN_JS):
            return {"error": said or "no findings shown", "uploaded": "uploaded" in done}
        metrics = dict(zip(page.locator("[data-testid='stMetricLabel']").all_inner_texts(),
                           page.locator("[data-testid='stMetricValue']").all_inner_texts(), strict=False))
        up = done.get("uploaded", chosen)
        return {"upload_s": round(up - chosen, 3), "to_findings_s": round(shown - up, 3), "metrics": metrics}
    finally:
        context.close()


def _named(path: Path, folder: Path, name: str) -> Path:
    """``path`` under another name (a symbolic link in ``folder``): the page sees another upload."""
    link = folder / f"{name}{path.suffix}"
    link.symlink_to(path.resolve())
    return link


def measure(files: dict[str, Path], repeats: int, workspace: Path, timeout_s: float) -> dict[str, Any]:
    """Every file uploaded ``repeats`` times under new names (fresh browser contexts), after one warm-up upload;
    the server's peak RSS per file."""
    from playwright.sync_api import sync_playwright

    links = workspace / "uploads"
    links.mkdir()
    with serve(APP, workspace) as url:
        server = _server_process(url)
        os.nice(BROWSER_NICE)  # this process, and the browser started below, yield the cores to the server
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                first = next(iter(files.values()))
                out = {"warm_up": _upload(browser, url, _named(first, links, f"warm-up-{first.stem}"), timeout_s)}
                for name, path in files.items():
                    with Sampler(server) as sampler:
                        runs = [_upload(browser, url, _named(path, links, f"{path.stem}-{n}"), timeout_s)
                                | {"load_average_at_start": [round(v, 2) for v in os.getloadavg()]}
                                for n in range(1, repeats + 1)]
                    ok = [r["to_findings_s"] for r in runs if "to_findings_s" in r]
                    out[name] = {"file": path.name, "bytes": path.stat().st_size, "runs": runs,
                                 "server_peak_rss_mib": round(sampler.peak / 2**20, 1),
                                 "tree_peak_pss_mib": round(sampler.peak_pss / 2**20, 1),
                                 "server_process_peak_rss_mib": round(sampler.peak_server / 2**20, 1),
                                 "median_s": round(statistics.median(ok), 3) if ok else None}
            finally:
                browser.close()
    return out


def _server_process(url: str) -> int:
    """The pid of the Streamlit server listening at ``url`` (the child :func:`bench.server.serve` started)."""
    import psutil

    port = int(url.rsplit(":", 1)[1])
    for c in psutil.net_connections(kind="tcp"):
        if c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN and c.pid:
            return int(c.pid)
    raise RuntimeError(f"no process listens at {url}")


def _memory(r: dict[str, Any]) -> str:
    return (f"{r['server_process_peak_rss_mib']:.0f} / {r['tree_peak_pss_mib']:.0f} / "
            f"{r['server_peak_rss_mib']:.0f} MiB")


def markdown(result: dict[str, Any]) -> str:
    """The result as the README quotes it."""
    lines = [(f"Machine: {result['machine']}; load average at start {result['load']}; after one untimed warm-up "
              f"upload, each file uploaded {result['repeats']} times under new names (every one read and checked "
              "anew), each in a fresh browser context."), "",
             ("| file | size | upload (browser → server) | upload complete → findings shown: median | runs | "
              "peak memory: server process RSS / tree PSS / tree summed RSS | findings shown |"),
             "|---|---:|---:|---:|---|---:|---|"]
    for key, r in result["files"].items():
        if key == "warm_up":
            continue
        ok = [x for x in r["runs"] if "to_findings_s" in x]
        if not ok:
            lines.append(f"| {r['file']} | {r['bytes'] / 1e6:.0f} MB | — | — | — | {_memory(r)} "
                         f"| no: {r['runs'][0].get('error', '')[:160]} |")
            continue
        m = ok[0]["metrics"]
        upload = statistics.median(x["upload_s"] for x in ok)
        runs = ", ".join(f"{x['to_findings_s']:.2f}" for x in ok)
        lines.append(f"| {r['file']} | {r['bytes'] / 1e6:.0f} MB | {upload:.2f} s | {r['median_s']:.2f} s | {runs} "
                     f"| {_memory(r)} | " + ", ".join(f"{k} {v}" for k, v in m.items()) + " |")
    lines += ["", f"Targets: upload complete → findings shown ≤ {TARGET_S:g} s; server < {TARGET_RSS_MIB} MiB.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module)."""
    import platform

    ap = argparse.ArgumentParser(prog="python -m bench.upload", description=__doc__.splitlines()[0])
    ap.add_argument("--gpkg", type=Path, required=True, help="the GeoPackage to upload (10^5 parcels, ~52 MB)")
    ap.add_argument("--parquet", type=Path, help="a GeoParquet to upload too (10^6 parcels, under 200 MB)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--name", default="upload")
    args = ap.parse_args(argv)
    files = {"gpkg": args.gpkg} | ({"parquet": args.parquet} if args.parquet else {})
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        result = {"files": measure(files, args.repeats, Path(tmp), args.timeout), "repeats": args.repeats,
                  "load": load, "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                                           f"Python {platform.python_version()}",
                  "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n",
                                                encoding="utf-8")
    text = markdown(result)
    (args.out / f"{args.name}.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
