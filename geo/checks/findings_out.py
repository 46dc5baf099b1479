"""Findings written out fast: JSON and CSV through Arrow, in batches.

No Python object is built per finding. For JSON each column becomes an Arrow
string array of JSON fragments with Arrow's compute kernels (strings escaped
and quoted, numbers formatted, NaN/NA as ``null``), the columns are joined into
one object per line, and the joined array's data buffer is written as it is:
10^6 findings in about a second, memory at one batch of text. A string with a
control character (rare: GEOS's reasons, a user's field value) is escaped by
orjson instead. The JSON document is ``{"summary": {…}, "findings": [{…}, …]}``,
one finding a line, with the columns of :data:`geo.checks.registry.FINDING_COLUMNS`.
"""

from __future__ import annotations

from typing import IO, Any, Final

import numpy as np
import pandas as pd

from geo.checks.registry import FINDING_COLUMNS

__all__ = ["BATCH", "json_rows", "write_csv", "write_json"]

BATCH: Final = 50_000
_CONTROL: Final = "[\\x00-\\x1f]"


def _arrow(values: pd.Series, kind: Any) -> Any:
    """A column as one Arrow array of ``kind`` (NaN and NA as null; Arrow-backed strings are not copied)."""
    import pyarrow as pa

    arr = pa.array(values.array, type=kind, from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _fragments(values: pd.Series) -> Any:
    """Each value of a column as JSON text, an Arrow string array (NaN and NA → ``null``)."""
    import orjson
    import pyarrow as pa
    import pyarrow.compute as pc

    if pd.api.types.is_integer_dtype(values.dtype):
        return pc.fill_null(pc.cast(_arrow(values, pa.int64()), pa.string()), "null")
    if pd.api.types.is_float_dtype(values.dtype):
        floats = values.to_numpy(dtype=float)
        text = pc.cast(pa.array(floats), pa.string())
        whole = pc.match_substring_regex(text, "^-?[0-9]+$")  # 5 → 5.0, as Python and orjson write a float
        text = pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text)
        return pc.if_else(pa.array(np.isfinite(floats)), text, "null")
    strings = _arrow(values, pa.string())
    text = pc.replace_substring(pc.replace_substring(strings, "\\", "\\\\"), '"', '\\"')
    text = pc.binary_join_element_wise('"', text, '"', "")
    control = pc.fill_null(pc.match_substring_regex(strings, _CONTROL), False)
    if pc.any(control).as_py():
        rows = np.flatnonzero(control.to_numpy(zero_copy_only=False))
        fixed = text.to_numpy(zero_copy_only=False).astype(object)
        fixed[rows] = [orjson.dumps(v).decode() for v in strings.take(pa.array(rows)).to_pylist()]
        text = pa.array(fixed, type=pa.string())
    return pc.fill_null(text, "null")


#: Columns written after :data:`FINDING_COLUMNS` when the findings carry them (:mod:`geo.checks.diagnose`).
EXTRA_COLUMNS: Final = ("parcel_name", "parcel_name_en", "point", "ring", "x", "y", "fix_zh", "fix_en")


def _columns(findings: pd.DataFrame) -> list[str]:
    """The columns written: :data:`FINDING_COLUMNS`, then those of :data:`EXTRA_COLUMNS` present."""
    return [*FINDING_COLUMNS, *(c for c in EXTRA_COLUMNS if c in findings.columns)]


def json_rows(findings: pd.DataFrame) -> bytes:
    """The findings as JSON objects, one a line, comma-separated (no enclosing brackets)."""
    import pyarrow.compute as pc

    if not len(findings):
        return b""
    parts: list[Any] = []
    for i, col in enumerate(_columns(findings)):
        parts += [("{" if i == 0 else ",") + f'"{col}":', _fragments(findings[col])]
    rows = pc.binary_join_element_wise(*parts, "},\n", "")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset:rows.offset + len(rows) + 1]
    text: bytes = rows.buffers()[2].to_pybytes()
    return text[offsets[0]:offsets[-1] - 2]  # without the last row's ",\n"


def write_json(out: IO[bytes], summary: dict[str, Any], findings: pd.DataFrame) -> None:
    """``{"summary": …, "findings": […]}`` to a binary stream, :data:`BATCH` findings at a time."""
    import orjson

    out.write(b'{"summary": ' + orjson.dumps(summary, option=orjson.OPT_NON_STR_KEYS) + b',\n"findings": [\n')
    for start in range(0, len(findings), BATCH):
        if start:
            out.write(b",\n")
        out.write(json_rows(findings.iloc[start:start + BATCH]))
    out.write(b"\n]}\n")


def write_csv(out: IO[bytes], findings: pd.DataFrame, *, bom: bool = False) -> None:
    """Findings as CSV (UTF-8; with ``bom`` for Excel) through Arrow's CSV writer, in batches."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if bom:
        out.write("\ufeff".encode())
    frame = findings[[c for c in _columns(findings) if c != "detail"]]  # the CSV has never carried detail
    kinds = {"feature": pa.int64(), "ring": pa.int64(), "value": pa.float64(), "x": pa.float64(),
             "y": pa.float64()}
    schema = pa.schema([(c, kinds.get(c, pa.string())) for c in frame.columns])
    with pacsv.CSVWriter(out, schema) as writer:
        for start in range(0, max(len(frame), 1), BATCH):
            part = frame.iloc[start:start + BATCH]
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))
