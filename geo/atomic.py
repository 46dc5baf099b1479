"""Writing an output file so that a crash never leaves half of it.

A regular file (or a new path) is written to a temporary file in the same
folder and moved over the target with :func:`os.replace`, which is atomic on
one file system: readers see the old file or the new one, never a mix. A
target that exists but is not a regular file — a symlink, a FIFO, a device such
as ``/dev/stdout`` — is written through instead: replacing it would break the
link or the pipe the user gave us.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

from geo.errors import ExportError


def _is_special(path: Path) -> bool:
    """True when ``path`` exists (even as a dangling link) and is not a plain regular file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return False
    return not stat.S_ISREG(mode)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (or through a symlink, FIFO or device); return the path.

    Raises
    ------
    ExportError
        The folder does not exist, ``path`` is a folder, or the file cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise ExportError("is a folder", source=str(path), fix="Give a file name, e.g. map.png")
    if _is_special(path):
        try:
            with open(path, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise ExportError(f"cannot be written ({exc.strerror})", source=str(path),
                              fix="Choose another path") from None
        return path
    folder = path.parent
    if not folder.is_dir():
        raise ExportError("the folder does not exist", source=str(path), fix="Create the folder or choose another path")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write in the folder ({exc.strerror})", source=str(path),
                          fix="Choose a folder you can write to") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportError(f"cannot be written ({exc.strerror})", source=str(path), fix="Choose another path") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def place_file(staged: str | Path, path: str | Path) -> Path:
    """Put a finished file ``staged`` (in the target's folder) at ``path``; return the path.

    A regular target (or a new path) is replaced atomically with :func:`os.replace`;
    a symlink, FIFO or device is written through and stays what it is. ``staged``
    is gone afterwards either way.

    Raises
    ------
    ExportError
        ``path`` is a folder or cannot be written.
    """
    path = Path(path)
    if path.is_dir():
        raise ExportError("is a folder", source=str(path), fix="Give a file name")
    try:
        if _is_special(path):
            with open(staged, "rb") as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        else:
            os.chmod(staged, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
            os.replace(staged, path)
    except OSError as exc:
        raise ExportError(f"cannot be written ({exc.strerror})", source=str(path), fix="Choose another path") from None
    finally:
        Path(staged).unlink(missing_ok=True)
    return path
