"""Shared fixtures: the plan's layers, loaded once per session."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.io.limits import warm_up
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
from tests.fixtures.stores import backend, created, postgis_url, uncreated  # noqa: F401  (workspace backends)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def read_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Start the file reader's forkserver once per session, in an environment of its own.

    AppTest runs a page file as ``__main__``, and every read worker re-runs that script (multiprocessing's
    main fixup), sign-in gate included, with the environment the forkserver was started in. Started
    inside a test, that was the test's workspace: deleted by the next test (an error now: a configured
    workspace must exist) or holding accounts (no one signed in there). Here it is an empty workspace of
    its own, so a worker's re-run of a page is the single user's and harmless.
    """
    saved = {k: os.environ.pop(k, None) for k in ("GEO_WORKSPACE", "GEO_DATABASE_URL", "GEO_DATABASE_SCHEMA")}
    os.environ["GEO_WORKSPACE"] = str(created(tmp_path_factory.mktemp("read-workers")))
    try:
        warm_up()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    yield


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
