"""The local workspace: users' uploads and their check results, kept across restarts.

One GeoPackage, ``workspace.gpkg``, in a data folder: ``./workspace/`` by
default, or the folder named by the environment variable ``GEO_WORKSPACE``.
It holds an index table ``uploads`` and, per upload, a layer
``parcels_<id>`` (the surveyed features in WGS84 with ``project_id`` and
``measured_mu``) and a table ``findings_<id>`` (messages in English, ``message``,
and Chinese, ``message_zh``; uploads saved before the Chinese messages existed
load with ``message_zh`` filled from ``message``).

Writes are atomic: every change is made on a temporary copy in the same folder,
which then replaces the GeoPackage with :func:`os.replace`. A crash, a full disk
or a killed process mid-write leaves the previous workspace intact (at worst a
stray ``.tmp-*`` file, removed by the next write). A lock file serialises
writers (several browser sessions may save at once).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, cast

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.crs import WGS84
from geo.errors import InputFileError, UsageError

ENV_VAR: Final = "GEO_WORKSPACE"
FILE_NAME: Final = "workspace.gpkg"
INDEX_LAYER: Final = "uploads"
INDEX_COLUMNS: Final = (
    "upload_id",
    "name",
    "saved_at",
    "fmt",
    "crs",
    "crs_basis",
    "features",
    "findings",
    "tolerance_pct",
    "name_field",
    "use_surveyed",
)


def workspace_dir(root: str | Path | None = None) -> Path:
    """The workspace folder: ``root``, else ``$GEO_WORKSPACE``, else ``./workspace``."""
    return Path(root or os.environ.get(ENV_VAR) or "workspace")


def workspace_path(root: str | Path | None = None) -> Path:
    """Path of the workspace GeoPackage (it may not exist yet)."""
    return workspace_dir(root) / FILE_NAME


def upload_id(data: bytes, name: str) -> str:
    """A stable id for an upload: the same file saved twice replaces itself."""
    return hashlib.sha256(name.encode() + b"\0" + data).hexdigest()[:12]


@contextmanager
def _transaction(root: str | Path | None) -> Iterator[Path]:
    """Yield a temporary copy of the workspace to modify; it replaces the original on success."""
    folder = workspace_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / FILE_NAME
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for stale in folder.glob(".tmp-*"):
            stale.unlink(missing_ok=True)
        fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=".gpkg", dir=folder)
        os.close(fd)
        tmp = Path(name)
        try:
            if target.exists():
                shutil.copyfile(target, tmp)
            else:
                tmp.unlink()
            yield tmp
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)


def _read_index(path: Path) -> pd.DataFrame:
    if not path.exists() or INDEX_LAYER not in pyogrio.list_layers(path)[:, 0]:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in INDEX_COLUMNS})
    frame = pyogrio.read_dataframe(path, layer=INDEX_LAYER, read_geometry=False)
    return _typed(frame[list(INDEX_COLUMNS)])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"features": "int64", "findings": "int64", "tolerance_pct": "float64", "use_surveyed": bool})


def _write(frame: pd.DataFrame, path: Path, layer: str) -> None:
    pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")


def list_uploads(*, root: str | Path | None = None) -> pd.DataFrame:
    """The saved uploads, newest first, with the columns of :data:`INDEX_COLUMNS`."""
    return _read_index(workspace_path(root)).sort_values("saved_at", ascending=False).reset_index(drop=True)


def save_upload(
    uid: str,
    parcels: gpd.GeoDataFrame,
    findings: pd.DataFrame,
    *,
    info: dict[str, Any],
    root: str | Path | None = None,
) -> str:
    """Save (or replace) an upload's parcels, findings and index entry atomically.

    Parameters
    ----------
    uid
        The upload's id (see :func:`upload_id`).
    parcels
        Checked parcels in WGS84 (index = feature number), with ``project_id`` and ``measured_mu``.
    findings
        The findings table of :func:`geo.checks.registry.run_checks`.
    info
        Index fields: ``name``, ``fmt``, ``crs``, ``crs_basis``, ``tolerance_pct``, ``name_field``.
    root
        Workspace folder (default :func:`workspace_dir`).
    """
    if not uid.isalnum():
        raise UsageError(
            f"upload id {uid!r} is not alphanumeric", source="workspace", fix="Use upload_id() to make one"
        )
    layer = parcels.to_crs(WGS84).reset_index()
    layer = layer[[c for c in layer.columns if c == layer.geometry.name or not str(c).startswith("_")]]
    with _transaction(root) as tmp:
        index = _read_index(tmp)
        keep = index[index["upload_id"] != uid]
        row = {c: info.get(c) for c in INDEX_COLUMNS} | {
            "upload_id": uid,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "features": len(parcels),
            "findings": len(findings),
            "use_surveyed": bool(index.loc[index["upload_id"] == uid, "use_surveyed"].any()),
        }
        row["name_field"] = row["name_field"] or ""
        _write(layer, tmp, f"parcels_{uid}")
        texts = {c: "object" for c in ("project_id", "message", "message_zh", "detail") if c in findings.columns}
        _write(pd.DataFrame(findings).astype(texts), tmp, f"findings_{uid}")
        new = pd.DataFrame([row]).fillna({"tolerance_pct": float("nan")})
        _write(
            _typed(pd.concat([keep, new], ignore_index=True) if len(keep) else new).astype({"use_surveyed": int}),
            tmp,
            INDEX_LAYER,
        )
    return uid


def load_upload(uid: str, *, root: str | Path | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The saved parcels (index = feature) and findings of an upload."""
    path = workspace_path(root)
    if uid not in set(_read_index(path)["upload_id"]):
        raise InputFileError(
            f"no saved upload {uid!r}", source=str(path), fix="Pick one of the uploads listed in the workspace"
        )
    parcels = pyogrio.read_dataframe(path, layer=f"parcels_{uid}").set_index("feature")
    parcels = parcels.rename(columns={"area_mu": "measured_mu"})  # saved before the column was renamed
    findings = pyogrio.read_dataframe(path, layer=f"findings_{uid}", read_geometry=False)
    findings["feature"] = findings["feature"].astype("Int64")
    if "message_zh" not in findings.columns:  # saved before the findings had Chinese messages
        at = cast(int, findings.columns.get_loc("message"))  # an int: column names are unique
        findings.insert(at + 1, "message_zh", findings["message"])
    findings["message_zh"] = findings["message_zh"].fillna(findings["message"])
    if "detail" not in findings.columns:  # saved before findings kept GEOS's own words
        findings["detail"] = pd.NA
    return parcels, findings


def remove_upload(uid: str, *, root: str | Path | None = None) -> None:
    """Remove an upload: the GeoPackage is rebuilt without its layers, then swapped in."""
    path = workspace_path(root)
    if not path.exists():
        return
    with _transaction(root) as tmp:
        tmp.unlink()
        index = _read_index(path)
        for layer in pyogrio.list_layers(path)[:, 0]:
            if layer in (f"parcels_{uid}", f"findings_{uid}", INDEX_LAYER):
                continue
            frame = pyogrio.read_dataframe(path, layer=layer)
            _write(frame, tmp, layer)
        _write(index[index["upload_id"] != uid].astype({"use_surveyed": int}), tmp, INDEX_LAYER)


def set_use_surveyed(uid: str, use: bool, *, root: str | Path | None = None) -> None:
    """Switch whether an upload's geometry replaces the indicative parcels."""
    with _transaction(root) as tmp:
        index = _read_index(tmp)
        if uid not in set(index["upload_id"]):
            raise InputFileError(
                f"no saved upload {uid!r}",
                source=str(workspace_path(root)),
                fix="Pick one of the uploads listed in the workspace",
            )
        index.loc[index["upload_id"] == uid, "use_surveyed"] = bool(use)
        _write(index.astype({"use_surveyed": int}), tmp, INDEX_LAYER)
