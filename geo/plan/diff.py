"""Two plan packages side by side: which projects were added, removed or changed, and the totals.

Projects are matched by ``project_id`` first; those left over on both sides are
then matched by ``name_zh`` (trimmed, only where the name is unique on each
side), so a project renumbered between two editions of a plan is seen as the
same project with a new id, not as one removed and one added. For a matched
pair the compared fields are :data:`COMPARED` (land in mu, spatial unit,
track, output in 亿元). Totals per spatial unit and per track give each plan's
land and output, their difference (B − A) and how many cells are unknown
("——" is never counted as 0). Plan metadata (``geo:plan``) that differs is
listed too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import pandas as pd

from geo.i18n import t
from geo.plan.package import PlanPackage

#: The project fields compared between two plans, in this order.
COMPARED: Final = ("declared_mu", "zone_id", "track_id", "output_yi")
#: The key of projects in no spatial unit, in the per-zone totals.
NO_ZONE: Final = "none"
#: Columns of the per-zone and per-track totals.
TOTAL_COLUMNS: Final = ("key", "name_zh", "projects_a", "projects_b", "mu_a", "mu_b", "mu_diff", "mu_unknown_a",
                        "mu_unknown_b", "output_a", "output_b", "output_diff")
#: Columns of a project listed as added or removed.
PROJECT_COLUMNS: Final = ("project_id", "name_zh", "track_id", "zone_id", "declared_mu", "output_yi")


@dataclass(frozen=True)
class ProjectChange:
    """A project in both plans whose compared fields differ: field → (value in A, value in B)."""

    project_id: str
    project_id_b: str
    name_zh: str
    matched_by: Literal["id", "name"]
    changes: dict[str, tuple[object, object]]


@dataclass(frozen=True)
class PlanDiff:
    """What differs between plan A and plan B (see the module's docstring)."""

    added: list[dict[str, object]]
    removed: list[dict[str, object]]
    changed: list[ProjectChange]
    zones: pd.DataFrame
    tracks: pd.DataFrame
    metadata: dict[str, tuple[object, object]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        """No project added, removed or changed, no total and no metadata that differs."""
        return not (self.added or self.removed or self.changed or self.metadata) and not any(
            _differs(t) for t in (self.zones, self.tracks))

    def to_dict(self) -> dict[str, Any]:
        """The diff as JSON-ready data (missing values as null)."""
        return {
            "empty": self.is_empty(),
            "added": [_json_row(r) for r in self.added],
            "removed": [_json_row(r) for r in self.removed],
            "changed": [{"project_id": c.project_id, "project_id_b": c.project_id_b, "name_zh": c.name_zh,
                         "matched_by": c.matched_by,
                         "changes": {k: [_json(a), _json(b)] for k, (a, b) in c.changes.items()}}
                        for c in self.changed],
            "zones": [_json_row(r) for r in self.zones.to_dict("records")],
            "tracks": [_json_row(r) for r in self.tracks.to_dict("records")],
            "metadata": {k: [_json(a), _json(b)] for k, (a, b) in self.metadata.items()},
        }


def _json(value: object) -> object:
    """A cell for JSON: NA/NaN → None, numpy scalars → Python numbers."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _json_row(row: Mapping[Any, object]) -> dict[str, object]:
    return {str(k): _json(v) for k, v in row.items()}


def _same(a: object, b: object) -> bool:
    """Equal values, two missing values being equal (the plan's "——" in both)."""
    a_missing, b_missing = pd.isna(a), pd.isna(b)  # type: ignore[call-overload]
    if a_missing or b_missing:
        return bool(a_missing and b_missing)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    return str(a) == str(b)


def _differs(totals: pd.DataFrame) -> bool:
    """Whether any row of a totals table differs between the plans."""
    if not len(totals):
        return False
    cols = [("projects_a", "projects_b"), ("mu_a", "mu_b"), ("mu_unknown_a", "mu_unknown_b"),
            ("output_a", "output_b")]
    return any(not _same(r[a], r[b]) for r in totals.to_dict("records") for a, b in cols)


def _project_rows(frame: pd.DataFrame) -> dict[str, dict[str, object]]:
    """Projects by id, each as a dict of :data:`PROJECT_COLUMNS`."""
    cols = [c for c in PROJECT_COLUMNS if c in frame.columns]
    return {str(r["project_id"]): {str(k): v for k, v in r.items()} for r in frame[cols].to_dict("records")}


def _unique_names(rows: Mapping[str, Mapping[str, object]], ids: list[str]) -> dict[str, str]:
    """``name_zh`` (trimmed) → id, for names held by exactly one of ``ids``."""
    names: dict[str, list[str]] = {}
    for pid in ids:
        name = rows[pid].get("name_zh")
        if not pd.isna(name):  # type: ignore[call-overload]
            names.setdefault(str(name).strip(), []).append(pid)
    return {n: found[0] for n, found in names.items() if len(found) == 1}


def match_projects(a: pd.DataFrame, b: pd.DataFrame) -> tuple[list[tuple[str, str, Literal["id", "name"]]],
                                                              list[str], list[str]]:
    """Pairs ``(id in A, id in B, how)``, then the ids only in A (removed) and only in B (added)."""
    rows_a, rows_b = _project_rows(a), _project_rows(b)
    pairs: list[tuple[str, str, Literal["id", "name"]]] = [(pid, pid, "id") for pid in rows_a if pid in rows_b]
    left_a = [pid for pid in rows_a if pid not in rows_b]
    left_b = [pid for pid in rows_b if pid not in rows_a]
    names_a, names_b = _unique_names(rows_a, left_a), _unique_names(rows_b, left_b)
    for name, pid_a in names_a.items():
        if name in names_b:
            pairs.append((pid_a, names_b[name], "name"))
    paired_a, paired_b = {p[0] for p in pairs}, {p[1] for p in pairs}
    return pairs, [p for p in left_a if p not in paired_a], [p for p in left_b if p not in paired_b]


def _totals(a: pd.DataFrame, b: pd.DataFrame, key: str, names: Mapping[str, str]) -> pd.DataFrame:
    """Per value of ``key`` (NA as :data:`NO_ZONE`): projects, known mu and output in A and B, differences."""
    def sums(frame: pd.DataFrame) -> pd.DataFrame:
        keys = frame[key].astype("string").fillna(NO_ZONE)
        mu = frame["declared_mu"].astype("Float64")
        out = frame["output_yi"].astype("Float64")
        grouped = pd.DataFrame({"k": keys, "mu": mu, "out": out, "unknown": mu.isna()}).groupby("k", sort=False)
        return pd.DataFrame({"projects": grouped.size(), "mu": grouped["mu"].sum(min_count=1),
                             "unknown": grouped["unknown"].sum(), "output": grouped["out"].sum(min_count=1)})

    sa, sb = sums(a), sums(b)
    order = list(dict.fromkeys([*names, *sa.index, *sb.index]))
    order = [k for k in order if k in sa.index or k in sb.index]
    rows = []
    for k in order:
        ra = sa.loc[k] if k in sa.index else None
        rb = sb.loc[k] if k in sb.index else None

        def val(r: pd.Series | None, col: str, default: object = pd.NA) -> object:
            return default if r is None else r[col]

        mu_a, mu_b = val(ra, "mu"), val(rb, "mu")
        out_a, out_b = val(ra, "output"), val(rb, "output")
        rows.append({
            "key": k, "name_zh": names.get(k, k),
            "projects_a": int(val(ra, "projects", 0)), "projects_b": int(val(rb, "projects", 0)),  # type: ignore[call-overload]
            "mu_a": mu_a, "mu_b": mu_b, "mu_diff": _minus(mu_b, mu_a),
            "mu_unknown_a": int(val(ra, "unknown", 0)), "mu_unknown_b": int(val(rb, "unknown", 0)),  # type: ignore[call-overload]
            "output_a": out_a, "output_b": out_b, "output_diff": _minus(out_b, out_a),
        })
    frame = pd.DataFrame(rows, columns=list(TOTAL_COLUMNS))
    for col in ("mu_a", "mu_b", "mu_diff", "output_a", "output_b", "output_diff"):
        frame[col] = frame[col].astype("Float64")
    return frame


def _minus(b: object, a: object) -> object:
    """B − A, a missing side counting as 0 unless both are missing."""
    a_missing, b_missing = pd.isna(a), pd.isna(b)  # type: ignore[call-overload]
    if a_missing and b_missing:
        return pd.NA
    return (0.0 if b_missing else float(b)) - (0.0 if a_missing else float(a))  # type: ignore[arg-type]


def _names(pa: PlanPackage, pb: PlanPackage, table: str, key: str) -> dict[str, str]:
    """Id → Chinese name of a plan table, B's names after A's (A's kept where both have the id)."""
    names: dict[str, str] = {}
    for package in (pb, pa):
        if table in package.tables:
            frame = package.tables[table]
            names.update({str(r[key]): str(r["name_zh"]) for r in frame[[key, "name_zh"]].to_dict("records")})
    order = [str(v) for p in (pa, pb) if table in p.tables for v in p.tables[table][key]]
    ordered = {k: names[k] for k in dict.fromkeys(order)}
    if key == "zone_id":
        ordered[NO_ZONE] = t("plandiff.no_zone", "zh")  # a Chinese name, as the zones' name_zh
    return ordered


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: value}


def diff_plans(a: PlanPackage, b: PlanPackage) -> PlanDiff:
    """What differs from plan ``a`` to plan ``b``: projects added, removed and changed, totals, metadata."""
    pa, pb = a.table("projects"), b.table("projects")
    rows_a, rows_b = _project_rows(pa), _project_rows(pb)
    pairs, removed, added = match_projects(pa, pb)
    changed = []
    for id_a, id_b, how in pairs:
        ra, rb = rows_a[id_a], rows_b[id_b]
        changes = {f: (ra.get(f), rb.get(f)) for f in COMPARED if not _same(ra.get(f), rb.get(f))}
        if id_a != id_b:
            changes = {"project_id": (id_a, id_b), **changes}
        if changes:
            changed.append(ProjectChange(id_a, id_b, str(rb.get("name_zh")), how, changes))
    meta_a, meta_b = _flatten(a.meta), _flatten(b.meta)
    metadata = {k: (meta_a.get(k), meta_b.get(k)) for k in dict.fromkeys([*meta_a, *meta_b])
                if meta_a.get(k) != meta_b.get(k)}
    return PlanDiff(
        added=[rows_b[p] for p in added],
        removed=[rows_a[p] for p in removed],
        changed=changed,
        zones=_totals(pa, pb, "zone_id", _names(a, b, "zones", "zone_id")),
        tracks=_totals(pa, pb, "track_id", _names(a, b, "tracks", "track_id")),
        metadata=metadata,
    )


def _cell(value: object, digits: int = 1) -> str:
    """A number as the tables print it (``1,650``, ``—`` for unknown)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, int | float):
        v = float(value)
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.{digits}f}"
    return str(value)


def _signed(value: object) -> str:
    text = _cell(value)
    return f"+{text}" if isinstance(value, int | float) and not pd.isna(value) and float(value) > 0 else text


def format_table(diff: PlanDiff, *, label_a: str = "A", label_b: str = "B", lang: str = "en") -> str:
    """The diff as text in ``lang``: projects added, removed, changed, then per-zone and per-track totals side by
    side."""
    if diff.is_empty():
        return t("plandiff.none", lang, a=label_a, b=label_b)
    lines = [f"A = {label_a}", f"B = {label_b}", ""]

    def listed(key: str, items: list[dict[str, object]]) -> None:
        lines.append(t(key, lang, n=len(items)))
        for r in items:
            lines.append(t("plandiff.project_line", lang, project_id=r["project_id"], name=r.get("name_zh", ""),
                           track=_cell(r.get("track_id")), zone=_cell(r.get("zone_id")),
                           mu=_cell(r.get("declared_mu")), output=_cell(r.get("output_yi"))))

    listed("plandiff.added", diff.added)
    listed("plandiff.removed", diff.removed)
    lines.append(t("plandiff.changed", lang, n=len(diff.changed)))
    for c in diff.changed:
        how = "" if c.matched_by == "id" else t("plandiff.by_name", lang)
        parts = t("plandiff.parts_sep", lang).join(f"{k} {_cell(a)} → {_cell(b)}" for k, (a, b) in c.changes.items())
        lines.append(t("plandiff.change_line", lang, project_id=c.project_id, name=c.name_zh, how=how, parts=parts))
    for title, totals in (("plandiff.per_zone", diff.zones), ("plandiff.per_track", diff.tracks)):
        view = pd.DataFrame({
            t("plandiff.col_key", lang): totals["key"], t("plandiff.col_name", lang): totals["name_zh"],
            t("plandiff.col_projects", lang): [f"{a}/{b}" for a, b in zip(totals["projects_a"], totals["projects_b"],
                                                                           strict=True)],
            t("plandiff.col_mu", lang, side="A"): totals["mu_a"].map(_cell),
            t("plandiff.col_mu", lang, side="B"): totals["mu_b"].map(_cell),
            t("plandiff.col_mu", lang, side="B−A"): totals["mu_diff"].map(_signed),
            t("plandiff.col_output", lang, side="A"): totals["output_a"].map(_cell),
            t("plandiff.col_output", lang, side="B"): totals["output_b"].map(_cell),
            t("plandiff.col_output", lang, side="B−A"): totals["output_diff"].map(_signed),
        })
        lines += ["", t("plandiff.totals_heading", lang, heading=t(title, lang)), view.to_string(index=False)]
    if diff.metadata:
        lines += ["", t("plandiff.metadata", lang)]
        lines += [f"  {k}: {a!r} → {b!r}" for k, (a, b) in diff.metadata.items()]
    return "\n".join(lines)


__all__ = ["COMPARED", "NO_ZONE", "PlanDiff", "ProjectChange", "diff_plans", "format_table", "match_projects"]
