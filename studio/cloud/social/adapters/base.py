"""The one interface every platform adapter implements, its value types and its typed errors.

The scheduler never looks at a platform's HTTP status codes: an adapter turns each answer into one
of five errors that say what to do next -- refresh the token and call again (``RefreshNeeded``),
ask the user to connect again with more scopes (``InsufficientScopes``) or at all
(``ReconnectNeeded``), stop and show the platform's reason (``BadRequest``), or wait and try again
(``RateLimited`` with the platform's delay, ``Transient``). ``with_retries`` and
``call_with_refresh`` are the two loops a caller needs.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

T = TypeVar("T")
Sleep = Callable[[float], None]
READ_CHUNK = 1024 * 1024


class SocialError(Exception):
    """Base of every adapter error; ``platform`` names where it happened."""

    def __init__(self, platform: str, message: str) -> None:
        super().__init__(f"{platform}: {message}")
        self.platform = platform
        self.message = message


class RefreshNeeded(SocialError):
    """The access token expired or was refused: refresh it, then make the same call again."""


class ReconnectNeeded(SocialError):
    """The refresh token is dead (revoked, expired): only the user connecting again helps."""


class InsufficientScopes(SocialError):
    """The user did not grant what this call needs; connect again asking for ``missing``."""

    def __init__(self, platform: str, message: str, missing: Sequence[str] = ()) -> None:
        super().__init__(platform, message)
        self.missing = tuple(missing)


class BadRequest(SocialError):
    """A permanent refusal (a rejected video, an invalid caption): do not retry; show ``reason``."""

    def __init__(self, platform: str, reason: str, status: int | None = None) -> None:
        super().__init__(platform, reason)
        self.reason = reason
        self.status = status


class RateLimited(SocialError):
    """Too many calls: the platform asks to wait ``retry_after`` seconds before the next one."""

    def __init__(self, platform: str, message: str, retry_after: float) -> None:
        super().__init__(platform, message)
        self.retry_after = retry_after


class Transient(SocialError):
    """The platform failed on its side or could not be reached; the same call may succeed later."""


class PublishState(StrEnum):
    PROCESSING = "processing"
    PUBLISHED = "published"
    FAILED = "failed"


@dataclass(frozen=True)
class TokenSet:
    """What a connected account holds. ``expires_at`` is UTC; ``None`` means the platform did not
    say. ``account_id`` is the platform's stable id, ``handle`` what the user recognises."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scopes: tuple[str, ...]
    account_id: str
    handle: str | None = None

    def expires_within(self, seconds: float, now: datetime | None = None) -> bool:
        """Whether the access token is (nearly) expired: refresh before a long upload."""
        if self.expires_at is None:
            return False
        return self.expires_at <= (now or datetime.now(UTC)) + timedelta(seconds=seconds)

    def refreshed(self, grant: Mapping[str, Any]) -> TokenSet:
        """This account's tokens after a refresh grant: a platform that does not rotate the
        refresh token, or does not restate the scopes, keeps the ones it had."""
        scope = grant.get("scope")
        return TokenSet(
            access_token=str(grant["access_token"]),
            refresh_token=grant.get("refresh_token") or self.refresh_token,
            expires_at=expires_at(grant.get("expires_in")),
            scopes=tuple(str(scope).split()) if scope else self.scopes,
            account_id=self.account_id,
            handle=self.handle,
        )


@dataclass(frozen=True)
class PublishReceipt:
    """What ``publish`` created: the id to ask about later, and how far it got."""

    external_id: str
    status: PublishState


@dataclass(frozen=True)
class PublishStatus:
    state: PublishState
    reason: str | None = None
    """Why it failed (the platform's words), or what it is waiting for."""
    url: str | None = None


@dataclass(frozen=True)
class Metrics:
    """Counts as the platform reports them; ``watch_time_seconds`` is None where it gives none."""

    views: int
    likes: int
    comments: int
    shares: int | None
    """None where the platform's API does not count shares (YouTube's Data API)."""
    watch_time_seconds: float | None = None


@dataclass(frozen=True)
class ClientConfig:
    """The app's registration with a platform (the secret stays on the service)."""

    client_id: str
    client_secret: str | None = None


class SocialAdapter(Protocol):
    """One platform. Every method raises only ``SocialError`` subclasses."""

    platform: str
    default_scopes: tuple[str, ...]

    def authorization_url(
        self, state: str, code_challenge: str, redirect_uri: str, scopes: Sequence[str] = ()
    ) -> str: ...

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> TokenSet: ...

    def refresh(self, token_set: TokenSet) -> TokenSet: ...

    def publish(
        self,
        token_set: TokenSet,
        video: Path,
        title: str,
        caption: str,
        hashtags: Sequence[str],
        idempotency_key: str,
    ) -> PublishReceipt: ...

    def publish_status(self, token_set: TokenSet, external_id: str) -> PublishStatus: ...

    def fetch_metrics(self, token_set: TokenSet, external_id: str) -> Metrics: ...

    def revoke(self, token_set: TokenSet) -> None: ...


def post_text(caption: str, hashtags: Sequence[str]) -> str:
    """The caption, then each hashtag (with one ``#``) that the caption does not already hold."""
    words = caption.split()
    tags = [f"#{tag.lstrip('#')}" for tag in hashtags if tag.strip("# ")]
    missing = [tag for tag in dict.fromkeys(tags) if tag not in words]
    return " ".join(part for part in (caption.strip(), " ".join(missing)) if part)


def expires_at(expires_in: float | None, now: datetime | None = None) -> datetime | None:
    if expires_in is None:
        return None
    return (now or datetime.now(UTC)) + timedelta(seconds=float(expires_in))


def retry_after_seconds(response: httpx.Response, default: float = 60.0) -> float:
    """The wait a 429 asks for: ``Retry-After`` (seconds or an HTTP date), else X's
    ``x-rate-limit-reset`` (epoch seconds), else ``default``."""
    value = response.headers.get("Retry-After")
    if value:
        if value.strip().isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    reset = response.headers.get("x-rate-limit-reset")
    if reset and reset.strip().isdigit():
        # Whole seconds: the window may close anywhere in that second, so wait at least one.
        return max(1.0, float(reset) - time.time())
    return default


def file_chunks(path: Path, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Bytes ``start``..``end`` (exclusive) of ``path``, streamed so a long video is not loaded."""
    with path.open("rb") as handle:
        handle.seek(start)
        left = (end if end is not None else path.stat().st_size) - start
        while left > 0:
            block = handle.read(min(READ_CHUNK, left))
            if not block:
                return
            left -= len(block)
            yield block


def read_range(path: Path, start: int, end: int) -> bytes:
    with path.open("rb") as handle:
        handle.seek(start)
        return handle.read(end - start)


def video_size(platform: str, video: Path) -> int:
    try:
        size = video.stat().st_size
    except OSError as error:
        raise BadRequest(platform, f"{video}: cannot read the video ({error.strerror})") from error
    if size == 0:
        raise BadRequest(platform, f"{video}: the video file is empty")
    return size


@dataclass
class HttpAdapter:
    """The HTTP plumbing every adapter shares: one client, timeouts and the error mapping.

    Subclasses name their ``platform`` and read their error bodies in ``_reason``; the statuses map
    the same way everywhere (401 -> refresh, 403 -> scopes, 429 -> wait, 5xx -> retry, other 4xx
    -> permanent). ``sleep`` is what waits between status polls (tests pass a recorder).
    """

    client: ClientConfig
    timeout_s: float = 30.0
    sleep: Sleep = time.sleep
    _http: httpx.Client = field(init=False, repr=False)

    platform = "social"

    def __post_init__(self) -> None:
        self._http = httpx.Client(timeout=self.timeout_s)

    def close(self) -> None:
        self._http.close()

    def _send(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        expect: tuple[int, ...] = (200, 201, 204),
        **kwargs: Any,
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        try:
            response = self._http.request(method, url, headers=headers, **kwargs)
        except httpx.TimeoutException as error:
            raise Transient(self.platform, f"{method} {url} timed out") from error
        except httpx.TransportError as error:
            raise Transient(self.platform, f"{method} {url} failed: {error}") from error
        if response.status_code in expect:
            return response
        raise self._error(response)

    def _error(self, response: httpx.Response) -> SocialError:
        status = response.status_code
        reason = self._reason(response)
        if status == 401:
            return RefreshNeeded(self.platform, f"access token refused ({reason})")
        if status == 403:
            return InsufficientScopes(self.platform, f"not allowed: {reason}")
        if status == 429:
            return RateLimited(self.platform, reason, retry_after_seconds(response))
        if status >= 500 or status in (408, 425):
            return Transient(self.platform, f"HTTP {status}: {reason}")
        return BadRequest(self.platform, reason, status)

    def _reason(self, response: httpx.Response) -> str:
        """The platform's own words for a failed call (overridden per platform)."""
        return json_error_text(response)

    def _token_call(
        self, url: str, data: dict[str, str], *, refreshing: bool, **kwargs: Any
    ) -> dict[str, Any]:
        """One OAuth token-endpoint call. A refused grant while refreshing means the user must
        connect again; while exchanging a code it is a bad (used, expired) code."""
        try:
            response = self._send("POST", url, data=data, expect=(200,), **kwargs)
        except (BadRequest, RefreshNeeded, InsufficientScopes) as error:
            if refreshing:
                message = f"refresh refused: {error.message}"
                raise ReconnectNeeded(self.platform, message) from error
            raise BadRequest(self.platform, f"code exchange refused: {error.message}") from error
        return json_body(self.platform, response)


def json_body(platform: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object a successful call returned; anything else is the platform's fault."""
    try:
        body = response.json()
    except (json.JSONDecodeError, ValueError) as error:
        raise Transient(platform, f"answer is not JSON (HTTP {response.status_code})") from error
    if not isinstance(body, dict):
        raise Transient(platform, "answer is not a JSON object")
    return body


def json_error_text(response: httpx.Response) -> str:
    """An OAuth-style ``error_description``/``error``/``message`` or the bare status."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        for key in ("error_description", "message", "detail", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
    return f"HTTP {response.status_code}"


def with_retries(
    call: Callable[[], T],
    *,
    attempts: int = 4,
    base_delay_s: float = 1.0,
    max_delay_s: float = 300.0,
    sleep: Sleep = time.sleep,
) -> T:
    """``call()``, again after ``RateLimited`` (waiting what the platform asked) or ``Transient``
    (waiting 1, 2, 4... seconds); any other error, or the last attempt's, goes to the caller."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except RateLimited as error:
            if attempt == attempts:
                raise
            sleep(min(max_delay_s, max(error.retry_after, 0.0)))
        except Transient:
            if attempt == attempts:
                raise
            sleep(min(max_delay_s, base_delay_s * 2 ** (attempt - 1)))
    raise AssertionError("unreachable: the loop returns or raises")


def call_with_refresh(
    adapter: SocialAdapter,
    token_set: TokenSet,
    call: Callable[[TokenSet], T],
    on_refreshed: Callable[[TokenSet], None],
) -> T:
    """``call(token_set)``; on ``RefreshNeeded`` refresh once, hand the new tokens to
    ``on_refreshed`` (store them before anything else can fail) and call again."""
    try:
        return call(token_set)
    except RefreshNeeded:
        fresh = adapter.refresh(token_set)
        on_refreshed(fresh)
        return call(fresh)
