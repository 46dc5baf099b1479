"""Writing an output to what the user named (``-o``, a figure, an export), never half of it.

- ``-o -`` writes to standard output (the command's own messages then go to
  stderr: :func:`stdout_reserved`, used by :mod:`geo.cli`);
- a symbolic link is followed: the file it points to is written, the link stays;
- a FIFO or a device (``/dev/null``, ``/dev/stdout``) is opened and written,
  never replaced by a regular file;
- only a regular file (or a new one) is written atomically: to a temporary
  file in the same folder, then renamed over the target, keeping an existing
  file's permissions; a failure leaves the previous file as it was.

:func:`write_output` writes bytes, :func:`copy_to_output` streams a file built
elsewhere, and :func:`place_file` moves a file already built in the target's
folder into place (a rename, no copy, for large exports).
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import IO, Final

from geo.errors import ExportError, said

STDOUT: Final = "-"
_reserved: list[IO[str]] = []


@contextmanager
def stdout_reserved() -> Iterator[None]:
    """While a command writes its output to stdout (``-o -``), its messages go to stderr."""
    _reserved.append(sys.stdout)
    try:
        with redirect_stdout(sys.stderr):
            yield
    finally:
        _reserved.pop()


def _stdout() -> IO[bytes]:
    stream = _reserved[-1] if _reserved else sys.stdout
    return stream.buffer if hasattr(stream, "buffer") else stream  # type: ignore[return-value]


def is_special(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` is stdout or (after following links) an existing FIFO, device or other non-regular file."""
    if str(target) == STDOUT:
        return True
    real = Path(os.path.realpath(target))
    try:
        mode = real.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def target_for(target: str | os.PathLike[str], suffix: str) -> str | Path:
    """The path to write: ``target`` with ``suffix`` set, unless it is stdout, a FIFO or a device."""
    if is_special(target):
        return STDOUT if str(target) == STDOUT else Path(target)
    return Path(target).with_suffix(suffix)


def check_target(target: str | os.PathLike[str]) -> None:
    """Refuse, before any work, a target whose folder does not exist or that is a folder."""
    if str(target) == STDOUT or is_special(target):
        return
    real = Path(os.path.realpath(target))
    if real.is_dir():
        raise ExportError(said("err.atomic.folder"), source=str(target), fix=said("err.atomic.folder_fix"))
    if not real.parent.is_dir():
        raise ExportError(said("err.atomic.no_folder"), source=str(real.parent), fix=said("err.atomic.no_folder_fix"))


@contextmanager
def open_output(target: str | os.PathLike[str], *, private: bool = False) -> Iterator[IO[bytes]]:
    """A binary stream to the output named ``target`` (see the module's docstring).

    A new file gets the usual permissions (``0666 & ~umask``), or ``0600`` if ``private``.
    """
    if str(target) == STDOUT:
        out = _stdout()
        yield out
        out.flush()
        return
    check_target(target)
    real = Path(os.path.realpath(target))
    try:
        if is_special(real):
            if stat.S_ISSOCK(real.stat().st_mode):
                raise ExportError(said("err.atomic.socket"), source=str(target), fix=said("err.atomic.socket_fix"))
            with open(real, "wb") as fh:
                yield fh
            return
        mode = stat.S_IMODE(real.stat().st_mode) if real.exists() else (0o600 if private else 0o666 & ~_umask())
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, real)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        raise ExportError(said("err.atomic.not_written", error=str(exc.strerror or exc)), source=str(target),
                          fix=said("err.atomic.not_written_fix")) from exc


def write_output(target: str | os.PathLike[str], data: bytes | str) -> str:
    """Write ``data`` (text is UTF-8) to ``target``; returns where it went (``stdout`` or the path)."""
    with open_output(target) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return "stdout" if str(target) == STDOUT else str(target)


def copy_to_output(target: str | os.PathLike[str], source: str | os.PathLike[str], *, private: bool = False) -> str:
    """Stream the file ``source`` to ``target`` (for large outputs written to a temporary file first)."""
    with open_output(target, private=private) as fh, open(source, "rb") as src:
        while chunk := src.read(1 << 20):
            fh.write(chunk)
    return "stdout" if str(target) == STDOUT else str(target)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def place_file(staged: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Put the finished file ``staged`` (built in the target's folder) at ``target``; return ``target``.

    A regular target (or a new one) is replaced by renaming ``staged`` over it
    (atomic, keeping an existing file's permissions); a symlink is followed; a
    FIFO or device is written through. ``staged`` is gone afterwards either way.

    Raises
    ------
    ExportError
        ``target`` is a folder or cannot be written.
    """
    check_target(target)
    real = Path(os.path.realpath(target))
    try:
        if is_special(real):
            with open(staged, "rb") as src, open(real, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        else:
            os.chmod(staged, stat.S_IMODE(real.stat().st_mode) if real.exists() else 0o666 & ~_umask())
            os.replace(staged, real)
    except OSError as exc:
        raise ExportError(said("err.atomic.not_written", error=str(exc.strerror or exc)), source=str(target),
                          fix=said("err.atomic.not_written_fix")) from exc
    finally:
        Path(staged).unlink(missing_ok=True)
    return Path(target)
