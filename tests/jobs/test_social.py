"""The social jobs against the local client: an honest outbox, each platform once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from studio.services.growth import totals_per_hook, totals_per_variant, variant_series
from studio.services.jobs import LocalRunner
from studio.services.jobs.social import LocalSocial, PostDetails, set_social_provider
from studio.services.library.db import Library
from studio.services.library.models import PostMetric, Shorts, ShortVariant, SocialPost
from tests.jobs import job_registry, open_library


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return open_library(tmp_path / "data")


def runner_for(library: Library) -> LocalRunner:
    return LocalRunner(library, registry=job_registry(), poll_interval=0.02)


def post_with_video(library: Library, tmp_path: Path, rendered: bool = True) -> str:
    video = tmp_path / "short.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42 a stand-in for a rendered short")
    stored = library.store.put(video) if rendered else None
    with library.session() as session:
        batch = Shorts(title="Tips", source_type="idea")
        session.add(batch)
        session.flush()
        variant = ShortVariant(
            shorts_id=batch.id,
            variant_id="v1",
            format="9_16",
            plan={"hook": {"text": "Stop scrolling"}},
            video_path=stored.path if stored else None,
        )
        session.add(variant)
        session.flush()
        post = SocialPost(
            variant_id=variant.id,
            platforms=["tiktok", "youtube_shorts"],
            title="Stop scrolling",
            caption="Three tips nobody tells you",
            hashtags=["#tips", "#shorts"],
            scheduled_at=datetime(2030, 1, 2, 9, 30, tzinfo=UTC),
        )
        session.add(post)
        session.flush()
        return post.id


def post_row(library: Library, post_id: str) -> SocialPost:
    with library.session() as session:
        post = session.get(SocialPost, post_id)
        assert post is not None
        return post


def test_publishing_twice_saves_each_platform_once_in_the_outbox(
    library: Library, tmp_path: Path
) -> None:
    post_id = post_with_video(library, tmp_path)
    runner = runner_for(library)
    scheduled = runner.enqueue("social.schedule_post", {"post_id": post_id})
    first = runner.enqueue("social.publish_post", {"post_id": post_id}, depends_on=scheduled.id)
    runner.run_until_idle(timeout=30)
    assert runner.get(scheduled.id).result == {
        "post_id": post_id,
        "scheduled_at": "2030-01-02T09:30:00+00:00",
        "platforms": ["tiktok", "youtube_shorts"],
    }
    outbox = library.data_dir / "outbox" / "tiktok" / post_id
    metadata = json.loads((outbox / "metadata.json").read_text())
    assert metadata["caption"] == "Three tips nobody tells you"
    assert metadata["hashtags"] == ["#tips", "#shorts"]
    assert metadata["note"] == "saved locally; not sent to tiktok"
    assert (outbox / "video.mp4").read_bytes() == (tmp_path / "short.mp4").read_bytes()

    second = runner.enqueue("social.publish_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)
    assert runner.get(second.id).result == runner.get(first.id).result
    assert json.loads((outbox / "metadata.json").read_text()) == metadata, "not written again"
    assert sorted(p.name for p in (library.data_dir / "outbox").iterdir()) == [
        "tiktok",
        "youtube_shorts",
    ]
    assert [p.name for p in (library.data_dir / "outbox" / "tiktok").iterdir()] == [post_id]
    post = post_row(library, post_id)
    assert post.status == "published"
    assert post.external_ids == {
        "tiktok": f"local:tiktok:{post_id}",
        "youtube_shorts": f"local:youtube_shorts:{post_id}",
    }


def test_metrics_of_a_local_post_say_there_are_none(library: Library, tmp_path: Path) -> None:
    post_id = post_with_video(library, tmp_path)
    runner = runner_for(library)
    runner.enqueue_chain(
        [
            ("social.publish_post", {"post_id": post_id}),
            ("social.fetch_metrics", {"post_id": post_id}),
        ]
    )
    runner.run_until_idle(timeout=30)
    metrics = post_row(library, post_id).metrics
    assert set(metrics) == {"tiktok", "youtube_shorts"}
    assert metrics["tiktok"]["source"] == "local"
    assert "no numbers" in metrics["tiktok"]["note"]


def test_scheduling_a_post_without_a_video_fails_at_once(library: Library, tmp_path: Path) -> None:
    post_id = post_with_video(library, tmp_path, rendered=False)
    runner = runner_for(library)
    job = runner.enqueue("social.schedule_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)
    refused = runner.get(job.id)
    assert (refused.status, refused.attempts) == ("failed", 1), "bad input is not retried"
    assert refused.error == f"post {post_id}: its short has no rendered video yet"


class GrowingAudience(LocalSocial):
    """The outbox for publishing, and numbers that grow by each fetch (a platform's stand-in)."""

    fetches = 0

    def fetch_metrics(self, post: PostDetails, platform: str, external_id: str) -> dict[str, Any]:
        GrowingAudience.fetches += 1
        step = GrowingAudience.fetches
        views = 100 * step if platform == "tiktok" else 10 * step
        return {"views": views, "likes": step, "comments": 0, "watch_time_seconds": 2.5 * step}


@pytest.fixture
def growing() -> Iterator[None]:
    GrowingAudience.fetches = 0
    set_social_provider(GrowingAudience)
    yield
    set_social_provider(LocalSocial)


def test_each_fetch_appends_a_metric_row_per_platform_and_the_series_adds_them_up(
    library: Library, tmp_path: Path, growing: None
) -> None:
    post_id = post_with_video(library, tmp_path)
    runner = runner_for(library)
    runner.enqueue("social.publish_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)
    for _ in range(2):
        runner.enqueue("social.fetch_metrics", {"post_id": post_id})
        runner.run_until_idle(timeout=30)

    columns = (
        PostMetric.platform,
        PostMetric.views,
        PostMetric.likes,
        PostMetric.shares,
        PostMetric.watch_time_seconds,
    )
    with library.session(readonly=True) as session:
        rows = session.execute(select(*columns).order_by(PostMetric.id)).all()
        times = session.scalars(select(PostMetric.fetched_at).order_by(PostMetric.id)).all()
        variant_id = session.scalars(select(SocialPost.variant_id)).one()
    assert [tuple(row) for row in rows] == [
        ("tiktok", 100, 1, 0, 2.5),
        ("youtube_shorts", 20, 2, 0, 5.0),
        ("tiktok", 300, 3, 0, 7.5),
        ("youtube_shorts", 40, 4, 0, 10.0),
    ]
    assert times[0] == times[1] < times[2] == times[3], "one time per fetch"
    latest = post_row(library, post_id).metrics
    assert (latest["tiktok"]["views"], latest["youtube_shorts"]["views"]) == (300, 40)

    [series] = variant_series(library)
    assert series.variant_id == variant_id
    assert series.hook == "Stop scrolling"
    assert [(p.at, p.views, p.likes) for p in series.points] == [
        (times[0], 120, 3),
        (times[2], 340, 7),
    ]
    [per_variant] = totals_per_variant([series])
    assert (per_variant.key, per_variant.views, per_variant.likes) == (variant_id, 340, 7)
    assert [(t.label, t.views) for t in totals_per_hook([series])] == [("Stop scrolling", 340)]


def test_a_fetch_without_numbers_adds_no_metric_row(library: Library, tmp_path: Path) -> None:
    post_id = post_with_video(library, tmp_path)
    runner = runner_for(library)
    runner.enqueue_chain(
        [
            ("social.publish_post", {"post_id": post_id}),
            ("social.fetch_metrics", {"post_id": post_id}),
        ]
    )
    runner.run_until_idle(timeout=30)
    with library.session(readonly=True) as session:
        assert session.scalars(select(PostMetric)).all() == []
    assert variant_series(library) == []
