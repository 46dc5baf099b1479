"""The Convert section of the Export page: an uploaded file to any export format.

It calls :func:`geo.io.convert.convert_bytes`, the function behind
``python -m geo convert``, so the page and the command line write the same
file. Everything the user's file supplies (names, warnings, error messages) is
shown as plain text, never rendered as Markdown.
"""

from __future__ import annotations

import re
from typing import Final

import streamlit as st

from geo.crs import EXPORT_CRS
from geo.errors import GeoError
from geo.io.convert import ConvertResult, convert_bytes, default_crs
from geo.io.export import FORMATS, crs_options
from geo.io.files import MAX_FILE_BYTES
from geo.io.readers import READERS
from ui import readwords, uploader
from ui.i18n import bind, error_text, pick, t

#: The largest file the readers take (geo.io), in MB: the uploader's own limit and its words.
MAX_MB: Final = MAX_FILE_BYTES // (1024 * 1024)
#: File types the uploader offers: what the Check page reads.
UPLOAD_TYPES: Final = ["zip", "kmz", "gpkg", "geojson", "json", "kml", "csv", "txt"]
#: The CRS choice meaning: the input's own CRS if the format holds it, else the format's default.
AUTO: Final = ""
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$&:])")


def plain(text: str) -> str:
    """``text`` with every Markdown character escaped, for widgets that render Markdown (``st.error`` …)."""
    return _MARKDOWN.sub(r"\\\1", text)


@st.cache_data(max_entries=4, show_spinner=False)
def _convert(payload: bytes, name: str, fmt: str, crs: str, sidecars: bool = False) -> tuple[bytes, str, ConvertResult]:
    return convert_bytes(payload, name, fmt=fmt, to_crs=crs or None, sidecars=sidecars)


def render() -> None:
    """Uploader, target format and CRS, what was read and written, and the download button."""
    st.subheader(t("conv_title"))
    st.caption(t("conv_intro"))
    upload = uploader.file_uploader(t("conv_upload", mb=MAX_MB), types=UPLOAD_TYPES, key="conv_upload",
                                    max_mb=MAX_MB, help=t("conv_upload_help", mb=MAX_MB))
    formats = list(FORMATS)
    fmt = st.radio(
        t("conv_format"), formats, key="conv_format", horizontal=True,
        format_func=bind(formats, lambda k: pick(FORMATS[k].label_zh, FORMATS[k].label_en)),
    )
    choices = [AUTO, *crs_options(fmt)]
    crs = st.selectbox(t("conv_crs"), choices, placeholder=t("choose_one"), key=f"conv_crs_{fmt}",
        format_func=bind(choices, lambda k: f"{pick(*EXPORT_CRS[k])} ({k})" if k else t("conv_crs_auto")),
        help=t("conv_crs_help", default=default_crs(fmt)),
    )
    if upload is None:
        st.info(t("conv_none"))
        return
    try:
        payload, file_name, result = _convert(upload.getvalue(), upload.name, fmt, crs)
    except GeoError as exc:
        st.error(plain(error_text(exc)))
        return
    read = result.read
    st.text(t("conv_read", name=read.source, fmt=READERS[read.fmt].label, crs=read.crs, n=result.features))
    for warning in read.warnings:
        st.text(readwords.warning(warning))
    for note in result.notes:  # what the format splits or leaves out
        (st.warning if note.warning else st.caption)(plain(pick(note.zh, note.en)))
    st.text(t("conv_written", name=file_name, crs=result.crs, n=result.written))
    st.download_button(
        t("conv_download", name=file_name), payload, file_name=file_name, mime=FORMATS[fmt].mime,
        key="conv_download", type="primary", on_click="ignore",
    )
    if len(result.files) > 1:  # a CSV: the .csv above; with its .prj/.csvt in a zip here
        bundled, bundle_name, _ = _convert(upload.getvalue(), upload.name, fmt, crs, True)
        st.download_button(
            t("export_download_sidecars", name=bundle_name, sidecars="/".join(FORMATS[fmt].sidecars)), bundled,
            file_name=bundle_name, mime="application/zip", key="conv_download_sidecars", on_click="ignore",
        )
