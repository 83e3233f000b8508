"""Fixtures: a short vertical video, each platform's fake served with its adapter pointed at it,
and ``connect`` -- the desktop's real PKCE loopback flow driven by a fake browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from studio.cloud.social.adapters.base import ClientConfig, HttpAdapter, SocialAdapter, TokenSet
from studio.cloud.social.adapters.instagram import InstagramAdapter
from studio.cloud.social.adapters.tiktok import TikTokAdapter
from studio.cloud.social.adapters.x import XAdapter
from studio.cloud.social.adapters.youtube import YouTubeAdapter
from studio.services.oauth_loopback import authorize
from tests.cloud.social.fakes import serve
from tests.cloud.social.fakes_instagram_x import FakeInstagram, FakeX
from tests.cloud.social.fakes_platforms import (
    CLIENT_ID,
    CLIENT_SECRET,
    FakeTikTok,
    FakeYouTube,
    PlatformFake,
)
from tests.media import make_clip


@pytest.fixture(scope="session")
def short_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-second 180x320 H.264 clip: a tiny vertical Short."""
    return make_clip(tmp_path_factory.mktemp("social") / "short.mp4", 180, 320, 1.0)


@dataclass
class SleepRecorder:
    """Stands in for time.sleep: remembers each requested delay and returns at once."""

    delays: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


def fake_browser(url: str) -> bool:
    """Follows the authorisation URL like a browser whose user clicks "Allow", then loads the
    redirect (the loopback) the platform answered with."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        answer = browser.get(url)
        assert answer.status_code == 302, answer.text
        browser.get(answer.headers["Location"])
    return True


def connect(adapter: SocialAdapter) -> TokenSet:
    """Connect an account the way the desktop does: browser, loopback, then code exchange."""
    grant = authorize(adapter.authorization_url, open_browser=fake_browser, timeout_s=10)
    return adapter.exchange_code(grant.code, grant.code_verifier, grant.redirect_uri)


@dataclass
class Platform:
    name: str
    fake: PlatformFake
    adapter: Any


def _build(name: str, url: str, sleeps: SleepRecorder) -> Any:
    client = ClientConfig(CLIENT_ID, CLIENT_SECRET)
    if name == "youtube":
        return YouTubeAdapter(
            client=client,
            sleep=sleeps,
            auth_url=f"{url}/authorize",
            token_url=f"{url}/token",
            revoke_url=f"{url}/revoke",
            api_base=url,
        )
    if name == "tiktok":
        return TikTokAdapter(
            client=client, sleep=sleeps, auth_url=f"{url}/v2/auth/authorize/", api_base=url
        )
    if name == "instagram":
        return InstagramAdapter(
            client=client,
            sleep=sleeps,
            auth_url=f"{url}/dialog/oauth",
            graph_base=url,
            rupload_base=url,
        )
    return XAdapter(client=client, sleep=sleeps, auth_url=f"{url}/i/oauth2/authorize", api_base=url)


FAKES: dict[str, Callable[[], PlatformFake]] = {
    "youtube": FakeYouTube,
    "tiktok": FakeTikTok,
    "instagram": FakeInstagram,
    "x": FakeX,
}


@pytest.fixture
def platform_factory(sleeps: SleepRecorder) -> Iterator[Callable[[str], Platform]]:
    stops: list[Any] = []

    def start(name: str) -> Platform:
        fake = FAKES[name]()
        server = serve(fake)
        url = server.__enter__()
        stops.append(server)
        adapter = _build(name, url, sleeps)
        stops.append(adapter)
        return Platform(name, fake, adapter)

    yield start
    for item in reversed(stops):
        if isinstance(item, HttpAdapter):
            item.close()
        else:
            item.__exit__(None, None, None)
