"""GDAL reads in a worker process with a wall-time limit and a memory cap.

A user's file can make GDAL work without end: a GeoPackage layer that is a
SQL view (``WITH RECURSIVE`` producing endless rows, a join of a table with
itself a million times), a file whose parser allocates without bound. The
readers of :mod:`geo.io.readers` refuse the known cases first (views, deep
JSON, XML entities); this module is the backstop. :func:`run_limited` runs a
reader in a child process forked from a *forkserver* (started once, with GDAL,
pandas and the readers already imported, so a read costs a fork, not an
interpreter start) — or, from a process with a single thread such as the CLI,
forked from the caller itself — and

- kills it when it runs longer than :data:`READ_SECONDS`;
- refuses the read when the worker's resident memory grows by more than
  :data:`READ_MEMORY_MB` over what it was forked with (watched every 0.1 s, and
  its peak checked at the end), and caps its address space (``RLIMIT_AS``) at
  what it had when forked plus that much, so that a sudden allocation fails
  rather than swaps;

so that the server thread or the CLI ends with one clear error in bounded time
and memory. The limits are read at each call from ``GEO_READ_SECONDS`` and
``GEO_READ_MEMORY_MB`` (tests lower them) or given as keywords. The result
travels back pickled (shapely pickles geometry as WKB). For 1,000 parcels a
read costs ~30 ms more than in the calling process when forked from it, ~90 ms
from the forkserver (the worker's start, the transfer; bench/results/results.md).
Inside a daemonic process (a worker of the chunked check), where a child
cannot be started, and where ``forkserver`` does not exist, the read runs in
the calling process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import multiprocessing.spawn
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from geo.errors import GeoError, InputFileError, said, without_paths

#: Longest a read may take (wall time, seconds); 100k parcels read in ~10 s.
READ_SECONDS: Final = 45.0
#: Most memory a read may add to the worker (MB); 100k parcels need ~600 MB.
READ_MEMORY_MB: Final = 1536
#: How often the worker's resident memory is looked at (seconds).
_WATCH_EVERY: Final = 0.1
#: Imported once by the forkserver; "__main__" (a script such as streamlit's) so that each worker need not re-run it.
_PRELOAD: Final = ["__main__", "geo.io.limits", "geo.io._preload"]
_START_LOCK = threading.Lock()


def read_seconds() -> float:
    """The wall-time limit now: ``GEO_READ_SECONDS`` or :data:`READ_SECONDS`."""
    return float(os.environ.get("GEO_READ_SECONDS") or READ_SECONDS)


def read_memory_mb() -> float:
    """The memory cap now: ``GEO_READ_MEMORY_MB`` or :data:`READ_MEMORY_MB`."""
    return float(os.environ.get("GEO_READ_MEMORY_MB") or READ_MEMORY_MB)


# --- the worker's side -----------------------------------------------------------------


def _status_kb(pid: int | str, key: str) -> int:
    """A ``kB`` line (``VmRSS``, ``VmSize``, ``VmPeak``) of ``/proc/<pid>/status``; 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _near_cap(limit_kb: int) -> bool:
    """Whether this process's address space came within 10 % (at most 64 MB) of ``limit_kb``."""
    margin = min(64 * 1024, limit_kb // 10)
    return limit_kb > 0 and _status_kb("self", "VmPeak") >= limit_kb - margin


def _child(conn: multiprocessing.connection.Connection, func: Callable[..., Any], args: tuple[Any, ...],
           memory_mb: float) -> None:
    """In the worker: cap the address space, run ``func(*args)``, send back what happened."""
    import resource

    limit_kb = _status_kb("self", "VmSize") + int(memory_mb * 1024)
    start_kb = max(_status_kb("self", "VmRSS"), _status_kb("self", "VmHWM"))  # what it was forked with
    resource.setrlimit(resource.RLIMIT_AS, (limit_kb * 1024, limit_kb * 1024))
    try:
        result = func(*args)
        added_kb = _status_kb("self", "VmHWM") - start_kb  # resident memory at its highest, beyond the start
        conn.send(("memory",) if added_kb > memory_mb * 1024 else ("ok", result))
    except MemoryError:
        conn.send(("memory",))
    except GeoError as exc:  # a GDAL allocation that failed shows as "damaged": say what really happened
        conn.send(("memory",) if _near_cap(limit_kb) else ("geo", type(exc), exc.said or exc.problem, exc.source,
                                                           exc.said_fix or exc.fix))
    except Exception as exc:
        conn.send(("memory",) if _near_cap(limit_kb) else ("error", type(exc).__name__, str(exc)))
    finally:
        conn.close()


# --- the caller's side -----------------------------------------------------------------


def _start_method() -> str | None:
    """How to start the worker: ``GEO_READ_START`` (fork, forkserver), else ``fork`` from a process with one
    thread (the CLI: no server to start, the child shares what is imported) and ``forkserver`` from a threaded
    one (Streamlit: forking a threaded process can copy a lock held by another thread); None where neither exists."""
    methods = [m for m in multiprocessing.get_all_start_methods() if m in ("fork", "forkserver")]
    wanted = os.environ.get("GEO_READ_START", "")
    if wanted not in methods:  # unset or not one we use: never a reason to read without limits
        wanted = "fork" if threading.active_count() == 1 else "forkserver"
    return wanted if wanted in methods else None


def _context() -> multiprocessing.context.BaseContext | None:
    """The context to start the worker with (see :func:`_start_method`)."""
    method = _start_method()
    if method == "fork":
        return multiprocessing.get_context("fork")
    return _forkserver() if method == "forkserver" else None


#: Names the main module started with ``python -m`` for :mod:`geo.io._preload` to import in the forkserver.
PRELOAD_MAIN_ENV: Final = "GEO_PRELOAD_MAIN"


def _main_module() -> str:
    """The main module's name when it was started with ``python -m name`` ("" otherwise).

    Each worker re-runs such a module as ``__mp_main__`` (a script's path is imported by the server, a
    name is not), so ``python -m bench.run`` once paid ~250 ms of imports in every read. The forkserver
    imports it once (:mod:`geo.io._preload`): the re-run finds its imports done. A package's
    ``__main__`` is never re-run.
    """
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    name = getattr(spec, "name", None) or ""
    return name if name != "__main__" and not name.endswith(".__main__") else ""


@lru_cache(maxsize=1)
def _forkserver() -> multiprocessing.context.ForkServerContext:
    """The forkserver context, its server started with the readers imported and GDAL warm (once)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    root = str(Path(__file__).resolve().parents[2])  # the forkserver imports geo even when started elsewhere
    with _START_LOCK:
        saved = {k: os.environ.get(k) for k in ("PYTHONPATH", PRELOAD_MAIN_ENV)}
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, saved["PYTHONPATH"]) if p)
        os.environ[PRELOAD_MAIN_ENV] = _main_module()
        try:
            multiprocessing.forkserver.ensure_running()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return ctx


def warm_up() -> None:
    """Start the worker's forkserver now (app start, test session), not on the first upload."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        _forkserver()


def _time_error(source: str, seconds: float) -> InputFileError:
    """Not only views: a file of any format can be too large or too intricate to read in the time."""
    return InputFileError(said("err.limits.time", seconds=seconds), source=source, fix=said("err.limits.time_fix"))


def _memory_error(source: str, memory_mb: float) -> InputFileError:
    return InputFileError(
        said("err.limits.memory", memory_mb=memory_mb), source=source, fix=said("err.limits.memory_fix")
    )


def _crash_error(source: str, memory_mb: float, exitcode: int | None) -> InputFileError:
    """The worker ended without a word: killed (the OOM killer: SIGKILL), aborted (an allocation refused
    under the memory cap ends C++ code in SIGABRT), or crashed in GDAL or before it could start."""
    if exitcode in (-9, -6):
        return _memory_error(source, memory_mb)
    return InputFileError(
        said("err.limits.crash", exitcode=exitcode), source=source, fix=said("err.limits.crash_fix")
    )


def _outcome(message: tuple[Any, ...], source: str, memory_mb: float) -> Any:
    """The worker's result, or the error it reported raised here."""
    kind = message[0]
    if kind == "ok":
        return message[1]
    if kind == "memory":
        raise _memory_error(source, memory_mb)
    if kind == "geo":
        _, cls, problem, src, fix = message
        raise cls(problem, source=src, fix=fix)
    raise _reader_error(source, str(message[1]), str(message[2]))


def _reader_error(source: str, kind: str, words: str) -> InputFileError:
    """A reader failed in a way no check foresaw (a library's ValueError on a hostile file): one clear line, not a
    traceback; what it said is kept, its first line, without the server's folders."""
    first = without_paths(words.splitlines()[0] if words else "")[:160]
    return InputFileError(
        said("err.limits.reader", kind=kind, first=first), source=source, fix=said("err.limits.reader_fix")
    )


#: The worker process's name (what :func:`_preparation_data` recognises).
WORKER_NAME: Final = "geo-read"
_STDLIB_PREPARATION = multiprocessing.spawn.get_preparation_data


def _preparation_data(name: str) -> dict[str, Any]:
    """What a forkserver child is told to prepare, without a main module given by its path for our worker.

    A child started from the forkserver re-runs the parent's ``__main__`` before it runs anything: by name
    for ``python -m`` (cheap, see :data:`PRELOAD_MAIN_ENV`), else by its file. In the Streamlit server
    ``__main__`` is the page being run (Streamlit puts the page's module there), so every read and every big
    upload's check first ran the whole page script again in the worker: ~1 s, with the page's imports.
    Our worker runs only functions of importable modules and needs no main module.
    """
    data: dict[str, Any] = _STDLIB_PREPARATION(name)
    if name == WORKER_NAME:
        data.pop("init_main_from_path", None)
    return data


multiprocessing.spawn.get_preparation_data = _preparation_data


def run_limited(
    func: Callable[..., Any],
    *args: Any,
    source: str,
    seconds: float | None = None,
    memory_mb: float | None = None,
) -> Any:
    """``func(*args)`` in a worker process limited to ``seconds`` and ``memory_mb`` (defaults: the env, constants).

    ``func`` must be a module-level function and its arguments picklable. Its
    :class:`GeoError` is raised here as it was raised there.

    Raises
    ------
    InputFileError
        "took longer than N s" or "used more than N MB", naming ``source``.
    """
    seconds = read_seconds() if seconds is None else seconds
    memory_mb = read_memory_mb() if memory_mb is None else memory_mb
    ctx = None if multiprocessing.current_process().daemon else _context()
    if ctx is None:
        return func(*args)
    assert isinstance(ctx, multiprocessing.context.ForkContext | multiprocessing.context.ForkServerContext)
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(sender, func, args, memory_mb), name=WORKER_NAME)
    proc.start()
    sender.close()
    deadline = time.monotonic() + seconds
    start_kb = _status_kb(proc.pid or 0, "VmRSS")  # what it shares with its parent, not the read's
    try:
        while True:
            ready = multiprocessing.connection.wait([receiver, proc.sentinel],
                                                    timeout=min(_WATCH_EVERY, max(deadline - time.monotonic(), 0)))
            if receiver in ready:
                try:
                    with warnings.catch_warnings():  # NaN coordinates: reported by geo.io.files, by feature
                        warnings.simplefilter("ignore", RuntimeWarning)
                        message = receiver.recv()
                    return _outcome(message, source, memory_mb)
                except EOFError:  # the worker died without a word: killed (the memory cap) or crashed
                    proc.join(5)
                    raise _crash_error(source, memory_mb, proc.exitcode) from None
            if proc.sentinel in ready:
                proc.join()
                raise _crash_error(source, memory_mb, proc.exitcode)
            if time.monotonic() >= deadline:
                raise _time_error(source, seconds)
            if _status_kb(proc.pid or 0, "VmRSS") - start_kb > memory_mb * 1024:
                raise _memory_error(source, memory_mb)
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()
