"""The library database: where it lives, how SQLite is set up, and what the tables keep."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import platformdirs
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import CreateTable

from studio.services.library import Library, data_dir, database_url
from studio.services.library.models import (
    Asset,
    Base,
    BrandKit,
    Job,
    JobEvent,
    Production,
    ProductionAsset,
    Shorts,
    ShortVariant,
    SocialPost,
)

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("STUDIO_DATABASE_URL", raising=False)
    opened = Library.open()
    yield opened
    opened.close()


def test_data_folder_is_studio_data_dir_else_the_platform_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "profile"))
    assert data_dir() == tmp_path / "profile"
    assert database_url().database == str(tmp_path / "profile" / "library.db")
    monkeypatch.delenv("STUDIO_DATA_DIR")
    assert data_dir() == Path(platformdirs.user_data_dir("Studio", "Studio"))


def test_a_database_url_from_the_environment_or_an_argument(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_DATABASE_URL", "postgresql+psycopg://me:secret@db.local:5433/studio")
    url = database_url()
    assert (url.get_backend_name(), url.host, url.port, url.database) == (
        "postgresql",
        "db.local",
        5433,
        "studio",
    )
    other = tmp_path / "elsewhere.db"
    assert database_url(f"sqlite:///{other}").database == str(other)


def test_the_tables_compile_for_postgres() -> None:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    ddl = str(CreateTable(Base.metadata.tables["job"]).compile(dialect=dialect))
    assert "created_at TIMESTAMP WITH TIME ZONE NOT NULL" in ddl
    assert "payload JSON NOT NULL" in ddl
    assert len(Base.metadata.tables) == 11


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(library: Library) -> None:
    with library.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), library.session() as session:
        session.add(Job(type="cinema.plan", production_id="no-such-production"))


def test_a_production_keeps_its_assets_in_order_and_its_plan_revisions(library: Library) -> None:
    with library.session() as session:
        production = Production(title="Harbour", mode="pro", style="cinematic", script_text="Hi.")
        for position, sha in enumerate((SHA_B, SHA_A)):
            asset = Asset(
                id=sha, kind="image", original_name=f"{sha[0]}.jpg", path=f"{sha[:2]}/{sha}.jpg",
                size_bytes=10, meta={"width": 640},
            )  # fmt: skip
            production.asset_links.append(ProductionAsset(asset=asset, position=position))
        session.add(production)
        session.flush()
        production.add_plan({"shots": [1]}, "offline")
        session.flush()
        production.add_plan({"shots": [1, 2]}, "edit")

    with library.session() as session:
        saved = session.get(Production, production.id)
        assert saved is not None
        assert (saved.mode, saved.style, saved.status, saved.final_video) == (
            "pro",
            "cinematic",
            "draft",
            None,
        )
        assert [asset.id for asset in saved.assets] == [SHA_B, SHA_A]
        assert saved.assets[0].meta == {"width": 640}
        current = saved.current_plan()
        assert current is not None
        assert (current.number, current.source, current.plan) == (2, "edit", {"shots": [1, 2]})
        assert [revision.number for revision in saved.plan_revisions] == [1, 2]
        assert saved.created_at.tzinfo is not None
        assert abs(datetime.now(UTC) - saved.created_at) < timedelta(minutes=5)


def test_enumerated_fields_refuse_unknown_values(library: Library) -> None:
    with pytest.raises(IntegrityError, match="ck_production_status"), library.session() as session:
        session.add(Production(title="x", status="finished"))
    with pytest.raises(IntegrityError, match="ck_job_status"), library.session() as session:
        session.add(Job(type="cinema.plan", status="paused"))


def test_a_job_has_queue_defaults_and_an_ordered_event_log(library: Library) -> None:
    with library.session() as session:
        first = Job(type="cinema.plan", payload={"production_id": "p"}, idempotency_key="k1")
        session.add(first)
        session.flush()
        second = Job(type="cinema.render", depends_on_id=first.id, priority=5)
        session.add(second)
        session.flush()
        session.add_all(
            JobEvent(job_id=first.id, kind=kind, message=message, progress=progress)
            for kind, message, progress in (
                ("status", "queued", 0.0),
                ("progress", "planning", 0.5),
                ("log", "3 shots", None),
            )
        )
    with library.session() as session:
        job = session.get(Job, first.id)
        assert job is not None
        assert (job.status, job.priority, job.progress, job.attempts, job.max_attempts) == (
            "queued",
            0,
            0.0,
            0,
            1,
        )
        assert (job.cancel_requested, job.result, job.checkpoint, job.not_before) == (
            False,
            None,
            None,
            None,
        )
        events = session.scalars(
            select(JobEvent).where(JobEvent.job_id == first.id).order_by(JobEvent.id)
        ).all()
        assert [(event.kind, event.message, event.progress) for event in events] == [
            ("status", "queued", 0.0),
            ("progress", "planning", 0.5),
            ("log", "3 shots", None),
        ]
        chained = session.get(Job, second.id)
        assert chained is not None
        assert (chained.depends_on_id, chained.priority) == (first.id, 5)
    with pytest.raises(IntegrityError, match="idempotency_key"), library.session() as session:
        session.add(Job(type="cinema.plan", idempotency_key="k1"))


def test_shorts_variants_posts_and_brand_kits(library: Library) -> None:
    with library.session() as session:
        shorts = Shorts(title="Hooks", source_type="idea", source_payload={"idea": "one idea"})
        variant = ShortVariant(variant_id="v1", format="9_16", plan={"variant_id": "v1"})
        shorts.variants.append(variant)
        session.add(shorts)
        session.flush()
        session.add(
            SocialPost(
                variant_id=variant.id,
                platforms=["tiktok", "youtube_shorts"],
                title="Stop wasting your content",
                caption="Here is how.",
                hashtags=["#content", "#shorts"],
                scheduled_at=datetime(2026, 1, 5, 18, 0, tzinfo=UTC),
            )
        )
        session.add(BrandKit(name="Mine", document={"colors": {"primary": "#112233"}}))

    with library.session() as session:
        post = session.scalars(select(SocialPost)).one()
        assert (post.platforms, post.hashtags, post.status, post.metrics) == (
            ["tiktok", "youtube_shorts"],
            ["#content", "#shorts"],
            "scheduled",
            {},
        )
        assert post.scheduled_at == datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
        assert session.scalars(select(BrandKit.document)).one() == {
            "colors": {"primary": "#112233"}
        }

    with pytest.raises(IntegrityError, match="variant_id"), library.session() as session:
        session.add(ShortVariant(shorts_id=shorts.id, variant_id="v1", format="1_1", plan={}))


def test_a_failed_block_rolls_back_everything_in_it(library: Library) -> None:
    def half_done() -> None:
        with library.session() as session:
            session.add(Production(title="half done"))
            session.flush()
            raise RuntimeError("the disk filled up")

    with pytest.raises(RuntimeError, match="disk filled up"):
        half_done()
    with library.session(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Production)) == 0


def _enqueue_many(data: str, start: multiprocessing.synchronize.Barrier, count: int) -> None:
    """One process: open the (fresh) library when the other does, then enqueue jobs one by one."""
    start.wait()
    library = Library.open(data=Path(data))
    try:
        for number in range(count):
            with library.session() as session:
                key = f"{multiprocessing.current_process().name}:{number}"
                # Read, then write: the pattern that fails at once in a deferred SQLite transaction.
                if session.scalar(select(Job.id).where(Job.idempotency_key == key)) is None:
                    session.add(Job(type="cinema.plan", payload={"n": number}, idempotency_key=key))
    finally:
        library.close()


def test_two_processes_open_a_fresh_library_and_enqueue_at_once(tmp_path: Path) -> None:
    data = tmp_path / "shared"
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(2)
    workers = [
        spawn.Process(target=_enqueue_many, args=(str(data), start, 40), name=f"w{index}")
        for index in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]

    library = Library.open(data=data)
    with library.session(readonly=True) as session:
        keys = set(session.scalars(select(Job.idempotency_key)))
        revision = session.execute(text("SELECT version_num FROM alembic_version")).all()
    library.close()
    assert keys == {f"w{worker}:{number}" for worker in range(2) for number in range(40)}
    assert revision == [("0004",)]
