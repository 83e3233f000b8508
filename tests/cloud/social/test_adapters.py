"""Every adapter against its platform's local fake: connect, publish, status, metrics, and the
four ways a publish goes wrong (expired token, rate limit, rejected video, refused code)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studio.cloud.social.adapters.base import (
    BadRequest,
    PublishState,
    PublishStatus,
    RateLimited,
    ReconnectNeeded,
    RefreshNeeded,
    TokenSet,
    call_with_refresh,
    with_retries,
)
from studio.services.oauth_loopback import authorize
from tests.cloud.social.conftest import Platform, SleepRecorder, connect, fake_browser
from tests.cloud.social.fakes_platforms import STATS

PLATFORMS = ["youtube", "tiktok", "instagram", "x"]
ACCOUNTS = {
    "youtube": ("UCstudio123", "@studiotests"),
    "tiktok": ("tt-open-1", "studio"),
    "instagram": ("17841400000000001", "studio.reels"),
    "x": ("2244994945", "studio"),
}
SHARES = {"youtube": None, "tiktok": STATS["shares"], "instagram": STATS["shares"], "x": 5 + 3}
WATCH_TIME = {"youtube": None, "tiktok": None, "instagram": 98.5, "x": None}
FIRST_WAIT = {"youtube": 1.0, "tiktok": 1.0, "instagram": 60.0}
"""What each platform's 429-equivalent asks (Meta's header says minutes); X's is a reset time."""


def publish(platform: Platform, token: TokenSet, video: Path, key: str = "post-1") -> Any:
    return platform.adapter.publish(
        token, video, "Sleep better", "Three tips for tonight", ["#sleep", "tips"], key
    )


def uploaded(platform: Platform) -> list[bytes]:
    """The video bytes the fake holds for each upload it completed."""
    fake: Any = platform.fake
    if platform.name == "youtube":
        return [video["bytes"] for video in fake.videos.values()]
    if platform.name == "tiktok":
        return [upload["data"] for upload in fake.uploads.values() if upload["data"]]
    if platform.name == "instagram":
        return [c["data"] for c in fake.containers.values() if c["data"]]
    return [b"".join(m["segments"][i] for i in sorted(m["segments"])) for m in fake.media.values()]


def posted_text(platform: Platform) -> str:
    item = platform.fake.published[0]
    return str(
        item.get("snippet", {}).get("description")
        or item.get("title")
        or item.get("caption")
        or item.get("text")
    )


def settle(platform: Platform, token: TokenSet, external_id: str) -> PublishStatus:
    for _ in range(5):
        status: PublishStatus = platform.adapter.publish_status(token, external_id)
        if status.state is not PublishState.PROCESSING:
            return status
    raise AssertionError("still processing after 5 checks")


@pytest.mark.parametrize("name", PLATFORMS)
def test_publish_then_status_then_metrics(
    name: str, platform_factory: Any, short_video: Path
) -> None:
    platform = platform_factory(name)
    token = connect(platform.adapter)
    assert (token.account_id, token.handle) == ACCOUNTS[name]
    assert set(platform.adapter.default_scopes) <= set(token.scopes)
    assert token.expires_at is not None

    receipt = publish(platform, token, short_video)
    status = settle(platform, token, receipt.external_id)
    metrics = platform.adapter.fetch_metrics(token, receipt.external_id)

    assert status.state is PublishState.PUBLISHED
    assert uploaded(platform) == [short_video.read_bytes()]
    assert len(platform.fake.published) == 1
    assert "Three tips for tonight #sleep #tips" in posted_text(platform)
    assert (metrics.views, metrics.likes, metrics.comments) == (
        STATS["views"],
        STATS["likes"],
        STATS["comments"],
    )
    assert metrics.shares == SHARES[name]
    assert metrics.watch_time_seconds == WATCH_TIME[name]


@pytest.mark.parametrize("name", PLATFORMS)
def test_expired_token_is_refreshed_and_the_post_goes_out_once(
    name: str, platform_factory: Any, short_video: Path
) -> None:
    platform = platform_factory(name)
    token = connect(platform.adapter)
    platform.fake.expire_tokens()

    with pytest.raises(RefreshNeeded):
        publish(platform, token, short_video)
    stored: list[TokenSet] = []
    receipt = call_with_refresh(
        platform.adapter, token, lambda fresh: publish(platform, fresh, short_video), stored.append
    )

    assert len(stored) == 1
    assert stored[0].access_token != token.access_token
    assert stored[0].account_id == token.account_id
    assert receipt.external_id
    assert len(uploaded(platform)) == 1
    assert settle(platform, stored[0], receipt.external_id).state is PublishState.PUBLISHED
    assert len(platform.fake.published) == 1


@pytest.mark.parametrize("name", PLATFORMS)
def test_rate_limited_publish_is_retried_after_the_platforms_delay(
    name: str, platform_factory: Any, short_video: Path
) -> None:
    platform = platform_factory(name)
    token = connect(platform.adapter)
    platform.fake.rate_limit_next = 1
    with pytest.raises(RateLimited) as caught:
        publish(platform, token, short_video)
    first_wait = caught.value.retry_after

    platform.fake.rate_limit_next = 1
    waits = SleepRecorder()
    receipt = with_retries(lambda: publish(platform, token, short_video), sleep=waits)

    if name == "x":
        assert 0 < first_wait <= 2  # x-rate-limit-reset was "now + 1 s"
        assert len(waits.delays) == 1
        assert 0 < waits.delays[0] <= 2
    else:
        assert first_wait == FIRST_WAIT[name]
        assert waits.delays == [FIRST_WAIT[name]]
    assert receipt.external_id
    assert settle(platform, token, receipt.external_id).state is PublishState.PUBLISHED
    assert len(platform.fake.published) == 1


@pytest.mark.parametrize("name", PLATFORMS)
def test_rejected_video_is_a_bad_request_with_the_platforms_reason_and_is_not_retried(
    name: str, platform_factory: Any, short_video: Path
) -> None:
    platform = platform_factory(name)
    token = connect(platform.adapter)
    platform.fake.reject_reason = "The video format is not supported"
    waits = SleepRecorder()

    with pytest.raises(BadRequest) as caught:
        with_retries(lambda: publish(platform, token, short_video), sleep=waits)

    assert "The video format is not supported" in caught.value.reason
    assert waits.delays == []
    assert platform.fake.published == []


@pytest.mark.parametrize("name", PLATFORMS)
def test_code_exchange_with_the_wrong_verifier_is_refused(name: str, platform_factory: Any) -> None:
    platform = platform_factory(name)
    grant = authorize(platform.adapter.authorization_url, open_browser=fake_browser, timeout_s=10)

    with pytest.raises(BadRequest, match="code exchange refused"):
        platform.adapter.exchange_code(grant.code, "x" * 64, grant.redirect_uri)
    assert platform.fake.oauth.access == set()


@pytest.mark.parametrize("name", PLATFORMS)
def test_repeating_a_publish_with_the_same_key_posts_once(
    name: str, platform_factory: Any, short_video: Path
) -> None:
    platform = platform_factory(name)
    token = connect(platform.adapter)

    first = publish(platform, token, short_video, key="post-7:" + name)
    settle(platform, token, first.external_id)
    again = publish(platform, token, short_video, key="post-7:" + name)

    assert again.external_id == first.external_id
    assert len(platform.fake.published) == 1


@pytest.mark.parametrize("name", PLATFORMS)
def test_revoke_makes_the_tokens_useless(name: str, platform_factory: Any) -> None:
    platform = platform_factory(name)
    token = connect(platform.adapter)

    platform.adapter.revoke(token)

    with pytest.raises(RefreshNeeded):
        platform.adapter.fetch_metrics(token, "any-id")
    with pytest.raises(ReconnectNeeded):
        platform.adapter.refresh(token)
