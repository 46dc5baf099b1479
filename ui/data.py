"""The app's data, loaded once and cached (``st.cache_data``).

Pages call these instead of the loaders, so a rerun (every click) reads
nothing from disk. Every cache is keyed by the folder of the plan package in
use (:func:`geo.plan.current.plan_dir`: ``GEO_PLAN``, else ``data/``), so two
plans never mix. :func:`parcels` is :func:`geo.store.parcels_in_use` (the
same function the CLI's ``--surveyed`` calls), cached per version of the
workspace.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import Final, TypeVar

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

import layers
from geo.plan import PlanData, reconcile
from geo.plan.current import plan_dir, using_plan
from geo.store import open_store, parcels_in_use

T = TypeVar("T")
#: Tile keys looked up in the environment and in Streamlit secrets.
TILE_KEY_NAMES: Final = ("TIANDITU_KEY",)


def plan_key() -> str:
    """The cache key of the plan package in use: its folder."""
    return str(plan_dir())


def in_plan(fn: Callable[[], T]) -> Callable[[], T]:
    """``fn`` bound to the plan in use now: for callables Streamlit runs outside the session (deferred downloads),
    where :func:`geo.plan.current.plan_dir` would answer the process-wide plan, not the session's."""
    folder = plan_dir()

    def run() -> T:
        with using_plan(folder):
            return fn()

    return run


@st.cache_resource(show_spinner=False)
def _plan(folder: str) -> PlanData:
    return layers.load_plan()


def plan() -> PlanData:
    """The plan's title, tables, text targets, tracks and zones (read-only; shared by every session)."""
    return _plan(plan_key())


@st.cache_data(show_spinner=False)
def _plan_info(folder: str) -> pd.Series:
    return layers.load_plan_info()


def plan_info() -> pd.Series:
    """The plan's title (Chinese, English) and period, from its plan.csv."""
    return _plan_info(plan_key())


@st.cache_data(show_spinner=False)
def _tracks(folder: str) -> pd.DataFrame:
    return layers.load_tracks()


def tracks() -> pd.DataFrame:
    """The plan's tracks with their colours."""
    return _tracks(plan_key())


@st.cache_data(show_spinner=False)
def _projects(folder: str) -> pd.DataFrame:
    return layers.load_projects()


def projects() -> pd.DataFrame:
    """The rows of the plan's project tables and the text, as transcribed in its projects.csv."""
    return _projects(plan_key())


@st.cache_data(show_spinner=False)
def _targets(folder: str) -> pd.DataFrame:
    return layers.load_targets()


def targets() -> pd.DataFrame:
    """Figures the plan's text states."""
    return _targets(plan_key())


@st.cache_data(show_spinner=False)
def _zone_places(folder: str) -> pd.DataFrame:
    return layers.load_zone_places()


def zone_places() -> pd.DataFrame:
    """How each region of the tables relates to the places the spatial units' texts name."""
    return _zone_places(plan_key())


@st.cache_data(show_spinner=False)
def _baselines(folder: str) -> pd.DataFrame:
    return layers.load_baselines()


def baselines() -> pd.DataFrame:
    """The review section's figures at the time of writing."""
    return _baselines(plan_key())


@st.cache_data(show_spinner=False)
def _zones(folder: str) -> gpd.GeoDataFrame:
    return layers.load_zones()


def zones() -> gpd.GeoDataFrame:
    """The plan's spatial units (indicative polygons)."""
    return _zones(plan_key())


@st.cache_data(show_spinner=False)
def _indicative_parcels(folder: str) -> gpd.GeoDataFrame:
    return layers.load_parcels()


def indicative_parcels() -> gpd.GeoDataFrame:
    """One indicative parcel (or point, where the area is unknown) per project."""
    return _indicative_parcels(plan_key())


@st.cache_data(show_spinner=False)
def _places(folder: str) -> gpd.GeoDataFrame:
    return layers.load_places()


def places() -> gpd.GeoDataFrame:
    """Gazetteer points with sources."""
    return _places(plan_key())


@st.cache_data(show_spinner=False)
def _districts(folder: str) -> gpd.GeoDataFrame:
    return layers.load_districts()


def districts() -> gpd.GeoDataFrame:
    """District boundaries."""
    return _districts(plan_key())


@st.cache_data(show_spinner=False)
def _metro(folder: str) -> gpd.GeoDataFrame:
    return layers.load_metro()


def metro() -> gpd.GeoDataFrame:
    """Schematic metro lines."""
    return _metro(plan_key())


@st.cache_data(show_spinner=False, max_entries=8)
def _parcels_in_use(where: str, version: int, folder: str) -> gpd.GeoDataFrame:
    return parcels_in_use(indicative_parcels(), store=open_store())


def parcels() -> gpd.GeoDataFrame:
    """The parcels shown everywhere: surveyed geometry switched on in the workspace replaces indicative.

    Cached per workspace and its change counter (:meth:`geo.store.Store.version`,
    bumped in the same transaction as every save, switch, delete and restore),
    so a switch made in any session (or by the CLI) is seen by every session on
    its next rerun.
    """
    store = open_store()
    return _parcels_in_use(store.describe(), store.version(), plan_key())


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
    return _reconciliation(f"{plan_key()}\x1f{fingerprint(current)}", current)


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
