"""About page: sources, method, caveats, licences, version."""

from __future__ import annotations

import streamlit as st

import geo
from ui import auth, data
from ui.i18n import t

auth.gate()  # here too, not only in app.py: a page run on its own must not skip the sign-in
st.title(t("about_title"))
st.caption(t("about_version", version=geo.__version__, n=len(data.projects()), zones=len(data.zones())))
for part in ("sources", "method", "caveats", "licences"):
    st.subheader(t(f"about_{part}_h"))
    st.markdown(t(f"about_{part}"))
