"""What running jobs report, persisted in the library and published to subscribers.

Observers hear every progress step; the database hears them at a gentler rate (a job's row
twice a second, a progress event every few seconds), so a render's frame counter never turns
into thousands of writes. A distributed worker would use the same reporter against the shared
database (docs/scaling.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from studio.services.jobs import persist
from studio.services.jobs.events import JobEvents, JobUpdate, UpdateKind
from studio.services.library.models import Job

if TYPE_CHECKING:
    from studio.services.library.db import Library

PROGRESS_SAVE_INTERVAL = 0.5
"""Seconds between writes of a job's progress to its row; observers hear every update."""
PROGRESS_EVENT_INTERVAL = 5.0
"""Seconds between persisted progress events: the history, not every frame."""


@dataclass
class _Tracked:
    job_type: str
    saved_at: float = 0.0
    event_at: float = 0.0


class LibraryReporter:
    """A JobReporter over the library's job tables, publishing to ``events``."""

    def __init__(self, library: Library, events: JobEvents) -> None:
        self.library = library
        self.events = events
        self._jobs: dict[str, _Tracked] = {}
        self._lock = threading.Lock()

    def track(self, job_id: str, job_type: str) -> None:
        with self._lock:
            self._jobs[job_id] = _Tracked(job_type)

    def forget(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def progress(self, job_id: str, fraction: float, message: str) -> None:
        now = time.monotonic()
        with self._lock:
            tracked = self._jobs.get(job_id)
            if tracked is None:
                return
            save = fraction >= 1.0 or now - tracked.saved_at >= PROGRESS_SAVE_INTERVAL
            record = now - tracked.event_at >= PROGRESS_EVENT_INTERVAL
            if save:
                tracked.saved_at = now
            if record:
                tracked.event_at = now
        if save or record:
            with self.library.session() as session:
                if save:
                    session.execute(
                        update(Job)
                        .where(Job.id == job_id)
                        .values(progress=fraction, message=message)
                        .execution_options(synchronize_session=False)
                    )
                if record:
                    persist.add_event(session, job_id, "progress", message, fraction)
        self.publish(job_id, tracked.job_type, "progress", persist.RUNNING, fraction, message)

    def log(self, job_id: str, message: str) -> None:
        with self._lock:
            tracked = self._jobs.get(job_id)
        with self.library.session() as session:
            persist.add_event(session, job_id, "log", message)
        job_type = tracked.job_type if tracked is not None else ""
        self.publish(job_id, job_type, "log", persist.RUNNING, None, message)

    def save_checkpoint(self, job_id: str, data: Mapping[str, Any]) -> None:
        with self.library.session() as session:
            session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(checkpoint=dict(data))
                .execution_options(synchronize_session=False)
            )

    def publish(
        self,
        job_id: str,
        job_type: str,
        kind: UpdateKind,
        status: str,
        progress: float | None,
        message: str,
    ) -> None:
        self.events.publish(JobUpdate(job_id, job_type, kind, status, progress, message))
