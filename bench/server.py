"""A Streamlit server on a free localhost port, for the benchmarks and the browser tests.

One way to start it (the flags ``./run.sh`` would get on a headless machine,
no file watcher, no usage statistics), wait until ``/_stcore/health``
answers, and stop it, so the benchmarks and ``tests/e2e`` measure and test
the same server.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Server:
    """A started server: its URL and process (for sampling its memory)."""

    url: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    """A free TCP port on localhost."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(launcher: list[str], *, env: Mapping[str, str], log: Path | None = None,
          start_timeout: float = 90, address: str = "127.0.0.1", cwd: Path = ROOT) -> Iterator[Server]:
    """``python -m <launcher…>`` (``ui.launch``, or ``streamlit run page.py``) from the checkout (or ``cwd``, another
    copy of it); stopped after.

    Bound to ``address`` (``0.0.0.0``: served to other computers), reached at 127.0.0.1.
    Output goes to ``log`` (else nowhere). Raises RuntimeError naming the log
    if the server exits or does not answer within ``start_timeout`` seconds.
    """
    port = free_port()
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - open for the server's whole life
    proc = subprocess.Popen(
        [sys.executable, "-m", *launcher, "--server.headless", "true", "--server.port", str(port),
         "--server.address", address, "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=dict(env),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start: {' '.join(launcher)}" + (f"; see {log}" if log else ""))
            time.sleep(0.3)
        yield Server(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()  # type: ignore[union-attr]
