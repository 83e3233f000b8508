"""The desktop library on PostgreSQL (``STUDIO_DATABASE_URL``): its migrations up, down and up
again, with a post kept across the cloud-era migrations (0003 adds the cloud columns, 0004 drops
the tables the service now holds)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import inspect, select

from studio.services.library.db import make_engine, migrate
from studio.services.library.models import SocialPost
from tests.cloud.conftest import _create_database

pytestmark = pytest.mark.postgres


def test_the_library_migrates_up_down_and_up_on_postgres(postgres_server: str) -> None:
    name = f"library_{uuid.uuid4().hex[:12]}"
    _create_database(postgres_server, name)
    engine = make_engine(f"{postgres_server}/{name}")
    try:
        migrate(engine, "0002")
        with engine.begin() as connection:
            tables = set(inspect(connection).get_table_names())
            assert {"account", "trip_entry", "social_account", "social_post"} <= tables
            connection.execute(
                SocialPost.__table__.insert().values(
                    id="p1",
                    platforms=["tiktok"],
                    title="Sleep better",
                    caption="",
                    hashtags=[],
                    status="scheduled",
                    metrics={},
                    external_ids={},
                )
            )
        migrate(engine)
        with engine.begin() as connection:
            tables = set(inspect(connection).get_table_names())
            assert not {"account", "trip_entry", "social_account"} & tables
            row = connection.execute(
                select(SocialPost.title, SocialPost.cloud_post_id, SocialPost.platform_status)
            ).one()
            assert tuple(row) == ("Sleep better", None, {})
        migrate(engine, "base", down=True)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate(engine)
        assert "post_metric" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
