"""YouTube Shorts through the YouTube Data API v3 and Google's OAuth 2.0 for installed apps.

Uploads use Google's resumable protocol: a POST to ``/upload/youtube/v3/videos?uploadType=
resumable`` returns a session URI (``Location``); the bytes go in a PUT to it. After a dropped
connection an empty PUT with ``Content-Range: bytes */SIZE`` returns 308 and ``Range: bytes=0-N``,
and the upload goes on from N+1. The session URI is kept in ``upload_sessions`` under the post's
idempotency key, so a retry -- or a worker restarted with a persistent mapping -- continues the same
upload (and, once it finished, gets the same video back) instead of creating a second video.
A Short is an ordinary upload of a vertical video of three minutes or less.
"""

from __future__ import annotations

import mimetypes
import re
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

AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
REVOKE_URL = "https://oauth2.googleapis.com/revoke"
API_BASE = "https://www.googleapis.com"
SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
)
CATEGORY_PEOPLE_AND_BLOGS = "22"
MAX_RESUMES = 5
SCOPE_REASONS = {"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}
QUOTA_WAIT_S = 3600.0
"""The daily quota resets at midnight Pacific time; an hour is a sane first wait."""


@dataclass
class YouTubeAdapter(HttpAdapter):
    auth_url: str = AUTH_URL
    token_url: str = TOKEN_URL
    revoke_url: str = REVOKE_URL
    api_base: str = API_BASE
    upload_sessions: MutableMapping[str, str] = field(default_factory=dict)
    """Idempotency key -> resumable session URI; pass a persistent mapping to survive restarts."""

    platform = "youtube"
    default_scopes = SCOPES

    def authorization_url(
        self, state: str, code_challenge: str, redirect_uri: str, scopes: Sequence[str] = ()
    ) -> str:
        query = {
            "client_id": self.client.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": " ".join(scopes or self.default_scopes),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "access_type": "offline",
            "prompt": "consent",
        }
        return f"{self.auth_url}?{urlencode(query)}"

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        grant = self._token_call(
            self.token_url,
            {
                "code": code,
                "client_id": self.client.client_id,
                "client_secret": self.client.client_secret or "",
                "redirect_uri": redirect_uri,
                "grant_type": "authorization_code",
                "code_verifier": code_verifier,
            },
            refreshing=False,
        )
        access = str(grant["access_token"])
        channel_id, handle = self._my_channel(access)
        return TokenSet(
            access_token=access,
            refresh_token=grant.get("refresh_token"),
            expires_at=expires_at(grant.get("expires_in")),
            scopes=tuple(str(grant.get("scope", "")).split()),
            account_id=channel_id,
            handle=handle,
        )

    def refresh(self, token_set: TokenSet) -> TokenSet:
        if not token_set.refresh_token:
            raise BadRequest(self.platform, "no refresh token: connect the account again")
        grant = self._token_call(
            self.token_url,
            {
                "client_id": self.client.client_id,
                "client_secret": self.client.client_secret or "",
                "refresh_token": token_set.refresh_token,
                "grant_type": "refresh_token",
            },
            refreshing=True,
        )
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
        size = video_size(self.platform, video)
        token = token_set.access_token
        session = self.upload_sessions.get(idempotency_key)
        offset = 0
        if session is None:
            session = self._start_session(token, video, size, title, caption, hashtags)
            self.upload_sessions[idempotency_key] = session
        else:
            offset, video_id = self._uploaded_so_far(token, session, size, idempotency_key)
            if video_id:
                return PublishReceipt(video_id, PublishState.PROCESSING)
        for _ in range(MAX_RESUMES + 1):
            try:
                return PublishReceipt(
                    self._put_bytes(token, session, video, offset, size),
                    PublishState.PROCESSING,
                )
            except Transient:
                offset, video_id = self._uploaded_so_far(token, session, size, idempotency_key)
                if video_id:
                    return PublishReceipt(video_id, PublishState.PROCESSING)
            except _Incomplete as incomplete:
                offset = incomplete.offset
        raise Transient(self.platform, f"upload still incomplete after {MAX_RESUMES} resumes")

    def publish_status(self, token_set: TokenSet, external_id: str) -> PublishStatus:
        item = self._video(token_set.access_token, external_id, "status,processingDetails")
        if item is None:
            return PublishStatus(PublishState.FAILED, "the video no longer exists on YouTube")
        status = item.get("status", {})
        upload = status.get("uploadStatus")
        url = f"https://www.youtube.com/shorts/{external_id}"
        if upload == "processed":
            return PublishStatus(PublishState.PUBLISHED, url=url)
        if upload == "uploaded":
            return PublishStatus(PublishState.PROCESSING, "YouTube is processing the video", url)
        reason = status.get("failureReason") or status.get("rejectionReason") or upload
        return PublishStatus(PublishState.FAILED, f"YouTube: {reason}", url)

    def fetch_metrics(self, token_set: TokenSet, external_id: str) -> Metrics:
        item = self._video(token_set.access_token, external_id, "statistics")
        if item is None:
            raise BadRequest(self.platform, f"video {external_id} no longer exists", 404)
        stats = item.get("statistics", {})
        return Metrics(
            views=int(stats.get("viewCount", 0)),
            likes=int(stats.get("likeCount", 0)),
            comments=int(stats.get("commentCount", 0)),
            shares=None,
            watch_time_seconds=None,
        )

    def revoke(self, token_set: TokenSet) -> None:
        token = token_set.refresh_token or token_set.access_token
        try:
            self._send("POST", self.revoke_url, data={"token": token}, expect=(200,))
        except BadRequest as error:
            if "invalid_token" not in error.reason:
                raise

    def _my_channel(self, token: str) -> tuple[str, str | None]:
        response = self._send(
            "GET",
            f"{self.api_base}/youtube/v3/channels",
            token=token,
            params={"part": "snippet", "mine": "true"},
        )
        items = json_body(self.platform, response).get("items") or []
        if not items:
            raise BadRequest(self.platform, "this Google account has no YouTube channel")
        snippet = items[0].get("snippet", {})
        return str(items[0]["id"]), snippet.get("customUrl") or snippet.get("title")

    def _start_session(
        self,
        token: str,
        video: Path,
        size: int,
        title: str,
        caption: str,
        hashtags: Sequence[str],
    ) -> str:
        resource: dict[str, Any] = {
            "snippet": {
                "title": title,
                "description": post_text(caption, hashtags),
                "tags": [tag.lstrip("#") for tag in hashtags],
                "categoryId": CATEGORY_PEOPLE_AND_BLOGS,
            },
            "status": {"privacyStatus": "public", "selfDeclaredMadeForKids": False},
        }
        response = self._send(
            "POST",
            f"{self.api_base}/upload/youtube/v3/videos",
            token=token,
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=resource,
            headers={
                "X-Upload-Content-Length": str(size),
                "X-Upload-Content-Type": mimetypes.guess_type(video.name)[0] or "video/mp4",
            },
            expect=(200,),
        )
        location = response.headers.get("Location")
        if not location:
            raise Transient(self.platform, "no upload session URI in the answer")
        return str(location)

    def _put_bytes(self, token: str, session: str, video: Path, offset: int, size: int) -> str:
        headers = {"Content-Length": str(size - offset)}
        if offset:
            headers["Content-Range"] = f"bytes {offset}-{size - 1}/{size}"
        response = self._send(
            "PUT",
            session,
            token=token,
            content=file_chunks(video, offset, size),
            headers=headers,
            expect=(200, 201, 308),
        )
        if response.status_code == 308:
            raise _Incomplete(_next_offset(response))
        return str(json_body(self.platform, response)["id"])

    def _uploaded_so_far(
        self, token: str, session: str, size: int, key: str
    ) -> tuple[int, str | None]:
        """(next byte to send, None), or (size, video id) when the upload had already finished."""
        try:
            response = self._send(
                "PUT",
                session,
                token=token,
                headers={"Content-Range": f"bytes */{size}", "Content-Length": "0"},
                expect=(200, 201, 308),
            )
        except BadRequest as error:
            if error.status in (404, 410):
                self.upload_sessions.pop(key, None)
                raise Transient(self.platform, "the upload session expired; start again") from error
            raise
        if response.status_code == 308:
            return _next_offset(response), None
        return size, str(json_body(self.platform, response)["id"])

    def _video(self, token: str, video_id: str, parts: str) -> dict[str, Any] | None:
        response = self._send(
            "GET",
            f"{self.api_base}/youtube/v3/videos",
            token=token,
            params={"part": parts, "id": video_id},
        )
        items = json_body(self.platform, response).get("items") or []
        return dict(items[0]) if items else None

    def _error(self, response: httpx.Response) -> SocialError:
        reasons = _google_reasons(response)
        if response.status_code in (403, 429) and reasons & RATE_REASONS:
            wait = QUOTA_WAIT_S if "quotaExceeded" in reasons else 60.0
            message = self._reason(response)
            return RateLimited(self.platform, message, retry_after_seconds(response, wait))
        if response.status_code == 403 and not reasons & SCOPE_REASONS:
            return BadRequest(self.platform, self._reason(response), 403)
        error = super()._error(response)
        if isinstance(error, InsufficientScopes):
            return InsufficientScopes(self.platform, error.message, SCOPES)
        return error

    def _reason(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return f"HTTP {response.status_code}"
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            return str(error.get("message") or error.get("status") or response.status_code)
        if isinstance(error, str):
            return str(body.get("error_description") or error)
        return f"HTTP {response.status_code}"


class _Incomplete(Exception):
    """A 308 to a PUT: the server kept only part of the bytes; go on from ``offset``."""

    def __init__(self, offset: int) -> None:
        super().__init__(offset)
        self.offset = offset


def _next_offset(response: httpx.Response) -> int:
    """The byte after the server's ``Range: bytes=0-N``; no Range means nothing was kept."""
    match = re.fullmatch(r"bytes=0-(\d+)", response.headers.get("Range", "").strip())
    return int(match.group(1)) + 1 if match else 0


def _google_reasons(response: httpx.Response) -> set[str]:
    try:
        body = response.json()
    except ValueError:
        return set()
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return set()
    reasons = {str(item.get("reason")) for item in error.get("errors") or []}
    reasons.update(str(detail.get("reason")) for detail in error.get("details") or [])
    return reasons
