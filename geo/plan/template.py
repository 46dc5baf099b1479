"""The plan workbook: the Excel template a plan is written in, and a plan package made from a filled one.

``python -m geo plan template`` writes the workbook (:func:`template_workbook`): one sheet per table of
:data:`geo.plan.package.TEMPLATE_SHEETS` (规划, 赛道, 空间单元, 项目, 目标, 地名), row 1 the package's field
names, row 2 their Chinese labels. The 规划 sheet carries, right of the plan's own fields, the plan's
metadata (:data:`META_FIELDS`: its id, structure, local Gauss–Krüger EPSG code, map centre and zoom, the
footnote on outputs, the usable-land marker) that ``datapackage.json`` keeps in ``geo:plan``.

``python -m geo plan new DIR --from FILE.xlsx`` (:func:`new_package`) reads a filled workbook, from this
program or any other that writes the same sheets and field names, and writes a complete package folder:

1. the file is checked before openpyxl parses it (:func:`read_workbook`): an Excel workbook, at most
   :data:`MAX_FILE_BYTES`, unpacking to at most :data:`MAX_UNPACKED_BYTES`, no sheet over :data:`MAX_ROWS`
   rows; each refusal is one :class:`WorkbookError` line naming the file, the problem and the fix;
2. every sheet and column must be there under the template's names (a renamed column is named);
3. the rows are written as the package's CSVs (“——” and empty cells are unknown, never 0), the metadata as
   ``geo:plan`` (what the sheet leaves empty is derived: the map centre from the located places, the
   Gauss–Krüger zone from the centre's longitude), and the tables a workbook does not hold
   (``zone_places``, ``baselines``, ``actions``, ``glossary``, ``metro_lines``) with their headers only;
4. the package loader's own checks (:func:`geo.plan.package.validate_package`: types, required cells,
   duplicate ids, foreign keys, places outside China, an EPSG code pyproj does not know …) run on it, and
   each problem is told back in the workbook's terms: sheet, row, field, what is wrong, the fix;
5. empty ``anchor_zh`` cells are filled by the written placement rule, and the indicative geometry is built
   (:func:`geo.plan.build.build_package`), with an empty ``districts`` layer (the workbook draws none);
6. all of it is built in a temporary folder beside ``DIR`` and renamed into place only when it validates:
   a workbook with any problem leaves nothing behind (:class:`PlanInputError` holds every problem).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from geo.errors import DataError, InputFileError, Said, UsageError, said
from geo.i18n import t
from geo.io.crsguess import CHINA_BOUNDS
from geo.plan.package import (
    DESCRIPTOR,
    FORMAT_VERSION,
    PLAN_KEY,
    TEMPLATE_SHEETS,
    TYPE_WORDS,
    PlanPackage,
    Problem,
    read_descriptor,
    resources,
    schema_fields,
    validate_package,
)
from geo.plan.package import template_workbook as _plain_workbook

# --- the limits --------------------------------------------------------------------------------------------------

#: Largest workbook read (a plan of a few hundred rows is well under 1 MB).
MAX_FILE_BYTES: Final = 20 * 1024 * 1024
#: Most bytes the workbook's parts may unpack to, all together (as their headers declare).
MAX_UNPACKED_BYTES: Final = 64 * 1024 * 1024
#: Most rows on one sheet, the two header rows included (a plan has a few hundred projects).
MAX_ROWS: Final = 10_000
#: Most columns read of one sheet (the widest sheet has 17 fields; 规划 with its metadata 16).
MAX_COLUMNS: Final = 64

#: Cells that mean “unknown” (the plan prints “——”): written as an empty cell, never 0.
UNKNOWN: Final = frozenset({"——", "—", "--", "-", "－", "——————"})



def _template_file() -> str:
    """The file name the fixes suggest for the template (``python -m geo plan template -o <it>``)."""
    return t("plantemplate.file_name")


def _fix_xlsx() -> Said:
    return said("err.plantemplate.xlsx_fix", file=_template_file())


def _sheet(resource: str) -> str:
    """The template's sheet of a package resource (:data:`geo.plan.package.TEMPLATE_SHEETS`): ``plan`` → its name."""
    return next(name for name, res in TEMPLATE_SHEETS.items() if res == resource)


@dataclass(frozen=True)
class MetaField:
    """One column of the 规划 sheet that holds the plan's metadata (``geo:plan``), not a field of ``plan.csv``."""

    name: str
    title: str
    type: str
    description: str


#: The metadata columns of the 规划 sheet, right of ``plan.csv``'s fields (empty cells: see :func:`new_package`).
META_FIELDS: Final = (
    MetaField("plan_id", "规划编号", "string", "lowercase letters, digits, - _ . (default: the folder's name)"),
    MetaField("structure_zh", "空间结构", "string", "e.g. 一心一轴一片"),
    MetaField("structure_en", "空间结构（英文）", "string", "e.g. one centre, one axis, one area"),
    MetaField("local_epsg", "本地坐标系（EPSG）", "integer",
              "CGCS2000 3° Gauss–Krüger zone without prefix, e.g. 4545 (CM 108°E); default: the map centre's"),
    MetaField("centre_lon", "地图中心经度", "number", "WGS84 degrees (default: the middle of the located places)"),
    MetaField("centre_lat", "地图中心纬度", "number", "WGS84 degrees"),
    MetaField("zoom", "地图缩放级别", "integer", "1–19 (default 12)"),
    MetaField("footnote_table", "产值注释表号", "integer", "the table whose footnote defines 产值 (default: first)"),
    MetaField("footnote_line", "产值注释行号", "integer", "its line in the plan's text (default 0: not known)"),
    MetaField("footnote_zh", "产值注释", "string", "the footnote's words on outputs"),
    MetaField("footnote_full_zh", "产值注释全文", "string", "the whole footnote (default: 产值注释)"),
    MetaField("usable_marker_zh", "可用地标记", "string", "the area_note marking usable land (default 可用)"),
)
_META_TYPES: Final = {m.name: m.type for m in META_FIELDS}
#: Tables of a package that the workbook does not hold: written with their headers only.
_HEADER_ONLY: Final = ("zone_places", "baselines", "actions", "glossary", "metro_lines")
#: A package name Frictionless accepts (and a safe ``geo:plan.id``).
_ID_RE: Final = re.compile(r"^[a-z0-9._-]+$")
#: ``geo:plan`` keys → the 规划 column that gives them (for problems of the descriptor).
_META_COLUMN: Final = {"crs.local_epsg": "local_epsg", "crs.local_zoned_epsg": "local_epsg", "map.centre": "centre_lon",
                       "map.area_centre": "centre_lon", "map.zoom": "zoom", "period": "period", "id": "plan_id",
                       "title_zh": "title_zh", "title_en": "title_en"}


class WorkbookError(InputFileError):
    """The file given as a plan workbook cannot be read at all: not a workbook, too large, a sheet too long."""


class PlanInputError(DataError):
    """A plan workbook has problems; ``problems`` holds each (sheet, row, field, what is wrong, the fix)."""

    def __init__(self, problems: Sequence[Problem], *, source: str) -> None:
        self.problems = list(problems)
        self.workbook = source
        super().__init__(self._first("en"))

    def _first(self, lang: str) -> str:
        """The first problem's line in ``lang``, and how many more there are."""
        first = self.problems[0].line(lang=lang)
        more = len(self.problems) - 1
        return t("prob.plantemplate.first_more", lang, line=first, n=more) if more else first

    def text(self, lang: str) -> str:
        """The first problem's line (and how many more) in ``lang``; English as :attr:`message` is."""
        return self.message if lang == "en" else t("error.end", lang, head=self._first(lang).rstrip("。. "))

    def lines(self, lang: str = "en") -> list[str]:
        """One line per problem: ``FILE.xlsx, sheet 项目, row 5, field declared_mu: … . Fix`` (in ``lang``)."""
        return [p.line(lang=lang) for p in self.problems]


# --- the template ------------------------------------------------------------------------------------------------


def template_workbook(package: PlanPackage, *, filled: bool = False) -> bytes:
    """The Excel workbook to write a plan in (see the module), with the 规划 sheet's metadata columns.

    With ``filled`` the rows of ``package`` and its metadata follow the two header rows.
    """
    from openpyxl import load_workbook
    from openpyxl.styles import Font, PatternFill

    book = load_workbook(io.BytesIO(_plain_workbook(package, filled=filled)))
    sheet = book[_sheet("plan")]
    first = sheet.max_column + 1
    values = _meta_cells(package.meta) if filled else {}
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FCE4D6")
    for i, meta in enumerate(META_FIELDS, start=first):
        sheet.cell(1, i, meta.name).font = bold
        sheet.cell(2, i, meta.title).fill = fill
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(12, 2 * len(meta.title) + 2)
        if filled:
            sheet.cell(3, i, values.get(meta.name))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _meta_cells(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata columns' values from a package's ``geo:plan`` (None where it has none)."""
    def get(*keys: str) -> Any:
        value: Any = meta
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return {"plan_id": get("id"), "structure_zh": get("structure", "zh"), "structure_en": get("structure", "en"),
            "local_epsg": get("crs", "local_epsg"), "centre_lon": get("map", "centre", "lon"),
            "centre_lat": get("map", "centre", "lat"), "zoom": get("map", "zoom"),
            "footnote_table": get("footnote", "table"), "footnote_line": get("footnote", "line"),
            "footnote_zh": get("footnote", "zh"), "footnote_full_zh": get("footnote", "full_zh"),
            "usable_marker_zh": get("usable_land", "marker_zh")}


# --- reading a workbook ------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One sheet as read: its header (row 1), whether row 2 holds the labels, and its data rows.

    ``rows`` pairs each non-empty data row's number on the sheet with its cells (as openpyxl gives them).
    """

    name: str
    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


def read_workbook(path: Path, *, source: str | None = None) -> dict[str, Sheet]:
    """The sheets of a plan workbook (any sheet name; only the template's are used), read with limits.

    Raises
    ------
    WorkbookError
        The file is missing, not an .xlsx, over :data:`MAX_FILE_BYTES`, unpacks to more than
        :data:`MAX_UNPACKED_BYTES`, damaged, or one of the template's sheets has more than :data:`MAX_ROWS` rows.
    """
    src = source or str(path)
    if not path.is_file():
        raise WorkbookError(said("err.plantemplate.no_file"), source=src, fix=said("err.plantemplate.no_file_fix"))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise WorkbookError(said("err.plantemplate.too_big", size=size / 2**20, limit=MAX_FILE_BYTES / 2**20),
                            source=src, fix=said("err.plantemplate.too_big_fix"))
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head.startswith(b"PK\x03\x04"):
        what = ("err.plantemplate.is_xls" if head.startswith(b"\xd0\xcf\x11\xe0")
                else "err.plantemplate.is_empty" if not head else "err.plantemplate.not_xlsx")
        raise WorkbookError(said(what), source=src, fix=_fix_xlsx())
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename.lower() for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise WorkbookError(said("err.plantemplate.damaged_zip", error=str(exc)), source=src,
                            fix=_fix_xlsx()) from None
    if "xl/workbook.xml" not in names:
        raise WorkbookError(said("err.plantemplate.no_workbook_xml"), source=src, fix=_fix_xlsx())
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise WorkbookError(said("err.plantemplate.unpacks_too_big", size=unpacked / 2**20,
                                 limit=MAX_UNPACKED_BYTES / 2**20), source=src,
                            fix=said("err.plantemplate.unpacks_too_big_fix"))
    return _parse(path, src)


def _parse(path: Path, src: str) -> dict[str, Sheet]:
    """openpyxl's read-only, values-only parse of the template's sheets, counting rows against the limit."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises what its parsers raise (KeyError, ValueError, XML errors …)
        raise WorkbookError(said("err.plantemplate.unreadable", kind=type(exc).__name__, error=str(exc)[:120]),
                            source=src, fix=_fix_xlsx()) from None
    try:
        sheets: dict[str, Sheet] = {}
        for name in book.sheetnames:
            if name.strip() not in TEMPLATE_SHEETS:
                continue  # a sheet that is not the template's is never parsed
            ws = book[name]
            declared = ws.max_row or 0
            if declared > MAX_ROWS:
                raise _too_long(src, name.strip(), declared)
            sheet = Sheet(name.strip(), [])
            for n, row in enumerate(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                if n > MAX_ROWS:
                    raise _too_long(src, name.strip(), n)
                cells = list(row)
                if n == 1:
                    sheet.header = [_header(c) for c in cells]
                elif any(not _blank(c) for c in cells):
                    sheet.rows.append((n, cells))
            sheets[sheet.name] = sheet
        return sheets
    finally:
        book.close()


def _too_long(src: str, sheet: str, rows: int) -> WorkbookError:
    return WorkbookError(said("err.plantemplate.too_long", sheet=sheet, rows=rows, limit=MAX_ROWS), source=src,
                         fix=said("err.plantemplate.too_long_fix"))


def _header(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: Any) -> str:
    """A cell as the CSV's text: empty or “——” → "" (unknown, never 0); 120.0 → "120"; True → "true"."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        if not math.isfinite(cell):
            return str(cell)
        return str(int(cell)) if cell.is_integer() and abs(cell) < 2**53 else repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell).strip()
    return "" if text in UNKNOWN else text


# --- from the sheets to tables -----------------------------------------------------------------------------------


@dataclass
class _Table:
    """A table to write: its resource, its sheet, its fields, rows of text, and each row's number on the sheet."""

    resource: str
    sheet: str
    fields: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    sheet_rows: list[int] = field(default_factory=list)


def _schema_source() -> dict[str, Any]:
    """The descriptor whose resources and schemas every new package copies: the built-in plan's (``data/``)."""
    from geo.plan.current import DEFAULT_DIR

    return read_descriptor(DEFAULT_DIR)


def _tables(sheets: Mapping[str, Sheet], descriptor: Mapping[str, Any], src: str
            ) -> tuple[dict[str, _Table], dict[str, str], list[Problem]]:
    """Each template sheet as a table of text, the 规划 sheet's metadata cells, and every structural problem.

    A missing sheet, a missing required column, a column the template does not name (a renamed one is said
    so) or a name used twice is a problem; nothing else is looked at when there is one.
    """
    problems: list[Problem] = []
    tables: dict[str, _Table] = {}
    meta: dict[str, str] = {}
    by_name = {str(r.get("name")): r for r in resources(descriptor)}
    for sheet_name, res_name in TEMPLATE_SHEETS.items():
        where = said("prob.plantemplate.sheet", src=src, sheet=sheet_name)
        specs = schema_fields(by_name[res_name])
        names = [str(f.get("name")) for f in specs]
        extra_names = [m.name for m in META_FIELDS] if res_name == "plan" else []
        known = names + extra_names
        sheet = sheets.get(sheet_name)
        if sheet is None:
            problems.append(Problem(where, None, None, said("prob.plantemplate.sheet_missing"),
                                    said("prob.plantemplate.sheet_missing_fix", sheet=sheet_name,
                                         names=", ".join(names[:4]), file=_template_file())))
            continue
        header = sheet.header
        seen: dict[str, int] = {}
        for i, name in enumerate(header):
            if not name:
                continue
            if name in seen:
                problems.append(Problem(where, 1, name, said("prob.plantemplate.column_twice", name=name,
                                                             a=_col(seen[name]), b=_col(i)),
                                        said("prob.plantemplate.column_twice_fix")))
            seen.setdefault(name, i)
        for i, name in enumerate(header):
            if not name or name in known:
                continue
            at = known[i] if i < len(known) and known[i] not in seen else None
            if at is not None:
                problems.append(Problem(where, 1, at, said("prob.plantemplate.column_renamed", col=_col(i), name=name,
                                                           at=at),
                                        said("prob.plantemplate.column_renamed_fix", at=at)))
            else:
                free = ", ".join(n for n in known if n not in seen)
                problems.append(Problem(where, 1, name, said("prob.plantemplate.column_unknown", name=name),
                                        said("prob.plantemplate.column_unknown_fix", free=free)))
        renamed = {p.field for p in problems if p.file == where and p.row == 1}
        for spec in specs:
            name = str(spec.get("name"))
            if name not in seen and name not in renamed and (spec.get("constraints") or {}).get("required"):
                problems.append(Problem(where, 1, name, said("prob.plantemplate.column_missing"),
                                        said("prob.plantemplate.column_missing_fix", name=name,
                                             title=spec.get("title") or name)))
        if problems:
            continue
        table = _Table(res_name, sheet_name, names)
        labels = {str(f.get("title") or f.get("name")) for f in specs} | {m.title for m in META_FIELDS}
        for number, cells in sheet.rows:
            values = {name: _text(cells[i]) if i < len(cells) else "" for name, i in seen.items()}
            if number == 2 and all(v in labels or v in known for v in values.values() if v):
                continue  # row 2: the Chinese labels
            table.rows.append({n: values.get(n, "") for n in names})
            table.sheet_rows.append(number)
            if res_name == "plan" and not meta:
                meta = {m: values.get(m, "") for m in extra_names}
        tables[res_name] = table
    return tables, meta, problems


def _col(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(index + 1))


# --- the metadata ------------------------------------------------------------------------------------------------


def _number(meta: Mapping[str, str], name: str, where: str | Said, row: int | None,
            problems: list[Problem]) -> float | None:
    """A metadata cell as a number (None if empty); a problem if it is not one (or not whole, for integers)."""
    text = meta.get(name, "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    whole = _META_TYPES[name] == "integer"
    if not math.isfinite(value) or (whole and not value.is_integer()):
        want = TYPE_WORDS["integer" if whole else "number"]
        problems.append(Problem(where, row, name, said("prob.plantemplate.not_number", text=text, want=want),
                                said("prob.plantemplate.not_number_fix", want=want)))
        return None
    return value


def gk_zone_epsg(lon: float) -> int | None:
    """The EPSG code of the CGCS2000 3° Gauss–Krüger zone (no prefix) whose central meridian is nearest ``lon``.

    CM 75°E … 135°E are EPSG:4534 … 4554 (CM 108°E is 4545); None outside them.
    """
    cm = 3 * round(lon / 3)
    return 4534 + (cm - 75) // 3 if 75 <= cm <= 135 else None


def _crs(epsg: int) -> dict[str, Any]:
    """``geo:plan.crs`` for a local EPSG code: a CGCS2000 3° GK code also names its zone and prefixed twin."""
    from pyproj import CRS

    out: dict[str, Any] = {"storage_epsg": 4326, "geographic_epsg": 4490, "local_epsg": epsg}
    if 4534 <= epsg <= 4554:
        cm = 75 + 3 * (epsg - 4534)
        zone = cm // 3
        out |= {"local_zoned_epsg": 4513 + zone - 25, "gk_zone": zone, "central_meridian": cm,
                "description": f"CGCS2000 3-degree Gauss–Krüger, CM {cm}E (local_epsg, no zone prefix; "
                               f"local_zoned_epsg with prefix {zone})"}
    else:
        out["description"] = CRS.from_epsg(epsg).name
    return out


def _epsg_problem(epsg: int, where: str | Said, row: int | None) -> Problem | None:
    """The problem of an EPSG code pyproj does not know or that is not projected (a plan's local CRS is)."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError as PyprojCRSError

    fix = said("prob.plantemplate.epsg_fix")
    try:
        crs = CRS.from_epsg(epsg)
    except PyprojCRSError:
        return Problem(where, row, "local_epsg", said("prob.plantemplate.epsg_unknown", code=epsg), fix)
    if not crs.is_projected:
        return Problem(where, row, "local_epsg", said("prob.plantemplate.epsg_not_projected", code=epsg,
                                                     name=crs.name), fix)
    return None


def _plan_meta(tables: Mapping[str, _Table], cells: Mapping[str, str], template: Mapping[str, Any], *,
               folder_name: str, src: str) -> tuple[dict[str, Any], list[Problem]]:
    """``geo:plan`` from the 规划 sheet's row and metadata columns (what they leave empty, derived; see module)."""
    where = said("prob.plantemplate.sheet", src=src, sheet=_sheet("plan"))
    plan = tables["plan"]
    row = plan.sheet_rows[0] if plan.sheet_rows else None
    first = plan.rows[0] if plan.rows else {}
    problems: list[Problem] = []
    if not plan.rows:
        problems.append(Problem(where, 3, "title_zh", said("prob.plantemplate.no_plan_row"),
                                said("prob.plantemplate.no_plan_row_fix")))
    values = {m.name: _number(cells, m.name, where, row, problems)
              for m in META_FIELDS if m.type in ("integer", "number")}
    years = [int(y) for y in re.findall(r"\d{4}", first.get("period", ""))]
    if first and len(years) != 2:
        problems.append(Problem(where, row, "period", said("prob.plantemplate.period", value=first.get("period", "")),
                                said("prob.plantemplate.period_fix")))
    plan_id = cells.get("plan_id") or re.sub(r"[^a-z0-9._-]+", "-", folder_name.lower()).strip("-._") or "plan"
    if not _ID_RE.match(plan_id):
        problems.append(Problem(where, row, "plan_id", said("prob.plantemplate.plan_id", value=plan_id),
                                said("prob.plantemplate.plan_id_fix")))
    lon, lat = values["centre_lon"], values["centre_lat"]
    if (lon is None) != (lat is None):
        problems.append(Problem(where, row, "centre_lat" if lat is None else "centre_lon",
                                said("prob.plantemplate.one_coordinate"),
                                said("prob.plantemplate.one_coordinate_fix")))
    elif lon is not None and lat is not None and not _inside_china(lon, lat):
        problems.append(Problem(where, row, "centre_lon", said("prob.plantemplate.outside_china", lon=f"{lon:g}",
                                                               lat=f"{lat:g}"),
                                said("prob.plantemplate.outside_china_fix")))
    if lon is None or lat is None:
        places = _sheet("places")
        located = [(float(r["lon_wgs84"]), float(r["lat_wgs84"])) for r in tables["places"].rows
                   if _is_float(r.get("lon_wgs84")) and _is_float(r.get("lat_wgs84"))]
        inside = [p for p in located if _inside_china(*p)]
        if inside:
            xs, ys = [p[0] for p in inside], [p[1] for p in inside]
            lon, lat = round((min(xs) + max(xs)) / 2, 4), round((min(ys) + max(ys)) / 2, 4)
        elif not located:
            problems.append(Problem(where, row, "centre_lon", said("prob.plantemplate.no_centre_unlocated",
                                                                   places=places),
                                    said("prob.plantemplate.no_centre_unlocated_fix", places=places)))
        else:
            problems.append(Problem(where, row, "centre_lon", said("prob.plantemplate.no_centre_outside",
                                                                   places=places),
                                    said("prob.plantemplate.no_centre_outside_fix", places=places)))
    epsg_value = values["local_epsg"]
    epsg = int(epsg_value) if epsg_value is not None else (gk_zone_epsg(lon) if lon is not None else None)
    if epsg is not None:
        problem = _epsg_problem(epsg, where, row)
        if problem is not None:
            problems.append(problem)
    elif lon is not None and not problems:
        problems.append(Problem(where, row, "local_epsg", said("prob.plantemplate.no_zone", lon=f"{lon:g}"),
                                said("prob.plantemplate.no_zone_fix")))
    zoom = int(values["zoom"]) if values["zoom"] is not None else 12
    if not 1 <= zoom <= 19:
        problems.append(Problem(where, row, "zoom", said("prob.plantemplate.zoom", zoom=zoom),
                                said("prob.package.zoom_fix")))
    if problems or lon is None or lat is None or epsg is None or len(years) != 2:
        return {}, problems
    numbers = sorted({int(float(r["table"])) for r in tables["projects"].rows if _is_float(r.get("table"))})
    footnote_zh = cells.get("footnote_zh", "")
    base = dict(template.get(PLAN_KEY) or {})
    usable = dict(base.get("usable_land") or {})  # the template's (built-in plan's) marker unless the sheet gives one
    meta = {
        "format_version": FORMAT_VERSION, "id": plan_id, "title_zh": first.get("title_zh", ""),
        "title_en": first.get("title_en", ""), "period": {"start": years[0], "end": years[1]},
        "structure": {"zh": cells.get("structure_zh") or _structure(tables["zones"]),
                      "en": cells.get("structure_en", ""), "glossary_key": "structure"},
        "crs": _crs(epsg),
        "map": {"centre": {"lon": lon, "lat": lat}, "zoom": zoom, "area_centre": {"lon": lon, "lat": lat}},
        "footnote": {"table": int(values["footnote_table"] or (numbers[0] if numbers else 1)),
                     "line": int(values["footnote_line"] or 0), "zh": footnote_zh,
                     "full_zh": cells.get("footnote_full_zh") or footnote_zh},
        "tables": {**dict(base.get("tables") or {}), "numbers": numbers},
        "usable_land": {**usable, "marker_zh": cells.get("usable_marker_zh") or str(usable.get("marker_zh") or "")},
    }
    return meta, []


def _inside_china(lon: float, lat: float) -> bool:
    """Whether a WGS84 point lies in China's bounds (:data:`geo.io.crsguess.CHINA_BOUNDS`, as the loader checks)."""
    minx, miny, maxx, maxy = CHINA_BOUNDS
    return minx <= lon <= maxx and miny <= lat <= maxy


def _is_float(text: str | None) -> bool:
    try:
        return text is not None and math.isfinite(float(text))
    except ValueError:
        return False


def _structure(zones: _Table) -> str:
    """The structure's name from the units' ``structure_zh`` in order, without repeats."""
    return "".join(dict.fromkeys(r["structure_zh"] for r in zones.rows if r.get("structure_zh")))


# --- writing the package -----------------------------------------------------------------------------------------


def _write_csv(path: Path, fields: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(fields)
        for row in rows:
            writer.writerow([row.get(f, "") for f in fields])


_EMPTY_LAYER: Final = '{"type": "FeatureCollection", "features": []}\n'


def _write_package(folder: Path, tables: Mapping[str, _Table], meta: Mapping[str, Any],
                   template: Mapping[str, Any], src: str) -> None:
    """The descriptor, every table, the context files and empty geometry layers (built afterwards)."""
    descriptor = {
        "name": meta["id"], "title": f"{meta['title_zh']} · plan package",
        "description": f"A plan package written by `python -m geo plan new` from the workbook {Path(src).name}.",
        "version": "1.0.0", "resources": copy.deepcopy(resources(template)), PLAN_KEY: dict(meta),
    }
    (folder / DESCRIPTOR).write_text(json.dumps(descriptor, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for res in resources(template):
        name, rel = str(res.get("name")), str(res.get("path"))
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if name in tables:
            _write_csv(path, tables[name].fields, tables[name].rows)
        elif name in _HEADER_ONLY:
            _write_csv(path, [str(f.get("name")) for f in schema_fields(res)], [])
        elif res.get("format") == "geojson":
            path.write_text(_EMPTY_LAYER, encoding="utf-8")
        elif name == "plan_source":
            path.write_text(t("plantemplate.no_source_text", "zh", plan_title=meta["title_zh"],
                              workbook=Path(src).name), encoding="utf-8")


def _in_workbook_terms(problem: Problem, tables: Mapping[str, _Table], template: Mapping[str, Any],
                       src: str) -> Problem:
    """A package problem told in the workbook's terms: the sheet for the file, the sheet's row for the CSV's."""
    sheet_of = {str(r.get("path")): tables[str(r.get("name"))] for r in resources(template)
                if str(r.get("name")) in tables}

    def words(text: str, rows: _Table | None = None) -> str:
        """``text`` with each file named as its sheet (and, with ``rows``, a CSV row as the sheet's row); catalogue
        words stay words, their values told so (a file named alone: the sheet in the words' language)."""
        if isinstance(text, Said):
            return said(text.key, **{k: words_of(k, v, rows) for k, v in text.values.items()})
        for rel, table in sheet_of.items():
            text = text.replace(rel, f"sheet {table.sheet}")
        if rows is not None:
            text = re.sub(r"\b(rows?) (\d+)", lambda m: f"{m[1]} {sheet_row(rows, int(m[2]))}", text)
        return text

    def words_of(name: str, value: object, rows: _Table | None) -> object:
        if name == "first" and rows is not None and str(value).isdigit():  # the other row of a key used twice
            return str(sheet_row(rows, int(str(value))))
        if isinstance(value, str) and not isinstance(value, Said) and value in sheet_of:
            return said("prob.plantemplate.sheet_word", sheet=sheet_of[value].sheet)
        return words(value, rows) if isinstance(value, str) else value

    def sheet_row(table: _Table, csv_row: int) -> int:
        return table.sheet_rows[csv_row - 2] if 2 <= csv_row < 2 + len(table.sheet_rows) else csv_row

    if problem.file == DESCRIPTOR and problem.field and problem.field.startswith(f"{PLAN_KEY}."):
        key = problem.field.removeprefix(f"{PLAN_KEY}.")
        plan = tables["plan"]
        return Problem(said("prob.plantemplate.sheet", src=src, sheet=_sheet("plan")),
                       plan.sheet_rows[0] if plan.sheet_rows else None,
                       _META_COLUMN.get(key, key), words(problem.message), words(problem.fix))
    table = sheet_of.get(problem.file)
    if table is None:
        return Problem(said("prob.plantemplate.as_file", src=src, file=problem.file), problem.row, problem.field,
                       words(problem.message), words(problem.fix))
    row = None if problem.row is None else sheet_row(table, problem.row)
    return Problem(said("prob.plantemplate.sheet", src=src, sheet=table.sheet), row, problem.field,
                   words(problem.message, table), words(problem.fix))


def _anchors(folder: Path, tables: Mapping[str, _Table], src: str) -> list[Problem]:
    """Fill each empty ``anchor_zh`` by the placement rule; a problem where the rule finds none or disagrees."""
    from geo.plan.build import read_places
    from layers.rules import anchor_by_rule

    places = read_places(folder)
    projects = tables["projects"]
    problems = []
    for row, number in zip(projects.rows, projects.sheet_rows, strict=True):
        ruled = anchor_by_rule({k: (v or None) for k, v in row.items()}, places)
        where = said("prob.plantemplate.sheet", src=src, sheet=_sheet("projects"))
        if ruled is None:
            problems.append(Problem(where, number, "anchor_zh", said("prob.plantemplate.no_anchor",
                                                                     pid=row["project_id"], places=_sheet("places")),
                                    said("prob.plantemplate.no_anchor_fix", places=_sheet("places"))))
        elif not row["anchor_zh"]:
            row["anchor_zh"] = ruled
        elif row["anchor_zh"] != ruled:
            problems.append(Problem(where, number, "anchor_zh", said("prob.plantemplate.anchor_differs",
                                                                     anchor=row["anchor_zh"], ruled=ruled),
                                    said("prob.plantemplate.anchor_differs_fix", ruled=ruled)))
    return problems


@dataclass(frozen=True)
class NewPackage:
    """What :func:`new_package` wrote: the folder, and counts to say so."""

    path: Path
    tracks: int
    zones: int
    projects: int
    parcels: int
    points: int
    local_epsg: int


def new_package(target: str | Path, workbook: str | Path) -> NewPackage:
    """Write the plan package folder ``target`` from the filled plan workbook ``workbook`` (see the module).

    Raises
    ------
    UsageError
        ``target`` exists and is not an empty folder, or its parent folder does not exist.
    WorkbookError
        The workbook cannot be read at all (not an .xlsx, too large, a sheet too long).
    PlanInputError
        Every problem of the workbook's contents (sheet, row, field, what is wrong, the fix). Nothing is written.
    """
    out = Path(target)
    src = str(workbook)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(said("err.plantemplate.out_not_empty"), source=str(out),
                         fix=said("err.plantemplate.out_not_empty_fix"))
    parent = out.absolute().parent
    if not parent.is_dir():
        raise UsageError(said("err.plantemplate.no_parent"), source=str(parent),
                         fix=said("err.plantemplate.no_parent_fix"))
    sheets = read_workbook(Path(workbook), source=src)
    template = _schema_source()
    tables, cells, problems = _tables(sheets, template, src)
    if problems:
        raise PlanInputError(problems, source=src)
    meta, problems = _plan_meta(tables, cells, template, folder_name=out.absolute().name, src=src)
    if problems:
        raise PlanInputError(problems, source=src)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".new", dir=parent))
    try:
        _write_package(staging, tables, meta, template, src)
        found = validate_package(staging)
        if found:
            raise PlanInputError([_in_workbook_terms(p, tables, template, src) for p in found], source=src)
        problems = _anchors(staging, tables, src)
        if problems:
            raise PlanInputError(problems, source=src)
        _write_csv(staging / "plan" / "projects.csv", tables["projects"].fields, tables["projects"].rows)
        summary = _build(staging, src)
        found = validate_package(staging)
        if found:
            raise PlanInputError([_in_workbook_terms(p, tables, template, src) for p in found], source=src)
        staging.chmod(0o777 & ~_umask())
        os.replace(staging, out)  # an empty folder at ``out`` is replaced; a non-empty one was refused above
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return NewPackage(out, len(tables["tracks"].rows), len(tables["zones"].rows), len(tables["projects"].rows),
                      summary[0], summary[1], int(meta["crs"]["local_epsg"]))


def _build(folder: Path, src: str) -> tuple[int, int]:
    """Build and write the geometry of the staged package; (parcels, points). A build error names the workbook."""
    from geo.plan.build import build_package, write_layers

    try:
        layers = build_package(folder)
    except DataError as exc:
        rel = Path(exc.source).name if exc.source else ""
        where = (said("prob.plantemplate.building", src=src, rel=rel) if rel
                 else said("prob.plantemplate.building_geometry", src=src))
        problem = exc.said if exc.said is not None and str(exc.said) == exc.problem else exc.problem
        fix = exc.said_fix if exc.said_fix is not None and str(exc.said_fix) == exc.fix else exc.fix or ""
        raise PlanInputError([Problem(where, None, None, problem, fix)], source=src) from None
    write_layers(layers)
    parcels = layers[folder / "parcels" / "parcels.geojson"]
    points = int((parcels.geom_type == "Point").sum())
    return len(parcels) - points, points


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["MAX_FILE_BYTES", "MAX_ROWS", "MAX_UNPACKED_BYTES", "META_FIELDS", "NewPackage",
           "PlanInputError", "WorkbookError", "gk_zone_epsg", "new_package", "read_workbook", "template_workbook"]
