"""The Growth pipeline as jobs: schedule a post, publish it, fetch its numbers.

The jobs talk to a ``SocialClient``. The cloud issue provides the real one (the service posts to
the platforms); until then ``LocalSocial`` stands in and says so: "publishing" copies the video
and its metadata into an outbox folder in the data folder, and there are no audience numbers.
Publishing happens once per post and platform: the post's ``external_ids`` record what was
published, and the local outbox folder appears by an atomic rename that a second try cannot
repeat.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from studio.services.jobs.context import JobContext
from studio.services.jobs.library_files import JobInputError
from studio.services.jobs.registry import job_type
from studio.services.library.models import PostMetric, ShortVariant, SocialPost, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from studio.services.library.db import Library

OUTBOX_FOLDER = "outbox"


@dataclass(frozen=True)
class PostDetails:
    """A post as a client needs it: the words, the platforms, the time, the video file."""

    id: str
    platforms: tuple[str, ...]
    title: str
    caption: str
    hashtags: tuple[str, ...]
    scheduled_at: datetime | None
    video: Path | None


@dataclass(frozen=True)
class Published:
    """What a platform returned for a published post."""

    external_id: str
    url: str
    local: bool = False


class SocialClient(Protocol):
    def schedule(self, post: PostDetails) -> None: ...

    def publish(self, post: PostDetails, platform: str, idempotency_key: str) -> Published: ...

    def fetch_metrics(
        self, post: PostDetails, platform: str, external_id: str
    ) -> dict[str, Any]: ...


class LocalSocial:
    """Posting without the cloud: an outbox folder per platform, and no numbers."""

    def __init__(self, library: Library) -> None:
        self.outbox = Path(library.data_dir) / OUTBOX_FOLDER

    def schedule(self, post: PostDetails) -> None:
        """Nothing to tell a platform: the local queue publishes at the scheduled time."""

    def publish(self, post: PostDetails, platform: str, idempotency_key: str) -> Published:
        target = self.outbox / platform / post.id
        if not target.exists():
            self._write(post, platform, idempotency_key, target)
        return Published(f"local:{platform}:{post.id}", target.as_uri(), local=True)

    def fetch_metrics(self, post: PostDetails, platform: str, external_id: str) -> dict[str, Any]:
        return {"source": "local", "note": "saved to the local outbox, not posted: no numbers"}

    def _write(self, post: PostDetails, platform: str, key: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{post.id}.", dir=target.parent))
        try:
            if post.video is not None:
                shutil.copyfile(post.video, staging / f"video{post.video.suffix}")
            metadata = {
                "post_id": post.id,
                "platform": platform,
                "title": post.title,
                "caption": post.caption,
                "hashtags": list(post.hashtags),
                "scheduled_at": post.scheduled_at.isoformat() if post.scheduled_at else None,
                "saved_at": utcnow().isoformat(),
                "idempotency_key": key,
                "note": f"saved locally; not sent to {platform}",
            }
            (staging / "metadata.json").write_text(json.dumps(metadata, indent=2), "utf-8")
            os.rename(staging, target)
        except OSError:
            if not target.exists():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)


SocialFactory = Callable[["Library"], SocialClient]
_chosen: dict[str, SocialFactory] = {"factory": LocalSocial}


def set_social_provider(factory: SocialFactory) -> None:
    """Choose the client the social jobs use (the cloud client sets its own when signed in)."""
    _chosen["factory"] = factory


def social_for(library: Library) -> SocialClient:
    return _chosen["factory"](library)


def _post(session: Session, payload: Mapping[str, Any]) -> SocialPost:
    post_id = payload.get("post_id")
    post = session.get(SocialPost, str(post_id)) if post_id else None
    if post is None:
        raise JobInputError(f"post {post_id}: no such post")
    return post


def _details(session: Session, post: SocialPost, ctx: JobContext) -> PostDetails:
    video = None
    if post.variant_id is not None:
        variant = session.get(ShortVariant, post.variant_id)
        if variant is not None and variant.video_path:
            video = ctx.library.store.path_of(variant.video_path)
    return PostDetails(
        post.id,
        tuple(post.platforms),
        post.title,
        post.caption,
        tuple(post.hashtags),
        post.scheduled_at,
        video,
    )


@job_type("social.schedule_post", network=True)
def schedule_post(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Check a post can go out (platforms, a rendered video) and hand it to the client.

    Publishing at the time is a ``social.publish_post`` job queued with ``not_before``.
    """
    with ctx.library.session() as session:
        post = _post(session, payload)
        details = _details(session, post, ctx)
    if not details.platforms:
        raise JobInputError(f"post {details.id}: no platforms to post to")
    if details.video is None or not details.video.exists():
        raise JobInputError(f"post {details.id}: its short has no rendered video yet")
    social_for(ctx.library).schedule(details)
    with ctx.library.session() as session:
        _post(session, payload).status = "scheduled"
    when = details.scheduled_at.isoformat() if details.scheduled_at else None
    return {"post_id": details.id, "scheduled_at": when, "platforms": list(details.platforms)}


@job_type("social.publish_post", network=True)
def publish_post(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Publish a post on each of its platforms, once each, recording every platform's id."""
    with ctx.library.session() as session:
        post = _post(session, payload)
        post.status = "publishing"
        details = _details(session, post, ctx)
        done = dict(post.external_ids)
    client = social_for(ctx.library)
    try:
        for index, platform in enumerate(details.platforms):
            ctx.cancelled.raise_if_cancelled()
            if platform in done:
                continue
            published = client.publish(details, platform, ctx.effect_key(platform))
            done[platform] = published.external_id
            with ctx.library.session() as session:
                row = _post(session, payload)
                row.external_ids = {**row.external_ids, platform: published.external_id}
            where = "saved to the local outbox" if published.local else "published"
            ctx.log(f"{platform}: {where} ({published.url})")
            ctx.progress((index + 1) / len(details.platforms), platform)
    except Exception:
        if ctx.final_attempt:
            with ctx.library.session() as session:
                _post(session, payload).status = "failed"
        raise
    with ctx.library.session() as session:
        _post(session, payload).status = "published"
    return {"post_id": details.id, "external_ids": done}


COUNTS = ("views", "likes", "comments", "shares")
"""The numbers a ``PostMetric`` row keeps; a client may add others to the summary."""


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _count(value: object) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def metric_row(
    post_id: str, platform: str, numbers: Mapping[str, Any], fetched_at: datetime
) -> PostMetric | None:
    """The time-series row for one platform's numbers, or None when it gave none (the local
    outbox): an empty fetch is not a zero, and charting it as one would mislead."""
    counts = {key: _count(numbers.get(key)) for key in COUNTS}
    if all(value is None for value in counts.values()):
        return None
    return PostMetric(
        post_id=post_id,
        platform=platform,
        fetched_at=fetched_at,
        **{key: value or 0 for key, value in counts.items()},
        watch_time_seconds=_number(numbers.get("watch_time_seconds")),
    )


@job_type("social.fetch_metrics", network=True)
def fetch_metrics(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Fetch the numbers of each platform a post was published on.

    ``metrics`` keeps the latest numbers per platform; each fetch with numbers also appends a
    ``PostMetric`` row per platform, all stamped with one time so a fetch is one point.
    """
    with ctx.library.session() as session:
        post = _post(session, payload)
        details = _details(session, post, ctx)
        published = dict(post.external_ids)
    client = social_for(ctx.library)
    fetched_at = utcnow()
    fetched: dict[str, Any] = {}
    for platform, external_id in published.items():
        ctx.cancelled.raise_if_cancelled()
        numbers = client.fetch_metrics(details, platform, str(external_id))
        fetched[platform] = {**numbers, "fetched_at": fetched_at.isoformat()}
    with ctx.library.session() as session:
        row = _post(session, payload)
        row.metrics = {**row.metrics, **fetched}
        for platform, numbers in fetched.items():
            metric = metric_row(details.id, platform, numbers, fetched_at)
            if metric is not None:
                session.add(metric)
    return {"post_id": details.id, "metrics": fetched}
