"""The app's map element: a Folium map drawn in the page, reporting clicks and the view.

One element for every map page (plan map, findings map, raster overlay),
built on Streamlit's v2 components: the map's script runs in the page itself,
not in streamlit-folium's iframe, whose frame and 225 KB bundle made the plan
map appear 2.4× as late as a bare page (``bench/app_open.py``). What the
browser receives is :class:`geo.mapview.embed.MapParts`; the JavaScript is
``ui/map_element.js``.

The map is kept, with the user's pan and zoom, while its signature (the script
without Folium's random names) stays the same; only the overlay is swapped.

**Map first.** On a slow office PC the browser spends ~1 s building the
sidebar's widgets and the page's panels, and a map sent in the same run was
painted only after them. So a page may draw its map alone on the session's
first visit (:func:`map_first`), ask it to report once it has painted
(``report_drawn``), and draw the rest in the run that report starts.

**Drawing.** Given a :class:`DraftEdit`, the element draws a draft's parcels
with Leaflet-Geoman's tools (``ui/map_draw.js``; vendored, offline), shows the
area in mu while drawing (ellipsoidal, CGCS2000, as :mod:`geo.area`) and
reports the whole draft after each change (:attr:`MapEvents.draft`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import streamlit as st

from geo.mapview.embed import MapParts
from ui.i18n import lang, t

_HERE: Final = Path(__file__).parent
#: The drawing functions first, then the element (an ES module whose default export Streamlit calls).
_JS: Final = "\n".join((_HERE / name).read_text(encoding="utf-8") for name in ("map_draw.js", "map_element.js"))
#: Vendored files the drawing tools need (static/vendor/README.md), after Leaflet.
DRAW_JS: Final = ("leaflet-geoman/leaflet-geoman.min.js", "geographiclib/geographiclib-geodesic.min.js")
DRAW_CSS: Final = ("leaflet-geoman/leaflet-geoman.css",)
_COMPONENT: Final = st.components.v2.component("geo_map", js=_JS, isolate_styles=False)


@dataclass(frozen=True)
class MapEvents:
    """What the map reported in this run.

    ``clicked`` is ``{"lat", "lng", "at"}`` of a click made since the last run
    (else ``None``: a click is reported once); ``view`` is ``{"bounds": {"_southWest", "_northEast"}, "zoom"}``
    after the last pan or zoom (``None`` before the first, or when not asked for).
    """

    clicked: dict[str, float] | None
    view: dict[str, Any] | None
    #: The draft as drawn now, ``{"features": FeatureCollection, "stamp", "at"}``, if it changed since the last run.
    draft: dict[str, Any] | None = None
    #: ``parcel_id`` of a draft parcel clicked since the last run.
    picked: str | None = None
    #: A line drawn across draft parcels since the last run, ``{"line": [[lng, lat], …], "stamp", "at"}``.
    split: dict[str, Any] | None = None


@dataclass(frozen=True)
class DraftEdit:
    """A draft's parcels to draw editable: a GeoJSON FeatureCollection (EPSG:4326) and how.

    ``stamp`` names this content: the map rebuilds its drawn layer only when the stamp changes,
    so the user's unsaved edits stay while the page reruns. ``flagged`` parcels (with findings)
    are drawn red; ``can_edit`` False shows them read-only (a viewer).
    """

    features: dict[str, Any]
    stamp: str
    can_edit: bool
    flagged: tuple[str, ...] = ()


def asset_base() -> str:
    """URL of ``static/vendor`` as the app's pages see it (honours ``server.baseUrlPath``)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static/vendor" if base else "/app/static/vendor"


def instance_key(prefix: str, *identity: str) -> str:
    """A widget key for the map that ``identity`` (upload, basemap, language…) names.

    A new identity is a new element: the previous map's view and clicks do not carry over.
    """
    digest = hashlib.sha256("\x1f".join(identity).encode("utf-8")).hexdigest()[:16]
    return f"{prefix}_{digest}"


def reported(key: str) -> MapEvents:
    """What the map under ``key`` reported for this run, before it is drawn again.

    A page that must build the map from the user's view or click (the
    findings map draws only the parcels in view) reads them here first.
    """
    value = st.session_state.get(key) or {}
    picked = _new(key, "picked", value.get("picked"))
    return MapEvents(clicked=_new(key, "click", value.get("clicked")), view=value.get("view"),
                     draft=_new(key, "draft", value.get("draft")), picked=picked.get("parcel_id") if picked else None,
                     split=_new(key, "split", value.get("split")))


def _new(key: str, kind: str, sent: dict[str, Any] | None) -> dict[str, Any] | None:
    """``sent`` if its stamp ``at`` differs from the last one seen under ``key`` (the element keeps it as state)."""
    seen = f"_{key}_{kind}_seen"
    if not sent or sent.get("at") == st.session_state.get(seen):
        return None
    st.session_state[seen] = sent.get("at")
    return sent


#: Key of the map page's plan map (``app.py`` asks :func:`map_first` of it before the page runs).
PLAN_MAP: Final = "map"
_DRAWN: Final = "_map_drawn"  # session: the first map has painted, every later run draws the whole page


def map_first(key: str) -> bool:
    """True until the map under ``key`` has reported that it painted, once per session.

    While it is true the page draws only its map (and what stays above it);
    the report reruns the script, which then draws the whole page. A map that
    fails to load reports too (with its bilingual message), so the page never
    stays half drawn.
    """
    if not st.session_state.get(_DRAWN) and (st.session_state.get(key) or {}).get("drawn"):
        st.session_state[_DRAWN] = True
    return not st.session_state.get(_DRAWN)


def no_map_this_time() -> None:
    """A page that held its rest back for its first map (:func:`map_first`) but has no map to draw (a drafting
    page with no draft yet): the session counts as drawn and the script reruns whole, sidebar included."""
    if not st.session_state.get(_DRAWN):
        st.session_state[_DRAWN] = True
        st.rerun()


def _ignore() -> None:
    """Callback for the element's events (Streamlit keeps only state keys that have one)."""


def _edit_data(edit: DraftEdit) -> dict[str, Any]:
    words = {"area": t("draw_area"), "declared": t("draw_declared"), "diff": t("draw_diff"), "mu": t("draw_mu"),
             "none": t("draw_none")}
    return {"features": edit.features, "stamp": edit.stamp, "can_edit": edit.can_edit, "lang": lang(),
            "words": words, "flagged": list(edit.flagged)}


def show_map(parts: MapParts, *, key: str, height: int, report_view: bool = False,
             report_drawn: bool = False, edit: DraftEdit | None = None) -> MapEvents:
    """Draw a map (:func:`geo.mapview.embed.map_parts` of a map built with
    ``asset_base=asset_base()``) and return what the user did with it.

    The parts' overlay is drawn on the map and swapped in place on the next
    run without reloading the map; ``report_view`` reruns after each pan or
    zoom with the new view; ``report_drawn`` reruns once, when the map has
    painted (see :func:`map_first`); ``edit`` draws a draft's parcels with the drawing tools.
    """
    events = reported(key)
    base = asset_base()
    js = [*parts.js, *(f"{base}/{f}" for f in DRAW_JS)] if edit else list(parts.js)
    css = [*parts.css, *(f"{base}/{f}" for f in DRAW_CSS)] if edit else list(parts.css)
    _COMPONENT(
        key=key, height=height,
        data={"div_id": parts.div_id, "script": parts.script, "signature": parts.signature,
              "overlay": parts.overlay, "js": js, "css": css, "height": height,
              "report_view": report_view, "report_drawn": report_drawn, "failed": t("map_failed"),
              "edit": _edit_data(edit) if edit else None},
        on_clicked_change=_ignore, on_view_change=_ignore if report_view else None,
        on_drawn_change=_ignore if report_drawn else None,
        on_draft_change=_ignore if edit else None, on_picked_change=_ignore if edit else None,
        on_split_change=_ignore if edit else None,
    )
    return events
