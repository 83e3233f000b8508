"""Typed failures of the cloud client, each carrying a message the app can show as it is.

The service answers every failure with one body, ``{"error": {"code", "message", "field"?}}``
(``studio.cloud.errors``). ``error_from_response`` turns that into the class a caller branches
on: a signed-out user is sent to the sign-in screen, a short balance to the shop, a missing
network to "you are offline", instead of every caller reading status codes.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import httpx


class CloudError(Exception):
    """Any failure talking to the cloud; ``message`` is a sentence for the user."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "error",
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.field = field


class AuthError(CloudError):
    """401: not signed in, wrong password, or the sign-in ended (the tokens are gone)."""


class PaymentRequired(CloudError):
    """402: not enough trips; ``balance`` and ``needed`` when the service says them."""

    def __init__(
        self,
        message: str,
        *,
        balance: int | None = None,
        needed: int | None = None,
        status: int | None = 402,
        code: str = "payment_required",
        field: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code, field=field)
        self.balance = balance
        self.needed = needed


class NotFound(CloudError):
    """404: no such thing, or it belongs to someone else (the service does not say which)."""


class Conflict(CloudError):
    """409: the request clashes with the state (an email taken, nothing planned yet, an
    Idempotency-Key reused for a different request)."""


class RateLimited(CloudError):
    """429: too many attempts; ``retry_after`` is the wait in seconds when the service gave one."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        code: str = "rate_limited",
        field: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code, field=field)
        self.retry_after = retry_after


class ValidationFailed(CloudError):
    """400, 413, 415 or 422: the request was refused as it is; ``field`` names the culprit."""


class Offline(CloudError):
    """The service could not be reached: refused connection, unknown host, timeout."""


class ServerError(CloudError):
    """5xx, or an answer the client cannot read: the fault is on the service's side."""


class PaymentsUnavailable(ServerError):
    """503 ``payments_unavailable``: the cloud has no payment provider configured; retrying
    will not help, the operator has to set it up (the message names the setting)."""


class PlatformNotConfigured(ServerError):
    """503 ``not_configured``: the cloud has no registration with that social platform (the
    message names the platform and the setting); retrying will not help."""


PERMANENT_CODES = frozenset({"payments_unavailable", "not_configured"})
"""Error codes of a 5xx that describe the service's setup, not a passing failure."""


class TokenStoreUnavailable(CloudError):
    """No usable system keyring, so the sign-in cannot be kept (tokens never go to a file)."""


_BY_STATUS: dict[int, type[CloudError]] = {
    400: ValidationFailed,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
    413: ValidationFailed,
    415: ValidationFailed,
    422: ValidationFailed,
}


def retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), else None."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_code(response: httpx.Response) -> str:
    """The ``code`` of the service's error body ("" when there is none)."""
    return str(_error_object(response).get("code") or "")


def _error_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _whole_number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def error_from_response(response: httpx.Response) -> CloudError:
    """The typed error for a non-2xx answer, with the service's own message where it sent one."""
    status = response.status_code
    error = _error_object(response)
    code = str(error.get("code") or "error")
    field = error.get("field") if isinstance(error.get("field"), str) else None
    message = str(error.get("message") or "").strip()
    if status == 402:
        return PaymentRequired(
            message or "not enough trips for this",
            balance=_whole_number(error.get("balance")),
            needed=_whole_number(error.get("needed")),
            code=code,
            field=field,
        )
    if status == 429:
        wait = retry_after(response)
        return RateLimited(
            message or "too many requests; wait a moment and try again",
            retry_after=wait,
            code=code,
            field=field,
        )
    if code == "not_configured":
        return PlatformNotConfigured(
            message or "this platform is not set up on this cloud",
            status=status,
            code=code,
            field=field,
        )
    if code in PERMANENT_CODES:
        return PaymentsUnavailable(
            message or "payments are not set up on this cloud", status=status, code=code
        )
    if status >= 500:
        detail = f": {message}" if message else ""
        return ServerError(
            f"the Studio cloud had a problem (HTTP {status}){detail}; try again later",
            status=status,
            code=code,
            field=field,
        )
    kind = _BY_STATUS.get(status, CloudError)
    return kind(
        message or f"the request was refused (HTTP {status})", status=status, code=code, field=field
    )


def offline(base_url: str, error: httpx.TransportError) -> Offline:
    """Why the service could not be reached, in words (the raw reason kept in brackets)."""
    if isinstance(error, httpx.TimeoutException):
        why = "it did not answer in time"
    elif isinstance(error, httpx.ConnectError):
        why = "the connection failed"
    else:
        why = "the connection broke"
    reason = str(error).strip()
    detail = f" ({reason})" if reason else ""
    return Offline(
        f"cannot reach the Studio cloud at {base_url}: {why}{detail}. Check the internet "
        "connection and the cloud address.",
        code="offline",
    )
