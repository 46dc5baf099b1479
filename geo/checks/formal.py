"""The formal 地块核查报告 of a check: Word, PDF or HTML, in one language, to file and sign.

:func:`formal_content` turns a :class:`geo.checks.pipeline.CheckRun` into the
shared report model (:class:`geo.reports.model.ReportContent`), and the writers
of :mod:`geo.reports` — the same ones as the 监测评估 report's — put it on paper.
The report holds, in Chinese (``lang="zh"``, default) or English throughout:

- the title (the plan's title and 地块核查报告), the file's name and SHA-256, the
  date and time in China time, the 核查人 (the signed-in user or ``--user``; a
  line to fill for the single user);
- 一 核查对象: the file (format, CRS and how it was found, parcels);
- 二 核查内容与容差: every check with its severity and the limits used
  (the area tolerance of the check's options, the sliver and outside limits);
- 三 核查结果: a summary table (parcels checked, matched, flagged, findings by
  severity) and the count of each kind of finding;
- 四 问题清单: each finding by the parcel's own name (the file's name field,
  ``--name-field``; else its row number), the kind, severity and the message
  in words (GEOS's reasons translated, with their place);
- 五 整改情况 (a resubmission only, :mod:`geo.checks.resubmit`): the earlier upload it resubmits, how many of
  its findings were fixed, are still open and are new, and a table of them by the parcel's own name;
- 五 (六) 地块分布图: the print map (:func:`geo.mapview.figure.render_figure`) of
  the checked parcels labelled with their names, coloured by their worst
  finding, with scale bar, north arrow and CRS; the spatial units drawn for
  orientation are 示意 (indicative);
- 六 (七) 核查意见: lines for the 核查意见, 核查人, 审核人 and date, to sign.

No internal key (``area_mismatch``, ``project_id``) is printed: checks and
severities are named by their words, plan projects by their names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

import pandas as pd

from geo.checks.messages import messages_in
from geo.checks.registry import CHECKS, SEVERITIES, run_checks
from geo.errors import UsageError, said
from geo.i18n import LANGS, has, pair, t
from geo.reports.model import Fill, Image, ReportContent, Section, Table, Text

if TYPE_CHECKING:
    import geopandas as gpd

    from geo.checks.pipeline import CheckRun
    from geo.checks.resubmit import Resubmission

#: The time zone of the report's date (the office's).
CHINA: Final = ZoneInfo("Asia/Shanghai")
#: At most this many findings are listed (the findings CSV has them all).
MAX_ROWS: Final = 2000

#: File formats (``ReadResult.fmt``) the report names in words (``formal.format.<fmt>``); others are printed as read.
FORMATS: Final = frozenset({"geopackage", "gpkg", "zip", "geojson", "kml", "csv", "parquet", "zbtxt"})


def _t(key: str, lang: str, **values: object) -> str:
    """The report's message ``formal.<key>`` in ``lang``."""
    return t(f"formal.{key}", lang, **values)


def _severity(severity: str, lang: str) -> str:
    """A severity in words (``错误`` / ``error``); as given if it is no severity."""
    return _t(f"severity.{severity}", lang) if severity in SEVERITIES else severity


def _check_name(key: str, lang: str) -> str:
    """A check by its name in ``lang`` (``""`` for a check the registry does not know)."""
    return t(f"registry.{key}", lang) if key in CHECKS else ""


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def china_now() -> dt.datetime:
    """Now, in China time."""
    return dt.datetime.now(CHINA)


def fmt_date(when: dt.datetime, lang: str) -> str:
    """``2026年12月7日 06:59（北京时间）`` / ``2026-12-07 06:59 (China time, UTC+8)``."""
    local = when.astimezone(CHINA)
    return _t("date_time", lang, year=local.year, month=local.month, day=local.day, time=f"{local:%H:%M}")


def _number(value: float, digits: int = 2) -> str:
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def _limits() -> dict[str, float]:
    """The fixed limits of :func:`geo.checks.registry.run_checks` (its defaults: what the pipeline uses)."""
    params = inspect.signature(run_checks).parameters
    return {name: float(params[name].default) for name in ("sliver_mu", "min_compactness", "min_outside_mu")}


def parcel_names(parcels: pd.DataFrame, name_field: str | None, lang: str) -> dict[int, str]:
    """Each feature's name: the file's own (``name_field``), else ``第 N 个要素`` / ``feature N``."""
    names: dict[int, str] = {}
    column = parcels[name_field] if name_field and name_field in parcels.columns else None
    for i, feature in enumerate(parcels.index):
        value = None if column is None else column.iloc[i]
        text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()
        names[int(feature)] = text or _t("row", lang, n=int(feature))
    return names


def _finding_parcel(feature: object, project: object, names: Mapping[int, str], plan_names: Mapping[str, str],
                    lang: str) -> str:
    if feature is not None and not pd.isna(feature):  # type: ignore[call-overload]
        n = int(feature)  # type: ignore[call-overload]
        return names.get(n) or _t("row", lang, n=n)
    if isinstance(project, str) and project:
        return _t("project", lang, name=plan_names.get(project, project))
    return _t("whole_file", lang)


#: A finding's ``parcel_name`` saved with an earlier upload that is only its row or its project (the words
#: geo.checks.diagnose wrote), not a name: it matches the stored bytes, whatever the catalogue says now.
_ROW_OR_PROJECT: Final = re.compile(r"^(第 \d+ 个要素|feature \d+|项目 |project |整个文件$|the whole file$)")


def _feature_ref() -> re.Pattern[str]:
    """Another feature named in a message (``要素 1``, ``feature 1``), by the catalogue's word for a feature."""
    zh, en = pair("checkmsg.feature_word")
    return re.compile(f"({re.escape(zh)} ?|{re.escape(en)} )(\\d+)( ?)")


def _named_refs(message: str, names: Mapping[int, str], lang: str) -> str:
    """``与要素 1 的几何完全相同`` → ``与要素 1（<名称>）的几何完全相同``: another parcel by its name too."""
    def named(m: re.Match[str]) -> str:
        n = int(m.group(2))
        name = names.get(n, "")
        ref = m.group(1) + m.group(2)
        if not name or name == _t("row", lang, n=n):
            return m.group(0)
        # the full-width brackets of Chinese take the space after the number; English keeps it
        return _t("named_ref", lang, ref=ref, name=name) + ("" if lang == "zh" else m.group(3))

    return _feature_ref().sub(named, message)


def _worst(result_findings: pd.DataFrame) -> dict[int, str]:
    """Each flagged feature's worst severity."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out: dict[int, str] = {}
    for feature, severity in zip(result_findings["feature"], result_findings["severity"], strict=True):
        if feature is None or pd.isna(feature):
            continue
        key = int(feature)
        if key not in out or rank[str(severity)] < rank[out[key]]:
            out[key] = str(severity)
    return out


def check_map(run: CheckRun, *, lang: str = "zh", dpi: int = 150,
              zones: gpd.GeoDataFrame | None = None, districts: gpd.GeoDataFrame | None = None) -> bytes:
    """The print map (A4 landscape PNG) of the checked parcels, named as in the file, coloured by worst finding."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    from geo.mapview.figure import FigureText, LegendEntry, render_figure
    from geo.mapview.paper import Paper

    parcels = run.result.parcels
    names = parcel_names(parcels, run.options.name_field or run.result.summary.get("label_field"), lang)
    worst = _worst(run.result.findings)
    drawn = parcels[[parcels.geometry.name]].copy()
    drawn["_status"] = [worst.get(int(i), "ok") for i in parcels.index]
    drawn["_label"] = [names[int(i)] for i in parcels.index]
    colours = {"error": "#d62728", "warning": "#ff9f1c", "info": "#4c78a8", "ok": "#9aa5b1"}
    legend = [LegendEntry(k, _t(f"map_legend_{k}", lang), colours[k]) for k in ("error", "warning", "info", "ok")]
    crs_kw: dict[str, str] = {}
    try:
        if run.read.crs and CRS.from_user_input(run.read.crs).is_projected:
            crs_kw["crs"] = str(run.read.crs)  # drawn in the file's own CRS
    except CRSError:  # a CRS pyproj cannot parse: the map is drawn in the default projected CRS
        crs_kw = {}
    text = FigureText(_t("map_title", lang), _t("subtitle", lang, name=run.read.source),
                      (_t("map_geometry", lang),), lang)
    return bytes(render_figure(drawn, legend=legend, text=text, zones=zones, districts=districts,
                               paper=Paper("A4", "landscape", dpi), fmt="png", key="_status", label="_label",
                               zone_label="name_zh" if lang == "zh" else "name_en",
                               district_label="name_zh" if lang == "zh" else "name_en", **crs_kw))  # type: ignore[arg-type]


def formal_content(
    run: CheckRun,
    *,
    sha256: str,
    plan_title: str,
    checker: str = "",
    lang: str = "zh",
    made: dt.datetime | None = None,
    plan_names: Mapping[str, str] | None = None,
    map_png: bytes | None = None,
    map_error: str = "",
    max_rows: int = MAX_ROWS,
    resubmission: Resubmission | None = None,
) -> ReportContent:
    """The 核查报告 of ``run`` as the shared report model (see the module's docstring for what it holds).

    ``checker`` is who checked (empty: a line to fill); ``plan_names`` maps plan project ids to their names
    in ``lang`` (findings about a whole project name it); ``map_png`` is :func:`check_map`'s picture;
    ``resubmission`` (:func:`geo.checks.resubmit.against`) adds the section 整改情况.
    """
    if lang not in LANGS:
        raise UsageError(said("err.check.unknown_lang", code=lang), source="--lang", fix=said("err.check.lang_fix"))
    made = made or china_now()
    plan_names = plan_names or {}
    result, read, options = run.result, run.read, run.options
    summary = result.summary
    findings = result.findings
    zh = lang == "zh"
    crs_note = read.crs_note[0] if zh else read.crs_note[1]
    detected = None if options.name_field else summary.get("label_field")  # geo.checks.diagnose found one
    names = parcel_names(result.parcels, options.name_field or detected, lang)
    fmt = str(read.fmt).lower()

    facts = [
        (_t("file", lang), read.source),
        (_t("sha", lang), sha256),
        (_t("format", lang), _t(f"format.{fmt}", lang) if fmt in FORMATS else str(read.fmt)),
        (_t("crs", lang), crs_note),
        (_t("name_field", lang), options.name_field or (_t("detected_field", lang, field=detected) if detected
                                                       else _t("no_name_field", lang))),
        (_t("features", lang), f"{int(summary['features']):,}"),
        (_t("date", lang), fmt_date(made, lang)),
        (_t("checker", lang), checker or _t("blank_checker", lang)),
    ]
    object_blocks: list[Text | Table | Image | Fill] = [
        Table("object", _t("t_object", lang), (_t("item", lang), _t("value", lang)), tuple(facts), (1.0, 3.0))]
    if options.make_valid:
        object_blocks.append(Text(_t("make_valid", lang)))

    limits = _limits()
    fill = {"tolerance": _number(options.tolerance_pct), "outside": _number(limits["min_outside_mu"], 3),
            "sliver": _number(limits["sliver_mu"], 3), "compact": _number(limits["min_compactness"], 3)}
    check_blocks: list[Text | Table | Image | Fill] = [Text(_t("checks_intro", lang))]
    for key, check in CHECKS.items():
        name = _check_name(key, lang)
        described = _t(f"describe.{key}", lang, **fill) if has(f"formal.describe.{key}") else name
        check_blocks.append(Text(_t("check_item", lang, name=name, severity=_severity(check.severity, lang),
                                    described=described), "item"))
    check_blocks.append(Text(_t("area_note", lang), "note"))

    by_severity = summary.get("by_severity", {})
    rows = [
        (_t("features", lang), f"{int(summary['features']):,}"),
        (_t("matched", lang), f"{int(summary['matched']):,}"),
        (_t("unmatched", lang), f"{int(summary['unmatched']):,}"),
        (_t("projects", lang), f"{int(summary.get('projects', 0)):,}"),
        (_t("measured", lang), _number(float(summary.get("measured_mu", 0.0)))),
        (_t("flagged", lang), f"{int(summary['flagged_features']):,}"),
        (_t("findings", lang), f"{int(summary['findings']):,}"),
        *((_t("by_severity", lang, severity=_severity(s, lang)), f"{int(by_severity.get(s, 0)):,}")
          for s in SEVERITIES),
    ]
    kinds = tuple(
        (_check_name(key, lang), _severity(check.severity, lang), f"{int(n):,}")
        for key, check in CHECKS.items() for n in [summary.get("by_check", {}).get(key, 0)] if n
    )
    result_blocks: list[Text | Table | Image | Fill] = [
        Table("summary", _t("t_summary", lang), (_t("item", lang), _t("count", lang)), tuple(rows), (3.0, 1.0),
              (False, True)),
    ]
    if kinds:
        result_blocks.append(Table("kinds", _t("t_kinds", lang),
                                   (_t("check", lang), _t("severity", lang), _t("count", lang)), kinds,
                                   (3.0, 1.0, 1.0), (False, False, True)))
    else:
        result_blocks.append(Text(_t("no_findings", lang)))

    finding_blocks: list[Text | Table | Image | Fill] = []
    if len(findings):
        order = findings.assign(_f=findings["feature"].astype("Float64").fillna(-1.0)).sort_values(
            "_f", kind="stable")
        shown = order.head(max_rows)
        messages = messages_in(shown, lang="zh" if zh else "en")
        fix_column = "fix_zh" if zh else "fix_en"
        if fix_column in shown.columns:  # how to fix it, after what was found
            fixes = shown[fix_column].fillna("").astype(str)
            messages = messages.astype(str).where(fixes.eq(""), messages.astype(str) + _t("fix_sep", lang)
                                                  + _t("fix", lang) + fixes)
        table_rows = tuple(
            (str(i), _finding_parcel(feature, project, names, plan_names, lang),
             _check_name(str(check), lang), _severity(str(severity), lang),
             _named_refs(str(message), names, lang))
            for i, (feature, project, check, severity, message) in enumerate(zip(
                shown["feature"].astype(object), shown["project_id"].astype(object), shown["check"],
                shown["severity"], messages.astype(object), strict=True), start=1)
        )
        notes = (_t("more", lang, n=max_rows, total=len(findings)),) if len(findings) > max_rows else ()
        finding_blocks.append(Table(
            "findings", _t("t_findings", lang),
            (_t("no", lang), _t("parcel", lang), _t("check", lang), _t("severity", lang), _t("message", lang)),
            table_rows, (0.6, 2.2, 1.6, 0.8, 4.8), notes=notes))
    else:
        finding_blocks.append(Text(_t("no_findings", lang)))

    sections = [
        Section(_t("s_object", lang), 1, tuple(object_blocks)),
        Section(_t("s_checks", lang), 1, tuple(check_blocks)),
        Section(_t("s_result", lang), 1, tuple(result_blocks)),
        Section(_t("s_findings", lang), 1, tuple(finding_blocks)),
    ]
    shift = 0
    if resubmission is not None:
        sections.append(resubmission_section(resubmission, names, plan_names, lang, max_rows=max_rows))
        shift = 1
    if map_png is not None:
        sections.append(Section(_renumber(_t("s_map", lang), shift, lang), 1, (
            Image(map_png, _t("f_map", lang), 240.0), Text(_t("map_note", lang), "note")), landscape=True))
    elif map_error:
        sections.append(Section(_renumber(_t("s_map", lang), shift, lang), 1, (
            Text(_t("map_failed", lang, reason=map_error), "note"),)))
    sep = _t("sep", lang)
    sections.append(Section(_renumber(_t("s_sign", lang), shift, lang), 1, (
        Fill(_t("opinion", lang), lines=3, sep=sep),
        Fill(_t("checker", lang), checker, sep=sep),
        Fill(_t("reviewer", lang), sep=sep),
        Fill(_t("sign_date", lang), sep=sep),
    )))
    title = _t("title", lang, plan=plan_title, report=_t("report", lang))
    return ReportContent(title, _t("subtitle", lang, name=read.source), cover=(fmt_date(made, lang),),
                         sections=tuple(sections), lang=lang, page_label=_t("page", lang, n="{n}"),
                         author=checker or "python -m geo check")


def _renumber(title: str, by: int, lang: str) -> str:
    """A section title numbered ``by`` later (``五、地块分布图`` → ``六、地块分布图``; ``5 Map`` → ``6 Map``)."""
    if not by:
        return title
    numerals = _t("numerals", lang).split()
    for i in sorted(range(len(numerals) - by), key=lambda k: -len(numerals[k])):  # 10 before 1
        rest = title.removeprefix(numerals[i])
        if rest != title and not rest[:1].isdigit():
            return numerals[i + by] + rest
    return title


def _when(saved_at: str, lang: str) -> str:
    """An upload's ISO time in China time, as the report writes dates; as given if it is not a time."""
    try:
        return fmt_date(dt.datetime.fromisoformat(saved_at), lang)
    except ValueError:
        return saved_at


def resubmission_section(resubmission: Resubmission, names: Mapping[int, str], plan_names: Mapping[str, str],
                         lang: str, *, max_rows: int = MAX_ROWS) -> Section:
    """五、整改情况: the earlier upload, the counts fixed / still open / new, and the findings by parcel name.

    Fixed findings are named as the earlier file named their parcel (its ``parcel_name``), the others as this
    file does.
    """
    zh = lang == "zh"
    counts = resubmission.counts
    blocks: list[Text | Table | Image | Fill] = [
        Text(_t("resubmit_of", lang, name=resubmission.of_name or resubmission.of,
                saved=_when(resubmission.of_saved_at, lang), uid=resubmission.of)),
        Text(_t("resubmit_counts", lang, **counts)),
    ]
    listed = resubmission.listed()
    if not len(listed):
        blocks.append(Text(_t("no_changes", lang)))
    else:
        shown = listed.head(max_rows)
        messages = messages_in(shown, lang="zh" if zh else "en").astype(str)
        label = "parcel_name" if zh else "parcel_name_en"
        own = shown[label].fillna("").astype(str) if label in shown.columns else pd.Series("", index=shown.index)
        rows = []
        for i, (feature, project, check, since, message, old) in enumerate(zip(
                shown["feature"].astype(object), shown["project_id"].astype(object), shown["check"].astype(str),
                shown["since"].astype(str), messages, own, strict=True), start=1):
            if since != "fixed":  # named as this file names the parcel
                parcel = _finding_parcel(feature, project, names, plan_names, lang)
            elif old and not _ROW_OR_PROJECT.match(old):  # as the earlier file named it
                parcel = old
            else:
                parcel = _finding_parcel(feature, project, {}, plan_names, lang)
            rows.append((str(i), parcel, _check_name(check, lang), t(f"resubmit.status.{since}", lang), message))
        notes: tuple[str, ...] = (_t("resubmit_rule", lang),)
        if len(listed) > max_rows:
            notes += (_t("more", lang, n=max_rows, total=len(listed)),)
        blocks.append(Table("resubmission", _t("t_resubmit", lang),
                            (_t("no", lang), _t("parcel", lang), _t("check", lang), _t("status", lang),
                             _t("message", lang)), tuple(rows), (0.6, 2.2, 1.6, 0.9, 4.7), notes=notes))
    return Section(_t("s_resubmit", lang), 1, tuple(blocks))


def header_rows(content: ReportContent) -> list[tuple[str, str]]:
    """The first table's rows (file, SHA-256, format, CRS, name field, parcels, date, 核查人) of a 核查报告."""
    return [(a, b) for a, b in (row[:2] for row in content.table("object").rows)]


def build_formal(
    run: CheckRun,
    path: str | Path | None,
    *,
    checker: str = "",
    lang: str = "zh",
    plan_parcels: pd.DataFrame | None = None,
    with_map: bool = True,
    made: dt.datetime | None = None,
    sha256: str | None = None,
    zones: gpd.GeoDataFrame | None = None,
    districts: gpd.GeoDataFrame | None = None,
    resubmission: Resubmission | None = None,
) -> ReportContent:
    """:func:`formal_content` with the plan's title (``layers``), the file's SHA-256 and the map drawn.

    ``resubmission`` (a corrected file compared with the upload it resubmits) adds the section 整改情况.
    """
    import layers

    if lang not in LANGS:
        raise UsageError(said("err.check.unknown_lang", code=lang), source="--lang", fix=said("err.check.lang_fix"))
    info = layers.load_plan_info()
    plan_title = str(info["title_zh" if lang == "zh" else "title_en"])
    digest = sha256 or (file_sha256(path) if path is not None and Path(path).is_file() else "—")
    plan_names: dict[str, str] = {}
    if plan_parcels is not None and "project_id" in plan_parcels.columns:
        column = "name_zh" if lang == "zh" else "name_en"
        if column in plan_parcels.columns:
            plan_names = {str(p): str(n) for p, n in zip(plan_parcels["project_id"], plan_parcels[column],
                                                         strict=True)}
    png, error = None, ""
    if with_map and len(run.result.parcels):
        from geo.errors import GeoError

        try:
            png = check_map(run, lang=lang, zones=zones, districts=districts)
        except GeoError as exc:  # no Chinese font, nothing to draw: the report is still written, and says so
            error = str(exc)
    return formal_content(run, sha256=digest, plan_title=plan_title, checker=checker, lang=lang, made=made,
                          plan_names=plan_names, map_png=png, map_error=error, resubmission=resubmission)


def report_words(content: ReportContent) -> str:
    """Every text of the report in one string (for tests and checks of its words)."""
    return "\n".join(content.strings())


__all__ = [
    "CHINA", "FORMATS", "LANGS", "MAX_ROWS", "build_formal", "check_map", "china_now",
    "file_sha256", "fmt_date", "formal_content", "header_rows", "parcel_names", "report_words",
]
