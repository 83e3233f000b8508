"""The social tables, on the cloud's own ``CloudBase`` so its migrations and checks see them.

A post targets several platforms; each (post, platform) has exactly one ``PublishRecord``, the
idempotency record a worker must claim (an atomic ``UPDATE ... WHERE status = 'pending'``) before
it uploads and that it settles after. ``ResumeEntry`` keeps what the adapters need to pick an
interrupted upload up again (YouTube's session URI, Instagram's container, X's tweet id...), so a
worker killed mid-upload is resumed by the next one instead of posting a second time.
``MetricSample`` is a time series: one row per fetch, never updated. ``SocialVideo`` is a video
the desktop rendered and uploaded for its posts (one row per owner and content hash).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from studio.cloud.models import CloudBase
from studio.services.library.models import new_id, utcnow

PLATFORMS = ("youtube", "tiktok", "instagram", "x")
ACCOUNT_STATUSES = ("connected", "needs_reconnect", "revoked")
PUBLISH_STATUSES = ("pending", "publishing", "published", "failed")


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class SocialAccount(CloudBase):
    """A connected platform account; ``token_ciphertext`` is the Fernet-encrypted token set."""

    __tablename__ = "cloud_social_account"
    __table_args__ = (
        _one_of("platform", PLATFORMS),
        _one_of("status", ACCOUNT_STATUSES),
        UniqueConstraint("owner_id", "platform", "account_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str] = mapped_column(String(200))
    handle: Mapped[str | None] = mapped_column(String(200))
    token_ciphertext: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="connected")
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SocialVideo(CloudBase):
    """An uploaded video, kept at ``path`` under the runtime's video folder. The same bytes
    uploaded again by the same owner are the same row (``sha256``)."""

    __tablename__ = "cloud_social_video"
    __table_args__ = (UniqueConstraint("owner_id", "sha256"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    duration_seconds: Mapped[float] = mapped_column(Float)
    path: Mapped[str] = mapped_column(String(300))
    """Relative to the video folder: ``<owner id>/<sha256><suffix>``."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SocialPost(CloudBase):
    """One short variant scheduled to one or more platforms (``scheduled_at`` is UTC)."""

    __tablename__ = "cloud_social_post"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    shorts_id: Mapped[str | None] = mapped_column(String(32))
    variant_id: Mapped[str] = mapped_column(String(100))
    hook: Mapped[str | None] = mapped_column(Text)
    platforms: Mapped[list[Any]] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(String(300))
    caption: Mapped[str] = mapped_column(Text)
    hashtags: Mapped[list[Any]] = mapped_column(JSON)
    scheduled_at: Mapped[datetime] = mapped_column(index=True)
    video_id: Mapped[str | None] = mapped_column(ForeignKey("cloud_social_video.id"))
    """The uploaded video to publish; None means the render queue's video of the variant."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublishRecord(CloudBase):
    """The idempotency record of one (post, platform): claimed before the upload, settled after.

    ``claim_token``/``claimed_at`` say which worker holds it; a claim older than the lease is
    taken over (its worker died). ``late`` is set when it published after its schedule's grace.
    """

    __tablename__ = "cloud_social_publish"
    __table_args__ = (
        _one_of("platform", PLATFORMS),
        _one_of("status", PUBLISH_STATUSES),
        UniqueConstraint("post_id", "platform"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(ForeignKey("cloud_social_post.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    account_ref: Mapped[str] = mapped_column(ForeignKey("cloud_social_account.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None]
    """After a transient failure: not before this (the backoff), whoever triggers it."""
    external_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(Boolean, default=False)


class ResumeEntry(CloudBase):
    """One adapter's resumable state: ``slot`` names the adapter's map
    (``youtube.upload_sessions``), ``key`` is the publish's idempotency key."""

    __tablename__ = "cloud_social_resume"

    slot: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MetricSample(CloudBase):
    """What one platform reported for one post at ``fetched_at``; None where it does not count."""

    __tablename__ = "cloud_social_metric"
    __table_args__ = (Index("ix_cloud_social_metric_series", "post_id", "platform", "fetched_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    post_id: Mapped[str] = mapped_column(ForeignKey("cloud_social_post.id"))
    platform: Mapped[str] = mapped_column(String(16))
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    views: Mapped[int] = mapped_column(Integer)
    likes: Mapped[int] = mapped_column(Integer)
    comments: Mapped[int] = mapped_column(Integer)
    shares: Mapped[int | None] = mapped_column(Integer)
    watch_time_seconds: Mapped[float | None] = mapped_column(Float)
