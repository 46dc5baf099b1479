"""The one message catalogue (``geo/locale/<lang>/LC_MESSAGES/geo.po``): complete in every language, the only
place the code's words live, and every key the code asks for is in it."""

from __future__ import annotations

import argparse
import ast
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
FORMAT_TOKENS: dict[str, dict[str, str]] = {}
#: Functions whose first argument, a literal, is a catalogue key.
LOOKUPS = frozenset({"t", "pair"})


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


def test_every_command_has_one_lang_option_with_one_default() -> None:
    from geo.cli import build_parser

    found = dict(_lang_options(build_parser()))
    assert {"figure", "report", "reconcile", "check"} <= set(found)
    wrong = {cmd: (a.default, a.choices) for cmd, a in found.items()
             if a.default != i18n.DEFAULT_LANG or list(a.choices or ()) != list(i18n.LANGS)}
    assert not wrong
