"""Where users' uploads, their findings, the accounts and the audit trail are kept.

- :mod:`geo.store.base`: the storage interface (:class:`Store`) and its records;
- :mod:`geo.store.gpkg` (embedded, default) and :mod:`geo.store.postgis`
  (``GEO_DATABASE_URL``): its two backends; :mod:`geo.store.codec` the tables
  they share;
- :mod:`geo.store.office`: roles, ownership and the audit trail (the writer
  the app and the CLI use); :mod:`geo.store.passwords`: Argon2id hashes;
- :mod:`geo.store.workspace`: which backend, and the original functions;
- :mod:`geo.store.dump`: back up and restore either backend;
- :mod:`geo.store.chain`: the audit trail's hash chain (verify it);
- :func:`parcels_in_use`: the one answer to "which geometry does each project have now".
"""

from geo.store.base import ROLES, AuditEvent, Store, StoreError, Upload, User
from geo.store.in_use import parcels_in_use
from geo.store.office import Actor, Office, single_user
from geo.store.workspace import (
    close_stores,
    file_hash,
    list_uploads,
    load_upload,
    office,
    open_store,
    remove_upload,
    save_upload,
    set_use_surveyed,
    upload_id,
    workspace_path,
)

__all__ = [
    "ROLES", "Actor", "AuditEvent", "Office", "Store", "StoreError", "Upload", "User", "close_stores", "file_hash",
    "list_uploads", "load_upload", "office", "open_store", "parcels_in_use", "remove_upload", "save_upload",
    "set_use_surveyed", "single_user", "upload_id", "workspace_path",
]
