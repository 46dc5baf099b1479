"""Column schemas of the plan's layers, and their validation.

A schema maps column name to a pandas dtype. Validation collects every
problem in a file (missing columns, bad values) before failing once, so a
maintainer editing ``data/`` sees them all.
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Final, Literal

import pandas as pd

from geo.errors import DataError, Said, said

#: The built-in plan package (the default; :func:`geo.plan.current.plan_dir` says which one is in use).
DATA_DIR: Final = Path(__file__).resolve().parents[1] / "data"


def _joined(problems: list[Said]) -> Said:
    """``problems`` as one line: ``first; second; …`` (``；`` in Chinese)."""
    line = problems[0]
    for problem in problems[1:]:
        line = said("err.layers.and_then", first=line, then=problem)
    return line


#: The pandas dtypes a schema's column can have.
ColumnType = Literal["string", "Int64", "Float64"]
#: Column name → dtype.
Schema = dict[str, ColumnType]

PLAN: Final[Schema] = {"title_zh": "string", "title_en": "string", "period": "string", "source": "string"}
TRACKS: Final[Schema] = {
    "track_id": "string", "name_zh": "string", "name_en": "string",
    "table": "string", "color": "string", "section": "string",
}
PROJECTS: Final[Schema] = {
    "project_id": "string", "table": "Int64", "row": "Int64", "track_id": "string",
    "name_zh": "string", "name_en": "string", "region_zh": "string", "function_zh": "string",
    "declared_mu": "Float64", "area_note": "string", "output_yi": "Float64", "zone_id": "string",
    "zone_basis": "string", "zone_carrier_zh": "string", "anchor_zh": "string", "line": "Int64", "source": "string",
}
#: How a project is put in a spatial unit (data/README.md, "Zone rule").
ZONE_BASES: Final = ("stated", "inferred", "none")
TARGETS: Final[Schema] = {
    "target_id": "string", "scope": "string", "key": "string", "metric": "string", "name_zh": "string",
    "name_en": "string", "component": "string", "value": "Float64", "value_max": "Float64", "unit": "string",
    "comparator": "string", "year": "string", "section": "string", "line": "Int64", "quote": "string",
}
BASELINES: Final[Schema] = {
    "baseline_id": "string", "scope": "string", "key": "string", "metric": "string", "name_zh": "string",
    "name_en": "string", "value": "Float64", "unit": "string", "comparator": "string", "as_of_zh": "string",
    "as_of_en": "string", "area_zh": "string", "area_en": "string", "target_id": "string", "section": "string",
    "line": "Int64", "quote": "string",
}
#: The eight 重点行动 of section 四 (``actions.csv``): heading as printed, its section and line.
ACTIONS: Final[Schema] = {
    "action_id": "string", "name_zh": "string", "name_en": "string", "section": "string", "line": "Int64",
    "quote": "string",
}
ZONE_PLACES: Final[Schema] = {
    "place_zh": "string", "place_en": "string", "zone_id": "string", "zone_place_zh": "string",
    "relation": "string", "reason_zh": "string", "reason_en": "string", "source_zh": "string", "source_en": "string",
}
#: How a place relates to the place a spatial unit's text names.
PLACE_RELATIONS: Final = ("same", "part_of", "contains", "none")
GLOSSARY: Final[Schema] = {
    "key": "string", "zh": "string", "en": "string", "definition_zh": "string", "definition_en": "string",
}
ZONES: Final[Schema] = {
    "zone_id": "string", "name_zh": "string", "name_en": "string", "color": "string", "kind": "string",
    "structure_zh": "string", "focus_tracks": "string", "anchors_zh": "string",
    "description_zh": "string", "source": "string", "places_zh": "string", "carriers_zh": "string",
    "carriers_en": "string",
    "line": "Int64",
}
PLACES: Final[Schema] = {
    "name_zh": "string", "name_en": "string", "aliases_zh": "string", "kind": "string", "lon_wgs84": "Float64",
    "lat_wgs84": "Float64", "district": "string", "source": "string",
    "confidence": "string", "note": "string",
}
#: Attributes every parcel feature carries besides the project's columns.
PARCEL_EXTRA: Final[Schema] = {"geometry_basis": "string", "measured_mu": "Float64"}


def read_csv(path: Path, schema: Schema) -> pd.DataFrame:
    """Read a UTF-8 CSV of ours and cast it to ``schema``.

    Raises
    ------
    DataError
        Listing every missing column and every value that cannot be cast.
    """
    if not path.exists():
        raise DataError(said("err.layers.file_missing"), source=str(path), fix=said("err.layers.restore_fix"))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return cast(frame, schema, source=str(path))


def cast(frame: pd.DataFrame, schema: Schema, *, source: str) -> pd.DataFrame:
    """Cast ``frame``'s columns to ``schema``; empty strings become missing (NA)."""
    problems = [said("err.layers.missing_column", column=c) for c in schema if c not in frame.columns]
    out = frame.copy()
    for col, dtype in schema.items():
        if col not in out.columns:
            continue
        values = out[col].astype("string").str.strip().replace({"": pd.NA})
        if dtype == "string":
            out[col] = values
            continue
        numeric = pd.to_numeric(values, errors="coerce")
        bad = values.notna() & numeric.isna()
        # typing.cast: the frames read here have a RangeIndex (row 0 is the file's line 2).
        problems += [said("err.layers.not_a_number", column=col, row=typing.cast(int, i) + 2, value=v)
                     for i, v in values[bad].items()]
        out[col] = numeric.round().astype(dtype) if dtype == "Int64" else numeric.astype(dtype)
    if problems:
        raise DataError(_joined(problems), source=source, fix=said("err.layers.correct_fix"))
    return out[list(schema) + [c for c in out.columns if c not in schema]]


def check_values(frame: pd.DataFrame, column: str, allowed: tuple[str, ...], *, source: str) -> None:
    """Raise :class:`DataError` if ``column`` holds values outside ``allowed`` (NA allowed)."""
    bad = sorted(set(frame[column].dropna()) - set(allowed))
    if bad:
        raise DataError(said("err.layers.unknown_values", column=column, bad=bad), source=source,
                        fix=said("err.layers.use_one_of_fix", allowed=list(allowed)))
