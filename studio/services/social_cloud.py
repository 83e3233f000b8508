"""Posting through the Studio cloud service: the desktop's ``SocialClient``, and connecting
accounts.

``CloudSocial`` hands a local ``SocialPost`` to the service (the variant's MP4 uploaded, then the
post created with an idempotency key made from the local id, so a retried job never makes a
second post) and mirrors what the service says back into the library: the service's post id in
``SocialPost.cloud_post_id``, each platform's state in ``SocialPost.platform_status``, published
ids in ``external_ids``, and each metrics sample as a ``PostMetric`` row. The service does the
publishing itself at the scheduled time, exactly once per platform.

``ConnectAttempt`` runs the PKCE loopback flow (``studio.services.oauth_loopback``) against the
service's authorisation URL and hands the code to the service, which keeps the tokens.
``readable`` turns what can go wrong into a sentence for the Growth tab. No Qt here.
"""

from __future__ import annotations

import contextlib
import threading
import webbrowser
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import select

from studio.services.cloud_client import (
    AuthError,
    CloudClient,
    CloudError,
    Offline,
    PlatformNotConfigured,
)
from studio.services.growth import PLATFORM_NAMES
from studio.services.jobs.social import (
    NotPublishedYet,
    PostDetails,
    Published,
    PublishFailed,
    add_metric,
)
from studio.services.library.models import SocialPost
from studio.services.oauth_loopback import (
    DEFAULT_TIMEOUT_S,
    AuthorizationDenied,
    AuthorizationTimeout,
    LoopbackError,
    authorize,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from studio.services.cloud_client import AccountOut, PlatformStatus, PostOut
    from studio.services.library.db import Library

CANCELLED = "cancelled"
"""The OAuth error the Cancel button answers the loopback with."""


def platform_name(key: str) -> str:
    return PLATFORM_NAMES.get(key, key)


def creation_key(post_id: str) -> str:
    """The key the service post is created under: one local post, one service post."""
    return f"studio-post-{post_id}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def platform_state(status: PlatformStatus) -> dict[str, Any]:
    """One platform's state as the library keeps it (JSON)."""
    return {
        "status": status.status,
        "external_id": status.external_id,
        "url": status.url,
        "error": status.error,
        "retry_at": _iso(status.retry_at),
        "published_at": _iso(status.published_at),
        "late": status.late,
        "attempts": status.attempts,
    }


def local_status(remote: PostOut) -> str:
    """The library's status of a post from the service's: a post partly published is still
    ``publishing`` while a platform is on its way, and ``failed`` once the rest failed."""
    if remote.status != "partly_published":
        return remote.status
    moving = any(item.status in {"pending", "publishing"} for item in remote.platforms)
    return "publishing" if moving else "failed"


def mirror(session: Session, row: SocialPost, remote: PostOut) -> None:
    """Write what the service says of ``remote`` into the local ``row``."""
    row.cloud_post_id = remote.id
    row.platform_status = {item.platform: platform_state(item) for item in remote.platforms}
    published = {
        item.platform: item.external_id
        for item in remote.platforms
        if item.status == "published" and item.external_id
    }
    row.external_ids = {**(row.external_ids or {}), **published}
    row.status = local_status(remote)
    latest = dict(row.metrics or {})
    for item in remote.platforms:
        if item.metrics is None:
            continue
        numbers = item.metrics.model_dump(mode="json")
        latest[item.platform] = numbers
        add_metric(session, row.id, item.platform, numbers, item.metrics.fetched_at)
    row.metrics = latest


class CloudSocial:
    """The ``SocialClient`` of the desktop: every post goes through one cloud client."""

    def __init__(self, client: CloudClient, library: Library) -> None:
        self.client = client
        self.library = library

    def schedule(self, post: PostDetails) -> str:
        if post.video is None:
            raise PublishFailed(f"post {post.id}: its short has no rendered video yet")
        video = self.client.upload_social_video(post.video)
        remote = self.client.create_social_post(
            variant_id=post.variant_id or post.id,
            platforms=list(post.platforms),
            title=post.title or post.hook or "Untitled short",
            caption=post.caption,
            hashtags=tuple(post.hashtags),
            scheduled_at=post.scheduled_at or datetime.now().astimezone(),
            video_id=video.id,
            hook=post.hook,
            idempotency_key=creation_key(post.id),
        )
        self._mirror(post.id, remote)
        return remote.id

    def publish(self, post: PostDetails, platform: str, idempotency_key: str) -> Published:
        item = self._platform(post, platform)
        name = platform_name(platform)
        if item.status == "published":
            return Published(item.external_id or "", item.url or "")
        if item.status == "failed":
            raise PublishFailed(f"{name}: {item.error or 'the platform refused the post'}")
        if item.error:
            when = f", next try at {item.retry_at.astimezone():%H:%M}" if item.retry_at else ""
            raise NotPublishedYet(f"{name}: retrying after '{item.error}'{when}")
        raise NotPublishedYet(f"{name}: not published yet ({item.status})")

    def fetch_metrics(self, post: PostDetails, platform: str, external_id: str) -> dict[str, Any]:
        item = self._platform(post, platform)
        return {} if item.metrics is None else item.metrics.model_dump(mode="json")

    def refresh(self) -> int:
        """Mirror every post the library handed to the service; how many were updated."""
        remote = {post.id: post for post in self.client.social_posts()}
        updated = 0
        with self.library.session() as session:
            rows = session.scalars(select(SocialPost).where(SocialPost.cloud_post_id.is_not(None)))
            for row in rows:
                found = remote.get(str(row.cloud_post_id))
                if found is not None:
                    mirror(session, row, found)
                    updated += 1
        return updated

    def _platform(self, post: PostDetails, platform: str) -> PlatformStatus:
        if post.cloud_post_id is None:
            raise PublishFailed(f"post {post.id} was never handed to the Studio service")
        remote = self.client.social_post(post.cloud_post_id)
        self._mirror(post.id, remote)
        for item in remote.platforms:
            if item.platform == platform:
                return item
        raise PublishFailed(f"{platform_name(platform)}: not one of the post's platforms")

    def _mirror(self, post_id: str, remote: PostOut) -> None:
        with self.library.session() as session:
            row = session.get(SocialPost, post_id)
            if row is not None:
                mirror(session, row, remote)


def desktop_social(library: Library) -> CloudSocial:
    from studio.services.embedded import desktop_cloud_client  # noqa: PLC0415  (loads FastAPI)

    return CloudSocial(desktop_cloud_client(library), library)


# Connecting accounts


class ConnectAttempt:
    """One connect attempt: the browser round trip, then the service's code exchange.

    ``cancel()`` (from another thread) answers the waiting loopback with ``error=cancelled``,
    so ``run`` ends at once with ``AuthorizationDenied`` instead of waiting out the timeout.
    """

    def __init__(
        self,
        client: CloudClient,
        platform: str,
        *,
        open_browser: Callable[[str], bool] = webbrowser.open,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.client = client
        self.platform = platform
        self.open_browser = open_browser
        self.timeout_s = timeout_s
        self._waiting: tuple[str, str] | None = None
        self._cancelled = threading.Event()
        self._lock = threading.Lock()

    def _build_url(self, state: str, challenge: str, redirect_uri: str) -> str:
        with self._lock:
            self._waiting = (state, redirect_uri)
        if self._cancelled.is_set():
            self._answer_cancel()
        return self.client.social_authorization_url(
            self.platform, state=state, code_challenge=challenge, redirect_uri=redirect_uri
        )

    def run(self) -> AccountOut:
        grant = authorize(self._build_url, open_browser=self.open_browser, timeout_s=self.timeout_s)
        return self.client.connect_social_account(
            self.platform,
            code=grant.code,
            code_verifier=grant.code_verifier,
            redirect_uri=grant.redirect_uri,
        )

    def cancel(self) -> None:
        self._cancelled.set()
        self._answer_cancel()

    def _answer_cancel(self) -> None:
        with self._lock:
            waiting = self._waiting
        if waiting is None:
            return
        state, redirect_uri = waiting
        query = urlencode({"error": CANCELLED, "state": state})
        with contextlib.suppress(httpx.HTTPError):  # the flow ended meanwhile: nothing to cancel
            httpx.get(f"{redirect_uri}?{query}", timeout=5)


def readable(error: BaseException, platform: str | None = None) -> str:
    """What went wrong, in words the Growth tab can show as they are."""
    name = platform_name(platform) if platform else "the platform"
    if isinstance(error, AuthorizationDenied):
        if error.error == CANCELLED:
            return "Connecting was cancelled."
        return (
            f"{name} did not grant access ({error.description or error.error}). Connect again "
            "and choose Allow to let Studio post for you."
        )
    if isinstance(error, AuthorizationTimeout):
        return f"No answer from the browser in time: connect {name} again and finish there."
    if isinstance(error, LoopbackError):
        return f"Connecting {name} did not finish: {error}."
    if isinstance(error, Offline):
        return f"The Studio service cannot be reached: {error.message}"
    if isinstance(error, PlatformNotConfigured):
        return f"{name} is not set up on the Studio service: {error.message}"
    if isinstance(error, AuthError):
        return (
            f"Not signed in to the Studio cloud ({error.message}): sign in with the account "
            "button at the top, or clear the cloud address in Settings to use this computer."
        )
    if isinstance(error, CloudError):
        return f"The Studio service refused: {error.message}"
    return f"Something went wrong: {error}"


def connected_platforms(accounts: Iterable[AccountOut]) -> frozenset[str]:
    """The platforms with a connected account (revoked or broken ones do not count)."""
    return frozenset(account.platform for account in accounts if account.status == "connected")
