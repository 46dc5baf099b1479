"""Who is using the app: sign-in, sessions, and the account box in the sidebar.

First run, failing closed: while the workspace has no account, the app is
single-user (the one user may do everything) only when it serves this machine
alone — Streamlit's ``server.address`` is ``localhost``/``127.0.0.1``/``::1``
(``.streamlit/config.toml``) — or when ``GEO_SINGLE_USER=1`` says so. A server
bound to any other address with no account yet shows every visitor how to
create the first administrator with the CLI, and nothing else: nobody can
write, and nobody can make themselves the owner. Once an account exists,
:func:`gate` draws a sign-in form instead of any page and stops the run until
the visitor signs in. Sign-ins are checked and rate-limited by
:meth:`geo.store.Office.login` (every attempt is audited).

A session lives in ``st.session_state`` (on the server; a browser cannot set
it) and expires after ``GEO_SESSION_IDLE_MINUTES`` (30) without activity or
``GEO_SESSION_MAX_HOURS`` (12) after sign-in; every run reads the account
again, so a role change, a disabled account or a new password (the account's
generation) ends or changes the session at the next click. A reload, a new
tab or a bookmark keeps the user signed in through a session cookie that
names a session the server keeps (:mod:`ui.sessions`); a deep link such as
``/admin`` shows the sign-in form and then its own page.

Clients: the sign-in limits count per client address. Behind a reverse proxy,
name it in ``GEO_TRUSTED_PROXIES`` (comma-separated addresses): requests from
it are attributed to the last address of its ``X-Forwarded-For`` header that
is not itself a trusted proxy, and a request from it without that header is
refused sign-in (else every user would share the proxy's one counter).

Single sign-on (optional): with ``GEO_AUTH=oidc`` and an ``[auth]`` section
in ``.streamlit/secrets.toml``, the form is replaced by Streamlit's OIDC
sign-in (``st.login``); the identity provider's ``email`` (or
``preferred_username``) must name an enabled local account, whose role
applies, and the identity must be verified: the claim ``email_verified``
(or the one named by ``GEO_OIDC_VERIFIED_CLAIM``) must be true. Unknown or
unverified identities are refused and recorded once per session. Local
accounts with passwords stay the default.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Final

import streamlit as st

from geo.errors import GeoError
from geo.store import Actor, AuditEvent, Office, open_store, single_user
from geo.store.office import normalise_name
from ui import sessions
from ui.i18n import t
from ui.safe import md

AUTH_VAR: Final = "GEO_AUTH"
SINGLE_USER_VAR: Final = "GEO_SINGLE_USER"
PROXIES_VAR: Final = "GEO_TRUSTED_PROXIES"
VERIFIED_CLAIM_VAR: Final = "GEO_OIDC_VERIFIED_CLAIM"
#: Bind addresses that serve this machine only.
LOCAL_ADDRESSES: Final = frozenset({"localhost", "127.0.0.1", "::1"})
NO_FORWARDED: Final = "no-forwarded-header"
SESSION_KEY: Final = "_geo_session"
UNKNOWN_KEY: Final = "_geo_oidc_unknown"
EXPIRED_KEY: Final = "_geo_session_expired"
#: The cookie change the next drawn page must make: a token to set, or "" to drop the cookie.
COOKIE_KEY: Final = "_geo_cookie_pending"
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


def single_user_allowed() -> bool:
    """Whether a workspace without accounts may run single-user: a server for this machine only, or said so."""
    if os.environ.get(SINGLE_USER_VAR, "").strip() == "1":
        return True
    address = str(st.get_option("server.address") or "").strip().strip("[]").lower()
    return address in LOCAL_ADDRESSES


def client_of(peer: str | None, forwarded: str | None, trusted: str | None) -> str:
    """The client of a request: its peer address, or behind a trusted proxy the forwarded one.

    ``trusted`` is ``GEO_TRUSTED_PROXIES`` (comma-separated). From a trusted proxy, the last address of
    ``X-Forwarded-For`` that is not a trusted proxy (what the first proxy saw, not what the client wrote);
    without that header, ``web:<proxy>:no-forwarded-header``, which sign-in refuses.
    """
    proxies = {p.strip() for p in (trusted or "").split(",") if p.strip()}
    if peer and peer in proxies:
        hops = [h.strip() for h in (forwarded or "").split(",") if h.strip()]
        outside = [h for h in hops if h not in proxies]
        return f"web:{outside[-1]}" if outside else f"web:{peer}:{NO_FORWARDED}"
    return f"web:{peer or 'unknown'}"


def client() -> str:
    """Where the request comes from, for the audit trail and the per-client sign-in limit (:func:`client_of`)."""
    try:
        ip = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except (AttributeError, RuntimeError):
        ip, forwarded = None, None
    return client_of(ip, forwarded, os.environ.get(PROXIES_VAR))


def _end_session() -> None:
    """Forget this Streamlit session's sign-in and its server-side token; the browser drops the cookie next."""
    session = st.session_state.pop(SESSION_KEY, None) or {}
    if session.get("token"):
        sessions.SESSIONS.close(session["token"])
        st.session_state[COOKIE_KEY] = ""


def _sign_out(actor: Actor, reason: str) -> None:
    _end_session()
    with contextlib.suppress(GeoError):
        office().logout(actor, reason=reason)
    if oidc():
        st.logout()


def oidc() -> bool:
    """Whether sign-in is delegated to an OIDC identity provider (``GEO_AUTH=oidc``)."""
    return os.environ.get(AUTH_VAR, "").strip().lower() == "oidc"


def identity_of(claims: Mapping[str, Any]) -> tuple[str, bool] | None:
    """The identity an OIDC token names (``email``, else ``preferred_username``) and whether it is verified.

    Verified means the claim ``email_verified`` (or the one ``GEO_OIDC_VERIFIED_CLAIM`` names) is JSON
    ``true``: a missing claim, ``"true"`` as text or 1 are not.
    """
    ident = str(claims.get("email") or claims.get("preferred_username") or "")
    claim = os.environ.get(VERIFIED_CLAIM_VAR, "").strip() or "email_verified"
    return (ident, claims.get(claim) is True) if ident else None


def oidc_identity() -> tuple[str, bool] | None:
    """The signed-in visitor's :func:`identity_of` from Streamlit's ``st.user``; None if not signed in."""
    try:
        user = st.user
        if not user.is_logged_in:
            return None
        return identity_of(user.to_dict())
    except (AttributeError, KeyError, RuntimeError):
        return None


def _oidc_session(off: Office) -> None:
    """Open a session for a verified OIDC identity that names an enabled local account; record a refusal once."""
    found = oidc_identity()
    if found is None or st.session_state.get(SESSION_KEY) or st.session_state.get(UNKNOWN_KEY):
        return
    ident, verified = found
    try:
        key = normalise_name(ident)
    except GeoError:
        key = ""
    user = off.store.get_user(key) if key else None
    if user is None or user.disabled or not verified:
        st.session_state[UNKNOWN_KEY] = ident
        reason = "not verified" if user is not None and not user.disabled else "no enabled account"
        off.store.append_audit(AuditEvent("login_failed", None, "", {"client": client(), "via": "oidc",
                                                                    "identity": ident[:200], "reason": reason}))
        return
    now = time.time()
    st.session_state[SESSION_KEY] = {"name": user.name, "role": user.role, "since": now, "seen": now,
                                     "generation": user.generation}
    off.store.append_audit(AuditEvent("login_ok", user.name, "", {"client": client(), "via": "oidc"}))


def current() -> Actor | None:
    """The signed-in user; the single user while no account exists (where allowed); None otherwise."""
    off = office()
    if not off.accounts_exist():
        st.session_state.pop(SESSION_KEY, None)
        return single_user(client()) if single_user_allowed() else None
    if oidc():
        _oidc_session(off)
    session: dict[str, Any] | None = st.session_state.get(SESSION_KEY) or _resumed()
    if not session:
        return None
    now = time.time()
    actor = Actor(session["name"], session["role"], client(), int(session.get("generation", -1)))
    if now - session["since"] > max_age_seconds() or now - session["seen"] > idle_seconds():
        _sign_out(actor, "session expired")
        st.session_state[EXPIRED_KEY] = "auth_expired"
        return None
    fresh = off.current(actor)
    token = session.get("token")
    if fresh is None or (token and not sessions.SESSIONS.touch(token, now=now)):
        # disabled, removed, its password or role changed, or signed out in another tab of the same browser
        _end_session()
        st.session_state[EXPIRED_KEY] = "auth_ended"
        return None
    session["seen"], session["role"] = now, fresh.role
    return fresh


def _cookie() -> str | None:
    """The session cookie this Streamlit session's browser sent (None outside a browser)."""
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except (AttributeError, RuntimeError):
        return None
    return value if isinstance(value, str) else None  # (a test harness has no request: no cookie)


def _resumed() -> dict[str, Any] | None:
    """The session the browser's cookie names, if the server still keeps it (a reload, a new tab)."""
    token = _cookie()
    found = sessions.SESSIONS.resume(token, idle=idle_seconds(), max_age=max_age_seconds())
    if found is None:
        return None
    session = {"name": found.name, "role": found.role, "since": found.since, "seen": found.seen,
               "generation": found.generation, "token": token}
    st.session_state[SESSION_KEY] = session
    return session


def _open_session(actor: Actor) -> None:
    """A new session for ``actor``: kept here and on the server; the next drawn page sets the cookie."""
    _end_session()
    now = time.time()
    assert actor.name is not None
    token = sessions.SESSIONS.open(sessions.Session(actor.name, actor.role, actor.generation, now, now))
    st.session_state[SESSION_KEY] = {"name": actor.name, "role": actor.role, "since": now, "seen": now,
                                     "generation": actor.generation, "token": token}
    st.session_state[COOKIE_KEY] = token


def write_cookie(where: Any) -> None:
    """Make the pending cookie change (set after sign-in, dropped after sign-out) with a script in ``where``."""
    pending = st.session_state.pop(COOKIE_KEY, None)
    if pending is None:
        return
    path = sessions.root_path(st.get_option("server.baseUrlPath"))
    where.html(sessions.cookie_script(pending or None, max_age=max_age_seconds(), path=path),
               unsafe_allow_javascript=True)


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


def first_run() -> None:
    """What a server with no account shows every visitor (see the module): how to create the first admin."""
    st.title(t("auth_setup_title"))
    st.warning(t("auth_setup_intro"))
    st.code(t("auth_setup_commands"), language="bash")
    st.caption(t("auth_setup_single"))


def _sign_in_form() -> Actor | None:
    if not office().accounts_exist():
        first_run()
        return None
    st.title(t("auth_title"))
    st.caption(t("auth_intro"))
    write_cookie(st)
    if notice := st.session_state.get(EXPIRED_KEY):
        st.info(t(notice if notice in ("auth_expired", "auth_ended") else "auth_expired"))
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
    who = client()
    if who.endswith(NO_FORWARDED):
        st.error(t("auth_no_forwarded", var=PROXIES_VAR))
        return None
    try:
        actor = office().login(name, password, client=who)
    except GeoError as exc:
        st.error(md(exc))
        return None
    _open_session(actor)
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
    write_cookie(sb)
    if sb.button(t("auth_sign_out"), key="auth_sign_out"):
        _sign_out(actor, "signed out")
        st.rerun()
    if not oidc():
        with sb.popover(t("auth_change_password")):
            password_form(actor)


def password_form(actor: Actor) -> None:
    """Change one's own password (the current one required); the other sessions of the account end."""
    with st.form("auth_pw_form", clear_on_submit=True):
        old = st.text_input(t("auth_current_password"), type="password", key="auth_pw_old", max_chars=1024)
        new = st.text_input(t("adm_new_password"), type="password", key="auth_pw_new", max_chars=1024)
        again = st.text_input(t("adm_password_again"), type="password", key="auth_pw_again", max_chars=1024)
        submitted = st.form_submit_button(t("auth_change_password"))
    if not submitted:
        return
    if new != again:
        st.error(t("adm_passwords_differ"))
        return
    try:
        changed = office().change_own_password(actor, old, new)
    except GeoError as exc:
        st.error(md(exc))
        return
    _open_session(changed)
    st.success(t("auth_password_changed"))


def when(stamp: str | None, *, seconds: bool = False) -> str:
    """An ISO UTC time as China time (北京时间, Asia/Shanghai), ``2026-05-20 16:30`` (``16:30:05`` with seconds)."""
    if not stamp:
        return "—"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
