"""How deeply a JSON file nests, measured cheaply before any parser sees it.

GDAL's and Python's JSON parsers recurse once per ``[`` or ``{``: a GeoJSON of
10,000 nested arrays (20 kB) makes Python raise ``RecursionError`` and could
overflow a C parser's stack. A GeoJSON nests about ten levels (collection,
feature, geometry, polygon, ring, position; properties add a few), so a file
deeper than :data:`MAX_JSON_DEPTH` is refused. The scan works on the bytes with
NumPy, a block at a time (memory bounded by :data:`_BLOCK`), skipping brackets
inside strings; it stops at the first block that goes too deep.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from geo.errors import InputFileError, said

#: Deepest nesting accepted; a GeoJSON needs about 10 (a GeometryCollection of MultiPolygons, 12).
MAX_JSON_DEPTH: Final = 100
_BLOCK: Final = 16 * 2**20
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
#: +1 for an opening bracket, -1 for a closing one, 0 for any other byte.
_STEP: Final = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def _real_quotes(block: npt.NDArray[np.uint8], backslashes_before: int) -> npt.NDArray[np.intp]:
    """Positions of the quotes that end or start a string: those not after an odd run of backslashes.

    ``backslashes_before``: the run of backslashes that ended the previous block.
    """
    quotes = np.flatnonzero(block == _QUOTE)
    prev_bs = np.where(quotes > 0, block[np.maximum(quotes - 1, 0)] == _BACKSLASH, backslashes_before > 0)
    escaped = quotes[prev_bs]  # candidates: only these need their run of backslashes counted
    if len(escaped):
        is_bs = block == _BACKSLASH
        starts = np.flatnonzero(is_bs & ~np.concatenate(([False], is_bs[:-1])))
        if len(starts) and starts[0] == 0:
            starts[0] = -backslashes_before  # the run began in the previous block
        run_start = starts[np.searchsorted(starts, escaped - 1, side="right") - 1] if len(starts) else escaped
        run = np.where(escaped == 0, backslashes_before, escaped - run_start)
        return np.sort(np.concatenate([quotes[~prev_bs], escaped[run % 2 == 0]]))
    return quotes


def _trailing_backslashes(raw: bytes, carried: int) -> int:
    """Backslashes at the end of ``raw`` (plus those carried, when the whole block is backslashes)."""
    plain = raw.rstrip(b"\\")
    return len(raw) - len(plain) + (carried if not plain else 0)


def json_depth(path: Path, *, limit: int = MAX_JSON_DEPTH) -> int:
    """The deepest nesting of ``[``/``{`` in the JSON file at ``path``, or ``limit + 1`` once it is exceeded.

    Works on the positions of brackets and quotes only (a few per cent of a
    GeoJSON's bytes): a bracket is inside a string when an odd number of real
    quotes precede it.
    """
    depth, in_string, backslashes = 0, False, 0
    deepest = 0
    with open(path, "rb") as fh:
        while raw := fh.read(_BLOCK):
            block = np.frombuffer(raw, dtype=np.uint8)
            codes = _STEP[block]
            brackets = np.flatnonzero(codes)
            quotes = _real_quotes(block, backslashes)
            inside = (np.searchsorted(quotes, brackets) % 2 == 1) ^ in_string
            levels = depth + np.cumsum(codes[brackets[~inside]], dtype=np.int64)
            deepest = max(deepest, int(levels.max(initial=depth)))
            if deepest > limit:
                return limit + 1
            depth = int(levels[-1]) if len(levels) else depth
            in_string ^= bool(len(quotes) % 2)
            backslashes = _trailing_backslashes(raw, backslashes)
    return deepest


def check_json_depth(path: Path, source: str, *, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse a JSON file nested deeper than ``limit`` before GDAL or ``json`` parses it."""
    if json_depth(path, limit=limit) > limit:
        raise InputFileError(
            said("err.io.json_too_deep", limit=limit), source=source, fix=said("err.io.json_too_deep_fix")
        )
