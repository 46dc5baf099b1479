"""Export layers for desktop tools: the registry of formats and the one function that writes them.

Formats are a registry (:data:`FORMATS`), so the CLI and the Export page offer
the same list and call the same writer. Every file is written into a
temporary folder beside the target and moved into place only when complete:
a failure leaves no half-written file. The writers live in
:mod:`geo.io.writers_gis` (GeoJSON, GeoPackage, Shapefile, CSV) and
:mod:`geo.io.writers_desktop` (KML/KMZ, DXF, XLSX); the styles they carry in
:mod:`geo.io.styles`.

Rules every format follows:

- **The file asked for.** ``-o NAME.EXT`` writes exactly ``NAME.EXT`` (a name
  without a suffix gets the format's): one GeoJSON file, one GeoPackage, one
  CSV with its ``.prj`` and ``.csvt`` beside it as ``NAME.prj``/``NAME.csvt``
  (sidecars, as a Shapefile's ``.dbf`` is). A zip is written only when the
  name ends in ``.zip`` (any format: the files zipped) or the format is the
  Shapefile (``NAME.zip``; ``NAME.shp`` writes the Shapefile's files
  unzipped). A suffix naming another format is refused, as are several layers
  for one file of a one-layer format (GeoJSON, CSV, GeoParquet, 部标坐标txt):
  name a folder or a ``.zip`` for them (:func:`export_files`).
- **Mixed geometry types.** GeoJSON (RFC 7946 allows any mix in a
  FeatureCollection), KML/KMZ, CSV, XLSX, GeoParquet and DXF keep a layer
  whole: a ``parcels`` layer of polygons and a point (a project whose area is
  unknown) is one file; CSV and XLSX state each row's ``geometry_type``. Only
  the formats that hold one geometry type per layer split it (GeoPackage: two
  layers ``parcels`` and ``parcels_points`` in one file; Shapefile: two file
  sets); lines would be ``<name>_lines``. The highest dimension keeps the
  name; features without geometry stay in it. What a format splits or leaves
  out is said in :func:`notes` (the CLI's warnings, the page's notes).
- **CRS.** Each format says which CRSs it accepts (:attr:`Format.crs_kind`):
  GeoJSON, KML and KMZ are WGS84 only; DXF, which has no CRS field, only a
  projected CRS (default: the plan's Gauss–Krüger zone, :func:`geo.crs.local_crs`), never degrees.
- **Names.** When the target is a folder (or for a download), the file is
  named by its layers, the CRS and 示意 when any geometry is indicative:
  ``parcels_EPSG<code>_示意.gpkg`` (:func:`default_name`); a one-layer format
  writes one such file per layer there.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, Literal

import geopandas as gpd
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS

from geo.atomic import is_special, place_file
from geo.crs import EXPORT_CRS, WGS84, local_crs, parse_crs
from geo.errors import ExportError, Said, UsageError, said
from geo.i18n import LANGS, pair, t
from geo.io.parquet import write_parquet_layer
from geo.io.styles import DEFAULT_OPTIONS, ExportOptions
from geo.io.writers_desktop import dxf_left_out, dxf_note, write_dxf, write_kml, write_kmz, write_xlsx
from geo.io.writers_gis import SHAPEFILE_ENCODINGS, write_csv, write_geojson, write_gpkg, write_shapefile
from geo.io.zbtxt import LABEL as ZBTXT_LABEL
from geo.io.zbtxt import zbtxt_crs
from geo.io.zbtxt_write import left_out as zbtxt_left_out
from geo.io.zbtxt_write import write_zbtxt

#: The tag ending the name of a file of indicative geometry (``parcels_EPSG4326_示意.gpkg``): a token of the files'
#: names, the same in every language, so that a file keeps its name whoever exported it.
INDICATIVE: Final = "示意"

#: A writer: one layer (already in the target CRS) into a folder → the files it wrote.
Writer = Callable[[gpd.GeoDataFrame, str, Path], list[Path]]
#: A writer that also takes the export's styles and encoding.
StyledWriter = Callable[[gpd.GeoDataFrame, str, Path, ExportOptions], list[Path]]
CrsKind = Literal["any", "wgs84", "projected", "gauss_kruger"]


@dataclass(frozen=True)
class Format:
    """One export format: labels, file suffix, and the function writing one layer.

    ``write`` is called with default options; when ``write_styled`` is set it
    is called instead, with the export's :class:`ExportOptions` (track
    colours, field labels, encoding). ``crs_kind`` says which CRSs the format
    accepts, ``one_geometry_type`` whether mixed layers are split first,
    ``encodings`` which text encodings it can write, and ``left_out`` labels the
    features it cannot hold (None: it holds every kind; see :func:`left_out`),
    ``holds`` saying what it holds instead (zh, en); ``note`` says what else it
    leaves out of a layer (zh, en; DXF: the attribute table; see :func:`notes`).
    ``aliases`` are other suffixes an output name may end in for this format
    (``.json``; ``.shp``: a Shapefile's files unzipped), ``sidecars`` the
    suffixes of the files written beside the main one (CSV's ``.csvt``, ``.prj``).
    """

    label_zh: str
    label_en: str
    suffix: str
    mime: str
    write: Writer
    multi_layer: bool = False
    write_styled: StyledWriter | None = None
    crs_kind: CrsKind = "any"
    one_geometry_type: bool = True
    encodings: tuple[str, ...] = ("UTF-8",)
    left_out: Callable[[gpd.GeoDataFrame], list[str]] | None = None
    aliases: tuple[str, ...] = ()
    sidecars: tuple[str, ...] = ()
    holds: tuple[str, str] = ("", "")
    note: Callable[[str, gpd.GeoDataFrame], tuple[str, str] | None] | None = None


FORMATS: Final[dict[str, Format]] = {
    "geojson": Format(*pair("export.format_geojson"), ".geojson", "application/geo+json", write_geojson,
                      crs_kind="wgs84", one_geometry_type=False, aliases=(".json",)),
    "gpkg": Format(*pair("export.format_gpkg"), ".gpkg",
                   "application/geopackage+sqlite3", write_gpkg, True, write_gpkg),
    "shp": Format(*pair("export.format_shp"), ".zip", "application/zip",
                  write_shapefile, write_styled=write_shapefile, encodings=tuple(SHAPEFILE_ENCODINGS),
                  aliases=(".shp",)),
    "csv": Format(*pair("export.format_csv"), ".csv", "text/csv",
                  write_csv, one_geometry_type=False, sidecars=(".csvt", ".prj")),
    "kml": Format(*pair("export.format_kml"), ".kml",
                  "application/vnd.google-earth.kml+xml", write_kml, True, write_kml, crs_kind="wgs84",
                  one_geometry_type=False),
    "kmz": Format(*pair("export.format_kmz"), ".kmz",
                  "application/vnd.google-earth.kmz", write_kmz, True, write_kmz, crs_kind="wgs84",
                  one_geometry_type=False),
    "dxf": Format(*pair("export.format_dxf"), ".dxf", "image/vnd.dxf", write_dxf, True,
                  write_dxf, crs_kind="projected", one_geometry_type=False, left_out=dxf_left_out,
                  holds=pair("export.holds_dxf"), note=dxf_note),
    "xlsx": Format(*pair("export.format_xlsx"), ".xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", write_xlsx, True, write_xlsx,
                   one_geometry_type=False),
    "txt": Format(*pair("export.format_txt"), ".txt", "text/plain; charset=GBK", write_zbtxt,
                  crs_kind="gauss_kruger", one_geometry_type=False, left_out=zbtxt_left_out,
                  holds=pair("export.holds_txt")),
    "parquet": Format(*pair("export.format_parquet"), ".parquet", "application/vnd.apache.parquet",
                      write_parquet_layer, one_geometry_type=False),
}

#: Geometry families in the order that decides which keeps the layer's name.
FAMILIES: Final = (
    ("polygons", ("Polygon", "MultiPolygon")), ("lines", ("LineString", "MultiLineString", "LinearRing")),
    ("points", ("Point", "MultiPoint")), ("collections", ("GeometryCollection",)),
)


def left_out(fmt: str, gdf: gpd.GeoDataFrame) -> list[str]:
    """The features of ``gdf`` that ``fmt`` cannot hold and leaves out, labelled (none for most formats)."""
    spec = _format(fmt)
    return spec.left_out(gdf) if spec.left_out is not None else []


@dataclass(frozen=True)
class _InLanguages:
    """A value of an error's words that has words of its own in each language (a format's label, codes joined by
    "or"): :meth:`geo.errors.Said.text` says it in the message's language."""

    texts: tuple[tuple[str, str], ...]  # (language, text)

    @classmethod
    def of(cls, words: Callable[[str], str]) -> _InLanguages:
        """``words(lang)`` for each language of the catalogue."""
        return cls(tuple((lang, words(lang)) for lang in LANGS))

    def text(self, lang: str) -> str:
        """The words in ``lang``."""
        return dict(self.texts)[lang]


def _label(fmt: str, *, short: bool = False) -> _InLanguages:
    """The format's label (``short``: without its parenthesis, :func:`short_label`) in each language."""
    spec = _format(fmt)
    zh, en = short_label(fmt) if short else (spec.label_zh, spec.label_en)
    return _InLanguages((("zh", zh), ("en", en)))


def _one_of(choices: Iterable[str]) -> Said:
    """The fix naming the values accepted (codes, names)."""
    return said("err.io.fix_use_one_of", choices=", ".join(choices))


def _format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise UsageError(said("err.io.unknown_format", fmt=fmt), source="--format", fix=_one_of(FORMATS))
    return FORMATS[fmt]


def crs_options(fmt: str) -> list[str]:
    """The CRSs of :data:`geo.crs.EXPORT_CRS` that ``fmt`` accepts; the first is its default."""
    kind = _format(fmt).crs_kind
    if kind == "wgs84":
        return [WGS84]
    if kind == "gauss_kruger":  # the 部标坐标txt: the plan's zone with prefix (the default) or without
        return list(zbtxt_crs())
    if kind == "projected":
        projected = [c for c in EXPORT_CRS if CRS.from_user_input(c).is_projected]
        local = local_crs()
        return sorted(projected, key=lambda c: c != local)
    return list(EXPORT_CRS)


def _check_crs(fmt: str, crs: str | None) -> str:
    spec = _format(fmt)
    allowed = crs_options(fmt)
    if crs is None:
        return allowed[0]
    parsed = parse_crs(crs, source="--crs")
    code = parsed.to_string()
    if code not in EXPORT_CRS:
        raise UsageError(said("err.io.crs_not_offered", crs=crs), source="--crs", fix=_one_of(EXPORT_CRS))
    if code not in allowed and spec.crs_kind == "wgs84":
        raise UsageError(
            said("err.io.crs_wgs84_only", label=_label(fmt), code=code), source="--crs",
            fix=said("err.io.crs_wgs84_only_fix", fmt=fmt),
        )
    if code not in allowed and spec.crs_kind == "gauss_kruger":
        zoned, plain = zbtxt_crs()
        raise UsageError(
            said("err.io.crs_txt_metres", label=ZBTXT_LABEL, code=code), source="--crs",
            fix=said("err.io.crs_txt_metres_fix", zoned=zoned, plain=plain),
        )
    if code not in allowed:
        raise UsageError(
            said("err.io.crs_dxf_degrees", label=_label(fmt), code=code), source="--crs",
            fix=said("err.io.crs_dxf_degrees_fix",
                     choices=_InLanguages.of(lambda lang: t("err.io.sep_or", lang).join(allowed))),
        )
    return code


def _check_encoding(fmt: str, encoding: str) -> str:
    """``UTF-8`` or ``GBK`` (also spelt utf8, cp936, 936), if ``fmt`` can write it."""
    spec = _format(fmt)
    key = encoding.strip().upper().replace("-", "").replace("_", "")
    wanted = {"UTF8": "UTF-8", "GBK": "GBK", "CP936": "GBK", "936": "GBK"}.get(key, encoding)
    if wanted in spec.encodings:
        return wanted
    if len(spec.encodings) > 1:
        raise UsageError(said("err.io.encoding_not_offered", encoding=encoding), source="--encoding",
                         fix=_one_of(e.lower() for e in spec.encodings))
    raise UsageError(said("err.io.utf8_only", label=_label(fmt), encoding=encoding), source="--encoding",
                     fix=said("err.io.utf8_only_fix"))


def split_geometry_types(name: str, gdf: gpd.GeoDataFrame) -> list[tuple[str, gpd.GeoDataFrame]]:
    """``[(layer name, part)]`` with one geometry family per part (see the module docstring).

    A family's single and multi parts are kept together (GeoPackage and
    Shapefile then declare the multi type). Nothing is dropped: features
    without geometry stay in the first part.
    """
    kinds = gdf.geom_type
    parts: list[tuple[str, gpd.GeoDataFrame]] = []
    assigned = kinds.isna()
    for family, types in FAMILIES:
        mask = kinds.isin(types)
        if not mask.any():
            continue
        if not parts:
            mask = mask | assigned  # no geometry: with the main part
            parts.append((name, gdf[mask]))
        else:
            parts.append((f"{name}_{family}", gdf[mask]))
    return parts or [(name, gdf)]


def is_indicative(layers: dict[str, gpd.GeoDataFrame]) -> bool:
    """Whether any feature's ``geometry_basis`` is ``indicative`` (placed by us, not surveyed)."""
    return any("geometry_basis" in g.columns and bool((g["geometry_basis"] == "indicative").any())
               for g in layers.values())


def default_name(layers: dict[str, gpd.GeoDataFrame], crs: str) -> str:
    """File stem that says what is inside: ``parcels_zones_EPSG<code>_示意`` (:data:`INDICATIVE`)."""
    parts = [*layers, crs.replace(":", "")]
    if is_indicative(layers):
        parts.append(INDICATIVE)
    return "_".join(parts)


# --- what a format splits or leaves out ----------------------------------------------



@dataclass(frozen=True)
class Note:
    """What an export did that the user did not ask for, in Chinese and English.

    ``warning``: something the user would look for is not where or not as they
    asked (a Shapefile split into two file sets, features or attributes left
    out); a GeoPackage's second layer is said without a warning.
    """

    zh: str
    en: str
    warning: bool = True

    def text(self, lang: str) -> str:
        """The note in ``lang`` (a language of the catalogue: Chinese or English)."""
        return self.zh if lang == "zh" else self.en


def left_layer_note(fmt: str, name: str, n: int) -> Note:
    """That layer ``name`` is left out whole: ``fmt`` holds none of its ``n`` features (the CLI's warning)."""
    spec, labels = _format(fmt), short_label(fmt)
    zh, en = (t("note.export.left_layer", lang, name=name, label=labels[i], holds=spec.holds[i], n=n)
              for i, lang in enumerate(LANGS))
    return Note(zh, en)


def short_label(fmt: str) -> tuple[str, str]:
    """The format's name without its parenthesis: ``("部标坐标txt", "部标 coordinate txt")``, ``("DXF", "DXF")``."""
    spec = _format(fmt)
    return spec.label_zh.split("（")[0], spec.label_en.split(" (")[0]


def _part_words(name: str, part: gpd.GeoDataFrame) -> tuple[str, str]:
    """``parcels（25 个面）`` / ``parcels (25 polygons)``: a split part and what it holds."""
    kinds = part.geom_type
    counts = [(family, int(kinds.isin(types).sum())) for family, types in FAMILIES]
    missing = int(kinds.isna().sum())
    words = []
    for lang in LANGS:
        held = [t(f"export.count_{family}_one" if n == 1 else f"export.count_{family}", lang, n=n)
                for family, n in counts if n]
        if missing:
            held.append(t("export.count_no_geometry", lang, n=missing))
        words.append(t("export.part", lang, name=name, parts=t("export.sep_part", lang).join(held)))
    return words[0], words[1]


def notes(fmt: str, layers: dict[str, gpd.GeoDataFrame]) -> list[Note]:
    """What writing ``layers`` in ``fmt`` splits or leaves out, layer by layer (none for most formats).

    A format holding one geometry type per layer splits a mixed layer
    (:func:`split_geometry_types`); a format whose ``left_out`` is set lists
    the features it cannot hold; a format with a ``note`` (DXF: no attribute
    table) says what else it leaves out. The CLI prints them on stderr, the
    Export page shows them.
    """
    spec = _format(fmt)
    labels = short_label(fmt)
    out: list[Note] = []
    for name, gdf in layers.items():
        if spec.one_geometry_type:
            parts = split_geometry_types(name, gdf)
            if len(parts) > 1:
                words = [_part_words(n, p) for n, p in parts]
                what = "export.what_layers" if spec.multi_layer else "export.what_files"
                zh, en = (t("export.note_split", lang, name=name, label=labels[i], n=len(parts), what=t(what, lang),
                            parts=t("export.sep_list", lang).join(w[i] for w in words))
                          for i, lang in enumerate(LANGS))
                out.append(Note(zh, en, warning=not spec.multi_layer))
        left = left_out(fmt, gdf)
        if left:
            zh, en = (t("export.note_left", lang, name=name, label=labels[i], holds=spec.holds[i], n=len(left),
                        items=t("export.sep_clause", lang).join(left)) for i, lang in enumerate(LANGS))
            out.append(Note(zh, en))
        other = spec.note(name, gdf) if spec.note is not None else None
        if other is not None:
            out.append(Note(*other))
    return out


# --- where the files go ----------------------------------------------------------------

Mode = Literal["file", "zip", "folder", "stream"]


@dataclass(frozen=True)
class Exported:
    """What an export wrote.

    ``path`` is the file asked for (``-o NAME.EXT``), the zip, or in a folder
    the first file; ``files`` every file written, in order (a CSV's ``.csvt``
    and ``.prj``, a Shapefile's companions, one file per layer in a folder);
    ``notes`` what the format split or left out (:func:`notes`).
    """

    path: Path
    files: tuple[Path, ...]
    notes: tuple[Note, ...] = ()


def _zip_only(spec: Format) -> bool:
    """A format that is always a zip (the Shapefile), unless its files are asked for unzipped (``.shp``)."""
    return spec.suffix == ".zip"


def _target(fmt: str, path: Path, names: list[str]) -> tuple[Mode, Path]:
    """How and where to write: a FIFO/device, a folder, a zip, or the file named (its suffix added if none)."""
    spec = FORMATS[fmt]
    several = not spec.multi_layer and len(names) > 1  # for one file of a one-layer format
    chosen = _one_layer(fmt, names)
    if is_special(path):
        if several and not _zip_only(spec):
            raise UsageError(chosen, source=str(path), fix=said("err.io.one_layer_stream_fix"))
        return "stream", path
    if path.is_dir():
        return "folder", path
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return "zip", path
    if suffix not in (spec.suffix, *spec.aliases):
        other = next((k for k, f in FORMATS.items() if suffix in (f.suffix, *f.aliases)), None)
        if other is not None:
            raise UsageError(
                said("err.io.suffix_other_format", suffix=path.suffix, other=_label(other, short=True),
                     label=_label(fmt, short=True)),
                source=str(path),
                fix=said("err.io.suffix_other_format_fix", stem=path.name[: -len(path.suffix)], suffix=spec.suffix,
                         fmt=other),
            )
        path = path.with_name(path.name + spec.suffix)  # no suffix, or one no format uses (parcels.v2)
        if _zip_only(spec):
            return "zip", path
    if several:
        raise UsageError(chosen, source=str(path), fix=said("err.io.one_layer_file_fix", stem=path.stem))
    return "file", path


def _one_layer(fmt: str, names: list[str]) -> Said:
    """The error's words when several layers are chosen for one file of a one-layer format."""
    return said("err.io.one_layer_format", label=_label(fmt, short=True), n=len(names), names=", ".join(names))


def _renamed(layer: str, written: Path, stem: str, suffix: str, spec: Format) -> str:
    """The name of a file written for ``layer`` (``parcels_points.shp``, ``parcels.csvt``) under a new stem;
    the main file takes ``suffix``, the one the user typed (``.json``, ``.GeoJSON``)."""
    rest = written.name[len(layer):] if written.name.startswith(layer) else f"_{written.name}"
    return stem + (suffix if rest == spec.suffix else rest)


def _zip(files: list[Path], staged: Path, names: list[str] | None = None) -> Path:
    with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as zf:
        for f, arcname in zip(files, names or [f.name for f in files], strict=True):
            zf.write(f, arcname)
    return staged


def bundle_bytes(files: list[Path]) -> bytes:
    """``files`` zipped under their own names, in memory (a download of a file and its sidecars)."""
    with tempfile.TemporaryDirectory(prefix="geo-bundle-") as tmp:
        return _zip(files, Path(tmp) / "bundle.zip").read_bytes()


def _place(mode: Mode, target: Path, spec: Format, written: list[tuple[str, list[Path]]], work: Path,
           folder_name: str, layer_names: dict[str, str]) -> list[Path]:
    """Move the files built in ``work`` to their names (see the module docstring); return them in order."""
    every = list(dict.fromkeys(f for _, files in written for f in files))
    if mode == "zip" or (_zip_only(spec) and mode != "file"):
        dest = target / f"{folder_name}.zip" if mode == "folder" else target
        arcnames = [f"{dest.stem}{f.suffix}" if spec.multi_layer else f.name for f in every]
        return [place_file(_zip(every, work / "bundle.zip", arcnames), dest)]
    if spec.multi_layer:  # one file holds every layer
        (only,) = every
        dest = target / f"{folder_name}{spec.suffix}" if mode == "folder" else target
        return [place_file(only, dest)]
    if mode == "stream":  # one layer's main file (sidecars cannot follow it into a FIFO)
        (main,) = [f for f in every if f.suffix == spec.suffix]
        return [place_file(main, target)]
    out = []
    for layer, files in written:
        if mode == "folder":
            stem, suffix, parent = layer_names[layer], spec.suffix, target
        else:
            stem, suffix, parent = target.name[: -len(target.suffix)], target.suffix, target.parent
        out += [place_file(f, parent / _renamed(layer, f, stem, suffix, spec)) for f in files]
    return out


def export_files(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    fmt: str,
    crs: str | None = None,
    path: str | Path,
    options: ExportOptions | None = None,
    encoding: str = "UTF-8",
) -> Exported:
    """Write ``layers`` (name → GeoDataFrame) to ``path`` in ``fmt`` and ``crs``; say what was written.

    Parameters
    ----------
    layers
        Layer name → layer, any CRS.
    fmt
        A key of :data:`FORMATS`.
    crs
        Target CRS (a key of :data:`geo.crs.EXPORT_CRS`); ``None``: the
        format's default (WGS84; the plan's Gauss–Krüger zone for DXF).
    path
        The file to write, exactly (``parcels.geojson``; without a suffix the
        format's is added; ``.zip``: the files zipped; ``.shp``: a Shapefile
        unzipped), a FIFO or device (one file only), or an existing folder, in
        which files get :func:`default_name` (one per layer for a one-layer format).
    options
        Track colours, field labels and title for styled formats
        (:func:`layers.export_options` builds them from the plan's data).
    encoding
        Text encoding: ``UTF-8``, or ``GBK`` for Shapefiles read by old ArcMap.

    Returns
    -------
    Exported
        The file asked for, every file written, and what the format split or left out.

    Raises
    ------
    UsageError
        Unknown format; CRS not offered or not accepted by the format; encoding not offered; a suffix naming
        another format; several layers for one file of a one-layer format.
    ExportError
        GDAL failed to write, or the target folder is not writable.
    """
    spec = _format(fmt)
    code = _check_crs(fmt, crs)
    opts = replace(options or DEFAULT_OPTIONS, encoding=_check_encoding(fmt, encoding))
    if not layers:
        raise UsageError(said("err.io.no_layer"), source="--layer", fix=said("err.io.no_layer_fix"))
    for name, gdf in layers.items():
        if gdf.crs is None:
            raise ExportError(said("err.io.layer_no_crs"), source=name, fix=said("err.io.layer_no_crs_fix"))
    mode, target = _target(fmt, Path(path), list(layers))
    parent = target if mode == "folder" else target.parent
    if not parent.is_dir():
        raise ExportError(said("err.io.no_output_folder"), source=str(parent), fix=said("err.io.no_output_folder_fix"))
    try:
        with tempfile.TemporaryDirectory(dir=None if mode == "stream" else parent, prefix=".export-") as tmp:
            work = Path(tmp)
            written: list[tuple[str, list[Path]]] = []
            for name, gdf in layers.items():
                projected = gdf.to_crs(code)
                files: list[Path] = []
                for part_name, part in split_geometry_types(name, projected) if spec.one_geometry_type \
                        else [(name, projected)]:
                    if spec.write_styled is not None:
                        files += spec.write_styled(part, part_name, work, opts)
                    else:
                        files += spec.write(part, part_name, work)
                written.append((name, list(dict.fromkeys(files))))
            names = {name: default_name({name: gdf}, code) for name, gdf in layers.items()}
            placed = _place(mode, target, spec, written, work, default_name(layers, code), names)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError, shapely.errors.GEOSException) as exc:
        raise ExportError(said("err.io.write_failed", error=str(exc)), source=str(target),
                          fix=said("err.io.write_failed_fix")) from None
    first = target if mode in ("file", "stream", "zip") else placed[0]
    done = notes(fmt, layers)
    if mode == "stream" and spec.sidecars and not _zip_only(spec):
        done.append(Note(*pair("export.note_stream", suffix=spec.suffix, sidecars="/".join(spec.sidecars)),
                         warning=False))
    return Exported(path=first, files=tuple(placed), notes=tuple(done))


def export_layers(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    fmt: str,
    crs: str | None = None,
    path: str | Path,
    options: ExportOptions | None = None,
    encoding: str = "UTF-8",
) -> Path:
    """:func:`export_files`, returning only the file asked for (in a folder: the first file written)."""
    return export_files(layers, fmt=fmt, crs=crs, path=path, options=options, encoding=encoding).path


def export_bytes(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    fmt: str,
    crs: str | None = None,
    name: str | None = None,
    options: ExportOptions | None = None,
    encoding: str = "UTF-8",
    sidecars: bool = False,
    bundle: bool = True,
) -> tuple[bytes, str]:
    """Export to one file in memory (a download, stdout): its bytes and its name.

    The name is :func:`default_name` (or ``name``) with the format's suffix:
    the one file a GeoJSON, GeoPackage, KML … export is. A CSV is the ``.csv``
    alone, or with ``sidecars`` a zip of it and its ``.csvt`` and ``.prj``;
    a Shapefile is its zip. Several layers of a one-layer format (GeoJSON, CSV,
    GeoParquet, 部标坐标txt) are a zip of one file per layer — or, with
    ``bundle=False`` (stdout), a :class:`UsageError` before anything is written.
    """
    spec = _format(fmt)
    if not bundle and not spec.multi_layer and not _zip_only(spec) and len(layers) > 1:
        raise UsageError(_one_layer(fmt, list(layers)), source="-o -", fix=said("err.io.one_layer_stream_fix"))
    code = _check_crs(fmt, crs)
    with tempfile.TemporaryDirectory(prefix="geo-export-") as tmp:
        folder = Path(tmp) / "out"
        folder.mkdir()
        files = list(export_files(layers, fmt=fmt, crs=code, path=folder, options=options,
                                  encoding=encoding).files)
        mains = [f for f in files if f.suffix == spec.suffix]
        if len(files) == 1 or (len(mains) == 1 and not sidecars):
            (main,) = mains
            return main.read_bytes(), f"{name}{spec.suffix}" if name else main.name
        return bundle_bytes(files), f"{name or default_name(layers, code)}.zip"
