"""Legend of the map: the colours of the current scheme, and the zones' outlines.

Drawn in the page (not inside the map) so that it is bilingual, readable in
screenshots and needs no extra JavaScript.
"""

from __future__ import annotations

import html
from typing import cast

import numpy as np
import streamlit as st

from geo.plan.projects import NO_ZONE, OPM_CLASSES, UNKNOWN, UNKNOWN_COLOUR, palette
from ui import data
from ui.i18n import pick, t


def _swatch(colour: str, label: str, *, outline: bool = False) -> str:
    style = f"border:2px dashed {colour};background:transparent" if outline else f"background:{colour}"
    return (
        f'<span class="legend-item" style="display:inline-block;margin:0 12px 4px 0">'
        f'<span style="display:inline-block;width:14px;height:14px;{style};'
        f'vertical-align:middle;margin-right:4px;border-radius:2px"></span>{html.escape(label)}</span>'
    )


def entries(colour_by: str) -> list[tuple[str, str]]:
    """``(colour, label)`` of every class of the scheme ``colour_by``."""
    tracks = data.tracks()
    colours = palette(colour_by, tracks=tracks, zones=data.zones())
    if colour_by == "track":
        # cast: track_id and zone_id are string columns with no missing value
        return [(colours[cast(str, r.track_id)], pick(r.name_zh, r.name_en)) for r in tracks.itertuples()]
    if colour_by == "zone":
        names = {cast(str, r.zone_id): pick(r.name_zh, r.name_en) for r in data.zones().itertuples()}
        return [(colours[k], names.get(k, t("no_zone"))) for k in [*names, NO_ZONE]]
    rows = [
        (colour, f"≥ {low:g}" if high == np.inf else f"{low:g}–{high:g}") for _, low, high, colour in OPM_CLASSES
    ]
    return [*rows, (UNKNOWN_COLOUR, t("unknown"))] if UNKNOWN in colours else rows


def render(colour_by: str) -> None:
    """Draw the legend under the map."""
    head = t(f"colour_{colour_by}")
    items = "".join(_swatch(c, label) for c, label in entries(colour_by))
    zones = "".join(
        _swatch(str(r.color), pick(r.name_zh, r.name_en), outline=True) for r in data.zones().itertuples()
    )
    st.markdown(
        f'<div class="legend"><b>{html.escape(head)}</b><br>{items}<br>'
        f'<b>{html.escape(t("filter_zone"))}</b><br>{zones}</div>',
        unsafe_allow_html=True,
    )
