"""Error types of the engine.

Every failure a user can cause (a bad file, a bad argument, an unknown CRS)
raises a subclass of :class:`GeoError`, which is a ``ValueError``. Each carries
three parts, so that pages and the CLI can show one clear sentence without a
traceback: *what* file or input, *what* is wrong, and *how* to fix it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final, Protocol, runtime_checkable

#: An absolute path's folders (``/tmp/geo-upload-x1/``, ``C:\\Temp\\``): what :func:`without_paths` removes.
_FOLDERS: Final = re.compile(r"(?<![\w.])(?:[A-Za-z]:[\\/]|/)(?:[^\s/\\'\"()<>:,;]+[/\\])+")


@runtime_checkable
class Sayable(Protocol):
    """A value with words in each language: ``text(lang)``."""

    def text(self, lang: str) -> str: ...


class Said(str):
    """Words of the message catalogue (:mod:`geo.i18n`) by key, with their values: an error, a warning or a note
    says them in any language. Build with :func:`said`.

    As a ``str`` it *is* the English words — what logs, the audit trail, JSON and English output keep — so it
    stands wherever English text stood; :meth:`text` says it in a language.
    """

    key: str
    values: Mapping[str, object]

    def __new__(cls, key: str, values: Mapping[str, object]) -> Said:
        self = super().__new__(cls, _say(key, values, "en"))
        self.key, self.values = key, dict(values)
        return self

    def __reduce__(self) -> tuple[type[Said], tuple[str, dict[str, object]]]:
        return (Said, (self.key, dict(self.values)))  # across processes (a reader's worker) as words, not text

    def text(self, lang: str) -> str:
        """The words in ``lang``; a value that has words in each language itself (:class:`Said`, words inside
        words, or any :class:`Sayable`) is said in ``lang`` too."""
        return _say(self.key, self.values, lang)


def _say(key: str, values: Mapping[str, object], lang: str) -> str:
    from geo.i18n import t

    return t(key, lang, **{k: v.text(lang) if isinstance(v, Sayable) else v for k, v in values.items()})


def say(text: str, lang: str) -> str:
    """``text`` in ``lang`` when it is catalogue words (:class:`Said`), else as it is (a name, a library's words)."""
    return text.text(lang) if isinstance(text, Said) else text


def said(key: str, /, **values: object) -> Said:
    """The catalogue's message ``key`` with ``values``, for an error's problem or fix, a warning or a note:
    ``InputFileError(said("io.not_zip", name=n), source=src, fix=said("io.fix_zip"))``."""
    return Said(key, values)


class GeoError(ValueError):
    """Base class of all errors raised by ``geo`` for user-caused problems.

    Parameters
    ----------
    problem
        What is wrong, as a sentence fragment (no trailing period needed): the catalogue's words
        (:func:`said`), so that the app and the command line say it in the user's language.
    source
        The file, layer or argument the problem is in (shown first, as it is: a name, never translated).
    fix
        What the user can do about it (the catalogue's words too).

    ``message`` (and ``str()``) is the English line, as logs and the audit trail keep it; :meth:`text` is the
    line in a language.
    """

    def __init__(self, problem: str | Said, *, source: str | None = None, fix: str | Said | None = None) -> None:
        self.said = problem if isinstance(problem, Said) else None
        self.said_fix = fix if isinstance(fix, Said) else None
        self.problem = (problem.text("en") if isinstance(problem, Said) else problem).rstrip(". ")
        self.source = source
        self.fix = fix.text("en") if isinstance(fix, Said) else fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line: ``source: problem. fix``."""
        head = f"{self.source}: {self.problem}" if self.source else self.problem
        return f"{head}. {self.fix}" if self.fix else f"{head}."

    def text(self, lang: str) -> str:
        """The line in ``lang`` (``源：问题。办法``); English where the problem has no catalogue words."""
        if lang == "en" or self.said is None or (self.fix and self.said_fix is None):
            return self.message
        from geo.i18n import t

        problem = self.said.text(lang).rstrip("。. ")
        head = t("error.source", lang, source=self.source, problem=problem) if self.source else problem
        fix = self.said_fix.text(lang) if self.said_fix else ""
        return t("error.with_fix", lang, head=head, fix=fix) if fix else t("error.end", lang, head=head)

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class UsageError(GeoError):
    """A command-line argument or API option is not one we accept."""


class DataError(GeoError):
    """The project's own data files (data/) are missing or inconsistent."""


class CRSError(GeoError):
    """A coordinate reference system is missing, unknown or unsuitable."""


class AreaError(GeoError):
    """Area was asked for in units that cannot give a true area (e.g. degrees)."""


class ExportError(GeoError):
    """A layer could not be written in the requested format or CRS."""


class FontError(GeoError):
    """No font that can draw Chinese is installed (print maps embed one)."""


class InputFileError(GeoError):
    """A user's file cannot be read (format, size, archive, encoding, content)."""


class UnsupportedFormatError(InputFileError):
    """The file's content is not one of the formats we read."""


class FileTooLargeError(InputFileError):
    """The file (or an archive member, unpacked) exceeds the size limit."""


class UnsafeArchiveError(InputFileError):
    """A zip/KMZ archive has unsafe paths or unpacks to far more than it packs."""


class GeometryError(InputFileError):
    """The file's geometry cannot be used (none, non-finite, far outside China)."""


class AccessError(GeoError):
    """The user's role, or the upload's owner, does not allow the action (or nobody is signed in)."""


class LoginError(AccessError):
    """A sign-in failed: wrong name or password, a disabled account, or too many attempts."""


def without_paths(text: str) -> str:
    """``text`` with the folders of absolute paths removed, keeping the file names.

    Messages of GDAL, zipfile and the OS name the file they failed on, which is
    often in the server's temporary folder (``/tmp/geo-upload-…/upload.kml``);
    a user must never see such paths.
    """
    return _FOLDERS.sub("", text)


def tool_said(exc: BaseException, limit: int = 160) -> str:
    """The first line of a library's error message, without folders, at most ``limit`` characters."""
    lines = str(exc).splitlines()
    return without_paths(lines[0] if lines else type(exc).__name__)[:limit]
