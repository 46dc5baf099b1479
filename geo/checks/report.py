"""Reports of a check: printable HTML, CSV of findings, GeoJSON of flagged features.

The HTML report is one self-contained file (no scripts, no links to fetch):
a summary (with the user's attributes renamed on read, ``feature`` →
``feature_src``: see :mod:`geo.io.columns`), an inline SVG map drawn here from the geometry (flagged parcels in
red, others grey, the plan's indicative parcels dashed) and the findings table,
each finding's message in Chinese with the English on a second line. The CSV
has both message columns (``message``, ``message_zh``) and each value's unit,
or, for officials, Chinese headers and texts (:func:`findings_csv`).
SVG keeps it dependency-free and sharp when printed; parcels beyond
:data:`MAX_MAP_FEATURES` are drawn only if flagged, and the map says so.
"""

from __future__ import annotations

import html
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.checks.messages import messages_in
from geo.checks.registry import CHECKS, SEVERITIES, CheckResult
from geo.crs import WGS84, equal_area
from geo.errors import UsageError, said
from geo.i18n import pair, t

if TYPE_CHECKING:
    from geo.reports.model import ReportContent

MAX_MAP_FEATURES: Final = 20_000
_W, _H = 760, 520


@dataclass(frozen=True)
class Unit:
    """The unit of a finding's ``value`` in Chinese and English, and its decimals in the CSV."""

    zh: str
    en: str
    decimals: int


MU: Final = Unit(*pair("checkreport.unit.mu"), 3)
PERCENT: Final = Unit("%", "%", 2)
PARTS: Final = Unit(*pair("checkreport.unit.parts"), 0)
FEATURE_NO: Final = Unit(*pair("checkreport.unit.feature_no"), 0)
NO_UNIT: Final = Unit("", "", 3)

#: Unit of each check's ``value``, keyed by check name; it restates ``CHECKS[check].value``
#: (tests/test_report.py holds the two together). Checks not listed get :func:`unit_from_meaning`.
UNITS: Final[dict[str, Unit]] = {
    "empty": NO_UNIT, "not_polygon": NO_UNIT, "invalid": MU, "duplicate": FEATURE_NO, "overlap": MU,
    "area_mismatch": MU, "outside_zone": MU, "outside_districts": MU, "unmatched": NO_UNIT,
    "missing_attribute": NO_UNIT, "multipart": PARTS, "sliver": MU, "area_unknown": MU,
    "declared_area": MU, "file_location": NO_UNIT, "file_axes": NO_UNIT, "file_area_unit": NO_UNIT,
}

#: Headers of the findings CSV for officials (Chinese), by column.
CSV_HEADERS_ZH: Final[dict[str, str]] = {
    column: t(f"checkreport.{'csv' if column in ('check', 'severity') else 'col'}.{column}", "zh")
    for column in ("feature", "project_id", "check", "severity", "message", "value", "unit")
}
#: Columns added to the officials' CSV when the findings carry them (:mod:`geo.checks.diagnose`).
CSV_EXTRA_ZH: Final[dict[str, str]] = {
    "parcel_name": t("checkreport.col.parcel_name", "zh"), "point": t("checkreport.col.point", "zh"),
    "ring": t("checkreport.col.ring", "zh"), "x": "X", "y": "Y", "fix_zh": t("checkreport.col.fix", "zh"),
}
#: The severities in Chinese, by key.
SEVERITY_ZH: Final[dict[str, str]] = {s: t(f"formal.severity.{s}", "zh") for s in SEVERITIES}
CSV_LANGS: Final = ("en", "zh")


def unit_from_meaning(meaning: str) -> Unit:
    """The unit a check registry meaning names: ``… mu`` → 亩, ``%``/percent → %, ``number of …`` → 个."""
    text = meaning.lower()
    if "%" in text or "percent" in text:
        return PERCENT
    if re.search(r"\bmu\b", text):
        return MU
    if text.startswith("number of"):
        return PARTS
    return NO_UNIT


def unit_of(check: str) -> Unit:
    """The unit of ``check``'s value: :data:`UNITS`, else read from ``CHECKS[check].value``."""
    if check in UNITS:
        return UNITS[check]
    return unit_from_meaning(CHECKS[check].value) if check in CHECKS else NO_UNIT


def round_to_unit(value: float, unit: Unit) -> float | int | None:
    """``value`` rounded to ``unit.decimals`` (whole numbers as int); None when missing or not finite."""
    if value is None or not np.isfinite(value):
        return None
    return round(value) if unit.decimals == 0 else round(float(value), unit.decimals)


def _rounded(values: pd.Series, checks: pd.Series) -> pd.Series:
    """Each value rounded to its check's unit (mu 3 decimals, % 2, counts whole); missing stays empty."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    out = [round_to_unit(v, unit_of(str(c))) for v, c in zip(numbers, checks, strict=True)]
    return pd.Series(out, index=values.index, dtype=object)


def findings_csv(findings: pd.DataFrame, *, lang: str = "en") -> bytes:
    """Findings as CSV, UTF-8 with BOM so that Excel shows the Chinese.

    ``lang="en"``: the columns of :data:`FINDING_COLUMNS` (``message`` and
    ``message_zh`` both) plus ``unit``. ``lang="zh"`` (for officials): Chinese
    headers (:data:`CSV_HEADERS_ZH`: 序号/要素, 项目编号, 检查项, 严重程度, 说明,
    数值, 单位), check names and severities in Chinese and the Chinese message.
    Either way ``value`` is rounded to its unit (亩 to 3 decimals, % to 2,
    counts whole) and a missing value is an empty cell, never 0.
    """
    if lang not in CSV_LANGS:
        raise UsageError(said("err.check.unknown_csv_lang", code=lang), source="--csv-lang",
                         fix=said("err.check.lang_fix"))
    checks = findings["check"].astype(str)
    value = _rounded(findings["value"], checks)
    if lang == "en":
        out = findings.assign(message_zh=messages_in(findings, lang="zh"), value=value,
                              unit=[unit_of(c).en for c in checks])
        added = [c for c in out.columns if c in CSV_EXTRA_ZH or c in ("parcel_name_en", "fix_en")]
        out = out[[*(c for c in out.columns if c not in added and c != "unit"), "unit", *added]]  # added last
        return out.to_csv(index=False).encode("utf-8-sig")
    out = pd.DataFrame({
        "feature": findings["feature"],
        "project_id": findings["project_id"],
        "check": [CHECKS[c].zh if c in CHECKS else c for c in checks],
        "severity": findings["severity"].map(lambda v: SEVERITY_ZH.get(str(v), v)),
        "message": messages_in(findings, lang="zh"),
        "value": value,
        "unit": [unit_of(c).zh for c in checks],
    })
    for column, header in CSV_EXTRA_ZH.items():  # the parcel's own name, its point and place, the fix
        if column in findings.columns:
            out[header] = findings[column].to_numpy()
    return out.rename(columns=CSV_HEADERS_ZH).to_csv(index=False).encode("utf-8-sig")


def flagged_features(result: CheckResult) -> gpd.GeoDataFrame:
    """Features with at least one finding, with ``checks`` and ``severity`` columns, in WGS84."""
    f = result.findings
    by_feature = f.dropna(subset=["feature"])
    per_project = f[f["feature"].isna() & f["project_id"].notna()]
    parcels = result.parcels
    hit = (
        parcels.index.isin(by_feature["feature"].astype(int))
        | parcels["project_id"].isin(per_project["project_id"]).to_numpy()
    )
    out = parcels[hit].copy()
    rank = {"error": 0, "warning": 1, "info": 2}

    def worst(checks: str) -> str:
        return min((CHECKS[k].severity for k in checks.split(",") if k), key=lambda s: rank[s])

    feat_checks = by_feature.groupby("feature")["check"].agg(lambda s: ",".join(dict.fromkeys(s))).to_dict()
    proj_checks = per_project.groupby("project_id")["check"].agg(lambda s: ",".join(dict.fromkeys(s))).to_dict()
    out["checks"] = [
        f"{feat_checks.get(i, '')},{proj_checks.get(p, '')}".strip(",")
        for i, p in zip(out.index, out["project_id"].astype(object), strict=True)
    ]
    out["severity"] = out["checks"].map(worst)
    return out.reset_index().to_crs(WGS84)


def flagged_geojson(result: CheckResult) -> bytes:
    """Flagged features as RFC 7946 GeoJSON (written and checked by GDAL)."""
    layer = flagged_features(result)
    layer = layer.assign(
        **{c: layer[c].astype("string") for c in layer.columns if layer[c].dtype == object and c != layer.geometry.name}
    )
    with tempfile.TemporaryDirectory(prefix="geo-report-") as tmp:
        path = Path(tmp) / "flagged.geojson"
        pyogrio.write_dataframe(
            layer, path, driver="GeoJSON", layer_options={"RFC7946": "YES", "COORDINATE_PRECISION": 7}
        )
        return path.read_bytes()


def _svg_paths(geoms: np.ndarray, to_px: Callable[[np.ndarray], np.ndarray]) -> list[str]:
    """One SVG path ``d`` per geometry: rings of polygons, lines, points as tiny squares."""
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            out.append("")
            continue
        d = []
        for part in shapely.get_parts(g):
            rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
            for ring in rings:
                xy = to_px(np.asarray(ring.coords)[:, :2])
                if len(xy) == 1:
                    x, y = xy[0]
                    d.append(f"M{x - 2:.1f} {y - 2:.1f}h4v4h-4z")
                else:
                    d.append(
                        "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in xy) + ("Z" if part.geom_type == "Polygon" else "")
                    )
        out.append("".join(d))
    return out


def map_svg(result: CheckResult, *, plan_parcels: gpd.GeoDataFrame | None = None) -> str:
    """An SVG map of the checked parcels, flagged ones in red (equal-area projection, north up)."""
    parcels: gpd.GeoSeries = result.parcels.geometry.to_crs(equal_area())
    flagged = set(flagged_features(result)["feature"].astype(int)) if len(result.findings) else set()
    is_flag = parcels.index.isin(list(flagged))
    note = ""
    if len(parcels) > MAX_MAP_FEATURES:
        note = _both_words("warn.check.map_not_drawn", n=len(parcels) - int(is_flag.sum()), limit=MAX_MAP_FEATURES)
        parcels, is_flag = gpd.GeoSeries(parcels[is_flag]), is_flag[is_flag]
    area_crs = equal_area()
    plan = plan_parcels.geometry.to_crs(area_crs) if plan_parcels is not None else gpd.GeoSeries([], crs=area_crs)
    bounds = np.array(parcels.total_bounds if len(parcels) else [0, 0, 1, 1], dtype=float)
    if not np.isfinite(bounds).all():
        bounds = np.array([0.0, 0.0, 1.0, 1.0])
    minx, miny, maxx, maxy = bounds
    span = max(maxx - minx, maxy - miny, 1.0) * 1.1
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    scale = min(_W, _H) / span

    def to_px(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([(xy[:, 0] - cx) * scale + _W / 2, _H / 2 - (xy[:, 1] - cy) * scale])

    tol = 0.5 / scale
    body = []
    near = plan[plan.intersects(shapely.box(cx - span, cy - span, cx + span, cy + span))] if len(plan) else plan
    for d in _svg_paths(shapely.simplify(np.asarray(near, dtype=object), tol), to_px):
        body.append(f'<path d="{d}" class="plan"/>')
    for d, f in zip(_svg_paths(shapely.simplify(np.asarray(parcels, dtype=object), tol), to_px), is_flag, strict=True):
        body.append(f'<path d="{d}" class="{"flag" if f else "ok"}"/>')
    bar_m = 10 ** np.floor(np.log10(span / 4))
    bar_px = bar_m * scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" '
        f'aria-label="map of checked parcels"><style>.ok{{fill:#9aa5b1;fill-opacity:.5;stroke:#52606d;stroke-width:.6}}'
        f".flag{{fill:#e12d39;fill-opacity:.6;stroke:#a61b1b;stroke-width:1}}"
        f".plan{{fill:none;stroke:#2563eb;stroke-width:1;stroke-dasharray:4 3}}</style>"
        f'<rect width="{_W}" height="{_H}" fill="#fff" stroke="#ccc"/>{"".join(body)}'
        f'<path d="M20 {_H - 20}h{bar_px:.1f}" stroke="#000" stroke-width="3"/>'
        f'<text x="20" y="{_H - 28}" font-size="12">{bar_m:g} m</text>'
        f'<text x="{_W - 10}" y="20" font-size="12" text-anchor="end">N ↑</text>'
        f'<text x="10" y="16" font-size="11" fill="#555">{html.escape(note)}</text></svg>'
    )


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if pd.isna(v) else str(v))}</td>" for v in r) + "</tr>"
        for r in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


_CSS: Final = (
    'body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#111}'
    "table{border-collapse:collapse;margin:1em 0;font-size:12px}"
    "td,th{border:1px solid #bbb;padding:2px 6px;text-align:left;white-space:pre-line}"
    "th{background:#eef}"
    "@media print{body{margin:0}svg{max-width:100%;height:auto}tr{page-break-inside:avoid}}"
)


def _both_words(key: str, **values: object) -> str:
    """The message ``key`` (``values`` filled in) as the HTML report writes its words: ``中文 / English``."""
    return " / ".join(pair(key, **values))


def html_report(
    result: CheckResult,
    *,
    source: str,
    plan_parcels: gpd.GeoDataFrame | None = None,
    crs_note: str = "",
    max_rows: int = 5000,
    formal: ReportContent | None = None,
) -> str:
    """A self-contained, printable HTML report (bilingual headings, Chinese first).

    With ``formal`` (the 核查报告 of the same check, :func:`geo.checks.formal.build_formal`) it carries the
    report's title, its table of the file (name, SHA-256, date, 核查人), the checks and tolerances used and the
    lines to fill (核查意见, 核查人, 审核人). ``python -m geo check --report 核查报告.html`` writes the whole
    核查报告 in one language instead.
    """
    s = result.summary
    counts = pd.DataFrame(  # checks and severities by their words: no internal key is printed
        [(f"{c.zh} / {c.en}", f"{SEVERITY_ZH[c.severity]} / {c.severity}", s["by_check"].get(k, 0),
          f"{unit_of(k).zh} / {c.value}" if unit_of(k).zh else c.value) for k, c in CHECKS.items()],
        columns=[_both_words(f"checkreport.{k}") for k in ("col.check", "col.severity", "count", "meaning")],
    )
    facts = pd.DataFrame(
        [
            (_both_words("checkreport.file"), source),
            (_both_words("checkreport.crs"), crs_note),
            *((_both_words(f"checkreport.{k}"), s[column]) for k, column in (
                ("features", "features"), ("matched", "matched"), ("unmatched", "unmatched"),
                ("measured", "measured_mu"), ("tolerance", "tolerance_pct"), ("findings", "findings"),
                ("flagged", "flagged_features"))),
            *([(_both_words("checkreport.renamed"), ", ".join(f"{old} → {new}" for old, new in s["renamed"].items()))]
              if s.get("renamed") else []),
        ],
        columns=[_both_words("checkreport.item"), _both_words("checkreport.value")],
    )
    head = result.findings.head(max_rows)
    shown = findings_table(head)
    more = (
        f"<p>{html.escape(_both_words('checkreport.more', n=max_rows, total=len(result.findings)), quote=False)}</p>"
        if len(result.findings) > max_rows
        else ""
    )
    title, intro, tail = _formal_parts(formal)
    heading = html.escape(_both_words("checkreport.title"), quote=False)

    def h2(key: str) -> str:
        return f"<h2>{html.escape(_both_words(f'checkreport.{key}'), quote=False)}</h2>"

    return f"""<!doctype html><html lang="zh"><head><meta charset="utf-8">
<title>{heading} — {html.escape(source)}</title>
<style>{_CSS}</style></head><body>
<h1>{heading}</h1>{title}{intro}
<p>{html.escape(_both_words("checkreport.area_note"), quote=False)}</p>
{h2("s_summary")}{_table(facts)}
{h2("s_map")}<p>{html.escape(_both_words("checkreport.map_legend"), quote=False)}</p>
{map_svg(result, plan_parcels=plan_parcels)}
{h2("s_checks")}{_table(counts)}
{h2("s_findings")}{more}{_table(shown)}{tail}
</body></html>"""


#: Headers of the HTML report's findings table (Chinese / English words), by finding column.
HTML_HEADERS: Final[dict[str, str]] = {
    **{column: _both_words(f"checkreport.col.{column}") for column in (
        "feature", "parcel_name", "project_id", "check", "severity", "message", "value", "unit", "point", "ring",
        "fix")},
    "x": "X", "y": "Y",
}


def _both(zh: pd.Series, en: pd.Series) -> pd.Series:
    """``中文\nEnglish`` per cell, the English only where it differs (and is not empty)."""
    zh, en = zh.fillna("").astype(str), en.fillna("").astype(str)
    return zh.where(en.eq("") | en.eq(zh), zh + "\n" + en).astype(object)


def findings_table(findings: pd.DataFrame) -> pd.DataFrame:
    """The HTML report's findings: words for checks, severities and columns (Chinese, then English), no key.

    GEOS's own words (``detail``) stay in the CSV and JSON; the message says them in words.
    """
    checks = findings["check"].astype(str)
    out = pd.DataFrame({HTML_HEADERS["feature"]: findings["feature"]}, index=findings.index)
    if "parcel_name" in findings.columns:
        out[HTML_HEADERS["parcel_name"]] = _both(findings["parcel_name"], findings.get(
            "parcel_name_en", findings["parcel_name"]))
    out[HTML_HEADERS["project_id"]] = findings["project_id"]
    out[HTML_HEADERS["check"]] = [f"{CHECKS[c].zh}\n{CHECKS[c].en}" if c in CHECKS else c for c in checks]
    out[HTML_HEADERS["severity"]] = [f"{SEVERITY_ZH.get(str(v), v)}\n{v}" for v in findings["severity"]]
    out[HTML_HEADERS["message"]] = messages_in(findings, lang="zh").astype(object) + "\n" + findings[
        "message"].astype(object)
    out[HTML_HEADERS["value"]] = _rounded(findings["value"], checks)
    out[HTML_HEADERS["unit"]] = [unit_of(c).zh for c in checks]
    for column in ("point", "ring", "x", "y"):
        if column in findings.columns and findings[column].replace("", pd.NA).notna().any():
            out[HTML_HEADERS[column]] = findings[column].round(3) if column in ("x", "y") else findings[column]
    if "fix_zh" in findings.columns:
        out[HTML_HEADERS["fix"]] = _both(findings["fix_zh"], findings.get("fix_en", findings["fix_zh"]))
    return out


def _formal_parts(formal: ReportContent | None) -> tuple[str, str, str]:
    """The 核查报告's title line, its file table with the checks used, and its lines to fill, as HTML."""
    if formal is None:
        return "", "", ""
    from geo.reports.html import build_html
    from geo.reports.model import Fill, Text

    title = f'<p class="formal-title">{html.escape(formal.title.replace(chr(10), " "))}</p>'
    first, checks = formal.sections[0], formal.sections[1]
    page = build_html(replace(formal, title="", subtitle="", cover=(), sections=(first, checks)))
    head = page[page.index("<body>") + len("<body>"):page.index("</body>")].replace("<h1></h1>", "", 1)
    fills = [b for sec in formal.sections for b in sec.blocks if isinstance(b, Fill)]
    tail = "".join(f"<p>{html.escape(line)}</p>" for b in fills for line in b.texts())
    notes = [b.text for sec in formal.sections[-1:] for b in sec.blocks if isinstance(b, Text)]
    tail += "".join(f"<p>{html.escape(n)}</p>" for n in notes)
    return title, head, f"<h2>{html.escape(formal.sections[-1].title)}</h2>{tail}" if tail else ""

