"""Reconciliation: statuses, differences and notes a land official reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.plan.reconcile import COLUMNS, STATUSES, explain_parts, explain_subset, reconcile


@pytest.fixture(scope="module")
def result(plan, parcels):
    return reconcile(plan, parcels=parcels)


def _get(result, scope, key, metric):
    hit = result[(result["scope"] == scope) & (result["key"] == key) & (result["metric"] == metric)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_columns_and_statuses(result, projects):
    assert list(result.columns) == COLUMNS
    assert set(result["status"]) <= set(STATUSES)
    assert len(result) == 2 * (1 + 5 + 5 + len(projects))


@pytest.mark.parametrize("track,table,stated,diff,unknown", [
    ("rd", 7620, 7680, -60, 0),
    ("software", 1919, 1889, 30, 0),
    ("testing", 1197, 1782, -585, 0),
    ("digital", 3779, 754, 3025, 1),
])
def test_track_land_disagreements(result, track, table, stated, diff, unknown):
    row = _get(result, "track", track, "land_mu")
    got = (row["table_value"], row["stated_value"], row["difference"], row["unknown_count"])
    assert got == (table, stated, diff, unknown)
    assert row["status"] == "differs"
    assert f"{abs(diff):,}" in row["note"]


def test_only_land_of_four_tracks_differs(result):
    flagged = result[result["status"] == "differs"]
    assert sorted(flagged["key"]) == ["digital", "rd", "software", "testing"]


def test_digital_note_names_the_rows_the_text_leaves_out(result):
    note = _get(result, "track", "digital", "land_mu")["note"]
    assert "754 = T5-1 + T5-4 + T5-5 + T5-6 + T5-7 exactly" in note and "T5-8 (3,000)" in note


def test_rd_big_science_part_matches(result):
    note = _get(result, "track", "rd", "land_mu")["note"]
    assert "4,702 = T2-1 + T2-2 exactly" in note
    assert "(T2-3, T2-4, T2-5, T2-6, T2-7) sum to 2,918 against the stated rd_incubation 2,978: −60" in note
    assert "2978" in _get(result, "track", "rd", "land_mu")["source"]


def test_outputs_are_not_comparable_with_the_footnote(result):
    for key in ("rd", "software", "testing", "digital"):
        row = _get(result, "track", key, "output_yi")
        assert row["status"] == "not_comparable" and "full build-out" in row["note"]
    plan = _get(result, "plan", "plan", "output_yi")
    assert (plan["table_value"], plan["stated_value"], plan["unknown_count"]) == (558, 300, 6)
    assert "add up to 300" in plan["note"]


def test_fintech_has_no_table_but_text_and_map(result):
    row = _get(result, "track", "fintech", "land_mu")
    assert row["status"] == "unknown" and np.isnan(row["table_value"]) and row["stated_value"] == 2400
    assert row["mapped_value"] == pytest.approx(2400, abs=0.5)
    assert _get(result, "zone", "core", "land_mu")["stated_value"] == 2400


def test_zone_totals(result):
    expected = {"rd-circle": 5590, "uc-circle": 4383, "jinfeng": 3577, "xiyong": 665}
    for key, value in expected.items():
        row = _get(result, "zone", key, "land_mu")
        assert row["table_value"] == value and row["status"] == "not_stated"
        assert row["mapped_value"] == pytest.approx(value, abs=0.5)


def test_unknown_project_cell(result):
    row = _get(result, "project", "T5-2", "land_mu")
    assert row["status"] == "unknown" and row["unknown_count"] == 1 and row["source"] == "表5 第2行"


def test_mapped_difference_follows_the_geometry(plan, parcels):
    moved = parcels.copy()
    idx = moved.index[moved["project_id"] == "T4-1"][0]
    moved.loc[idx, "geometry"] = shapely.affinity.scale(moved.loc[idx, "geometry"], 1.1, 1.1)
    out = reconcile(plan, parcels=moved)
    row = _get(out, "project", "T4-1", "land_mu")
    assert row["mapped_difference"] == pytest.approx(1011 * 0.21, rel=0.01)
    testing = _get(out, "track", "testing", "land_mu")
    assert testing["mapped_difference"] == pytest.approx(row["mapped_difference"], abs=0.05)


def test_without_parcels_mapped_is_empty(plan):
    out = reconcile(plan)
    assert out["mapped_value"].isna().all()


def test_explain_subset():
    rows = pd.Series({"A": 10.0, "B": 20.0, "C": np.nan, "D": 5.0})
    assert explain_subset(rows, 30)[0] == "30 = A + B exactly; it leaves out D (5)."
    assert explain_subset(rows, 35)[0] == "35 = A + B + D exactly."
    assert explain_subset(rows, 7)[0].startswith("No combination")


def test_explain_parts_compares_the_leftover_part():
    rows = pd.Series({"A": 100.0, "B": 50.0, "C": 7.0, "D": 3.0})
    parts = pd.DataFrame({"component": ["big", "small"], "value": [150.0, 12.0]})
    notes, notes_zh = explain_parts(rows, parts)
    assert notes == [
        "Stated big 150 = A + B exactly.", "The other rows (C, D) sum to 10 against the stated small 12: −2.",
    ]
    assert notes_zh[1] == "其余各行（C, D）合计10，文本small为12，相差-2。"
