"""X (Twitter) through API v2: OAuth 2.0 with PKCE, the v2 chunked media upload and POST /2/tweets.

The media upload is ``POST /2/media/upload/initialize`` (type, size, ``tweet_video``), one
``POST /2/media/upload/{id}/append`` per chunk (multipart ``segment_index`` + ``media``),
``POST /2/media/upload/{id}/finalize``, then ``GET /2/media/upload?command=STATUS`` while
``processing_info`` says pending/in_progress (waiting ``check_after_secs``). Only the tweet makes a
post, so it is the last call and its id is kept under the idempotency key. Rate limits come back as
429 with ``x-rate-limit-reset`` (epoch seconds).
"""

from __future__ import annotations

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
    Metrics,
    PublishReceipt,
    PublishState,
    PublishStatus,
    TokenSet,
    Transient,
    expires_at,
    json_body,
    post_text,
    read_range,
    video_size,
)

AUTH_URL = "https://twitter.com/i/oauth2/authorize"
API_BASE = "https://api.x.com"
SCOPES = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")
CHUNK_BYTES = 4 * 1024 * 1024
MAX_POLLS = 60
TEXT_LIMIT = 280


@dataclass
class XAdapter(HttpAdapter):
    auth_url: str = AUTH_URL
    api_base: str = API_BASE
    chunk_bytes: int = CHUNK_BYTES
    max_polls: int = MAX_POLLS
    posted: MutableMapping[str, str] = field(default_factory=dict)
    """Idempotency key -> tweet id: a repeat call returns it instead of posting again."""

    platform = "x"
    default_scopes = SCOPES

    def authorization_url(
        self, state: str, code_challenge: str, redirect_uri: str, scopes: Sequence[str] = ()
    ) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes or self.default_scopes),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.auth_url}?{urlencode(query)}"

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> TokenSet:
        grant = self._grant(
            {
                "code": code,
                "grant_type": "authorization_code",
                "client_id": self.client.client_id,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
            refreshing=False,
        )
        access = str(grant["access_token"])
        me = json_body(
            self.platform, self._send("GET", f"{self.api_base}/2/users/me", token=access)
        )["data"]
        return TokenSet(
            access_token=access,
            refresh_token=grant.get("refresh_token"),
            expires_at=expires_at(grant.get("expires_in")),
            scopes=tuple(str(grant.get("scope", "")).split()),
            account_id=str(me["id"]),
            handle=me.get("username"),
        )

    def refresh(self, token_set: TokenSet) -> TokenSet:
        """A new access token; X rotates refresh tokens, so the returned set must be stored."""
        if not token_set.refresh_token:
            raise BadRequest(self.platform, "no refresh token: connect with offline.access")
        grant = self._grant(
            {
                "grant_type": "refresh_token",
                "refresh_token": token_set.refresh_token,
                "client_id": self.client.client_id,
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
        done = self.posted.get(idempotency_key)
        if done:
            return PublishReceipt(done, PublishState.PUBLISHED)
        token = token_set.access_token
        media_id = self._upload(token, video)
        text = (post_text(caption, hashtags) or title)[:TEXT_LIMIT]
        response = self._send(
            "POST",
            f"{self.api_base}/2/tweets",
            token=token,
            json={"text": text, "media": {"media_ids": [media_id]}},
        )
        tweet_id = str(json_body(self.platform, response)["data"]["id"])
        self.posted[idempotency_key] = tweet_id
        return PublishReceipt(tweet_id, PublishState.PUBLISHED)

    def publish_status(self, token_set: TokenSet, external_id: str) -> PublishStatus:
        body = self._tweet(token_set.access_token, external_id, {})
        if "data" not in body:
            return PublishStatus(PublishState.FAILED, f"X: {_errors_text(body)}")
        handle = token_set.handle or "i"
        return PublishStatus(
            PublishState.PUBLISHED, url=f"https://x.com/{handle}/status/{external_id}"
        )

    def fetch_metrics(self, token_set: TokenSet, external_id: str) -> Metrics:
        body = self._tweet(token_set.access_token, external_id, {"tweet.fields": "public_metrics"})
        if "data" not in body:
            raise BadRequest(self.platform, _errors_text(body), 404)
        public = body["data"].get("public_metrics", {})
        return Metrics(
            views=int(public.get("impression_count", 0)),
            likes=int(public.get("like_count", 0)),
            comments=int(public.get("reply_count", 0)),
            shares=int(public.get("retweet_count", 0)) + int(public.get("quote_count", 0)),
            watch_time_seconds=None,
        )

    def revoke(self, token_set: TokenSet) -> None:
        for token, hint in (
            (token_set.refresh_token, "refresh_token"),
            (token_set.access_token, "access_token"),
        ):
            if token:
                self._send(
                    "POST",
                    f"{self.api_base}/2/oauth2/revoke",
                    data={
                        "token": token,
                        "token_type_hint": hint,
                        "client_id": self.client.client_id,
                    },
                    auth=self._basic_auth(),
                    expect=(200,),
                )

    def _upload(self, token: str, video: Path) -> str:
        size = video_size(self.platform, video)
        media_type = mimetypes.guess_type(video.name)[0] or "video/mp4"
        init = json_body(
            self.platform,
            self._send(
                "POST",
                f"{self.api_base}/2/media/upload/initialize",
                token=token,
                json={
                    "media_type": media_type,
                    "total_bytes": size,
                    "media_category": "tweet_video",
                },
            ),
        )["data"]
        media_id = str(init["id"])
        for index, start in enumerate(range(0, size, self.chunk_bytes)):
            chunk = read_range(video, start, min(size, start + self.chunk_bytes))
            self._send(
                "POST",
                f"{self.api_base}/2/media/upload/{media_id}/append",
                token=token,
                data={"segment_index": str(index)},
                files={"media": ("chunk", chunk, "application/octet-stream")},
            )
        final = json_body(
            self.platform,
            self._send("POST", f"{self.api_base}/2/media/upload/{media_id}/finalize", token=token),
        )["data"]
        self._wait_for_processing(token, media_id, final.get("processing_info"))
        return media_id

    def _wait_for_processing(
        self, token: str, media_id: str, processing: dict[str, Any] | None
    ) -> None:
        for _ in range(self.max_polls):
            if not processing or processing.get("state") == "succeeded":
                return
            if processing.get("state") == "failed":
                error = processing.get("error") or {}
                reason = str(error.get("message") or "media processing failed")
                raise BadRequest(self.platform, reason)
            self.sleep(float(processing.get("check_after_secs", 1)))
            response = self._send(
                "GET",
                f"{self.api_base}/2/media/upload",
                token=token,
                params={"command": "STATUS", "media_id": media_id},
            )
            processing = json_body(self.platform, response)["data"].get("processing_info")
        raise Transient(self.platform, f"media {media_id} is still processing")

    def _tweet(self, token: str, tweet_id: str, params: dict[str, str]) -> dict[str, Any]:
        response = self._send(
            "GET", f"{self.api_base}/2/tweets/{tweet_id}", token=token, params=params
        )
        return json_body(self.platform, response)

    def _grant(self, form: dict[str, str], *, refreshing: bool) -> dict[str, Any]:
        return self._token_call(
            f"{self.api_base}/2/oauth2/token", form, refreshing=refreshing, auth=self._basic_auth()
        )

    def _basic_auth(self) -> httpx.BasicAuth | None:
        """Confidential clients authenticate with HTTP Basic; public (desktop) ones send only
        ``client_id``."""
        if not self.client.client_secret:
            return None
        return httpx.BasicAuth(self.client.client_id, self.client.client_secret)

    def _reason(self, response: httpx.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return f"HTTP {response.status_code}"
        if not isinstance(body, dict):
            return f"HTTP {response.status_code}"
        if body.get("errors"):
            return _errors_text(body)
        for key in ("detail", "error_description", "title", "error"):
            if body.get(key):
                return str(body[key])
        return f"HTTP {response.status_code}"


def _errors_text(body: dict[str, Any]) -> str:
    errors = body.get("errors") or []
    messages = [str(e.get("detail") or e.get("message") or e.get("title")) for e in errors]
    return "; ".join(messages) or "unknown error"
