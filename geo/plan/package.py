"""Plan packages: a plan as a folder of data, loaded and validated.

A plan package is a folder holding a ``datapackage.json`` (a Frictionless Data
Package descriptor: one resource per file, a Table Schema per CSV with field
types, required fields, closed sets of values, primary and foreign keys) and the
files it names: ``plan/*.csv`` (the plan's tables), ``context/`` (gazetteer,
metro, districts) and ``parcels/`` (geometry). The descriptor's custom property
``geo:plan`` holds what one plan says besides its tables: its id, titles,
period, the name of its spatial structure, its local Gauss–Krüger CRS, the map's
centre and zoom, the words of the footnote on outputs, how its tables number
rows, and which rows count as usable land. ``data/`` is the default package.

- :func:`load_package` reads a package into a :class:`PlanPackage` (the
  descriptor and every table as a typed DataFrame) or raises
  :class:`PackageError` when it cannot be read at all;
- :func:`validate_package` collects every problem (a :class:`Problem`: file,
  row, field, what is wrong, how to fix it): Frictionless's checks of the
  descriptor and the tables, then ours (coordinates inside China, an EPSG code
  pyproj knows, a format version this program reads, anchors in the gazetteer,
  the descriptor agreeing with ``plan.csv``).

Rows are numbered as a spreadsheet shows the CSV: the header is row 1, the
first data row row 2 (a cell holding a line break does not shift the count).
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import pandas as pd

from geo.errors import DataError, Said, said, say
from geo.io.crsguess import CHINA_BOUNDS

#: The newest ``geo:plan.format_version`` this program reads.
FORMAT_VERSION: Final = 1
#: The descriptor's file name inside a package folder.
DESCRIPTOR: Final = "datapackage.json"
#: The descriptor's custom property holding the plan's metadata.
PLAN_KEY: Final = "geo:plan"
#: Keys ``geo:plan`` must have (what the engine will read instead of its constants).
PLAN_KEYS: Final = ("format_version", "id", "title_zh", "title_en", "period", "structure", "crs", "map",
                    "footnote", "tables", "usable_land")
#: Table Schema field type → pandas dtype of the loaded column.
DTYPES: Final[dict[str, str]] = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
#: The field types of Table Schema (those not in :data:`DTYPES` are loaded as text).
FIELD_TYPES: Final = frozenset({"string", "number", "integer", "boolean", "object", "array", "date", "time",
                                "datetime", "year", "yearmonth", "duration", "geopoint", "geojson", "any"})
#: The same types in words, for messages (catalogue words: English as a ``str``).
TYPE_WORDS: Final[dict[str, str]] = {kind: said(f"prob.package.type_{kind}")
                                     for kind in ("integer", "number", "boolean", "string", "date", "year")}
#: A bad cell's words by its field's type (:data:`TYPE_WORDS` in the catalogue).
_CELL_NOT: Final[dict[str, str]] = {"integer": "err.package.cell_integer", "number": "err.package.cell_number",
                                    "boolean": "err.package.cell_boolean", "string": "err.package.cell_string",
                                    "date": "err.package.cell_date", "year": "err.package.cell_year"}


class PackageError(DataError):
    """A plan package cannot be read at all: no folder or descriptor, bad JSON, a newer format, a table unreadable."""


@dataclass(frozen=True)
class Problem:
    """One problem of a package: where (file, row, field), what is wrong, and how to fix it.

    ``file`` is relative to the package folder; ``row`` the CSV row (header = 1) or, for a GeoJSON, the
    feature's number (1 = first); ``field`` a column or a key of the descriptor (``geo:plan.crs.local_epsg``).
    """

    file: str
    row: int | None
    field: str | None
    message: str
    fix: str

    def line(self, folder: str | Path | None = None, lang: str = "en") -> str:
        """``plan/projects.csv, row 5, field declared_mu: 'abc' is not a number. Write a number …``.

        With ``folder`` the file is named inside it (``data/plan/projects.csv``); in ``lang`` where the problem
        is catalogue words (:class:`~geo.errors.Said`; English, as logs and scripts read it, by default).
        """
        from geo.i18n import t

        file = str(Path(folder) / self.file) if folder is not None else say(self.file, lang)
        where = t("prob.package.where_sep", lang).join(
            [file] + ([t("prob.package.row", lang, row=self.row)] if self.row is not None else [])
            + ([t("prob.package.field", lang, field=self.field)] if self.field else []))
        message = say(self.message, lang).rstrip("。. ")
        return t("prob.package.line", lang, where=where, message=message, fix=say(self.fix, lang)).rstrip()

    def as_dict(self) -> dict[str, object]:
        """The problem as a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class PlanPackage:
    """A loaded plan package: its folder, descriptor and tables (resource name → typed DataFrame).

    Missing cells (the plan's "——") are ``<NA>``, never 0 or "".
    """

    path: Path
    descriptor: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def meta(self) -> dict[str, Any]:
        """The plan's metadata: the descriptor's ``geo:plan`` object."""
        return dict(self.descriptor.get(PLAN_KEY) or {})

    def table(self, name: str) -> pd.DataFrame:
        """The table of resource ``name`` (a copy); :class:`PackageError` if the package has none."""
        if name not in self.tables:
            raise PackageError(said("err.package.no_table", name=name), source=str(self.path / DESCRIPTOR),
                               fix=said("err.package.describe_resource_fix", name=name, descriptor=DESCRIPTOR))
        return self.tables[name].copy()

    def resource(self, name: str) -> dict[str, Any]:
        """The descriptor of resource ``name``."""
        for res in resources(self.descriptor):
            if res.get("name") == name:
                return res
        raise PackageError(said("err.package.no_resource", name=name), source=str(self.path / DESCRIPTOR),
                           fix=said("err.package.describe_resource_fix", name=name, descriptor=DESCRIPTOR))


# --- reading ---------------------------------------------------------------------------------------------------


def package_dir(path: str | Path) -> Path:
    """The package folder of ``path`` (a folder, or its ``datapackage.json``); :class:`PackageError` if none."""
    p = Path(path)
    folder = p.parent if p.name == DESCRIPTOR and p.is_file() else p
    if not folder.is_dir():
        raise PackageError(said("err.package.not_folder"), source=str(path),
                           fix=said("err.package.not_folder_fix", descriptor=DESCRIPTOR))
    return folder


def read_descriptor(folder: Path) -> dict[str, Any]:
    """The parsed ``datapackage.json`` of ``folder``; :class:`PackageError` if missing or not a JSON object."""
    path = folder / DESCRIPTOR
    if not path.is_file():
        raise PackageError(said("err.package.no_descriptor", descriptor=DESCRIPTOR), source=str(folder),
                           fix=said("err.package.no_descriptor_fix", descriptor=DESCRIPTOR))
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(said("err.package.bad_json", error=str(exc)), source=str(path),
                           fix=said("err.package.bad_json_fix")) from exc
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise PackageError(said("err.package.not_descriptor"), source=str(path),
                           fix=said("err.package.not_descriptor_fix", descriptor=DESCRIPTOR))
    return descriptor


def package_id(folder: str | Path) -> str:
    """The plan's id (``geo:plan.id``) of the package in ``folder``: what the workspace files its records under.

    Read once per folder; :class:`PackageError` if the descriptor has no id.
    """
    return _package_id(str(Path(folder).resolve()))


@lru_cache(maxsize=16)
def _package_id(folder: str) -> str:
    value = (read_descriptor(package_dir(folder)).get(PLAN_KEY) or {}).get("id")
    if not isinstance(value, str) or not value.strip():
        raise PackageError(said("err.package.no_id", plan_key=PLAN_KEY), source=str(Path(folder) / DESCRIPTOR),
                           fix=said("err.package.no_id_fix", plan_key=PLAN_KEY, descriptor=DESCRIPTOR))
    return value.strip()


def plan_id_in_use() -> str:
    """The id of the plan in use (:func:`geo.plan.current.plan_dir`'s package)."""
    from geo.plan.current import plan_dir

    return package_id(plan_dir())


def builtin_plan_id() -> str:
    """The id of the built-in plan (``data/``): what records from before plans had ids belong to."""
    from geo.plan.current import DEFAULT_DIR

    return package_id(DEFAULT_DIR)


def resources(descriptor: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The descriptor's resources (dicts only)."""
    return [r for r in descriptor.get("resources") or [] if isinstance(r, dict)]


def tabular(descriptor: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The resources with a Table Schema (the CSVs)."""
    return [r for r in resources(descriptor) if isinstance(r.get("schema"), dict)]


def schema_fields(res: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The fields of a resource's Table Schema."""
    return [f for f in (res.get("schema") or {}).get("fields") or [] if isinstance(f, dict)]


def _format_version(descriptor: Mapping[str, Any]) -> object:
    """``geo:plan.format_version`` as written (None if there is no ``geo:plan`` object)."""
    meta = descriptor.get(PLAN_KEY)
    return meta.get("format_version") if isinstance(meta, dict) else None


def _outside(rel: str) -> bool:
    """Whether a resource path leaves the package folder (absolute, or through ``..``): never read."""
    return Path(rel).is_absolute() or ".." in Path(rel).parts


def _is_newer(version: object) -> bool:
    """Whether ``version`` is a format version newer than :data:`FORMAT_VERSION`."""
    return isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION


def _newer_format(version: object) -> Problem | None:
    """The problem of a ``format_version`` this program does not read (newer, or not a version), or None."""
    if _is_newer(version):
        return Problem(DESCRIPTOR, None, f"{PLAN_KEY}.format_version",
                       said("prob.package.newer", version=version, max=FORMAT_VERSION),
                       said("prob.package.newer_fix", max=FORMAT_VERSION))
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return Problem(DESCRIPTOR, None, f"{PLAN_KEY}.format_version",
                       said("prob.package.bad_version", version=version),
                       said("prob.package.bad_version_fix", max=FORMAT_VERSION, key=PLAN_KEY))
    return None


def _read_raw(path: Path) -> pd.DataFrame:
    """A CSV as text cells (empty cells as ""), header kept as written."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _cast(frame: pd.DataFrame, fields: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[tuple[int, str, str]]]:
    """``frame`` cast to the schema's types; bad cells become NA and are returned as (row, field, value).

    Empty cells (the plan's "——") are NA. Columns the schema does not name are kept as text.
    """
    out = frame.copy()
    bad: list[tuple[int, str, str]] = []
    for spec in fields:
        name, kind = str(spec.get("name")), str(spec.get("type", "string"))
        if name not in out.columns:
            continue
        values = out[name].astype("string").str.strip().replace({"": pd.NA})
        if kind in ("integer", "number"):
            numeric = pd.to_numeric(values, errors="coerce")
            wrong = values.notna() & (numeric.isna() | ((numeric % 1 != 0) if kind == "integer" else False))
            bad += [(int(i) + 2, name, str(v)) for i, v in values[wrong].items()]  # type: ignore[call-overload]
            numeric = numeric.where(~wrong)
            out[name] = numeric.astype("Int64") if kind == "integer" else numeric.astype("Float64")
        elif kind == "boolean":
            lowered = values.str.lower()
            mapped = lowered.map({"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False})
            wrong = values.notna() & mapped.isna()
            bad += [(int(i) + 2, name, str(v)) for i, v in values[wrong].items()]  # type: ignore[call-overload]
            out[name] = mapped.astype("boolean")
        else:
            out[name] = values
    return out, bad


def load_package(path: str | Path) -> PlanPackage:
    """Read the plan package at ``path``: its descriptor and every CSV of it as a typed DataFrame.

    Strict, so that the engine never works on half a plan: a missing file, a header that is not the schema's,
    a cell that is not of its field's type or a newer format raises :class:`PackageError` naming the first
    problem (``python -m geo plan validate`` lists them all).
    """
    folder = package_dir(path)
    descriptor = read_descriptor(folder)
    problem = _newer_format(_format_version(descriptor))
    if problem is not None:
        raise PackageError(problem.message, source=str(folder / problem.file), fix=problem.fix)
    fix = said("err.package.validate_fix", path=folder)
    for res in resources(descriptor):
        external = [k for k in ("schema", "dialect") if k in res and not isinstance(res[k], dict)]
        if external:
            raise PackageError(said("err.package.external_ref", name=res.get("name"), part=external[0]),
                               source=str(folder / DESCRIPTOR), fix=fix)
    tables: dict[str, pd.DataFrame] = {}
    for res in tabular(descriptor):
        name, rel = str(res.get("name")), str(res.get("path"))
        file = folder / rel
        if _outside(rel):
            raise PackageError(said("err.package.path_outside", name=name, path=rel),
                               source=str(folder / DESCRIPTOR), fix=fix)
        if not file.is_file():
            raise PackageError(said("err.package.file_missing"), source=str(file), fix=fix)
        try:
            raw = _read_raw(file)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise PackageError(said("err.package.bad_csv", error=str(exc).splitlines()[0]), source=str(file),
                               fix=fix) from exc
        fields = schema_fields(res)
        unknown = [f"{f.get('name')}: {f.get('type')!r}" for f in fields if f.get("type", "string") not in FIELD_TYPES]
        if unknown:
            raise PackageError(said("err.package.unknown_types", name=name, types=", ".join(unknown)),
                               source=str(folder / DESCRIPTOR), fix=fix)
        expected = [str(f.get("name")) for f in fields]
        if list(raw.columns) != expected:
            missing = [c for c in expected if c not in raw.columns]
            extra = [c for c in raw.columns if c not in expected]
            what = ("err.package.columns_missing_extra" if missing and extra else "err.package.columns_missing"
                    if missing else "err.package.columns_extra" if extra else "err.package.columns_order")
            raise PackageError(said(what, missing=missing, extra=extra), source=str(file), fix=fix)
        typed, bad = _cast(raw, fields)
        if bad:
            row, col, value = bad[0]
            want = _CELL_NOT.get(_type(fields, col), "err.package.cell_valid")
            raise PackageError(said(want, row=row, field=col, value=value), source=str(file), fix=fix)
        tables[name] = typed
    return PlanPackage(path=folder, descriptor=descriptor, tables=tables)


def _type(fields: Iterable[Mapping[str, Any]], name: str) -> str:
    return next((str(f.get("type", "string")) for f in fields if f.get("name") == name), "string")


# --- validation --------------------------------------------------------------------------------------------------


def validate_package(path: str | Path) -> list[Problem]:
    """Every problem of the package at ``path`` (the descriptor's first, then table by table); [] when valid.

    A folder that does not exist raises :class:`PackageError`; everything else, also a missing or broken
    descriptor, is a :class:`Problem`. A package of a newer format version gives that one problem only (its
    other files may follow rules this program does not know).
    """
    folder = package_dir(path)
    if not (folder / DESCRIPTOR).is_file():
        return [Problem(DESCRIPTOR, None, None, said("prob.package.file_missing"),
                        said("prob.package.no_descriptor_fix", descriptor=DESCRIPTOR))]
    try:
        descriptor = read_descriptor(folder)
    except PackageError as exc:
        return [Problem(DESCRIPTOR, None, None, _words(exc.said, exc.problem), _words(exc.said_fix, exc.fix or ""))]
    version = _format_version(descriptor)
    version_problem = _newer_format(version)
    if version_problem is not None and _is_newer(version):
        return [version_problem]
    problems: list[Problem] = [version_problem] if version_problem is not None else []
    problems += _check_meta(descriptor)
    present, missing = _present_resources(folder, descriptor)
    problems += missing
    problems += _frictionless_problems(folder, descriptor, present)
    frames = _lenient_tables(folder, descriptor, present)
    problems += _check_places(frames, descriptor)
    problems += _check_gazetteer(frames, descriptor)
    problems += _check_plan_row(frames, descriptor)
    problems += _check_geojson(folder, descriptor, present)
    return problems


def _words(words: Said | None, english: str) -> str:
    """An error's catalogue words where they are its English ``english`` (else that English, as it is)."""
    return words if words is not None and str(words) == english else english


def _present_resources(folder: Path, descriptor: Mapping[str, Any]) -> tuple[set[str], list[Problem]]:
    """Names of the resources whose file exists; a problem for each that is missing (or unsafe)."""
    present: set[str] = set()
    problems = []
    for res in resources(descriptor):
        name, rel = str(res.get("name")), res.get("path")
        if not isinstance(rel, str) or not rel:
            problems.append(Problem(DESCRIPTOR, None, f"resources.{name}.path", said("prob.package.no_path"),
                                    said("prob.package.no_path_fix")))
            continue
        if _outside(rel):
            problems.append(Problem(DESCRIPTOR, None, f"resources.{name}.path",
                                    said("prob.package.outside", path=rel), said("prob.package.outside_fix")))
            continue
        external = [k for k in ("schema", "dialect") if k in res and not isinstance(res[k], dict)]
        if external:
            problems.append(Problem(DESCRIPTOR, None, f"resources.{name}.{external[0]}",
                                    said("prob.package.external", part=external[0], ref=res[external[0]]),
                                    said("prob.package.external_fix", part=external[0], descriptor=DESCRIPTOR)))
            continue
        if not (folder / rel).is_file():
            problems.append(Problem(rel, None, None, said("prob.package.file_missing"),
                                    said("prob.package.restore_fix", name=name, descriptor=DESCRIPTOR)))
            continue
        present.add(name)
    return present, problems


def _frictionless_problems(folder: Path, descriptor: Mapping[str, Any], present: set[str]) -> list[Problem]:
    """Frictionless's checks of the descriptor and of every table whose file (and referenced files) exist."""
    import frictionless

    checked = copy.deepcopy(dict(descriptor))
    checked["resources"] = [r for r in copy.deepcopy(resources(descriptor)) if r.get("name") in present]
    for node in (checked, *checked["resources"]):  # validated against the built-in profiles: never fetch one
        node.pop("$schema", None)
        node.pop("profile", None)
    for res in checked["resources"]:
        schema = res.get("schema")
        if isinstance(schema, dict) and isinstance(schema.get("foreignKeys"), list):
            schema["foreignKeys"] = [fk for fk in schema["foreignKeys"] if not isinstance(fk, dict)
                                     or (fk.get("reference") or {}).get("resource", "") in present | {""}]
    schemas = {str(r.get("name")): r for r in checked["resources"]}
    try:
        report = frictionless.validate(checked, basepath=str(folder))
    except frictionless.FrictionlessException as exc:
        return [Problem(DESCRIPTOR, None, None, said("prob.package.descriptor_invalid", error=exc.error.message),
                        said("prob.package.descriptor_invalid_fix"))]
    problems = [Problem(DESCRIPTOR, None, None, said("prob.package.descriptor_invalid", error=e.message),
                        said("prob.package.descriptor_invalid_fix"))
                for e in report.errors]
    for task in report.tasks:
        res = schemas.get(str(task.name), {})
        file = str(res.get("path") or task.place)
        problems += [_translate(e, file, res, folder) for e in task.errors]
    return problems


def _translate(error: Any, file: str, res: Mapping[str, Any], folder: Path) -> Problem:
    """One Frictionless error as our :class:`Problem`: its row and field, the problem in words, a fix."""
    kind = str(error.type)
    row = getattr(error, "row_number", None)
    name = getattr(error, "field_name", None)
    fields = schema_fields(res)
    spec = next((f for f in fields if f.get("name") == name), {})
    cell = getattr(error, "cell", None)
    note = str(getattr(error, "note", "") or "")
    if kind == "type-error":
        want = TYPE_WORDS.get(str(spec.get("type", "")), str(spec.get("type", "")))
        bad = (said("prob.package.cell_not_unit", cell=cell, want=want, unit=spec["geo:unit"]) if spec.get("geo:unit")
               else said("prob.package.cell_not", cell=cell, want=want))
        return Problem(file, row, name, bad, said("prob.package.cell_not_fix", want=want))
    if kind == "constraint-error":
        if note.startswith('constraint "required"'):
            return Problem(file, row, name, said("prob.package.required"), said("prob.package.required_fix"))
        if note.startswith('constraint "enum"'):
            allowed = (spec.get("constraints") or {}).get("enum") or []
            return Problem(file, row, name, said("prob.package.enum", cell=cell),
                           said("prob.package.enum_fix", allowed=", ".join(map(str, allowed))))
        return Problem(file, row, name, said("prob.package.constraint", cell=cell, note=note),
                       said("prob.package.constraint_fix"))
    if kind == "primary-key":
        keys = list((res.get("schema") or {}).get("primaryKey") or [])
        value = _cells_of(error, fields, keys)
        first = re.search(r"position \"?(\d+)", note)
        twice = (said("prob.package.twice_row", keys=", ".join(keys), value=value, first=first.group(1)) if first
                 else said("prob.package.twice", keys=", ".join(keys), value=value))
        return Problem(file, row, ",".join(keys), twice, said("prob.package.twice_fix", keys=", ".join(keys)))
    if kind == "foreign-key":
        own = [str(n) for n in getattr(error, "field_names", []) or []]
        ref_res = str(getattr(error, "reference_name", "") or "")
        ref_fields = [str(n) for n in getattr(error, "reference_field_names", []) or []]
        values = [str(c) for c in getattr(error, "field_cells", []) or []]
        ref_file = _resource_path(ref_res, folder)
        defined = _defined(folder / ref_file, ref_fields[0]) if len(ref_fields) == 1 else []
        shown = ", ".join(defined[:12]) + (", …" if len(defined) > 12 else "")
        return Problem(file, row, ",".join(own),
                       said("prob.package.undefined", own=", ".join(own), values=" ".join(repr(v) for v in values),
                            ref_file=ref_file, ref_fields=", ".join(ref_fields)),
                       said("prob.package.undefined_fix_shown", ref_file=ref_file, shown=shown) if shown
                       else said("prob.package.undefined_fix", ref_file=ref_file))
    if kind == "incorrect-label":
        return Problem(file, 1, name, said("prob.package.label_wrong", label=getattr(error, "label", ""), name=name),
                       said("prob.package.label_wrong_fix", name=name, descriptor=DESCRIPTOR))
    if kind == "missing-label":
        return Problem(file, 1, name, said("prob.package.column_missing"),
                       said("prob.package.column_missing_fix", name=name))
    if kind == "extra-label":
        return Problem(file, 1, getattr(error, "label", None) or name, said("prob.package.column_extra"),
                       said("prob.package.column_extra_fix", descriptor=DESCRIPTOR))
    # the library's own words (its title and note) as values
    return Problem(file, row, name, said("prob.package.other", title=error.title, note=note or error.message),
                   said("prob.package.other_fix"))


def _cells_of(error: Any, fields: list[dict[str, Any]], keys: list[str]) -> str:
    """The values of ``keys`` in the row of a row error (Frictionless gives the row's cells by position)."""
    cells = list(getattr(error, "cells", []) or [])
    names = [str(f.get("name")) for f in fields]
    vals = [cells[names.index(k)] for k in keys if k in names and names.index(k) < len(cells)]
    return " ".join(repr(v) for v in vals)


def _defined(path: Path, column: str) -> list[str]:
    """The values of ``column`` in the CSV at ``path`` (what a foreign key may refer to); [] if unreadable."""
    try:
        values = _read_raw(path)[column]
    except (OSError, KeyError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return []
    return [str(v) for v in dict.fromkeys(values) if str(v)]


def _resource_path(name: str, folder: Path) -> str:
    """The file of resource ``name`` (via the package's descriptor), else the name itself."""
    try:
        descriptor = read_descriptor(folder)
    except PackageError:
        return name
    return next((str(r.get("path")) for r in resources(descriptor) if r.get("name") == name), name)


def _lenient_tables(folder: Path, descriptor: Mapping[str, Any], present: set[str]) -> dict[str, pd.DataFrame]:
    """The tables that can be read, typed as far as their cells allow (bad cells NA: Frictionless reports them)."""
    frames: dict[str, pd.DataFrame] = {}
    for res in tabular(descriptor):
        name = str(res.get("name"))
        if name not in present:
            continue
        try:
            raw = _read_raw(folder / str(res.get("path")))
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
            continue
        frames[name], _ = _cast(raw, schema_fields(res))
    return frames


def _path_of(descriptor: Mapping[str, Any], name: str) -> str:
    return next((str(r.get("path")) for r in resources(descriptor) if r.get("name") == name), name)


def _inside_china(lon: float, lat: float) -> bool:
    minx, miny, maxx, maxy = CHINA_BOUNDS
    return minx <= lon <= maxx and miny <= lat <= maxy


_FIX_COORDS: Final = said("prob.package.coords_fix")


def _check_meta(descriptor: Mapping[str, Any]) -> list[Problem]:
    """The ``geo:plan`` object: its keys, the period, the local EPSG code pyproj must know, a map centre in China."""
    meta = descriptor.get(PLAN_KEY)
    if not isinstance(meta, dict):
        return [Problem(DESCRIPTOR, None, PLAN_KEY, said("prob.package.no_meta", key=PLAN_KEY),
                        said("prob.package.no_meta_fix", keys=", ".join(PLAN_KEYS), descriptor=DESCRIPTOR))]
    problems = [Problem(DESCRIPTOR, None, f"{PLAN_KEY}.{k}", said("prob.package.key_missing"),
                        said("prob.package.key_missing_fix", key=k, descriptor=DESCRIPTOR))
                for k in PLAN_KEYS if k not in meta]
    period = meta.get("period")
    if "period" in meta and not (isinstance(period, dict) and all(isinstance(period.get(k), int) for k in
                                                                   ("start", "end"))
                                 and period["start"] <= period["end"]):
        problems.append(Problem(DESCRIPTOR, None, f"{PLAN_KEY}.period", said("prob.package.period", period=period),
                                said("prob.package.period_fix")))
    crs = meta.get("crs")
    if isinstance(crs, dict):
        for key in ("local_epsg", "local_zoned_epsg"):
            if key in crs or key == "local_epsg":
                problem = _check_epsg(crs.get(key), f"{PLAN_KEY}.crs.{key}")
                if problem is not None:
                    problems.append(problem)
    elif "crs" in meta:
        problems.append(Problem(DESCRIPTOR, None, f"{PLAN_KEY}.crs", said("prob.package.not_object"),
                                said("prob.package.crs_fix")))
    view = meta.get("map")
    if isinstance(view, dict):
        for key in ("centre", "area_centre"):
            point = view.get(key)
            if point is None and key == "area_centre":
                continue
            lon, lat = (point.get("lon"), point.get("lat")) if isinstance(point, dict) else (None, None)
            if not (isinstance(lon, int | float) and isinstance(lat, int | float)):
                problems.append(Problem(DESCRIPTOR, None, f"{PLAN_KEY}.map.{key}", said("prob.package.not_point",
                                                                                          point=point),
                                        said("prob.package.point_fix")))
            elif not _inside_china(float(lon), float(lat)):
                problems.append(Problem(DESCRIPTOR, None, f"{PLAN_KEY}.map.{key}",
                                        said("prob.package.outside_china", lon=lon, lat=lat), _FIX_COORDS))
        zoom = view.get("zoom")
        if not (isinstance(zoom, int) and not isinstance(zoom, bool) and 1 <= zoom <= 19):
            problems.append(Problem(DESCRIPTOR, None, f"{PLAN_KEY}.map.zoom", said("prob.package.zoom", zoom=zoom),
                                    said("prob.package.zoom_fix")))
    return problems


def _check_epsg(code: object, where: str) -> Problem | None:
    """The problem of an EPSG code pyproj does not know, or that is not a projected CRS; else None."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    fix = said("prob.package.epsg_fix")
    if not isinstance(code, int) or isinstance(code, bool):
        return Problem(DESCRIPTOR, None, where, said("prob.package.epsg_not_code", code=code), fix)
    try:
        crs = CRS.from_epsg(code)
    except PyprojCRSError:
        return Problem(DESCRIPTOR, None, where, said("prob.package.epsg_unknown", code=code), fix)
    if not crs.is_projected:
        return Problem(DESCRIPTOR, None, where, said("prob.package.epsg_not_projected", code=code, name=crs.name), fix)
    return None


def _check_places(frames: Mapping[str, pd.DataFrame], descriptor: Mapping[str, Any]) -> list[Problem]:
    """Each located place of the gazetteer lies inside China (lon/lat swapped or a lost digit shows here)."""
    places = frames.get("places")
    if places is None or not {"lon_wgs84", "lat_wgs84"} <= set(places.columns):
        return []
    file = _path_of(descriptor, "places")
    problems = []
    lon = pd.to_numeric(places["lon_wgs84"], errors="coerce").astype(float).tolist()
    lat = pd.to_numeric(places["lat_wgs84"], errors="coerce").astype(float).tolist()
    for n, (x, y) in enumerate(zip(lon, lat, strict=True)):
        if math.isnan(x) and math.isnan(y):
            continue
        row = n + 2
        if math.isnan(x) or math.isnan(y):
            problems.append(Problem(file, row, "lat_wgs84" if math.isnan(y) else "lon_wgs84",
                                    said("prob.package.one_coordinate"), said("prob.package.one_coordinate_fix")))
        elif not _inside_china(x, y):
            col = "lon_wgs84" if not CHINA_BOUNDS[0] <= x <= CHINA_BOUNDS[2] else "lat_wgs84"
            problems.append(Problem(file, row, col, said("prob.package.outside_china", lon=f"{x:g}", lat=f"{y:g}"),
                                    _FIX_COORDS))
    return problems


def _check_gazetteer(frames: Mapping[str, pd.DataFrame], descriptor: Mapping[str, Any]) -> list[Problem]:
    """If the package has a gazetteer (``places``), every project's anchor and every unit's anchors are in it."""
    places = frames.get("places")
    if places is None or "name_zh" not in places.columns:
        return []
    known = set(places["name_zh"].dropna().astype(str))
    gazetteer = _path_of(descriptor, "places")
    problems = []
    checks = (("projects", "anchor_zh", False), ("zones", "anchors_zh", True))
    for name, col, several in checks:
        frame = frames.get(name)
        if frame is None or col not in frame.columns:
            continue
        for i, value in frame[col].items():
            if pd.isna(value):
                continue
            names = [v.strip() for v in str(value).split(";")] if several else [str(value).strip()]
            for place in (n for n in names if n and n not in known):
                problems.append(Problem(_path_of(descriptor, name), int(i) + 2, col,  # type: ignore[call-overload]
                                        said("prob.package.no_place", place=place, gazetteer=gazetteer),
                                        said("prob.package.no_place_fix", gazetteer=gazetteer)))
    return problems


def _check_plan_row(frames: Mapping[str, pd.DataFrame], descriptor: Mapping[str, Any]) -> list[Problem]:
    """``plan.csv`` has one row, and its titles and period are the descriptor's."""
    plan = frames.get("plan")
    meta = descriptor.get(PLAN_KEY)
    if plan is None or not isinstance(meta, dict):
        return []
    file = _path_of(descriptor, "plan")
    if len(plan) != 1:
        return [Problem(file, None, None, said("prob.package.plan_rows", n=len(plan)),
                        said("prob.package.plan_rows_fix"))]
    problems = []
    row = plan.iloc[0]
    for col in ("title_zh", "title_en"):
        if col in plan.columns and col in meta and str(row[col]) != str(meta[col]):
            problems.append(Problem(file, 2, col, said("prob.package.title_differs", value=row[col], key=PLAN_KEY,
                                                       col=col, meta=meta[col]),
                                    said("prob.package.title_differs_fix")))
    period = meta.get("period")
    if "period" in plan.columns and isinstance(period, dict) and not pd.isna(row["period"]):
        years = [int(y) for y in re.findall(r"\d{4}", str(row["period"]))]
        if years != [period.get("start"), period.get("end")]:
            problems.append(Problem(file, 2, "period", said("prob.package.period_differs", value=row["period"],
                                                            start=period.get("start"), end=period.get("end")),
                                    said("prob.package.period_differs_fix")))
    return problems


def _check_geojson(folder: Path, descriptor: Mapping[str, Any], present: set[str]) -> list[Problem]:
    """Each GeoJSON resource is JSON whose coordinates lie inside China (WGS84 lon/lat, RFC 7946)."""
    problems = []
    for res in resources(descriptor):
        if res.get("format") != "geojson" or res.get("name") not in present:
            continue
        rel = str(res.get("path"))
        try:
            data = json.loads((folder / rel).read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(rel, None, None, said("prob.package.bad_json", error=str(exc)),
                                    said("prob.package.bad_json_fix")))
            continue
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            problems.append(Problem(rel, None, None, said("prob.package.not_collection"),
                                    said("prob.package.not_collection_fix")))
            continue
        for n, feature in enumerate(features, start=1):
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            outside = [p for p in _points(geometry) if not _inside_china(*p)]
            if outside:
                x, y = outside[0]
                problems.append(Problem(rel, n, "geometry", said("prob.package.coordinate_outside", lon=f"{x:g}",
                                                                 lat=f"{y:g}"), _FIX_COORDS))
    return problems


def _points(geometry: object) -> list[tuple[float, float]]:
    """The (lon, lat) pairs of a GeoJSON geometry (any type; non-numbers skipped)."""
    out: list[tuple[float, float]] = []

    def walk(node: object) -> None:
        if isinstance(node, list | tuple):
            if len(node) >= 2 and all(isinstance(v, int | float) for v in node[:2]):
                x, y = float(node[0]), float(node[1])
                if math.isfinite(x) and math.isfinite(y):
                    out.append((x, y))
                return
            for child in node:
                walk(child)

    if isinstance(geometry, dict):
        if geometry.get("type") == "GeometryCollection":
            for g in geometry.get("geometries") or []:
                out.extend(_points(g))
        else:
            walk(geometry.get("coordinates"))
    return out


# --- the Excel template -----------------------------------------------------------------------------------------

#: The template's sheets: sheet name → resource of the package, in the order of the workbook.
TEMPLATE_SHEETS: Final[dict[str, str]] = {"规划": "plan", "赛道": "tracks", "空间单元": "zones", "项目": "projects",
                                          "目标": "targets", "地名": "places"}


def template_workbook(package: PlanPackage, *, filled: bool = False) -> bytes:
    """An Excel workbook to write a plan in: one sheet per table of :data:`TEMPLATE_SHEETS`.

    Row 1 holds the package's field names (what ``datapackage.json`` and the CSVs call the columns), row 2 their
    Chinese labels (the fields' ``title``); both rows are frozen. With ``filled`` the rows of ``package`` follow
    (numbers as numbers, "——" as an empty cell), else nothing but the headers.
    """
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    book.remove(book.active)
    bold, label_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for sheet_name, res_name in TEMPLATE_SHEETS.items():
        res = package.resource(res_name)
        fields = schema_fields(res)
        sheet = book.create_sheet(sheet_name)
        sheet.append([str(f.get("name")) for f in fields])
        sheet.append([str(f.get("title") or f.get("name")) for f in fields])
        for cell in sheet[1]:
            cell.font = bold
        for cell in sheet[2]:
            cell.fill = label_fill
        sheet.freeze_panes = "A3"
        for i, f in enumerate(fields, start=1):
            wide = max(len(str(f.get("name"))) + 2, 2 * len(str(f.get("title") or "")) + 2)
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(40, max(10, wide))
        if filled and res_name in package.tables:
            frame = package.tables[res_name]
            for record in frame[[str(f.get("name")) for f in fields]].itertuples(index=False):
                sheet.append([None if pd.isna(v) else v.item() if hasattr(v, "item") else v for v in record])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = [
    "DESCRIPTOR",
    "FORMAT_VERSION",
    "PLAN_KEY",
    "TEMPLATE_SHEETS",
    "PackageError",
    "PlanPackage",
    "Problem",
    "builtin_plan_id",
    "load_package",
    "package_dir",
    "package_id",
    "plan_id_in_use",
    "read_descriptor",
    "template_workbook",
    "validate_package",
]
