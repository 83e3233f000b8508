"""The service's database: engine, migrations (run on start) and sessions.

The engine comes from the library's ``make_engine``, so SQLite gets the same WAL, busy timeout and
``BEGIN IMMEDIATE`` transactions: on SQLite a transaction holds the write lock from its start, which
is what serialises two trip charges of one user. On Postgres the ledger takes a row lock on the user
instead (``SELECT ... FOR UPDATE``). Migrations keep their own version table, so the cloud can share
a database with the desktop library without the two histories meeting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from studio.services.library.db import ALEMBIC_LOCK, make_engine
from studio.services.library.paths import sqlite_file

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "cloud_alembic_version"
_PG_MIGRATION_LOCK = 0x434C_4F55  # "CLOU": the cloud's advisory lock, apart from the library's


def alembic_config(url: str | URL) -> Config:
    """Alembic's configuration in code (no alembic.ini). Draft a migration with
    ``command.revision(alembic_config(url), autogenerate=True, message=...)``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", make_url(url).render_as_string(hide_password=False))
    return config


def open_engine(url: str) -> Engine:
    """An engine for ``url``, its SQLite folder created, migrated to the latest revision."""
    parsed = make_url(url)
    db_file = sqlite_file(parsed)
    if db_file is not None:
        db_file.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(parsed)
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade to ``revision`` in one transaction; concurrent starts wait for each other (the
    SQLite write lock, or an advisory lock on Postgres; in one process, Alembic's own lock)."""
    config = alembic_config(engine.url)
    with ALEMBIC_LOCK, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


class Database:
    """The engine and a session factory; ``with db.session() as s`` commits or rolls back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.engine.dispose()
