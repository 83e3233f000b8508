"""Where the library lives: the data folder and the database URL.

The data folder is the platform's user data folder unless STUDIO_DATA_DIR names another (tests,
portable installs, several profiles). The database is SQLite in that folder unless
STUDIO_DATABASE_URL (or a caller) names any SQLAlchemy URL, for example a shared Postgres.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from sqlalchemy.engine import URL, make_url

DATA_DIR_ENV = "STUDIO_DATA_DIR"
DATABASE_URL_ENV = "STUDIO_DATABASE_URL"
DATABASE_FILE = "library.db"
STORE_FOLDER = "store"


def data_dir() -> Path:
    """The folder holding the database and the file store (not created here)."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("Studio", "Studio"))


def database_url(url: str | None = None, data: Path | None = None) -> URL:
    """``url``, else STUDIO_DATABASE_URL, else SQLite in the data folder.

    Raises ``sqlalchemy.exc.ArgumentError`` with the URL in its message when it cannot be parsed.
    """
    chosen = url or os.environ.get(DATABASE_URL_ENV, "").strip()
    if chosen:
        return make_url(chosen)
    folder = data if data is not None else data_dir()
    return URL.create("sqlite", database=str(folder / DATABASE_FILE))


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def is_memory_sqlite(url: URL) -> bool:
    """An in-memory SQLite database: one connection must serve every thread."""
    database = url.database or ""
    return is_sqlite(url) and (database in ("", ":memory:") or "mode=memory" in database)


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for in-memory SQLite and other dialects."""
    if not is_sqlite(url) or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database)
