"""The bare Streamlit page :mod:`bench.app_open` measures the app's map against: a title, nothing else."""

import streamlit as st

st.title("bare page")
