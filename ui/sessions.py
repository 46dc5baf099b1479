"""Sessions that survive a reload: an opaque token in a cookie, the session itself on the server.

A reload (or a second tab, or a bookmark opened later) starts a new Streamlit
session, whose ``st.session_state`` is empty. So that the user stays signed in,
sign-in gives the browser a cookie (``geo_session``) holding a random token
(256 bits); the server keeps, in this process's memory, only the token's
SHA-256 with the account name, its generation and the session's times. A new
Streamlit session presents the cookie with its websocket request
(``st.context.cookies``) and :meth:`Sessions.resume` gives back the session if
the token is known, the session is neither idle longer than
``GEO_SESSION_IDLE_MINUTES`` nor older than ``GEO_SESSION_MAX_HOURS``, and the
caller then checks that the account's generation has not moved (a new
password, role or disabled flag ends every session).

Failing closed: the cookie alone never signs anyone in. Sign-out, expiry and a
changed account forget the token on the server first, then ask the browser to
drop the cookie; a stolen or stale cookie names nothing. A server restart
forgets every token: everyone signs in again. The cookie is ``SameSite=Strict``,
``Secure`` when the page is served over https, and expires with the session's
maximum age; it is written by a script of ours (Streamlit offers no header),
so it is not ``HttpOnly``: the app renders no user text as HTML.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Final

COOKIE: Final = "geo_session"


@dataclass
class Session:
    """A signed-in session as the server keeps it (times are ``time.time()`` seconds)."""

    name: str
    role: str
    generation: int
    since: float
    seen: float


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class Sessions:
    """The server's table of session tokens (hashes only), shared by every Streamlit session of the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, Session] = {}

    def open(self, session: Session) -> str:
        """Remember ``session`` under a new random token and return the token (for the cookie only)."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._by_key[_key(token)] = session
        return token

    def resume(self, token: str | None, *, idle: float, max_age: float, now: float | None = None) -> Session | None:
        """The live session ``token`` names (its ``seen`` time moved to now), or None; an expired one is forgotten."""
        if not isinstance(token, str) or not token or len(token) > 200:
            return None
        now = time.time() if now is None else now
        key = _key(token)
        with self._lock:
            found = self._by_key.get(key)
            if found is None:
                return None
            if now - found.since > max_age or now - found.seen > idle:
                del self._by_key[key]
                return None
            found.seen = now
            return Session(found.name, found.role, found.generation, found.since, found.seen)

    def touch(self, token: str, *, now: float | None = None) -> bool:
        """Record activity on ``token``'s session (each run of a signed-in page); False if it was closed."""
        with self._lock:
            found = self._by_key.get(_key(token))
            if found is not None:
                found.seen = time.time() if now is None else now
            return found is not None

    def close(self, token: str | None) -> None:
        """Forget ``token`` (sign-out, expiry, an ended account): the cookie names nothing any more."""
        if token:
            with self._lock:
                self._by_key.pop(_key(token), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_key)


#: The process's table (module state outlives Streamlit's reruns and sessions).
SESSIONS: Final = Sessions()


def _js(text: str) -> str:
    """``text`` as a JavaScript string literal that cannot end the ``<script>`` it is in."""
    return json.dumps(text).replace("<", "\\u003c")


def cookie_script(token: str | None, *, max_age: float, path: str = "/") -> str:
    """The ``<script>`` that sets (``token``) or drops (None) the session cookie in the page's document.

    ``path`` is the app's root (``/`` or Streamlit's ``server.baseUrlPath``), so a cookie set on ``/check``
    is sent for ``/admin`` and the websocket too. Token and path are written as JSON string literals.
    """
    age = int(max_age) if token else 0
    return (
        "<script>(function(){"
        f"var c='{COOKIE}='+encodeURIComponent({_js(token or '')})"
        f"+'; Max-Age={age}; Path='+{_js(path)}+'; SameSite=Strict';"
        "if(location.protocol==='https:'){c+='; Secure';}"
        "document.cookie=c;})();</script>"
    )


def root_path(base_url_path: str | None) -> str:
    """The cookie path for Streamlit's ``server.baseUrlPath`` (``""`` → ``/``, ``geo/`` → ``/geo``)."""
    inner = "/".join(part for part in str(base_url_path or "").split("/") if part)
    return f"/{inner}"
