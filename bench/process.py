"""Whole processes timed from outside: wall time and peak memory of the process and all its children.

:func:`run` starts a command and samples, every :data:`INTERVAL` seconds, the
resident memory (RSS) of the process tree — the sum over the process and its
worker processes at that moment — keeping the largest sum. It is what the
machine must hold, wherever the work runs (an upper bound: pages a forked worker
shares with its parent count twice); each process's own high-water mark
(``VmHWM``) would miss workers that exit first. CPU time (user + system, the
process and the workers it waited for) is recorded too: on a machine shared with
others it varies much less than wall time.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

INTERVAL: Final = 0.05
ROOT: Final = Path(__file__).resolve().parents[1]


def _pss(pid: int) -> int:
    """Proportional set size of ``pid`` in bytes (pages shared with forked workers counted once in all)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_memory(pid: int) -> tuple[int, int]:
    """RSS and PSS of ``pid`` and all its children, summed (bytes).

    Summed RSS counts the pages a forked worker shares with its parent once per
    process; summed PSS splits them, so it is what the tree really holds.
    """
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    rss = pss = 0
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            rss += p.memory_info().rss
            pss += _pss(p.pid)
    return rss, pss


def _limit(address_space: int | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` capping each process's address space (``prlimit --as``), inherited by its children."""
    if address_space is None:
        return None

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    return cap


def run(cmd: list[str], *, stdout: Path | None = None, timeout_s: float = 3600, env: dict[str, str] | None = None,
        address_space: int | None = None) -> dict[str, object]:
    """Run ``cmd`` from the checkout; wall seconds, peak tree RSS and PSS (MiB), exit code and stderr's tail.

    ``address_space``: bytes of virtual memory each process may map (as ``prlimit --as``): a run that
    needs more fails for memory (``MemoryError``, ``std::bad_alloc``) instead of driving the machine out of it.
    """
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 - closed below
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.PIPE, preexec_fn=_limit(address_space),
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})
    peak, peak_pss, cpu = 0, 0, 0.0
    assert proc.stderr is not None
    err = b""
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)  # usage includes the workers it waited for
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
                break
            rss, pss = _tree_memory(proc.pid)
            peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            if time.perf_counter() - start > timeout_s:
                proc.kill()
            time.sleep(INTERVAL)
        wall = time.perf_counter() - start
        err = proc.stderr.read()
    finally:
        proc.stderr.close()
        if stdout:
            out.close()  # type: ignore[union-attr]
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "peak_rss_mib": round(peak / 2**20, 1),
            "peak_pss_mib": round(peak_pss / 2**20, 1), "returncode": proc.returncode,
            "stderr": err.decode("utf-8", "replace")[-500:]}
