"""Streamlit's file uploader, with its own words in the page's language.

Streamlit draws the uploader's button ("Upload") and its limit line ("200MB per
file • ZIP, …") in English and offers no parameter to change them. In Chinese
mode :func:`file_uploader` adds a style sheet scoped to the one widget (its
``st-key-<key>`` class) that hides those two texts and shows ours in their
place: 选择文件, and the real per-file limit with the accepted formats. A style
sheet alone (``st.html`` with only ``<style>``) takes no room on the page.
English mode keeps Streamlit's words. The limit passed here is the one
Streamlit enforces (``max_upload_size``), so what the line says is what holds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from ui.i18n import lang, t

_DROPZONE = '[data-testid="stFileUploaderDropzone"]'
_TEXT = '[data-testid="stMarkdownContainer"]'
_INSTRUCTIONS = '[data-testid="stFileUploaderDropzoneInstructions"]'


def _css_text(text: str) -> str:
    """``text`` as a CSS string (quoted; backslashes, quotes and line ends escaped)."""
    return '"' + re.sub(r'(["\\])', r"\\\1", text).replace("\n", "\\A ") + '"'


def words_css(key: str, *, types: Sequence[str], max_mb: int) -> str:
    """The style sheet putting the page-language words on the uploader with widget key ``key``."""
    scope = ".st-key-" + re.sub(r"[^A-Za-z0-9_-]", "", key)
    limit = t("upl_limit", mb=max_mb, types="、".join(s.upper() for s in types))
    return (
        f"<style>{scope} {_DROPZONE} button {_TEXT} p{{display:none}}"
        f"{scope} {_DROPZONE} button {_TEXT}::after{{content:{_css_text(t('upl_browse'))}}}"
        f"{scope} {_INSTRUCTIONS} span{{display:none}}"
        f"{scope} {_INSTRUCTIONS} > div::after{{content:{_css_text(limit)};font-size:0.875rem;opacity:0.6}}</style>"
    )


def file_uploader(label: str, *, types: Sequence[str], key: str, max_mb: int,
                  help: str | None = None) -> UploadedFile | None:
    """One file from the user (at most ``max_mb`` MB, of ``types``), the widget's words in the page's language."""
    if lang() == "zh":
        st.html(words_css(key, types=types, max_mb=max_mb))
    found = st.file_uploader(label, type=list(types), key=key, max_upload_size=max_mb, help=help)
    return found if isinstance(found, UploadedFile) else None
