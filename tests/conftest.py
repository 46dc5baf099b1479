"""Shared fixtures: the plan's layers, loaded once per session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layers import (
    load_parcels,
    load_places,
    load_plan,
    load_projects,
    load_targets,
    load_tracks,
    load_zone_table,
    load_zones,
)
from tests.fixtures.stores import backend, postgis_url, uncreated  # noqa: F401  (workspace backends: gpkg, postgis)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def plan_text() -> str:
    """The plan's text with whitespace removed (table cells break lines)."""
    return re.sub(r"\s+", "", (ROOT / "data" / "plan" / "plan_source.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def plan_lines() -> list[str]:
    """The plan's text, line by line, as printed (line 1 first)."""
    return (ROOT / "data" / "plan" / "plan_source.txt").read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="session")
def plan():
    return load_plan()


@pytest.fixture(scope="session")
def projects():
    return load_projects()


@pytest.fixture(scope="session")
def targets():
    return load_targets()


@pytest.fixture(scope="session")
def tracks():
    return load_tracks()


@pytest.fixture(scope="session")
def zone_table():
    return load_zone_table()


@pytest.fixture(scope="session")
def parcels():
    return load_parcels()


@pytest.fixture(scope="session")
def zones():
    return load_zones()


@pytest.fixture(scope="session")
def places():
    return load_places()
