"""The app's data, loaded once and cached (``st.cache_data``).

Pages call these instead of the loaders, so a rerun (every click) reads
nothing from disk. :func:`parcels` is :func:`geo.store.parcels_in_use` (the
same function the CLI's ``--surveyed`` calls), cached per version of the
workspace.
"""

from __future__ import annotations

import hashlib
import os
from typing import Final

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

import layers
from geo.plan import PlanData, reconcile
from geo.store import open_store, parcels_in_use

#: Tile keys looked up in the environment and in Streamlit secrets.
TILE_KEY_NAMES: Final = ("TIANDITU_KEY",)


@st.cache_resource(show_spinner=False)
def plan() -> PlanData:
    """The plan's title, tables, text targets, tracks and zones (read-only; shared by every session)."""
    return layers.load_plan()


@st.cache_data(show_spinner=False)
def plan_info() -> pd.Series:
    """The plan's title (Chinese, English) and period, from data/plan/plan.csv."""
    return layers.load_plan_info()


@st.cache_data(show_spinner=False)
def tracks() -> pd.DataFrame:
    """Tracks (五大赛道) with their colours."""
    return layers.load_tracks()


@st.cache_data(show_spinner=False)
def projects() -> pd.DataFrame:
    """Rows of 表2–表5 and the text, as transcribed in data/plan/projects.csv."""
    return layers.load_projects()


@st.cache_data(show_spinner=False)
def targets() -> pd.DataFrame:
    """Figures the plan's text states."""
    return layers.load_targets()


@st.cache_data(show_spinner=False)
def zone_places() -> pd.DataFrame:
    """How each region of the tables relates to the places the spatial units' texts name."""
    return layers.load_zone_places()


@st.cache_data(show_spinner=False)
def baselines() -> pd.DataFrame:
    """The review section's figures at the time of writing."""
    return layers.load_baselines()


@st.cache_data(show_spinner=False)
def zones() -> gpd.GeoDataFrame:
    """The five parts of 一核双圈两片 (indicative polygons)."""
    return layers.load_zones()


@st.cache_data(show_spinner=False)
def indicative_parcels() -> gpd.GeoDataFrame:
    """One indicative parcel (or point, where the area is unknown) per project."""
    return layers.load_parcels()


@st.cache_data(show_spinner=False)
def places() -> gpd.GeoDataFrame:
    """Gazetteer points with sources."""
    return layers.load_places()


@st.cache_data(show_spinner=False)
def districts() -> gpd.GeoDataFrame:
    """District boundaries."""
    return layers.load_districts()


@st.cache_data(show_spinner=False)
def metro() -> gpd.GeoDataFrame:
    """Schematic metro lines."""
    return layers.load_metro()


@st.cache_data(show_spinner=False, max_entries=8)
def _parcels_in_use(where: str, version: int) -> gpd.GeoDataFrame:
    return parcels_in_use(indicative_parcels(), store=open_store())


def parcels() -> gpd.GeoDataFrame:
    """The parcels shown everywhere: surveyed geometry switched on in the workspace replaces indicative.

    Cached per workspace and its change counter (:meth:`geo.store.Store.version`,
    bumped in the same transaction as every save, switch, delete and restore),
    so a switch made in any session (or by the CLI) is seen by every session on
    its next rerun.
    """
    store = open_store()
    return _parcels_in_use(store.describe(), store.version())


def fingerprint(frame: gpd.GeoDataFrame) -> str:
    """A digest of a layer's ids and geometry (cache key; GeoDataFrames are not hashable)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(frame["project_id"].astype(str)).encode())
    for wkb in shapely.to_wkb(frame.geometry.values):
        digest.update(wkb or b"")
    return digest.hexdigest()


@st.cache_data(show_spinner=False)
def _reconciliation(key: str, _parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    return reconcile(plan(), parcels=_parcels)


def reconciliation() -> pd.DataFrame:
    """Reconciliation of tables, text and map for the parcels in use."""
    current = parcels()
    return _reconciliation(fingerprint(current), current)


def tile_keys() -> dict[str, str]:
    """Basemap keys set in the environment or in ``.streamlit/secrets.toml``."""
    keys = {}
    for name in TILE_KEY_NAMES:
        value = os.environ.get(name, "")
        if not value:
            try:
                value = str(st.secrets.get(name, ""))
            except FileNotFoundError:
                value = ""
        if value:
            keys[name] = value
    return keys
