"""A Folium map as the parts a page needs to draw it in place: a div id, scripts, asset links.

``folium.Map.get_root().render()`` makes a whole HTML document, which
streamlit-folium puts in an iframe with its own 225 KB bundle; on the 2-core
benchmark machine that iframe cost about 2 s of the plan map's 5.5 s
(``bench/app_open.py``). The app's map element (``ui/map_element.py``) draws
the map in the page instead, from these parts:

- ``div_id``: the id Folium's script looks up (``L.map("map_…")``), which is
  also the script's variable for the map;
- ``script``: the map's JavaScript (layers, controls, fit), without Folium's
  ``<head>``, whose ``html, body`` style would restyle the whole page;
- ``overlay``: optionally one feature group's JavaScript, run against the
  live map and swapped in place of the previous one, so panning a large layer
  reloads neither the map nor its view;
- ``signature``: the script with Folium's random element names taken out:
  the same map drawn twice has the same signature, and the page keeps it;
- ``js``/``css``: the vendored Leaflet files it needs, in load order.

Nothing here imports Streamlit, so tests and the CLI can inspect what the
browser receives.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Final, cast

import folium
from branca.element import Figure

from geo.errors import UsageError, said
from geo.mapview.assets import asset_links

#: Folium names every element ``<kind>_<32 hex>``.
_ELEMENT_NAME: Final = re.compile(r"\b([a-z_]+?)_[0-9a-f]{32}(?![0-9a-f])")


@dataclass(frozen=True)
class MapParts:
    """What the browser needs to draw one map (see the module docstring)."""

    div_id: str
    script: str
    signature: str
    js: tuple[str, ...]
    css: tuple[str, ...]
    overlay: str | None = None


def signature(script: str) -> str:
    """A digest of ``script`` that ignores Folium's random element names."""
    return hashlib.sha256(_ELEMENT_NAME.sub(r"\1", script).encode("utf-8")).hexdigest()[:20]


def map_parts(m: folium.Map, *, overlay: folium.FeatureGroup | None = None) -> MapParts:
    """The div id, scripts and vendored asset links of a finished map.

    ``overlay`` is rendered on its own (``overlay``, ending in ``return <group>;``)
    and is not part of ``script``; ``m`` is left as it was. The figure's
    script is rendered afresh each call (Folium adds each layer's ``addTo``
    again on every render), so the same map always gives the same script.

    Raises
    ------
    UsageError
        If an asset link is not a local path (a CDN link would break the map offline).
    """
    root = cast(Figure, m.get_root())
    root.script._children.clear()
    root.render()
    script = root.script.render()
    js, css = asset_links(m)
    remote = [u for u in js + css if "://" in u or u.startswith("//")]
    if remote:
        raise UsageError(said("err.map.links_remote", url=remote[0]), source="geo.mapview.embed",
                         fix=said("err.map.links_remote_fix"))
    return MapParts(div_id=m.get_name(), script=script, signature=signature(script), js=tuple(js),
                    css=tuple(css), overlay=None if overlay is None else _overlay_script(m, overlay))


def _overlay_script(m: folium.Map, group: folium.FeatureGroup) -> str:
    """The scripts ``group`` adds when rendered on ``m``, then ``return <group>;``; ``m`` is restored."""
    scripts = cast(Figure, m.get_root()).script._children
    before = set(scripts)
    m.add_child(group)
    try:
        group.render()
        added = [name for name in scripts if name not in before]
        code = "\n".join(scripts[name].render() for name in added)
    finally:
        for name in [n for n in scripts if n not in before]:
            del scripts[name]
        del m._children[group.get_name()]
        group._parent = None
    return f"{code}\nreturn {group.get_name()};"
