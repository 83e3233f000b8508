"""Request and response bodies of the social endpoints; every time is UTC (ISO 8601, ``Z``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

Platform = Literal["youtube", "tiktok", "instagram", "x"]
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


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


def _loopback(value: str) -> str:
    """The desktop's own listener (RFC 8252 loopback redirect), never a remote site: an
    authorisation URL that sends the code elsewhere would hand the account over."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        port, parts = None, None
    if parts is None or parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError("must be a loopback http URL such as http://127.0.0.1:<port>/callback")
    if port is None or parts.fragment or parts.username:
        raise ValueError("must be http://127.0.0.1:<port>/... with a port and no fragment")
    return value


LoopbackUrl = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_loopback)]


class PlatformOut(BaseModel):
    """Whether this service can connect ``platform``; ``reason`` says what is missing if not."""

    platform: str
    name: str
    configured: bool
    reason: str | None


class AuthorizationCreate(Body):
    """The desktop's PKCE values; the service adds its client id and builds the URL."""

    platform: Platform
    state: str = Field(min_length=1, max_length=500)
    code_challenge: str = Field(pattern=r"^[A-Za-z0-9_-]{43,128}$")
    """BASE64URL(SHA256(code_verifier)), unpadded (RFC 7636 S256)."""
    redirect_uri: LoopbackUrl


class AuthorizationOut(BaseModel):
    platform: str
    authorize_url: str
    """Open in the user's browser; the platform redirects to ``redirect_uri`` with the code."""


class VideoOut(BaseModel):
    """An uploaded video, to name in ``PostCreate.video_id``."""

    id: str
    bytes: int
    sha256: str
    duration_seconds: float


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
    video_id: str | None = Field(default=None, min_length=1, max_length=32)
    """An uploaded video (``POST /social/videos``); without one the service's own render of the
    variant is published."""


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
    url: str | None
    """The public link, where the platform's id gives one (YouTube, X); None otherwise."""
    metrics: MetricsSummary | None


class PostOut(BaseModel):
    id: str
    shorts_id: str | None
    variant_id: str
    hook: str | None
    video_id: str | None
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
