"""The two written rules of ``data/README.md``, as code: a project's spatial unit and its anchor.

- :func:`zone_by_rule`: **stated** where the unit's description in 二（四）
  names the project or its carrier (``zone_carrier_zh``, one of the unit's
  ``carriers_zh``), else **inferred** by the place its table gives
  (``zone_places.csv``), else **none**. The rule never looks at a row's theme.
- :func:`anchor_by_rule`: the most specific gazetteer place that the row names
  (in its name or region, by name or alias) and that the gazetteer locates.

``data/plan/projects.csv`` holds the results (``zone_id``, ``zone_basis``,
``anchor_zh``); tests apply the rules to every row, and
``tools.build_geometry`` refuses to draw a parcel whose anchor breaks the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, NamedTuple

import pandas as pd

#: Specificity of a gazetteer place by its ``kind`` (lower is more specific): areas, then towns, then districts.
_AREA_KINDS: Final = ("area/centre", "park")
_TOWN_KINDS: Final = ("subdistrict", "town")
_DISTRICT_KINDS: Final = ("district",)


class ZoneChoice(NamedTuple):
    """A project's spatial unit (``None`` for none), the rule's branch, and the carrier its text names."""

    zone_id: str | None
    basis: str
    carrier: str | None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def zone_by_rule(project: Mapping[str, object], zones: pd.DataFrame, zone_places: pd.DataFrame) -> ZoneChoice:
    """The spatial unit of ``project`` by the zone rule (see the module's docstring)."""
    carrier = _text(project.get("zone_carrier_zh"))
    if carrier:
        for z in zones.itertuples():
            if carrier in _text(z.carriers_zh).split(";") and carrier in _text(z.description_zh):
                return ZoneChoice(str(z.zone_id), "stated", carrier)
    place = zone_places[zone_places["place_zh"] == project.get("region_zh")]
    if len(place) and isinstance(place["zone_id"].iloc[0], str):
        return ZoneChoice(str(place["zone_id"].iloc[0]), "inferred", None)
    return ZoneChoice(None, "none", None)


def specificity(kind: object) -> int:
    """1 for a project, campus, park, base, office or facility; 2 an area; 3 a subdistrict or town; 4 a district."""
    k = _text(kind)
    if k.startswith(_DISTRICT_KINDS):
        return 4
    if k.startswith(_TOWN_KINDS):
        return 3
    if k.startswith(_AREA_KINDS):
        return 2
    return 1


def named_places(project: Mapping[str, object], places: pd.DataFrame) -> pd.DataFrame:
    """The gazetteer places whose name or an alias appears in the project's name or region."""
    words = _text(project.get("name_zh")) + " " + _text(project.get("region_zh"))
    hit = [any(n and n in words for n in [str(r.name_zh), *_text(r.aliases_zh).split(";")])
           for r in places.itertuples()]
    return places[hit]


def anchor_by_rule(project: Mapping[str, object], places: pd.DataFrame) -> str | None:
    """The anchor of ``project``: the most specific located place it names (``None`` if it names none)."""
    named = named_places(project, places)
    located = named[named.geometry.notna()] if "geometry" in named.columns else named
    if located.empty:
        return None
    ranked = located.assign(_rank=[specificity(k) for k in located["kind"]]).sort_values("_rank", kind="stable")
    return str(ranked["name_zh"].iloc[0])
