"""Scheduling and publishing social posts: once per platform whatever triggers the job, resumed
after a worker dies mid-upload, retried with backoff, stopped with the platform's reason, and
published late (and marked so) after a schedule was missed while the service was down.

The platforms are the local fakes in tests/cloud/social; the queue is huey in immediate mode, and
the service's clock is a ``Clock`` the tests move.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient

from studio.cloud.social import routes
from studio.cloud.social.adapters.base import ClientConfig
from studio.cloud.social.adapters.tiktok import TikTokAdapter
from studio.cloud.social.adapters.youtube import YouTubeAdapter
from studio.cloud.social.pkce import PkcePair, make_state
from studio.cloud.social.scheduler import AdapterPool, NotConfigured, SocialRuntime, make_huey
from studio.cloud.social.vault import TokenCipher, resumable_state
from tests.cloud.conftest import Account, sign_up
from tests.cloud.social.conftest import FAKES, SleepRecorder
from tests.cloud.social.fakes import serve
from tests.cloud.social.fakes_platforms import CLIENT_ID, CLIENT_SECRET, PlatformFake
from tests.media import make_clip

START = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
"""The service's clock starts here, ahead of the real one, so huey's own clock never runs a
future task early."""
REDIRECT = "http://127.0.0.1:53682/callback"


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class WorkerKilled(BaseException):
    """Stands in for the worker process dying: nothing in the service catches it."""


def build_adapter(platform: str, url: str, sleeps: SleepRecorder, **state: Any) -> Any:
    """The real adapter class pointed at its fake, with its resumable maps in the database."""
    client = ClientConfig(CLIENT_ID, CLIENT_SECRET)
    if platform == "youtube":
        return YouTubeAdapter(
            client=client,
            sleep=sleeps,
            auth_url=f"{url}/authorize",
            token_url=f"{url}/token",
            revoke_url=f"{url}/revoke",
            api_base=url,
            **state,
        )
    if platform == "tiktok":
        return TikTokAdapter(
            client=client,
            sleep=sleeps,
            auth_url=f"{url}/v2/auth/authorize/",
            api_base=url,
            **state,
        )
    raise AssertionError(f"no fake wired for {platform}")


@dataclass
class World:
    """A service with the social router, the platforms' fakes and a movable clock."""

    app: FastAPI
    fakes: dict[str, PlatformFake]
    clock: Clock
    sleeps: SleepRecorder
    video: Path | None
    """What the render queue finds for every variant (None: nothing rendered)."""
    stack: ExitStack
    runtime: SocialRuntime | None = None
    client: TestClient | None = None
    adapter_classes: dict[str, type[Any]] = field(default_factory=dict)
    queue_dir: Path | None = None
    """Where the embedded SQLite queue lives; None runs the jobs in the caller (immediate)."""

    def start(self, **publisher_options: Any) -> TestClient:
        """Start (or restart) the service: a fresh queue, as after a crash, on the same data."""
        self.stop()
        db = self.app.state.service.db

        def make(platform: str) -> Any:
            if platform not in self.fakes:
                raise NotConfigured(f"no fake {platform} in this test")
            fake = self.fakes[platform]
            chosen = self.adapter_classes.get(platform)
            adapter = build_adapter(
                platform, fake.url, self.sleeps, **resumable_state(db, platform)
            )
            if chosen is not None:
                adapter.__class__ = chosen
            return adapter

        self.runtime = SocialRuntime.create(
            db,
            TokenCipher([self.app.state.test_social_key]),
            AdapterPool(make),
            lambda owner, shorts, variant: self.video,
            huey=make_huey(self.queue_dir, immediate=False)
            if self.queue_dir
            else make_huey(Path("."), immediate=True),
            video_root=self.app.state.service.settings.data_dir / "social-videos",
            clock=self.clock,
            sleep=self.sleeps,
            **publisher_options,
        )
        self.app.state.social = self.runtime
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.__enter__()
        return self.client

    def stop(self) -> None:
        if self.client is not None:
            self.client.__exit__(None, None, None)
            self.client = None

    @property
    def http(self) -> TestClient:
        assert self.client is not None
        return self.client

    @property
    def queue(self) -> Any:
        assert self.runtime is not None
        return self.runtime.queue


@contextmanager
def running_world(app: FastAPI, clip: Path) -> Iterator[World]:
    """The app with the social router, a YouTube and a TikTok fake, started."""
    app.include_router(routes.router)
    app.state.test_social_key = Fernet.generate_key()
    with ExitStack() as stack:
        fakes = {name: FAKES[name]() for name in ("youtube", "tiktok")}
        for fake in fakes.values():
            stack.enter_context(serve(fake))
        built = World(app, fakes, Clock(), SleepRecorder(), clip, stack)
        built.start()
        try:
            yield built
        finally:
            built.stop()
            if built.runtime is not None:
                built.runtime.close()


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("social-api") / "short.mp4", 180, 320, 1.0)


@pytest.fixture
def world(app: FastAPI, short_clip: Path) -> Iterator[World]:
    with running_world(app, short_clip) as built:
        yield built


def authorization_code(world: World, platform: str) -> dict[str, str]:
    """What the desktop's loopback flow hands over: a code the fake issued for our challenge."""
    pair = PkcePair.new()
    assert world.runtime is not None
    adapter = world.runtime.adapters(platform)
    url = adapter.authorization_url(make_state(), pair.challenge, REDIRECT)
    answer = httpx.get(url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    return {
        "platform": platform,
        "code": code,
        "code_verifier": pair.verifier,
        "redirect_uri": REDIRECT,
    }


def connect(world: World, account: Account, platform: str) -> dict[str, Any]:
    body = authorization_code(world, platform)
    response = world.http.post("/social/accounts", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    connected: dict[str, Any] = response.json()
    return connected


def schedule(
    world: World, account: Account, platforms: list[str], at: datetime, **extra: Any
) -> dict[str, Any]:
    body = {
        "variant_id": "v1",
        "platforms": platforms,
        "title": "Sleep better tonight",
        "caption": "Three tips",
        "hashtags": ["#sleep", "tips"],
        "scheduled_at": at.isoformat().replace("+00:00", "Z"),
        "hook": "You are sleeping wrong",
    }
    body.update(extra)
    response = world.http.post("/social/posts", json=body, headers=post_headers(account))
    assert response.status_code == 201, response.text
    post: dict[str, Any] = response.json()
    return post


def post_headers(account: Account, key: str | None = None) -> dict[str, str]:
    """Sign-in and a fresh Idempotency-Key (POST /social/posts requires one)."""
    return {**account.headers, "Idempotency-Key": key or uuid.uuid4().hex}


def read_post(world: World, account: Account, post_id: str) -> dict[str, Any]:
    response = world.http.get(f"/social/posts/{post_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    post: dict[str, Any] = response.json()
    return post


def by_platform(post: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["platform"]: item for item in post["platforms"]}


def youtube_videos(world: World) -> dict[str, Any]:
    videos: dict[str, Any] = world.fakes["youtube"].videos  # type: ignore[attr-defined]
    return videos


def tiktok_uploads(world: World) -> list[Any]:
    uploads: dict[str, Any] = world.fakes["tiktok"].uploads  # type: ignore[attr-defined]
    return [upload for upload in uploads.values() if upload["data"]]


@pytest.fixture
def alice(world: World) -> Account:
    return sign_up(world.http, "alice@example.com")


def test_a_due_post_publishes_once_per_platform_whatever_triggers_it_again(
    world: World, alice: Account
) -> None:
    connect(world, alice, "youtube")
    connect(world, alice, "tiktok")

    post = schedule(world, alice, ["youtube", "tiktok"], START - timedelta(minutes=1))
    for _ in range(2):  # the same job delivered again, a second schedule, the sweep
        world.queue.publish_post(post["id"], "youtube")
        world.queue.publish_post(post["id"], "tiktok")
    world.queue.schedule_post(post["id"])
    world.queue.sweep_due()

    assert len(youtube_videos(world)) == 1
    assert len(tiktok_uploads(world)) == 1
    shown = read_post(world, alice, post["id"])
    assert shown["status"] == "published"
    platforms = by_platform(shown)
    assert platforms["youtube"]["external_id"] == next(iter(youtube_videos(world)))
    assert {item["attempts"] for item in platforms.values()} == {1}
    assert {item["late"] for item in platforms.values()} == {False}
    assert platforms["youtube"]["published_at"] == START.isoformat().replace("+00:00", "Z")


def test_concurrent_triggers_of_one_publish_job_publish_once(world: World, alice: Account) -> None:
    connect(world, alice, "youtube")
    post = schedule(world, alice, ["youtube"], START + timedelta(hours=1))
    world.clock.advance(hours=1)
    assert world.runtime is not None
    publisher = world.runtime.publisher
    results: list[str] = []
    barrier = threading.Barrier(4)

    def trigger() -> None:
        barrier.wait()
        results.append(publisher.publish(post["id"], "youtube").result)

    threads = [threading.Thread(target=trigger) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["published", "skipped", "skipped", "skipped"]
    assert len(youtube_videos(world)) == 1


def test_a_future_post_waits_for_its_time_then_publishes_on_time(
    world: World, alice: Account
) -> None:
    connect(world, alice, "youtube")
    when = START + timedelta(hours=3)
    post = schedule(world, alice, ["youtube"], when)
    assert youtube_videos(world) == {}
    assert read_post(world, alice, post["id"])["status"] == "scheduled"
    world.queue.publish_post(post["id"], "youtube")  # an early trigger does nothing
    assert youtube_videos(world) == {}

    huey = world.queue.huey
    waiting = huey.scheduled()
    assert [(task.name, task.args) for task in waiting] == [
        ("social.publish_post", (post["id"], "youtube"))
    ]
    assert waiting[0].eta == when.replace(tzinfo=None)  # huey keeps naive UTC
    world.clock.now = when
    for task in huey.read_schedule(waiting[0].eta):
        huey.execute(task, timestamp=waiting[0].eta)

    assert len(youtube_videos(world)) == 1
    shown = by_platform(read_post(world, alice, post["id"]))["youtube"]
    assert shown["status"] == "published"
    assert shown["late"] is False


def test_a_worker_killed_mid_upload_is_resumed_without_a_second_video(
    world: World, alice: Account
) -> None:
    connect(world, alice, "youtube")
    youtube: Any = world.fakes["youtube"]
    size = world.video.stat().st_size
    half = size // 2

    class DiesAfterTheDrop(YouTubeAdapter):
        def _uploaded_so_far(self, *args: Any) -> Any:
            raise WorkerKilled

    world.adapter_classes["youtube"] = DiesAfterTheDrop
    world.start()
    youtube.drop_upload_after = half
    post = schedule(world, alice, ["youtube"], START + timedelta(minutes=10))
    world.clock.advance(minutes=10)
    with pytest.raises(WorkerKilled):
        world.queue.publish_post(post["id"], "youtube")
    assert youtube.videos == {}
    assert len(youtube.sessions) == 1
    assert by_platform(read_post(world, alice, post["id"]))["youtube"]["status"] == "publishing"

    # The service restarts with healthy workers. While the dead worker's lease lasts nobody
    # touches the upload; once it ran out, recovery picks the same upload session up.
    del world.adapter_classes["youtube"]
    world.start()
    world.queue.publish_post(post["id"], "youtube")
    assert youtube.videos == {}
    world.clock.advance(hours=1)
    world.start()

    assert len(youtube.sessions) == 1
    assert len(youtube.videos) == 1
    video = next(iter(youtube.videos.values()))
    assert video["bytes"] == world.video.read_bytes()
    puts = [r.headers.get("content-range", "") for r in youtube.requests if r.method == "PUT"]
    assert f"bytes {half}-{size - 1}/{size}" in puts
    shown = by_platform(read_post(world, alice, post["id"]))["youtube"]
    assert shown["status"] == "published"
    assert shown["external_id"] == video["id"]
    assert shown["attempts"] == 2


def test_rate_limits_are_retried_with_backoff_and_then_by_a_later_run(
    world: World, alice: Account
) -> None:
    connect(world, alice, "youtube")
    youtube: Any = world.fakes["youtube"]
    youtube.rate_limit_next = 4  # three tries in the first run, the fourth in the second
    post = schedule(world, alice, ["youtube"], START - timedelta(seconds=1))

    shown = by_platform(read_post(world, alice, post["id"]))["youtube"]
    assert shown["status"] == "pending"
    assert "Too many requests" in shown["error"]
    assert world.sleeps.delays == [1.0, 1.0]  # the platform's Retry-After, between tries
    retry_at = datetime.fromisoformat(shown["retry_at"].replace("Z", "+00:00"))
    assert retry_at == START + timedelta(seconds=60)
    world.queue.publish_post(post["id"], "youtube")  # before the backoff: nothing happens
    world.queue.sweep_due()
    assert youtube.videos == {}

    world.clock.now = retry_at
    world.queue.sweep_due()

    assert len(youtube.videos) == 1
    shown = by_platform(read_post(world, alice, post["id"]))["youtube"]
    assert shown["status"] == "published"
    assert shown["error"] is None
    assert shown["attempts"] == 2


def test_a_rejected_video_stops_with_the_platforms_reason(world: World, alice: Account) -> None:
    connect(world, alice, "youtube")
    connect(world, alice, "tiktok")
    world.fakes["tiktok"].reject_reason = "The video is shorter than one second"
    post = schedule(world, alice, ["youtube", "tiktok"], START)
    world.queue.sweep_due()
    world.queue.publish_post(post["id"], "tiktok")

    shown = read_post(world, alice, post["id"])
    assert shown["status"] == "partly_published"
    tiktok = by_platform(shown)["tiktok"]
    assert tiktok["status"] == "failed"
    assert "The video is shorter than one second" in tiktok["error"]
    assert tiktok["attempts"] == 1
    assert tiktok_uploads(world) == []
    assert len(youtube_videos(world)) == 1


def test_an_expired_token_is_refreshed_and_a_dead_grant_asks_to_reconnect(
    world: World, alice: Account
) -> None:
    account = connect(world, alice, "youtube")
    youtube: Any = world.fakes["youtube"]
    youtube.expire_tokens()
    first = schedule(world, alice, ["youtube"], START)
    assert by_platform(read_post(world, alice, first["id"]))["youtube"]["status"] == "published"

    youtube.expire_tokens()
    youtube.oauth.refresh_tokens.clear()  # the user revoked the app at Google
    second = schedule(world, alice, ["youtube"], START, variant_id="v2")

    shown = by_platform(read_post(world, alice, second["id"]))["youtube"]
    assert shown["status"] == "failed"
    assert "reconnect the youtube account" in shown["error"]
    accounts = world.http.get("/social/accounts", headers=alice.headers).json()
    assert [(a["id"], a["status"]) for a in accounts] == [(account["id"], "needs_reconnect")]
    assert len(youtube.videos) == 1


def test_a_schedule_missed_while_the_service_was_down_publishes_late_on_start(
    world: World, alice: Account
) -> None:
    connect(world, alice, "youtube")
    connect(world, alice, "tiktok")
    post = schedule(world, alice, ["youtube", "tiktok"], START + timedelta(minutes=30))
    world.stop()  # down before the time came; its in-memory schedule is lost with it
    world.clock.advance(hours=2)

    world.start()

    assert len(youtube_videos(world)) == 1
    assert len(tiktok_uploads(world)) == 1
    shown = read_post(world, alice, post["id"])
    assert shown["status"] == "published"
    assert {item["late"] for item in shown["platforms"]} == {True}
    assert {item["published_at"] for item in shown["platforms"]} == {"2030-01-01T11:00:00Z"}


def test_posts_are_validated_and_owner_scoped(world: World, alice: Account) -> None:
    bob = sign_up(world.http, "bob@example.com")
    connect(world, alice, "youtube")
    post = schedule(world, alice, ["youtube"], START + timedelta(hours=1))
    answer = world.http.get(f"/social/posts/{post['id']}", headers=bob.headers)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert world.http.get("/social/posts", headers=bob.headers).json() == []

    body = {"variant_id": "v1", "platforms": ["tiktok"], "title": "t"}
    no_account = world.http.post(
        "/social/posts",
        json={**body, "scheduled_at": "2030-01-02T08:00:00Z"},
        headers=post_headers(alice),
    )
    assert no_account.status_code == 422
    assert no_account.json()["error"]["field"] == "platforms"
    assert "connect a tiktok account first" in no_account.json()["error"]["message"]
    naive = world.http.post(
        "/social/posts",
        json={**body, "platforms": ["youtube"], "scheduled_at": "2030-01-02T08:00:00"},
        headers=post_headers(alice),
    )
    assert naive.status_code == 422
    assert naive.json()["error"]["field"] == "scheduled_at"


def test_the_embedded_queue_on_sqlite_publishes_a_due_post_once(
    world: World, alice: Account, tmp_path: Path
) -> None:
    """The queue the bundled service runs: huey on SQLite with its consumer in threads, so the
    jobs travel serialised through the queue file as they do in production."""
    connect(world, alice, "youtube")
    world.queue_dir = tmp_path / "queue"
    world.start()
    assert (tmp_path / "queue" / "social-queue.db").is_file()
    post = schedule(world, alice, ["youtube"], START)
    world.queue.publish_post(post["id"], "youtube")  # a duplicate trigger through the queue

    waiting = threading.Event()
    for _ in range(400):
        shown = by_platform(read_post(world, alice, post["id"]))["youtube"]
        if shown["status"] == "published" and world.queue.huey.pending_count() == 0:
            break
        waiting.wait(0.05)
    world.stop()  # waits for the workers to finish what they hold

    assert shown["status"] == "published"
    assert len(youtube_videos(world)) == 1
