"""The bundled client's social methods against the real service on 127.0.0.1, whose platforms
are the local fakes of tests/cloud/social (no network): connect through the service's
authorisation URL, upload a render, post it once however often the call is retried, read it
back with its public link, and see its counts in the analytics."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet

from studio.cloud.app import create_app
from studio.cloud.social.pkce import PkcePair, make_state
from studio.cloud.social.scheduler import AdapterPool, NotConfigured, SocialRuntime, make_huey
from studio.cloud.social.vault import TokenCipher, resumable_state
from studio.services.cloud_client import (
    CloudClient,
    NotFound,
    PlatformNotConfigured,
    PostOut,
    RetryPolicy,
    StoredTokens,
    ValidationFailed,
)
from tests.cloud.social.conftest import SleepRecorder
from tests.cloud.social.fakes import serve
from tests.cloud.social.fakes_platforms import STATS, FakeTikTok, FakeYouTube, PlatformFake
from tests.cloud.test_social_publishing import build_adapter
from tests.media import make_clip
from tests.services.test_cloud_client import RecordingQueue, RunningServer, service_settings

REDIRECT = "http://127.0.0.1:53682/callback"
PASSWORD = "correct horse battery"


class MemoryStore:
    """The sign-in kept in memory (the keyring is not the subject here)."""

    def __init__(self) -> None:
        self.tokens: StoredTokens | None = None

    def load(self) -> StoredTokens | None:
        return self.tokens

    def save(self, tokens: StoredTokens) -> None:
        self.tokens = tokens

    def clear(self) -> None:
        self.tokens = None


@dataclass
class SocialCloud:
    url: str
    runtime: SocialRuntime
    fakes: dict[str, PlatformFake]
    videos: Path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("client-social") / "variant.mp4", 180, 320, 1.0)


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[SocialCloud]:
    """The service with YouTube and TikTok set up (as fakes), Instagram and X not."""
    app = create_app(service_settings(tmp_path / "cloud"), render_queue=RecordingQueue())
    db = app.state.service.db
    with ExitStack() as stack:
        fakes: dict[str, PlatformFake] = {"youtube": FakeYouTube(), "tiktok": FakeTikTok()}
        urls = {name: stack.enter_context(serve(fake)) for name, fake in fakes.items()}

        def make(platform: str) -> Any:
            if platform not in urls:
                raise NotConfigured(f"set STUDIO_CLOUD_SOCIAL_{platform.upper()}_CLIENT_ID")
            state = resumable_state(db, platform)
            return build_adapter(platform, urls[platform], SleepRecorder(), **state)

        runtime = SocialRuntime.create(
            db,
            TokenCipher([Fernet.generate_key()]),
            AdapterPool(make),
            lambda owner, shorts, variant: None,
            huey=make_huey(tmp_path, immediate=True),
            video_root=tmp_path / "videos",
            sleep=SleepRecorder(),
        )
        app.state.social = runtime
        try:
            with RunningServer(app) as server:
                yield SocialCloud(server.url, runtime, fakes, tmp_path / "videos")
        finally:
            runtime.close()
            db.close()


@pytest.fixture
def client(cloud: SocialCloud) -> Iterator[CloudClient]:
    with CloudClient(cloud.url, MemoryStore(), retry=RetryPolicy(sleep=lambda _: None)) as made:
        made.signup("alice@example.com", PASSWORD)
        yield made


def connect(client: CloudClient, platform: str) -> str:
    """The desktop's flow: URL from the service, the user allows in the browser, code back."""
    pair = PkcePair.new()
    state = make_state()
    url = client.social_authorization_url(
        platform, state=state, code_challenge=pair.challenge, redirect_uri=REDIRECT
    )
    redirect = httpx.get(url, follow_redirects=False).headers["Location"]
    query = parse_qs(urlsplit(redirect).query)
    assert query["state"] == [state]
    account = client.connect_social_account(
        platform, code=query["code"][0], code_verifier=pair.verifier, redirect_uri=REDIRECT
    )
    assert account.status == "connected"
    return account.id


def test_platforms_say_what_this_cloud_can_connect(client: CloudClient) -> None:
    platforms = {item.platform: item for item in client.social_platforms()}
    assert [item.name for item in platforms.values()] == ["YouTube", "TikTok", "Instagram", "X"]
    assert platforms["youtube"].configured
    assert platforms["youtube"].reason is None
    assert not platforms["x"].configured
    assert platforms["x"].reason == "set STUDIO_CLOUD_SOCIAL_X_CLIENT_ID"

    pair = PkcePair.new()
    with pytest.raises(PlatformNotConfigured, match="X is not set up on this service"):
        client.social_authorization_url(
            "x", state=make_state(), code_challenge=pair.challenge, redirect_uri=REDIRECT
        )
    with pytest.raises(ValidationFailed) as refused:
        client.social_authorization_url(
            "youtube",
            state=make_state(),
            code_challenge=pair.challenge,
            redirect_uri="https://example.com/callback",
        )
    assert refused.value.field == "redirect_uri"


def test_connect_upload_post_and_read_it_back(
    client: CloudClient, cloud: SocialCloud, rendered: Path
) -> None:
    youtube_account = connect(client, "youtube")
    connect(client, "tiktok")
    accounts = client.social_accounts()
    assert sorted(account.platform for account in accounts) == ["tiktok", "youtube"]

    video = client.upload_social_video(rendered)
    assert video.bytes == rendered.stat().st_size
    assert video.duration_seconds == pytest.approx(1.0, abs=0.1)
    assert client.upload_social_video(rendered).id == video.id

    post = client.create_social_post(
        variant_id="v1",
        platforms=["youtube", "tiktok"],
        title="Sleep better tonight",
        caption="Three tips",
        hashtags=["sleep"],
        scheduled_at=datetime.now(UTC) - timedelta(seconds=1),
        video_id=video.id,
        hook="You are sleeping wrong",
        idempotency_key="post-once",
    )
    assert isinstance(post, PostOut)
    assert post.video_id == video.id
    shown = client.social_post(post.id)
    states = {item.platform: item for item in shown.platforms}
    assert shown.status == "published", [item.error for item in shown.platforms]
    youtube_videos: dict[str, Any] = cloud.fakes["youtube"].videos  # type: ignore[attr-defined]
    assert [item["bytes"] for item in youtube_videos.values()] == [rendered.read_bytes()]
    external = states["youtube"].external_id
    assert states["youtube"].url == f"https://www.youtube.com/shorts/{external}"
    assert states["tiktok"].url is None

    again = client.create_social_post(
        variant_id="v1",
        platforms=["youtube", "tiktok"],
        title="Sleep better tonight",
        caption="Three tips",
        hashtags=["sleep"],
        scheduled_at=post.scheduled_at,
        video_id=video.id,
        hook="You are sleeping wrong",
        idempotency_key="post-once",
    )
    assert again.id == post.id
    assert [item.id for item in client.social_posts()] == [post.id]
    assert len(youtube_videos) == 1

    cloud.runtime.publisher.fetch_metrics()
    analytics = client.shorts_analytics()
    assert [(row.variant_id, row.hook) for row in analytics] == [("v1", "You are sleeping wrong")]
    assert analytics[0].views == 2 * STATS["views"]

    client.disconnect_social_account(youtube_account)
    statuses = {account.platform: account.status for account in client.social_accounts()}
    assert statuses == {"youtube": "revoked", "tiktok": "connected"}


def test_bad_posts_are_refused_before_or_by_the_service(
    client: CloudClient, cloud: SocialCloud
) -> None:
    with pytest.raises(ValidationFailed) as naive:
        client.create_social_post(
            variant_id="v1",
            platforms=["youtube"],
            title="t",
            scheduled_at=datetime(2030, 1, 1, 9, 0),
        )
    assert naive.value.field == "scheduled_at"
    connect(client, "youtube")
    with pytest.raises(NotFound, match="video"):
        client.create_social_post(
            variant_id="v1",
            platforms=["youtube"],
            title="t",
            scheduled_at=datetime(2030, 1, 1, 9, 0, tzinfo=UTC),
            video_id="0" * 32,
        )
    with pytest.raises(NotFound):
        client.social_post("no-such-post")
    assert client.social_posts() == []
