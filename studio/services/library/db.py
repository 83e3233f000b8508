"""Opening the library: the engine, its migrations and sessions.

SQLite is tuned so several processes (the app, a headless runner, a CLI enqueue) can share one
file: WAL journal (readers never wait for the writer), foreign keys enforced, a busy timeout, and
every transaction opened with ``BEGIN IMMEDIATE``. A deferred transaction that reads and then writes
fails at once with "database is locked" when another process committed in between; taking the
write lock up front makes it wait its turn instead (read-only sessions skip it). Migrations run
inside such a transaction (on Postgres, under an advisory lock), so two processes opening a fresh
library never both migrate.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from studio.services.library.paths import (
    STORE_FOLDER,
    data_dir,
    database_url,
    is_memory_sqlite,
    is_sqlite,
    sqlite_file,
)
from studio.services.library.store import Store

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
_PG_MIGRATION_LOCK = 0x5354_5544  # "STUD": one advisory lock id for Studio's migrations
_READ_ONLY = "studio_read_only"


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE.

    Creating the engine does not connect (no server is needed), but it imports the dialect's
    driver, so Postgres needs one installed (psycopg, say).
    """
    parsed = make_url(url)
    if not is_sqlite(parsed):
        return create_engine(parsed, pool_pre_ping=True)
    options: dict[str, Any] = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}}
    if is_memory_sqlite(parsed):
        options["connect_args"]["check_same_thread"] = False
        options["poolclass"] = StaticPool
    engine = create_engine(parsed, **options)
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin_immediate)
    return engine


def _tune_sqlite(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    # The driver's own transaction handling is turned off so that ``_begin_immediate`` decides.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """WAL needs a moment alone with a fresh file, and SQLite does not wait for it (no busy
    handler): when another process is creating the same library, try again until the timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _begin_immediate(connection: Connection) -> None:
    if connection.get_execution_options().get(_READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config(url: str | URL | None = None) -> Config:
    """Alembic's configuration built in code: there is no alembic.ini to find or to drift.

    ``alembic.command.revision(alembic_config(), autogenerate=True, message=...)`` drafts the
    next migration against the configured database.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    parsed = database_url() if url is None else make_url(url)
    config.set_main_option("sqlalchemy.url", parsed.render_as_string(hide_password=False))
    return config


ALEMBIC_LOCK = threading.Lock()
"""Alembic keeps its migration context in module globals, so two migrations in one process (the
library in one thread, the embedded cloud service in another) must take turns."""


def migrate(engine: Engine, revision: str = "head", *, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) the database to ``revision`` under a lock."""
    config = alembic_config(engine.url)
    with ALEMBIC_LOCK, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            lock = text("SELECT pg_advisory_xact_lock(:key)")
            connection.execute(lock, {"key": _PG_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


class Library:
    """The database and the file store of one data folder.

    Open with ``Library.open()``; use ``with library.session() as session:`` for work that
    commits together (or rolls back on an exception); ``library.store`` keeps the files.
    """

    def __init__(self, engine: Engine, data: Path) -> None:
        self.engine = engine
        self.data_dir = data
        self.store = Store(data / STORE_FOLDER)
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str | None = None, data: Path | None = None) -> Library:
        """Open (creating and migrating as needed) the library at ``url`` / ``data``.

        ``data`` defaults to ``data_dir()``; ``url`` to STUDIO_DATABASE_URL, else SQLite there.
        """
        folder = data if data is not None else data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        parsed = database_url(url, folder)
        db_file = sqlite_file(parsed)
        if db_file is not None:
            db_file.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(parsed)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, folder)

    @property
    def url(self) -> URL:
        return self.engine.url

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """A session committed when the block ends, rolled back if it raises.

        ``readonly`` sessions (views polling progress) read a snapshot without waiting for
        writers and are always rolled back; on SQLite they must not write.
        """
        with self.sessions() as session:
            if readonly:
                session.connection(execution_options={_READ_ONLY: True})
            try:
                yield session
                if readonly:
                    session.rollback()
                else:
                    session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
