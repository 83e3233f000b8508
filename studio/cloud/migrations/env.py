"""Alembic's entry point for the cloud service's migrations (see ``studio.cloud.db``)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

import studio.cloud.social.models  # noqa: F401  (registers the social tables on CloudBase)
from studio.cloud.db import VERSION_TABLE
from studio.cloud.models import CloudBase
from studio.services.library.db import make_engine
from studio.services.library.models import UTCDateTime

config = context.config


def _render_item(kind: str, item: Any, autogen: AutogenContext) -> str | Literal[False]:
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Only the cloud's own tables: a shared database may hold the library's too."""
    return type_ != "table" or (name or "").startswith("cloud_")


def _configure(**options: Any) -> None:
    context.configure(
        target_metadata=CloudBase.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,
        render_item=_render_item,
        include_name=_include_name,
        **options,
    )


def _run(connection: Connection) -> None:
    _configure(connection=connection)
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
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    _online()
