"""The one message catalogue (``geo/locale/<lang>/LC_MESSAGES/geo.po``): complete in every language, the only
place the code's words live, and every key the code asks for is in it."""

from __future__ import annotations

import argparse
import ast
import builtins
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from geo import i18n

ROOT = Path(__file__).resolve().parents[1]
#: The folders (and the app's entry) whose words must come from the catalogue.
SOURCES = ("geo", "layers", "ui", "pages", "app.py")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: Per file, the module constants whose Chinese literals are tokens of a file format or of the data we read or
#: write (keywords of the 部标 layout, field names surveyors use), not words for a user; each with why. No other
#: Chinese literal may stand outside a docstring.
FORMAT_TOKENS: dict[str, dict[str, str]] = {
    "geo/io/zbtxt.py": {
        "ATTRIBUTES": "the 部标 layout's section header [属性描述], written and matched line by line when reading",
        "COORDINATES": "the 部标 layout's section header [地块坐标], written and matched line by line when reading",
        "PARCEL_FIELDS": "the 部标 layout's fields of a parcel header line (界址点数 …), the read layer's columns",
        "LABEL": "the format's own name (部标坐标txt), as bureaus and surveyors name these files, in every language",
        "HEADER_KEYS": "the keys of the 部标 layout's [属性描述] lines (坐标系, 带号 …), written and looked up",
        "HEADER_VALUES": "values of the 部标 layout's lines (1.01版本, 高斯克吕格, 米, 面), written and matched",
        "EXTRA_FIELD": "the column (字段9 …) of a header field beyond the layout's, in the read layer",
        "AREA_UNITS": "the units 地块面积 is written in (公顷, 平方米, 亩), matched after the number in the file",
        "_CGCS2000": "the 部标 layout's value of 坐标系 for CGCS2000 (2000国家大地坐标系), written and matched",
        "_XIAN80": "the 部标 layout's value of 坐标系 for Xian 1980 (1980西安坐标系), matched when reading",
        "_BEIJING54": "the 部标 layout's value of 坐标系 for Beijing 1954 (1954北京坐标系), matched when reading",
        "_NEW_BEIJING": "the 部标 layout's value of 坐标系 for New Beijing (新1954北京坐标系), matched when reading",
        "DATUM_HINTS": "words of a 坐标系 value (西安, 北京, 新) that name the datum, matched in what surveyors write",
        "_AREA_RE": "the pattern of a 地块面积 value with its unit (公顷, 平方米, 亩) as files write it, matched",
    },
    "geo/io/zbtxt_write.py": {
        "FIELD_SOURCES": "the 部标 layout's parcel header fields (地块编号 …) and the columns they are read from",
    },
    "geo/io/csvread.py": {
        "_WKT_NAMES": "column names (几何, 图形) that surveyors' CSV files give their WKT geometry, matched",
        "_LON_NAMES": "column names (经度, 东坐标) that surveyors' CSV files give the x coordinate, matched",
        "_LAT_NAMES": "column names (纬度, 北坐标) that surveyors' CSV files give the y coordinate, matched",
    },
    "geo/io/export.py": {
        "INDICATIVE": "the tag (示意) ending the names of exported files of indicative geometry, in any language",
    },
    "geo/io/writers_desktop.py": {
        "DXF_VARS": "the names and values of the custom header variables of the DXF files we write (坐标系 CRS …)",
        "XLSX_HEADERS": "the column headers of the xlsx sheets we write (几何类型 …), named by users' formulas",
    },
    "geo/mapview/figure.py": {
        "TABLE_PREFIX": "how the plan data's tracks.table column names a plan table (表2), parsed for its number",
    },
    "geo/mapview/fonts.py": {
        "PROBE": "the code points a font's character map must hold to count as Chinese: read, never shown",
    },
    "geo/plan/notes.py": {
        "SECTION_NUMERALS": "the numerals of the plan text's section numbers (三（四）), parsed to cite by number",
        "SECTION_FORMAT": "the pattern of a section number in the plan's data (tracks.section ...), matched",
    },
    "geo/plan/package.py": {
        "TEMPLATE_SHEETS": "the sheet names of our plan workbook format, written by the template, looked up on reading",
    },
    "geo/plan/template.py": {
        "META_FIELDS": "the 规划 sheet's metadata columns: their row-2 labels are written and matched to skip row 2",
    },
    "layers/export.py": {
        "TITLE_ENDING": "the ending of a plan's Chinese title (发展规划), matched in the plan's title_zh to retitle it",
    },
    "geo/monitor/template.py": {
        "SHEET_README": "the name of the template's first sheet, written and looked up when a workbook is read back",
        "SHEET_TARGETS": "the name of a data sheet of the Excel template we write and read back (and name in errors)",
        "SHEET_PROJECTS": "the name of a data sheet of the Excel template we write and read back (and name in errors)",
        "SHEET_ACTIONS": "the name of a data sheet of the Excel template we write and read back (and name in errors)",
        "HEADERS": "the column headers (row 1) of the template's data sheets, written and matched when a file is read",
        "_PROJECT_FIGURES": "the name and unit parts of the project figure headers, as the template header writes them",
        "YEAR_NAME": "the workbook-level defined name of the year cell, written and looked up when reading a file",
    },
    "geo/monitor/evaluate.py": {
        "PROJECT_UNIT": "the unit of a project's declared area as the plan's data (projects.csv declared_mu) writes it",
    },
    "geo/reports/docx.py": {
        "BODY_FONT": "font family names written into the Word file's styles (w:eastAsia), as Office looks them up",
        "HEADING_FONT": "font family names written into the Word file's styles (w:eastAsia), as Office looks them up",
    },
    "ui/baselines.py": {
        "UNIT_MESSAGES": "its keys are the unit tokens of the plan's data (targets.csv, baselines.csv unit column)",
    },
    "geo/checks/diagnose.py": {
        "NAME_CANDIDATES": "field names that surveyors' files use for a parcel's name or number, matched to find it",
        "AREA_WORDS": "the word that marks a field of a surveyor's file as an area (面积), matched in its name",
        "_UNIT_IN_NAME": "unit words in the name of a surveyor's declared-area field (公顷, 平方米, 亩), matched",
    },
    "geo/checks/declared.py": {
        "DECLARED": "the 部标坐标txt layout's keyword for the declared parcel area (地块面积), a column we read",
    },
    "geo/checks/matching.py": {
        "_CN_DIGITS": "Chinese numerals of a phase in plan project names (第二期 = 2期), to compare the names",
        "_PHASE_ORDINAL": "the phase token of plan project names (第N期 → N期), rewritten to compare the names",
        "_PHASE_DIGIT": "the phase token of plan project names (N期), rewritten to compare the names",
        "_PHASE": "the phase token of plan project names (期), rewritten to compare the names",
    },
    "geo/checks/resubmit.py": {
        "_ROW_LABEL": "the row label (第 N 个要素) in findings saved with earlier uploads: stored data we read back",
        "_PROJECT_LABEL": "the project label (项目 X) in findings saved with earlier uploads: stored data we read back",
    },
    "geo/checks/formal.py": {
        "_ROW_OR_PROJECT": "row, project and whole-file labels in findings saved with earlier uploads: stored data",
    },
}
#: Functions whose first argument, a literal, is a catalogue key.
LOOKUPS = frozenset({"t", "pair", "h"})


def _py_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def _exempt(tree: ast.AST, tokens: dict[str, str]) -> set[int]:
    """The ids of string nodes that are documentation (any bare string statement) or inside a token constant."""
    out = {id(node.value) for node in ast.walk(tree)
           if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        if value is not None and any(isinstance(x, ast.Name) and x.id in tokens for x in targets):
            out |= {id(sub) for sub in ast.walk(value)}
    return out


def _chinese_literals(path: Path, tokens: dict[str, str]) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exempt = _exempt(tree, tokens)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in exempt
                and CJK.search(node.value)):
            yield node.lineno, node.value


def test_every_language_has_the_same_keys_and_placeholders() -> None:
    zh, en = i18n.catalogue("zh"), i18n.catalogue("en")
    assert set(zh) == set(en), f"only in zh: {sorted(set(zh) - set(en))}; only in en: {sorted(set(en) - set(zh))}"
    # The plan's words (PLAN_FIELDS) are filled by t() in either language; every other value the caller gives.
    def given(text: str) -> set[str]:
        return i18n.fields(text) - i18n.PLAN_FIELDS

    differ = {k: (given(zh[k]), given(en[k])) for k in zh if given(zh[k]) != given(en[k])}
    assert not differ
    assert not [k for k, text in {**zh, **en}.items() if not text.strip()], "a message with no words"
    assert len(zh) > 700
    assert (zh["language_name"], en["language_name"]) == ("中文", "English")


def test_every_catalogue_reads_without_a_fuzzy_or_duplicate_entry() -> None:
    for lang in i18n.LANGS:
        raw = i18n.catalogue_path(lang).read_text(encoding="utf-8")
        ids = re.findall(r'^msgid "(.+)"$', raw, flags=re.M)
        assert len(ids) == len(set(ids)) == len(i18n.catalogue(lang))
        with i18n.catalogue_path(lang).open("rb") as f:
            parsed = read_po(f, locale=lang, abort_invalid=True)
        assert not [m.id for m in parsed if m.id and m.fuzzy]


@pytest.mark.parametrize("path", _py_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_chinese_words_outside_the_catalogue(path: Path) -> None:
    rel = str(path.relative_to(ROOT))
    found = [f"{rel}:{line}: {text[:60]!r}" for line, text in _chinese_literals(path, FORMAT_TOKENS.get(rel, {}))]
    assert not found, "user text belongs in geo/locale/*/LC_MESSAGES/geo.po:\n" + "\n".join(found)


#: What a choice by language may pick without being words: a column or key name, or a locale code.
NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(-[A-Z]{2})?")


def _words_chosen_by_language(path: Path) -> Iterator[str]:
    """``"：" if lang == "zh" else ": "``: text picked by language in the code, the catalogue's job."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.IfExp) and re.search(r"\blang\b|\bzh\b|\blanguage\b", ast.unparse(node.test))):
            continue
        branches = [node.body, node.orelse]
        if all(isinstance(b, (ast.Constant, ast.JoinedStr)) for b in branches) and any(
                isinstance(b, ast.JoinedStr) or (isinstance(b.value, str) and not NAME_LIKE.fullmatch(b.value))
                for b in branches if isinstance(b, (ast.Constant, ast.JoinedStr))):
            yield f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:80]}"


def test_no_words_are_chosen_by_language_in_the_code() -> None:
    found = [hit for path in _py_files() for hit in _words_chosen_by_language(path)]
    assert not found, "a message per language belongs in the catalogue:\n" + "\n".join(found)


_BUILTIN_ERRORS = frozenset(name for name in dir(builtins) if name.endswith(("Error", "Exception")))


def _is_text(node: ast.AST | None) -> bool:
    """A string literal, an f-string, or text joined from them."""
    if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return True
    return isinstance(node, ast.BinOp) and (_is_text(node.left) or _is_text(node.right))


def _errors_with_own_words(path: Path) -> Iterator[str]:
    """Our errors (``…Error(…)``, not Python's) given a problem or a fix as text instead of catalogue words."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if not name.endswith("Error") or name in _BUILTIN_ERRORS or name == "CatalogueError":
            continue
        given = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("problem", "fix"))]
        if any(_is_text(arg) for arg in given):
            yield f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)[:90]}"


def test_errors_say_catalogue_words() -> None:
    found = [hit for path in _py_files() for hit in _errors_with_own_words(path)]
    assert not found, f"{len(found)} errors with their own words (use geo.errors.said):\n" + "\n".join(found)


def test_an_error_says_its_line_in_each_language() -> None:
    from geo.errors import InputFileError, said

    exc = InputFileError(said("error.source", source="示例.zip", problem="x"), source="a.zip",
                         fix=said("error.end", head="y"))
    assert exc.message == "a.zip: 示例.zip: x. y." == exc.text("en") == str(exc)
    assert exc.text("zh") == "a.zip：示例.zip：x。y。"
    plain = InputFileError("not catalogued", source="a.zip")
    assert plain.text("zh") == plain.message == "a.zip: not catalogued."


def test_token_constants_are_named_and_explained() -> None:
    for rel, names in FORMAT_TOKENS.items():
        tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
        assigned = {x.id for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
                    for x in (node.targets if isinstance(node, ast.Assign) else [node.target])
                    if isinstance(x, ast.Name)}
        assert set(names) <= assigned, f"{rel}: no constant {sorted(set(names) - assigned)}"
        assert all(len(why) > 20 for why in names.values())


def test_every_key_the_code_asks_for_is_in_the_catalogue() -> None:
    asked: dict[str, str] = {}
    for path in _py_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in LOOKUPS:
                asked[node.args[0].value] = f"{path.relative_to(ROOT)}:{node.lineno}"
    assert len(asked) > 300
    missing = {k: where for k, where in asked.items() if not i18n.has(k)}
    assert not missing


def test_a_missing_key_is_our_error_naming_the_file() -> None:
    with pytest.raises(i18n.CatalogueError, match=r"no message 'no_such_key' in .*geo\.po"):
        i18n.t("no_such_key", "en")


def test_plan_words_are_filled_from_the_plan_in_use() -> None:
    assert i18n.t("table_span", "zh", first=2, last=5) == "表2–表5"
    assert i18n.t("table_span", "en", first=2, last=5) == "Tables 2–5"
    assert i18n.plan_values("zh")["tables"] == "表2–表5"
    assert i18n.plan_values("en")["tables"] == "Tables 2–5"
    assert i18n.t("colour_zone", "zh") == "空间单元（一核双圈两片）"
    assert i18n.pair("term_unit") == ("空间单元", "spatial unit")


def _lang_options(parser: argparse.ArgumentParser, path: str = "") -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _lang_options(sub, f"{path} {name}".strip())
        elif "--lang" in action.option_strings:
            yield path, action


def _leaves(parser: argparse.ArgumentParser, path: str = "") -> Iterator[str]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs and path:
        yield path
    for action in subs:
        for name, sub in action.choices.items():
            yield from _leaves(sub, f"{path} {name}".strip())


def test_every_command_has_one_lang_option_with_one_default() -> None:
    from geo.cli import build_parser

    found = dict(_lang_options(build_parser()))
    leaves = set(_leaves(build_parser()))
    assert {"figure", "report", "reconcile", "check", "export", "draft list", "db init"} <= leaves
    assert not leaves - set(found), "commands without --lang"
    wrong = {cmd: (a.default, a.choices) for cmd, a in found.items()
             if a.default != i18n.DEFAULT_LANG or list(a.choices or ()) != list(i18n.LANGS)}
    assert not wrong
