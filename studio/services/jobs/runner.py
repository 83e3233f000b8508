"""The local job runner: a persistent queue in the library and a small pool of worker threads.

``JobQueue`` is the seam: the app, the CLI and the tests talk to it, and ``LocalRunner`` is one
implementation. A distributed runner (docs/scaling.md) would implement the same protocol and run
the same registered job functions.

Life of a job: queued -> running (claimed by one worker, heartbeating) -> succeeded | failed |
cancelled. A network job that fails goes back to queued with an exponential delay until its
attempts run out. A failed or cancelled job cancels the jobs that depend on it. Jobs found
``running`` at start whose runner died are queued again and resume from their checkpoint.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select, update

from studio.services.jobs import persist
from studio.services.jobs.context import (
    SHUTDOWN,
    CancelToken,
    JobCancelled,
    JobContext,
    JobRefused,
)
from studio.services.jobs.events import JobEvents, Subscriber
from studio.services.jobs.persist import JobInfo
from studio.services.jobs.registry import Registry, default_registry
from studio.services.jobs.reporter import LibraryReporter
from studio.services.library.models import Job, utcnow

if TYPE_CHECKING:
    from studio.services.library.db import Library

log = logging.getLogger(__name__)

PRIORITY_PREVIEW = 10
"""A preview or draft render: the creator is waiting for it."""
PRIORITY_NORMAL = 0
PRIORITY_BATCH = -10
"""A batch export: runs when nothing more urgent is queued."""

IDLE_HORIZON = timedelta(minutes=2)
"""``run_until_idle`` waits for jobs due within this long (retries), not for scheduled ones."""


@dataclass(frozen=True)
class ChainStep:
    """One step of a chain: a job type and its payload."""

    type: str
    payload: Mapping[str, Any] = field(default_factory=dict)


class JobQueue(Protocol):
    """What the app and the CLI need from a job system, whoever runs the jobs."""

    def enqueue(
        self,
        job_type: str,
        payload: Mapping[str, Any] | None = None,
        *,
        priority: int = PRIORITY_NORMAL,
        depends_on: str | None = None,
        production_id: str | None = None,
        shorts_id: str | None = None,
        idempotency_key: str | None = None,
        not_before: datetime | None = None,
    ) -> JobInfo: ...

    def enqueue_chain(
        self,
        steps: Sequence[ChainStep | tuple[str, Mapping[str, Any]]],
        *,
        priority: int = PRIORITY_NORMAL,
        production_id: str | None = None,
        shorts_id: str | None = None,
    ) -> list[JobInfo]: ...

    def cancel(self, job_id: str) -> JobInfo: ...

    def retry(self, job_id: str) -> JobInfo: ...

    def get(self, job_id: str) -> JobInfo: ...

    def list(
        self,
        *,
        status: str | None = None,
        production_id: str | None = None,
        shorts_id: str | None = None,
        limit: int = 100,
    ) -> list[JobInfo]: ...

    def subscribe(self, callback: Subscriber) -> Callable[[], None]: ...


def _owned(
    payload: Mapping[str, Any], production_id: str | None, shorts_id: str | None
) -> dict[str, Any]:
    """The payload with its owner's id, which the job function reads from there."""
    owned = dict(payload)
    if production_id is not None:
        owned.setdefault("production_id", production_id)
    if shorts_id is not None:
        owned.setdefault("shorts_id", shorts_id)
    return owned


_Claimed = tuple[JobInfo, Mapping[str, Any], str, Mapping[str, Any]]
"""A claimed job: its snapshot, checkpoint, chain root id and upstream result."""


@dataclass
class _Active:
    """A job this runner is running now."""

    job_type: str
    worker: str
    token: CancelToken
    user_cancel: bool = False


class LocalRunner:
    """Runs queued jobs on ``workers`` threads of this process; safe beside other runners."""

    def __init__(
        self,
        library: Library,
        *,
        workers: int = 2,
        registry: Registry | None = None,
        heartbeat_interval: float = 1.0,
        stale_after: float = 30.0,
        poll_interval: float = 0.25,
    ) -> None:
        self.library = library
        self.registry = registry or default_registry()
        self.workers = max(1, workers)
        self.heartbeat_interval = heartbeat_interval
        self.stale_after = stale_after
        self.poll_interval = poll_interval
        self.events = JobEvents()
        self._reporter = LibraryReporter(library, self.events)
        self._token = uuid.uuid4().hex[:8]
        self._active: dict[str, _Active] = {}
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # The JobQueue protocol

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        return self.events.subscribe(callback)

    def enqueue(
        self,
        job_type: str,
        payload: Mapping[str, Any] | None = None,
        *,
        priority: int = PRIORITY_NORMAL,
        depends_on: str | None = None,
        production_id: str | None = None,
        shorts_id: str | None = None,
        idempotency_key: str | None = None,
        not_before: datetime | None = None,
    ) -> JobInfo:
        """Queue one job. ``production_id``/``shorts_id`` file it under its owner and are
        added to the payload when it does not name them; ``idempotency_key`` makes a second
        enqueue return the first job; ``not_before`` holds it until then (a scheduled post)."""
        kind = self.registry.get(job_type)
        with self.library.session() as session:
            job = persist.add_job(
                session,
                job_type,
                _owned(payload or {}, production_id, shorts_id),
                max_attempts=kind.max_attempts,
                priority=priority,
                depends_on=depends_on,
                production_id=production_id,
                shorts_id=shorts_id,
                idempotency_key=idempotency_key,
                not_before=not_before,
            )
            session.commit()
            info = persist.snapshot(job)
        self._status(info, info.status, info.progress, "queued")
        self._notify()
        return info

    def enqueue_chain(
        self,
        steps: Sequence[ChainStep | tuple[str, Mapping[str, Any]]],
        *,
        priority: int = PRIORITY_NORMAL,
        production_id: str | None = None,
        shorts_id: str | None = None,
    ) -> list[JobInfo]:
        """Queue ``steps`` in one transaction, each depending on the one before."""
        chain = [step if isinstance(step, ChainStep) else ChainStep(*step) for step in steps]
        kinds = [self.registry.get(step.type) for step in chain]
        infos: list[JobInfo] = []
        with self.library.session() as session:
            previous: str | None = None
            for step, kind in zip(chain, kinds, strict=True):
                job = persist.add_job(
                    session,
                    step.type,
                    _owned(step.payload, production_id, shorts_id),
                    max_attempts=kind.max_attempts,
                    priority=priority,
                    depends_on=previous,
                    production_id=production_id,
                    shorts_id=shorts_id,
                )
                previous = job.id
                infos.append(persist.snapshot(job))
            session.commit()
        for info in infos:
            self._status(info, info.status, 0.0, "queued")
        self._notify()
        return infos

    def cancel(self, job_id: str) -> JobInfo:
        """Cancel a job: a queued one at once, a running one within moments (its worker stops
        it), and in both cases the jobs that depend on it."""
        with self._lock:
            active = self._active.get(job_id)
            if active is not None:
                active.user_cancel = True
                active.token.set()
        with self.library.session() as session:
            job = persist.request_cancel(session, job_id)
            info = persist.snapshot(job)
        if info.status == persist.CANCELLED:
            self._status(info, info.status, info.progress, "cancelled")
        return info

    def retry(self, job_id: str) -> JobInfo:
        with self.library.session() as session:
            requeued = persist.retry_job(session, job_id)
            infos = [persist.snapshot(persist.get_job(session, item)) for item in requeued]
        for info in infos:
            self._status(info, info.status, info.progress, "retry")
        self._notify()
        return infos[0]

    def get(self, job_id: str) -> JobInfo:
        with self.library.session() as session:
            return persist.snapshot(persist.get_job(session, job_id))

    def list(
        self,
        *,
        status: str | None = None,
        production_id: str | None = None,
        shorts_id: str | None = None,
        limit: int = 100,
    ) -> list[JobInfo]:
        """Jobs, newest first."""
        query = select(Job).order_by(Job.created_at.desc(), Job.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Job.status == status)
        if production_id is not None:
            query = query.where(Job.production_id == production_id)
        if shorts_id is not None:
            query = query.where(Job.shorts_id == shorts_id)
        with self.library.session() as session:
            return [persist.snapshot(job) for job in session.scalars(query)]

    # Running

    def start(self) -> None:
        """Recover interrupted jobs, then run the queue in the background until ``stop``."""
        if self._threads:
            return
        self.recover()
        self._stopping.clear()
        self._threads = [
            threading.Thread(target=self._work, args=(index,), name=f"job-worker-{index}")
            for index in range(self.workers)
        ]
        self._threads.append(threading.Thread(target=self._heartbeat, name="job-heartbeat"))
        for thread in self._threads:
            thread.daemon = True
            thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the workers; jobs still running are interrupted and resume at the next start."""
        self._stopping.set()
        with self._lock:
            for active in self._active.values():
                active.token.set(SHUTDOWN)
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def run_until_idle(self, timeout: float | None = None) -> None:
        """Run until no job of a known type is queued or running anywhere (for the CLI and
        tests); raises TimeoutError after ``timeout`` seconds with the workers stopped."""
        deadline = None if timeout is None else time.monotonic() + timeout
        self.start()
        try:
            while not self._idle():
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"jobs still pending after {timeout} s")
                time.sleep(self.poll_interval)
        finally:
            self.stop()

    def recover(self) -> Sequence[str]:
        """Queue again the jobs a dead runner left running, and remove ended jobs' folders."""
        stale_before = utcnow() - timedelta(seconds=self.stale_after)
        work_root = self._work_root()
        folders = [f.name for f in work_root.iterdir()] if work_root.is_dir() else []
        with self.library.session() as session:
            recovered = persist.recover(session, stale_before, self.registry.names())
            ended = persist.finished_among(session, folders)
        for job_id in recovered:
            log.info("job %s was interrupted; it will resume", job_id)
        for name in ended:
            shutil.rmtree(work_root / name, ignore_errors=True)
        return recovered

    def _idle(self) -> bool:
        with self._lock:
            if self._active:
                return False
        with self.library.session() as session:
            pending = persist.pending_count(session, self.registry.names(), IDLE_HORIZON)
        return pending == 0

    def _notify(self) -> None:
        with self._lock:
            self._wake.notify_all()

    def _work(self, index: int) -> None:
        worker = persist.worker_name(self._token, index)
        while not self._stopping.is_set():
            try:
                claimed = self._claim(worker)
            except Exception:
                log.exception("claiming a job failed; trying again shortly")
                claimed = None
            if claimed is None:
                with self._lock:
                    if not self._stopping.is_set():
                        self._wake.wait(self.poll_interval)
                continue
            try:
                self._run(claimed, worker)
            except Exception:
                log.exception("recording the end of job %s failed", claimed[0].id)

    def _claim(self, worker: str) -> _Claimed | None:
        with self.library.session() as session:
            job = persist.claim_next(session, worker, self.registry.names())
            if job is None:
                return None
            with self._lock:
                self._active[job.id] = _Active(job.type, worker, CancelToken())
            self._reporter.track(job.id, job.type)
            checkpoint = dict(job.checkpoint or {})
            root = persist.root_of(session, job)
            upstream = persist.upstream_result(session, job)
            return persist.snapshot(job), checkpoint, root, upstream

    def _run(self, claimed: _Claimed, worker: str) -> None:
        info, checkpoint, root, upstream = claimed
        with self._lock:
            active = self._active[info.id]
        kind = self.registry.get(info.type)
        context = JobContext(
            info.id,
            info.type,
            self.library,
            self._reporter,
            root_id=info.idempotency_key or root,
            attempt=info.attempts,
            max_attempts=info.max_attempts,
            checkpoint=checkpoint if kind.resumable else None,
            upstream=upstream,
            work_dir=self._work_root() / info.id,
            cancelled=active.token,
        )
        self._status(info, persist.RUNNING, 0.0, "running")
        try:
            result = kind.run(info.payload, context)
        except JobCancelled:
            self._end_cancelled(info, active, worker)
        except Exception as error:
            if active.token.is_set():
                self._end_cancelled(info, active, worker)
            else:
                retry = kind.network and not isinstance(error, JobRefused)
                self._end_failed(info, worker, error, retry, kind.retry_delay)
        else:
            self._end_succeeded(info, worker, result)
        finally:
            self._reporter.forget(info.id)
            with self._lock:
                self._active.pop(info.id, None)
                self._wake.notify_all()

    def _end_succeeded(self, info: JobInfo, worker: str, result: Mapping[str, Any]) -> None:
        try:
            json.dumps(dict(result))
        except (TypeError, ValueError) as error:
            problem = TypeError(f"the job's result cannot be saved as JSON: {error}")
            self._end_failed(info, worker, problem, False, lambda attempts: 0.0)
            return
        with self.library.session() as session:
            ended = persist.finish(session, info.id, worker, persist.SUCCEEDED, result=result)
        if ended:
            self._status(info, persist.SUCCEEDED, 1.0, "succeeded")
            self._remove_work(info.id)

    def _end_cancelled(self, info: JobInfo, active: _Active, worker: str) -> None:
        if active.token.interrupted and not active.user_cancel:
            with self.library.session() as session:
                session.execute(
                    update(Job)
                    .where(Job.id == info.id, Job.worker == worker, Job.status == persist.RUNNING)
                    .values(status=persist.QUEUED, worker=None, message="interrupted; will resume")
                    .execution_options(synchronize_session=False)
                )
                persist.add_event(session, info.id, "log", "interrupted by shutdown; will resume")
                session.commit()
            self._status(info, persist.QUEUED, 0.0, "interrupted")
            return
        with self.library.session() as session:
            ended = persist.finish(session, info.id, worker, persist.CANCELLED, message="cancelled")
        if ended:
            self._status(info, persist.CANCELLED, 0.0, "cancelled")
            self._remove_work(info.id)

    def _end_failed(
        self,
        info: JobInfo,
        worker: str,
        error: Exception,
        retry: bool,
        delay_for: Callable[[int], float],
    ) -> None:
        message = str(error) or type(error).__name__
        trace = None if isinstance(error, JobRefused) else error
        log.warning("job %s (%s) failed: %s", info.id, info.type, message, exc_info=trace)
        if retry and info.attempts < info.max_attempts:
            delay = delay_for(info.attempts)
            note = (
                f"attempt {info.attempts} of {info.max_attempts} failed: {message}; "
                f"retrying in {delay:g} s"
            )
            with self.library.session() as session:
                requeued = persist.requeue(
                    session, info.id, worker, persist.backoff_until(delay), message, note
                )
            if requeued:
                self._reporter.publish(info.id, info.type, "log", persist.QUEUED, 0.0, note)
            return
        with self.library.session() as session:
            ended = persist.finish(session, info.id, worker, persist.FAILED, error=message)
        if ended:
            self._reporter.publish(info.id, info.type, "error", persist.FAILED, 0.0, message)
            self._remove_work(info.id)

    def _heartbeat(self) -> None:
        """Beat for the running jobs, pass on cancels asked from elsewhere, and now and then
        recover jobs of runners that died while this one runs."""
        last_recovery = time.monotonic()
        while not self._stopping.wait(self.heartbeat_interval):
            if time.monotonic() - last_recovery > self.stale_after:
                last_recovery = time.monotonic()
                try:
                    if self.recover():
                        self._notify()
                except Exception:
                    log.exception("recovering interrupted jobs failed; trying again later")
            with self._lock:
                running = {job_id: active.worker for job_id, active in self._active.items()}
            if not running:
                continue
            try:
                with self.library.session() as session:
                    flagged = persist.beat(session, running)
            except Exception:
                log.exception("the job heartbeat failed; trying again")
                continue
            with self._lock:
                for job_id in flagged:
                    active = self._active.get(job_id)
                    if active is not None:
                        active.user_cancel = True
                        active.token.set()

    def _work_root(self) -> Path:
        return Path(self.library.data_dir) / "work"

    def _remove_work(self, job_id: str) -> None:
        shutil.rmtree(self._work_root() / job_id, ignore_errors=True)

    def _status(self, info: JobInfo, status: str, progress: float, message: str) -> None:
        self._reporter.publish(info.id, info.type, "status", status, progress, message)
