"""Instagram Reels through the Instagram Graph API (Facebook Login for Business).

Publishing is three steps: create a ``REELS`` media container with ``upload_type=resumable``,
send the bytes to ``rupload.facebook.com/ig-api-upload/...`` (``offset`` and ``file_size``
headers), wait for the container's ``status_code`` to be ``FINISHED``, then ``media_publish`` it.
Only ``media_publish`` makes a post, so a failure before it leaves no trace for the user; the
container id is kept under the idempotency key so a retry does not upload again.

Facebook user tokens have no refresh token: a long-lived token (about 60 days) is exchanged for a
fresh one while it still works (``fb_exchange_token``); once it has expired the user must connect
again. Graph errors carry a numeric ``code`` that says more than the HTTP status (190 = token,
10/200-299 = permission, 4/17/32/613 = throttled).
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from studio.cloud.social.adapters.base import (
    BadRequest,
    HttpAdapter,
    InsufficientScopes,
    Metrics,
    PublishReceipt,
    PublishState,
    PublishStatus,
    RateLimited,
    ReconnectNeeded,
    RefreshNeeded,
    SocialError,
    TokenSet,
    Transient,
    expires_at,
    file_chunks,
    json_body,
    post_text,
    retry_after_seconds,
    video_size,
)

API_VERSION = "v21.0"
AUTH_URL = f"https://www.facebook.com/{API_VERSION}/dialog/oauth"
GRAPH_BASE = f"https://graph.facebook.com/{API_VERSION}"
RUPLOAD_BASE = "https://rupload.facebook.com"
SCOPES = (
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_insights",
    "pages_show_list",
    "pages_read_engagement",
    "business_management",
)
TOKEN_CODES = {190, 102}
SCOPE_CODES = {10, *range(200, 300)}
THROTTLE_CODES = {4, 17, 32, 613, 80001, 80002}
TRANSIENT_CODES = {1, 2}
INSIGHTS = ("views", "likes", "comments", "shares", "ig_reels_video_view_total_time")
POLL_INTERVAL_S = 5.0
MAX_POLLS = 60


@dataclass
class InstagramAdapter(HttpAdapter):
    auth_url: str = AUTH_URL
    graph_base: str = GRAPH_BASE
    rupload_base: str = RUPLOAD_BASE
    poll_interval_s: float = POLL_INTERVAL_S
    max_polls: int = MAX_POLLS
    containers: MutableMapping[str, str] = field(default_factory=dict)
    """Idempotency key -> media container id, so a retry reuses the uploaded video."""
    published: MutableMapping[str, str] = field(default_factory=dict)
    """Idempotency key -> published media id: a repeat call returns it instead of posting."""

    platform = "instagram"
    default_scopes = SCOPES

    def authorization_url(
        self, state: str, code_challenge: str, redirect_uri: str, scopes: Sequence[str] = ()
    ) -> str:
        query = {
            "client_id": self.client.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "response_type": "code",
            "scope": ",".join(scopes or self.default_scopes),
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.auth_url}?{urlencode(query)}"

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        short = self._oauth(
            {
                "client_id": self.client.client_id,
                "client_secret": self.client.client_secret or "",
                "redirect_uri": redirect_uri,
                "code": code,
                "code_verifier": code_verifier,
            },
            refreshing=False,
        )
        grant = self._long_lived(str(short["access_token"]), refreshing=False)
        access = str(grant["access_token"])
        account_id, username = self._instagram_account(access)
        return TokenSet(
            access_token=access,
            refresh_token=None,
            expires_at=expires_at(grant.get("expires_in")),
            scopes=self._granted_scopes(access),
            account_id=account_id,
            handle=username,
        )

    def refresh(self, token_set: TokenSet) -> TokenSet:
        grant = self._long_lived(token_set.access_token, refreshing=True)
        return token_set.refreshed(grant)

    def publish(
        self,
        token_set: TokenSet,
        video: Path,
        title: str,
        caption: str,
        hashtags: Sequence[str],
        idempotency_key: str,
    ) -> PublishReceipt:
        done = self.published.get(idempotency_key)
        if done:
            return PublishReceipt(done, PublishState.PUBLISHED)
        token = token_set.access_token
        container = self.containers.get(idempotency_key)
        if container is None:
            container = self._upload(token, token_set.account_id, video, caption, hashtags, title)
            self.containers[idempotency_key] = container
        self._wait_until_finished(token, container)
        response = self._send(
            "POST",
            f"{self.graph_base}/{token_set.account_id}/media_publish",
            token=token,
            params={"creation_id": container},
        )
        media_id = str(json_body(self.platform, response)["id"])
        self.published[idempotency_key] = media_id
        return PublishReceipt(media_id, PublishState.PUBLISHED)

    def publish_status(self, token_set: TokenSet, external_id: str) -> PublishStatus:
        try:
            media = self._get(token_set.access_token, external_id, {"fields": "id,permalink"})
        except BadRequest as error:
            return PublishStatus(PublishState.FAILED, f"Instagram: {error.reason}")
        return PublishStatus(PublishState.PUBLISHED, url=media.get("permalink"))

    def fetch_metrics(self, token_set: TokenSet, external_id: str) -> Metrics:
        body = self._get(
            token_set.access_token, f"{external_id}/insights", {"metric": ",".join(INSIGHTS)}
        )
        values: dict[str, float] = {}
        for item in body.get("data") or []:
            total = item.get("total_value") or {}
            points = item.get("values") or [{}]
            values[str(item.get("name"))] = float(total.get("value", points[-1].get("value", 0)))
        total_ms = values.get("ig_reels_video_view_total_time")
        return Metrics(
            views=int(values.get("views", 0)),
            likes=int(values.get("likes", 0)),
            comments=int(values.get("comments", 0)),
            shares=int(values.get("shares", 0)),
            watch_time_seconds=None if total_ms is None else total_ms / 1000,
        )

    def revoke(self, token_set: TokenSet) -> None:
        self._send("DELETE", f"{self.graph_base}/me/permissions", token=token_set.access_token)

    def _upload(
        self,
        token: str,
        account_id: str,
        video: Path,
        caption: str,
        hashtags: Sequence[str],
        title: str,
    ) -> str:
        size = video_size(self.platform, video)
        response = self._send(
            "POST",
            f"{self.graph_base}/{account_id}/media",
            token=token,
            params={
                "media_type": "REELS",
                "upload_type": "resumable",
                "caption": post_text(caption, hashtags) or title,
            },
        )
        created = json_body(self.platform, response)
        container = str(created["id"])
        uri = created.get("uri") or f"{self.rupload_base}/ig-api-upload/{API_VERSION}/{container}"
        self._send(
            "POST",
            str(uri),
            content=file_chunks(video),
            headers={
                "Authorization": f"OAuth {token}",
                "offset": "0",
                "file_size": str(size),
                "Content-Length": str(size),
            },
        )
        return container

    def _wait_until_finished(self, token: str, container: str) -> None:
        for poll in range(self.max_polls):
            body = self._get(token, container, {"fields": "status_code,status"})
            code = body.get("status_code")
            if code == "FINISHED":
                return
            if code == "PUBLISHED":
                raise BadRequest(self.platform, "this container was already published", 409)
            if code in ("ERROR", "EXPIRED"):
                raise BadRequest(self.platform, str(body.get("status") or code))
            if poll < self.max_polls - 1:
                self.sleep(self.poll_interval_s)
        raise Transient(self.platform, f"container {container} is still processing")

    def _get(self, token: str, node: str, params: dict[str, str]) -> dict[str, Any]:
        response = self._send("GET", f"{self.graph_base}/{node}", token=token, params=params)
        return json_body(self.platform, response)

    def _oauth(self, params: dict[str, str], *, refreshing: bool) -> dict[str, Any]:
        try:
            response = self._send(
                "GET", f"{self.graph_base}/oauth/access_token", params=params, expect=(200,)
            )
        except (BadRequest, RefreshNeeded, InsufficientScopes) as error:
            if refreshing:
                raise ReconnectNeeded(self.platform, f"refresh refused: {error.message}") from error
            raise BadRequest(self.platform, f"code exchange refused: {error.message}") from error
        return json_body(self.platform, response)

    def _long_lived(self, token: str, *, refreshing: bool) -> dict[str, Any]:
        return self._oauth(
            {
                "grant_type": "fb_exchange_token",
                "client_id": self.client.client_id,
                "client_secret": self.client.client_secret or "",
                "fb_exchange_token": token,
            },
            refreshing=refreshing,
        )

    def _instagram_account(self, token: str) -> tuple[str, str | None]:
        fields = {"fields": "instagram_business_account{id,username}"}
        body = self._get(token, "me/accounts", fields)
        for page in body.get("data") or []:
            account = page.get("instagram_business_account")
            if account:
                return str(account["id"]), account.get("username")
        raise BadRequest(
            self.platform, "no Instagram professional account is linked to a Facebook Page"
        )

    def _granted_scopes(self, token: str) -> tuple[str, ...]:
        body = self._get(token, "me/permissions", {})
        return tuple(
            str(item["permission"])
            for item in body.get("data") or []
            if item.get("status") == "granted"
        )

    def _error(self, response: httpx.Response) -> SocialError:
        error = _graph_error(response)
        code = error.get("code")
        reason = self._reason(response)
        if code in TOKEN_CODES:
            return RefreshNeeded(self.platform, f"access token refused ({reason})")
        if code in SCOPE_CODES:
            return InsufficientScopes(self.platform, reason, SCOPES)
        if code in THROTTLE_CODES:
            return RateLimited(self.platform, reason, _regain_access_s(response))
        if code in TRANSIENT_CODES or error.get("is_transient"):
            return Transient(self.platform, reason)
        return super()._error(response)

    def _reason(self, response: httpx.Response) -> str:
        error = _graph_error(response)
        message = error.get("error_user_msg") or error.get("message")
        return str(message) if message else f"HTTP {response.status_code}"


def _regain_access_s(response: httpx.Response) -> float:
    """Meta's wait for a throttled app: the largest ``estimated_time_to_regain_access``
    (minutes) in the ``X-Business-Use-Case-Usage`` header, else a ``Retry-After``, else 60 s."""
    try:
        usage = json.loads(response.headers.get("X-Business-Use-Case-Usage", "{}"))
        minutes = [
            float(entry.get("estimated_time_to_regain_access", 0))
            for entries in usage.values()
            for entry in entries
        ]
    except (ValueError, AttributeError, TypeError):
        minutes = []
    if minutes and max(minutes) > 0:
        return max(minutes) * 60
    return retry_after_seconds(response)


def _graph_error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return dict(error) if isinstance(error, dict) else {}
