"""Findings written out fast: JSON (orjson, column-wise) and CSV (Arrow), in batches.

No Python dict is built per finding: each column is encoded once to JSON
fragments (``orjson.dumps`` of each value, NaN/NA as ``null``) and the rows are
joined with vectorised concatenation, :data:`BATCH` findings at a time, so
10^5 findings cost well under a second and memory stays at one batch of text.
The JSON document is ``{"summary": {…}, "findings": [{…}, …]}``, one finding a
line, with the columns of :data:`geo.checks.registry.FINDING_COLUMNS`.
"""

from __future__ import annotations

from typing import IO, Any, Final

import numpy as np
import pandas as pd

from geo.checks.registry import FINDING_COLUMNS

__all__ = ["BATCH", "json_rows", "write_csv", "write_json"]

BATCH: Final = 50_000


def _fragments(values: pd.Series) -> np.ndarray:
    """Each value of a column as JSON bytes (NaN and NA → null)."""
    import orjson

    if pd.api.types.is_integer_dtype(values.dtype) or str(values.dtype) == "Int64":
        na = values.isna().to_numpy()
        out = np.char.encode(values.fillna(0).to_numpy(dtype=np.int64).astype("U20"), "ascii").astype(object)
        out[na] = b"null"
        return out
    if pd.api.types.is_float_dtype(values.dtype):
        return np.fromiter(map(orjson.dumps, values.to_numpy(dtype=float).tolist()), dtype=object, count=len(values))
    items = values.astype(object).where(values.notna(), None).tolist()
    return np.fromiter(map(orjson.dumps, items), dtype=object, count=len(values))


def json_rows(findings: pd.DataFrame) -> bytes:
    """The findings as JSON objects, one a line, comma-separated (no enclosing brackets)."""
    if not len(findings):
        return b""
    row: Any = None
    for i, col in enumerate(FINDING_COLUMNS):
        key = ("{" if i == 0 else ",") + f'"{col}":'
        part = key.encode() + _fragments(findings[col])
        row = part if row is None else row + part
    return b",\n".join((row + b"}").tolist())


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
    frame = findings[list(FINDING_COLUMNS)]
    schema = pa.schema([("feature", pa.int64()), ("project_id", pa.string()), ("check", pa.string()),
                        ("severity", pa.string()), ("message", pa.string()), ("message_zh", pa.string()),
                        ("value", pa.float64())])
    with pacsv.CSVWriter(out, schema) as writer:
        for start in range(0, max(len(frame), 1), BATCH):
            part = frame.iloc[start:start + BATCH]
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))
