"""Which plan package is in use, and its ``geo:plan`` metadata.

:func:`plan_dir` answers, first match wins:

1. a block's own plan, :func:`using_plan` (a :class:`contextvars.ContextVar`, so it holds in that thread or
   task only: the Compare page reads plan B inside one while the session stays on plan A);
2. the plan of the caller's session, asked of the resolver the app registers once
   (:func:`set_session_resolver`): the app keeps each browser session's choice in that session's state, so
   concurrent sessions on different plans never mix, and the choice holds in every thread Streamlit runs
   the session's code in (the script, callbacks, fragments); outside a session the resolver returns None;
3. the process-wide plan: the folder ``GEO_PLAN`` names if it is set, else ``data/`` (the built-in plan).
   ``python -m geo --plan DIR …`` sets ``GEO_PLAN`` for that run (the CLI registers no resolver).

Every loader of :mod:`layers` asks :func:`plan_dir` and keys its caches by the folder it gets, so two plans
never mix; the engine's plan facts (local Gauss–Krüger CRS, map centre and zoom, footnote, row numbering,
usable-land rule) come from :func:`plan_meta`.

A package is checked once per folder (its descriptor and every table must load,
:func:`geo.plan.package.load_package`) before anything of it is used, so a bad
``GEO_PLAN`` or ``--plan`` gives one line and nothing of it is half-loaded.

:func:`list_plans` lists the packages a server offers: the process-wide plan, then every subfolder of the
folder ``GEO_PLANS_DIR`` names, each usable or with the one-line reason it is not. A choice coming from a
user (a URL's ``plan=``) is matched against that list (:func:`find_plan`), never used as a path.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from geo.errors import DataError, said
from geo.i18n import LANGS

#: The environment variable naming the plan package in use.
ENV: Final = "GEO_PLAN"
#: The environment variable naming a folder whose subfolders are the plan packages a server offers.
PLANS_ENV: Final = "GEO_PLANS_DIR"
#: The built-in plan package.
DEFAULT_DIR: Final = Path(__file__).resolve().parents[2] / "data"


class PlanSelectionError(DataError):
    """The plan package named by ``GEO_PLAN`` or ``--plan`` is missing or cannot be loaded."""


#: The plan of the current block (:func:`using_plan`), in this thread or task only.
_BLOCK: ContextVar[Path | None] = ContextVar("geo_plan_block", default=None)
#: Where the current session's plan comes from (:func:`set_session_resolver`); None: no sessions (the CLI).
_resolver: Callable[[], Path | None] | None = None


def set_session_resolver(resolver: Callable[[], Path | None] | None) -> None:
    """Register the function that gives the calling session's plan folder (None outside a session).

    The app registers one (it reads the folder from the caller's session state); the folder it returns must
    be one :func:`list_plans` listed as usable. ``None`` unregisters.
    """
    global _resolver
    _resolver = resolver


@contextmanager
def using_plan(folder: str | Path) -> Iterator[Path]:
    """Within the block, :func:`plan_dir` is ``folder`` (checked first) in this thread or task only."""
    checked = check_plan(folder, source="plan")
    token = _BLOCK.set(checked)
    try:
        yield checked
    finally:
        _BLOCK.reset(token)


def process_plan_dir() -> Path:
    """The process-wide plan (``GEO_PLAN`` if set, checked; else ``data/``), whatever a session chose."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return DEFAULT_DIR
    return _checked(str(Path(value).expanduser().resolve()), value)


def plan_dir() -> Path:
    """The folder of the plan package in use: the block's, else the session's, else ``GEO_PLAN``, else ``data/``.

    Raises
    ------
    PlanSelectionError
        One line naming the folder and ``GEO_PLAN``, and how to see every problem.
    """
    block = _BLOCK.get()
    if block is not None:
        return block
    if _resolver is not None and (chosen := _resolver()) is not None:
        return _checked(str(chosen), chosen.name, source="plan")
    return process_plan_dir()


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
    if source in (PLANS_ENV, "plan"):
        fix = said("err.plan.validate_in_dir_fix", given=given, env=PLANS_ENV)
    elif source == ENV:
        fix = said("err.plan.validate_or_unset_fix", given=given, env=ENV)
    else:
        fix = said("err.plan.validate_or_leave_out_fix", given=given, option=source)
    try:
        package = load_package(folder)
    except PackageError as exc:
        where = Path(exc.source).name if exc.source else given
        raise PlanSelectionError(said("err.plan.not_usable", given=given, where=where, problem=exc.said or exc.problem),
                                 source=source, fix=fix) from exc
    missing = [k for k in PLAN_KEYS if k not in package.meta]
    if missing:
        raise PlanSelectionError(said("err.plan.no_plan_key", given=given, descriptor=DESCRIPTOR, plan_key=PLAN_KEY,
                                      field=missing[0]), source=source, fix=fix)
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
            raise PlanSelectionError(said("err.plan.no_meta", path=path), source=str(plan_dir()),
                                     fix=said("err.plan.no_meta_fix", folder=plan_dir()))
        value = value[key]
    return value


# --- the plans a server offers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanEntry:
    """One plan package a server offers (:func:`list_plans`).

    ``key`` is its folder's name (unique in the list); ``plan_id``, titles and period come from its
    ``geo:plan`` (empty when it is unusable); ``problem`` is None for a usable package, else one line saying
    why it cannot be used (catalogue words: English as a ``str``, :func:`geo.errors.say` in a language).
    """

    key: str
    folder: Path
    plan_id: str = ""
    title_zh: str = ""
    title_en: str = ""
    period: str = ""
    builtin: bool = False
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None


def _period(value: object) -> str:
    """``2021–2025`` from ``{"start": 2021, "end": 2025}`` (as written otherwise)."""
    if isinstance(value, dict) and "start" in value and "end" in value:
        return f"{value['start']}–{value['end']}"
    return "" if value is None else str(value)


@dataclass(frozen=True)
class _Lines:
    """An error's line in each language (:meth:`GeoError.text`), kept as text: a plan list is cached (pickled)."""

    lines: dict[str, str]

    def text(self, lang: str) -> str:
        return self.lines.get(lang, self.lines["en"])


def _entry(folder: Path, *, key: str, builtin: bool = False) -> PlanEntry:
    """The entry of one folder: checked (:func:`check_plan`), its metadata read, or its one-line problem."""
    # Checked afresh (not from the cache of :func:`plan_dir`: a package that broke since is listed as broken, while
    # a session already on it keeps being served), named by the folder's name only (the list is shown to the
    # app's users, the server's paths are not).
    try:
        checked = _checked.__wrapped__(str(folder.resolve()), folder.name, source=PLANS_ENV)
        meta = _meta(str(checked))
    except DataError as exc:
        return PlanEntry(key=key, folder=folder, builtin=builtin, problem=said("prob.package.error", error=_Lines(
            {lang: exc.text(lang) for lang in LANGS})))
    return PlanEntry(key=key, folder=checked, plan_id=str(meta.get("id", "")), title_zh=str(meta.get("title_zh", "")),
                     title_en=str(meta.get("title_en", "")), period=_period(meta.get("period")), builtin=builtin)


def plans_root(env: dict[str, str] | None = None) -> Path | None:
    """The folder ``GEO_PLANS_DIR`` names, or None when it is not set."""
    value = (os.environ if env is None else env).get(PLANS_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def plans_signature(root: Path | None = None) -> tuple[tuple[str, int], ...]:
    """What :func:`list_plans` depends on: every subfolder's descriptor and its time of change (a cache key)."""
    root = plans_root() if root is None else root
    if root is None or not root.is_dir():
        return ()
    out = []
    for sub in sorted(root.iterdir()):
        try:
            out.append((sub.name, (sub / "datapackage.json").stat().st_mtime_ns))
        except OSError:
            out.append((sub.name, -1))
    return tuple(out)


def list_plans(root: Path | None = None) -> list[PlanEntry]:
    """The plans a server offers: the process-wide plan first, then each subfolder of ``root``.

    ``root`` defaults to ``GEO_PLANS_DIR`` (none: the process-wide plan alone). Subfolders are listed by
    name; one that is the process-wide plan (a link to it) is left out; one whose name is taken, that is
    not a folder, or that is not a loadable package is listed with its problem.
    """
    default = process_plan_dir()
    entries = [_entry(default, key=default.name, builtin=True)]
    root = plans_root() if root is None else root
    if root is None:
        return entries
    if not root.is_dir():
        entries.append(PlanEntry(key=root.name, folder=root,
                                 problem=said("prob.package.plans_not_folder", env=PLANS_ENV, root=root)))
        return entries
    seen = {default}
    for sub in sorted(root.iterdir(), key=lambda p: p.name):
        if sub.name.startswith("."):
            continue
        resolved = sub.resolve()
        if resolved in seen:
            continue
        if not sub.is_dir():
            continue
        if any(e.key == sub.name for e in entries):
            entries.append(PlanEntry(key=sub.name, folder=sub, problem=said("prob.package.name_taken", name=sub.name)))
            continue
        seen.add(resolved)
        entries.append(_entry(sub, key=sub.name))
    return entries


def find_plan(entries: list[PlanEntry], value: str) -> PlanEntry | None:
    """The usable entry whose folder name, else whose package id, is ``value`` (None: no such plan).

    A package id shared by several listed plans matches none of them (name the folder instead).
    """
    usable = [e for e in entries if e.usable]
    by_key = [e for e in usable if e.key == value]
    if by_key:
        return by_key[0]
    by_id = [e for e in usable if e.plan_id and e.plan_id == value]
    return by_id[0] if len(by_id) == 1 else None


__all__ = ["DEFAULT_DIR", "ENV", "PLANS_ENV", "PlanEntry", "PlanSelectionError", "check_plan", "find_plan",
           "is_default", "list_plans", "meta_value", "plan_dir", "plan_meta", "plans_root", "plans_signature",
           "process_plan_dir", "set_session_resolver", "using_plan"]
