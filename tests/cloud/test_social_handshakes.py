"""The platforms' webhook handshakes (Meta's verify token, X's CRC), and the publish lease: a long
upload renews it so nobody takes it over, while a dead worker's claim runs out and is taken."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from studio.cloud.social.adapters.youtube import YouTubeAdapter
from studio.cloud.social.models import PublishRecord
from tests.cloud.conftest import Account, assert_error, sign_up
from tests.cloud.social.fakes_platforms import CLIENT_SECRET
from tests.cloud.test_social_publishing import (
    START,
    World,
    by_platform,
    connect,
    read_post,
    running_world,
    schedule,
    youtube_videos,
)
from tests.media import make_clip


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("social-handshakes") / "short.mp4", 180, 320, 1.0)


@pytest.fixture
def world(app: FastAPI, short_clip: Path) -> Iterator[World]:
    with running_world(app, short_clip) as built:
        yield built


@pytest.fixture
def alice(world: World) -> Account:
    return sign_up(world.http, "alice@example.com")


# Handshakes


def test_meta_verification_echoes_the_challenge_only_for_our_verify_token(world: World) -> None:
    assert world.runtime is not None
    query = {"hub.mode": "subscribe", "hub.verify_token": "tell-no-one", "hub.challenge": "11582"}
    unset = world.http.get("/webhooks/social/instagram", params=query)
    assert_error(unset, 403, "forbidden")

    world.runtime.verify_tokens["instagram"] = "tell-no-one"
    answer = world.http.get("/webhooks/social/instagram", params=query)
    assert answer.status_code == 200
    assert answer.text == "11582"
    assert answer.headers["content-type"].startswith("text/plain")

    wrong = world.http.get(
        "/webhooks/social/instagram", params={**query, "hub.verify_token": "guess"}
    )
    assert_error(wrong, 403, "forbidden")
    not_subscribe = world.http.get(
        "/webhooks/social/instagram", params={**query, "hub.mode": "unsubscribe"}
    )
    assert_error(not_subscribe, 403, "forbidden")


def test_x_crc_is_answered_with_the_consumer_secrets_signature(world: World) -> None:
    assert world.runtime is not None
    unset = world.http.get("/webhooks/social/x", params={"crc_token": "challenge-1"})
    assert (
        "STUDIO_CLOUD_SOCIAL_X_CLIENT_SECRET"
        in assert_error(unset, 503, "not_configured")["message"]
    )

    world.runtime.webhook_secrets["x"] = CLIENT_SECRET
    answer = world.http.get("/webhooks/social/x", params={"crc_token": "challenge-1"})
    assert answer.status_code == 200
    digest = hmac.new(CLIENT_SECRET.encode(), b"challenge-1", hashlib.sha256).digest()
    assert answer.json() == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def test_a_get_without_a_handshake_is_not_found(world: World) -> None:
    assert_error(world.http.get("/webhooks/social/youtube"), 404, "not_found")
    assert_error(world.http.get("/webhooks/social/x"), 404, "not_found")


# The lease


def wait_for_renewal(world: World, post_id: str) -> bool:
    """Whether the record's lease is renewed to the (moved) clock within a few seconds."""
    db = world.app.state.service.db
    query = select(PublishRecord.claimed_at).where(PublishRecord.post_id == post_id)
    pause = threading.Event()
    for _ in range(500):
        with db.session() as session:
            if session.scalar(query) == world.clock.now:
                return True
        pause.wait(0.01)
    return False


def test_a_long_upload_keeps_its_lease_while_a_dead_workers_claim_is_taken_over(
    world: World, alice: Account
) -> None:
    connect(world, alice, "youtube")
    post_ids: list[str] = []
    seen: list[Any] = []

    class LongUpload(YouTubeAdapter):
        def publish(self, *args: Any, **kwargs: Any) -> Any:
            if not seen:  # the first upload takes longer than the 30-minute lease
                assert world.runtime is not None
                world.clock.advance(hours=1)
                seen.append(wait_for_renewal(world, post_ids[0]))
                seen.append(world.runtime.publisher.publish(post_ids[0], "youtube").result)
                seen.append([post for post, _, _ in world.runtime.publisher.due()])
            return super().publish(*args, **kwargs)

    world.adapter_classes["youtube"] = LongUpload
    world.start(renew_every_s=0.01)
    long_post = schedule(world, alice, ["youtube"], START + timedelta(minutes=5))
    post_ids.append(long_post["id"])
    world.clock.advance(minutes=5)
    world.queue.publish_post(long_post["id"], "youtube")

    assert seen == [True, "skipped", []]
    shown = by_platform(read_post(world, alice, long_post["id"]))["youtube"]
    assert shown["status"] == "published"
    assert shown["attempts"] == 1
    assert len(youtube_videos(world)) == 1

    # A worker that died holds a claim nobody renews: it is left alone for the lease, then
    # taken over.
    orphan = schedule(world, alice, ["youtube"], world.clock.now + timedelta(minutes=5))
    world.clock.advance(minutes=5)
    with world.app.state.service.db.session() as session:
        session.execute(
            update(PublishRecord)
            .where(PublishRecord.post_id == orphan["id"])
            .values(status="publishing", claim_token="dead", claimed_at=world.clock.now, attempts=1)
        )
    world.queue.sweep_due()
    assert by_platform(read_post(world, alice, orphan["id"]))["youtube"]["status"] == "publishing"
    world.clock.advance(minutes=31)
    world.queue.sweep_due()

    shown = by_platform(read_post(world, alice, orphan["id"]))["youtube"]
    assert shown["status"] == "published"
    assert shown["attempts"] == 2
    assert len(youtube_videos(world)) == 2
