"""Maintain the message catalogue (``geo/locale/<lang>/LC_MESSAGES/geo.po``), one ``.po`` per language.

    python tools/catalogue.py set KEY --zh 中文 --en English      # add or change one message
    python tools/catalogue.py from-table MODULE:NAME --prefix P. [--order zh,en]
                                                               # move a (zh, en) dict of a module in
    python tools/catalogue.py remove KEY [KEY ...]
    python tools/catalogue.py tidy                              # rewrite both files sorted, as Babel writes them

Every language's file is read and written under one lock, so several editors may run this at once; messages
are kept sorted by key, so a change is one hunk. ``geo.i18n`` reads the files; nothing compiles them.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.i18n import DOMAIN, LANGS, LOCALE_DIR, catalogue_path  # noqa: E402

#: The header's dates stay fixed, so that writing the files changes only the messages.
_DATED = datetime(2026, 12, 7, tzinfo=UTC)
_HEADER = "Messages of the plan explorer, {lang}; keys are msgids, see geo/i18n.py"


def _new(lang: str) -> Catalog:
    return Catalog(locale=lang, domain=DOMAIN, project="geo", version="1",
                   header_comment=f"# {_HEADER.format(lang=lang)}",
                   creation_date=_DATED, revision_date=_DATED, last_translator="geo", language_team=lang,
                   fuzzy=False)


def _read(lang: str) -> Catalog:
    path = catalogue_path(lang)
    if not path.exists():
        return _new(lang)
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN, abort_invalid=True)


def _write(lang: str, catalog: Catalog) -> None:
    """Write ``catalog`` sorted by key, through a temporary file renamed into place."""
    ordered = _new(lang)
    for message in sorted((m for m in catalog if m.id), key=lambda m: str(m.id)):
        ordered.add(message.id, message.string)
    path = catalogue_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".po.tmp")
    with tmp.open("wb") as f:
        write_po(f, ordered, width=100, omit_header=False, no_location=True, sort_output=True)
    tmp.replace(path)


@contextmanager
def _locked() -> Iterator[dict[str, Catalog]]:
    """Both catalogues, read under an exclusive lock and written back when the block ends without error."""
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALE_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        catalogs = {lang: _read(lang) for lang in LANGS}
        yield catalogs
        for lang, catalog in catalogs.items():
            _write(lang, catalog)


def put(entries: Mapping[str, Mapping[str, str]], *, replace: bool = False) -> None:
    """Add ``{key: {lang: text}}``; an existing key with other words is refused unless ``replace``."""
    with _locked() as catalogs:
        for key, texts in entries.items():
            missing = set(LANGS) - set(texts)
            if missing:
                raise SystemExit(f"{key}: no text for {sorted(missing)}")
            for lang, catalog in catalogs.items():
                old = catalog.get(key)
                if old is not None and old.string != texts[lang] and not replace:
                    raise SystemExit(f"{key} exists in {lang} with other words: {old.string!r} (use --replace)")
                if old is not None:  # Catalog.add keeps an existing message's words: replace them
                    old.string = texts[lang]
                else:
                    catalog.add(key, texts[lang])


def _from_table(spec: str, prefix: str, order: str) -> dict[str, dict[str, str]]:
    module_name, _, name = spec.partition(":")
    table = getattr(importlib.import_module(module_name), name)
    langs = order.split(",")
    out: dict[str, dict[str, str]] = {}
    for key, texts in table.items():
        if not (isinstance(texts, tuple) and len(texts) == len(langs) and all(isinstance(x, str) for x in texts)):
            raise SystemExit(f"{spec}[{key!r}] is not a ({order}) pair of texts: {texts!r}")
        out[f"{prefix}{key}"] = dict(zip(langs, texts, strict=True))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("set")
    one.add_argument("key")
    for lang in LANGS:
        one.add_argument(f"--{lang}", required=True)
    one.add_argument("--replace", action="store_true")
    table = sub.add_parser("from-table")
    table.add_argument("spec", help="module:NAME of a dict {key: (text, text)}")
    table.add_argument("--prefix", required=True, help="prepended to each key, e.g. 'formal.'")
    table.add_argument("--order", default="zh,en", help="the languages of each pair, in order (default zh,en)")
    table.add_argument("--replace", action="store_true")
    gone = sub.add_parser("remove")
    gone.add_argument("keys", nargs="+")
    sub.add_parser("tidy")
    args = parser.parse_args(argv)
    if args.command == "set":
        put({args.key: {lang: getattr(args, lang) for lang in LANGS}}, replace=args.replace)
    elif args.command == "from-table":
        entries = _from_table(args.spec, args.prefix, args.order)
        put(entries, replace=args.replace)
        print(f"{len(entries)} messages from {args.spec}")
    elif args.command == "remove":
        with _locked() as catalogs:
            for catalog in catalogs.values():
                for key in args.keys:
                    catalog.delete(key)
    else:
        with _locked():
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
