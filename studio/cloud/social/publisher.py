"""Publishing exactly once per (post, platform), fetching metrics, and finding missed schedules.

Exactly once rests on the ``PublishRecord``, not on the queue: a queue may deliver a job twice
(a retry, a recovery sweep, a duplicate trigger), so every run first *claims* the record with one
conditional ``UPDATE`` (pending, or publishing under a lease that expired because its worker
died); only the run whose update changed the row uploads. The adapters keep their resumable state
(upload session, container, tweet id) under the record's idempotency key in the database, so the
run that takes over an expired claim continues the same upload and gets the same id back instead
of posting again. While a run uploads, a thread renews its lease (``claimed_at``) every third of
it, so a long upload is never taken for a dead worker's; a worker that died stops renewing. After
the upload the record is settled with a second conditional update that only the claim's holder
can make.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from studio.cloud.db import Database
from studio.cloud.social.adapters.base import (
    BadRequest,
    InsufficientScopes,
    RateLimited,
    ReconnectNeeded,
    RefreshNeeded,
    SocialAdapter,
    SocialError,
    TokenSet,
    Transient,
    call_with_refresh,
    with_retries,
)
from studio.cloud.social.models import (
    MetricSample,
    PublishRecord,
    SocialAccount,
    SocialPost,
    SocialVideo,
)
from studio.cloud.social.vault import TokenCipher, VaultError
from studio.cloud.social.videos import VideoStore

log = logging.getLogger(__name__)

AdapterFactory = Callable[[str], SocialAdapter]
"""A platform key -> its adapter, with its resumable maps in the database."""
VideoLocator = Callable[[str, str | None, str], Path | None]
"""(owner id, shorts id, variant id) -> the rendered video, or None while there is none."""
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _claimable(now: datetime, stale: datetime) -> ColumnElement[bool]:
    """Pending and past its backoff, or held under a lease that ran out (its worker died)."""
    return or_(
        and_(
            PublishRecord.status == "pending",
            or_(PublishRecord.retry_at.is_(None), PublishRecord.retry_at <= now),
        ),
        and_(PublishRecord.status == "publishing", PublishRecord.claimed_at < stale),
    )


@dataclass(frozen=True)
class Outcome:
    """What one publish run did: ``published``, ``skipped`` (someone else holds or settled the
    record, or it is not due), ``retry`` (after ``retry_in_s``) or ``failed``."""

    result: str
    retry_in_s: float = 0.0


@dataclass
class Publisher:
    db: Database
    cipher: TokenCipher
    adapters: AdapterFactory
    locate_video: VideoLocator
    clock: Clock = utc_now
    sleep: Callable[[float], None] = time.sleep
    videos: VideoStore | None = None
    """Where uploaded videos are (a post's ``video_id``); None when uploads are not kept."""
    lease_s: float = 30 * 60.0
    """How long a claim protects an upload; a claim older than this belonged to a dead worker."""
    renew_every_s: float | None = None
    """How often a running upload renews its lease; None means a third of ``lease_s``."""
    late_after_s: float = 5 * 60.0
    """Published this long after its schedule or more, a post is marked late."""
    call_attempts: int = 3
    """Tries within one run (short waits) before the run gives the record back for later."""
    max_wait_s: float = 30.0
    """The longest wait inside a run; longer rate limits become a later run."""
    max_runs: int = 6
    retry_base_s: float = 60.0

    # Publishing

    def publish(self, post_id: str, platform: str) -> Outcome:
        """Publish ``post_id`` on ``platform`` unless it is already published, failed, in
        another worker's hands, or not due yet."""
        now = self.clock()
        with self.db.session() as session:
            post = session.get(SocialPost, post_id)
            if post is None or post.scheduled_at > now:
                return Outcome("skipped")
        claim = uuid.uuid4().hex
        if not self._claim(post_id, platform, claim, now):
            return Outcome("skipped")
        try:
            with self._renewing(post_id, platform, claim):
                return self._publish_claimed(post_id, platform, claim)
        except SocialError as error:
            return self._settle_error(post_id, platform, claim, error)
        except Exception as error:  # a bug or a local failure: give it back, try again later
            log.exception("publishing %s on %s failed", post_id, platform)
            reason = Transient(platform, f"internal error: {type(error).__name__}")
            return self._settle_error(post_id, platform, claim, reason)

    def _claim(self, post_id: str, platform: str, claim: str, now: datetime) -> bool:
        stale = now - timedelta(seconds=self.lease_s)
        query = (
            update(PublishRecord)
            .where(
                PublishRecord.post_id == post_id,
                PublishRecord.platform == platform,
                _claimable(now, stale),
            )
            .values(
                status="publishing",
                claim_token=claim,
                claimed_at=now,
                attempts=PublishRecord.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        with self.db.session() as session:
            result = cast(CursorResult[Any], session.execute(query))
            return result.rowcount == 1

    @contextmanager
    def _renewing(self, post_id: str, platform: str, claim: str) -> Iterator[None]:
        """Keep the claim's lease fresh while the body runs (a long upload outlives it)."""
        every = self.renew_every_s if self.renew_every_s is not None else self.lease_s / 3
        stop = threading.Event()

        def renew() -> None:
            while not stop.wait(every):
                try:
                    self._renew(post_id, platform, claim)
                except Exception:  # the database hiccuped: the next beat tries again
                    log.exception("renewing the lease of %s on %s", post_id, platform)

        beat = threading.Thread(target=renew, name=f"lease-{post_id}-{platform}", daemon=True)
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join()

    def _renew(self, post_id: str, platform: str, claim: str) -> None:
        query = (
            update(PublishRecord)
            .where(
                PublishRecord.post_id == post_id,
                PublishRecord.platform == platform,
                PublishRecord.claim_token == claim,
                PublishRecord.status == "publishing",
            )
            .values(claimed_at=self.clock())
            .execution_options(synchronize_session=False)
        )
        with self.db.session() as session:
            session.execute(query)

    def _video(self, session: Session, post: SocialPost, platform: str) -> Path | None:
        """The post's uploaded video, else the render of its variant (None while there is none)."""
        if post.video_id is None:
            return self.locate_video(post.owner_id, post.shorts_id, post.variant_id)
        row = session.get(SocialVideo, post.video_id)
        path = self.videos.path_of(row.path) if row is not None and self.videos else None
        if path is None or not path.is_file():
            reason = "the uploaded video is gone from the service; upload it again"
            raise BadRequest(platform, reason)
        return path

    def _publish_claimed(self, post_id: str, platform: str, claim: str) -> Outcome:
        with self.db.session() as session:
            post = session.get_one(SocialPost, post_id)
            record = self._record(session, post_id, platform)
            account = session.get_one(SocialAccount, record.account_ref)
            if account.status != "connected":
                raise ReconnectNeeded(platform, f"connect the {platform} account again")
            try:
                tokens = self.cipher.decrypt(account.token_ciphertext)
            except VaultError as error:  # the key changed: only connecting again helps
                raise ReconnectNeeded(platform, str(error)) from None
            video = self._video(session, post, platform)
            title, caption, hashtags = post.title, post.caption, list(post.hashtags)
            key = f"{post.id}:{platform}"
            account_ref = account.id
        if video is None:
            raise BadRequest(platform, "the variant's video is not rendered yet")
        adapter = self.adapters(platform)
        current = [tokens]

        def refreshed(fresh: TokenSet) -> None:
            current[0] = fresh
            self._store_tokens(account_ref, fresh)

        def upload(token_set: TokenSet) -> str:
            receipt = adapter.publish(token_set, video, title, caption, hashtags, key)
            return receipt.external_id

        external_id = with_retries(
            lambda: call_with_refresh(adapter, current[0], upload, refreshed),
            attempts=self.call_attempts,
            max_delay_s=self.max_wait_s,
            sleep=self.sleep,
        )
        return self._settle_published(post_id, platform, claim, external_id)

    def _settle_published(
        self, post_id: str, platform: str, claim: str, external_id: str
    ) -> Outcome:
        now = self.clock()
        with self.db.session() as session:
            record = self._record(session, post_id, platform)
            post = session.get_one(SocialPost, post_id)
            if record.claim_token != claim:
                # Our lease ran out and another run took over: it resumed the same upload
                # (same idempotency key), so there is still one post; its run settles it.
                log.warning("%s on %s: claim lost before settling", post_id, platform)
                return Outcome("skipped")
            record.status = "published"
            record.external_id = external_id
            record.published_at = now
            record.claim_token = None
            record.last_error = None
            record.retry_at = None
            late_by = (now - post.scheduled_at).total_seconds()
            record.late = record.late or late_by >= self.late_after_s
        return Outcome("published")

    def _settle_error(self, post_id: str, platform: str, claim: str, error: SocialError) -> Outcome:
        retry_in = 0.0
        with self.db.session() as session:
            record = self._record(session, post_id, platform)
            if record.claim_token != claim:
                return Outcome("skipped")
            record.claim_token = None
            record.last_error = error.message
            if isinstance(error, ReconnectNeeded | InsufficientScopes | RefreshNeeded):
                account = session.get_one(SocialAccount, record.account_ref)
                account.status = "needs_reconnect"
                account.status_reason = error.message
                record.status = "failed"
                record.last_error = f"reconnect the {platform} account: {error.message}"
            elif isinstance(error, RateLimited | Transient) and record.attempts < self.max_runs:
                record.status = "pending"
                backoff = self.retry_base_s * 2 ** (record.attempts - 1)
                waited = error.retry_after if isinstance(error, RateLimited) else 0.0
                retry_in = max(backoff, waited)
                record.retry_at = self.clock() + timedelta(seconds=retry_in)
            elif isinstance(error, RateLimited | Transient):
                record.status = "failed"
                record.last_error = f"gave up after {record.attempts} tries: {error.message}"
            else:
                record.status = "failed"
            status = record.status
        if status == "pending":
            return Outcome("retry", retry_in)
        return Outcome("failed")

    def _store_tokens(self, account_ref: str, tokens: TokenSet) -> None:
        """Refreshed tokens are saved before anything else can fail (refresh tokens rotate)."""
        with self.db.session() as session:
            account = session.get_one(SocialAccount, account_ref)
            account.token_ciphertext = self.cipher.encrypt(tokens)

    @staticmethod
    def _record(session: Session, post_id: str, platform: str) -> PublishRecord:
        query = select(PublishRecord).where(
            PublishRecord.post_id == post_id, PublishRecord.platform == platform
        )
        return session.scalars(query).one()

    # Recovery

    def due(self) -> list[tuple[str, str, datetime]]:
        """(post, platform, scheduled_at) of every record that should be publishing now: pending
        and due, or claimed by a worker whose lease ran out. Those past their grace are marked
        late here, so a post missed while the service was down says so."""
        now = self.clock()
        stale = now - timedelta(seconds=self.lease_s)
        late_before = now - timedelta(seconds=self.late_after_s)
        query = (
            select(PublishRecord, SocialPost.scheduled_at)
            .join(SocialPost, SocialPost.id == PublishRecord.post_id)
            .where(
                SocialPost.scheduled_at <= now,
                _claimable(now, stale),
            )
        )
        found: list[tuple[str, str, datetime]] = []
        with self.db.session() as session:
            for record, scheduled_at in session.execute(query).all():
                if scheduled_at <= late_before:
                    record.late = True
                found.append((record.post_id, record.platform, scheduled_at))
        return found

    # Metrics

    def fetch_metrics(self, max_age_days: float = 90.0, min_interval_s: float = 10 * 60.0) -> int:
        """One sample per published (post, platform) younger than ``max_age_days`` and not
        sampled in the last ``min_interval_s`` (several service processes each run the periodic
        job; the round stays one sample). Returns how many were stored; a platform that fails is
        skipped until the next round."""
        now = self.clock()
        since = now - timedelta(days=max_age_days)
        recent = select(MetricSample.post_id, MetricSample.platform).where(
            MetricSample.fetched_at > now - timedelta(seconds=min_interval_s)
        )
        query = (
            select(PublishRecord.post_id, PublishRecord.platform, PublishRecord.external_id)
            .join(SocialAccount, SocialAccount.id == PublishRecord.account_ref)
            .where(
                PublishRecord.status == "published",
                PublishRecord.published_at >= since,
                SocialAccount.status == "connected",
            )
        )
        with self.db.session() as session:
            targets = list(session.execute(query).all())
            fresh = {(row.post_id, row.platform) for row in session.execute(recent)}
        stored = 0
        for post_id, platform, external_id in targets:
            if (post_id, platform) in fresh:
                continue
            if external_id and self._sample(post_id, platform, external_id):
                stored += 1
        return stored

    def _sample(self, post_id: str, platform: str, external_id: str) -> bool:
        with self.db.session() as session:
            record = self._record(session, post_id, platform)
            account = session.get_one(SocialAccount, record.account_ref)
            tokens = self.cipher.decrypt(account.token_ciphertext)
            account_ref = account.id
        adapter = self.adapters(platform)
        current = [tokens]

        def refreshed(fresh: TokenSet) -> None:
            current[0] = fresh
            self._store_tokens(account_ref, fresh)

        try:
            metrics = with_retries(
                lambda: call_with_refresh(
                    adapter, current[0], lambda t: adapter.fetch_metrics(t, external_id), refreshed
                ),
                attempts=self.call_attempts,
                max_delay_s=self.max_wait_s,
                sleep=self.sleep,
            )
        except (ReconnectNeeded, InsufficientScopes, RefreshNeeded) as error:
            self._needs_reconnect(account_ref, error.message)
            return False
        except SocialError as error:
            log.warning("metrics of %s on %s: %s", post_id, platform, error)
            return False
        with self.db.session() as session:
            session.add(
                MetricSample(
                    post_id=post_id,
                    platform=platform,
                    fetched_at=self.clock(),
                    views=metrics.views,
                    likes=metrics.likes,
                    comments=metrics.comments,
                    shares=metrics.shares,
                    watch_time_seconds=metrics.watch_time_seconds,
                )
            )
        return True

    def _needs_reconnect(self, account_ref: str, reason: str) -> None:
        with self.db.session() as session:
            account = session.get_one(SocialAccount, account_ref)
            account.status = "needs_reconnect"
            account.status_reason = reason
