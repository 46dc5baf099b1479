"""The app's data, loaded once and cached (``st.cache_data``).

Pages call these instead of the loaders, so a rerun (every click) reads
nothing from disk. A page that offers surveyed parcels (the Check page) puts
them in ``st.session_state[SURVEYED_KEY]``; :func:`parcels` then uses them in
place of the indicative ones for the same projects.
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
from geo import workspace
from geo.reconcile import reconcile

#: Session-state key under which a page may put surveyed parcels (GeoDataFrame, WGS84).
SURVEYED_KEY: Final = "surveyed_parcels"

#: Tile keys looked up in the environment and in Streamlit secrets.
TILE_KEY_NAMES: Final = ("TIANDITU_KEY",)


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


@st.cache_data(show_spinner=False)
def _workspace_surveyed(mtime: float) -> gpd.GeoDataFrame:
    """Surveyed parcels switched on in the workspace (cached per workspace file version)."""
    return workspace.surveyed_parcels(indicative_parcels())


def parcels() -> gpd.GeoDataFrame:
    """The parcels shown everywhere: surveyed ones switched on in the workspace replace indicative ones.

    The Check page also puts them in ``st.session_state[SURVEYED_KEY]`` as it
    changes them; otherwise (a new session, a restart) the workspace is read.
    """
    base = indicative_parcels()
    surveyed = st.session_state.get(SURVEYED_KEY)
    if surveyed is None and workspace.workspace_path().exists():
        surveyed = _workspace_surveyed(workspace.workspace_path().stat().st_mtime)
    if not isinstance(surveyed, gpd.GeoDataFrame) or surveyed.empty:
        return base
    keep = base[~base["project_id"].isin(surveyed["project_id"])]
    merged = pd.concat([keep, surveyed.to_crs(base.crs)[base.columns.intersection(surveyed.columns)]])
    return gpd.GeoDataFrame(merged, geometry=base.geometry.name, crs=base.crs)


def fingerprint(frame: gpd.GeoDataFrame) -> str:
    """A digest of a layer's ids and geometry (cache key; GeoDataFrames are not hashable)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(frame["project_id"].astype(str)).encode())
    for wkb in shapely.to_wkb(frame.geometry.values):
        digest.update(wkb or b"")
    return digest.hexdigest()


@st.cache_data(show_spinner=False)
def _reconciliation(key: str, _parcels: gpd.GeoDataFrame) -> pd.DataFrame:
    return reconcile(projects(), targets(), tracks(), zones(), parcels=_parcels)


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
