"""What the desktop needs to post: the platforms this service can connect, authorisation URLs
built here (the client ids stay on the service), uploaded renders that the publisher finds, posts
that a retry does not double, and public links once published."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import imageio_ffmpeg
import pytest
from fastapi import FastAPI
from PIL import Image

from studio.cloud.social.adapters.tiktok import desktop_challenge
from studio.cloud.social.pkce import PkcePair, make_state
from tests.cloud.conftest import Account, assert_error, sign_up
from tests.cloud.social.fakes_platforms import CLIENT_ID
from tests.cloud.test_social_publishing import (
    REDIRECT,
    START,
    World,
    by_platform,
    connect,
    post_headers,
    read_post,
    running_world,
    schedule,
    youtube_videos,
)
from tests.media import make_clip


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("social-uploads")
    still = folder / "still.png"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(still)
    sound = folder / "tone.m4a"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
            str(sound),
        ],
        check=True,
    )
    return {
        "rendered": make_clip(folder / "rendered.mp4", 180, 320, 1.0),
        "service": make_clip(folder / "service.mp4", 160, 288, 1.0),
        "still": still,
        "sound": sound,
    }


@pytest.fixture
def world(app: FastAPI, clips: dict[str, Path]) -> Iterator[World]:
    with running_world(app, clips["service"]) as built:
        yield built


@pytest.fixture
def alice(world: World) -> Account:
    return sign_up(world.http, "alice@example.com")


def upload(world: World, account: Account, path: Path, name: str | None = None) -> httpx.Response:
    with path.open("rb") as stream:
        files = {"file": (name or path.name, stream, "video/mp4")}
        return world.http.post("/social/videos", files=files, headers=account.headers)


def authorize(world: World, account: Account, **body: Any) -> httpx.Response:
    pair = PkcePair.new()
    values = {
        "platform": "youtube",
        "state": make_state(),
        "code_challenge": pair.challenge,
        "redirect_uri": REDIRECT,
        **body,
    }
    return world.http.post("/social/authorizations", json=values, headers=account.headers)


# Platforms and authorisation URLs


def test_platforms_say_which_can_be_connected_and_what_is_missing(
    world: World, alice: Account
) -> None:
    answer = world.http.get("/social/platforms", headers=alice.headers)
    assert answer.status_code == 200, answer.text
    shown = {item["platform"]: item for item in answer.json()}
    assert [item["name"] for item in answer.json()] == ["YouTube", "TikTok", "Instagram", "X"]
    assert shown["youtube"] == {
        "platform": "youtube",
        "name": "YouTube",
        "configured": True,
        "reason": None,
    }
    assert shown["tiktok"]["configured"] is True
    assert shown["instagram"]["configured"] is False
    assert "instagram" in shown["instagram"]["reason"]
    assert world.http.get("/social/platforms").status_code == 401


def test_a_service_without_client_ids_names_the_variable_to_set(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as plain:
        account = sign_up(plain)
        shown = plain.get("/social/platforms", headers=account.headers).json()
        assert {item["configured"] for item in shown} == {False}
        youtube = next(item for item in shown if item["platform"] == "youtube")
        assert youtube["reason"] == "set STUDIO_CLOUD_SOCIAL_YOUTUBE_CLIENT_ID on the service"
        pair = PkcePair.new()
        refused = plain.post(
            "/social/authorizations",
            json={
                "platform": "x",
                "state": make_state(),
                "code_challenge": pair.challenge,
                "redirect_uri": REDIRECT,
            },
            headers=account.headers,
        )
        error = assert_error(refused, 503, "not_configured")
        assert error["field"] == "platform"
        assert error["message"].startswith("X is not set up on this service")


def test_the_authorization_url_carries_the_services_client_and_the_desktops_pkce(
    world: World, alice: Account
) -> None:
    pair = PkcePair.new()
    state = make_state()
    answer = authorize(world, alice, state=state, code_challenge=pair.challenge)
    assert answer.status_code == 200, answer.text
    assert answer.json()["platform"] == "youtube"
    url = answer.json()["authorize_url"]
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert query["state"] == state
    assert query["code_challenge"] == pair.challenge
    assert query["redirect_uri"] == REDIRECT
    assert query["client_id"] == CLIENT_ID

    # The URL works: the platform redirects with a code that the service then exchanges.
    redirect = httpx.get(url, follow_redirects=False)
    code = parse_qs(urlsplit(redirect.headers["Location"]).query)["code"][0]
    connected = world.http.post(
        "/social/accounts",
        json={
            "platform": "youtube",
            "code": code,
            "code_verifier": pair.verifier,
            "redirect_uri": REDIRECT,
        },
        headers=alice.headers,
    )
    assert connected.status_code == 201, connected.text
    assert connected.json()["status"] == "connected"


def test_tiktoks_desktop_flow_gets_the_challenge_in_hex(world: World, alice: Account) -> None:
    pair = PkcePair.new()
    answer = authorize(world, alice, platform="tiktok", code_challenge=pair.challenge)
    url = answer.json()["authorize_url"]
    sent = parse_qs(urlsplit(url).query)["code_challenge"][0]
    assert sent == hashlib.sha256(pair.verifier.encode()).hexdigest()
    assert bytes.fromhex(sent) == base64.urlsafe_b64decode(pair.challenge + "=")
    assert desktop_challenge("not-a-challenge") == "not-a-challenge"


@pytest.mark.parametrize(
    ("redirect_uri", "accepted"),
    [
        ("http://127.0.0.1:53682/callback", True),
        ("http://[::1]:40000/cb", True),
        ("http://localhost:8080/", True),
        ("https://127.0.0.1:53682/callback", False),
        ("http://evil.example.com:80/callback", False),
        ("http://127.0.0.1.evil.example.com:80/callback", False),
        ("http://127.0.0.1/callback", False),
        ("javascript:alert(1)", False),
    ],
)
def test_only_a_loopback_redirect_is_accepted(
    world: World, alice: Account, redirect_uri: str, accepted: bool
) -> None:
    answer = authorize(world, alice, redirect_uri=redirect_uri)
    if accepted:
        assert answer.status_code == 200, answer.text
    else:
        assert assert_error(answer, 422, "validation_error")["field"] == "redirect_uri"


def test_a_malformed_challenge_is_refused(world: World, alice: Account) -> None:
    for challenge in ("short", "x" * 129, "a+b/" * 11):
        answer = authorize(world, alice, code_challenge=challenge)
        assert assert_error(answer, 422, "validation_error")["field"] == "code_challenge"


# Uploaded videos


def test_an_upload_is_kept_once_per_owner_and_bytes(
    world: World, alice: Account, clips: dict[str, Path]
) -> None:
    rendered = clips["rendered"]
    first = upload(world, alice, rendered)
    assert first.status_code == 201, first.text
    video = first.json()
    assert video["bytes"] == rendered.stat().st_size
    assert video["sha256"] == hashlib.sha256(rendered.read_bytes()).hexdigest()
    assert video["duration_seconds"] == pytest.approx(1.0, abs=0.1)

    again = upload(world, alice, rendered, name="renamed.mp4")
    assert again.status_code == 200
    assert again.json() == video

    bob = sign_up(world.http, "bob@example.com")
    theirs = upload(world, bob, rendered)
    assert theirs.status_code == 201
    assert theirs.json()["id"] != video["id"]

    folder = world.app.state.service.settings.data_dir / "social-videos"
    kept = sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*.mp4"))
    owners = (alice.user_id, bob.user_id)
    assert kept == sorted(f"{owner}/{video['sha256']}.mp4" for owner in owners)
    assert [path.name for path in folder.rglob(".upload-*")] == []


@pytest.mark.parametrize("kind", ["still", "sound"])
def test_a_file_that_is_not_a_video_is_refused(
    world: World, alice: Account, clips: dict[str, Path], kind: str
) -> None:
    answer = upload(world, alice, clips[kind], name="clip.mp4")
    error = assert_error(answer, 422, "validation_error")
    assert error["field"] == "file"
    folder = world.app.state.service.settings.data_dir / "social-videos"
    assert [path for path in folder.rglob("*") if path.is_file()] == []


@pytest.mark.parametrize("under_by", [100_000, 10], ids=["announced", "counted"])
def test_a_video_over_the_upload_limit_is_refused(
    app_factory: Any, clips: dict[str, Path], under_by: int
) -> None:
    """Far over, the announced length is refused before the body is read; just over, the
    bytes counted while receiving it are."""
    limit = clips["rendered"].stat().st_size - under_by
    small = app_factory(upload_max_bytes=limit)
    with running_world(small, clips["service"]) as built:
        account = sign_up(built.http)
        answer = upload(built, account, clips["rendered"])
        error = assert_error(answer, 413, "payload_too_large")
        assert error["field"] == "file"
        assert str(limit) in error["message"]
        folder = small.state.service.settings.data_dir / "social-videos"
        assert [path for path in folder.rglob("*") if path.is_file()] == []


def test_a_post_publishes_its_uploaded_video_and_links_to_it(
    world: World, alice: Account, clips: dict[str, Path]
) -> None:
    connect(world, alice, "youtube")
    video = upload(world, alice, clips["rendered"]).json()
    post = schedule(world, alice, ["youtube"], START, video_id=video["id"])
    assert post["video_id"] == video["id"]

    shown = read_post(world, alice, post["id"])
    youtube = by_platform(shown)["youtube"]
    assert youtube["status"] == "published", youtube["error"]
    published = youtube_videos(world)[youtube["external_id"]]
    assert published["bytes"] == clips["rendered"].read_bytes()
    assert youtube["url"] == f"https://www.youtube.com/shorts/{youtube['external_id']}"


def test_a_post_names_only_its_owners_videos(
    world: World, alice: Account, clips: dict[str, Path]
) -> None:
    bob = sign_up(world.http, "bob@example.com")
    theirs = upload(world, bob, clips["rendered"]).json()
    connect(world, alice, "youtube")
    body = {
        "variant_id": "v1",
        "platforms": ["youtube"],
        "title": "t",
        "scheduled_at": "2030-01-02T08:00:00Z",
        "video_id": theirs["id"],
    }
    answer = world.http.post("/social/posts", json=body, headers=post_headers(alice))
    assert "video" in assert_error(answer, 404, "not_found")["message"]


def test_without_an_upload_or_a_render_the_post_fails_saying_so(
    world: World, alice: Account
) -> None:
    world.video = None
    connect(world, alice, "youtube")
    post = schedule(world, alice, ["youtube"], START)
    youtube = by_platform(read_post(world, alice, post["id"]))["youtube"]
    assert youtube["status"] == "failed"
    assert "not rendered yet" in youtube["error"]
    assert youtube["url"] is None
    assert youtube_videos(world) == {}


# Idempotent posts


def test_a_retried_post_with_its_key_is_the_same_post_published_once(
    world: World, alice: Account
) -> None:
    connect(world, alice, "youtube")
    body = {
        "variant_id": "v1",
        "platforms": ["youtube"],
        "title": "Sleep better",
        "scheduled_at": (START - timedelta(minutes=1)).isoformat(),
    }
    headers = post_headers(alice, "retry-me")
    first = world.http.post("/social/posts", json=body, headers=headers)
    again = world.http.post("/social/posts", json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert len(world.http.get("/social/posts", headers=alice.headers).json()) == 1
    assert len(youtube_videos(world)) == 1

    changed = world.http.post("/social/posts", json={**body, "title": "Other"}, headers=headers)
    assert assert_error(changed, 409, "idempotency_key_reused")["field"] == "Idempotency-Key"
    missing = world.http.post("/social/posts", json=body, headers=alice.headers)
    assert assert_error(missing, 422, "validation_error")["field"] == "Idempotency-Key"
    assert len(world.http.get("/social/posts", headers=alice.headers).json()) == 1
