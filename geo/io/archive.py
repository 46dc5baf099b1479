"""Safe unpacking of users' zip and KMZ archives.

A user's archive is hostile until proven otherwise: member names may climb out
of the target folder (``../../etc/x``), be absolute (``/tmp/x``, ``C:\\x``) or be
symbolic links; a few kilobytes may unpack to gigabytes (a zip bomb). This
module checks every member *before* writing anything, then streams only the
members we read into a folder the caller owns (a
:class:`tempfile.TemporaryDirectory`), counting the bytes actually written and
the packed bytes read for them, so that a lying header cannot get past the
limits either: a member stops when its output passes its declared size, the
total limit, or :data:`MAX_RATIO` times the packed bytes read so far — a
header claiming a plausible 999 MB stops a bomb after ~13 MB, not at 1 GB.
"""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Final

from geo.errors import FileTooLargeError, InputFileError, Said, UnsafeArchiveError, said, tool_said

#: Largest total unpacked size of the members we extract.
MAX_UNPACKED_BYTES: Final = 1024 * 1024 * 1024
#: Largest unpacked/packed ratio of a member; real GIS data compresses ~3–20×.
MAX_RATIO: Final = 200
#: Members smaller than this are never called bombs, whatever their ratio.
RATIO_FLOOR_BYTES: Final = 1024 * 1024

#: Bytes inflated per step; the packed bytes read for a step are at most as many (zipfile reads ahead no more),
#: so a bomb stops within :data:`MAX_RATIO` × this (~13 MB) beyond :data:`RATIO_FLOOR_BYTES`.
_CHUNK: Final = 64 * 1024


def _unsafe_name(name: str) -> bool:
    posix, win = PurePosixPath(name), PureWindowsPath(name)
    return (
        posix.is_absolute()
        or win.is_absolute()
        or bool(win.drive)
        or name.startswith(("/", "\\"))
        or ".." in posix.parts
        or ".." in win.parts
    )


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


class _CountingFile(io.FileIO):
    """The archive file, counting the bytes read from it: what inflating a member has consumed of its packed data."""

    consumed = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size) or b""
        self.consumed += len(data)
        return data


class _Archive(zipfile.ZipFile):
    """A :class:`zipfile.ZipFile` reading through a :class:`_CountingFile`, which it closes with itself."""

    def __init__(self, path: Path) -> None:
        self.counting = _CountingFile(path, "rb")
        try:
            super().__init__(self.counting)
        except BaseException:
            self.counting.close()
            raise

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.counting.close()


def open_zip(path: Path, *, source: str) -> zipfile.ZipFile:
    """Open ``path`` as a zip archive or raise :class:`InputFileError`."""
    try:
        return _Archive(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise InputFileError(
            said("err.archive.damaged", error=tool_said(exc)), source=source, fix=said("err.archive.damaged_fix")
        ) from None


def member_names(zf: zipfile.ZipFile, *, source: str) -> list[str]:
    """Names of the file members, after refusing unsafe names and links.

    Raises
    ------
    UnsafeArchiveError
        For absolute paths, ``..`` components or symbolic links.
    """
    bad = [i.filename for i in zf.infolist() if _unsafe_name(i.filename) or _is_symlink(i)]
    if bad:
        shown = ", ".join(repr(b) for b in bad[:3])
        raise UnsafeArchiveError(
            said("err.archive.unsafe_paths", shown=shown), source=source, fix=said("err.archive.unsafe_paths_fix")
        )
    return [i.filename for i in zf.infolist() if not i.is_dir()]


#: Compression methods Python's zipfile unpacks; Deflate64 (9), PPMd (98), AES (99)… are not among them.
_METHODS: Final = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "Deflate", zipfile.ZIP_BZIP2: "BZIP2",
                   zipfile.ZIP_LZMA: "LZMA"}
#: Names of the methods users meet, for the message.
_METHOD_NAMES: Final[dict[int, str | Said]] = {9: "Deflate64", 98: "PPMd", 99: said("err.archive.method_aes"),
                                               93: "Zstandard", 95: "XZ"}


def _check_methods(infos: list[zipfile.ZipInfo], *, source: str) -> None:
    """Refuse encrypted members and compression methods we cannot unpack, in one clear line.

    Without this, zipfile raises ``RuntimeError`` ("password required") or
    ``NotImplementedError`` ("compression type 9") halfway through extracting.
    """
    encrypted = [i.filename for i in infos if i.flag_bits & 0x1 or i.compress_type == 99]
    if encrypted:
        raise UnsafeArchiveError(
            said("err.archive.encrypted", name=encrypted[0]), source=source, fix=said("err.archive.encrypted_fix")
        )
    odd = [i for i in infos if i.compress_type not in _METHODS]
    if odd:
        method = _METHOD_NAMES.get(odd[0].compress_type, said("err.archive.method_number",
                                                              number=odd[0].compress_type))
        raise UnsafeArchiveError(
            said("err.archive.method", name=odd[0].filename, method=method),
            source=source,
            fix=said("err.archive.method_fix"),
        )


def _check_sizes(infos: list[zipfile.ZipInfo], *, source: str, max_unpacked: int) -> None:
    total = sum(i.file_size for i in infos)
    if total > max_unpacked:
        raise FileTooLargeError(
            said("err.archive.too_large", total=total / 2**20, limit=max_unpacked / 2**20),
            source=source,
            fix=said("err.archive.too_large_fix"),
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            raise UnsafeArchiveError(
                said("err.archive.ratio", name=info.filename, ratio=ratio),
                source=source,
                fix=said("err.archive.bomb_fix"),
            )


def extract_members(
    zf: zipfile.ZipFile,
    names: list[str],
    dest: Path,
    *,
    source: str,
    max_unpacked: int = MAX_UNPACKED_BYTES,
) -> list[Path]:
    """Extract ``names`` from ``zf`` into ``dest``, checking sizes as it goes.

    Parameters
    ----------
    zf
        An archive opened with :func:`open_zip`.
    names
        Members to extract (already vetted by :func:`member_names`).
    dest
        A temporary folder owned by the caller; nothing is written elsewhere.
    source
        The user's file name, for messages.
    max_unpacked
        Limit on the bytes written, counted while streaming.

    Returns
    -------
    list of pathlib.Path
        Paths of the extracted files, in the order of ``names``.
    """
    infos = [zf.getinfo(n) for n in names]
    _check_methods(infos, source=source)
    _check_sizes(infos, source=source, max_unpacked=max_unpacked)
    root = dest.resolve()
    written = 0
    out: list[Path] = []
    for info in infos:
        target = (root / info.filename).resolve()
        if root not in target.parents:
            raise UnsafeArchiveError(
                said("err.archive.outside", name=info.filename), source=source, fix=said("err.archive.outside_fix")
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        counting = zf.counting if isinstance(zf, _Archive) else None
        try:
            with zf.open(info) as src, open(target, "wb") as dst:
                packed_start = counting.consumed if counting is not None else 0
                member = 0
                while chunk := src.read(_CHUNK):
                    member += len(chunk)
                    written += len(chunk)
                    packed = counting.consumed - packed_start if counting is not None else info.compress_size
                    if written > max_unpacked:
                        raise UnsafeArchiveError(
                            said("err.archive.over_headers"), source=source, fix=said("err.archive.bomb_fix")
                        )
                    if member > RATIO_FLOOR_BYTES and member > MAX_RATIO * packed:  # zipfile stops at file_size
                        raise UnsafeArchiveError(
                            said("err.archive.ratio_stream", name=info.filename, ratio=MAX_RATIO),
                            source=source,
                            fix=said("err.archive.bomb_fix"),
                        )
                    dst.write(chunk)
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise InputFileError(
                said("err.archive.member_damaged", name=info.filename, error=tool_said(exc)),
                source=source,
                fix=said("err.archive.member_damaged_fix"),
            ) from None
        out.append(target)
    return out
