"""The social endpoints of ``CloudClient``: platforms, connected accounts, uploaded videos,
scheduled posts and per-short analytics.

Connecting an account is the desktop's PKCE loopback flow with the service holding the client
registration: ``social_authorization_url`` (the service adds its client id), the browser, then
``connect_social_account`` with the code (the service exchanges it with its secret).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from pydantic import TypeAdapter

from studio.cloud.social.schemas import (
    AccountConnect,
    AccountOut,
    AuthorizationCreate,
    AuthorizationOut,
    PlatformOut,
    PostCreate,
    PostOut,
    ShortAnalytics,
    VideoOut,
)
from studio.services.cloud_client.bodies import body_of, new_idempotency_key, segment
from studio.services.cloud_client.connection import (
    IDEMPOTENCY_HEADER,
    Connection,
    Upload,
    parse,
    parse_as,
)

_PLATFORMS = TypeAdapter(list[PlatformOut])
_ACCOUNTS = TypeAdapter(list[AccountOut])
_POSTS = TypeAdapter(list[PostOut])
_ANALYTICS = TypeAdapter(list[ShortAnalytics])


class SocialEndpoints:
    """Mixed into ``CloudClient``; every method raises a ``CloudError`` subclass on failure."""

    _connection: Connection

    def social_platforms(self) -> list[PlatformOut]:
        """Each platform and whether this cloud can connect it (``reason`` says what is
        missing on the service when not)."""
        return parse_as(self._connection.send("GET", "/social/platforms"), _PLATFORMS)

    def social_authorization_url(
        self, platform: str, *, state: str, code_challenge: str, redirect_uri: str
    ) -> str:
        """The URL to open in the browser: the platform asks the user, then redirects to
        ``redirect_uri`` (a loopback address) with ``code`` and ``state``. ServerError (503)
        when the cloud has no registration for ``platform``."""
        body = body_of(
            AuthorizationCreate,
            platform=platform,
            state=state,
            code_challenge=code_challenge,
            redirect_uri=redirect_uri,
        )
        response = self._connection.send("POST", "/social/authorizations", json=body)
        return parse(response, AuthorizationOut).authorize_url

    def connect_social_account(
        self, platform: str, *, code: str, code_verifier: str, redirect_uri: str
    ) -> AccountOut:
        """Hand the code from the loopback redirect to the cloud, which keeps the tokens;
        connecting the same account again replaces them."""
        body = body_of(
            AccountConnect,
            platform=platform,
            code=code,
            code_verifier=code_verifier,
            redirect_uri=redirect_uri,
        )
        return parse(self._connection.send("POST", "/social/accounts", json=body), AccountOut)

    def social_accounts(self) -> list[AccountOut]:
        return parse_as(self._connection.send("GET", "/social/accounts"), _ACCOUNTS)

    def disconnect_social_account(self, account_id: str) -> None:
        """Revoke the grant at the platform and forget the tokens; its pending posts fail."""
        self._connection.send("DELETE", f"/social/accounts/{segment(account_id)}")

    def upload_social_video(self, path: Path) -> VideoOut:
        """Upload a rendered video to post (``create_social_post(video_id=...)``); the same file
        uploaded again answers the id it already has."""
        kind = mimetypes.guess_type(path.name)[0] or "video/mp4"
        response = self._connection.send("POST", "/social/videos", upload=Upload(path, kind))
        return parse(response, VideoOut)

    def create_social_post(
        self,
        *,
        variant_id: str,
        platforms: Sequence[str],
        title: str,
        caption: str = "",
        hashtags: Sequence[str] = (),
        scheduled_at: datetime,
        video_id: str | None = None,
        shorts_id: str | None = None,
        hook: str | None = None,
        idempotency_key: str | None = None,
    ) -> PostOut:
        """Schedule a variant on ``platforms`` at ``scheduled_at`` (time-zone aware; a past time
        publishes at once). A post is created once per ``idempotency_key`` (one is made when
        none is given), so the call is retried safely after a timeout."""
        body = body_of(
            PostCreate,
            variant_id=variant_id,
            platforms=list(platforms),
            title=title,
            caption=caption,
            hashtags=list(hashtags),
            scheduled_at=scheduled_at,
            video_id=video_id,
            shorts_id=shorts_id,
            hook=hook,
        )
        key = idempotency_key or new_idempotency_key()
        response = self._connection.send(
            "POST", "/social/posts", json=body, headers={IDEMPOTENCY_HEADER: key}
        )
        return parse(response, PostOut)

    def social_posts(self) -> list[PostOut]:
        """The user's posts, latest schedule first, each with its platforms' states."""
        return parse_as(self._connection.send("GET", "/social/posts"), _POSTS)

    def social_post(self, post_id: str) -> PostOut:
        return parse(self._connection.send("GET", f"/social/posts/{segment(post_id)}"), PostOut)

    def shorts_analytics(self) -> list[ShortAnalytics]:
        """Per short, variant and hook: the platforms' latest counts summed, most viewed first."""
        return parse_as(self._connection.send("GET", "/analytics/shorts"), _ANALYTICS)
