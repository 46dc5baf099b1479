"""Big uploads on the Check page: the command line's chunked check, run in a limited worker process.

Read and checked in the server's own thread, a 10^5-parcel GeoPackage (52 MB) costs the page ~10 s on
one core and leaves the whole layer in the server. An upload over :data:`LARGE_BYTES` is instead
checked by :func:`geo.checks.pipeline.check_layer_file` — the local engine of ``python -m geo check``,
chunk by chunk on its two worker processes — inside a worker started as readers are
(:func:`geo.io.limits.run_limited`: a wall-time limit, a memory cap), so that:

- the findings are those the CLI gives for the same file (one function for both);
- the server receives the findings, the summary and the worst flagged parcels
  (:data:`geo.checks.chunked.FLAGGED_CAP`) for its map, never the layer;
- a file that makes the check run away ends in one error naming it, not in a stuck or swollen server.

The name field is proposed inside the same run from an even sample (``suggest``), so the page needs no
separate read before it can show findings. Whatever needs every parcel (saving the upload, the formal
核查报告, proposing the upload a file resubmits) reads the file again when asked.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Final

import numpy as np
import pandas as pd

from geo.checks.pipeline import CheckOptions, CheckRun, PlanLayers, check_layer_file
from geo.checks.resubmit import name_set
from geo.io.files import MAX_FILE_BYTES, upload_copy
from geo.io.limits import read_memory_mb, run_limited

__all__ = ["LARGE_BYTES", "LISTED_AT_MOST", "SAVE_AT_MOST", "check_large", "check_seconds", "is_large", "upload_names"]

#: Uploads over this size are checked as the CLI checks them (in chunks, in worker processes).
LARGE_BYTES: Final = 16 * 2**20
#: The most parcels the page saves (or reports formally): the workspace keeps the whole layer, read in the
#: server (~6 KB a parcel); more goes through ``python -m geo check FILE --save``.
SAVE_AT_MOST: Final = 200_000
#: Findings a page lists at most in its table (the CSV and the reports hold every one): a browser table of
#: 10^5 rows helps nobody and costs seconds to send and draw; filtering by check lists each kind.
LISTED_AT_MOST: Final = 1_000
#: Wall-time limit of one big upload's check, seconds (``GEO_CHECK_SECONDS`` overrides it).
CHECK_SECONDS: Final = 600.0
#: Names of an upload are read this many features at a time (bounded memory for 10^6 parcels).
_NAMES_AT_ONCE: Final = 100_000


def is_large(size: int) -> bool:
    """Whether an upload of ``size`` bytes is checked in chunks in a worker (see the module)."""
    return size > LARGE_BYTES


def check_seconds() -> float:
    """The wall-time limit of a big upload's check: ``GEO_CHECK_SECONDS``, else :data:`CHECK_SECONDS`."""
    try:
        return float(os.environ.get("GEO_CHECK_SECONDS", "") or CHECK_SECONDS)
    except ValueError:
        return CHECK_SECONDS


def _memory_mb() -> float:
    """The worker's memory cap: twice a read's (it holds the chunk results as well as the layer)."""
    return 2 * read_memory_mb()


def check_large(payload: bytes, *, name: str, crs: str | None, options: CheckOptions, plan: PlanLayers,
                suggest: bool = False, max_bytes: int = MAX_FILE_BYTES) -> CheckRun:
    """Check an uploaded file's bytes as ``python -m geo check`` does, in a limited worker process.

    ``suggest``: with no name field in ``options``, match by the proposed one (the summary's
    ``suggested_field``; ``fields`` lists the layer's fields). The run's ``result.parcels`` are the worst
    flagged parcels only (capped), its ``read.layer`` the same.

    Raises
    ------
    geo.errors.GeoError
        As the read and the check raise them; :class:`geo.errors.InputFileError` naming the file when
        the check passes its time or memory limit.
    """
    with upload_copy(payload, name=name, max_bytes=max_bytes) as path:
        run: CheckRun = run_limited(_check_in_worker, str(path), name, crs, options, plan, suggest, source=name,
                                    seconds=check_seconds(), memory_mb=_memory_mb())
    return run


def _check_in_worker(path: str, name: str, crs: str | None, options: CheckOptions, plan: PlanLayers,
                     suggest: bool) -> CheckRun:
    run = check_layer_file(path, plan, options, crs=crs, name=name, keep_flagged=True, suggest_name=suggest)
    return replace(run, result=replace(run.result, findings=compact(run.result.findings)))


def compact(findings: pd.DataFrame) -> pd.DataFrame:
    """Text columns that repeat (checks, fixes, parcel names, most messages) as categories.

    A finding's words come from a few templates: 10^6 parcels' ~9 × 10^5 findings take ~450 MB as plain
    strings, under half as categories, and they cross from the worker to the server pickled. The values
    are the same (tests/test_upload_large.py compares them with the plain check's).
    """
    out = findings.copy()
    for col in out.columns:
        if pd.api.types.is_string_dtype(out[col].dtype) and len(out) and out[col].nunique() < len(out) // 2:
            out[col] = out[col].astype("category")
    return out


def upload_names(payload: bytes, *, name: str, crs: str | None, name_field: str | None) -> set[str]:
    """Every parcel's own name in an uploaded file, as resubmissions compare them (:func:`name_set`).

    Read in a limited worker, :data:`_NAMES_AT_ONCE` features at a time.
    """
    with upload_copy(payload, name=name) as path:
        names: set[str] = run_limited(_names_in_worker, str(path), name, crs, name_field, source=name,
                                      seconds=check_seconds(), memory_mb=_memory_mb())
    return names


def _names_in_worker(path: str, name: str, crs: str | None, name_field: str | None) -> set[str]:
    from geo.io.chunks import open_layer

    layer = open_layer(path, name=name, crs=crs)
    names: set[str] = set()
    for start in range(0, layer.n, _NAMES_AT_ONCE):
        names |= name_set(layer.read(np.arange(start, min(start + _NAMES_AT_ONCE, layer.n))), name_field)
    return names
