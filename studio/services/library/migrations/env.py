"""Alembic's entry point for the library's migrations.

``studio.services.library.db.migrate`` hands over a connection already inside a locked
transaction; without one (a developer drafting a revision), a connection is made from the
configured URL. Batch mode lets later migrations alter SQLite tables, and ``UTCDateTime`` is
written into drafts as the plain ``sa.DateTime(timezone=True)`` it stores.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from studio.services.library.db import make_engine
from studio.services.library.models import Base, UTCDateTime

config = context.config


def _render_item(kind: str, item: Any, autogen: AutogenContext) -> str | Literal[False]:
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def _online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _run(given)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _offline()
else:
    _online()
