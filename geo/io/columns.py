"""Attribute names of a user's layer, made safe for the check, the workspace and the exports.

Every name the code gives a column of its own, in one list (:data:`RESERVED`):

- the layer we read: its index ``feature`` (the feature's number, in every
  finding), its geometry ``geometry``;
- the check (:mod:`geo.checks`): ``project_id``, ``match_by`` and
  ``measured_mu`` added to the layer (:func:`geo.checks.registry.run_checks`),
  ``checks`` and ``severity`` on the flagged features and the findings map
  (:mod:`geo.checks.report`), and ``_``-prefixed working columns (``_feature``
  on the Dask engine's partitions, ``_rank``, ``_o``);
- the workspace (:mod:`geo.store`: ``codec``, ``gpkg``, ``postgis``): ``fid``,
  ``geom``, ``feature`` and ``upload_id``, and it does not store ``_private``
  columns;
- the exports (:mod:`geo.io.writers_gis`, :mod:`geo.io.parquet`): GDAL's
  GeoPackage ``fid`` and ``geom``, the CSV's ``geometry_type`` and ``wkt``,
  GeoParquet's ``bbox`` covering column.

A user's attribute with one of these names would be overwritten, collide or
crash a writer, and names equal but for case (``FID``, ``Geometry``; ``Name``,
``NAME``) collide in SQLite, PostgreSQL's folded names and case-blind tools.
Such attributes are renamed on read, in the one place every read ends
(:func:`geo.io.files.read_file`, and the chunked reader) — ``feature`` →
``feature_src``, ``FID`` → ``FID_src``, ``_id`` → ``src_id``, the second ``NAME`` → ``NAME_2`` — and
the rename is said: a read warning (the CLI, the Check page, the HTML report)
and ``renamed`` in the check's summary (``--format json``). Findings keep the
feature's number in ``feature``; the user's values are under the new name.
The findings' own columns (``check``, ``message``, ``value`` …) are a table of
their own, never joined with the layer, so a user's ``check`` stays as it is.
A layer with more than :data:`MAX_COLUMNS` attributes is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import pandas as pd

from geo.errors import InputFileError, said

#: Names no layer we read may use as attributes: GDAL's and the store's id and geometry, our index, and the
#: columns the exports add (CSV ``geometry_type``/``wkt``, GeoParquet ``bbox``).
FILE_RESERVED: Final = ("fid", "geom", "geometry", "feature", "geometry_type", "wkt", "bbox")
#: And those the check, the findings map and the workspace add (compared case-insensitively): what a read
#: for checking renames. A conversion (``convert``) renames only :data:`FILE_RESERVED`.
#: An entry ending in ``*`` reserves a prefix: ``_*``, the check's working columns, which the store does not keep.
RESERVED: Final = (*FILE_RESERVED, "upload_id", "project_id", "match_by", "measured_mu", "checks", "severity", "_*")
#: What a name under a reserved prefix gets in front: ``_id`` → ``src_id``.
PRIVATE_PREFIX: Final = "src"
#: Most attribute columns a layer may have (a parcel layer has tens).
MAX_COLUMNS: Final = 2000
#: Where :func:`safe_names` leaves the renames it made, on the frame a reader returns.
RENAMED_ATTR: Final = "geo_renamed_columns"


def check_count(count: int, source: str, *, limit: int = MAX_COLUMNS) -> None:
    """Refuse a layer with more than ``limit`` attribute columns."""
    if count > limit:
        raise InputFileError(
            said("err.io.too_many_columns", count=count, limit=limit),
            source=source,
            fix=said("err.io.too_many_columns_fix"),
        )


def safe_names(names: Sequence[str], *, reserved: Iterable[str] = RESERVED) -> tuple[list[str], dict[str, str]]:
    """``names`` with those in ``reserved`` or repeated but for case renamed; and the renames (old → new).

    A reserved name gets ``_src`` (``fid_src``; ``fid_src2``… if taken), a name
    under a reserved prefix (``_*``) gets :data:`PRIVATE_PREFIX` (``_id`` →
    ``src_id``), a name equal but for case to an earlier one gets ``_2``, ``_3``…
    """
    reserved = tuple(reserved)
    prefixes = tuple(r[:-1].lower() for r in reserved if r.endswith("*"))
    taken = {r.lower() for r in reserved if not r.endswith("*")}
    reserved_lower = set(taken)
    out: list[str] = []
    renamed: dict[str, str] = {}
    for name in map(str, names):
        base = f"{PRIVATE_PREFIX}{name}" if prefixes and name.lower().startswith(prefixes) else name
        new, n = base, 1
        while new.lower() in taken:
            n += 1
            if name.lower() in reserved_lower:
                new = f"{name}_src" if n == 2 else f"{name}_src{n - 1}"
            else:
                new = f"{base}_{n}"
        taken.add(new.lower())
        out.append(new)
        if new != name:
            renamed[name] = new
    return out, renamed


def field_named(name: str | None, renamed: dict[str, str]) -> str | None:
    """The column a user means by ``name`` (``--name-field project_id``) once the layer's attributes are renamed."""
    return renamed.get(name, name) if name is not None else None


def safe_frame(
    frame: pd.DataFrame, source: str, *, reserved: Iterable[str] = RESERVED
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """``frame`` with its attributes renamed as :func:`safe_names` says, the renames, and a warning naming them.

    Renames a reader already made (in ``frame.attrs[RENAMED_ATTR]``, e.g. an
    attribute called ``geometry`` that GDAL's reader would overwrite) are named too.
    """
    geometry = frame.geometry.name if hasattr(frame, "geometry") and "geometry" in frame.columns else None
    attributes = [c for c in frame.columns if c != geometry]
    check_count(len(attributes), source)
    new, renamed = safe_names([str(c) for c in attributes], reserved=reserved)
    earlier: dict[str, str] = dict(frame.attrs.get(RENAMED_ATTR, {}))
    if renamed:
        frame = frame.rename(columns=dict(zip(attributes, new, strict=True)))
    order = {str(c): i for i, c in enumerate(frame.columns)}
    everything = dict(sorted({**earlier, **renamed}.items(), key=lambda kv: order.get(kv[1], len(order))))
    return frame, everything, renamed_warning(source, everything)


def renamed_warning(source: str, renamed: dict[str, str]) -> list[str]:
    """The read warning naming the attributes renamed (none when nothing was)."""
    if not renamed:
        return []
    shown = ", ".join(f"{old} → {to}" for old, to in renamed.items())
    return [said("warn.io.renamed", source=source, shown=shown)]
