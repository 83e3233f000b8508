"""The social jobs against a stand-in for the Studio service: the post is handed over once,
each platform's id is recorded once, a platform on its way is waited for, a refusal stops with
the platform's reason, and each metrics sample is one point of the series."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from studio.services.growth import totals_per_hook, totals_per_variant, variant_series
from studio.services.jobs import LocalRunner
from studio.services.jobs.social import (
    NotPublishedYet,
    PostDetails,
    Published,
    PublishFailed,
    set_social_provider,
)
from studio.services.library.db import Library
from studio.services.library.models import PostMetric, Shorts, ShortVariant, SocialPost
from tests.jobs import job_registry, open_library

SAMPLE = datetime(2030, 1, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return open_library(tmp_path / "data")


class Service:
    """What the service would answer: per platform "pending", "published" or a refusal; the
    numbers of each platform's latest sample. Records every call it gets."""

    def __init__(self) -> None:
        self.scheduled: list[PostDetails] = []
        self.reads: list[str] = []
        self.states: dict[str, str] = {}
        self.pending_reads = 0
        """Reads that still answer "pending" before the state above shows."""
        self.samples: dict[str, dict[str, Any]] = {}

    def schedule(self, post: PostDetails) -> str:
        self.scheduled.append(post)
        return f"remote-{post.id}"

    def publish(self, post: PostDetails, platform: str, idempotency_key: str) -> Published:
        self.reads.append(platform)
        if self.pending_reads > 0:
            self.pending_reads -= 1
            raise NotPublishedYet(f"{platform}: not published yet (pending)")
        state = self.states.get(platform, "published")
        if state != "published":
            raise PublishFailed(f"{platform}: {state}")
        return Published(f"{platform}-id-{post.id[:6]}", f"https://{platform}.example/{post.id}")

    def fetch_metrics(self, post: PostDetails, platform: str, external_id: str) -> dict[str, Any]:
        return dict(self.samples.get(platform, {}))

    def refresh(self) -> int:
        return 0


@pytest.fixture
def service() -> Iterator[Service]:
    made = Service()
    set_social_provider(lambda _library: made)
    yield made
    set_social_provider(None)


def runner_for(library: Library) -> LocalRunner:
    """The real job types, with publishing's backoff shortened so a retry comes at once."""
    registry = job_registry()
    publish = registry.get("social.publish_post")
    registry.add(dataclasses.replace(publish, backoff_seconds=0.02))
    return LocalRunner(library, registry=registry, poll_interval=0.02)


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
            platforms=["tiktok", "youtube"],
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


def test_a_post_is_handed_to_the_service_once_whatever_runs_the_schedule_again(
    library: Library, tmp_path: Path, service: Service
) -> None:
    post_id = post_with_video(library, tmp_path)
    runner = runner_for(library)
    first = runner.enqueue("social.schedule_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)
    again = runner.enqueue("social.schedule_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)

    assert runner.get(first.id).result == {
        "post_id": post_id,
        "cloud_post_id": f"remote-{post_id}",
        "scheduled_at": "2030-01-02T09:30:00+00:00",
        "platforms": ["tiktok", "youtube"],
    }
    assert runner.get(again.id).result == runner.get(first.id).result
    [handed] = service.scheduled
    assert (handed.title, handed.hook, handed.platforms) == (
        "Stop scrolling",
        "Stop scrolling",
        ("tiktok", "youtube"),
    )
    assert handed.video is not None
    assert handed.video.read_bytes() == (tmp_path / "short.mp4").read_bytes()
    post = post_row(library, post_id)
    assert (post.cloud_post_id, post.status) == (f"remote-{post_id}", "scheduled")


def test_publishing_waits_for_a_platform_on_its_way_and_records_each_id_once(
    library: Library, tmp_path: Path, service: Service
) -> None:
    post_id = post_with_video(library, tmp_path)
    service.pending_reads = 2
    runner = runner_for(library)
    job = runner.enqueue("social.publish_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)

    done = runner.get(job.id)
    assert (done.status, done.attempts) == ("succeeded", 2), "the pending platform was awaited"
    post = post_row(library, post_id)
    assert post.status == "published"
    assert post.external_ids == {
        "tiktok": f"tiktok-id-{post_id[:6]}",
        "youtube": f"youtube-id-{post_id[:6]}",
    }
    reads = len(service.reads)
    again = runner.enqueue("social.publish_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)
    assert runner.get(again.id).result == done.result
    assert len(service.reads) == reads, "platforms already published are not asked again"


def test_a_refusal_fails_the_post_with_the_platforms_reason_and_is_not_retried(
    library: Library, tmp_path: Path, service: Service
) -> None:
    post_id = post_with_video(library, tmp_path)
    service.states["youtube"] = "the video is too long for a Short"
    runner = runner_for(library)
    job = runner.enqueue("social.publish_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)

    refused = runner.get(job.id)
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert refused.error == "youtube: the video is too long for a Short"
    post = post_row(library, post_id)
    assert post.status == "failed"
    assert post.external_ids == {"tiktok": f"tiktok-id-{post_id[:6]}"}, "TikTok's id is kept"


def test_scheduling_a_post_without_a_video_fails_at_once(
    library: Library, tmp_path: Path, service: Service
) -> None:
    post_id = post_with_video(library, tmp_path, rendered=False)
    runner = runner_for(library)
    job = runner.enqueue("social.schedule_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)
    refused = runner.get(job.id)
    assert (refused.status, refused.attempts) == ("failed", 1), "bad input is not retried"
    assert refused.error == f"post {post_id}: its short has no rendered video yet"
    assert service.scheduled == []


def sample(at: datetime, views: int, likes: int, watched: float) -> dict[str, Any]:
    return {
        "fetched_at": at.isoformat(),
        "views": views,
        "likes": likes,
        "comments": 0,
        "shares": None,
        "watch_time_seconds": watched,
    }


def test_each_new_sample_is_one_point_and_the_series_adds_the_platforms_up(
    library: Library, tmp_path: Path, service: Service
) -> None:
    post_id = post_with_video(library, tmp_path)
    runner = runner_for(library)
    runner.enqueue("social.publish_post", {"post_id": post_id})
    runner.run_until_idle(timeout=30)
    later = SAMPLE + timedelta(minutes=30)
    rounds = [
        {"tiktok": sample(SAMPLE, 100, 1, 2.5), "youtube": sample(SAMPLE, 20, 2, 5.0)},
        {"tiktok": sample(SAMPLE, 100, 1, 2.5), "youtube": sample(SAMPLE, 20, 2, 5.0)},
        {"tiktok": sample(later, 300, 3, 7.5), "youtube": sample(later, 40, 4, 10.0)},
    ]
    for numbers in rounds:  # the second round reads the same samples again
        service.samples = numbers
        runner.enqueue("social.fetch_metrics", {"post_id": post_id})
        runner.run_until_idle(timeout=30)

    columns = (
        PostMetric.platform,
        PostMetric.fetched_at,
        PostMetric.views,
        PostMetric.likes,
        PostMetric.shares,
        PostMetric.watch_time_seconds,
    )
    with library.session(readonly=True) as session:
        rows = session.execute(select(*columns).order_by(PostMetric.id)).all()
        variant_id = session.scalars(select(SocialPost.variant_id)).one()
    assert [tuple(row) for row in rows] == [
        ("tiktok", SAMPLE, 100, 1, 0, 2.5),
        ("youtube", SAMPLE, 20, 2, 0, 5.0),
        ("tiktok", later, 300, 3, 0, 7.5),
        ("youtube", later, 40, 4, 0, 10.0),
    ]
    latest = post_row(library, post_id).metrics
    assert (latest["tiktok"]["views"], latest["youtube"]["views"]) == (300, 40)

    [series] = variant_series(library)
    assert series.variant_id == variant_id
    assert series.hook == "Stop scrolling"
    assert [(p.at, p.views, p.likes, p.watch_time_seconds) for p in series.points] == [
        (SAMPLE, 120, 3, 7.5),
        (later, 340, 7, 17.5),
    ]
    [per_variant] = totals_per_variant([series])
    assert (per_variant.key, per_variant.views, per_variant.watch_time_seconds) == (
        variant_id,
        340,
        17.5,
    )
    assert [(t.label, t.views) for t in totals_per_hook([series])] == [("Stop scrolling", 340)]


def test_a_fetch_without_numbers_adds_no_metric_row(
    library: Library, tmp_path: Path, service: Service
) -> None:
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
