"""Password hashing with Argon2id (memory-hard), through ``argon2-cffi``.

A stored record is Argon2's own PHC string (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``),
so the cost can be raised later without invalidating existing accounts:
:func:`needs_rehash` says when a record was made with weaker parameters. The
parameters are OWASP's recommended minimum for Argon2id (19 MiB, 2 passes, 1
lane). A password is never stored, logged or put in an error message.

The policy (:func:`check_strength`): at least :data:`MIN_LENGTH` characters,
not the account's own name, and not one of the common passwords shipped in
``common_passwords.txt`` (its header names its source).
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.errors import UsageError, said

MEMORY_KIB: Final = 19 * 1024
TIME_COST: Final = 2
PARALLELISM: Final = 1
MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 1024
COMMON_FILE: Final = Path(__file__).with_name("common_passwords.txt")
_HASHER: Final = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case)."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_strength(password: str, *, name: str | None = None) -> None:
    """Refuse a password that breaks the policy (see the module); the message never shows the password."""
    if len(password) < MIN_LENGTH or not password.strip():
        raise UsageError(said("err.auth.pw_short", n=MIN_LENGTH), source="password",
                         fix=said("err.auth.pw_short_fix", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise UsageError(said("err.auth.pw_long", n=MAX_LENGTH), source="password", fix=said("err.auth.pw_long_fix"))
    folded = password.strip().lower()
    if name is not None and name.strip().lower() in (folded, folded[::-1]):
        raise UsageError(said("err.auth.pw_is_name"), source="password", fix=said("err.auth.pw_is_name_fix"))
    if folded in common_passwords():
        raise UsageError(said("err.auth.pw_common"), source="password", fix=said("err.auth.pw_common_fix"))


def hash_password(password: str) -> str:
    """A new salted Argon2id record for ``password``."""
    return _HASHER.hash(password)


def verify_password(password: str, record: str) -> bool:
    """Whether ``password`` matches ``record`` (False for a wrong password or a malformed record)."""
    try:
        return _HASHER.verify(record, password[:MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(record: str) -> bool:
    """Whether ``record`` was made with other (older, weaker) parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(record)
    except (InvalidHashError, ValueError):
        return True


@cache
def dummy_record() -> str:
    """Verified against when a login names no account, so a wrong name costs the time of a wrong password."""
    return hash_password(secrets.token_urlsafe(16))
