"""Who is using the app: sign-in, sessions, and the account box in the sidebar.

While the workspace has no account the app is single-user, as it always
was: :func:`gate` returns the single user (who may do everything). Once an
account exists, :func:`gate` draws a sign-in form instead of any page and
stops the run until the visitor signs in, so an anonymous visitor sees no
page, no upload and no surveyed geometry. Sign-ins are checked and
rate-limited by :meth:`geo.store.Office.login` (every attempt is audited).

A session lives in ``st.session_state`` (on the server; a browser cannot set
it) and expires after ``GEO_SESSION_IDLE_MINUTES`` (30) without activity or
``GEO_SESSION_MAX_HOURS`` (12) after sign-in; every run reads the account
again, so a role change or a disabled account takes effect at the next click.
A reload starts a new Streamlit session, so it asks to sign in again.

Single sign-on (optional): with ``GEO_AUTH=oidc`` and an ``[auth]`` section
in ``.streamlit/secrets.toml``, the form is replaced by Streamlit's OIDC
sign-in (``st.login``); the identity provider's ``email`` (or
``preferred_username``) must name an enabled local account, whose role
applies. Local accounts with passwords stay the default.
"""

from __future__ import annotations

import contextlib
import os
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

import streamlit as st

from geo.errors import GeoError
from geo.store import Actor, AuditEvent, Office, open_store, single_user
from geo.store.office import normalise_name
from ui.i18n import t
from ui.safe import md

AUTH_VAR: Final = "GEO_AUTH"
SESSION_KEY: Final = "_geo_session"
UNKNOWN_KEY: Final = "_geo_oidc_unknown"
EXPIRED_KEY: Final = "_geo_session_expired"
CHINA_TIME: Final = timezone(timedelta(hours=8))


def _minutes(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def idle_seconds() -> float:
    return _minutes("GEO_SESSION_IDLE_MINUTES", 30) * 60


def max_age_seconds() -> float:
    return _minutes("GEO_SESSION_MAX_HOURS", 12) * 3600


def office() -> Office:
    """The workspace's :class:`Office` (the store is opened once per process)."""
    return Office(open_store())


def client() -> str:
    """Where the request comes from, for the audit trail and the per-client sign-in limit."""
    try:
        ip = st.context.ip_address
    except (AttributeError, RuntimeError):
        ip = None
    return f"web:{ip or 'unknown'}"


def _sign_out(actor: Actor, reason: str) -> None:
    st.session_state.pop(SESSION_KEY, None)
    with contextlib.suppress(GeoError):
        office().logout(actor, reason=reason)
    if oidc():
        st.logout()


def oidc() -> bool:
    """Whether sign-in is delegated to an OIDC identity provider (``GEO_AUTH=oidc``)."""
    return os.environ.get(AUTH_VAR, "").strip().lower() == "oidc"


def oidc_identity() -> str | None:
    """The identity provider's name for the visitor (``email``, else ``preferred_username``), if signed in."""
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        return str(user.get("email") or user.get("preferred_username") or "") or None
    except (AttributeError, KeyError, RuntimeError):
        return None


def _oidc_session(off: Office) -> None:
    """Open a session for an OIDC identity that names an enabled local account."""
    ident = oidc_identity()
    if ident is None or st.session_state.get(SESSION_KEY):
        return
    try:
        key = normalise_name(ident)
    except GeoError:
        key = ""
    user = off.store.get_user(key) if key else None
    if user is None or user.disabled:
        st.session_state[UNKNOWN_KEY] = ident
        return
    now = time.time()
    st.session_state[SESSION_KEY] = {"name": user.name, "role": user.role, "since": now, "seen": now}
    off.store.append_audit(AuditEvent("login_ok", user.name, "", {"client": client(), "via": "oidc"}))


def current() -> Actor | None:
    """The signed-in user; the single user while no account exists; None when a sign-in is needed."""
    off = office()
    if not off.accounts_exist():
        st.session_state.pop(SESSION_KEY, None)
        return single_user(client())
    if oidc():
        _oidc_session(off)
    session: dict[str, Any] | None = st.session_state.get(SESSION_KEY)
    if not session:
        return None
    now = time.time()
    actor = Actor(session["name"], session["role"], client())
    if now - session["since"] > max_age_seconds() or now - session["seen"] > idle_seconds():
        _sign_out(actor, "session expired")
        st.session_state[EXPIRED_KEY] = True
        return None
    fresh = off.current(actor)
    if fresh is None:  # disabled or removed since
        st.session_state.pop(SESSION_KEY, None)
        return None
    session["seen"], session["role"] = now, fresh.role
    return fresh


def sign_in_form() -> Actor | None:
    """The sign-in form (the only thing an anonymous visitor sees once accounts exist).

    Returns the actor when this run's submit signed them in: the form is then
    cleared and the caller goes on to draw the page in the same run (no extra
    rerun, so the page's widgets keep the same ids from the first run on).
    """
    box = st.empty()
    with box.container():
        actor = _sign_in_form()
    if actor is not None:
        box.empty()
    return actor


def _sign_in_form() -> Actor | None:
    st.title(t("auth_title"))
    st.caption(t("auth_intro"))
    if st.session_state.get(EXPIRED_KEY):
        st.info(t("auth_expired"))
    if oidc():
        unknown = st.session_state.get(UNKNOWN_KEY)
        if unknown:
            st.error(t("auth_oidc_unknown", name=md(unknown)))
            if st.button(t("auth_sign_out"), key="auth_oidc_out"):
                st.session_state.pop(UNKNOWN_KEY, None)
                st.logout()
        elif st.button(t("auth_oidc_sign_in"), key="auth_oidc_in", type="primary"):
            st.login()
        return None
    with st.form("auth_form", clear_on_submit=True):
        name = st.text_input(t("auth_name"), key="auth_name", max_chars=64)
        password = st.text_input(t("auth_password"), type="password", key="auth_password", max_chars=1024)
        submitted = st.form_submit_button(t("auth_sign_in"), type="primary")
    if not submitted:
        return None
    try:
        actor = office().login(name, password, client=client())
    except GeoError as exc:
        st.error(md(exc))
        return None
    now = time.time()
    st.session_state[SESSION_KEY] = {"name": actor.name, "role": actor.role, "since": now, "seen": now}
    st.session_state.pop(EXPIRED_KEY, None)
    return actor


def gate() -> Actor:
    """The acting user, or (once accounts exist and nobody is signed in) the sign-in form and a stopped run."""
    actor = current() or sign_in_form()
    if actor is None:
        st.stop()
    assert actor is not None
    return actor


def account_box(actor: Actor) -> None:
    """The sidebar's account line: who is signed in and a sign-out button (single-user mode: a note)."""
    sb = st.sidebar
    if actor.name is None:
        sb.caption(t("auth_single_user"))
        return
    sb.caption(t("auth_signed_in", name=md(actor.name), role=t(f"role_{actor.role}")))
    if sb.button(t("auth_sign_out"), key="auth_sign_out"):
        _sign_out(actor, "signed out")
        st.rerun()


def when(stamp: str | None) -> str:
    """An ISO UTC time as China time, ``2026-05-20 16:30``."""
    if not stamp:
        return "—"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")
