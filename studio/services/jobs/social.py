"""The Growth pipeline as jobs: schedule a post, see it published, fetch its numbers.

The jobs talk to a ``SocialClient``; the desktop's is ``studio.services.social_cloud.CloudSocial``
(the configured cloud, else the embedded service), which does the posting: the service uploads
to each platform at the scheduled time, exactly once, and retries what failed for a passing
reason. So ``social.schedule_post`` hands the post over once (the service's id is kept in
``SocialPost.cloud_post_id``, and the hand-over is idempotent on the local id), and
``social.publish_post`` runs at the time to *read* what the service did, retrying while a
platform is still on its way and stopping with the platform's reason when it refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select

from studio.services.jobs.context import JobContext, JobRefused
from studio.services.jobs.library_files import JobInputError
from studio.services.jobs.registry import job_type
from studio.services.library.models import PostMetric, ShortVariant, SocialPost, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from studio.services.library.db import Library

PUBLISH_ATTEMPTS = 10
PUBLISH_BACKOFF_SECONDS = 5.0
"""A platform can take minutes (processing, the service's own retries): reading its state
again after 5 s, 10 s, 20 s ... waits about 40 minutes in all before the local job gives up.
The Growth tab keeps reading the service's state after that, so a late success still shows."""


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
    variant_id: str | None = None
    hook: str | None = None
    cloud_post_id: str | None = None
    """The post's id on the service once scheduled there."""


@dataclass(frozen=True)
class Published:
    """What a platform returned for a published post."""

    external_id: str
    url: str


class NotPublishedYet(Exception):
    """The platform has not published the post yet (waiting, uploading, or retrying after a
    passing failure): the job tries again later."""


class PublishFailed(JobRefused):
    """The platform refused the post for good; the message carries its reason."""


class SocialClient(Protocol):
    def schedule(self, post: PostDetails) -> str:
        """Hand the post over; returns its id on the service. Safe to call again."""
        ...

    def publish(self, post: PostDetails, platform: str, idempotency_key: str) -> Published:
        """The post as published on ``platform``; ``NotPublishedYet`` or ``PublishFailed``."""
        ...

    def fetch_metrics(
        self, post: PostDetails, platform: str, external_id: str
    ) -> dict[str, Any]: ...

    def refresh(self) -> int:
        """Bring the library's posts up to date with the platforms; how many were updated."""
        ...


SocialFactory = Callable[["Library"], SocialClient]


def _desktop_social(library: Library) -> SocialClient:
    """The desktop's client: the configured cloud, else the embedded service."""
    from studio.services.social_cloud import desktop_social  # noqa: PLC0415  (loads FastAPI)

    return desktop_social(library)


_chosen: dict[str, SocialFactory] = {"factory": _desktop_social}


def set_social_provider(factory: SocialFactory | None) -> None:
    """Choose the client the social jobs use; None goes back to the desktop's cloud."""
    _chosen["factory"] = factory or _desktop_social


def social_for(library: Library) -> SocialClient:
    return _chosen["factory"](library)


def _post(session: Session, payload: Mapping[str, Any]) -> SocialPost:
    post_id = payload.get("post_id")
    post = session.get(SocialPost, str(post_id)) if post_id else None
    if post is None:
        raise JobInputError(f"post {post_id}: no such post")
    return post


def post_details(session: Session, post: SocialPost, library: Library) -> PostDetails:
    """The post with its variant's rendered video (when there is one) and hook."""
    video = None
    hook = None
    if post.variant_id is not None:
        variant = session.get(ShortVariant, post.variant_id)
        if variant is not None:
            if variant.video_path:
                video = library.store.path_of(variant.video_path)
            hook = str(((variant.plan or {}).get("hook") or {}).get("text") or "") or None
    return PostDetails(
        post.id,
        tuple(post.platforms),
        post.title,
        post.caption,
        tuple(post.hashtags),
        post.scheduled_at,
        video,
        post.variant_id,
        hook,
        post.cloud_post_id,
    )


@job_type("social.schedule_post", network=True)
def schedule_post(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Check a post can go out (platforms, a rendered video) and hand it to the client, once.

    Seeing it published is a ``social.publish_post`` job queued with ``not_before``.
    """
    with ctx.library.session() as session:
        post = _post(session, payload)
        details = post_details(session, post, ctx.library)
    if not details.platforms:
        raise JobInputError(f"post {details.id}: no platforms to post to")
    if details.video is None or not details.video.exists():
        raise JobInputError(f"post {details.id}: its short has no rendered video yet")
    remote_id = details.cloud_post_id or social_for(ctx.library).schedule(details)
    with ctx.library.session() as session:
        _post(session, payload).cloud_post_id = remote_id
    when = details.scheduled_at.isoformat() if details.scheduled_at else None
    return {
        "post_id": details.id,
        "cloud_post_id": remote_id,
        "scheduled_at": when,
        "platforms": list(details.platforms),
    }


@job_type(
    "social.publish_post",
    network=True,
    max_attempts=PUBLISH_ATTEMPTS,
    backoff_seconds=PUBLISH_BACKOFF_SECONDS,
)
def publish_post(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Record each platform's published id; retry while one is on its way, and fail with the
    platforms' reasons when one refused (the others' ids are kept)."""
    with ctx.library.session() as session:
        post = _post(session, payload)
        if post.status == "scheduled":
            post.status = "publishing"
        details = post_details(session, post, ctx.library)
        done = dict(post.external_ids)
    client = social_for(ctx.library)
    waiting: list[str] = []
    refused: list[str] = []
    for index, platform in enumerate(details.platforms):
        ctx.cancelled.raise_if_cancelled()
        if platform in done:
            continue
        try:
            published = client.publish(details, platform, ctx.effect_key(platform))
        except NotPublishedYet as error:
            waiting.append(str(error))
            continue
        except PublishFailed as error:
            refused.append(str(error))
            continue
        done[platform] = published.external_id
        with ctx.library.session() as session:
            row = _post(session, payload)
            row.external_ids = {**row.external_ids, platform: published.external_id}
        ctx.log(f"{platform}: published ({published.url})")
        ctx.progress((index + 1) / len(details.platforms), platform)
    if waiting:
        if ctx.final_attempt:
            _set_status(ctx, payload, "failed")
        raise NotPublishedYet("; ".join(waiting))
    if refused:
        _set_status(ctx, payload, "failed")
        raise PublishFailed("; ".join(refused))
    _set_status(ctx, payload, "published")
    return {"post_id": details.id, "external_ids": done}


def _set_status(ctx: JobContext, payload: Mapping[str, Any], status: str) -> None:
    with ctx.library.session() as session:
        _post(session, payload).status = status


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
    """The time-series row for one platform's numbers, or None when it gave none: an empty
    fetch is not a zero, and charting it as one would mislead."""
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


def sample_time(numbers: Mapping[str, Any], default: datetime) -> datetime:
    """When the platform's numbers were taken (the service's ``fetched_at``), else ``default``."""
    raw = numbers.get("fetched_at")
    if isinstance(raw, str):
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            return default
    return default


def add_metric(
    session: Session, post_id: str, platform: str, numbers: Mapping[str, Any], at: datetime
) -> bool:
    """Append the row for one sample unless it is there already (the same sample read twice
    is one point); True when a row was added."""
    row = metric_row(post_id, platform, numbers, at)
    if row is None:
        return False
    known = session.scalar(
        select(PostMetric.id).where(
            PostMetric.post_id == post_id,
            PostMetric.platform == platform,
            PostMetric.fetched_at == at,
        )
    )
    if known is not None:
        return False
    session.add(row)
    return True


@job_type("social.fetch_metrics", network=True)
def fetch_metrics(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Fetch the numbers of each platform a post was published on.

    ``metrics`` keeps the latest numbers per platform; each new sample also appends a
    ``PostMetric`` row per platform, at the time the sample was taken.
    """
    with ctx.library.session() as session:
        post = _post(session, payload)
        details = post_details(session, post, ctx.library)
        published = dict(post.external_ids)
    client = social_for(ctx.library)
    now = utcnow()
    fetched: dict[str, Any] = {}
    for platform, external_id in published.items():
        ctx.cancelled.raise_if_cancelled()
        numbers = client.fetch_metrics(details, platform, str(external_id))
        fetched[platform] = {"fetched_at": now.isoformat(), **numbers}
    with ctx.library.session() as session:
        row = _post(session, payload)
        row.metrics = {**row.metrics, **fetched}
        for platform, numbers in fetched.items():
            add_metric(session, details.id, platform, numbers, sample_time(numbers, now))
    return {"post_id": details.id, "metrics": fetched}
