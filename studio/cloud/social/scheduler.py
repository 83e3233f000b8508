"""The social jobs on huey: ``social.schedule_post``, ``social.publish_post``,
``social.fetch_metrics`` (periodic) and ``social.sweep_due`` (periodic, the safety net).

The embedded service keeps its queue in SQLite in the data folder and runs the consumer in
threads inside the service; with ``STUDIO_CLOUD_REDIS_URL`` set the queue is Redis and the
consumer may run anywhere. The queue only says *when*; whether a post is published is decided by
its ``PublishRecord`` (``publisher.py``), so a job delivered twice, a lost schedule (a flushed
Redis) or a schedule missed while the service was down never doubles or drops a post:
``sweep_due`` runs on start and every minute and enqueues whatever is due and unpublished.
"""

from __future__ import annotations

import calendar
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab  # type: ignore[import-untyped]
from huey.consumer import Consumer  # type: ignore[import-untyped]
from huey.storage import RedisStorage, SqliteStorage  # type: ignore[import-untyped]
from sqlalchemy import select

from studio.cloud.db import Database
from studio.cloud.social.adapters import ADAPTERS
from studio.cloud.social.adapters.base import ClientConfig, HttpAdapter, SocialAdapter
from studio.cloud.social.models import PublishRecord, SocialPost
from studio.cloud.social.publisher import AdapterFactory, Clock, Publisher, VideoLocator, utc_now
from studio.cloud.social.vault import TokenCipher, load_keys, resumable_state
from studio.cloud.social.videos import VIDEO_DIR, VideoStore

log = logging.getLogger(__name__)

QUEUE_NAME = "studio-social"
QUEUE_FILE = "social-queue.db"
REDIS_ENV = "STUDIO_CLOUD_REDIS_URL"
METRICS_EVERY = crontab(minute="*/30")
SWEEP_EVERY = crontab(minute="*")


class NotConfigured(LookupError):
    """The service has no client registration for a platform; the message names the variables."""


PLATFORM_NAMES = {"youtube": "YouTube", "tiktok": "TikTok", "instagram": "Instagram", "x": "X"}
"""Each platform key as users know it."""


class UtcRedisStorage(RedisStorage):  # type: ignore[misc]
    """Scores the schedule by true UTC epoch seconds. huey's own reads our naive UTC etas with
    ``time.mktime``, as local time, so consumers on hosts in other time zones (or one across a
    daylight-saving change) would run a publish job hours early, when it only skips."""

    def convert_ts(self, ts: datetime) -> float:
        return calendar.timegm(ts.timetuple()) + ts.microsecond * 1e-6


class UtcRedisHuey(RedisHuey):  # type: ignore[misc]
    storage_class = UtcRedisStorage


class UtcSqliteStorage(SqliteStorage):  # type: ignore[misc]
    """The same for the embedded queue: huey's SQLite storage keeps ``eta.timestamp()``, which
    reads our naive UTC as local time, so a laptop whose time zone changes between scheduling and
    publishing (a flight, a daylight-saving change) would find its jobs hours off."""

    def add_to_schedule(self, data: bytes, ts: datetime) -> None:
        super().add_to_schedule(data, _aware_utc(ts))

    def read_schedule(self, ts: datetime) -> list[bytes]:
        return cast(list[bytes], super().read_schedule(_aware_utc(ts)))


class UtcSqliteHuey(SqliteHuey):  # type: ignore[misc]
    storage_class = UtcSqliteStorage


def _aware_utc(ts: datetime) -> datetime:
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts


def make_huey(data_dir: Path, redis_url: str = "", *, immediate: bool = False) -> Any:
    """Redis when a URL is given, else SQLite in ``data_dir``; ``immediate`` runs every job in
    the caller (tests), keeping future ones in memory. Jobs keep no results in the queue: the
    outcome is the ``PublishRecord``, and nobody would read (or ever delete) them there."""
    if immediate:
        return MemoryHuey(QUEUE_NAME, immediate=True, utc=True)
    if redis_url:
        return UtcRedisHuey(QUEUE_NAME, url=redis_url, utc=True, results=False)
    data_dir.mkdir(parents=True, exist_ok=True)
    return UtcSqliteHuey(QUEUE_NAME, filename=str(data_dir / QUEUE_FILE), utc=True, results=False)


class EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """huey's consumer in threads of the service. The service (uvicorn) owns the process's
    signals, and a lifespan may run outside the main thread, so no handlers are installed."""

    def _set_signal_handlers(self) -> None:
        return


class SocialQueue:
    """The huey instance and the four tasks bound to one ``Publisher``."""

    def __init__(self, huey: Any, publisher: Publisher) -> None:
        self.huey = huey
        self.publisher = publisher
        self.schedule_post = huey.task(name="social.schedule_post")(self._schedule_post)
        self.publish_post = huey.task(name="social.publish_post")(self._publish_post)
        self.fetch_metrics = huey.periodic_task(METRICS_EVERY, name="social.fetch_metrics")(
            self._fetch_metrics
        )
        self.sweep_due = huey.periodic_task(SWEEP_EVERY, name="social.sweep_due")(self._sweep_due)
        self._consumer: Any = None

    def _schedule_post(self, post_id: str) -> None:
        """One ``publish_post`` per pending platform at the post's time (at once when due)."""
        with self.publisher.db.session() as session:
            post = session.get(SocialPost, post_id)
            if post is None:
                return
            when = post.scheduled_at
            query = select(PublishRecord.platform).where(
                PublishRecord.post_id == post_id, PublishRecord.status == "pending"
            )
            platforms = list(session.scalars(query))
        for platform in platforms:
            self.enqueue_publish(post_id, platform, when)

    def enqueue_publish(self, post_id: str, platform: str, when: datetime) -> None:
        if when <= self.publisher.clock():
            self.publish_post(post_id, platform)
        else:
            self.publish_post.schedule(args=(post_id, platform), eta=when)

    def _publish_post(self, post_id: str, platform: str) -> str:
        outcome = self.publisher.publish(post_id, platform)
        if outcome.result == "retry":
            self.publish_post.schedule(args=(post_id, platform), delay=outcome.retry_in_s)
        return outcome.result

    def _fetch_metrics(self) -> int:
        return self.publisher.fetch_metrics()

    def _sweep_due(self) -> int:
        due = self.publisher.due()
        for post_id, platform, _ in due:
            self.publish_post(post_id, platform)
        return len(due)

    def start(self, workers: int = 2) -> None:
        """Run the consumer in threads of this process (the embedded service)."""
        if self.huey.immediate or self._consumer is not None:
            return
        self._consumer = EmbeddedConsumer(self.huey, workers=workers, worker_type="thread")
        self._consumer.start()

    def stop(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None


def client_config(platform: str, environ: Mapping[str, str]) -> ClientConfig:
    """The app's registration with ``platform`` from ``STUDIO_CLOUD_SOCIAL_<PLATFORM>_CLIENT_ID``
    and ``..._CLIENT_SECRET``."""
    prefix = f"STUDIO_CLOUD_SOCIAL_{platform.upper()}_"
    client_id = environ.get(prefix + "CLIENT_ID", "").strip()
    if not client_id:
        raise NotConfigured(f"set {prefix}CLIENT_ID on the service")
    return ClientConfig(client_id, environ.get(prefix + "CLIENT_SECRET", "").strip() or None)


class AdapterPool:
    """One adapter per platform, built on first use and shared (its HTTP client pools
    connections); ``close`` ends them all."""

    def __init__(self, build: Callable[[str], SocialAdapter]) -> None:
        self._build = build
        self._made: dict[str, SocialAdapter] = {}
        self._lock = threading.Lock()

    def __call__(self, platform: str) -> SocialAdapter:
        with self._lock:
            if platform not in self._made:
                self._made[platform] = self._build(platform)
            return self._made[platform]

    def close(self) -> None:
        with self._lock:
            for adapter in self._made.values():
                if isinstance(adapter, HttpAdapter):
                    adapter.close()
            self._made.clear()


def env_adapters(db: Database, environ: Mapping[str, str]) -> AdapterPool:
    """Adapters for the real platforms, registered from the environment."""

    def make(platform: str) -> SocialAdapter:
        client = client_config(platform, environ)
        adapter_class: Any = ADAPTERS[platform]  # each adds its own state maps to HttpAdapter's
        return cast(SocialAdapter, adapter_class(client=client, **resumable_state(db, platform)))

    return AdapterPool(make)


@dataclass
class SocialRuntime:
    """Everything the social routes and jobs share, kept on ``app.state.social``."""

    db: Database
    cipher: TokenCipher
    adapters: AdapterFactory
    publisher: Publisher
    queue: SocialQueue
    videos: VideoStore
    """Where uploaded videos are kept (the publisher reads them from there)."""
    webhook_secrets: dict[str, str] = field(default_factory=dict)
    """Platform -> the secret its webhooks are signed with (the app's client secret)."""
    verify_tokens: dict[str, str] = field(default_factory=dict)
    """Platform -> the token its webhook subscription handshake must echo (Meta's)."""

    @classmethod
    def create(
        cls,
        db: Database,
        cipher: TokenCipher,
        adapters: AdapterFactory,
        locate_video: VideoLocator,
        *,
        huey: Any,
        video_root: Path,
        clock: Clock = utc_now,
        webhook_secrets: dict[str, str] | None = None,
        verify_tokens: dict[str, str] | None = None,
        **publisher_options: Any,
    ) -> SocialRuntime:
        """``video_root`` keeps the uploaded videos (``data_dir / VIDEO_DIR`` in the service)."""
        videos = VideoStore(video_root)
        publisher = Publisher(
            db, cipher, adapters, locate_video, clock=clock, videos=videos, **publisher_options
        )
        return cls(
            db,
            cipher,
            adapters,
            publisher,
            SocialQueue(huey, publisher),
            videos,
            dict(webhook_secrets or {}),
            dict(verify_tokens or {}),
        )

    @classmethod
    def from_env(
        cls,
        db: Database,
        data_dir: Path,
        locate_video: VideoLocator,
        environ: Mapping[str, str] | None = None,
    ) -> SocialRuntime:
        env = os.environ if environ is None else environ
        secrets = {
            platform: secret
            for platform in ADAPTERS
            if (secret := env.get(f"STUDIO_CLOUD_SOCIAL_{platform.upper()}_CLIENT_SECRET", ""))
        }
        verify_tokens = {
            platform: token
            for platform in ADAPTERS
            if (token := env.get(f"STUDIO_CLOUD_SOCIAL_{platform.upper()}_VERIFY_TOKEN", ""))
        }
        return cls.create(
            db,
            TokenCipher(load_keys(data_dir, env)),
            env_adapters(db, env),
            locate_video,
            huey=make_huey(data_dir, env.get(REDIS_ENV, "").strip()),
            video_root=data_dir / VIDEO_DIR,
            webhook_secrets=secrets,
            verify_tokens=verify_tokens,
        )

    def recover(self) -> int:
        """On start: publish what came due while the service was down (marked late)."""
        recovered: int = self.queue.sweep_due.call_local()
        if recovered:
            log.info(
                "recovered %d social posts that came due while the service was down", recovered
            )
        return recovered

    def platform_problem(self, platform: str) -> str | None:
        """Why ``platform`` cannot be connected here (what to set), or None when it can."""
        try:
            self.adapters(platform)
        except NotConfigured as error:
            return str(error)
        return None

    def close(self) -> None:
        """Stop the consumer and close the adapters' connections."""
        self.queue.stop()
        if isinstance(self.adapters, AdapterPool):
            self.adapters.close()
