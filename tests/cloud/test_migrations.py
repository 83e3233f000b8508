"""The cloud's migrations build exactly the tables its models describe, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from studio.cloud.db import VERSION_TABLE, open_engine
from studio.cloud.models import CloudBase


@pytest.mark.parametrize(
    "dialect", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_migrated_schema_matches_the_models(
    dialect: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        request.getfixturevalue("postgres_url")
        if dialect == "postgres"
        else f"sqlite:///{tmp_path / 'cloud.db'}"
    )
    engine = open_engine(url)
    try:
        open_engine(url).dispose()  # a second start finds nothing to do
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
            )
            differences = [
                diff
                for diff in compare_metadata(context, CloudBase.metadata)
                if not (diff[0] == "remove_table" and diff[1].name == VERSION_TABLE)
            ]
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert differences == []
    assert VERSION_TABLE in tables
    assert "alembic_version" not in tables, "the cloud keeps its own version table"
