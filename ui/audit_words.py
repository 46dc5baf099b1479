"""The audit trail in words: an event's action, object and detail as a planner reads them.

The store records actions as keys (``login_ok``, ``refused`` …) and details as
JSON with English reasons; the admin page shows them as words in the page's
language, hex ids shortened, times in China time (:func:`ui.auth.when`).
Unknown keys and values show as recorded, so nothing is hidden.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ui.i18n import has, t

#: A hex id or fingerprint (upload ids are 12 hex digits, file hashes 64).
HEX = re.compile(r"[0-9a-f]{12,}")
SHORT = 8
#: Detail fields shown first, in this order; the rest follow sorted.
ORDER = ("name", "attempted", "reason", "role", "client")


def _word(prefix: str, key: str) -> str | None:
    full = f"{prefix}{key}"
    return t(full) if has(full) else None


def action(key: str) -> str:
    """``login_ok`` → 登录成功 / Signed in (unknown keys as recorded)."""
    return _word("aud_", key) or key


def short(text: str) -> str:
    """A hex id shortened to its first 8 digits with an ellipsis; anything else as is."""
    return f"{text[:SHORT]}…" if HEX.fullmatch(text) else text


def _value(field: str, value: Any) -> str:
    if isinstance(value, bool):
        return t("aud_yes" if value else "aud_no")
    if isinstance(value, (list, tuple)):
        return "、".join(_value(field, v) for v in value)
    text = str(value)
    if field == "role":
        return _word("role_", text) or text
    if field == "reason":
        return _word("aud_r_", text) or text
    if field == "attempted":
        return _word("aud_a_", text) or text
    return short(text)


def detail(fields: Mapping[str, Any]) -> str:
    """``{"client": "web:10.0.0.5", "reason": "wrong password"}`` → ``原因：密码错误 · 客户端：web:10.0.0.5``."""
    keys = [k for k in ORDER if k in fields] + sorted(k for k in fields if k not in ORDER)
    return " · ".join(t("aud_field", field=_word("aud_f_", k) or k, value=_value(k, fields[k])) for k in keys)


def subject(obj: str, fields: Mapping[str, Any]) -> str:
    """The event's object: the audit trail, an upload by its file name and short id, an account as named."""
    if obj == "audit":
        return t("aud_obj_audit")
    if HEX.fullmatch(obj):
        name = fields.get("name")
        return f"{name}（{short(obj)}）" if name else t("aud_obj_upload", id=short(obj))
    return obj or "—"
