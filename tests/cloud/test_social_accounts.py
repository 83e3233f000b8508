"""Connected accounts (tokens encrypted at rest, owner-scoped, revoked on disconnect), metrics as
a time series, /analytics/shorts per variant and hook, and the platform webhooks."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.fernet import Fernet
from fastapi import FastAPI
from sqlalchemy import select, text

from studio.cloud.db import VERSION_TABLE, open_engine
from studio.cloud.models import CloudBase, ShortsRow
from studio.cloud.social.adapters.base import ClientConfig, TokenSet
from studio.cloud.social.adapters.youtube import YouTubeAdapter
from studio.cloud.social.models import MetricSample, SocialAccount
from studio.cloud.social.scheduler import NotConfigured, SocialRuntime
from studio.cloud.social.vault import (
    KEY_ENV,
    ResumableState,
    TokenCipher,
    VaultError,
    load_keys,
)
from tests.cloud.conftest import Account, assert_error, sign_up
from tests.cloud.social.fakes_platforms import CLIENT_SECRET, STATS
from tests.cloud.test_social_publishing import (
    START,
    World,
    authorization_code,
    by_platform,
    connect,
    post_headers,
    read_post,
    running_world,
    schedule,
)
from tests.media import make_clip


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("social-accounts") / "short.mp4", 180, 320, 1.0)


@pytest.fixture
def world(app: FastAPI, short_clip: Path) -> Iterator[World]:
    with running_world(app, short_clip) as built:
        yield built


@pytest.fixture
def alice(world: World) -> Account:
    return sign_up(world.http, "alice@example.com")


def test_connecting_keeps_the_tokens_encrypted_and_only_for_their_owner(
    world: World, alice: Account
) -> None:
    account = connect(world, alice, "youtube")
    assert account["platform"] == "youtube"
    assert account["account_id"] == "UCstudio123"
    assert account["handle"] == "@studiotests"
    assert account["status"] == "connected"
    assert "https://www.googleapis.com/auth/youtube.upload" in account["scopes"]

    youtube: Any = world.fakes["youtube"]
    access_tokens = set(youtube.oauth.access)
    refresh_tokens = set(youtube.oauth.refresh_tokens)
    with world.app.state.service.db.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_ciphertext FROM cloud_social_account"))
        raw = [row[0] for row in stored]
    assert len(raw) == 1
    assert not any(token in raw[0] for token in access_tokens | refresh_tokens)

    bob = sign_up(world.http, "bob@example.com")
    assert world.http.get("/social/accounts", headers=bob.headers).json() == []
    assert_error(
        world.http.delete(f"/social/accounts/{account['id']}", headers=bob.headers),
        404,
        "not_found",
    )
    listed = world.http.get("/social/accounts", headers=alice.headers).json()
    assert [item["id"] for item in listed] == [account["id"]]


def test_disconnecting_revokes_the_grant_at_the_platform(world: World, alice: Account) -> None:
    account = connect(world, alice, "youtube")
    youtube: Any = world.fakes["youtube"]
    assert len(youtube.oauth.refresh_tokens) == 1
    waiting = schedule(world, alice, ["youtube"], START + timedelta(days=1))

    answer = world.http.delete(f"/social/accounts/{account['id']}", headers=alice.headers)

    assert answer.status_code == 204
    assert youtube.oauth.refresh_tokens == {}
    assert [r.path for r in youtube.requests if r.path == "/revoke"] == ["/revoke"]
    listed = world.http.get("/social/accounts", headers=alice.headers).json()
    assert [(item["status"], item["scopes"]) for item in listed] == [("revoked", [])]
    shown = by_platform(read_post(world, alice, waiting["id"]))["youtube"]
    assert shown["status"] == "failed"
    assert shown["error"] == "the youtube account was disconnected"


def test_a_refused_code_is_a_clear_error(world: World, alice: Account) -> None:
    body = authorization_code(world, "tiktok")
    body["code_verifier"] = "x" * 43  # not the verifier of the challenge the fake saw
    error = assert_error(
        world.http.post("/social/accounts", json=body, headers=alice.headers),
        400,
        "platform_refused",
    )
    assert "code exchange refused" in error["message"]
    assert world.http.get("/social/accounts", headers=alice.headers).json() == []


def test_metrics_are_a_time_series_and_analytics_sum_each_platforms_latest_sample(
    world: World, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(world, alice, "youtube")
    connect(world, alice, "tiktok")
    with world.app.state.service.db.session() as session:
        session.add(
            ShortsRow(
                owner_id=alice.user_id,
                title="Sleep",
                source_type="idea",
                source_payload={"idea": "sleep"},
                hooks=[
                    {"rank": 1, "text": "You are sleeping wrong"},
                    {"rank": 2, "text": "Doctors hate this pillow"},
                ],
                variants=[
                    {"variant_id": "v-a", "hook_rank": 1, "format": "vertical", "plan": {}},
                    {"variant_id": "v-b", "hook_rank": 2, "format": "vertical", "plan": {}},
                ],
            )
        )
        shorts_id = session.scalars(select(ShortsRow.id)).one()
    hook_a = schedule(
        world, alice, ["youtube", "tiktok"], START, shorts_id=shorts_id, variant_id="v-a", hook=None
    )
    hook_b = schedule(world, alice, ["youtube"], START, shorts_id=shorts_id, variant_id="v-b")
    assert hook_a["hook"] == "You are sleeping wrong"
    assert hook_b["hook"] == "Doctors hate this pillow"
    assert world.runtime is not None
    publisher = world.runtime.publisher

    assert publisher.fetch_metrics() == 3
    assert publisher.fetch_metrics() == 0  # the same round again (another process) adds nothing
    world.clock.advance(minutes=30)
    monkeypatch.setitem(STATS, "views", 2000)
    monkeypatch.setitem(STATS, "likes", 90)
    assert publisher.fetch_metrics() == 3

    with world.app.state.service.db.session() as session:
        series = session.scalars(
            select(MetricSample)
            .where(MetricSample.post_id == hook_a["id"], MetricSample.platform == "youtube")
            .order_by(MetricSample.fetched_at)
        ).all()
        assert [(s.fetched_at, s.views) for s in series] == [
            (START, 1234),
            (START + timedelta(minutes=30), 2000),
        ]
    shown = by_platform(read_post(world, alice, hook_a["id"]))
    assert shown["tiktok"]["metrics"] == {
        "fetched_at": "2030-01-01T09:30:00Z",
        "views": 2000,
        "likes": 90,
        "comments": STATS["comments"],
        "shares": STATS["shares"],
        "watch_time_seconds": None,
    }
    assert shown["youtube"]["metrics"]["shares"] is None  # the Data API does not count shares

    answer = world.http.get("/analytics/shorts", headers=alice.headers)
    assert answer.status_code == 200, answer.text
    rows = [
        (r["variant_id"], r["hook"], r["platforms"], r["views"], r["likes"], r["shares"])
        for r in answer.json()
    ]
    assert rows == [
        ("v-a", "You are sleeping wrong", ["tiktok", "youtube"], 4000, 180, STATS["shares"]),
        ("v-b", "Doctors hate this pillow", ["youtube"], 2000, 90, 0),
    ]
    assert {r["shorts_id"] for r in answer.json()} == {shorts_id}
    bob = sign_up(world.http, "bob@example.com")
    assert world.http.get("/analytics/shorts", headers=bob.headers).json() == []


def test_a_variant_of_someone_elses_shorts_cannot_be_posted(world: World, alice: Account) -> None:
    bob = sign_up(world.http, "bob@example.com")
    with world.app.state.service.db.session() as session:
        row = ShortsRow(
            owner_id=bob.user_id,
            title="B",
            source_type="idea",
            source_payload={},
            hooks=[],
            variants=[],
        )
        session.add(row)
        session.flush()
        shorts_id = row.id
    connect(world, alice, "youtube")
    answer = world.http.post(
        "/social/posts",
        json={
            "shorts_id": shorts_id,
            "variant_id": "v1",
            "platforms": ["youtube"],
            "title": "t",
            "scheduled_at": "2030-01-02T08:00:00Z",
        },
        headers=post_headers(alice),
    )
    assert_error(answer, 404, "not_found")


def test_webhooks_are_a_hint_and_a_bad_signature_is_refused(world: World, alice: Account) -> None:
    assert world.runtime is not None
    world.runtime.webhook_secrets["instagram"] = CLIENT_SECRET
    body = b'{"object": "instagram", "entry": []}'
    signature = "sha256=" + hmac.new(CLIENT_SECRET.encode(), body, hashlib.sha256).hexdigest()

    signed = world.http.post(
        "/webhooks/social/instagram", content=body, headers={"X-Hub-Signature-256": signature}
    )
    forged = world.http.post(
        "/webhooks/social/instagram", content=body, headers={"X-Hub-Signature-256": "sha256=00"}
    )
    hint = world.http.post("/webhooks/social/youtube", content=b"<feed/>")

    assert (signed.status_code, signed.json()) == (200, {"accepted": True})
    assert_error(forged, 401, "unauthorized")
    assert (hint.status_code, hint.json()) == (200, {"accepted": True})
    assert_error(world.http.post("/webhooks/social/myspace", content=b"{}"), 404, "not_found")


def test_the_key_is_generated_once_private_and_the_environment_wins(tmp_path: Path) -> None:
    first = load_keys(tmp_path, environ={})
    assert load_keys(tmp_path, environ={}) == first
    mode = stat.S_IMODE(os.stat(tmp_path / "cloud-social-key").st_mode)
    assert mode == 0o600
    tokens = TokenSet("at-1", "rt-1", START, ("upload",), "acct", "@me")
    sealed = TokenCipher(first).encrypt(tokens)
    assert TokenCipher(first).decrypt(sealed) == tokens

    rotated = Fernet.generate_key()
    keys = load_keys(tmp_path, environ={KEY_ENV: f"{rotated.decode()},{first[0].decode()}"})
    assert TokenCipher(keys).decrypt(sealed) == tokens  # old rows still read after rotation
    with pytest.raises(VaultError, match="do not decrypt"):
        TokenCipher([rotated]).decrypt(sealed)
    with pytest.raises(VaultError, match=KEY_ENV):
        TokenCipher([b"not-a-key"])


def test_the_migrations_build_the_social_tables_the_models_describe(tmp_path: Path) -> None:
    assert SocialAccount.metadata is CloudBase.metadata
    engine = open_engine(f"sqlite:///{tmp_path / 'cloud.db'}")
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
            )
            differences = [
                diff
                for diff in compare_metadata(context, CloudBase.metadata)
                if not (diff[0] == "remove_table" and diff[1].name == VERSION_TABLE)
            ]
    finally:
        engine.dispose()
    assert differences == []


def test_the_service_reads_its_platform_registrations_from_the_environment(
    app: FastAPI, tmp_path: Path
) -> None:
    environ = {
        "STUDIO_CLOUD_SOCIAL_YOUTUBE_CLIENT_ID": "yt-id",
        "STUDIO_CLOUD_SOCIAL_YOUTUBE_CLIENT_SECRET": "yt-secret",
    }
    runtime = SocialRuntime.from_env(
        app.state.service.db, tmp_path, lambda owner, shorts, variant: None, environ
    )
    try:
        youtube = runtime.adapters("youtube")
        assert isinstance(youtube, YouTubeAdapter)
        assert youtube.client == ClientConfig("yt-id", "yt-secret")
        assert isinstance(youtube.upload_sessions, ResumableState)
        with pytest.raises(NotConfigured, match="STUDIO_CLOUD_SOCIAL_TIKTOK_CLIENT_ID"):
            runtime.adapters("tiktok")
        assert runtime.webhook_secrets == {"youtube": "yt-secret"}
        assert (tmp_path / "social-queue.db").is_file()
        assert (tmp_path / "cloud-social-key").is_file()
    finally:
        runtime.close()
