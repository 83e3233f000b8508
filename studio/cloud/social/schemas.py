"""Request and response bodies of the social endpoints; every time is UTC (ISO 8601, ``Z``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

Platform = Literal["youtube", "tiktok", "instagram", "x"]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give a time zone (an offset or Z); times are stored in UTC")
    return value.astimezone(UTC)


def _zulu(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


UtcIn = Annotated[datetime, AfterValidator(_aware)]
UtcOut = Annotated[datetime, PlainSerializer(_zulu, return_type=str)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountConnect(Body):
    """What the desktop's PKCE loopback flow ended with; the service exchanges the code."""

    platform: Platform
    code: str = Field(min_length=1, max_length=2000)
    code_verifier: str = Field(min_length=43, max_length=128)
    redirect_uri: str = Field(min_length=1, max_length=500)


class AccountOut(BaseModel):
    id: str
    platform: str
    account_id: str
    handle: str | None
    status: str
    status_reason: str | None
    scopes: list[str]
    created_at: UtcOut


class PostCreate(Body):
    shorts_id: str | None = None
    """The shorts batch the variant belongs to (its hook is read from there)."""
    variant_id: str = Field(min_length=1, max_length=100)
    platforms: list[Platform] = Field(min_length=1, max_length=4)
    title: str = Field(min_length=1, max_length=300)
    caption: str = Field(default="", max_length=5000)
    hashtags: list[str] = Field(default_factory=list, max_length=30)
    scheduled_at: UtcIn
    hook: str | None = Field(default=None, max_length=500)
    """The hook's words, when the variant is not from a shorts batch of this service."""


class MetricsSummary(BaseModel):
    """The latest sample's counts (None where the platform does not count it)."""

    fetched_at: UtcOut
    views: int
    likes: int
    comments: int
    shares: int | None
    watch_time_seconds: float | None


class PlatformStatus(BaseModel):
    platform: str
    account_id: str
    status: str
    """pending, publishing, published or failed."""
    external_id: str | None
    attempts: int
    error: str | None
    """Why it failed (the platform's words), or the last transient error while retrying."""
    retry_at: UtcOut | None
    published_at: UtcOut | None
    late: bool
    metrics: MetricsSummary | None


class PostOut(BaseModel):
    id: str
    shorts_id: str | None
    variant_id: str
    hook: str | None
    title: str
    caption: str
    hashtags: list[str]
    scheduled_at: UtcOut
    status: str
    """scheduled, publishing, published, partly_published or failed (over the platforms)."""
    platforms: list[PlatformStatus]
    created_at: UtcOut


class WebhookAck(BaseModel):
    accepted: bool


class ShortAnalytics(BaseModel):
    """One (short, variant, hook): each platform's latest sample, summed."""

    shorts_id: str | None
    variant_id: str
    hook: str | None
    posts: int
    platforms: list[str]
    views: int
    likes: int
    comments: int
    shares: int
    watch_time_seconds: float
    last_fetched_at: UtcOut | None
