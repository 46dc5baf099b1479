"""Which plan package is in use, and its ``geo:plan`` metadata.

One answer for the whole program: the folder ``GEO_PLAN`` names if it is set,
else ``data/`` (the built-in plan). ``python -m geo --plan DIR …`` sets
``GEO_PLAN`` for that run. Every loader of :mod:`layers` asks :func:`plan_dir`
and keys its caches by the folder it gets, so two plans never mix; the engine's
plan facts (local Gauss–Krüger CRS, map centre and zoom, footnote, row
numbering, usable-land rule) come from :func:`plan_meta`.

A package is checked once per folder (its descriptor and every table must load,
:func:`geo.plan.package.load_package`) before anything of it is used, so a bad
``GEO_PLAN`` or ``--plan`` gives one line and nothing of it is half-loaded.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from geo.errors import DataError

#: The environment variable naming the plan package in use.
ENV: Final = "GEO_PLAN"
#: The built-in plan package.
DEFAULT_DIR: Final = Path(__file__).resolve().parents[2] / "data"


class PlanSelectionError(DataError):
    """The plan package named by ``GEO_PLAN`` or ``--plan`` is missing or cannot be loaded."""


def plan_dir() -> Path:
    """The folder of the plan package in use: ``GEO_PLAN`` if set (checked), else ``data/``.

    Raises
    ------
    PlanSelectionError
        One line naming the folder and ``GEO_PLAN``, and how to see every problem.
    """
    value = os.environ.get(ENV, "").strip()
    if not value:
        return DEFAULT_DIR
    return _checked(str(Path(value).expanduser().resolve()), value)


def is_default() -> bool:
    """Whether the plan in use is the built-in one (``data/``)."""
    return plan_dir() == DEFAULT_DIR


def check_plan(folder: str | Path, *, source: str = ENV) -> Path:
    """Check that ``folder`` is a loadable plan package; return its resolved path.

    ``source`` names where the folder came from (``GEO_PLAN`` or ``--plan``) in the error.
    """
    return _checked(str(Path(folder).expanduser().resolve()), str(folder), source=source)


@lru_cache(maxsize=16)
def _checked(resolved: str, given: str, *, source: str = ENV) -> Path:
    """Load the package once per folder (cached: a package is not re-read on every table)."""
    from geo.plan.package import DESCRIPTOR, PLAN_KEY, PLAN_KEYS, PackageError, load_package

    folder = Path(resolved)
    other = f"unset {ENV}" if source == ENV else f"leave out {source}"
    fix = f"Run `python -m geo plan validate {given}` to see every problem, or {other} for the built-in plan"
    try:
        package = load_package(folder)
    except PackageError as exc:
        where = Path(exc.source).name if exc.source else given
        raise PlanSelectionError(f"{given} is not a usable plan package ({where}: {exc.problem})", source=source,
                                 fix=fix) from exc
    missing = [k for k in PLAN_KEYS if k not in package.meta]
    if missing:
        raise PlanSelectionError(f"{given} is not a usable plan package: {DESCRIPTOR} has no "
                                 f"{PLAN_KEY}.{missing[0]}", source=source, fix=fix)
    return folder


@lru_cache(maxsize=16)
def _meta(folder: str) -> dict[str, Any]:
    from geo.plan.package import PLAN_KEY, package_dir, read_descriptor

    return dict(read_descriptor(package_dir(folder)).get(PLAN_KEY) or {})


def plan_meta() -> dict[str, Any]:
    """The ``geo:plan`` object of the package in use (a copy: callers may not change the cached one)."""
    import copy

    return copy.deepcopy(_meta(str(plan_dir())))


def meta_value(*keys: str) -> Any:
    """One value of the plan's metadata by its path (``meta_value("crs", "local_epsg")``).

    Raises :class:`PlanSelectionError` naming the key when the package lacks it.
    """
    value: Any = plan_meta()
    for n, key in enumerate(keys):
        if not isinstance(value, dict) or key not in value:
            path = ".".join(keys[: n + 1])
            raise PlanSelectionError(f"the plan's metadata has no geo:plan.{path}", source=str(plan_dir()),
                                     fix=f"Add it to datapackage.json (see data/datapackage.json), then run "
                                         f"`python -m geo plan validate {plan_dir()}`")
        value = value[key]
    return value


__all__ = ["DEFAULT_DIR", "ENV", "PlanSelectionError", "check_plan", "is_default", "meta_value", "plan_dir",
           "plan_meta"]
