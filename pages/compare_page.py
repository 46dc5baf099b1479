"""Compare page: two plans side by side (issue 21): projects added, removed and changed, totals, both maps.

The projects come from :func:`geo.plan.diff.diff_plans`, the totals from each plan's reconciliation
(:mod:`geo.plan.compare`: the same table sums its Totals page shows), the map from
:func:`geo.mapview.compare.compare_map`. Each plan's data is read with :func:`geo.plan.current.using_plan`,
so the session's own plan (the sidebar's) does not change.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.mapview.compare import PLAN_COLOURS, compare_map
from geo.mapview.embed import MapParts, map_parts
from geo.plan.compare import SCOPES, project_sources, side_by_side, table_totals
from geo.plan.current import PlanEntry, using_plan
from geo.plan.diff import COMPARED, PlanDiff, diff_plans
from geo.plan.package import load_package
from ui import auth, data, map_element, sidebar, state
from ui.detail import fmt_value
from ui.i18n import bind, lang, pick, t

auth.gate()  # here too, not only in app.py: a page run on its own must not skip the sign-in
st.title(t("cmp_title"))
st.caption(t("cmp_intro"))
view = state.view()


@st.cache_resource(show_spinner=False, max_entries=8)
def _diff(folder_a: str, folder_b: str) -> PlanDiff:
    """The two packages' diff (read once per pair of folders)."""
    return diff_plans(load_package(folder_a), load_package(folder_b))


@st.cache_data(show_spinner=False, max_entries=8)
def _map(key: str, names: tuple[str, str], language: str, basemap: str, base: str,
         _a: gpd.GeoDataFrame, _b: gpd.GeoDataFrame) -> MapParts:
    return map_parts(compare_map(_a, _b, names=names, lang=language, basemap=basemap, tile_keys=data.tile_keys(),
                                 asset_base=base))


@dataclass(frozen=True)
class Side:
    """What the page shows of one plan: totals per scope, where each project's row is, parcels, names."""

    totals: dict[str, pd.DataFrame]
    sources: dict[str, tuple[str, str]]
    parcels: gpd.GeoDataFrame
    tracks: dict[str, str]
    zones: dict[str, str]


def _side(entry: PlanEntry) -> Side:
    """One plan's :class:`Side`, read in that plan (the session's plan is left as it is)."""
    with using_plan(entry.folder):
        recon = data.reconciliation()
        projects = data.projects()
        return Side(
            totals={scope: table_totals(recon, projects, scope=scope) for scope in SCOPES},
            sources=project_sources(recon),
            parcels=data.parcels(),
            tracks={str(r.track_id): pick(r.name_zh, r.name_en) for r in data.tracks().itertuples()},
            zones={str(r.zone_id): pick(r.name_zh, r.name_en) for r in data.zones().itertuples()},
        )


entries = [e for e in sidebar.plans() if e.usable]
by_key = {e.key: e for e in entries}
keys = list(by_key)
current = st.session_state.get(sidebar.PLAN)
current = current if current in by_key else keys[0]
if st.session_state.get("cmp_a") not in by_key:
    st.session_state["cmp_a"] = current
if st.session_state.get("cmp_b") not in by_key:
    st.session_state["cmp_b"] = next((k for k in keys if k != current), current)
names = sidebar.plan_labels(entries)
labels = bind(keys, names.__getitem__)
pick_a, pick_b = st.columns(2)
key_a = pick_a.selectbox(t("cmp_plan_a"), keys, key="cmp_a", format_func=labels, placeholder=t("choose_one"))
key_b = pick_b.selectbox(t("cmp_plan_b"), keys, key="cmp_b", format_func=labels, placeholder=t("choose_one"))
a, b = by_key[key_a], by_key[key_b]
diff = _diff(str(a.folder), str(b.folder))
side_a, side_b = _side(a), _side(b)


def _value(field: str, value: object, side: Side) -> str:
    """A compared field's value as the page shows it: names for track and zone, numbers, "——" for unknown."""
    if field in ("track_id", "zone_id"):
        if value is None or pd.isna(value):  # type: ignore[call-overload]
            return t("no_zone") if field == "zone_id" else fmt_value(None)
        known = side.tracks if field == "track_id" else side.zones
        return f"{known.get(str(value), str(value))} ({value})"
    return fmt_value(value)


def _signed(value: object) -> str:
    text = fmt_value(value)
    return f"+{text}" if isinstance(value, int | float) and not pd.isna(value) and value > 0 else text


def shown(present: pd.Series, values: pd.Series) -> list[str]:
    """Figures of one plan: "——" where unknown, "(not in plan)" where the plan has no such track or unit."""
    return [fmt_value(v) if ok else t("cmp_absent") for ok, v in zip(present, values, strict=True)]


def change(both: pd.Series, values: pd.Series) -> list[str]:
    """Differences B − A, only where both plans have the track or unit ("——" where either figure is unknown)."""
    return [_signed(v) if ok else "" for ok, v in zip(both, values, strict=True)]


def _source(side: Side, project_id: str) -> str:
    en, zh = side.sources.get(project_id, ("", ""))
    return pick(zh, en)


if diff.is_empty():
    st.success(t("cmp_no_change"))
else:
    st.markdown(t("cmp_summary", added=len(diff.added), removed=len(diff.removed), changed=len(diff.changed)))

for title, rows, side in ((t("cmp_added"), diff.added, side_b), (t("cmp_removed"), diff.removed, side_a)):
    st.subheader(title)
    if not rows:
        st.caption(t("cmp_none"))
        continue
    st.dataframe(pd.DataFrame({
        t("cmp_project"): [f"{r['project_id']} {r.get('name_zh', '')}" for r in rows],
        **{t(f"cmp_field_{f}"): [_value(f, r.get(f), side) for r in rows] for f in COMPARED},
        t("source"): [_source(side, str(r["project_id"])) for r in rows],
    }), hide_index=True, width="stretch")

st.subheader(t("cmp_changed"))
if not diff.changed:
    st.caption(t("cmp_none"))
else:
    lines = []
    for c in diff.changed:
        name = f"{c.project_id} {c.name_zh}"
        if c.matched_by == "name":
            name += f" · {t('cmp_matched_by_name', a=c.project_id, b=c.project_id_b)}"
        for field, (va, vb) in c.changes.items():
            numeric = field in ("declared_mu", "output_yi")
            lines.append({
                t("cmp_project"): name, t("cmp_field"): t(f"cmp_field_{field}"),
                t("cmp_value_a"): _value(field, va, side_a), t("cmp_value_b"): _value(field, vb, side_b),
                t("cmp_diff"): _signed(None if pd.isna(va) or pd.isna(vb) else float(vb) - float(va))  # type: ignore[call-overload,arg-type]
                if numeric else "",
                t("cmp_source_a"): _source(side_a, c.project_id), t("cmp_source_b"): _source(side_b, c.project_id_b),
            })
    st.dataframe(pd.DataFrame(lines), hide_index=True, width="stretch")

for scope in SCOPES:
    pair = side_by_side(side_a.totals[scope], side_b.totals[scope])
    st.subheader(t(f"cmp_totals_{scope}"))

    both = pair["in_a"] & pair["in_b"]
    st.dataframe(pd.DataFrame({
        t("name"): [pick(zh, en) for zh, en in zip(pair["name_zh"], pair["name_en"], strict=True)],
        t("cmp_land_a"): shown(pair["in_a"], pair["land_mu_a"]),
        t("cmp_land_b"): shown(pair["in_b"], pair["land_mu_b"]),
        t("cmp_land_diff"): change(both, pair["land_mu_diff"]),
        t("cmp_output_a"): shown(pair["in_a"], pair["output_yi_a"]),
        t("cmp_output_b"): shown(pair["in_b"], pair["output_yi_b"]),
        t("cmp_output_diff"): change(both, pair["output_yi_diff"]),
        t("cmp_unknown_cells"): [f"{x}/{y}" for x, y in zip(pair["land_mu_unknown_a"] + pair["output_yi_unknown_a"],
                                                          pair["land_mu_unknown_b"] + pair["output_yi_unknown_b"],
                                                          strict=True)],
        t("cmp_source_a"): [pick(zh, en) for zh, en in zip(pair["source_zh_a"], pair["source_a"], strict=True)],
        t("cmp_source_b"): [pick(zh, en) for zh, en in zip(pair["source_zh_b"], pair["source_b"], strict=True)],
    }), hide_index=True, width="stretch", key=f"cmp_totals_{scope}")
st.caption(t("cmp_totals_note"))

if diff.metadata:
    with st.expander(t("cmp_metadata")):
        st.dataframe(pd.DataFrame({
            "geo:plan": list(diff.metadata),
            t("cmp_value_a"): [str(va) for va, _ in diff.metadata.values()],
            t("cmp_value_b"): [str(vb) for _, vb in diff.metadata.values()],
        }), hide_index=True, width="stretch")

st.subheader(t("cmp_map"))
layers = (f"A · {names[key_a]}", f"B · {names[key_b]}")
parcels_a, parcels_b = side_a.parcels, side_b.parcels
parts = _map(f"{a.folder}\x1f{b.folder}\x1f{data.fingerprint(parcels_a)}\x1f{data.fingerprint(parcels_b)}", layers,
             lang(), view.basemap, map_element.asset_base(), parcels_a, parcels_b)
map_element.show_map(parts, key=map_element.instance_key("cmp_map", key_a, key_b), height=520)
st.markdown(" ".join(
    f'<span style="display:inline-block;margin-right:16px"><span style="display:inline-block;width:14px;height:14px;'
    f'background:{colour};vertical-align:middle;margin-right:4px;border-radius:2px"></span>{html.escape(name)}</span>'
    for colour, name in ((PLAN_COLOURS["a"], layers[0]), (PLAN_COLOURS["b"], layers[1]))), unsafe_allow_html=True)
st.caption(t("cmp_map_note"))
