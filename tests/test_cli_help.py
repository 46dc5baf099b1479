"""The command line's help: catalogue messages (``help.<command>…``), in the command line's ``--lang``, else English."""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from geo import i18n
from geo.cli import build_parser, commands, help_lang

ROOT = Path(__file__).resolve().parents[1]


def geo(*args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"COLUMNS": "400"}  # one line per help text
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_export_help_is_english_by_default() -> None:
    result = geo("export", "--help")
    assert result.returncode == 0, result.stderr
    out = _flat(result.stdout)
    english = i18n.t("help.export.encoding", "en")
    assert english == "text encoding of Shapefile .dbf (gbk for old ArcMap; default utf-8)"
    assert english in out
    assert i18n.t("help.export.encoding", "zh") not in out


@pytest.mark.parametrize("lang", [["--lang", "zh"], ["--lang=zh"]])
def test_export_help_in_the_command_lines_lang(lang: list[str]) -> None:
    result = geo("export", "--help", *lang)
    assert result.returncode == 0, result.stderr
    out = _flat(result.stdout)
    assert _flat(i18n.t("help.export.encoding", "zh")) in out
    assert i18n.t("help.export.encoding", "en") not in out
    assert _flat(i18n.t("help.export", "zh", zbtxt="部标坐标txt")) in out


def test_help_lang_reads_the_command_line() -> None:
    assert help_lang([]) == "en"
    assert help_lang(["export", "--help"]) == "en"
    assert help_lang(["export", "--help", "--lang", "zh"]) == "zh"
    assert help_lang(["--lang=zh", "figure"]) == "zh"
    assert help_lang(["--lang", "zh", "--lang", "en"]) == "en"  # the last one, as argparse reads it
    assert help_lang(["--lang", "xx"]) == help_lang(["--lang"]) == "en"
    assert help_lang(["draft", "new", "--", "--lang", "zh"]) == "en"


def _parsers(parser: argparse.ArgumentParser, path: str = "geo") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, f"{path} {name}")


def _texts(parser: argparse.ArgumentParser) -> Iterator[str]:
    """The parser's own help texts: description, group titles, each option's help and each subcommand's."""
    yield from (x for x in (parser.description, parser.epilog) if x)
    yield from (g.title for g in parser._action_groups if g.title)
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            yield action.help
        if isinstance(action, argparse._SubParsersAction):
            yield from (a.help for a in action._choices_actions if a.help)


def _all_help(lang: str | None) -> dict[str, str]:
    parser = build_parser() if lang is None else build_parser(lang=lang)
    return {path: p.format_help() for path, p in _parsers(parser)}


def test_build_parser_without_argv_is_english_and_every_help_formats() -> None:
    english = _all_help(None)
    assert english == _all_help("en")
    chinese = _all_help("zh")  # every help.* message in both languages, each argparse-formatted (%(default)s …)
    assert set(chinese) == set(english) and len(english) > 40
    assert all(chinese[path] != english[path] for path in english)
    assert _all_help(None) == english  # the help language is the build's alone


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_no_help_text_keeps_an_unfilled_placeholder(lang: str) -> None:
    unfilled = {(path, text) for path, p in _parsers(build_parser(lang=lang)) for text in _texts(p)
                if any(name.isidentifier() for name in i18n.fields(text))}
    assert not unfilled


def _literal_help_keys() -> set[str]:
    files = [ROOT / "geo" / "cli.py", *sorted((ROOT / "geo" / "commands").glob("*.py"))]
    return {node.value for path in files for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("help.")}


def test_every_help_message_is_used_and_every_used_one_exists() -> None:
    used = {k for k in _literal_help_keys() if not k.endswith(".")} | {f"help.{name}" for name in commands()}
    catalogued = {k for k in i18n.catalogue("en") if k.startswith("help.")}
    assert not used - catalogued, "help messages missing from the catalogue"
    assert not catalogued - used, "help messages no command uses"
