"""One connection to the cloud: sending, retrying, signing requests and renewing the sign-in.

Retries: only calls that are safe to repeat are retried -- GETs, and POSTs carrying an
Idempotency-Key (the service answers a repeated key with the first answer and charges nothing
more). A plain POST that timed out may have been applied, so it is never sent twice.

Renewal: access tokens are short-lived. A 401 on a signed request exchanges the refresh token
once and repeats the request. Refresh tokens rotate and the service ends the sign-in when a
spent one comes back, so the exchange is serialised, and the keyring is read again first: if
another thread or process renewed already, its tokens are used instead of spending ours twice.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from studio import __version__
from studio.cloud.schemas import AuthResult
from studio.services.cloud_client.address import normalized_url
from studio.services.cloud_client.errors import (
    PERMANENT_CODES,
    AuthError,
    CloudError,
    ServerError,
    error_code,
    error_from_response,
    offline,
    retry_after,
)
from studio.services.cloud_client.tokens import StoredTokens, TokenStore

IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_SIGNED_OUT = (401, 403)

Model = TypeVar("Model", bound=BaseModel)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently safe calls are repeated."""

    attempts: int = 3
    """Tries in all, the first included."""
    first_wait: float = 0.5
    """Seconds before the second try; doubled before each further one."""
    longest_wait: float = 30.0
    """A Retry-After longer than this is not waited for: the error is raised at once."""
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


@dataclass(frozen=True)
class Upload:
    """A file sent as multipart ``field``; opened afresh for each try."""

    path: Path
    content_type: str
    field: str = "file"


@dataclass(frozen=True)
class Download:
    """Where a 2xx body goes instead of memory: a temp file beside ``path``, renamed into place
    only once complete, so an interrupted download never leaves half a film."""

    path: Path


class Connection:
    """The HTTP session, the sign-in and the retry rules; ``CloudClient`` adds the endpoints."""

    def __init__(
        self,
        base_url: str,
        token_store: TokenStore,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.base_url = normalized_url(base_url)
        self.tokens = token_store
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": f"studio/{__version__}", "Accept": "application/json"},
        )
        self._renewing = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # Sending

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        upload: Upload | None = None,
        download: Download | None = None,
        signed: bool = True,
    ) -> httpx.Response:
        """The 2xx answer to one call, signed with the stored access token unless ``signed`` is
        False; a typed CloudError otherwise."""
        extra = dict(headers or {})
        transfer = (upload, download)
        if not signed:
            return _checked(self._send_retrying(method, path, json, extra, *transfer))
        used = self._signed_in()
        response = self._send_retrying(method, path, json, _bearer(extra, used), *transfer)
        if response.status_code == 401:
            renewed = self._renewed(used)
            response = self._send_retrying(method, path, json, _bearer(extra, renewed), *transfer)
            if response.status_code in _SIGNED_OUT:
                self.tokens.clear()
                raise _signed_out(response)
        return _checked(response)

    def _send_retrying(
        self,
        method: str,
        path: str,
        json: Any,
        headers: dict[str, str],
        upload: Upload | None = None,
        download: Download | None = None,
    ) -> httpx.Response:
        repeatable = method == "GET" or IDEMPOTENCY_HEADER in headers
        policy = self.retry
        attempt = 1
        while True:
            last = attempt >= policy.attempts or not repeatable
            try:
                response = self._send_once(method, path, json, headers, upload, download)
            except httpx.TransportError as error:
                if last:
                    raise offline(self.base_url, error) from None
                wait = policy.first_wait * 2 ** (attempt - 1)
            else:
                if last or response.status_code not in _RETRY_STATUSES:
                    return response
                if error_code(response) in PERMANENT_CODES:
                    return response
                asked = retry_after(response)
                if asked is not None and asked > policy.longest_wait:
                    return response
                wait = asked if asked is not None else policy.first_wait * 2 ** (attempt - 1)
            policy.sleep(wait)
            attempt += 1

    def _send_once(
        self,
        method: str,
        path: str,
        json: Any,
        headers: dict[str, str],
        upload: Upload | None,
        download: Download | None,
    ) -> httpx.Response:
        if download is not None:
            return self._download(method, path, headers, download)
        if upload is None:
            return self._http.request(method, path, json=json, headers=headers)
        try:
            stream = upload.path.open("rb")
        except OSError as error:
            raise CloudError(
                f"{upload.path}: cannot be read ({error.strerror})", code="unreadable_file"
            ) from None
        with stream:
            files = {upload.field: (upload.path.name, stream, upload.content_type)}
            return self._http.request(method, path, files=files, headers=headers)

    def _download(
        self, method: str, path: str, headers: dict[str, str], download: Download
    ) -> httpx.Response:
        """The response, its body already saved to ``download.path`` when it is a 2xx."""
        target = download.path
        with self._http.stream(method, path, headers=headers) as response:
            if not response.is_success:
                response.read()
                return response
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            except OSError as error:
                raise _unwritable(target, error) from None
            temp = Path(temp_name)
            try:
                with os.fdopen(handle, "wb") as stream:
                    for chunk in response.iter_bytes():
                        stream.write(chunk)
                os.replace(temp, target)
            except OSError as error:
                raise _unwritable(target, error) from None
            finally:
                temp.unlink(missing_ok=True)
            return response

    # The sign-in

    def _signed_in(self) -> StoredTokens:
        stored = self.tokens.load()
        if stored is None:
            raise AuthError(
                "not signed in: sign in to your Studio account first", code="not_signed_in"
            )
        return stored

    def remember(self, result: AuthResult) -> StoredTokens:
        """Keep the tokens of a login, signup or renewal (rotated: the old ones are spent)."""
        tokens = StoredTokens(
            access_token=result.tokens.access_token,
            refresh_token=result.tokens.refresh_token,
            email=result.user.email,
        )
        self.tokens.save(tokens)
        return tokens

    def renew(self) -> AuthResult:
        """Exchange the stored refresh token for new tokens now."""
        with self._renewing:
            result = self._exchange(self._signed_in())
            self.remember(result)
            return result

    def _renewed(self, used: StoredTokens) -> StoredTokens:
        """Tokens newer than ``used``: someone else's fresh ones if they renewed meanwhile,
        else ours after one exchange. AuthError (and signed out) when the sign-in has ended."""
        with self._renewing:
            stored = self._signed_in()
            if stored.access_token != used.access_token:
                return stored
            return self.remember(self._exchange(stored))

    def _exchange(self, stored: StoredTokens) -> AuthResult:
        """The renewal's answer; the caller keeps it (see ``remember``)."""
        response = self._send_retrying(
            "POST", "/auth/refresh", {"refresh_token": stored.refresh_token}, {}, None
        )
        if response.status_code in _SIGNED_OUT:
            self.tokens.clear()
            raise _signed_out(response)
        return parse(_checked(response), AuthResult)


def _unwritable(path: Path, error: OSError) -> CloudError:
    return CloudError(f"{path}: cannot be written ({error.strerror})", code="unwritable_file")


def _bearer(headers: dict[str, str], tokens: StoredTokens) -> dict[str, str]:
    return {**headers, "Authorization": f"Bearer {tokens.access_token}"}


def _checked(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    raise error_from_response(response)


def _signed_out(response: httpx.Response) -> AuthError:
    reason = error_from_response(response).message
    return AuthError(
        f"you are signed out ({reason}); sign in again",
        status=response.status_code,
        code="signed_out",
    )


def parse(response: httpx.Response, model: type[Model]) -> Model:
    """The body as ``model``; ServerError when the service sent something else."""
    return parse_as(response, TypeAdapter(model))


def parse_as(response: httpx.Response, adapter: TypeAdapter[T]) -> T:
    try:
        return adapter.validate_json(response.content)
    except ValidationError:
        raise ServerError(
            f"the Studio cloud sent an answer this version of Studio cannot read "
            f"({response.request.method} {response.request.url.path}); update Studio",
            status=response.status_code,
            code="unreadable_answer",
        ) from None
