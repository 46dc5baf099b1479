"""Nothing of one plan stays in the code (issue 21, DESIGN.md §11): the engine knows no plan's names.

Every ``.py`` and ``.js`` file of ``geo/``, ``layers/``, ``ui/``, ``pages/`` and ``app.py`` is read, comments and
docstrings included, and searched for what belongs to the built-in plan (``data/``), taken from its package:

- its place and project names: every ``name_zh`` of ``data/plan/*.csv`` but the measures' (:data:`DESCRIPTIONS`),
  its title and footnote, the gazetteer's names and aliases
  (``data/context/places.csv``), the places of ``zone_places.csv``, the regions and anchors of ``projects.csv``
  — Chinese names of 3 characters or more, and the gazetteer's aliases of 2 (虎溪, 西永, 金凤 …: proper nouns
  that no generic text contains); the Latin names of its towns (``Xiyong Subdistrict`` → ``Xiyong``) and zones;
- its title and structure words: the structure (``geo:plan.structure``), its parts (``zones.structure_zh``, of 3
  characters or more: ``一核`` is in ``逐一核查``),
  and the place words of its title (:data:`TITLE_WORDS`, each checked to be in the package's title);
- its ids: project ids (``T2-3``) and zone ids with a hyphen or in pinyin as words, every id of its tables
  (tracks, zones, targets, baselines, actions) as a quoted string literal (``"fintech"``, ``'core'``);
- its local Gauss–Krüger CRS: ``geo:plan.crs.local_epsg``/``local_zoned_epsg``, its central meridian written as
  ``CM105``/``105°E``/``105E``/``lon_0=105``, its zone (``zone 35``, ``第35带``);
- its coordinates: any decimal number within the gazetteer's extent (padded) in longitude or latitude, e.g.
  the map centre ``geo:plan.map.centre``.

Each hit is reported as ``file:line: text``. Generic code reads the plan in use (:func:`geo.plan.current.plan_meta`,
the package's tables) at call time; an example in a docstring is worded generically.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "data"
#: The code searched: the engine, the plan's layers, the UI and the pages, the entry point.
SCANNED = ("geo", "layers", "ui", "pages", "app.py")
#: Place words of the plan's title that no table column holds alone (the title spells them inside one string);
#: each must occur in the package's ``geo:plan.title_zh``/``title_en`` (checked), so the list follows the package.
TITLE_WORDS = ("重庆", "高新区", "Chongqing", "High-tech Zone")
#: Tables whose ``name_zh`` describes a measure (``服务平台``, ``规上营收``), not a proper noun: not searched.
DESCRIPTIONS = ("targets", "baselines")
def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _meta() -> dict:
    return json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))["geo:plan"]


def _names(value: str) -> list[str]:
    """The names one cell holds: split on ``;``/``/``/``、``, with and without a parenthesised part."""
    out = []
    for part in re.split(r"[;；/、]", value or ""):
        part = part.strip()
        if not part:
            continue
        out.append(part)
        bare = re.sub(r"（[^）]*）|\([^)]*\)", "", part).strip()
        if bare and bare != part:
            out.append(bare)
    return out


@lru_cache(maxsize=1)
def chinese_names() -> frozenset[str]:
    names: set[str] = set()
    for path in sorted((PACKAGE / "plan").glob("*.csv")):
        if path.stem in DESCRIPTIONS:
            continue
        for row in _rows(path):
            for column in ("name_zh", "region_zh", "anchor_zh", "zone_carrier_zh", "place_zh", "zone_place_zh"):
                names.update(n for n in _names(row.get(column, "")) if len(n) >= 3)
    for row in _rows(PACKAGE / "context" / "places.csv"):
        names.update(n for n in _names(row["name_zh"]) if len(n) >= 3)
        names.update(n for n in _names(row["aliases_zh"]) if len(n) >= 2)
    meta = _meta()
    names.update((meta["structure"]["zh"], meta["title_zh"], meta["footnote"]["zh"]))
    names.update(s for s in (r["structure_zh"] for r in _rows(PACKAGE / "plan" / "zones.csv")) if len(s) >= 3)
    names.update(w for w in TITLE_WORDS if re.search(r"[\u4e00-\u9fff]", w))
    return frozenset(names)


@lru_cache(maxsize=1)
def latin_names() -> frozenset[str]:
    names: set[str] = {w for w in TITLE_WORDS if not re.search(r"[\u4e00-\u9fff]", w)}
    for row in _rows(PACKAGE / "context" / "places.csv"):
        m = re.fullmatch(r"([A-Z][a-z]+) (Town|Subdistrict)", row["name_en"])
        if m:
            names.add(m.group(1))
    for row in _rows(PACKAGE / "plan" / "zones.csv"):
        names.add(row["name_en"])
    return frozenset(names)


@lru_cache(maxsize=1)
def ids() -> tuple[frozenset[str], frozenset[str]]:
    """(ids searched as words, ids searched as quoted literals)."""
    plan = PACKAGE / "plan"
    words = {r["project_id"] for r in _rows(plan / "projects.csv")}
    words |= {z for z in (r["zone_id"] for r in _rows(plan / "zones.csv")) if "-" in z or z.lower() in
              {n.lower() for n in latin_names()}}
    literals: set[str] = set()
    for name, column in (("tracks", "track_id"), ("zones", "zone_id"), ("targets", "target_id"),
                         ("baselines", "baseline_id"), ("actions", "action_id")):
        literals |= {r[column] for r in _rows(plan / f"{name}.csv")}
    return frozenset(words), frozenset(literals)


def _either(items: frozenset[str] | set[str]) -> str:
    return "|".join(re.escape(i) for i in sorted(items, key=len, reverse=True))


@lru_cache(maxsize=1)
def patterns() -> list[tuple[str, re.Pattern[str]]]:
    """The searches besides the Chinese names (:func:`chinese_names`, found by substring): each reports what it
    matched (its last group)."""
    crs = _meta()["crs"]
    cm, zone = crs["central_meridian"], crs["gk_zone"]
    words, literals = ids()
    epsg = {str(crs["local_epsg"]), str(crs["local_zoned_epsg"])}
    return [
        ("name", re.compile(rf"\b({_either(set(latin_names()))})\b")),
        ("id", re.compile(rf"(?<![\w-])({_either(words)})(?![\w-])")),
        ("literal", re.compile(rf"""(["'])({_either(literals)})\1""")),
        ("EPSG", re.compile(rf"(?<![\d.])({_either(epsg)})(?!\d)")),
        ("CM", re.compile(rf"(?i:(CM\s*_?{cm}(?!\d)|(?<![\d.]){cm}\s*°?\s*E\b|lon_0\s*=\s*{cm}(?![\d.])))")),
        ("zone", re.compile(rf"(?i:(\bzone[\s_=:]*{zone}\b|第\s*{zone}\s*带))")),
    ]


CJK = re.compile(r"[\u4e00-\u9fff]")


def found_in(line: str) -> list[str]:
    """What of the plan ``line`` holds: names, ids, CRS, coordinates (empty: nothing)."""
    found = [n for n in chinese_names() if n in line] if CJK.search(line) else []
    for kind, pattern in patterns():
        found += [f"{kind} {m if isinstance(m, str) else m[-1]}" for m in pattern.findall(line)]
    return found + coordinates(line)


@lru_cache(maxsize=1)
def extent() -> tuple[tuple[float, float], tuple[float, float]]:
    """The gazetteer's (lon, lat) ranges, padded by 0.1° (the map centre is inside)."""
    places = _rows(PACKAGE / "context" / "places.csv")
    lons = [float(r["lon_wgs84"]) for r in places if r["lon_wgs84"]]
    lats = [float(r["lat_wgs84"]) for r in places if r["lat_wgs84"]]
    return (min(lons) - 0.1, max(lons) + 0.1), (min(lats) - 0.1, max(lats) + 0.1)


NUMBER = re.compile(r"(?<![\w.])(\d{2,3}\.\d+)(?![\w.])")


def coordinates(line: str) -> list[str]:
    (lon0, lon1), (lat0, lat1) = extent()
    return [n for n in NUMBER.findall(line) if lon0 <= float(n) <= lon1 or lat0 <= float(n) <= lat1]


def scanned_files() -> Iterator[Path]:
    for name in SCANNED:
        path = ROOT / name
        if path.is_file():
            yield path
        else:
            yield from sorted(p for p in path.rglob("*")
                              if p.suffix in (".py", ".js", ".po") and "vendor" not in p.parts)


def hits(path: Path) -> list[str]:
    out = []
    rel = path.relative_to(ROOT).as_posix()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        found = found_in(line)
        if found:
            out.append(f"{rel}:{n}: {line.strip()[:160]}  [{', '.join(found)}]")
    return out


def test_the_package_spells_the_title_words():
    meta = _meta()
    title = f"{meta['title_zh']} {meta['title_en']}"
    assert all(w in title for w in TITLE_WORDS), [w for w in TITLE_WORDS if w not in title]


def test_the_terms_come_from_the_package():
    # a guard against a scan that searches nothing (a renamed column, a moved file)
    assert {"西永", "金凤", "一核双圈两片", "高新区"} <= chinese_names()
    words, literals = ids()
    assert "T2-3" in words and "rd-circle" in words and "fintech" in literals
    assert found_in('crs = "EPSG:4544"  # CM 105E, zone 35') == ["EPSG 4544", "CM CM 105", "zone zone 35"]
    assert found_in('if track == "fintech" or pid == "T2-3":') == ["id T2-3", "literal fintech"]
    assert found_in("逐一核查 the parcels of 示例区, zone 36, EPSG:4545, 108.1") == []
    assert coordinates("centre = (106.33, 29.58)") == ["106.33", "29.58"]
    assert coordinates("a scale of 12.5, 1.0") == []


def test_no_plan_in_code():
    found = [h for p in scanned_files() for h in hits(p)]
    assert not found, f"{len(found)} lines of the built-in plan in the code:\n" + "\n".join(found)
