"""The queue is the library's Job table: enqueue, claim, finish, cancel and recover, in SQL.

Every state change is a compare-and-set (``UPDATE ... WHERE status = <expected>``), so two runner
processes sharing a library never run the same job, and a cancel racing a finish cannot undo it.
Snapshots (``JobInfo``) leave the session, so callers never hold ORM objects across threads.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from studio.services.library.models import Job, JobEvent, utcnow

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
_HOST = socket.gethostname()


class JobStateError(Exception):
    """The job is not in a state that allows the request (retrying a running job, say)."""


class NoSuchJob(LookupError):
    """No job has that id; the message names it."""


@dataclass(frozen=True)
class JobInfo:
    """A job as it was when read: what lists and views show."""

    id: str
    type: str
    status: str
    priority: int
    progress: float
    message: str
    payload: Mapping[str, Any]
    result: Mapping[str, Any] | None
    error: str | None
    attempts: int
    max_attempts: int
    depends_on: str | None
    production_id: str | None
    shorts_id: str | None
    idempotency_key: str | None
    worker: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def snapshot(job: Job) -> JobInfo:
    return JobInfo(
        id=job.id,
        type=job.type,
        status=job.status,
        priority=job.priority,
        progress=job.progress,
        message=job.message or "",
        payload=dict(job.payload or {}),
        result=None if job.result is None else dict(job.result),
        error=job.error,
        attempts=job.attempts,
        max_attempts=job.max_attempts,
        depends_on=job.depends_on_id,
        production_id=job.production_id,
        shorts_id=job.shorts_id,
        idempotency_key=job.idempotency_key,
        worker=job.worker,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


def worker_name(runner_token: str, thread: int) -> str:
    """``host:pid:runner/thread``: recovery asks whether that process is still alive."""
    return f"{_HOST}:{os.getpid()}:{runner_token}/{thread}"


def worker_is_gone(worker: str | None) -> bool:
    """True when ``worker`` names a process on this machine that no longer exists."""
    if not worker:
        return True
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or not pid_text.isdigit() or os.name != "posix":
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def add_job(
    session: Session,
    job_type: str,
    payload: Mapping[str, Any],
    *,
    max_attempts: int,
    priority: int = 0,
    depends_on: str | None = None,
    production_id: str | None = None,
    shorts_id: str | None = None,
    idempotency_key: str | None = None,
    not_before: datetime | None = None,
) -> Job:
    """A queued job; with an ``idempotency_key`` already used, the existing job instead."""
    if idempotency_key is not None:
        existing = session.scalar(select(Job).where(Job.idempotency_key == idempotency_key))
        if existing is not None:
            return existing
    if depends_on is not None and session.get(Job, depends_on) is None:
        raise NoSuchJob(f"job {depends_on}: no such job to depend on")
    job = Job(
        type=job_type,
        payload=dict(payload),
        status=QUEUED,
        priority=priority,
        depends_on_id=depends_on,
        production_id=production_id,
        shorts_id=shorts_id,
        idempotency_key=idempotency_key,
        not_before=not_before,
        max_attempts=max_attempts,
        attempts=0,
        progress=0.0,
    )
    session.add(job)
    session.flush()
    add_event(session, job.id, "status", QUEUED, 0.0)
    return job


def add_event(
    session: Session, job_id: str, kind: str, message: str, progress: float | None = None
) -> None:
    session.add(JobEvent(job_id=job_id, kind=kind, message=message, progress=progress))


def claim_next(session: Session, worker: str, job_types: Collection[str]) -> Job | None:
    """Mark the next runnable job running for ``worker`` and return it, or None.

    Runnable: queued, not cancelled, past its ``not_before``, its dependency succeeded. The
    highest priority goes first, then the oldest. The update only lands while the job is still
    queued, so when another worker wins the race this one moves to the next candidate.
    """
    now = utcnow()
    parent = aliased(Job)
    candidates = session.scalars(
        select(Job.id)
        .outerjoin(parent, Job.depends_on_id == parent.id)
        .where(
            Job.status == QUEUED,
            Job.cancel_requested.is_(False),
            Job.type.in_(list(job_types)),
            or_(Job.not_before.is_(None), Job.not_before <= now),
            or_(Job.depends_on_id.is_(None), parent.status == SUCCEEDED),
        )
        .order_by(Job.priority.desc(), Job.created_at, Job.id)
        .limit(8)
    ).all()
    for job_id in candidates:
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == QUEUED, Job.cancel_requested.is_(False))
            .values(
                status=RUNNING,
                worker=worker,
                heartbeat_at=now,
                started_at=now,
                attempts=Job.attempts + 1,
                not_before=None,
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            add_event(session, job_id, "status", RUNNING, None)
            session.commit()
            job = session.get(Job, job_id, populate_existing=True)
            assert job is not None
            return job
        session.rollback()
    return None


def root_of(session: Session, job: Job) -> str:
    """The first job of ``job``'s chain: the stable part of its idempotency keys."""
    seen = {job.id}
    current = job
    while current.depends_on_id is not None and current.depends_on_id not in seen:
        parent = session.get(Job, current.depends_on_id)
        if parent is None:
            break
        seen.add(parent.id)
        current = parent
    return current.id


def upstream_result(session: Session, job: Job) -> Mapping[str, Any]:
    if job.depends_on_id is None:
        return {}
    parent = session.get(Job, job.depends_on_id)
    return dict(parent.result or {}) if parent is not None and parent.result else {}


def finish(
    session: Session,
    job_id: str,
    worker: str,
    status: str,
    *,
    result: Mapping[str, Any] | None = None,
    error: str | None = None,
    message: str = "",
) -> bool:
    """Record the end of an attempt run by ``worker``; False when the job was taken from it."""
    values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "message": message}
    if status == SUCCEEDED:
        values |= {"result": dict(result or {}), "progress": 1.0, "error": None}
    if error is not None:
        values["error"] = error
    done = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == RUNNING, Job.worker == worker)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return False
    kind = "error" if status == FAILED else "status"
    add_event(session, job_id, kind, error if status == FAILED and error else status, None)
    if status in (FAILED, CANCELLED):
        cancel_dependents(session, job_id, f"cancelled: job {job_id} {status}")
    session.commit()
    return True


def requeue(
    session: Session, job_id: str, worker: str, not_before: datetime, error: str, note: str
) -> bool:
    """Put a failed attempt back in the queue for a retry at ``not_before``."""
    done = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == RUNNING, Job.worker == worker)
        .values(status=QUEUED, not_before=not_before, error=error, message=note, worker=None)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        return False
    add_event(session, job_id, "log", note, None)
    session.commit()
    return True


def cancel_dependents(session: Session, job_id: str, message: str) -> list[str]:
    """Cancel every queued job downstream of ``job_id``; a failed step stops its chain."""
    cancelled: list[str] = []
    frontier = [job_id]
    while frontier:
        children = session.scalars(
            select(Job).where(Job.depends_on_id.in_(frontier), Job.status == QUEUED)
        ).all()
        frontier = []
        for child in children:
            child.status = CANCELLED
            child.message = message
            child.finished_at = utcnow()
            add_event(session, child.id, "status", message, None)
            cancelled.append(child.id)
            frontier.append(child.id)
    return cancelled


def request_cancel(session: Session, job_id: str) -> Job:
    """Cancel a queued job now, or flag a running one for its worker; finished ones stay."""
    job = get_job(session, job_id)
    if job.status == QUEUED:
        job.status = CANCELLED
        job.message = "cancelled"
        job.finished_at = utcnow()
        add_event(session, job.id, "status", CANCELLED, None)
        cancel_dependents(session, job.id, f"cancelled: job {job.id} cancelled")
    elif job.status == RUNNING:
        job.cancel_requested = True
        add_event(session, job.id, "log", "cancel requested", None)
    session.commit()
    return job


def retry_job(session: Session, job_id: str) -> list[str]:
    """Queue a failed or cancelled job again, with the dependents its end had cancelled.

    The job keeps its id and checkpoint, so its chain and idempotency keys stay the same and a
    resumable job starts from its last safe point.
    """
    job = get_job(session, job_id)
    if job.status not in (FAILED, CANCELLED):
        raise JobStateError(f"job {job_id} is {job.status}; only failed or cancelled jobs retry")
    requeued: list[str] = []
    frontier: Sequence[Job] = [job]
    while frontier:
        for item in frontier:
            item.status = QUEUED
            item.cancel_requested = False
            item.attempts = 0
            item.error = None
            item.message = "retry"
            item.not_before = None
            item.finished_at = None
            add_event(session, item.id, "status", QUEUED, None)
            requeued.append(item.id)
        frontier = session.scalars(
            select(Job).where(
                Job.depends_on_id.in_([item.id for item in frontier]), Job.status == CANCELLED
            )
        ).all()
    session.commit()
    return requeued


def get_job(session: Session, job_id: str) -> Job:
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        raise NoSuchJob(f"job {job_id}: no such job")
    return job


def recover(session: Session, stale_before: datetime, job_types: Collection[str]) -> list[str]:
    """Re-queue jobs a dead runner left ``running``; they resume from their checkpoint.

    A runner is dead when its process is gone (same machine) or its heartbeat is older than
    ``stale_before`` (another machine, or a hung process). Chains whose failed step never got
    to cancel its dependents are tidied too.
    """
    recovered: list[str] = []
    running = session.scalars(
        select(Job).where(Job.status == RUNNING, Job.type.in_(list(job_types)))
    ).all()
    for job in running:
        stale = job.heartbeat_at is None or job.heartbeat_at < stale_before
        if not (stale or worker_is_gone(job.worker)):
            continue
        done = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == RUNNING, Job.worker == job.worker)
            .values(status=QUEUED, worker=None, message="resumed after an interrupted run")
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            add_event(session, job.id, "log", f"recovered from {job.worker or 'no worker'}")
            recovered.append(job.id)
    parent = aliased(Job)
    orphans = session.execute(
        select(Job.depends_on_id, parent.status)
        .join(parent, Job.depends_on_id == parent.id)
        .where(Job.status == QUEUED, parent.status.in_([FAILED, CANCELLED]))
        .distinct()
    ).all()
    for parent_id, status in orphans:
        cancel_dependents(session, str(parent_id), f"cancelled: job {parent_id} {status}")
    session.commit()
    return recovered


def finished_among(session: Session, job_ids: Collection[str]) -> set[str]:
    """Of ``job_ids``, those that ended or no longer exist: their work folders can go."""
    alive = session.scalars(
        select(Job.id).where(Job.id.in_(list(job_ids)), Job.status.in_([QUEUED, RUNNING]))
    ).all()
    return set(job_ids) - set(alive)


def beat(session: Session, worker_jobs: Mapping[str, str]) -> set[str]:
    """Refresh the heartbeats of jobs this runner runs; returns those asked to cancel."""
    now = utcnow()
    for job_id, worker in worker_jobs.items():
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker == worker, Job.status == RUNNING)
            .values(heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
    flagged = session.scalars(
        select(Job.id).where(Job.id.in_(list(worker_jobs)), Job.cancel_requested.is_(True))
    ).all()
    session.commit()
    return set(flagged)


def pending_count(session: Session, job_types: Collection[str], horizon: timedelta) -> int:
    """Jobs of the types this runner knows that are running, or runnable within ``horizon``.

    A job waiting on a queued one is counted once that one has run. A post scheduled for next
    week, and the jobs waiting on it, are not pending: a CLI that runs the queue until it is
    idle must not wait for them. A retry backing off is.
    """
    parent = aliased(Job)
    types = list(job_types)
    running = session.scalar(
        select(func.count()).select_from(Job).where(Job.status == RUNNING, Job.type.in_(types))
    )
    runnable = session.scalar(
        select(func.count())
        .select_from(Job)
        .outerjoin(parent, Job.depends_on_id == parent.id)
        .where(
            Job.status == QUEUED,
            Job.type.in_(types),
            or_(Job.not_before.is_(None), Job.not_before <= utcnow() + horizon),
            or_(Job.depends_on_id.is_(None), parent.status == SUCCEEDED),
        )
    )
    return int(running or 0) + int(runnable or 0)


def backoff_until(seconds: float) -> datetime:
    return utcnow() + timedelta(seconds=seconds)
