"""Whole processes timed from outside: wall time and peak memory of the process and all its children.

:func:`run` starts a command and samples, every :data:`INTERVAL` seconds, the
resident memory (RSS) of the process tree — the sum over the process and its
worker processes at that moment — keeping the largest sum. It is what the
machine must hold, wherever the work runs; each process's own high-water mark
(``VmHWM``) would miss workers that exit first.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path
from typing import Final

INTERVAL: Final = 0.05
ROOT: Final = Path(__file__).resolve().parents[1]


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += p.memory_info().rss
    return total


def run(cmd: list[str], *, stdout: Path | None = None, timeout_s: float = 3600, env: dict[str, str] | None = None
        ) -> dict[str, object]:
    """Run ``cmd`` from the checkout; wall seconds, peak tree RSS (MiB), exit code and stderr's tail."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 - closed below
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    peak = 0
    try:
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            if time.perf_counter() - start > timeout_s:
                proc.kill()
                break
            time.sleep(INTERVAL)
        _, err = proc.communicate()
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
    return {"wall_s": round(time.perf_counter() - start, 3), "peak_rss_mib": round(peak / 2**20, 1),
            "returncode": proc.returncode, "stderr": err.decode("utf-8", "replace")[-500:]}
