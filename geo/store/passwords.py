"""Password hashing with Argon2id (memory-hard), through ``argon2-cffi``.

A stored record is Argon2's own PHC string (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``),
so the cost can be raised later without invalidating existing accounts:
:func:`needs_rehash` says when a record was made with weaker parameters. The
parameters are OWASP's recommended minimum for Argon2id (19 MiB, 2 passes, 1
lane). A password is never stored, logged or put in an error message.
"""

from __future__ import annotations

import secrets
from functools import cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from geo.errors import UsageError

MEMORY_KIB: Final = 19 * 1024
TIME_COST: Final = 2
PARALLELISM: Final = 1
MIN_LENGTH: Final = 8
MAX_LENGTH: Final = 1024
_HASHER: Final = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM)


def check_strength(password: str) -> None:
    """Refuse passwords that are too short or too long, or only whitespace (the message never shows it)."""
    if len(password) < MIN_LENGTH or not password.strip():
        raise UsageError(f"the password is shorter than {MIN_LENGTH} characters", source="password",
                         fix=f"Choose a password of at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UsageError(f"the password is longer than {MAX_LENGTH} characters", source="password",
                         fix="Choose a shorter password")


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
