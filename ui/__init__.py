"""Shared pieces of the Streamlit app: labels (i18n), URL state, sidebar, legend, cached data.

Defined once here and used by ``app.py`` and every page, so no page pastes
its own sidebar or language switch.
"""
