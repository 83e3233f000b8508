"""Local stand-ins for the platforms' OAuth and publishing endpoints, speaking their wire formats.

Each fake is a threaded HTTP server on 127.0.0.1 (``serve``) with a ``handle(Request) -> Reply``.
``OAuthServer`` is the authorisation server they share: it redirects ``/authorize`` back with a
code and checks the PKCE verifier against the challenge at the token endpoint. The switches the
tests flip are plain attributes: ``expire_tokens()``, ``rate_limit_next``, ``reject_reason`` and,
for YouTube, ``drop_upload_after`` (the connection drops mid-PUT). The platform fakes are in
``fakes_platforms.py`` (YouTube, TikTok) and ``fakes_instagram_x.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from studio.cloud.social import pkce


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Lower-cased names."""
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def multipart(self) -> dict[str, bytes]:
        """A multipart/form-data body as {field name: bytes}."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        parts: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            parts[str(name)] = payload if isinstance(payload, bytes) else b""
        return parts

    @property
    def bearer(self) -> str:
        value = self.headers.get("authorization", "")
        for scheme in ("Bearer ", "OAuth "):
            if value.startswith(scheme):
                return value.removeprefix(scheme)
        return ""


@dataclass
class Reply:
    status: int
    body: Any = None
    """A dict/list (sent as JSON), bytes, or None (no body)."""
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """Base of every fake: records requests, serialises handling (one lock), knows its URL."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[Request] = []
        self.url = ""

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def body_limit(self, request: Request) -> int | None:
        """Bytes of the body to read before dropping the connection (None: read it all)."""
        return None

    def dropped(self, request: Request) -> None:
        """Told the partial body of a request whose connection was dropped."""

    def paths(self, method: str) -> list[str]:
        return [r.path for r in self.requests if r.method == method]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _dispatch(self) -> None:
        fake: FakeServer = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(self.command, url.path, dict(parse_qsl(url.query)), headers, b"")
        length = int(headers.get("content-length") or 0)
        limit = fake.body_limit(request)
        if limit is not None and limit < length:
            request.body = self.rfile.read(limit)
            fake.dropped(request)
            self.close_connection = True
            return
        request.body = self.rfile.read(length) if length else b""
        with fake.lock:
            fake.requests.append(request)
            reply = fake.handle(request)
        data = reply.body if isinstance(reply.body, bytes) else b""
        if reply.body is not None and not isinstance(reply.body, bytes):
            data = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if data or reply.body is not None:
            self.send_header("Content-Type", reply.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch


@contextmanager
def serve(fake: FakeServer) -> Iterator[str]:
    """Run ``fake`` on a free port; yields its base URL (also set as ``fake.url``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.fake = fake  # type: ignore[attr-defined]
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class Grant:
    access_token: str
    refresh_token: str
    scopes: list[str]
    expires_in: int = 3600


@dataclass
class OAuthServer:
    """Authorisation-code grants with PKCE, as RFC 6749 + RFC 7636 describe them.

    ``/authorize`` answers 302 to the loopback redirect with ``code`` and ``state`` (or
    ``error=access_denied`` when ``deny``); the token exchange refuses a code whose verifier does
    not hash to its challenge, a reused code, or another redirect URI.
    """

    client_id: str
    client_id_param: str = "client_id"
    scope_separator: str = " "
    rotate_refresh_tokens: bool = False
    hex_challenge: bool = False
    """TikTok's desktop flow: the challenge is hex(SHA256(verifier)), not base64url."""
    deny: bool = False
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access: set[str] = field(default_factory=set)
    expired: set[str] = field(default_factory=set)
    refresh_tokens: dict[str, list[str]] = field(default_factory=dict)
    grant_of: dict[str, str] = field(default_factory=dict)
    """Access token -> the refresh token of its grant."""
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def authorize(self, query: dict[str, str]) -> Reply:
        redirect = query.get("redirect_uri", "")
        if query.get(self.client_id_param) != self.client_id or not redirect.startswith(
            "http://127.0.0.1:"
        ):
            return Reply(400, {"error": "invalid_request", "error_description": "bad client"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return Reply(400, {"error": "invalid_request", "error_description": "PKCE required"})
        if query.get("response_type") != "code":
            return Reply(400, {"error": "unsupported_response_type"})
        state = query.get("state", "")
        if self.deny:
            params = {
                "error": "access_denied",
                "error_description": "The user said no",
                "state": state,
            }
            return Reply(302, None, {"Location": f"{redirect}?{urlencode(params)}"})
        code = secrets.token_urlsafe(12)
        scope = query.get("scope", "")
        self.codes[code] = {
            "challenge": query["code_challenge"],
            "redirect_uri": redirect,
            "scopes": [s for s in scope.replace(",", " ").split() if s],
        }
        location = f"{redirect}?{urlencode({'code': code, 'state': state})}"
        return Reply(302, None, {"Location": location})

    def exchange(self, form: dict[str, str]) -> Grant | str:
        """A grant for a valid code + verifier, else the OAuth error code."""
        self.token_requests.append(form)
        issued = self.codes.pop(form.get("code", ""), None)
        if issued is None or form.get("redirect_uri") != issued["redirect_uri"]:
            return "invalid_grant"
        verifier = form.get("code_verifier", "")
        if self.hex_challenge:
            expected = hashlib.sha256(verifier.encode("ascii")).hexdigest()
            if not hmac.compare_digest(expected, issued["challenge"]):
                return "invalid_grant"
        elif not pkce.verify(verifier, issued["challenge"]):
            return "invalid_grant"
        return self._issue(issued["scopes"])

    def refresh(self, refresh_token: str) -> Grant | str:
        self.token_requests.append({"grant_type": "refresh_token", "refresh_token": refresh_token})
        scopes = self.refresh_tokens.get(refresh_token)
        if scopes is None:
            return "invalid_grant"
        if self.rotate_refresh_tokens:
            del self.refresh_tokens[refresh_token]
            return self._issue(scopes)
        grant = self._issue(scopes, refresh_token)
        return grant

    def check(self, token: str) -> str:
        """ "ok", "expired" or "invalid"."""
        if token in self.expired:
            return "expired"
        return "ok" if token in self.access else "invalid"

    def expire_tokens(self) -> None:
        """Every access token issued so far expires (refresh tokens stay good)."""
        self.expired |= self.access
        self.access.clear()

    def revoke(self, token: str) -> bool:
        """Revoke the whole grant ``token`` belongs to (access or refresh token), as Google,
        TikTok and X do: its access tokens and its refresh token stop working."""
        refresh = self.grant_of.get(token, token)
        if refresh not in self.refresh_tokens:
            return False
        del self.refresh_tokens[refresh]
        dead = {access for access, owner in self.grant_of.items() if owner == refresh}
        self.access -= dead
        return True

    def _issue(self, scopes: list[str], refresh_token: str | None = None) -> Grant:
        grant = Grant(
            access_token=f"at-{secrets.token_hex(8)}",
            refresh_token=refresh_token or f"rt-{secrets.token_hex(8)}",
            scopes=scopes,
        )
        self.access.add(grant.access_token)
        self.refresh_tokens[grant.refresh_token] = scopes
        self.grant_of[grant.access_token] = grant.refresh_token
        return grant


class FakeAuthorizationServer(FakeServer):
    """A plain OAuth 2.0 server (``/authorize``, ``/token``) for the loopback flow's own tests."""

    def __init__(self, client_id: str = "desktop-app") -> None:
        super().__init__()
        self.oauth = OAuthServer(client_id)

    def authorization_url(self, state: str, challenge: str, redirect_uri: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.oauth.client_id,
            "redirect_uri": redirect_uri,
            "scope": "read write",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.url}/authorize?{urlencode(query)}"

    def handle(self, request: Request) -> Reply:
        if request.path == "/authorize":
            return self.oauth.authorize(request.query)
        if (request.method, request.path) == ("POST", "/token"):
            grant = self.oauth.exchange(request.form())
            if isinstance(grant, str):
                return Reply(400, {"error": grant})
            return Reply(200, {"access_token": grant.access_token, "token_type": "Bearer"})
        return Reply(404, {"error": "not_found"})
