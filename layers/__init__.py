"""The plan's layers: each loader reads the plan package in use into a (Geo)DataFrame.

The package is :func:`geo.plan.current.plan_dir` (``GEO_PLAN``, ``--plan``; ``data/`` by default);
caches are keyed by its folder.

Loaders validate the files against the schemas in :mod:`layers.schema` and
raise :class:`geo.errors.DataError` naming the file and column when they do
not fit. See each loader for the columns it returns.
"""

from layers.context import load_districts, load_metro, load_places
from layers.export import export_options
from layers.parcels import load_parcels, load_zones
from layers.plan import (
    load_actions,
    load_baselines,
    load_glossary,
    load_monitor_plan,
    load_plan,
    load_plan_info,
    load_projects,
    load_targets,
    load_tracks,
    load_zone_places,
    load_zone_table,
)

__all__ = [
    "export_options",
    "load_actions",
    "load_baselines",
    "load_districts",
    "load_glossary",
    "load_metro",
    "load_monitor_plan",
    "load_parcels",
    "load_places",
    "load_plan",
    "load_plan_info",
    "load_projects",
    "load_targets",
    "load_tracks",
    "load_zone_places",
    "load_zone_table",
    "load_zones",
]
