"""The library: a local database (SQLAlchemy + Alembic) and a content-addressed file store.

``Library.open()`` opens, creating and migrating as needed, the SQLite database in the data folder
(``data_dir()``: STUDIO_DATA_DIR or the platform's user data folder), or any SQLAlchemy URL given
or set in STUDIO_DATABASE_URL. The tables are in ``studio.services.library.models``.
"""

from __future__ import annotations

from studio.services.library.db import Library, alembic_config, make_engine, migrate
from studio.services.library.paths import data_dir, database_url
from studio.services.library.store import NoSuchProduction, Removed, Store, StoredFile

__all__ = [
    "Library",
    "NoSuchProduction",
    "Removed",
    "Store",
    "StoredFile",
    "alembic_config",
    "data_dir",
    "database_url",
    "make_engine",
    "migrate",
]
