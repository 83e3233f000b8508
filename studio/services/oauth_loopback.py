"""Connect a social account from the desktop: OAuth 2.0 + PKCE in the system browser with a
loopback redirect (RFC 8252, "OAuth 2.0 for Native Apps").

The app cannot keep a client secret or embed a web view the user should trust, so it opens the
platform's page in the user's own browser and listens once on ``http://127.0.0.1:<random port>``
for the redirect that carries ``?code&state``. The code is bound to a PKCE verifier that never
leaves this process until the exchange (RFC 7636), and ``state`` proves the redirect answers our
request. No Qt here: the Growth tab runs ``authorize`` off the UI thread and shows the errors.

::

    grant = authorize(adapter.authorization_url)  # (state, challenge, redirect_uri) -> URL
    # then POST /social/accounts with grant.code, grant.code_verifier, grant.redirect_uri
"""

from __future__ import annotations

import html
import queue
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from studio.cloud.social.pkce import PkcePair, make_state

DEFAULT_TIMEOUT_S = 300.0
CALLBACK_PATH = "/callback"
BuildUrl = Callable[[str, str, str], str]
"""(state, code_challenge, redirect_uri) -> the platform's authorisation URL."""


class LoopbackError(Exception):
    """Connecting did not finish; the message says why in words for the user."""


class AuthorizationDenied(LoopbackError):
    """The user (or the platform) refused: ``error`` is the OAuth code, e.g. access_denied."""

    def __init__(self, error: str, description: str | None = None) -> None:
        detail = f" ({description})" if description else ""
        super().__init__(f"the authorisation was refused: {error}{detail}")
        self.error = error
        self.description = description


class AuthorizationTimeout(LoopbackError):
    """No redirect came back in time (the tab was closed or left open)."""


class StateMismatch(LoopbackError):
    """A redirect arrived whose ``state`` is not ours: refused, as it may be forged (CSRF)."""


@dataclass(frozen=True)
class AuthorizationGrant:
    """What the service needs to exchange the code: all three must travel together."""

    code: str
    code_verifier: str
    redirect_uri: str


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Studio</title></head>
<body style="font-family: sans-serif; margin: 3em"><h1>{title}</h1><p>{text}</p></body></html>"""


class LoopbackRedirect:
    """A one-shot HTTP listener on 127.0.0.1 for one expected ``state``.

    The port is a random free one unless ``port`` is given: Google and TikTok accept any loopback
    port (RFC 8252 7.3), X only the exact callback URL registered for the app.

    The first request to ``path`` decides the outcome; later ones are told it is over. Requests
    to other paths (a browser's favicon) get 404 and change nothing.
    """

    def __init__(self, state: str, path: str = CALLBACK_PATH, port: int = 0) -> None:
        self.state = state
        self.path = path
        self._results: queue.Queue[str | LoopbackError] = queue.Queue()
        self._done = threading.Event()
        try:
            self._server = HTTPServer(("127.0.0.1", port), self._handler_class())
        except OSError as error:
            raise LoopbackError(f"cannot listen on 127.0.0.1:{port} ({error.strerror})") from error
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,))

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def __enter__(self) -> LoopbackRedirect:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def wait(self, timeout_s: float) -> str:
        """The authorisation code, or the typed error the redirect carried."""
        try:
            result = self._results.get(timeout=timeout_s)
        except queue.Empty:
            raise AuthorizationTimeout(
                f"no answer from the browser within {timeout_s:g} s; try connecting again"
            ) from None
        if isinstance(result, LoopbackError):
            raise result
        return result

    def _outcome(self, query: dict[str, list[str]]) -> tuple[int, str, str, str | LoopbackError]:
        """(HTTP status, page title, page text, result) for one redirect."""
        first = {key: values[0] for key, values in query.items() if values}
        if first.get("state") != self.state:
            return (
                400,
                "This sign-in link is not valid",
                "It does not match the connection Studio started. Start again from Studio.",
                StateMismatch("the redirect's state does not match; connect again"),
            )
        if "error" in first:
            return (
                200,
                "Not connected",
                "You can close this tab and return to Studio.",
                AuthorizationDenied(first["error"], first.get("error_description")),
            )
        code = first.get("code")
        if not code:
            return (
                400,
                "Something went wrong",
                "The answer had no code. Start again from Studio.",
                LoopbackError("the redirect carried neither a code nor an error"),
            )
        return 200, "Connected", "You can close this tab and return to Studio.", code

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != owner.path:
                    self._page(404, "Not found", "")
                    return
                if owner._done.is_set():
                    self._page(410, "Already done", "You can close this tab.")
                    return
                status, title, text, result = owner._outcome(parse_qs(url.query))
                owner._done.set()
                self._page(status, title, text)
                owner._results.put(result)

            def _page(self, status: int, title: str, text: str) -> None:
                body = PAGE.format(title=html.escape(title), text=html.escape(text)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        return Handler


def authorize(
    build_url: BuildUrl,
    *,
    open_browser: Callable[[str], bool] = webbrowser.open,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    path: str = CALLBACK_PATH,
    port: int = 0,
) -> AuthorizationGrant:
    """Run the whole browser round trip and return the code with its verifier and redirect URI.

    ``open_browser`` is ``webbrowser.open`` (tests pass a fake browser that follows the URL).
    Raises ``AuthorizationDenied``, ``AuthorizationTimeout``, ``StateMismatch`` or
    ``LoopbackError`` (no browser could be opened; the message carries the URL to open by hand).
    """
    pair = PkcePair.new()
    state = make_state()
    with LoopbackRedirect(state, path, port) as loopback:
        url = build_url(state, pair.challenge, loopback.redirect_uri)
        if not open_browser(url):
            raise LoopbackError(f"could not open a web browser; open this address by hand: {url}")
        code = loopback.wait(timeout_s)
        return AuthorizationGrant(code, pair.verifier, loopback.redirect_uri)
