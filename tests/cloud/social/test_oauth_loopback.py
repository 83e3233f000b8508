"""The desktop's PKCE loopback flow (RFC 8252) against a fake authorisation server and a fake
browser: the code comes back to 127.0.0.1, only our verifier redeems it, and every way it can go
wrong is a typed error."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from studio.cloud.social import pkce
from studio.services.oauth_loopback import (
    AuthorizationDenied,
    AuthorizationTimeout,
    LoopbackError,
    StateMismatch,
    authorize,
)
from tests.cloud.social.fakes import FakeAuthorizationServer, serve


@pytest.fixture
def server() -> Iterator[FakeAuthorizationServer]:
    fake = FakeAuthorizationServer()
    with serve(fake):
        yield fake


class Browser:
    """Follows the authorisation URL and then the redirect, keeping the pages it was shown."""

    def __init__(self, tamper_state: bool = False, favicon_first: bool = False) -> None:
        self.tamper_state = tamper_state
        self.favicon_first = favicon_first
        self.pages: list[httpx.Response] = []
        self.opened: list[str] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        with httpx.Client(timeout=10) as client:
            redirect = client.get(url).headers["Location"]
            target = urlsplit(redirect)
            if self.tamper_state:
                query = {k: v[0] for k, v in parse_qs(target.query).items()}
                query["state"] = "forged-state"
                redirect = target._replace(query=urlencode(query)).geturl()
            if self.favicon_first:
                self.pages.append(client.get(f"{target.scheme}://{target.netloc}/favicon.ico"))
            self.pages.append(client.get(redirect))
        return True


def test_pkce_challenge_matches_rfc_7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.challenge_for(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    pair = pkce.PkcePair.new()
    assert pkce.verify(pair.verifier, pair.challenge)
    assert not pkce.verify(pkce.make_verifier(), pair.challenge)


def test_code_comes_back_to_the_loopback_and_only_our_verifier_redeems_it(
    server: FakeAuthorizationServer,
) -> None:
    browser = Browser()

    grant = authorize(server.authorization_url, open_browser=browser, timeout_s=10)

    sent = {k: v[0] for k, v in parse_qs(urlsplit(browser.opened[0]).query).items()}
    redirect = urlsplit(grant.redirect_uri)
    assert (redirect.scheme, redirect.hostname, redirect.path) == ("http", "127.0.0.1", "/callback")
    assert redirect.port
    assert sent["redirect_uri"] == grant.redirect_uri
    assert sent["code_challenge"] == pkce.challenge_for(grant.code_verifier)
    assert sent["code_challenge_method"] == "S256"
    assert browser.pages[-1].status_code == 200
    assert "You can close this tab" in browser.pages[-1].text

    token_url = f"{server.url}/token"
    form = {
        "grant_type": "authorization_code",
        "code": grant.code,
        "redirect_uri": grant.redirect_uri,
        "client_id": "desktop-app",
    }
    wrong = httpx.post(token_url, data={**form, "code_verifier": pkce.make_verifier()})
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    assert server.oauth.access == set()

    server.oauth.codes.clear()
    again = authorize(server.authorization_url, open_browser=Browser(), timeout_s=10)
    right = httpx.post(
        token_url,
        data={
            **form,
            "code": again.code,
            "redirect_uri": again.redirect_uri,
            "code_verifier": again.code_verifier,
        },
    )
    assert right.status_code == 200
    assert right.json()["access_token"] in server.oauth.access


def test_a_redirect_with_another_state_is_refused(server: FakeAuthorizationServer) -> None:
    browser = Browser(tamper_state=True)

    with pytest.raises(StateMismatch):
        authorize(server.authorization_url, open_browser=browser, timeout_s=10)
    assert browser.pages[-1].status_code == 400
    assert "does not match" in browser.pages[-1].text


def test_the_user_saying_no_is_authorization_denied(server: FakeAuthorizationServer) -> None:
    server.oauth.deny = True
    browser = Browser()

    with pytest.raises(AuthorizationDenied) as caught:
        authorize(server.authorization_url, open_browser=browser, timeout_s=10)
    assert caught.value.error == "access_denied"
    assert caught.value.description == "The user said no"
    assert "close this tab" in browser.pages[-1].text


def test_a_favicon_request_does_not_end_the_wait(server: FakeAuthorizationServer) -> None:
    browser = Browser(favicon_first=True)

    grant = authorize(server.authorization_url, open_browser=browser, timeout_s=10)

    assert [page.status_code for page in browser.pages] == [404, 200]
    assert grant.code


def test_no_answer_in_time_is_a_timeout(server: FakeAuthorizationServer) -> None:
    with pytest.raises(AuthorizationTimeout, match="no answer from the browser"):
        authorize(server.authorization_url, open_browser=lambda url: True, timeout_s=0.2)


def test_no_browser_says_which_address_to_open(server: FakeAuthorizationServer) -> None:
    with pytest.raises(LoopbackError, match=f"{server.url}/authorize"):
        authorize(server.authorization_url, open_browser=lambda url: False, timeout_s=5)


def test_a_fixed_port_is_used_when_the_platform_registers_an_exact_callback(
    server: FakeAuthorizationServer,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    grant = authorize(server.authorization_url, open_browser=Browser(), timeout_s=10, port=port)

    assert grant.redirect_uri == f"http://127.0.0.1:{port}/callback"


def test_a_busy_fixed_port_is_a_loopback_error(server: FakeAuthorizationServer) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(LoopbackError, match=f"127.0.0.1:{port}"):
            authorize(server.authorization_url, open_browser=Browser(), timeout_s=5, port=port)
