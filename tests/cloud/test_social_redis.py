"""The social queue on a real Redis, as the deployed service runs it (``STUDIO_CLOUD_REDIS_URL``):
the jobs travel serialised through a Redis server the tests start, huey's consumers run in
threads on the real clock, and the platforms are the local fakes in tests/cloud/social.

A post scheduled ahead is published at its time, once, leaving nothing behind in Redis; two
consumers sharing the queue and a duplicate trigger still publish once; a schedule missed while
no consumer ran is published on recovery, marked late, and the job left waiting in Redis does not
publish it again; consumers on hosts in other time zones agree on when a job is due. Each runs on
SQLite and on PostgreSQL (the ``app`` fixture), the deployed service's database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from cryptography.fernet import Fernet
from fastapi import FastAPI
from fastapi.testclient import TestClient
from huey.signals import SIGNAL_EXECUTING  # type: ignore[import-untyped]

from studio.cloud.social import routes
from studio.cloud.social.publisher import utc_now
from studio.cloud.social.scheduler import AdapterPool, SocialRuntime, make_huey
from studio.cloud.social.vault import TokenCipher, resumable_state
from tests.cloud.conftest import Account, sign_up, time_zone
from tests.cloud.social.conftest import FAKES, SleepRecorder
from tests.cloud.social.fakes import serve
from tests.cloud.social.fakes_platforms import PlatformFake
from tests.cloud.test_social_publishing import (
    build_adapter,
    by_platform,
    connect,
    read_post,
    schedule,
    tiktok_uploads,
    youtube_videos,
)
from tests.media import make_clip

pytestmark = pytest.mark.redis

WAIT_S = 15.0
"""How long a test waits for the consumers before it reports what it saw."""


@dataclass
class RealClock:
    """The real UTC time (huey's consumers run on it), moved ahead by ``offset`` to stand for
    time that passed while the service was down."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset


@dataclass
class RedisWorld:
    """The service with the social router on a Redis queue, its consumer in threads (started by
    the router's lifespan), and the YouTube and TikTok fakes. The helpers of
    test_social_publishing.py take it in place of their ``World``: they use ``runtime``/``http``."""

    app: FastAPI
    fakes: dict[str, PlatformFake]
    video: Path
    redis_url: str
    clock: RealClock = field(default_factory=RealClock)
    sleeps: SleepRecorder = field(default_factory=SleepRecorder)
    runtime: SocialRuntime | None = None
    client: TestClient | None = None

    def new_runtime(self) -> SocialRuntime:
        """A runtime of its own (another service instance): its own huey and Redis connections,
        the same database, queue name and platforms."""
        db = self.app.state.service.db
        data_dir = self.app.state.service.settings.data_dir

        def make(platform: str) -> Any:
            fake = self.fakes[platform]
            return build_adapter(platform, fake.url, self.sleeps, **resumable_state(db, platform))

        return SocialRuntime.create(
            db,
            TokenCipher([self.app.state.test_social_key]),
            AdapterPool(make),
            lambda owner, shorts, variant: self.video,
            huey=make_huey(data_dir, self.redis_url),
            video_root=data_dir / "social-videos",
            clock=self.clock,
            sleep=self.sleeps,
        )

    def start(self) -> None:
        """Start (or restart) the service: recovery, then the consumer."""
        self.stop()
        self.runtime = self.new_runtime()
        self.app.state.social = self.runtime
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.__enter__()

    def stop(self) -> None:
        """The service goes down; its lifespan stops the consumer (waiting for its workers)."""
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


def wait_until(condition: Callable[[], bool], timeout_s: float = WAIT_S) -> bool:
    """Poll ``condition`` until it holds or ``timeout_s`` passed; its last answer."""
    pause = threading.Event()
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return True
        pause.wait(0.05)
    return condition()


def drained(*queues: Any) -> bool:
    """Nothing waiting in Redis: no job queued or scheduled."""
    return all(q.huey.pending_count() == 0 and q.huey.scheduled_count() == 0 for q in queues)


def job_data_left(redis_url: str) -> list[bytes]:
    """The queue's keys in Redis that outlive the jobs (their results)."""
    with redis.Redis.from_url(redis_url) as server:
        return [key for key in server.keys("huey.*") if key.startswith(b"huey.results.")]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("social-redis") / "short.mp4", 180, 320, 1.0)


@pytest.fixture
def world(app: FastAPI, clip: Path, redis_url: str) -> Iterator[RedisWorld]:
    app.include_router(routes.router)
    app.state.test_social_key = Fernet.generate_key()
    with ExitStack() as stack:
        fakes = {name: FAKES[name]() for name in ("youtube", "tiktok")}
        for fake in fakes.values():
            stack.enter_context(serve(fake))
        built = RedisWorld(app, fakes, clip, redis_url)
        built.start()
        try:
            yield built
        finally:
            built.stop()
            if built.runtime is not None:
                built.runtime.close()


@pytest.fixture
def alice(world: RedisWorld) -> Account:
    return sign_up(world.http, "alice@example.com")


def test_a_post_scheduled_ahead_is_published_by_the_consumer_at_its_time_once(
    world: RedisWorld, alice: Account, redis_url: str
) -> None:
    connect(world, alice, "youtube")
    when = utc_now() + timedelta(seconds=3)
    post = schedule(world, alice, ["youtube"], when)
    assert youtube_videos(world) == {}

    # The consumer turned the schedule into a publish job waiting in Redis for the post's time.
    huey = world.queue.huey
    assert wait_until(lambda: huey.scheduled_count() == 1 or bool(youtube_videos(world)))
    waiting = huey.scheduled()
    assert [(task.name, task.args) for task in waiting] == [
        ("social.publish_post", (post["id"], "youtube"))
    ]
    assert waiting[0].eta == when.replace(tzinfo=None)  # naive UTC, as huey keeps it
    with redis.Redis.from_url(redis_url) as server:
        assert server.zcard("huey.schedule.studiosocial") == 1

    assert wait_until(lambda: bool(youtube_videos(world)) and drained(world.queue))
    world.queue.stop()  # waits for the workers to finish what they hold

    assert len(youtube_videos(world)) == 1
    shown = read_post(world, alice, post["id"])
    assert shown["status"] == "published"
    youtube = by_platform(shown)["youtube"]
    assert youtube["external_id"] == next(iter(youtube_videos(world)))
    assert youtube["attempts"] == 1
    assert youtube["late"] is False
    published_at = datetime.fromisoformat(youtube["published_at"].replace("Z", "+00:00"))
    assert published_at >= when
    assert job_data_left(redis_url) == []  # nothing piles up in Redis per published post


def test_two_consumers_and_a_duplicate_trigger_publish_once(
    world: RedisWorld, alice: Account
) -> None:
    connect(world, alice, "youtube")
    world.queue.stop()  # every job waits in Redis until both consumers run
    post = schedule(world, alice, ["youtube"], utc_now() - timedelta(seconds=1))
    second = world.new_runtime()
    try:
        world.queue.publish_post(post["id"], "youtube")  # a duplicate trigger, from each side
        second.queue.publish_post(post["id"], "youtube")
        world.queue.publish_post(post["id"], "youtube")
        second.queue.schedule_post(post["id"])  # the client retried the schedule
        assert world.queue.huey.pending_count() == second.queue.huey.pending_count() == 5

        # Each consumer's workers hold their first job until the other consumer has one too,
        # so the two really race for the same post.
        started = {"first": threading.Event(), "second": threading.Event()}
        ran: list[tuple[str, str]] = []

        def gate(mine: str, other: str) -> Callable[..., None]:
            def on_executing(signal: str, task: Any) -> None:
                ran.append((mine, task.name))
                started[mine].set()
                started[other].wait(WAIT_S)

            return on_executing

        world.queue.huey.signal(SIGNAL_EXECUTING)(gate("first", "second"))
        second.queue.huey.signal(SIGNAL_EXECUTING)(gate("second", "first"))
        world.queue.start()
        second.queue.start()

        def all_ran() -> bool:
            names = [name for _, name in ran]
            return (
                names.count("social.schedule_post") == 2
                and names.count("social.publish_post") >= 3
                and drained(world.queue, second.queue)
            )

        assert wait_until(all_ran)
    finally:
        second.close()  # both consumers stop once their workers finished what they hold
    world.queue.stop()

    assert {who for who, _ in ran} == {"first", "second"}
    assert len(youtube_videos(world)) == 1
    shown = by_platform(read_post(world, alice, post["id"]))["youtube"]
    assert shown["status"] == "published"
    assert shown["attempts"] == 1
    assert shown["late"] is False


def test_a_schedule_missed_while_no_consumer_ran_is_published_late_on_recovery(
    world: RedisWorld, alice: Account
) -> None:
    connect(world, alice, "youtube")
    connect(world, alice, "tiktok")
    world.queue.stop()  # the consumer died; the service still took the post
    when = utc_now() + timedelta(minutes=30)
    post = schedule(world, alice, ["youtube", "tiktok"], when)
    assert world.queue.huey.pending_count() == 1  # its schedule job waits in Redis
    world.stop()
    world.clock.offset = timedelta(hours=2)  # down past the post's time

    world.start()  # recovery publishes it, then the consumer takes the waiting job

    assert wait_until(lambda: drained(world.queue))
    world.queue.stop()  # waits for the workers to finish what they hold
    assert len(youtube_videos(world)) == 1
    assert len(tiktok_uploads(world)) == 1
    shown = read_post(world, alice, post["id"])
    assert shown["status"] == "published"
    assert {item["late"] for item in shown["platforms"]} == {True}
    assert {item["attempts"] for item in shown["platforms"]} == {1}
    for item in shown["platforms"]:
        published_at = datetime.fromisoformat(item["published_at"].replace("Z", "+00:00"))
        assert published_at >= when + timedelta(minutes=5)


def test_consumers_in_other_time_zones_agree_on_when_a_post_is_due(
    world: RedisWorld, alice: Account
) -> None:
    """The deployed consumers may run on hosts set to different time zones (or one across a
    daylight-saving change): the schedule in Redis must mean the same instant to all of them."""
    connect(world, alice, "youtube")
    huey = world.queue.huey
    when = utc_now() + timedelta(hours=1)
    with time_zone("Asia/Tokyo"):  # the consumer that schedules the publish job
        post = schedule(world, alice, ["youtube"], when)
        assert wait_until(lambda: huey.scheduled_count() == 1)
        world.queue.stop()

    with time_zone("America/Los_Angeles"):  # another consumer reads the schedule now
        due_now = huey.read_schedule(utc_now().replace(tzinfo=None))
        assert due_now == []
        assert huey.scheduled_count() == 1
        due_then = huey.read_schedule(when.replace(tzinfo=None))
    assert [(task.name, task.args) for task in due_then] == [
        ("social.publish_post", (post["id"], "youtube"))
    ]
    assert youtube_videos(world) == {}
