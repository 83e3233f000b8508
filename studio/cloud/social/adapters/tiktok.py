"""TikTok through the Content Posting API (Direct Post) and Login Kit's OAuth v2.

Publishing is: ``creator_info/query`` (which privacy levels this creator may use), ``video/init``
with a ``FILE_UPLOAD`` source (size, chunk size, chunk count), PUTs of the chunks to the returned
``upload_url`` with ``Content-Range``, then ``status/fetch`` until ``PUBLISH_COMPLETE``. The chunk
rules are TikTok's: under 5 MB one chunk; otherwise chunks of 5-64 MB, ``total_chunk_count`` is the
size divided by the chunk size rounded down, and the last chunk takes the trailing bytes. Every
answer carries ``error.code`` ("ok" on success), which says more than the HTTP status.

Login Kit for Desktop takes the PKCE S256 challenge as the *hex* of SHA256(code_verifier) rather
than RFC 7636's base64url; the adapter is given the standard challenge and re-encodes it.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
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
    json_body,
    post_text,
    read_range,
    retry_after_seconds,
    video_size,
)

AUTH_URL = "https://www.tiktok.com/v2/auth/authorize/"
API_BASE = "https://open.tiktokapis.com"
SCOPES = ("user.info.basic", "video.publish", "video.list")
MB = 1024 * 1024
CHUNK_BYTES = 10 * MB
WHOLE_BELOW_BYTES = 5 * MB
TEXT_LIMIT = 2200
TOKEN_CODES = {"access_token_invalid"}
SCOPE_CODES = {"scope_not_authorized", "scope_permission_missed"}
RATE_CODES = {"rate_limit_exceeded", "spam_risk_too_many_pending_share", "spam_risk_too_many_posts"}
PREFERRED_PRIVACY = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY")


@dataclass
class TikTokAdapter(HttpAdapter):
    auth_url: str = AUTH_URL
    api_base: str = API_BASE
    chunk_bytes: int = CHUNK_BYTES
    whole_below_bytes: int = WHOLE_BELOW_BYTES
    uploaded: MutableMapping[str, str] = field(default_factory=dict)
    """Idempotency key -> publish_id of a fully uploaded video: a repeat call returns it."""

    platform = "tiktok"
    default_scopes = SCOPES

    def authorization_url(
        self, state: str, code_challenge: str, redirect_uri: str, scopes: Sequence[str] = ()
    ) -> str:
        query = {
            "client_key": self.client.client_id,
            "scope": ",".join(scopes or self.default_scopes),
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": desktop_challenge(code_challenge),
            "code_challenge_method": "S256",
        }
        return f"{self.auth_url}?{urlencode(query)}"

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        grant = self._grant(
            {
                "client_key": self.client.client_id,
                "client_secret": self.client.client_secret or "",
                "code": code,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            refreshing=False,
        )
        handle = self._display_name(str(grant["access_token"]))
        return _token_set(grant, handle=handle)

    def refresh(self, token_set: TokenSet) -> TokenSet:
        if not token_set.refresh_token:
            raise BadRequest(self.platform, "no refresh token: connect the account again")
        grant = self._grant(
            {
                "client_key": self.client.client_id,
                "client_secret": self.client.client_secret or "",
                "grant_type": "refresh_token",
                "refresh_token": token_set.refresh_token,
            },
            refreshing=True,
        )
        return _token_set(grant, handle=token_set.handle)

    def publish(
        self,
        token_set: TokenSet,
        video: Path,
        title: str,
        caption: str,
        hashtags: Sequence[str],
        idempotency_key: str,
    ) -> PublishReceipt:
        done = self.uploaded.get(idempotency_key)
        if done:
            return PublishReceipt(done, PublishState.PROCESSING)
        size = video_size(self.platform, video)
        token = token_set.access_token
        chunk, count = self._chunking(size)
        text = post_text(caption, hashtags) or title
        init = self._api(
            token,
            "/v2/post/publish/video/init/",
            {
                "post_info": {
                    "title": text[:TEXT_LIMIT],
                    "privacy_level": self._privacy_level(token),
                    "disable_duet": False,
                    "disable_comment": False,
                    "disable_stitch": False,
                },
                "source_info": {
                    "source": "FILE_UPLOAD",
                    "video_size": size,
                    "chunk_size": chunk,
                    "total_chunk_count": count,
                },
            },
        )
        publish_id, upload_url = str(init["publish_id"]), str(init["upload_url"])
        content_type = mimetypes.guess_type(video.name)[0] or "video/mp4"
        for index in range(count):
            start = index * chunk
            end = size if index == count - 1 else start + chunk
            self._send(
                "PUT",
                upload_url,
                content=read_range(video, start, end),
                headers={
                    "Content-Type": content_type,
                    "Content-Range": f"bytes {start}-{end - 1}/{size}",
                },
                expect=(200, 201, 206),
            )
        self.uploaded[idempotency_key] = publish_id
        return PublishReceipt(publish_id, PublishState.PROCESSING)

    def publish_status(self, token_set: TokenSet, external_id: str) -> PublishStatus:
        data = self._status(token_set.access_token, external_id)
        status = str(data.get("status", ""))
        post_ids = data.get("publicaly_available_post_id") or []
        url = None
        if post_ids and token_set.handle:
            url = f"https://www.tiktok.com/@{token_set.handle}/video/{post_ids[0]}"
        if status == "PUBLISH_COMPLETE":
            return PublishStatus(PublishState.PUBLISHED, url=url)
        if status == "FAILED":
            return PublishStatus(PublishState.FAILED, f"TikTok: {data.get('fail_reason')}")
        return PublishStatus(PublishState.PROCESSING, f"TikTok: {status.lower()}", url)

    def fetch_metrics(self, token_set: TokenSet, external_id: str) -> Metrics:
        """Metrics of the post behind a publish_id (TikTok names the post once it is public)."""
        post_ids = self._status(token_set.access_token, external_id).get(
            "publicaly_available_post_id"
        )
        if not post_ids:
            raise Transient(self.platform, f"{external_id} has no public post yet")
        query = urlencode({"fields": "id,view_count,like_count,comment_count,share_count"})
        data = self._api(
            token_set.access_token,
            f"/v2/video/query/?{query}",
            {"filters": {"video_ids": [str(post_ids[0])]}},
        )
        videos = data.get("videos") or []
        if not videos:
            raise BadRequest(self.platform, f"post {post_ids[0]} is not visible to this app", 404)
        video = videos[0]
        return Metrics(
            views=int(video.get("view_count", 0)),
            likes=int(video.get("like_count", 0)),
            comments=int(video.get("comment_count", 0)),
            shares=int(video.get("share_count", 0)),
            watch_time_seconds=None,
        )

    def revoke(self, token_set: TokenSet) -> None:
        self._send(
            "POST",
            f"{self.api_base}/v2/oauth/revoke/",
            data={
                "client_key": self.client.client_id,
                "client_secret": self.client.client_secret or "",
                "token": token_set.access_token,
            },
            expect=(200,),
        )

    def _chunking(self, size: int) -> tuple[int, int]:
        if size < self.whole_below_bytes:
            return size, 1
        return self.chunk_bytes, max(1, size // self.chunk_bytes)

    def _privacy_level(self, token: str) -> str:
        info = self._api(token, "/v2/post/publish/creator_info/query/", {})
        options = [str(option) for option in info.get("privacy_level_options") or []]
        for level in PREFERRED_PRIVACY:
            if level in options:
                return level
        raise BadRequest(self.platform, "this creator cannot post with any privacy level now")

    def _status(self, token: str, publish_id: str) -> dict[str, Any]:
        return self._api(token, "/v2/post/publish/status/fetch/", {"publish_id": publish_id})

    def _display_name(self, token: str) -> str | None:
        response = self._send(
            "GET",
            f"{self.api_base}/v2/user/info/",
            token=token,
            params={"fields": "open_id,display_name"},
        )
        user = json_body(self.platform, response).get("data", {}).get("user", {})
        name = user.get("display_name")
        return str(name) if name else None

    def _api(self, token: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = self._send(
            "POST",
            f"{self.api_base}{path}",
            token=token,
            json=payload,
            headers={"Content-Type": "application/json; charset=UTF-8"},
        )
        body = json_body(self.platform, response)
        error = body.get("error") or {}
        if error.get("code", "ok") != "ok":
            raise self._error(response)
        data = body.get("data")
        return dict(data) if isinstance(data, dict) else {}

    def _grant(self, form: dict[str, str], *, refreshing: bool) -> dict[str, Any]:
        grant = self._token_call(f"{self.api_base}/v2/oauth/token/", form, refreshing=refreshing)
        if "access_token" not in grant:
            # TikTok reports some refused grants with HTTP 200 and an ``error`` field.
            reason = str(grant.get("error_description") or grant.get("error") or "no token")
            if refreshing:
                raise ReconnectNeeded(self.platform, f"refresh refused: {reason}")
            raise BadRequest(self.platform, f"code exchange refused: {reason}")
        return grant

    def _error(self, response: httpx.Response) -> SocialError:
        code = _error_code(response)
        reason = self._reason(response)
        if code in TOKEN_CODES:
            return RefreshNeeded(self.platform, f"access token refused ({reason})")
        if code in SCOPE_CODES:
            return InsufficientScopes(self.platform, reason, SCOPES)
        if code in RATE_CODES:
            return RateLimited(self.platform, reason, retry_after_seconds(response))
        if response.status_code < 400:
            return BadRequest(self.platform, f"{code}: {reason}", response.status_code)
        return super()._error(response)

    def _reason(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return f"HTTP {response.status_code}"
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or response.status_code)
        if isinstance(body, dict) and body.get("error_description"):
            return str(body["error_description"])
        return f"HTTP {response.status_code}"


def desktop_challenge(challenge: str) -> str:
    """The RFC 7636 challenge (base64url of the 32-byte SHA-256) as the hex TikTok's desktop
    flow checks ("You must use hex encoding of SHA256 to generate the code challenge", Login Kit
    for Desktop; TikTok's own Android SDK hex-encodes too); anything that is not such a
    challenge is passed on as it is."""
    try:
        digest = base64.urlsafe_b64decode(challenge + "=" * (-len(challenge) % 4))
    except (ValueError, binascii.Error):
        return challenge
    return digest.hex() if len(digest) == 32 else challenge


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code")) if isinstance(error, dict) else None


def _token_set(grant: dict[str, Any], handle: str | None) -> TokenSet:
    return TokenSet(
        access_token=str(grant["access_token"]),
        refresh_token=grant.get("refresh_token"),
        expires_at=expires_at(grant.get("expires_in")),
        scopes=tuple(scope for scope in str(grant.get("scope", "")).split(",") if scope),
        account_id=str(grant["open_id"]),
        handle=handle,
    )
