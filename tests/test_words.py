"""Words a planner can quote: no internal id, no other language, the plan's own terms.

Scans every template (notes, check messages, check names, glossary) and the
texts of a full reconcile run and a full check run (every check firing): no
Latin identifier in Chinese (a Latin token must be one the plan itself prints,
such as the A of 大科学装置集聚区A片区), no Chinese in English notes, no
snake_case or project id anywhere a user reads.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pytest
import shapely

import layers
from geo.checks import messages
from geo.checks.registry import CHECKS, run_checks
from geo.i18n import catalogue
from geo.plan.reconcile import reconcile
from tests.fixtures import synthetic as syn

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "data" / "plan" / "plan_source.txt").read_text(encoding="utf-8")
CJK = re.compile(r"[\u3400-\u9fff]")
LATIN_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
PROJECT_ID = re.compile(r"\b[TX]\d?-\d+\b")
#: Spatial-unit ids (names are capitalised: Jinfeng …; "the core" is the glossary's word).
ZONE_ID = re.compile(r"\b(?:rd-circle|uc-circle|jinfeng|xiyong)\b|(?<!\bthe )(?<!\bone )\bcore\b")
#: Latin tokens the plan's text prints (IC, GDP, 5G, A, B …): a Chinese text may carry these and no others.
SEED_TOKENS = {t for t in LATIN_TOKEN.findall(SEED) if re.search(r"[A-Za-z]", t)}


def latin_identifiers(zh: str) -> list[str]:
    """Latin tokens of a Chinese text that the plan does not print itself."""
    return [t for t in LATIN_TOKEN.findall(zh) if re.search(r"[A-Za-z]", t) and t not in SEED_TOKENS]


def english_problems(en: str) -> list[str]:
    """Chinese characters, snake_case words or project ids in an English text."""
    return CJK.findall(en) + SNAKE.findall(en) + PROJECT_ID.findall(en) + ZONE_ID.findall(en)


def literal(template: str) -> str:
    """A template with its ``{fields}`` removed."""
    return "".join(part for part, *_ in string.Formatter().parse(template))


def test_the_scanner_catches_what_the_issue_found():
    assert latin_identifiers("文本big_science 4,702 … rd_incubation为2,978") == ["big_science", "rd_incubation"]
    assert latin_identifiers("几何无效：Self-intersection[106.3 29.5]") == ["Self-intersection"]
    assert latin_identifiers("754恰为T5-1 + T5-4之和") == ["T5-1", "T5-4"]
    assert latin_identifiers("表2第1行大科学装置集聚区A片区、西永综保区B区") == []  # the plan's own names
    assert english_problems("Stated big_science 4,702") == ["big_science"]
    assert english_problems("lies outside zone core; 754 = T5-1 + T5-4") == ["T5-1", "T5-4", "core"]
    assert english_problems("the core, Sci-tech Central Business Core, Jinfeng Town") == []
    assert english_problems("文本") == ["文", "本"]


def messages_of(prefix: str) -> dict[str, tuple[str, str]]:
    """The catalogue's messages under ``prefix`` as ``(English, Chinese)`` templates."""
    en, zh = catalogue("en"), catalogue("zh")
    return {key: (en[key], zh[key]) for key in zh if key.startswith(prefix)}


@pytest.mark.parametrize("name,table", [
    ("notes", messages_of("notes.")), ("messages", messages.TEMPLATES),
    ("type names", dict(messages.TYPE_NAMES)),
    ("GEOS reasons", {**messages.GEOS_REASONS, "other": messages.OTHER_REASON}),
])
def test_every_template(name, table):
    for key, pair in table.items():
        en, zh = pair if name in ("notes", "messages") else (pair[0], pair[1])
        assert latin_identifiers(literal(zh)) == [], (name, key, zh)
        assert english_problems(literal(en)) == [], (name, key, en)


def test_check_names_and_glossary():
    for key, check in CHECKS.items():
        assert latin_identifiers(check.zh) == [] and english_problems(check.en) == [], key
    glossary = layers.load_glossary()
    assert glossary["key"].is_unique
    for g in glossary.itertuples():
        assert latin_identifiers(g.zh) == [] and latin_identifiers(g.definition_zh) == [], g.key
        assert english_problems(g.en) == [] and english_problems(g.definition_en) == [], g.key


def test_a_full_reconcile_run(plan, parcels):
    result = reconcile(plan, parcels=parcels)
    for r in result.itertuples():
        where = (r.scope, r.key, r.metric)
        assert latin_identifiers(r.note_zh) == [], (where, r.note_zh)
        assert latin_identifiers(r.source_zh) == [], (where, r.source_zh)
        assert latin_identifiers(r.name_zh) == [], where
        assert english_problems(r.note) == [], (where, r.note)
        assert english_problems(r.source) == [], (where, r.source)
        assert CJK.search(r.name_en or "") is None, where


def test_a_full_check_run_with_every_check_firing():
    square = shapely.box(0, 0, 200, 200)
    geoms = [
        shapely.Polygon([(0, 0), (200, 200), (200, 0), (0, 200)]),  # invalid (self-intersection), also mismatched
        None,  # empty
        shapely.LineString([(0, 0), (10, 10)]),  # not a polygon
        square, square,  # duplicate
        shapely.box(1000, 0, 1100, 100), shapely.box(1050, 0, 1150, 100),  # overlap
        shapely.box(0, 400, 200, 600),  # outside its unit
        shapely.box(2900, 0, 3100, 100),  # outside the districts
        shapely.box(5000, 5000, 5001, 5050),  # unmatched, sliver (0.075 mu)
        shapely.MultiPolygon([shapely.box(0, 0, 50, 50), shapely.box(100, 100, 150, 150)]),  # multipart
        shapely.Point(-1500, 1500).buffer(30),  # a project of unknown area
        shapely.Polygon([(0, 0), (10, 0), (10, 10), (5, 10), (5, -5), (0, 10), (0, 0)]),  # another invalid
    ]
    names = ["T2-1", "T2-1", "T2-1", "T2-1", "T2-1", "T2-2", "T2-2", "T2-1", "T2-2", "", "T2-1", "X-1", "T2-2"]
    result = run_checks(syn.survey(geoms, names), plan_parcels=syn.plan_parcels(), zones=syn.zones(),
                        districts=syn.districts(), name_field="名称")
    findings = result.findings
    fired = set(findings["check"])
    assert {"invalid", "empty", "not_polygon", "duplicate", "overlap", "outside_zone", "outside_districts",
            "unmatched", "missing_attribute", "multipart", "sliver", "area_mismatch", "area_unknown"} <= fired
    for f in findings.itertuples():
        assert latin_identifiers(f.message_zh) == [], (f.check, f.message_zh)
        user_field = f.check == "missing_attribute"  # names the user's own column, quoted
        assert english_problems(f.message if not user_field else f.message.replace("'名称'", "")) == [], f.message
    invalid = findings[findings["check"] == "invalid"]
    assert invalid["detail"].str.match(r"^(Self-intersection|Ring Self-intersection)\[").all()  # GEOS's words, kept
    assert invalid["message_zh"].str.contains("自相交").all()
    assert findings.loc[findings["check"] != "invalid", "detail"].isna().all()


def test_geos_reasons_are_translated_with_their_place():
    reason, where = messages.geos_reasons(
        np.array(["Self-intersection[10 20]", "Too few points in geometry component[0 0]", "Hole lies outside shell",
                  "Something new[1 2]"], dtype=object),
        lambda x, y: (x + 100.0, y + 10.0))
    assert list(reason.zh) == ["自相交", "点数不足", "洞在壳外", "其他原因（见详情）"]
    assert list(reason.en) == ["self-intersection", "too few points", "hole outside its shell",
                               "another reason (see detail)"]
    assert list(where.zh) == ["，位置 110.00000, 30.00000", "，位置 100.00000, 10.00000", "",
                              "，位置 101.00000, 12.00000"]
    assert where.en[0] == " at 110.00000, 30.00000"


def test_glossary_terms_are_the_ones_the_app_and_cli_use():
    from geo.commands.reconcile import METRIC_TERMS
    from geo.i18n import pair
    from geo.plan.reconcile import OUTPUT_METRICS, STATUSES
    from ui.detail import STATUS_BADGE

    keys = set(layers.load_glossary()["key"])
    assert {f"status_{s}" for s in STATUSES} <= keys
    assert {k.removeprefix("term_") for _, k in STATUS_BADGE.values()} <= keys
    assert set(OUTPUT_METRICS.values()) <= keys and set(METRIC_TERMS.values()) <= keys
    assert {"basis_stated", "basis_inferred", "basis_none", "indicative", "surveyed", "unit", "zones"} <= keys
    assert pair("term_status_text_only") == ("仅见于文本", "text only")
    assert pair("term_zones")[0] == "两片" and pair("term_unit") == ("空间单元", "spatial unit")
