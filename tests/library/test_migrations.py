"""Migrations: up and down on empty and populated libraries, and in step with the models."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect, select

from studio.services.library import Library, alembic_config, make_engine, migrate
from studio.services.library.models import (
    Base,
    Job,
    PlanRevision,
    PostMetric,
    Production,
    SocialPost,
)

TABLES = {
    "asset",
    "brand_kit",
    "job",
    "job_event",
    "plan_revision",
    "production",
    "production_asset",
    "short_variant",
    "shorts",
    "social_post",
    "post_metric",
}


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("STUDIO_DATABASE_URL", raising=False)
    opened = Library.open()
    yield opened
    opened.close()


def _tables(library: Library) -> set[str]:
    return set(inspect(library.engine).get_table_names()) - {"alembic_version"}


def _revision(library: Library) -> str | None:
    with library.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_fresh_library_is_at_head_with_every_table(library: Library) -> None:
    assert _tables(library) == TABLES
    assert _revision(library) == "0004"
    assert (library.data_dir / "library.db").is_file()


def test_down_to_base_and_up_again_on_an_empty_library(library: Library) -> None:
    migrate(library.engine, "base", down=True)
    assert _tables(library) == set()
    assert _revision(library) is None
    migrate(library.engine)
    assert _tables(library) == TABLES


def test_rows_survive_reopening_and_a_round_trip_leaves_a_working_library(
    library: Library,
) -> None:
    with library.session() as session:
        production = Production(title="Lisbon at dawn")
        session.add(production)
        session.flush()
        production.add_plan({"version": "1.0", "shots": []}, "offline")
        session.add(Job(type="cinema.plan", production_id=production.id))
    production_id = production.id
    library.close()

    reopened = Library.open()
    with reopened.session() as session:
        saved = session.get(Production, production_id)
        assert saved is not None
        assert saved.title == "Lisbon at dawn"
        current = saved.current_plan()
        assert current is not None
        assert current.plan == {"version": "1.0", "shots": []}
        assert session.scalar(select(Job.type).where(Job.production_id == production_id)) == (
            "cinema.plan"
        )

    migrate(reopened.engine, "base", down=True)
    assert _tables(reopened) == set()
    migrate(reopened.engine)
    with reopened.session() as session:
        assert session.scalars(select(PlanRevision)).all() == []
        session.add(Production(title="after the round trip"))
    with reopened.session() as session:
        assert session.scalars(select(Production.title)).all() == ["after the round trip"]
    reopened.close()


def test_a_0001_library_upgrades_to_head_with_its_posts_kept(tmp_path: Path) -> None:
    """A library made before metric rows and cloud posts existed opens, gains the table and the
    columns, keeps its posts, and goes back down."""
    data = tmp_path / "old"
    data.mkdir()
    engine = make_engine(f"sqlite:///{data / 'library.db'}")
    migrate(engine, "0001")
    with engine.begin() as connection:
        assert "post_metric" not in inspect(connection).get_table_names()
        connection.execute(
            SocialPost.__table__.insert().values(
                id="p1",
                platforms=["tiktok"],
                title="Sleep better",
                caption="Three tips",
                hashtags=["#sleep"],
                status="published",
                metrics={"tiktok": {"views": 40}},
                external_ids={"tiktok": "local:tiktok:p1"},
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    engine.dispose()

    upgraded = Library.open(data=data)
    assert _revision(upgraded) == "0004"
    at = datetime(2026, 1, 2, 8, 0, tzinfo=UTC)
    with upgraded.session() as session:
        post = session.get(SocialPost, "p1")
        assert post is not None
        assert (post.title, post.metrics) == ("Sleep better", {"tiktok": {"views": 40}})
        assert (post.cloud_post_id, post.platform_status) == (None, {}), "not on a cloud yet"
        session.add(PostMetric(post_id="p1", platform="tiktok", fetched_at=at, views=40))
    with upgraded.session(readonly=True) as session:
        saved = session.scalars(select(PostMetric)).one()
        assert (saved.post_id, saved.views, saved.likes, saved.fetched_at) == ("p1", 40, 0, at)
        assert saved.watch_time_seconds is None

    migrate(upgraded.engine, "0001", down=True)
    assert "post_metric" not in _tables(upgraded)
    assert "cloud_post_id" not in {
        c["name"] for c in inspect(upgraded.engine).get_columns("social_post")
    }
    with upgraded.session(readonly=True) as session:
        assert session.scalars(select(SocialPost.title)).all() == ["Sleep better"]
    upgraded.close()


def _differences(library: Library, metadata: MetaData) -> list[Any]:
    with library.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def test_migrations_and_models_agree(library: Library) -> None:
    assert _differences(library, Base.metadata) == []


def test_the_agreement_check_does_see_a_model_change(library: Library) -> None:
    """The control for the test above: a column the migrations lack is reported."""
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    Table("job", changed, Column("lane", Integer), extend_existing=True)
    differences = _differences(library, changed)
    assert [(diff[0], diff[3].name) for diff in differences] == [("add_column", "lane")]


def test_the_migration_is_plain_ddl_for_postgres_too() -> None:
    """Offline mode renders the Postgres DDL without a server or a driver."""
    out = io.StringIO()
    with redirect_stdout(out):
        command.upgrade(alembic_config("postgresql://studio@db.invalid/studio"), "head", sql=True)
    sql = out.getvalue()
    assert "CREATE TABLE job (" in sql
    assert "TIMESTAMP WITH TIME ZONE" in sql
    assert "ON DELETE CASCADE" in sql
    assert "PRAGMA" not in sql
    assert "IMMEDIATE" not in sql
