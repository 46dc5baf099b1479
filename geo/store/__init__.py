"""Where users' uploads and their findings are kept across restarts.

:mod:`geo.store.workspace` holds them in one GeoPackage; :func:`parcels_in_use`
is the one answer to "which geometry does each project have now".
"""

from geo.store.in_use import parcels_in_use
from geo.store.workspace import (
    list_uploads,
    load_upload,
    remove_upload,
    save_upload,
    set_use_surveyed,
    upload_id,
    workspace_path,
)

__all__ = [
    "list_uploads", "load_upload", "parcels_in_use", "remove_upload", "save_upload", "set_use_surveyed",
    "upload_id", "workspace_path",
]
