"""The view's state (language, basemap, filters, selected project) kept in the URL.

Every setting lives in ``st.session_state`` under a widget key and is
mirrored to ``st.query_params`` on every run, so the address bar always
holds a link that restores the view: page (the URL path), filters, selected
project, basemap, language, and on the drafting page the draft and its
version. A link opened in a new session is read once,
before the sidebar's widgets are drawn; invalid values are dropped and named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import streamlit as st

from geo.mapview.basemaps import default_basemap


@dataclass(frozen=True)
class Param:
    """One URL parameter and the session-state key it mirrors."""

    name: str
    key: str
    default: str | tuple[str, ...]
    #: The default when it depends on the server's configuration (the basemap: ``GEO_TILES`` or none).
    compute: Callable[[], str] | None = None

    @property
    def is_list(self) -> bool:
        return isinstance(self.default, tuple)

    def initial(self) -> str | tuple[str, ...]:
        """The default value now."""
        return self.compute() if self.compute is not None else self.default


PARAMS: Final[tuple[Param, ...]] = (
    Param("lang", "w_lang", "zh"),
    Param("basemap", "w_basemap", "none", compute=default_basemap),
    Param("colour", "w_colour", "track"),
    Param("track", "w_track", ()),
    Param("zone", "w_zone", ()),
    Param("region", "w_region", ()),
    Param("q", "w_q", ""),
    Param("ctx", "w_ctx", ("places", "districts", "metro")),  # towns too: a parcel is placed with no basemap
    Param("sel", "sel", ""),
    Param("draft", "w_draft", ""),  # the drafting page's draft id and version (checked by that page)
    Param("version", "w_draft_version", ""),
)
_RESTORED: Final = "_url_restored"


@dataclass(frozen=True)
class View:
    """What the user is looking at (read by every page)."""

    lang: str
    basemap: str
    colour: str
    track: tuple[str, ...]
    zone: tuple[str, ...]
    region: tuple[str, ...]
    q: str
    ctx: tuple[str, ...]
    sel: str
    draft: str
    version: str


def restore_from_url(choices: Mapping[str, Sequence[str]]) -> list[str]:
    """Once per session, copy valid URL parameters into session state.

    Parameters
    ----------
    choices
        Allowed values per parameter name; parameters not listed take any text.

    Returns
    -------
    list of str
        ``name=value`` of every value that was not allowed (and was dropped).
    """
    for p in PARAMS:
        st.session_state.setdefault(p.key, list(p.initial()) if p.is_list else p.initial())
    if st.session_state.get(_RESTORED):
        return []
    st.session_state[_RESTORED] = True
    ignored: list[str] = []
    for p in PARAMS:
        if p.name not in st.query_params:
            continue
        raw = st.query_params[p.name]
        values = [v for v in raw.split(",") if v] if p.is_list else [raw]
        allowed = choices.get(p.name)
        good = [v for v in values if allowed is None or v in allowed]
        ignored += [f"{p.name}={v[:80]}" for v in values if v not in good]  # shown escaped (ui.safe.md)
        if p.is_list:
            st.session_state[p.key] = good
        elif good:
            st.session_state[p.key] = good[0]
    return ignored


def write_to_url() -> None:
    """Mirror the current state to the URL (defaults are left out to keep links short)."""
    for p in PARAMS:
        initial = p.initial()
        value = st.session_state.get(p.key, initial)
        text = ",".join(value) if p.is_list else str(value or "")
        default = ",".join(initial) if p.is_list else initial
        if text == default:
            if p.name in st.query_params:
                del st.query_params[p.name]
        elif st.query_params.get(p.name) != text:
            st.query_params[p.name] = text


def view() -> View:
    """The current :class:`View` from session state."""
    values: dict[str, Any] = {}  # tuples for list parameters, strings for the others
    for p in PARAMS:
        value = st.session_state.get(p.key, p.initial())
        values[p.name] = tuple(value) if p.is_list else str(value or "")
    return View(**values)


def select(project_id: str | None) -> None:
    """Select a project (shown highlighted on the map and in its detail panel)."""
    st.session_state["sel"] = project_id or ""
