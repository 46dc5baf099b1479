"""The plan's baseline figures (review section, 一) beside its 2025 targets, for the Totals page."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.plan.notes import Terms, cite, number
from ui import data
from ui.i18n import lang, pick, t

#: Units, keyed as the plan's data (targets.csv, baselines.csv) writes them, to the catalogue's message of a figure
#: in that unit (``baselines_fig_<key>``): ``25家`` / ``25``; ``4.8%``; ``30亿元`` / ``30 × 100m CNY``.
UNIT_MESSAGES: dict[str, str] = {"家": "jia", "个": "ge", "件": "jian", "%": "percent", "亿元": "yi", "亩": "mu",
                                 "year": "year"}


def figure(value: object, unit: object, comparator: object) -> str:
    """A figure with its unit and comparator in the chosen language: ``超过70亿元`` / ``over 70 × 100m CNY``."""
    if not isinstance(value, (int, float)) or value != value:
        return "—"
    n = number(float(value))
    u = str(unit or "")
    shown = n.zh if lang() == "zh" else n.en
    text = t(f"baselines_fig_{UNIT_MESSAGES[u]}", n=shown) if u in UNIT_MESSAGES else t(
        "baselines_fig_other", n=shown, unit=u)
    if comparator == ">":
        return t("baselines_over", text=text)
    return t("baselines_at_least", text=text) if comparator == ">=" else text


def where(terms: Terms, section: object, line: object) -> str:
    """``一（二）发展基础，原文第15行`` / ``section 1(2), development base, line 15``."""
    words = cite(terms, str(section), line)
    return words.zh if lang() == "zh" else words.en


def render() -> None:
    """Two tables side by side: the baseline figures and the plan's 2025 targets."""
    terms = Terms(data.plan().glossary)
    base = data.baselines()
    targets = data.targets()
    by_id = targets.set_index("target_id")
    st.subheader(t("baselines_title"))
    st.caption(t("baselines_intro"))
    left, right = st.columns(2)
    left.markdown(f"**{t('baselines_left')}**")
    left.dataframe(pd.DataFrame({
        t("baseline_measure"): [pick(a, b) for a, b in zip(base["name_zh"], base["name_en"], strict=True)],
        t("baseline_value"): [figure(v, u, c) for v, u, c in zip(base["value"], base["unit"], base["comparator"],
                                                                   strict=True)],
        t("baseline_as_of"): [pick(a, b) if isinstance(a, str) else "—"
                              for a, b in zip(base["as_of_zh"], base["as_of_en"], strict=True)],
        t("baseline_area"): [pick(a, b) for a, b in zip(base["area_zh"], base["area_en"], strict=True)],
        t("term_target_2025"): [figure(by_id.at[i, "value"], by_id.at[i, "unit"], by_id.at[i, "comparator"])
                                if isinstance(i, str) and i in by_id.index else "—" for i in base["target_id"]],
        t("source"): [where(terms, s, n) for s, n in zip(base["section"], base["line"], strict=True)],
    }), hide_index=True, width="stretch", key="totals_baselines")
    due = targets[targets["year"] == "2025"]
    right.markdown(f"**{t('baselines_right')}**")
    right.dataframe(pd.DataFrame({
        t("baseline_measure"): [pick(a, b) for a, b in zip(due["name_zh"], due["name_en"], strict=True)],
        t("baseline_value"): [figure(v, u, c) for v, u, c in zip(due["value"], due["unit"], due["comparator"],
                                                                   strict=True)],
        t("source"): [where(terms, s, n) for s, n in zip(due["section"], due["line"], strict=True)],
    }), hide_index=True, width="stretch", key="totals_targets_2025")
